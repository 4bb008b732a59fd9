"""Judging progress as an Excel download: one row per judge and one per entry, counts as
numbers, the completion rate as a percentage, reminders as dates, the page's filters, no
formula whatever the names, a Vietnamese file name, the page's access, audited, and loaded in
a fixed number of queries."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime
from html import unescape
from urllib.parse import quote, urlencode

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from app.audit import AuditEvent
from app.db import db
from app.localtime import local_today
from competitions.models import Entry, Pool
from judging.models import ReminderLog
from tests.helpers import CSRF_RE, csrf_token
from tests.judging import world as w
from tests.judging.roles import ORGANIZERS_ONLY, ROLES, answer, sign_in, sign_in_as
from tests.judging.test_monitoring import FULL, progress  # noqa: F401  (the fixture)

# fmt: off
ACCESS: dict[str, dict[str, int | str]] = {}
POST_ENDPOINTS = {"judging.progress_export"}
# fmt: on

EXPORT_FORM = re.compile(r'<form method="post" action="([^"]+)" id="export-form">')
HEADER_ROW = 8  # six title lines, a blank row, the header
JUDGE_HEADERS = (
    "STT", "Giám khảo", "Email", "Số bài được phân công", "Đã nộp", "Trong đó phiếu giấy",
    "Bản nháp", "Chưa chấm", "Tỷ lệ hoàn thành", "Hoạt động gần nhất", "Số lần nhắc",
    "Lần nhắc gần nhất",
)  # fmt: skip
ENTRY_HEADERS = (
    "STT", "Mã bài", "Tên dự án", "Bảng", "Số giám khảo đã nộp",
    "Số giám khảo được phân công", "Trong đó phiếu giấy", "Còn thiếu", "Tỷ lệ hoàn thành",
    "Ghi chú",
)  # fmt: skip
HOSTILE_JUDGE = '=HYPERLINK("http://evil.example","Bấm vào")'
HOSTILE_TITLE = "+1+cmd|' /C calc'!A0"
MINUS_TITLE = "-2+3"
AT_POOL = "@SUM(1+1)"
TAB_TITLE = "\t=1+1"  # written past the model's space clean-up, as a raw row
CR_TITLE = "\r=1+1"
REMINDED_AT = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)  # 09:30 in Việt Nam


def export_url(round_id: int, **filters) -> str:  # noqa: ANN003
    query = f"?{urlencode(filters)}" if filters else ""
    return f"/judging/rounds/{round_id}/progress/export{query}"


def page_url(round_id: int, **filters) -> str:  # noqa: ANN003
    query = f"?{urlencode(filters)}" if filters else ""
    return f"/judging/rounds/{round_id}/progress{query}"


def download(client, round_id: int, **filters):  # noqa: ANN001, ANN003, ANN201
    """Press the page's download button (its form carries the page's filters), as the
    organizer signed in."""
    html = client.get(page_url(round_id, **filters)).get_data(as_text=True)
    action = unescape(EXPORT_FORM.search(html).group(1))
    assert action == export_url(round_id, **filters)
    token = next(t for t in CSRF_RE.search(html).groups() if t)
    return client.post(action, data={"csrf_token": token})


def book_of(response):  # noqa: ANN001, ANN201
    assert response.status_code == 200, response.status_code
    return load_workbook(io.BytesIO(response.data))


def table(ws) -> list[tuple]:  # noqa: ANN001
    return [tuple(c.value for c in row) for row in ws.iter_rows(min_row=HEADER_ROW + 1)]


def exports() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "judging.export")))


def codes(setting) -> dict[str, int]:  # noqa: ANN001
    """Entry code → RoundEntry id."""
    return {db.session.get(Entry, e.entry_id).code: e.id for e in setting.entries}


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_the_organizers_who_may_see_the_page_may_download_it(client, progress, role):  # noqa: F811
    sign_in(client, progress.accounts, role)
    token = csrf_token(client, "/auth/login" if role == "anonymous" else "/auth/profile")
    response = client.post(export_url(progress.round_id), data={"csrf_token": token})
    page = client.get(page_url(progress.round_id))
    assert answer(response) == ORGANIZERS_ONLY[role] == answer(page)
    if ORGANIZERS_ONLY[role] == 200:
        assert response.mimetype.endswith("spreadsheetml.sheet")
        assert len(exports()) == 1
    else:
        assert exports() == []


def test_a_missing_round_is_404_and_a_post_without_token_is_refused(client, progress):  # noqa: F811
    sign_in(client, progress.accounts)
    token = csrf_token(client, page_url(progress.round_id))
    assert client.post(export_url(999999), data={"csrf_token": token}).status_code == 404
    assert client.post(export_url(progress.round_id)).status_code == 400
    assert exports() == []


# --- the workbook ---------------------------------------------------------------------------


def test_one_row_per_judge(client, db, progress):  # noqa: F811
    one, two, three = progress.judges
    db.session.add(ReminderLog(round_id=progress.round_id, user_id=two.id, missing=2,
                               sent_at=REMINDED_AT))  # fmt: skip
    db.session.flush()
    sign_in(client, progress.accounts)
    book = book_of(download(client, progress.round_id))
    assert book.sheetnames == ["Giám khảo", "Bài dự thi"]
    ws = book["Giám khảo"]
    today = local_today()
    assert ws["A1"].value == "Tiến độ chấm — Cuộc thi Khởi nghiệp đổi mới sáng tạo (2026)"
    assert ws["A2"].value == "Vòng sơ khảo — Giám khảo"
    assert ws["A3"].value == "Bộ lọc: không (toàn vòng thi)"
    assert ws["A4"].value == "Số giám khảo: 3; phiếu đã nộp: 6/9"
    assert ws["A5"].value.startswith(f"Xuất lúc: {today:%d/%m/%Y} ")
    organizer = progress.world.organizer
    assert ws["A6"].value == f"Người xuất: {organizer.full_name} <{organizer.email}>"
    assert tuple(c.value for c in ws[HEADER_ROW]) == JUDGE_HEADERS
    rows = table(ws)
    # Vietnamese order; assigned, submitted, of which on paper, drafts, not started, rate.
    assert [r[:9] for r in rows] == [
        (1, one.full_name, one.email, 4, 3, 0, 1, 0, 0.75),
        (2, two.full_name, two.email, 4, 2, 1, 0, 2, 0.5),
        (3, three.full_name, three.email, 1, 1, 0, 0, 0, 1.0),
    ]
    assert [(r[10], r[11]) for r in rows] == [(0, None), (1, datetime(2026, 11, 20, 9, 30)),
                                              (0, None)]  # fmt: skip
    assert all(isinstance(r[9], datetime) for r in rows)  # their last save, local time

    rate = ws.cell(row=HEADER_ROW + 1, column=9)
    assert rate.data_type == "n" and rate.number_format == "0%"
    assert all(ws.cell(row=HEADER_ROW + 1, column=c).data_type == "n" for c in range(4, 9))
    reminded = ws.cell(row=HEADER_ROW + 2, column=12)
    assert reminded.is_date and reminded.number_format == "dd/mm/yyyy hh:mm"
    activity = ws.cell(row=HEADER_ROW + 1, column=10)
    assert activity.is_date and activity.number_format == "dd/mm/yyyy hh:mm"


def test_one_row_per_entry(client, progress):  # noqa: F811
    sign_in(client, progress.accounts)
    ws = book_of(download(client, progress.round_id))["Bài dự thi"]
    assert ws["A2"].value == "Vòng sơ khảo — Bài dự thi"
    assert ws["A4"].value == "Số bài: 5; chưa có giám khảo: 1"
    assert tuple(c.value for c in ws[HEADER_ROW]) == ENTRY_HEADERS
    by_code = {r[1]: r for r in table(ws)}
    assert list(by_code) == sorted(by_code)  # the page's order
    entries = {e.id: e for e in progress.entries}
    ids = codes(progress)
    # submitted / assigned (the conflicted judge is not expected on entry 2)
    counts = {ids[code]: (r[4], r[5], r[6], r[7], r[8]) for code, r in by_code.items()}
    e1, e2, e3, e4, e5 = progress.entries
    assert counts == {
        e1.id: (3, 3, 1, 0, 1.0),
        e2.id: (1, 2, 0, 1, 0.5),
        e3.id: (0, 2, 0, 2, 0.0),
        e4.id: (2, 2, 0, 0, 1.0),
        e5.id: (0, 0, 0, 0, None),
    }
    no_judge = by_code[next(c for c, i in ids.items() if i == e5.id)]
    assert no_judge[2] == "Dự án số 5" and no_judge[9] == "Chưa có giám khảo"
    assert no_judge[3] == db.session.get(Pool, entries[e5.id].pool_id).name
    assert ws.cell(row=HEADER_ROW + 1, column=9).number_format == "0%"


def test_the_sheets_are_laid_out_for_print(client, progress):  # noqa: F811
    sign_in(client, progress.accounts)
    book = book_of(download(client, progress.round_id))
    for name, columns, last in (("Giám khảo", "L", 3), ("Bài dự thi", "J", 5)):
        ws = book[name]
        assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
        assert ws.auto_filter.ref == f"A{HEADER_ROW}:{columns}{HEADER_ROW + last}"
        assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        assert all(c.font.b for c in ws[HEADER_ROW])
    assert book["Giám khảo"].column_dimensions["L"].width >= 16  # dd/mm/yyyy hh:mm


def test_the_page_filters_choose_the_rows(client, progress):  # noqa: F811
    one, two, _ = progress.judges
    e1, e2, e3, e4, e5 = progress.entries
    ids = codes(progress)
    sign_in(client, progress.accounts)

    book = book_of(download(client, progress.round_id, only_missing="y"))
    assert [r[2] for r in table(book["Giám khảo"])] == [one.email, two.email]
    assert book["Giám khảo"]["A3"].value == "Bộ lọc: chỉ giám khảo còn thiếu phiếu"
    assert {ids[r[1]] for r in table(book["Bài dự thi"])} == {e2.id, e3.id, e5.id}
    assert book["Bài dự thi"]["A3"].value == "Bộ lọc: chỉ bài còn thiếu phiếu"

    pool = db.session.get(Pool, e2.pool_id)
    book = book_of(download(client, progress.round_id, pool=pool.id, only_missing="y"))
    assert {ids[r[1]] for r in table(book["Bài dự thi"])} == {e2.id}
    assert book["Bài dự thi"]["A3"].value == (f"Bộ lọc: bảng: {pool.name}; chỉ bài còn thiếu phiếu")
    # A pool of another round is no filter at all, as on the page.
    assert len(table(book_of(download(client, progress.round_id, pool=999999))["Bài dự thi"])) == 5


def test_the_button_keeps_only_the_filters_of_the_address(client, progress):  # noqa: F811
    sign_in(client, progress.accounts)
    args = {"round_id": 999999, "_anchor": "x", "only_missing": "y", "page": 2}
    response = client.get(f"/judging/rounds/{progress.round_id}/progress?{urlencode(args)}")
    assert response.status_code == 200
    action = unescape(EXPORT_FORM.search(response.get_data(as_text=True)).group(1))
    assert action == export_url(progress.round_id, only_missing="y")


def test_every_entry_not_only_the_first_page(client, progress, monkeypatch):  # noqa: F811
    from judging.monitoring import progress as listing

    monkeypatch.setattr(listing, "ENTRIES_PER_PAGE", 2)
    sign_in(client, progress.accounts)
    ws = book_of(download(client, progress.round_id))["Bài dự thi"]
    assert len(table(ws)) == 5


def test_hostile_names_stay_text_and_no_formula_is_written(client, db, progress):  # noqa: F811
    one = progress.judges[0]
    e1, e2, e3, e4, _ = progress.entries
    one.full_name = HOSTILE_JUDGE
    db.session.get(Entry, e1.entry_id).title = HOSTILE_TITLE
    db.session.get(Entry, e2.entry_id).title = MINUS_TITLE
    db.session.get(Pool, e1.pool_id).name = AT_POOL
    db.session.flush()
    db.session.execute(update(Entry).where(Entry.id == e3.entry_id).values(title=TAB_TITLE))
    db.session.execute(update(Entry).where(Entry.id == e4.entry_id).values(title=CR_TITLE))
    db.session.expire_all()
    sign_in(client, progress.accounts)
    data = download(client, progress.round_id).data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert len(sheets) == 2
        for name in archive.namelist():
            if name.endswith(".xml"):
                content = archive.read(name)
                assert b"<f>" not in content and b"<f " not in content, name
    book = load_workbook(io.BytesIO(data))
    cells = {
        c.value: c.data_type
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
    }
    hostile = (HOSTILE_JUDGE, HOSTILE_TITLE, MINUS_TITLE, AT_POOL, TAB_TITLE, CR_TITLE)
    assert {text: cells.get(text) for text in hostile} == dict.fromkeys(hostile, "s")


def test_the_download_has_a_vietnamese_file_name(client, progress):  # noqa: F811
    sign_in(client, progress.accounts)
    response = download(client, progress.round_id)
    name = f"Cuộc-thi-Khởi-nghiệp-đổi-mới-sáng-tạo_Vòng-sơ-khảo_Tien-do_{local_today()}.xlsx"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(name)}" in disposition
    assert response.headers["Cache-Control"] == "no-store"


def test_the_export_is_audited(client, progress):  # noqa: F811
    e2 = progress.entries[1]
    sign_in(client, progress.accounts)
    assert download(client, progress.round_id, pool=e2.pool_id).status_code == 200
    [event] = exports()
    assert event.actor_id == progress.world.organizer.id
    assert (event.object_type, event.object_id) == ("Round", str(progress.round_id))
    assert event.new["what"] == "progress" and event.new["destination"] == "download"
    assert event.new["filters"] == {"pool": e2.pool_id, "only_missing": False}
    assert (event.new["judges"], event.new["entries"]) == (3, 2)


def test_the_export_takes_the_same_number_of_queries_at_4_and_30_entries(
    app, client, db, factory, count_queries
):
    """Judges' sheets, reminders and entries grow with the round; the export's queries do
    not. (`client` makes app.test_client() give the suite's fresh-context browsers.)"""
    counts = {}
    for size in (4, 30):
        world = w.build(factory, entries=size, judges=3)
        w.assign_all(world)
        for n, round_entry in enumerate(world.entries):
            w.score(world, world.judges[n % 3], round_entry, FULL, submitted=n % 2 == 0)
            db.session.add(ReminderLog(round_id=world.round.id, user_id=world.judges[n % 3].id,
                                       missing=1))  # fmt: skip
        browser = app.test_client()
        sign_in_as(browser, world.organizer)
        token = csrf_token(browser, page_url(world.round.id))
        with count_queries() as counted:
            response = browser.post(export_url(world.round.id), data={"csrf_token": token})
        assert len(table(book_of(response)["Bài dự thi"])) == size
        counts[size] = counted.n
        # Codes are unique across competitions: make way for the next, larger world.
        world.competition.code = f"C{size}"
        for round_entry in world.entries:
            round_entry.entry.code = f"C{size}-{round_entry.entry.code}"
        db.session.flush()
    assert counts[4] == counts[30] <= 14, counts
