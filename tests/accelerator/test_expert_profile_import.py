"""The expert panel's columns in the experts import: a new expert's profile is created from
the row, an existing profile only gains what it lacks (never what the expert wrote is
overwritten), a bad capacity or an unknown sector refuses the file, and a file made from the
template without these columns imports as before."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from accelerator.experts import profile_import
from accelerator.models import ExpertProfile
from app.audit import AuditEvent
from app.db import db
from app.people.imports import checks
from app.people.models import Role, User
from competitions.models import Sector
from tests.helpers import login, snapshot
from tests.import_pages import UPLOAD_ID, ImportPage, file_problem, problems

PAGES = ImportPage("/admin/imports/experts", "/admin/imports/experts/apply", "Chuyên gia.xlsx")
upload, confirm = PAGES.upload, PAGES.confirm
CORE = [column.header for column in checks.COLUMNS]
HEADERS = CORE + [column.header for column in profile_import.COLUMNS]


@dataclass
class World:
    admin: User
    bao: User  # a mentor whose profile names an organisation and a capacity
    agriculture: Sector
    tourism: Sector


@pytest.fixture()
def world(db, factory) -> World:
    agriculture = sector("agriculture", "Nông nghiệp", "Agriculture")
    tourism = sector("tourism", "Du lịch", "Tourism")
    admin = factory.user("Võ Thị Sáu", roles=(Role.ADMIN,))
    admin.locale = "en"
    bao = factory.user("Trần Văn Bảo", email="bao@example.vn", roles=(Role.MENTOR,))
    db.session.flush()
    db.session.add(
        ExpertProfile(user_id=bao.id, organisation="Sở Khoa học và Công nghệ", mentoring_capacity=3)
    )
    db.session.flush()
    return World(admin, bao, agriculture, tourism)


def sector(code: str, name_vi: str, name_en: str) -> Sector:
    """The migrations seed the sectors; a database built without them gets these two."""
    found = db.session.scalar(select(Sector).where(Sector.code == code))
    if found is None:
        found = Sector(code=code, name_vi=name_vi, name_en=name_en)
        db.session.add(found)
    return found


def sign_in(client, world: World) -> None:  # noqa: ANN001
    assert login(client, world.admin.email).status_code == 302


def xlsx(rows: list[list], heading: list[str] = HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(heading)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row(name: str, email: str, *profile: object, role: str = "Cố vấn") -> list:
    return [name, email, role, None, None, None, None, *profile]


def profile_of(email: str) -> ExpertProfile | None:
    person = db.session.scalar(select(User).where(User.email == email))
    return None if person is None else db.session.get(ExpertProfile, person.id)


ROWS = [
    row("Nguyễn Minh Khoa", "khoa@example.vn", "Đại học Đà Nẵng", 3, "Tối thứ Năm",
        "Mười năm làm nông nghiệp công nghệ cao.", "nong nghiep; TOURISM"),
    row("Phan Thị Mai", "mai@example.vn", None, None, None, None, None, role="Giám khảo"),
    row("Trần Văn Bảo", "bao@example.vn", "Một tổ chức khác", 5, None, "Cố vấn du lịch.",
        "Du lịch"),
]  # fmt: skip


def test_a_file_with_the_columns_creates_profiles_with_sectors(client, db, world, mailbox):
    sign_in(client, world)
    preview = upload(client, xlsx(ROWS))
    assert problems(preview) == []
    html = preview.get_data(as_text=True)
    created = "organisation, mentoring capacity, availability, introduction, sectors"
    assert f"Expert profile created: {created}" in html
    assert "Expert profile completed: introduction, sectors" in html
    assert profile_of("khoa@example.vn") is None  # a preview changes nothing
    assert confirm(client, preview).status_code == 302

    khoa = profile_of("khoa@example.vn")
    assert (khoa.organisation, khoa.mentoring_capacity, khoa.availability, khoa.bio) == (
        "Đại học Đà Nẵng", 3, "Tối thứ Năm", "Mười năm làm nông nghiệp công nghệ cao.")  # fmt: skip
    assert [sector.code for sector in khoa.sectors] == ["agriculture", "tourism"]
    assert profile_of("mai@example.vn") is None  # nothing filled in: no profile
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "expert.profile_create")
    )
    assert event.actor_id == world.admin.id and event.new["sectors"] == ["agriculture", "tourism"]


def test_an_existing_profile_is_only_completed_never_overwritten(client, db, world, mailbox):
    sign_in(client, world)
    assert confirm(client, upload(client, xlsx(ROWS))).status_code == 302
    bao = profile_of("bao@example.vn")
    # What the expert had stays; only the empty bio and sectors are filled in.
    assert (bao.organisation, bao.mentoring_capacity) == ("Sở Khoa học và Công nghệ", 3)
    assert bao.bio == "Cố vấn du lịch."
    assert [sector.code for sector in bao.sectors] == ["tourism"]
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "expert.profile_update")
    )
    assert event.old["bio"] == "" and event.new["bio"] == "Cố vấn du lịch."


def test_applying_the_same_file_twice_changes_nothing(client, db, world, mailbox):
    sign_in(client, world)
    data = xlsx(ROWS)
    assert confirm(client, upload(client, data)).status_code == 302
    before = snapshot(db)
    second = upload(client, data)
    html = second.get_data(as_text=True)
    assert 'id="nothing-to-do"' in html and not UPLOAD_ID.search(html)
    assert "Expert profile" not in html
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("cells", "code", "column"),
    [
        (["Viện Nghiên cứu", 25, None, None, "du lich"], "bad_capacity", "I"),
        (["Viện Nghiên cứu", "ba", None, None, None], "bad_capacity", "I"),
        (["Viện Nghiên cứu", 2, None, None, "du lich; hàng không vũ trụ"], "unknown_sector", "L"),
    ],
)
def test_a_bad_capacity_or_an_unknown_sector_is_refused_and_nothing_changes(
    client, db, world, cells, code, column
):
    sign_in(client, world)
    rows = [ROWS[1], row("Lê Văn Tâm", "tam@example.vn", *cells)]
    before = snapshot(db)
    response = upload(client, xlsx(rows))
    assert problems(response) == [(3, code, column)]
    assert not UPLOAD_ID.search(response.get_data(as_text=True))
    assert snapshot(db) == before


def test_the_messages_name_the_capacity_and_the_sector(client, db, world):
    sign_in(client, world)
    rows = [row("Lê Văn Tâm", "tam@example.vn", None, "ba", None, None, "Hàng không vũ trụ")]
    html = upload(client, xlsx(rows)).get_data(as_text=True)
    assert "“ba” is not a whole number of teams from 0 to 20." in html
    assert "No sector has the code or name “Hàng không vũ trụ”." in html


def test_the_template_has_the_columns_and_says_nothing_is_overwritten(client, world):
    sign_in(client, world)
    book = load_workbook(io.BytesIO(client.get("/admin/imports/experts/template.xlsx").data))
    assert [cell.value for cell in book["Chuyên gia"][1]] == HEADERS
    guide = [c.value for r in book["Hướng dẫn"].iter_rows() for c in r if c.value]
    assert "tourism — Du lịch" in guide and "Số nhóm có thể cố vấn" in guide
    assert any("không bao giờ ghi đè" in str(value) for value in guide)


def test_the_old_template_without_the_columns_still_imports(client, db, world, mailbox):
    sign_in(client, world)
    # A column of the organizer's own after the template's was ignored, and still is.
    rows = [[*ROWS[1][:7], "gọi trước"], ["Trần Văn Bảo", "bao@example.vn", "Giám khảo"]]
    preview = upload(client, xlsx(rows, heading=[*CORE, "Ghi chú"]))
    assert problems(preview) == [] and file_problem(preview) is None
    assert confirm(client, preview).status_code == 302
    mai = db.session.scalar(select(User).where(User.email == "mai@example.vn"))
    assert mai.role_names() == {"judge"}
    assert world.bao.role_names() == {"mentor", "judge"}
    assert db.session.scalar(select(func.count()).select_from(ExpertProfile)) == 1  # Bảo's


def test_a_header_stopping_inside_the_profile_columns_is_refused(client, db, world):
    sign_in(client, world)
    before = snapshot(db)
    response = upload(client, xlsx([ROWS[1][:8]], heading=HEADERS[:8]))
    assert file_problem(response) == "bad_header"
    assert "Column I has no heading; it should be “Số nhóm có thể cố vấn”." in (
        response.get_data(as_text=True)
    )
    assert snapshot(db) == before
