"""The organizers' entries list as an Excel download: the entries the list shows with the same
filters (every page, the same order), dates as dates, Vietnamese intact, no formula whatever
the teams typed, a Vietnamese file name, the same access as the list, audited, and loaded in
a fixed number of queries."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from urllib.parse import quote, urlencode

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from app.audit import AuditEvent
from app.db import db
from app.localtime import local_today
from app.people.models import Role, User
from app.units.models import Unit
from competitions.models import Competition, Entry, Team, TeamMember
from competitions.screening import listing
from tests.competitions.test_screening import submitted
from tests.helpers import CSRF_RE, csrf_token, login

ROLES = ("anonymous", "participant", "member", "judge", "organizer", "other_organizer", "admin")
LOGIN = "login"

# fmt: off
ACCESS: dict[str, dict[str, int | str]] = {}
POST_ENDPOINTS = {"competitions.review_export"}
#                  anonymous participant member judge organizer other_organizer admin
EXPECTED = dict(zip(ROLES, (LOGIN, 403, 403, 403, 200, 403, 200), strict=True))
# fmt: on

HEADERS = (
    "STT", "Mã bài", "Tên dự án", "Nhóm", "Trưởng nhóm", "Thành viên", "Đơn vị / trường",
    "Lĩnh vực", "Vòng thi", "Giai đoạn dự án", "Trạng thái", "Hình thức nộp", "Ngày nộp",
)  # fmt: skip
EXPORT_FORM = re.compile(r'<form method="post" action="([^"]+)" id="export-form">')
HEADER_ROW = 7  # five title lines, a blank row, the header
HOSTILE_TEAM = '=HYPERLINK("http://evil.example","Bấm vào")'
HOSTILE_TITLE = "+1+cmd|' /C calc'!A0"
MINUS_TEAM = "-2+3"
AT_TITLE = "@SUM(1+1)"
TAB_TEAM = "\t=cmd|' /C calc'!A0"  # written past the model's space clean-up, as a raw row
CR_MEMBER = "\r=1+1"
ROW = re.compile(r'data-entry-id="(\d+)"')
SUBMITTED_AT = datetime(2026, 3, 5, 2, 30, tzinfo=UTC)  # 09:30 in Việt Nam


@dataclass
class World:
    top: Unit
    school: Unit
    school2: Unit
    competition: Competition
    entries: dict[str, Entry]
    accounts: dict[str, User]


def raw_update(model, row_id: int, **values) -> None:  # noqa: ANN001, ANN003
    """Store a value as another program might have, past the model's validators."""
    db.session.execute(update(model).where(model.id == row_id).values(**values))
    db.session.expire_all()


@pytest.fixture()
def world(factory) -> World:
    city = factory.level("city", "Thành phố", 0)
    school_level = factory.level("school", "Trường", 3)
    top = factory.unit("Thành phố Đà Nẵng", level=city)
    school = factory.unit("Trường THPT Phan Châu Trinh", parent=top, level=school_level)
    school2 = factory.unit("Trường Đại học Bách khoa", parent=top, level=school_level)
    elsewhere = factory.unit("Thành phố Huế", level=city)
    leader = factory.user("Lê Văn Đức", roles=(Role.PARTICIPANT,))
    accounts = {
        "participant": factory.user("Phạm Văn Chiến", roles=(Role.PARTICIPANT,)),
        "member": leader,
        "judge": factory.user("Ngô Thị Giám Khảo", roles=(Role.JUDGE,)),
        "organizer": factory.user("Đặng Văn Hùng", roles=(Role.ORGANIZER,), organizer_of=top),
        "other_organizer": factory.user(
            "Hoàng Thị Dung", roles=(Role.ORGANIZER,), organizer_of=elsewhere
        ),
        "admin": factory.user("Võ Thị Sáu", roles=(Role.ADMIN,)),
    }
    competition = factory.competition(owner_unit=top)
    thpt, sv = competition.tracks
    # Members in the team's order Bình, An: the sheet lists them by given name, An first.
    members = (factory.user("Trần Thị Bình"), factory.user("Phạm Minh An"))
    seeds = factory.team(leader=leader, name="Nhóm Hạt Mầm", members=members, unit=school)
    hostile = factory.team(name=HOSTILE_TEAM, unit=school2)
    minus = factory.team(name=MINUS_TEAM, unit=school2)
    tabbed = factory.team(name="Nhóm Tab", members=(factory.user("Đỗ Văn Phúc"),), unit=school)
    entries = {
        "seeds": submitted(factory, competition, seeds, "Máy sấy nông sản năng lượng mặt trời"),
        "hostile": submitted(
            factory, competition, hostile, HOSTILE_TITLE, track=sv, status="accepted"
        ),  # fmt: skip
        "minus": submitted(factory, competition, minus, AT_TITLE, track=sv, status="rejected"),
        "tabbed": submitted(factory, competition, tabbed, "Gốm Thanh Hà", status="withdrawn"),
        "draft": submitted(factory, competition, seeds, "Bản nháp chưa nộp", status="draft"),
    }
    entries["seeds"].submitted_at = SUBMITTED_AT
    entries["hostile"].is_paper = True
    db.session.flush()
    raw_update(Team, tabbed.id, name=TAB_TEAM)
    extra = db.session.scalar(
        select(TeamMember).where(
            TeamMember.team_id == tabbed.id, TeamMember.user_id != tabbed.leader_id
        )
    )
    raw_update(TeamMember, extra.id, full_name=CR_MEMBER)
    return World(top, school, school2, competition, entries, accounts)


def sign_in(client, world: World, role: str = "organizer") -> None:  # noqa: ANN001
    if role != "anonymous":
        assert login(client, world.accounts[role].email).status_code == 302


def list_url(world: World, **filters) -> str:  # noqa: ANN003
    query = f"?{urlencode(filters)}" if filters else ""
    return f"/competitions/{world.competition.id}/entries{query}"


def export_url(world: World, **filters) -> str:  # noqa: ANN003
    query = f"?{urlencode(filters)}" if filters else ""
    return f"/competitions/{world.competition.id}/entries/export{query}"


def download(client, world: World, **filters):  # noqa: ANN001, ANN003, ANN201
    """Press the page's download button (its form carries the page's filters), as the
    organizer signed in."""
    html = client.get(list_url(world, **filters)).get_data(as_text=True)
    action = unescape(EXPORT_FORM.search(html).group(1))
    assert action == export_url(world, **{k: v for k, v in filters.items() if k != "page"})
    token = next(t for t in CSRF_RE.search(html).groups() if t)
    return client.post(action, data={"csrf_token": token})


def book_of(response):  # noqa: ANN001, ANN201
    assert response.status_code == 200, response.status_code
    return load_workbook(io.BytesIO(response.data))


def table(ws) -> list[tuple]:  # noqa: ANN001
    return [tuple(c.value for c in row) for row in ws.iter_rows(min_row=HEADER_ROW + 1)]


def listed_codes(client, world: World, **filters) -> list[str | None]:  # noqa: ANN001, ANN003
    html = client.get(list_url(world, **filters)).get_data(as_text=True)
    return [db.session.get(Entry, int(i)).code for i in ROW.findall(html)]


def exports() -> list[AuditEvent]:
    return list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == "competitions.export"))
    )


def answer(response) -> int | str:  # noqa: ANN001
    if response.status_code == 302 and "/auth/login" in response.headers["Location"]:
        return LOGIN
    return response.status_code


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_the_organizers_who_may_see_the_list_may_download_it(client, world, role):
    sign_in(client, world, role)
    token = csrf_token(client, "/auth/login" if role == "anonymous" else "/auth/profile")
    response = client.post(export_url(world), data={"csrf_token": token})
    assert answer(response) == EXPECTED[role] == answer(client.get(list_url(world)))
    if EXPECTED[role] == 200:
        assert response.mimetype.endswith("spreadsheetml.sheet")
        assert len(exports()) == 1
    else:
        assert b"PK" not in response.data[:2] and exports() == []


def test_a_missing_competition_is_404_and_a_post_without_token_is_refused(client, world):
    sign_in(client, world)
    token = csrf_token(client, list_url(world))
    assert client.post("/competitions/999999/entries/export",
                       data={"csrf_token": token}).status_code == 404  # fmt: skip
    assert client.post(export_url(world)).status_code == 400
    assert exports() == []


# --- the workbook ---------------------------------------------------------------------------


def test_the_workbook_lists_the_entries_of_the_list(client, world):
    sign_in(client, world)
    response = download(client, world)
    ws = book_of(response).active
    rows = table(ws)
    today = local_today()
    assert ws.title == "Danh sách bài dự thi"
    assert ws["A1"].value == ("Danh sách bài dự thi — Cuộc thi Khởi nghiệp đổi mới sáng tạo (2026)")
    assert ws["A2"].value == "Bộ lọc: vòng: Vòng sơ khảo"
    assert ws["A3"].value == "Số bài: 4"
    assert ws["A4"].value.startswith(f"Xuất lúc: {today:%d/%m/%Y} ")
    organizer = world.accounts["organizer"]
    assert ws["A5"].value == f"Người xuất: {organizer.full_name} <{organizer.email}>"
    assert tuple(c.value for c in ws[HEADER_ROW]) == HEADERS
    assert all(c.font.b for c in ws[HEADER_ROW])
    # Every entry the list shows (drafts are not), in its order.
    assert [r[1] for r in rows] == listed_codes(client, world)
    assert len(rows) == 4 and [r[0] for r in rows] == [1, 2, 3, 4]
    seeds = next(r for r in rows if r[2] == "Máy sấy nông sản năng lượng mặt trời")
    assert seeds[3:12] == (
        "Nhóm Hạt Mầm", "Lê Văn Đức", "Phạm Minh An, Trần Thị Bình",
        "Trường THPT Phan Châu Trinh", "Bảng Học sinh THPT", "Vòng sơ khảo", "Ý tưởng",
        "Đã nộp", "Trực tuyến",
    )  # fmt: skip
    assert seeds[12] == datetime(2026, 3, 5, 9, 30)  # local time, no zone
    statuses = {r[2]: (r[10], r[11]) for r in rows}
    assert statuses[HOSTILE_TITLE] == ("Đủ điều kiện dự thi", "Hồ sơ giấy")
    assert statuses[AT_TITLE][0] == "Không đủ điều kiện dự thi"
    assert statuses["Gốm Thanh Hà"][0] == "Đã rút"


def test_numbers_are_numbers_and_dates_are_dates(client, world):
    sign_in(client, world)
    ws = book_of(download(client, world)).active
    for row in ws.iter_rows(min_row=HEADER_ROW + 1):
        number, submitted_at = row[0], row[12]
        assert number.data_type == "n" and isinstance(number.value, int)
        assert submitted_at.is_date and submitted_at.data_type != "s"
        assert submitted_at.number_format == "dd/mm/yyyy hh:mm"


def test_the_sheet_is_laid_out_for_print(client, world):
    sign_in(client, world)
    ws = book_of(download(client, world)).active
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
    assert ws.auto_filter.ref == f"A{HEADER_ROW}:M{HEADER_ROW + 4}"
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    # Widths fit the text: the long title column is wider than the number column, and the
    # date column is wide enough for "dd/mm/yyyy hh:mm".
    assert ws.column_dimensions["C"].width > ws.column_dimensions["A"].width
    assert ws.column_dimensions["M"].width >= 16


def test_the_filters_choose_the_rows_and_are_said_in_words(client, world):
    thpt, sv = world.competition.tracks
    sign_in(client, world)
    for filters in (
        {"track": sv.id},
        {"status": "accepted"},
        {"unit": world.school.id},
        {"q": "gom thanh"},  # diacritics and case ignored, as on the page
        {"track": thpt.id, "status": "submitted"},
    ):
        codes = [r[1] for r in table(book_of(download(client, world, **filters)).active)]
        assert codes == listed_codes(client, world, **filters)
        assert 0 < len(codes) < 4  # each filter leaves some entries out
    ws = book_of(download(client, world, track=sv.id, status="accepted")).active
    assert [r[2] for r in table(ws)] == [HOSTILE_TITLE]
    assert world.entries["seeds"].code not in [r[1] for r in table(ws)]
    assert ws["A2"].value == (
        "Bộ lọc: vòng: Vòng sơ khảo; lĩnh vực: Bảng Sinh viên; trạng thái: Đủ điều kiện dự thi"
    )
    ws = book_of(download(client, world, unit=world.school.id, q="gốm")).active
    assert ws["A2"].value == (
        "Bộ lọc: vòng: Vòng sơ khảo; đơn vị: Trường THPT Phan Châu Trinh (gồm các đơn vị "
        "trực thuộc); tìm kiếm: “gốm”"
    )
    assert ws["A3"].value == "Số bài: 1"
    # A later round holds no entry yet: the file says so with an empty table.
    later = world.competition.rounds[1]
    ws = book_of(download(client, world, round=later.id)).active
    assert table(ws) == [] and ws["A3"].value == "Số bài: 0"
    # A value that is not a choice is no filter, as on the page.
    assert len(table(book_of(download(client, world, track="999999")).active)) == 4


def test_the_button_keeps_only_the_filters_of_the_address(client, world):
    sv = world.competition.tracks[1]
    sign_in(client, world)
    args = {"_external": "1", "_anchor": "x", "id": 7, "track": sv.id, "page": 3}
    response = client.get(list_url(world, **args))
    assert response.status_code == 200
    action = unescape(EXPORT_FORM.search(response.get_data(as_text=True)).group(1))
    assert action == export_url(world, track=sv.id)


def test_every_page_not_only_the_first(client, world, monkeypatch):
    monkeypatch.setattr(listing, "PER_PAGE", 2)
    sign_in(client, world)
    assert len(listed_codes(client, world)) == 2
    rows = table(book_of(download(client, world, page=2)).active)
    assert [r[1] for r in rows] == listed_codes(client, world) + listed_codes(client, world, page=2)


def test_hostile_names_stay_text_and_no_formula_is_written(client, world):
    sign_in(client, world)
    data = download(client, world).data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "xl/worksheets/sheet1.xml" in archive.namelist()
        for name in archive.namelist():
            if name.endswith(".xml"):
                content = archive.read(name)
                assert b"<f>" not in content and b"<f " not in content, name
    ws = load_workbook(io.BytesIO(data)).active
    cells = {c.value: c.data_type for row in ws.iter_rows() for c in row if c.value}
    hostile = (HOSTILE_TEAM, HOSTILE_TITLE, MINUS_TEAM, AT_TITLE, TAB_TEAM)
    assert {text: cells.get(text) for text in hostile} == dict.fromkeys(hostile, "s")
    # The member typed with a carriage return first: the same characters, as text.
    members = ws.cell(row=HEADER_ROW + 4, column=6)
    assert (members.value, members.data_type) == (CR_MEMBER, "s")


def test_the_download_has_a_vietnamese_file_name(client, world):
    sign_in(client, world)
    response = download(client, world)
    name = f"Cuộc-thi-Khởi-nghiệp-đổi-mới-sáng-tạo_Danh-sach-bai-du-thi_{local_today()}.xlsx"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(name)}" in disposition
    assert response.headers["Cache-Control"] == "no-store"


def test_the_export_is_audited(client, world):
    sv = world.competition.tracks[1]
    sign_in(client, world)
    assert download(client, world, track=sv.id, q="cmd").status_code == 200
    [event] = exports()
    assert event.actor_id == world.accounts["organizer"].id
    assert (event.object_type, event.object_id) == ("Competition", str(world.competition.id))
    assert event.new["what"] == "entries" and event.new["entries"] == 1
    assert event.new["filters"] == {
        "round": world.competition.rounds[0].id, "pool": None, "unit": None, "track": sv.id,
        "status": None, "q": "cmd",
    }  # fmt: skip


def test_the_export_loads_in_a_fixed_number_of_queries(client, factory, world, count_queries):
    """Members, leaders, tracks and units grow with the list; the export's queries do not."""
    sign_in(client, world)
    counts = {}
    for size in (4, 30):
        for n in range(size - len(listed_codes(client, world))):
            person = factory.user("Trương Văn Em")
            team = factory.team(name=f"Nhóm {n}", members=(person,), unit=world.school2)
            submitted(factory, world.competition, team, f"Dự án {n}")
        token = csrf_token(client, list_url(world))
        with count_queries() as counted:
            response = client.post(export_url(world), data={"csrf_token": token})
        assert len(table(book_of(response).active)) == size
        counts[size] = counted.n
    assert counts[4] == counts[30] <= 16, counts
