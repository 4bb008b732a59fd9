"""Importing participants with their teams from a workbook: the template, the report row by
row, the preview, the confirmation that applies every row or none, idempotent (people by
email, teams by name and leader); every bad file or row is refused with its message and
leaves the database as it was."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.db import db
from app.mail.outbox import OutboxMessage
from app.people.models import Role, RoleGrant, User
from app.spreadsheets import XLSX_MIMETYPE
from app.units.models import Unit
from competitions.models import Team, TeamMember
from competitions.teams import imports
from tests.helpers import csrf_token, login, post_form, snapshot
from tests.import_pages import (
    ALLOWED,
    LOGIN,
    ROLES,
    UPLOAD_ID,
    ImportPage,
    file_problem,
    problems,
    problems_of,
)

# fmt: off
ACCESS: dict[str, dict[str, int | str]] = {
    "competitions.import_teams":          ALLOWED,
    "competitions.import_teams_template": ALLOWED,
}
POST_ENDPOINTS = {"competitions.import_teams_apply"}
# fmt: on

PAGE = "/competitions/teams/import"
APPLY = "/competitions/teams/import/apply"
PAGES = ImportPage(PAGE, APPLY, "Thí sinh.xlsx")
upload, confirm = PAGES.upload, PAGES.confirm
TEMPLATE = "/competitions/teams/import/template.xlsx"
HEADERS = [column.header for column in imports.COLUMNS]
KEYS = [column.key for column in imports.COLUMNS]

PREVIEW = re.compile(
    r'id="preview-counts" data-teams="(\d+)" data-members="(\d+)" data-accounts="(\d+)" '
    r'data-unchanged="(\d+)"'
)


@dataclass
class World:
    accounts: dict[str, User | None]
    school: Unit  # a school the organizer organises (code "PCT")
    far_school: Unit  # a school elsewhere
    ward: Unit  # an administrative unit: not one a team represents
    known: User  # a participant with an account
    mentor: User  # an account without the participant role


@pytest.fixture()
def world(db, factory) -> World:
    city = factory.level("city", "Thành phố", 0)
    school_level = factory.level("school", "Trường", 3)
    school_level.is_organisation = True
    da_nang = factory.unit("Thành phố Đà Nẵng", level=city)
    hue = factory.unit("Thành phố Huế", level=city)
    school = factory.unit("Trường THPT Phan Châu Trinh", parent=da_nang, level=school_level)
    school.code = "PCT"
    far_school = factory.unit("Trường THPT Quốc Học", parent=hue, level=school_level)
    ward = factory.unit("Phường Hải Châu", parent=da_nang)
    accounts = {
        "anonymous": None,
        "participant": factory.user("Phạm Văn Chiến", roles=(Role.PARTICIPANT,)),
        "judge": factory.user("Trần Thị Bình", roles=(Role.JUDGE,)),
        "organizer": factory.user("Đặng Văn Hùng", roles=(Role.ORGANIZER,), organizer_of=da_nang),
        "admin": factory.user("Võ Thị Sáu", roles=(Role.ADMIN,)),
    }
    known = factory.user("Lê Thị Hồng Nhung", email="nhung@example.vn")
    mentor = factory.user("Hồ Quang Minh", email="minh@example.vn", roles=(Role.MENTOR,))
    db.session.flush()
    return World(accounts, school, far_school, ward, known, mentor)


def sign_in(client, world: World, role: str = "organizer", locale: str = "en") -> None:  # noqa: ANN001
    user = world.accounts[role]
    if user is not None:
        user.locale = locale
        db.session.flush()
        assert login(client, user.email).status_code == 302


def person(team: str, role: str, name: str, email: str, **values: object) -> list:
    row = [team, role, name, email] + [None] * (len(KEYS) - 4)
    for key, value in values.items():
        row[KEYS.index(key)] = value
    return row


LEADER, MEMBER = imports.LEADER, imports.MEMBER
GOOD_ROWS = [
    person("Nhóm Hạt Mầm Xanh", LEADER, "Nguyễn Minh Khoa", "Khoa@Example.vn",
           date_of_birth=datetime(2008, 3, 15), school="Trường THPT Phan Châu Trinh",
           class_or_major="11A1", phone="0905 123 456", team_unit="pct", gender="Nam"),
    person("nhom hat mam xanh", MEMBER, "Trương Thị Lan Anh", "lananh@example.vn",
           date_of_birth="05/09/2007", class_or_major="12A2", gender="nữ"),
    person("NHÓM HẠT MẦM XANH", MEMBER, "LE THI HONG NHUNG", "nhung@example.vn",
           date_of_birth="5/9/2007"),
    person("Nhóm Cà Phê Sạch", LEADER, "Hồ Quang Minh", "minh@example.vn",
           team_unit="Trường THPT Phan Châu Trinh"),
    person("Nhóm Cà Phê Sạch", MEMBER, "Đỗ Văn Tài", "tai@example.vn", phone=905777888),
]  # fmt: skip


def xlsx(rows: list[list], *, heading: list | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS if heading is None else heading)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def count(db, model) -> int:  # noqa: ANN001
    return db.session.scalar(select(func.count()).select_from(model))


def team_named(db, name: str) -> Team:  # noqa: ANN001
    return db.session.scalar(select(Team).where(Team.name == name))


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_access(client, world, role):
    sign_in(client, world, role)
    for endpoint, url in (("competitions.import_teams", PAGE),
                          ("competitions.import_teams_template", TEMPLATE)):  # fmt: skip
        response = client.get(url)
        got = LOGIN if response.status_code == 302 else response.status_code
        assert got == ACCESS[endpoint][role], (endpoint, role)


@pytest.mark.parametrize("role", ["anonymous", "participant", "judge"])
def test_others_cannot_apply_an_import_and_nothing_changes(app, client, db, world, role):
    sign_in(client, world)
    preview = upload(client, xlsx(GOOD_ROWS))
    upload_id = UPLOAD_ID.search(preview.get_data(as_text=True)).group(1)
    other = app.test_client()
    sign_in(other, world, role)
    before = snapshot(db)
    token = csrf_token(other, "/auth/login" if role == "anonymous" else "/auth/profile")
    response = other.post(APPLY, data={"csrf_token": token, "upload_id": upload_id})
    expected = LOGIN if role == "anonymous" else 403
    assert (LOGIN if response.status_code == 302 else response.status_code) == expected
    assert snapshot(db) == before


def test_my_competitions_links_to_the_import(client, world):
    sign_in(client, world)
    assert f'href="{PAGE}"' in client.get("/competitions/mine").get_data(as_text=True)


# --- the template ---------------------------------------------------------------------------


def test_the_template_has_its_header_an_example_and_drop_down_lists(client, world):
    sign_in(client, world)
    response = client.get(TEMPLATE)
    assert response.status_code == 200 and response.mimetype == XLSX_MIMETYPE
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Thí sinh", "Hướng dẫn"]
    sheet = book["Thí sinh"]
    assert [c.value for c in sheet[1]] == HEADERS
    example = sheet[2]
    assert [c.value for c in example[:4]] == ["Nhóm Hạt Mầm Xanh", LEADER, "Nguyễn Văn A",
                                             imports.EXAMPLE_EMAIL]  # fmt: skip
    assert example[4].value == datetime(2008, 3, 15)  # a real date cell, shown dd/mm/yyyy
    assert example[4].number_format == "dd/mm/yyyy"
    assert example[7].value == "0905123456" and example[7].data_type == "s"
    lists = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert [v.formula1 for v in lists] == ['"Trưởng nhóm,Thành viên"', '"Nữ,Nam,Khác"']
    assert "B2" in lists[0].sqref and "B500" in lists[0].sqref
    guide = [c.value for row in book["Hướng dẫn"].iter_rows() for c in row if c.value]
    assert "Ngày sinh" in guide and "Mỗi nhóm có đúng một trưởng nhóm." in guide


# --- the import -----------------------------------------------------------------------------


def test_preview_then_confirm_creates_teams_accounts_and_members(client, db, world, mailbox):
    sign_in(client, world)
    preview = upload(client, xlsx(GOOD_ROWS))
    assert problems(preview) == []
    assert PREVIEW.search(preview.get_data(as_text=True)).groups() == ("2", "5", "3", "0")
    assert team_named(db, "Nhóm Hạt Mầm Xanh") is None  # a preview changes nothing

    assert confirm(client, preview).status_code == 302
    green = team_named(db, "Nhóm Hạt Mầm Xanh")
    khoa = db.session.scalar(select(User).where(User.email == "khoa@example.vn"))
    assert green.leader_id == khoa.id and green.unit_id == world.school.id
    members = {m.user.email: m for m in green.members}
    assert list(members) == ["khoa@example.vn", "lananh@example.vn", "nhung@example.vn"]
    assert members["khoa@example.vn"].date_of_birth == date(2008, 3, 15)
    assert members["lananh@example.vn"].date_of_birth == date(2007, 9, 5)  # "05/09/2007"
    assert members["nhung@example.vn"].date_of_birth == date(2007, 9, 5)  # "5/9/2007"
    assert members["khoa@example.vn"].phone == "0905123456"
    assert members["khoa@example.vn"].class_or_major == "11A1"
    assert [m.gender for m in members.values()] == ["male", "female", None]
    # No school given: the team's unit, as when a participant makes a team.
    assert members["lananh@example.vn"].school == "Trường THPT Phan Châu Trinh"
    assert members["nhung@example.vn"].full_name == "LE THI HONG NHUNG"
    assert world.known.full_name == "Lê Thị Hồng Nhung"  # the account is never renamed
    assert khoa.role_names() == {"participant"} and khoa.password_hash is None

    coffee = team_named(db, "Nhóm Cà Phê Sạch")
    assert coffee.leader_id == world.mentor.id and coffee.unit_id == world.school.id
    assert world.mentor.role_names() == {"mentor", "participant"}
    tai = coffee.members[1]
    assert (tai.user.email, tai.phone) == ("tai@example.vn", "0905777888")  # a number cell

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import.teams"))
    assert event.actor_id == world.accounts["organizer"].id
    assert (event.new["teams_created"], event.new["members_added"],
            event.new["accounts_created"], event.new["role_grants"]) == (2, 5, 3, 1)  # fmt: skip
    created = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "team.create"))
    assert {e.new["source"] for e in created} == {"import"}

    # Activation emails to the new people only; the link works once and only once.
    assert sorted(m["To"] for m in mailbox) == ["khoa@example.vn", "lananh@example.vn",
                                                "tai@example.vn"]  # fmt: skip
    link = mailbox.link_to("lananh@example.vn", "/auth/activate/")
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, PAGE)})
    password = "Cây lúa quê hương 2026"
    assert post_form(client, link, {"password": password, "confirm": password}).status_code == 302
    assert login(client, "lananh@example.vn", password).status_code == 302
    assert client.get(f"/competitions/teams/{green.id}").status_code == 200  # she is a member
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/auth/profile")})
    assert client.get(link).status_code == 410


def test_the_same_file_applied_twice_changes_nothing_the_second_time(client, db, world, mailbox):
    sign_in(client, world, "admin")
    data = xlsx(GOOD_ROWS)
    first = upload(client, data)
    assert confirm(client, first).status_code == 302
    counts = (count(db, User), count(db, RoleGrant), count(db, Team), count(db, TeamMember),
              count(db, OutboxMessage))  # fmt: skip
    mailbox.clear()

    assert confirm(client, first).status_code == 302  # a double click: checked again
    assert "Nothing changed: every row of the file was already in place." in client.get(
        PAGE
    ).get_data(as_text=True)
    html = upload(client, data).get_data(as_text=True)
    assert PREVIEW.search(html).groups() == ("0", "0", "0", "5")
    assert 'id="nothing-to-do"' in html and not UPLOAD_ID.search(html)
    assert (count(db, User), count(db, RoleGrant), count(db, Team), count(db, TeamMember),
            count(db, OutboxMessage)) == counts  # fmt: skip
    assert list(mailbox) == []


def test_an_existing_team_gains_only_the_members_it_lacks(client, db, world, factory):
    leader = factory.user("Phan Thị Thu", email="thu@example.vn")
    team = factory.team(leader=leader, name="Nhóm Mặt Trời", members=(world.known,),
                        unit=world.school)  # fmt: skip
    sign_in(client, world)
    rows = [
        person("nhom mat troi", LEADER, "Phan Thị Thu", "thu@example.vn"),
        person("Nhóm Mặt Trời", MEMBER, "Lê Thị Hồng Nhung", "nhung@example.vn"),
        person("Nhóm Mặt Trời", MEMBER, "Vũ Đức Long", "long@example.vn", date_of_birth="1/1/2008"),
    ]  # fmt: skip
    preview = upload(client, xlsx(rows))
    assert PREVIEW.search(preview.get_data(as_text=True)).groups() == ("0", "1", "1", "2")
    assert confirm(client, preview).status_code == 302
    assert count(db, Team) == 1
    assert [m.user.email for m in team.members] == ["thu@example.vn", "nhung@example.vn",
                                                   "long@example.vn"]  # fmt: skip
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "team.import_members"))
    assert event.object_id == str(team.id)


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
    ole = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504
    if case == "zero bytes":
        return b"", "thi-sinh.xlsx"
    if case == "workbook without rows":
        out = io.BytesIO()
        Workbook().save(out)
        return out.getvalue(), "thi-sinh.xlsx"
    if case == "header only":
        return xlsx([]), "thi-sinh.xlsx"
    if case == "xls":
        return ole, "thi-sinh.xls"
    if case == "xls renamed":
        return ole, "thi-sinh.xlsx"
    if case == "csv renamed":
        return ",".join(HEADERS).encode() + b"\nNhom A,Truong nhom,An,an@example.vn\n", "t.xlsx"
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
    assert file_problem(response) == reason
    assert not UPLOAD_ID.search(response.get_data(as_text=True))
    assert snapshot(db) == before


def test_a_wrong_or_missing_header_names_the_columns(client, db, world):
    sign_in(client, world)
    before = snapshot(db)
    heading = [*HEADERS]
    heading[4] = "Năm sinh"
    html = upload(client, xlsx(GOOD_ROWS, heading=heading)).get_data(as_text=True)
    assert 'data-reason="bad_header"' in html
    assert "Column E is headed “Năm sinh”; it should be “Ngày sinh”." in html
    short = xlsx([r[:8] for r in GOOD_ROWS], heading=HEADERS[:8])
    html = upload(client, short).get_data(as_text=True)
    assert "Column I has no heading; it should be “Đơn vị của nhóm”." in html
    assert snapshot(db) == before


# --- bad rows -------------------------------------------------------------------------------

LEADER_ROW = person("Nhóm Sao Mai", LEADER, "Bùi Văn Tâm", "tam@example.vn",
                    team_unit="PCT")  # fmt: skip


def member(**values: object) -> list:
    base = {"team": "Nhóm Sao Mai", "role": MEMBER, "full_name": "Đinh Thị Hoa",
            "email": "hoa@example.vn"}  # fmt: skip
    base.update(values)
    return person(base.pop("team"), base.pop("role"), base.pop("full_name"),
                  base.pop("email"), **base)  # fmt: skip


HOSTILE_ROWS: dict[str, tuple[list[list], list[tuple[int, str, str]]]] = {
    "date out of range": ([LEADER_ROW, member(date_of_birth="2008-13-45")],
                          [(3, "not_date", "E")]),
    "date in words": ([LEADER_ROW, member(date_of_birth="tháng 3")], [(3, "not_date", "E")]),
    "no such day": ([LEADER_ROW, member(date_of_birth="31/02/2008")], [(3, "not_date", "E")]),
    "born in the future": ([LEADER_ROW, member(date_of_birth="01/01/2999")],
                           [(3, "birth_date_future", "E")]),
    "duplicate email": ([LEADER_ROW, member(), member(full_name="Đinh Thị Hà",
                                                      email="HOA@example.vn ")],
                        [(4, "duplicate", "D")]),
    "existing person, other name": ([LEADER_ROW, member(email="nhung@example.vn")],
                                    [(3, "name_differs", "D")]),
    "formula": ([LEADER_ROW, member(full_name="=1+1")], [(3, "formula", "C")]),
    "no leader": ([member(), member(email="ha@example.vn", full_name="Đinh Thị Hà")],
                  [(2, "no_leader", "B"), (3, "no_leader", "B")]),
    "two leaders": ([LEADER_ROW, member(role=LEADER)], [(3, "second_leader", "B")]),
    "unknown unit": ([LEADER_ROW, member(team_unit="Trường Không Có")],
                     [(3, "unknown_unit", "I")]),
    "unit of another organizer": ([LEADER_ROW[:8] + ["Trường THPT Quốc Học", None], member()],
                                  [(2, "unit_not_yours", "I")]),
    "unit not a school": ([LEADER_ROW[:8] + ["Phường Hải Châu", None], member()],
                          [(2, "unit_not_organisation", "I")]),
    "two units for one team": ([LEADER_ROW, member(team_unit="Trường THPT Quốc Học")],
                               [(3, "unit_not_yours", "I")]),
    "bad role": ([LEADER_ROW, member(role="Cố vấn")], [(3, "not_choice", "B")]),
    "bad gender": ([LEADER_ROW, member(gender="F")], [(3, "not_choice", "J")]),
    "team too large": ([LEADER_ROW, *[member(email=f"m{n}@example.vn") for n in range(10)]],
                       [(n, "team_too_large", "A") for n in range(2, 13)]),
}  # fmt: skip


@pytest.mark.parametrize("case", list(HOSTILE_ROWS))
def test_a_bad_row_is_reported_and_nothing_is_imported(client, db, world, case):
    rows, expected = HOSTILE_ROWS[case]
    sign_in(client, world)
    before = snapshot(db)
    response = upload(client, xlsx(rows))
    assert problems(response) == expected
    assert not UPLOAD_ID.search(response.get_data(as_text=True))
    assert snapshot(db) == before


def test_two_units_for_one_team_are_refused_for_an_admin_too(client, db, world):
    sign_in(client, world, "admin")
    rows = [LEADER_ROW, member(team_unit="Trường THPT Quốc Học")]
    html = upload(client, xlsx(rows)).get_data(as_text=True)
    assert problems_of(html) == [(3, "unit_conflict", "I")]
    assert "Another unit than on row 2 for the same team." in html


def test_an_existing_team_of_another_unit_is_not_an_organizers_to_fill(client, db, world, factory):
    leader = factory.user("Phan Thị Thu", email="thu@example.vn")
    factory.team(leader=leader, name="Nhóm Mặt Trời", unit=world.far_school)
    sign_in(client, world)
    before = snapshot(db)
    rows = [person("Nhóm Mặt Trời", LEADER, "Phan Thị Thu", "thu@example.vn"),
            person("Nhóm Mặt Trời", MEMBER, "Vũ Đức Long", "long@example.vn")]  # fmt: skip
    assert problems(upload(client, xlsx(rows))) == [(3, "team_not_yours", "A")]
    assert snapshot(db) == before


def test_the_messages_say_what_is_wrong_and_where(client, world):
    sign_in(client, world)
    html = upload(client, xlsx(HOSTILE_ROWS["date out of range"][0])).get_data(as_text=True)
    assert "“2008-13-45” is not a date: write it as dd/mm/yyyy, e.g. 15/03/2008." in html
    assert "E · Ngày sinh" in html
    html = upload(client, xlsx(HOSTILE_ROWS["two leaders"][0])).get_data(as_text=True)
    assert "The team “Nhóm Sao Mai” already has its leader on row 2" in html
    html = upload(client, xlsx(HOSTILE_ROWS["duplicate email"][0])).get_data(as_text=True)
    assert "The same email as row 3: one row per person." in html


def test_the_report_reads_in_vietnamese(app, client, world):
    sign_in(client, world, locale="vi")
    html = upload(client, xlsx(HOSTILE_ROWS["date in words"][0])).get_data(as_text=True)
    with app.test_request_context(), force_locale("vi"):
        message = _(
            "“%(value)s” is not a date: write it as dd/mm/yyyy, e.g. 15/03/2008.", value="tháng 3"
        )
        heading = _("3. Check report")
    assert heading == "3. Báo cáo kiểm tra" and heading in html
    assert "E · Ngày sinh" in html and message in html


def test_the_confirmation_checks_again_and_applies_nothing_if_a_row_no_longer_passes(
    client, db, world, factory, mailbox
):
    sign_in(client, world)
    preview = upload(client, xlsx(GOOD_ROWS))
    factory.user("Tài Khác Tên", email="tai@example.vn")  # made meanwhile, another name
    before = snapshot(db)
    response = confirm(client, preview)
    assert response.status_code == 200
    assert problems(response) == [(6, "name_differs", "D")]
    assert snapshot(db) == before
    assert list(mailbox) == []


def test_the_check_takes_as_many_queries_for_forty_rows_as_for_five(app, world, count_queries):
    more = [
        person(f"Nhóm Số {n}", LEADER, f"Người Thứ {n}", f"nguoi{n}@example.vn", team_unit="PCT")
        for n in range(35)
    ]
    counted = []
    for rows in (GOOD_ROWS, GOOD_ROWS + more):
        data = xlsx(rows)
        with app.test_request_context(), count_queries() as queries:
            report = imports.check_teams(data, actor=world.accounts["organizer"])
        assert report.importable
        counted.append(queries.n)
    assert 0 < counted[0] == counted[1]
