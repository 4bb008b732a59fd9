"""Importing judges and mentors from a workbook: the template, the report row by row, the
preview, the confirmation that applies every row or none, idempotent by email; every bad
file or row is refused with its message and leaves the database as it was."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.db import db, utcnow
from app.mail.outbox import OutboxMessage
from app.people.imports import checks
from app.people.models import ExpertiseTag, Role, RoleGrant, User
from app.spreadsheets import XLSX_MIMETYPE
from app.units.models import Unit
from tests.helpers import csrf_token, login, post_form, snapshot
from tests.import_pages import (
    ALLOWED,
    LOGIN,
    ROLES,
    UPLOAD_ID,
    ImportPage,
    file_problem,
    problems,
)

# fmt: off
ACCESS: dict[str, dict[str, int | str]] = {
    "admin.import_experts":          ALLOWED,
    "admin.import_experts_template": ALLOWED,
}
POST_ENDPOINTS = {"admin.import_experts_apply"}
# fmt: on

PAGE = "/admin/imports/experts"
APPLY = "/admin/imports/experts/apply"
PAGES = ImportPage(PAGE, APPLY, "Chuyên gia.xlsx")
upload, confirm = PAGES.upload, PAGES.confirm
TEMPLATE = "/admin/imports/experts/template.xlsx"
HEADERS = [column.header for column in checks.COLUMNS]

PREVIEW = re.compile(
    r'id="preview-counts" data-create="(\d+)" data-update="(\d+)" data-unchanged="(\d+)" '
    r'data-grants="(\d+)"'
)


@dataclass
class World:
    accounts: dict[str, User | None]
    unit: Unit
    finance: ExpertiseTag
    farming: ExpertiseTag
    known: User  # a participant who will become a judge and mentor


@pytest.fixture()
def world(db, factory) -> World:
    unit = factory.unit("Trường Đại học Sư phạm Đà Nẵng")
    unit.code = "DHSP-DN"
    finance = ExpertiseTag(code="finance", name_vi="Tài chính", name_en="Finance")
    farming = ExpertiseTag(code="agri", name_vi="Nông nghiệp", name_en="Agriculture")
    db.session.add_all([finance, farming])
    accounts = {
        "anonymous": None,
        "participant": factory.user("Phạm Văn Chiến", roles=(Role.PARTICIPANT,)),
        "judge": factory.user("Trần Thị Bình", roles=(Role.JUDGE,)),
        "organizer": factory.user("Đặng Văn Hùng", roles=(Role.ORGANIZER,)),
        "admin": factory.user("Võ Thị Sáu", roles=(Role.ADMIN,)),
    }
    known = factory.user("Lê Thị Hồng Nhung", email="nhung@example.vn")
    db.session.flush()
    return World(accounts, unit, finance, farming, known)


def sign_in(client, world: World, role: str = "admin", locale: str = "en") -> None:  # noqa: ANN001
    user = world.accounts[role]
    if user is not None:
        user.locale = locale
        db.session.flush()
        assert login(client, user.email).status_code == 302


def xlsx(rows: list[list], *, heading: list | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS if heading is None else heading)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD_ROWS = [
    ["Nguyễn Minh Khoa", "Khoa.Nguyen@Example.vn ", "Giám khảo", "TS., Giảng viên chính",
     "dhsp-dn", "0905 123 456", "Tài chính; nong nghiep"],
    ["Trương Thị Lan Anh", "lananh@example.vn", "Cố vấn", None, "Trường Đại học Sư Phạm "
     "Đà Nẵng", None, "agri"],
    ["LE THI HONG NHUNG", "nhung@example.vn", "giam khao va co van", None, None, None, None],
]  # fmt: skip


def user(db, email: str) -> User | None:  # noqa: ANN001
    return db.session.scalar(select(User).where(User.email == email))


def count(db, model) -> int:  # noqa: ANN001
    return db.session.scalar(select(func.count()).select_from(model))


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_access(client, world, role):
    sign_in(client, world, role)
    for endpoint, url in (("admin.import_experts", PAGE), ("admin.import_experts_template",
                                                          TEMPLATE)):  # fmt: skip
        response = client.get(url)
        got = LOGIN if response.status_code == 302 else response.status_code
        assert got == ACCESS[endpoint][role], (endpoint, role)


@pytest.mark.parametrize("role", ["anonymous", "participant", "judge"])
def test_others_cannot_apply_an_import_and_nothing_changes(app, client, db, world, role):
    sign_in(client, world, "admin")
    preview = upload(client, xlsx(GOOD_ROWS))
    upload_id = UPLOAD_ID.search(preview.get_data(as_text=True)).group(1)
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, PAGE)})
    other = app.test_client()
    sign_in(other, world, role)
    before = snapshot(db)
    token = csrf_token(other, "/auth/login" if role == "anonymous" else "/auth/profile")
    response = other.post(APPLY, data={"csrf_token": token, "upload_id": upload_id})
    expected = LOGIN if role == "anonymous" else 403
    assert (LOGIN if response.status_code == 302 else response.status_code) == expected
    assert snapshot(db) == before


def test_another_organizers_upload_cannot_be_confirmed(app, client, db, world, factory):
    sign_in(client, world, "admin")
    preview = upload(client, xlsx(GOOD_ROWS))
    upload_id = UPLOAD_ID.search(preview.get_data(as_text=True)).group(1)
    other = app.test_client()
    sign_in(other, world, "organizer")
    before = snapshot(db)
    response = other.post(
        APPLY, data={"csrf_token": csrf_token(other, PAGE), "upload_id": upload_id}
    )
    assert response.status_code == 404
    assert snapshot(db) == before


def test_the_users_page_links_to_the_import(client, world):
    sign_in(client, world)
    assert f'href="{PAGE}"' in client.get("/admin/users").get_data(as_text=True)


# --- the template ---------------------------------------------------------------------------


def test_the_template_has_its_header_an_example_and_drop_down_lists(client, world):
    sign_in(client, world, "organizer")
    response = client.get(TEMPLATE)
    assert response.status_code == 200
    assert response.mimetype == XLSX_MIMETYPE
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Chuyên gia", "Hướng dẫn"]
    sheet = book["Chuyên gia"]
    assert [c.value for c in sheet[1]][: len(HEADERS)] == HEADERS  # then the features' columns
    example = [c.value for c in sheet[2]]
    assert example[:3] == ["Nguyễn Văn A", checks.EXAMPLE_EMAIL, "Giám khảo"]
    assert example[6] == "Nông nghiệp; Tài chính"  # today's tags, in the guide too
    assert sheet.freeze_panes == "A2"
    lists = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert len(lists) == 1
    assert lists[0].formula1 == '"Giám khảo,Cố vấn,Giám khảo và cố vấn"'
    assert "C2" in lists[0].sqref
    guide = [c.value for row in book["Hướng dẫn"].iter_rows() for c in row if c.value]
    assert "Vai trò" in guide and "finance — Tài chính" in guide


def test_the_template_sent_back_unchanged_is_refused_as_an_example(client, db, world):
    sign_in(client, world)
    template = client.get(TEMPLATE).data
    before = snapshot(db)
    assert problems(upload(client, template)) == [(2, "example_row", "")]
    assert snapshot(db) == before


# --- the import -----------------------------------------------------------------------------


def test_preview_then_confirm_creates_accounts_and_grants_roles(client, db, world, mailbox):
    sign_in(client, world, "organizer")
    preview = upload(client, xlsx(GOOD_ROWS))
    assert problems(preview) == []
    # Two new accounts; the known participant gains two roles.
    assert PREVIEW.search(preview.get_data(as_text=True)).groups() == ("2", "1", "0", "2")
    assert user(db, "khoa.nguyen@example.vn") is None  # a preview changes no account

    response = confirm(client, preview)
    assert response.status_code == 302
    khoa = user(db, "khoa.nguyen@example.vn")
    assert khoa.full_name == "Nguyễn Minh Khoa"
    assert khoa.role_names() == {"judge"}
    assert (khoa.title, khoa.unit_id, khoa.phone) == ("TS., Giảng viên chính", world.unit.id,
                                                     "0905123456")  # fmt: skip
    assert [t.code for t in khoa.expertise] == ["agri", "finance"]
    assert khoa.password_hash is None
    lan_anh = user(db, "lananh@example.vn")
    assert lan_anh.role_names() == {"mentor"} and lan_anh.unit_id == world.unit.id
    nhung = user(db, "nhung@example.vn")
    assert nhung.role_names() == {"participant", "judge", "mentor"}
    assert nhung.full_name == "Lê Thị Hồng Nhung"  # never overwritten
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import.experts"))
    assert event.actor_id == world.accounts["organizer"].id
    assert (event.new["created"], event.new["updated"], event.new["role_grants"]) == (2, 1, 2)
    assert db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "role.grant")
    ) == 4  # fmt: skip

    # The activation emails went to the new people only; the link works once.
    assert sorted(m["To"] for m in mailbox) == ["khoa.nguyen@example.vn", "lananh@example.vn"]
    link = mailbox.link_to("khoa.nguyen@example.vn", "/auth/activate/")
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, PAGE)})
    password = "Cây lúa quê hương 2026"
    assert post_form(client, link, {"password": password, "confirm": password}).status_code == 302
    assert login(client, "khoa.nguyen@example.vn", password).status_code == 302
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/auth/profile")})
    assert client.get(link).status_code == 410  # used: gone
    other = "Một mật khẩu khác 2026"
    post_form(client, link, {"password": other, "confirm": other}, form_page="/auth/login")
    assert login(client, "khoa.nguyen@example.vn", other).status_code != 302


def test_the_same_file_applied_twice_changes_nothing_the_second_time(client, db, world, mailbox):
    sign_in(client, world)
    data = xlsx(GOOD_ROWS)
    first = upload(client, data)
    assert confirm(client, first).status_code == 302
    users, grants, mails = count(db, User), count(db, RoleGrant), count(db, OutboxMessage)
    mailbox.clear()

    # The confirmation posted again (a double click) re-checks and applies nothing.
    response = confirm(client, first)
    assert response.status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert "Nothing changed: every row of the file was already in place." in page
    # The same file uploaded again: every row unchanged, nothing to confirm.
    second = upload(client, data)
    html = second.get_data(as_text=True)
    assert PREVIEW.search(html).groups() == ("0", "0", "3", "0")
    assert 'id="nothing-to-do"' in html and not UPLOAD_ID.search(html)
    assert (count(db, User), count(db, RoleGrant), count(db, OutboxMessage)) == (
        users, grants, mails)  # fmt: skip
    assert list(mailbox) == []


def test_headers_are_read_without_case_or_diacritics(client, db, world):
    sign_in(client, world)
    heading = ["HO VA TEN", "email", "vai tro", "Chuc danh / hoc ham", "don vi cong tac",
               "Dien thoai", "linh vuc chuyen mon"]  # fmt: skip
    preview = upload(client, xlsx(GOOD_ROWS[:1], heading=heading))
    assert file_problem(preview) is None and problems(preview) == []
    assert UPLOAD_ID.search(preview.get_data(as_text=True))


# --- bad files ------------------------------------------------------------------------------


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx(GOOD_ROWS))) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b" " * (8 * 1024 * 1024) + b"</sheetData>")
            target.writestr(item.filename, data)
    assert len(out.getvalue()) < 200_000
    return out.getvalue()


def _bad_file(case: str) -> tuple[bytes, str]:
    if case == "zero bytes":
        return b"", "chuyen-gia.xlsx"
    if case == "workbook without rows":
        out = io.BytesIO()
        Workbook().save(out)
        return out.getvalue(), "chuyen-gia.xlsx"
    if case == "header only":
        return xlsx([]), "chuyen-gia.xlsx"
    ole = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504
    if case == "xls":
        return ole, "chuyen-gia.xls"
    if case == "xls renamed":
        return ole, "chuyen-gia.xlsx"
    if case == "csv renamed":
        return "Họ và tên,Email\nNguyễn Minh Khoa,khoa@example.vn\n".encode(), "chuyen-gia.xlsx"
    if case == "zip bomb":
        return _zip_bomb(), "bom.xlsx"
    raise AssertionError(case)


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("zero bytes", "empty"),
        ("workbook without rows", "empty"),
        ("header only", "no_rows"),
        ("xls", "not_xlsx"),
        ("xls renamed", "not_xlsx"),
        ("csv renamed", "not_xlsx"),
        ("zip bomb", "unsafe"),
    ],
)
def test_a_bad_file_is_refused_and_nothing_changes(client, db, world, case, reason):
    data, name = _bad_file(case)
    sign_in(client, world)
    before = snapshot(db)
    response = upload(client, data, name)
    assert response.status_code == 200
    assert file_problem(response) == reason
    assert not UPLOAD_ID.search(response.get_data(as_text=True))
    assert snapshot(db) == before


def test_a_wrong_header_names_the_column(client, db, world):
    sign_in(client, world)
    heading = [*HEADERS]
    heading[0] = "Tên"
    before = snapshot(db)
    response = upload(client, xlsx(GOOD_ROWS, heading=heading))
    assert file_problem(response) == "bad_header"
    html = response.get_data(as_text=True)
    assert "Column A is headed “Tên”; it should be “Họ và tên”." in html
    assert snapshot(db) == before


def test_a_missing_column_names_where_it_should_be(client, db, world):
    """Without the role column the columns after it shift left: each is named."""
    sign_in(client, world)
    heading = [h for h in HEADERS if h != "Vai trò"]
    rows = [[v for i, v in enumerate(r) if i != 2] for r in GOOD_ROWS]
    before = snapshot(db)
    response = upload(client, xlsx(rows, heading=heading))
    assert file_problem(response) == "bad_header"
    html = response.get_data(as_text=True)
    assert "Column C is headed “Chức danh / học hàm”; it should be “Vai trò”." in html
    assert "Column G has no heading; it should be “Lĩnh vực chuyên môn”." in html
    assert snapshot(db) == before


# --- bad rows -------------------------------------------------------------------------------


def _hostile_rows(world: World) -> dict[str, tuple[list[list], list[tuple[int, str, str]]]]:
    good = ["Hồ Văn Tư", "tu@example.vn", "Cố vấn", None, None, None, None]

    def changed(**values: object) -> list:
        row = list(good)
        for key, value in values.items():
            row[[c.key for c in checks.COLUMNS].index(key)] = value
        return row

    return {
        "duplicate email": ([good, changed(full_name="Hồ Văn Tám", email="TU@example.vn")],
                            [(3, "duplicate", "B")]),
        "existing person, other name": ([good, changed(email="nhung@example.vn")],
                                        [(3, "name_differs", "B")]),
        "formula": ([good, changed(email="tam@example.vn", full_name='=HYPERLINK("x","y")')],
                    [(3, "formula", "A")]),
        "bad email": ([good, changed(email="tam@example")], [(3, "not_email", "B")]),
        "missing name": ([good, changed(email="tam@example.vn", full_name=None)],
                         [(3, "missing", "A")]),
        "unknown role": ([good, changed(email="tam@example.vn", role="Thư ký")],
                         [(3, "not_choice", "C")]),
        "unknown unit": ([good, changed(email="tam@example.vn", unit="Trường Không Có")],
                         [(3, "unknown_unit", "E")]),
        "unknown expertise": ([good, changed(email="tam@example.vn", expertise="agri; Vũ trụ")],
                              [(3, "unknown_tag", "G")]),
        "bad phone": ([good, changed(email="tam@example.vn", phone="12345")],
                      [(3, "not_phone", "F")]),
        "name too long": ([good, changed(email="tam@example.vn", full_name="A" * 121)],
                          [(3, "too_long", "A")]),
    }  # fmt: skip


@pytest.mark.parametrize(
    "case",
    ["duplicate email", "existing person, other name", "formula", "bad email", "missing name",
     "unknown role", "unknown unit", "unknown expertise", "bad phone", "name too long"],
)  # fmt: skip
def test_a_bad_row_is_reported_and_nothing_is_imported(client, db, world, case):
    rows, expected = _hostile_rows(world)[case]
    sign_in(client, world)
    before = snapshot(db)
    response = upload(client, xlsx(rows))
    assert problems(response) == expected
    assert not UPLOAD_ID.search(response.get_data(as_text=True))
    assert snapshot(db) == before


def test_the_messages_say_what_is_wrong_and_where(client, db, world):
    sign_in(client, world)
    rows, _expected = _hostile_rows(world)["duplicate email"]
    html = upload(client, xlsx(rows)).get_data(as_text=True)
    assert "The same email as row 2: one row per person." in html
    rows, _expected = _hostile_rows(world)["existing person, other name"]
    html = upload(client, xlsx(rows)).get_data(as_text=True)
    assert (
        "An account with the email nhung@example.vn already exists under another name "
        "(Lê Thị Hồng Nhung)." in html
    )
    rows, _expected = _hostile_rows(world)["formula"]
    html = upload(client, xlsx(rows)).get_data(as_text=True)
    assert "A formula (=HYPERLINK(&#34;x&#34;,&#34;y&#34;)): type the value itself." in html


def test_the_report_reads_in_vietnamese(app, client, db, world):
    """Signed in in Vietnamese: the column is named by its Vietnamese header and the
    message comes from the Vietnamese catalog."""
    sign_in(client, world, locale="vi")
    rows, _expected = _hostile_rows(world)["duplicate email"]
    html = upload(client, xlsx(rows)).get_data(as_text=True)
    with app.test_request_context(), force_locale("vi"):
        message = _("The same email as row %(row)d: one row per person.", row=2)
        heading = _("3. Check report")
    assert heading == "3. Báo cáo kiểm tra" and heading in html
    assert '<th scope="col">Dòng</th>' in html and '<th scope="col">Cột</th>' in html
    assert "B · Email" in html and message in html


def test_a_disabled_account_is_refused(client, db, world):
    world.known.disabled_at = utcnow()
    db.session.flush()
    sign_in(client, world)
    before = snapshot(db)
    response = upload(client, xlsx([GOOD_ROWS[2]]))
    assert problems(response) == [(2, "disabled", "B")]
    assert snapshot(db) == before


def test_the_confirmation_checks_again_and_applies_nothing_if_a_row_no_longer_passes(
    client, db, world, factory, mailbox
):
    """Between the preview and the confirmation someone made an account for one of the
    emails under another name: the whole import is refused, the other rows too."""
    sign_in(client, world)
    preview = upload(client, xlsx(GOOD_ROWS))
    factory.user("Lan Anh Khác", email="lananh@example.vn")
    before = snapshot(db)
    response = confirm(client, preview)
    assert response.status_code == 200
    assert (3, "name_differs", "B") in problems(response)
    assert snapshot(db) == before
    assert user(db, "khoa.nguyen@example.vn") is None
    assert list(mailbox) == []
