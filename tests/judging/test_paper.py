"""Paper score sheets: the round's template, the xlsx import with its per-row report (all
rows or none), and a sheet typed in by hand; every refusal leaves the database as it was."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app import spreadsheets
from app.audit import AuditEvent
from app.people.models import Role, User
from app.storage import StoredFile
from judging.models import (
    Conflict,
    ConflictSource,
    ConflictStatus,
    RoundEntry,
    ScoreSheet,
    SheetOrigin,
    SheetStatus,
)
from judging.paper import services, workbook
from tests.factories import MINIMAL_PDF
from tests.helpers import csrf_token, post_form
from tests.judging import roles
from tests.judging import world as w
from tests.judging.roles import ORGANIZERS_ONLY, ROLES, answer, assert_access, refusal, sign_in

# fmt: off
ACCESS: dict[str, dict[str, int | str]] = {
    "judging.paper":          ORGANIZERS_ONLY,
    "judging.paper_template": ORGANIZERS_ONLY,
    "judging.paper_manual":   ORGANIZERS_ONLY,
}
POST_ENDPOINTS = {"judging.paper_import"}
# fmt: on

REPORT_ROW = re.compile(r'data-row="(\d+)" data-reason="(\w+)" data-column="(\w*)"')
UPLOAD_ID = re.compile(r'name="upload_id" type="hidden" value="(\d+)"')
FILE_PROBLEM = re.compile(r'id="file-problem" data-reason="(\w+)"')
READY = re.compile(r'id="report-counts" data-ok="(\d+)" data-errors="(\d+)"')
GOOD = [20, "15,5", 15.5, "10.5", 8, 9]  # "8,5", 8.5 and "8.5" are all numbers
GOOD_DECIMALS = [Decimal(v) for v in ("20", "15.5", "15.5", "10.5", "8", "9")]


@dataclass
class Paper(roles.Setting):
    conflicted: tuple[User, RoundEntry]  # judge 3 and entry 2: an active conflict


@pytest.fixture()
def paper(db, factory) -> Paper:
    """Four entries; judges 1 and 2 assigned to all, judge 3 to the first two, in conflict
    with the second (declared after the assignment)."""
    world = w.build(factory, entries=4, judges=3)
    one, two, three = world.judges
    for round_entry in world.entries:
        w.assign(world, one, round_entry)
        w.assign(world, two, round_entry)
    w.assign(world, three, world.entries[0])
    w.assign(world, three, world.entries[1])
    db.session.add(
        Conflict(
            user_id=three.id,
            entry_id=world.entries[1].entry_id,
            source=ConflictSource.DECLARED,
            status=ConflictStatus.ACTIVE,
            reason="Tôi là giáo viên hướng dẫn của nhóm.",
        )
    )
    # Messages are checked in English: the Vietnamese catalog is completed separately.
    world.organizer.locale = "en"
    accounts = roles.accounts(factory, world, elsewhere="Thành phố Huế")
    db.session.flush()
    return Paper(world=world, accounts=accounts, conflicted=(three, world.entries[1]))


def page_url(paper: Paper, suffix: str = "") -> str:
    return f"/judging/rounds/{paper.world.round.id}/paper{suffix}"


def snapshot(db) -> dict[str, list[tuple]]:  # noqa: ANN001
    """Every row of every table."""
    return {
        table.name: [
            tuple(r) for r in db.session.execute(select(table).order_by(*table.primary_key.columns))
        ]
        for table in db.metadata.sorted_tables
    }


def header(paper: Paper) -> list[str]:
    return [
        "Email giám khảo",
        "Họ tên giám khảo",
        "Mã bài dự thi",
        "Tên dự án",
        *[f"{c.name} (tối đa {c.max_score.normalize():f})" for c in paper.world.criteria],
        "Nhận xét cho đội",
    ]


def row(judge: User, round_entry: RoundEntry, values: list, comment: str = "Ý tưởng hay.") -> list:
    return [judge.email, judge.full_name, round_entry.entry.code, round_entry.entry.title,
            *values, comment]  # fmt: skip


def xlsx(paper: Paper, rows: list[list], *, heading: list | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(heading or header(paper))
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, paper: Paper, data: bytes, name: str = "Điểm chấm giấy.xlsx"):  # noqa: ANN001, ANN201
    return post_form(
        client,
        page_url(paper),
        {"workbook": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def problems(response) -> list[tuple[int, str, str]]:  # noqa: ANN001
    assert response.status_code == 200
    return [(int(n), reason, column) for n, reason, column in
            REPORT_ROW.findall(response.get_data(as_text=True))]  # fmt: skip


def file_problem(response) -> str | None:  # noqa: ANN001
    match = FILE_PROBLEM.search(response.get_data(as_text=True))
    return match.group(1) if match else None


def confirm(client, paper: Paper, preview):  # noqa: ANN001, ANN201
    match = UPLOAD_ID.search(preview.get_data(as_text=True))
    assert match, "the preview offers no confirmation"
    return client.post(
        page_url(paper, "/import"),
        data={"csrf_token": csrf_token(client, page_url(paper)), "upload_id": match.group(1)},
    )


def sheets_of(db, paper: Paper) -> list[ScoreSheet]:  # noqa: ANN001
    return list(
        db.session.scalars(
            select(ScoreSheet)
            .join(RoundEntry, RoundEntry.id == ScoreSheet.round_entry_id)
            .where(RoundEntry.round_id == paper.world.round.id)
            .order_by(ScoreSheet.id)
        )
    )


def values_of(sheet: ScoreSheet) -> list[Decimal]:
    return [s.value for s in sorted(sheet.scores, key=lambda s: s.criterion.position)]


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_access(client, paper, role):
    urls = {
        "judging.paper": page_url(paper),
        "judging.paper_template": page_url(paper, "/template.xlsx"),
        "judging.paper_manual": page_url(paper, "/manual"),
    }
    assert_access(client, paper.accounts, role, urls, ACCESS)


@pytest.mark.parametrize("role", ["anonymous", "judge", "other_organizer"])
def test_others_cannot_import_and_nothing_changes(client, db, paper, role):
    sign_in(client, paper.accounts, "organizer")
    preview = upload(client, paper, xlsx(paper, [row(paper.judges[0], paper.entries[0], GOOD)]))
    upload_id = UPLOAD_ID.search(preview.get_data(as_text=True)).group(1)
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, page_url(paper))})
    sign_in(client, paper.accounts, role)
    before = snapshot(db)
    token = csrf_token(client, "/auth/login" if role == "anonymous" else "/auth/profile")
    response = client.post(
        page_url(paper, "/import"), data={"csrf_token": token, "upload_id": upload_id}
    )
    assert answer(response) == refusal(role)
    assert snapshot(db) == before


def test_a_missing_round_is_404(client, paper):
    sign_in(client, paper.accounts)
    assert client.get("/judging/rounds/999999/paper").status_code == 404
    assert client.get("/judging/rounds/999999/paper/template.xlsx").status_code == 404


# --- the template ---------------------------------------------------------------------------


def test_the_template_lists_what_is_waiting_for_a_sheet(client, db, paper):
    """One row per published assignment without a conflict and without a sheet the judge
    submitted online; the guide sheet gives each criterion's maximum and the step."""
    one, two, three = paper.judges
    w.score(paper.world, one, paper.entries[0], GOOD_DECIMALS)  # submitted online: left out
    paper.entries[2].entry.title = '=HYPERLINK("http://evil.example","Nhấn vào")'
    db.session.flush()
    sign_in(client, paper.accounts)
    response = client.get(page_url(paper, "/template.xlsx"))
    assert response.status_code == 200
    assert response.mimetype == workbook.XLSX_TYPE
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    sheet, guide = book.worksheets
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Judge email", "Judge name", "Entry code", "Entry title")
    assert rows[0][4] == "Tính đổi mới sáng tạo (max 25)"
    assert rows[0][-1] == "Comment for the team"
    pairs = {(r[0], r[2]) for r in rows[1:]}
    expected = {(j.email, e.entry.code) for j in (one, two) for e in paper.entries}
    expected |= {(three.email, paper.entries[0].entry.code)}  # not the conflicted entry
    expected -= {(one.email, paper.entries[0].entry.code)}  # submitted online
    assert pairs == expected
    guide_text = [c for r in guide.iter_rows(values_only=True) for c in r if c is not None]
    assert "Tính khả thi" in guide_text and 20 in guide_text and 0.5 in guide_text
    # A title that looks like a formula stays text: no live formula in the file.
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name), name


def test_the_filled_in_template_round_trips(client, db, paper):
    sign_in(client, paper.accounts)
    book = load_workbook(io.BytesIO(client.get(page_url(paper, "/template.xlsx")).data))
    sheet = book.worksheets[0]
    filled = 0
    for cells in sheet.iter_rows(min_row=2):
        if cells[0].value == paper.judges[1].email:
            for cell, value in zip(cells[4:10], GOOD, strict=True):
                cell.value = value
            cells[10].value = "Sản phẩm thiết thực, cần số liệu thị trường."
            filled += 1
    out = io.BytesIO()
    book.save(out)
    preview = upload(client, paper, out.getvalue())
    assert READY.search(preview.get_data(as_text=True)).groups() == (str(filled), "0")
    assert confirm(client, paper, preview).status_code == 302
    sheets = sheets_of(db, paper)
    assert len(sheets) == filled == 4
    assert {s.user_id for s in sheets} == {paper.judges[1].id}
    assert all(values_of(s) == GOOD_DECIMALS for s in sheets)


# --- import ---------------------------------------------------------------------------------


def test_preview_then_confirm_imports_every_row_marked_as_paper(client, db, paper):
    one, two, _ = paper.judges
    data = xlsx(
        paper,
        [
            row(one, paper.entries[0], GOOD),
            [],  # an empty row is skipped
            row(two, paper.entries[3], [25, 20, 20, 15, 10, 10], "Xuất sắc."),
        ],
    )
    sign_in(client, paper.accounts)
    before = len(sheets_of(db, paper))
    preview = upload(client, paper, data)
    html = preview.get_data(as_text=True)
    assert READY.search(html).groups() == ("2", "0")
    assert len(sheets_of(db, paper)) == before  # the preview stores no score
    response = confirm(client, paper, preview)
    assert response.status_code == 302
    sheets = sheets_of(db, paper)
    assert len(sheets) == 2
    first, second = sheets
    organizer = paper.world.organizer
    for sheet in sheets:
        assert sheet.origin == SheetOrigin.PAPER_IMPORT
        assert sheet.status == SheetStatus.SUBMITTED
        assert sheet.entered_by_id == organizer.id
        assert sheet.submitted_at is not None
        assert sheet.is_paper
    assert (first.user_id, first.round_entry_id) == (one.id, paper.entries[0].id)
    assert values_of(first) == GOOD_DECIMALS
    assert first.comment_for_team == "Ý tưởng hay."
    assert values_of(second) == [Decimal(v) for v in (25, 20, 20, 15, 10, 10)]
    audits = list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == services.IMPORT_ACTION))
    )
    assert sorted(int(a.object_id) for a in audits) == sorted(s.id for s in sheets)
    assert all(a.actor_id == organizer.id and a.old is None for a in audits)
    assert audits[0].new["scores"] and audits[0].new["file_id"]
    # The list marks them as paper.
    listing = client.get(page_url(paper)).get_data(as_text=True)
    assert listing.count('data-origin="import"') == 2


def test_a_number_cell_and_both_decimal_marks_are_the_same_score(client, db, paper):
    one = paper.judges[0]
    sign_in(client, paper.accounts)
    values = ["8,5", 8.5, "8.5", " 8,0 ", 8, "7"]
    preview = upload(client, paper, xlsx(paper, [row(one, paper.entries[0], values)]))
    confirm(client, paper, preview)
    (sheet,) = sheets_of(db, paper)
    assert values_of(sheet) == [Decimal(v) for v in ("8.5", "8.5", "8.5", "8", "8", "7")]


def _hostile_rows(paper: Paper) -> dict[str, tuple[list, tuple[str, str]]]:
    """Each case: one row and the (reason, column) the report must name."""
    one, two, three = paper.judges
    first, second, _, fourth = paper.entries
    return {
        "unknown judge": (
            row_with(one, first, email="nguoi.la@example.vn"),
            ("unknown_judge", "A"),
        ),
        "no judge email": (row_with(one, first, email=""), ("missing_judge", "A")),
        "unknown entry": (row_with(one, first, code="QN26-THPT-9999"), ("unknown_entry", "C")),
        "above max": (row(one, first, [26, 15, 15, 10, 8, 8]), ("above_max", "E")),
        "off step": (row(one, first, [20, "15,3", 15, 10, 8, 8]), ("off_step", "F")),
        "negative": (row(one, first, [20, 15, -1, 10, 8, 8]), ("below_zero", "G")),
        "not a number": (row(one, first, [20, 15, 15, "mười", 8, 8]), ("not_a_number", "H")),
        "missing score": (row(one, first, [20, 15, 15, 10, None, 8]), ("missing", "I")),
        "formula": (row(one, first, [20, 15, 15, 10, 8, "=4+4"]), ("formula", "J")),
        "unassigned judge": (row(three, fourth, GOOD), ("not_assigned", "")),
        "conflicted judge": (row(three, second, GOOD), ("conflict", "")),
    }


def row_with(judge: User, round_entry: RoundEntry, *, email: str | None = None,
             code: str | None = None) -> list:  # fmt: skip
    values = row(judge, round_entry, GOOD)
    if email is not None:
        values[0] = email
    if code is not None:
        values[2] = code
    return values


CASES = [
    "unknown judge", "no judge email", "unknown entry", "above max", "off step", "negative",
    "not a number", "missing score", "formula", "unassigned judge", "conflicted judge",
]  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_a_bad_row_is_reported_and_nothing_is_imported(client, db, paper, case):
    """A good row beside the bad one: the report names the bad row and its column, the
    preview offers no import, and nothing is stored, not even the file."""
    bad, (reason, column) = _hostile_rows(paper)[case]
    good = row(paper.judges[1], paper.entries[2], GOOD)
    sign_in(client, paper.accounts)
    before = snapshot(db)
    preview = upload(client, paper, xlsx(paper, [good, bad]))
    assert (3, reason, column) in problems(preview)
    assert all(number == 3 for number, _, _ in problems(preview))
    assert READY.search(preview.get_data(as_text=True)).groups() == ("1", "1")
    assert not UPLOAD_ID.search(preview.get_data(as_text=True))
    assert snapshot(db) == before


def test_duplicate_rows_for_one_judge_and_entry_are_refused(client, db, paper):
    one = paper.judges[0]
    sign_in(client, paper.accounts)
    before = snapshot(db)
    preview = upload(client, paper, xlsx(paper, [row(one, paper.entries[0], GOOD),
                                                 row(one, paper.entries[0], GOOD)]))  # fmt: skip
    assert problems(preview) == [(3, "duplicate", "")]
    assert "as row 2" in preview.get_data(as_text=True)
    assert snapshot(db) == before


def test_a_sheet_submitted_online_is_not_overwritten(client, db, paper):
    one = paper.judges[0]
    online = w.score(paper.world, one, paper.entries[0], [10, 10, 10, 10, 5, 5])
    sign_in(client, paper.accounts)
    before = snapshot(db)
    preview = upload(client, paper, xlsx(paper, [row(one, paper.entries[0], GOOD)]))
    assert problems(preview) == [(2, "online_sheet", "")]
    assert snapshot(db) == before
    db.session.refresh(online)
    assert online.origin == SheetOrigin.ONLINE
    assert values_of(online) == [Decimal(v) for v in (10, 10, 10, 10, 5, 5)]


def test_an_online_draft_is_replaced_and_its_open_page_told(client, db, paper):
    one = paper.judges[0]
    draft = w.score(paper.world, one, paper.entries[0], [1, 1, 1, 1, 1, 1], submitted=False)
    version = draft.lock_version
    sign_in(client, paper.accounts)
    preview = upload(client, paper, xlsx(paper, [row(one, paper.entries[0], GOOD)]))
    assert "replaces the judge's online draft" in preview.get_data(as_text=True)
    assert confirm(client, paper, preview).status_code == 302
    db.session.refresh(draft)
    assert draft.origin == SheetOrigin.PAPER_IMPORT and draft.status == SheetStatus.SUBMITTED
    assert values_of(draft) == GOOD_DECIMALS
    assert draft.lock_version == version + 1
    audit = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == services.IMPORT_ACTION, AuditEvent.object_id == str(draft.id)
        )
    )
    assert audit.old["status"] == "draft" and audit.old["scores"]


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("pdf renamed", "not_xlsx"),
        ("html renamed", "not_xlsx"),
        ("zip without workbook", "not_xlsx"),
        ("xls name", "not_xlsx"),
        ("empty workbook", "empty"),
        ("header only", "no_rows"),
        ("criteria swapped", "bad_header"),
        ("zip bomb", "unsafe"),
        ("entity bomb", "unsafe"),
    ],
)
def test_a_bad_file_is_refused_and_nothing_changes(client, db, paper, case, reason):
    data, name = _bad_file(paper, case)
    sign_in(client, paper.accounts)
    before = snapshot(db)
    response = upload(client, paper, data, name)
    assert response.status_code == 200
    assert file_problem(response) == reason
    assert not UPLOAD_ID.search(response.get_data(as_text=True))
    assert snapshot(db) == before


def _bad_file(paper: Paper, case: str) -> tuple[bytes, str]:
    good = xlsx(paper, [row(paper.judges[0], paper.entries[0], GOOD)])
    if case == "pdf renamed":
        return MINIMAL_PDF, "diem.xlsx"
    if case == "html renamed":
        return b"<html><body><script>alert(1)</script></body></html>", "diem.xlsx"
    if case == "zip without workbook":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("ghi-chu.txt", "Không phải bảng tính")
        return out.getvalue(), "diem.xlsx"
    if case == "xls name":
        return good, "diem.xls"
    if case == "empty workbook":
        out = io.BytesIO()
        Workbook().save(out)
        return out.getvalue(), "trong.xlsx"
    if case == "header only":
        return xlsx(paper, []), "diem.xlsx"
    if case == "criteria swapped":
        heading = header(paper)
        heading[4], heading[5] = heading[5], heading[4]
        return xlsx(
            paper, [row(paper.judges[0], paper.entries[0], GOOD)], heading=heading
        ), "d.xlsx"
    if case == "zip bomb":
        out = io.BytesIO()
        with (
            zipfile.ZipFile(io.BytesIO(good)) as source,
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
        ):
            for item in source.infolist():
                data = source.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    data = data.replace(b"</sheetData>", b" " * (8 * 1024 * 1024) + b"</sheetData>")
                target.writestr(item.filename, data)
        assert len(out.getvalue()) < 200_000
        return out.getvalue(), "bom.xlsx"
    if case == "entity bomb":
        injected = False
        # Entities that expand a thousandfold (the "billion laughs"), declared in the sheet.
        doctype = (
            b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
            b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        )
        # The comment's text is in the sheet or in the shared strings, as openpyxl wrote it
        # (its Vietnamese letters as characters or as character references).
        comment = re.compile(rb"<t>[^<]*hay\.</t>")
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(out, "w") as target:
            for item in source.infolist():
                data = source.read(item.filename)
                if comment.search(data):
                    data = data.split(b"?>", 1)[-1] if data.startswith(b"<?xml") else data
                    data = doctype + comment.sub(b"<t>&lol3;</t>", data)
                    injected = True
                target.writestr(item.filename, data)
        assert injected
        return out.getvalue(), "cuoi.xlsx"
    raise AssertionError(case)


def test_a_file_too_large_is_refused(client, db, paper, monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_FILE_BYTES", 2000)
    sign_in(client, paper.accounts)
    before = snapshot(db)
    response = upload(client, paper, xlsx(paper, [row(paper.judges[0], paper.entries[0], GOOD)]))
    assert file_problem(response) == "too_large"
    assert snapshot(db) == before


def test_a_workbook_with_too_many_rows_is_refused(client, db, paper, monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 3)
    one, two, _ = paper.judges
    rows = [row(j, e, GOOD) for j in (one, two) for e in paper.entries]
    sign_in(client, paper.accounts)
    before = snapshot(db)
    assert file_problem(upload(client, paper, xlsx(paper, rows))) == "too_many_rows"
    assert snapshot(db) == before


def test_the_confirmation_checks_again_and_imports_nothing_if_a_row_no_longer_passes(
    client, db, paper
):
    """Between the preview and the confirmation a judge submitted one of the sheets
    online: the whole import is refused, the other row is not stored either."""
    one, two, _ = paper.judges
    sign_in(client, paper.accounts)
    preview = upload(client, paper, xlsx(paper, [row(one, paper.entries[0], GOOD),
                                                 row(two, paper.entries[1], GOOD)]))  # fmt: skip
    w.score(paper.world, two, paper.entries[1], [5, 5, 5, 5, 5, 5])  # saved meanwhile
    before = snapshot(db)
    response = confirm(client, paper, preview)
    assert response.status_code == 200
    assert (3, "online_sheet", "") in problems(response)
    assert snapshot(db) == before


def test_someone_elses_upload_cannot_be_confirmed(client, db, factory, paper):
    sign_in(client, paper.accounts)
    other = factory.user("Lý Thị Mai", roles=(Role.ORGANIZER,), organizer_of=paper.world.owner)
    foreign = StoredFile(
        stored_name="aa/bb/" + "c" * 32,
        original_name="diem.xlsx",
        content_type=workbook.XLSX_TYPE,
        size=10,
        sha256="0" * 64,
        uploaded_by_id=other.id,
    )
    db.session.add(foreign)
    db.session.flush()
    before = snapshot(db)
    response = client.post(
        page_url(paper, "/import"),
        data={"csrf_token": csrf_token(client, page_url(paper)), "upload_id": foreign.id},
    )
    assert response.status_code == 404
    assert snapshot(db) == before


def test_paper_may_come_after_the_window_but_not_after_publication(client, db, factory):
    world = w.build(factory, entries=2, judges=1, window="closed")
    world.organizer.locale = "en"
    w.assign_all(world)
    paper = Paper(world=world, accounts={"organizer": world.organizer}, conflicted=None)
    sign_in(client, paper.accounts)
    preview = upload(client, paper, xlsx(paper, [row(world.judges[0], world.entries[0], GOOD)]))
    world.settings.results_published_at = datetime.now(UTC)
    db.session.flush()
    before = snapshot(db)
    response = confirm(client, paper, preview)
    assert response.status_code == 200
    assert file_problem(response) == "results_published"
    assert "results of this round are published" in response.get_data(as_text=True)
    assert snapshot(db) == before
    refused = upload(client, paper, xlsx(paper, [row(world.judges[0], world.entries[0], GOOD)]))
    assert file_problem(refused) == "results_published"
    assert snapshot(db) == before
    world.settings.results_published_at = None
    db.session.flush()
    preview = upload(client, paper, xlsx(paper, [row(world.judges[0], world.entries[0], GOOD)]))
    assert confirm(client, paper, preview).status_code == 302
    assert len(sheets_of(db, paper)) == 1  # after the window closed, before publication


# --- by hand --------------------------------------------------------------------------------


def manual_url(paper: Paper, judge: User) -> str:
    return page_url(paper, f"/manual?judge={judge.id}")


def manual_data(paper: Paper, judge: User, round_entry: RoundEntry, values: list) -> dict:
    data = {"judge": judge.id, "round_entry": round_entry.id,
            "comment_for_team": "Cần làm rõ mô hình kinh doanh."}  # fmt: skip
    for criterion, value in zip(paper.world.criteria, values, strict=True):
        data[f"score_{criterion.id}"] = value
    return data


def test_an_organizer_types_in_a_paper_sheet(client, db, paper):
    one = paper.judges[0]
    sign_in(client, paper.accounts)
    page = client.get(manual_url(paper, one)).get_data(as_text=True)
    assert paper.entries[3].entry.code in page
    response = post_form(
        client,
        page_url(paper, "/manual"),
        manual_data(paper, one, paper.entries[3], ["20", "15,5", "15.5", "10", "8,5", "9"]),
        form_page=manual_url(paper, one),
    )
    assert response.status_code == 302
    (sheet,) = sheets_of(db, paper)
    assert (sheet.user_id, sheet.round_entry_id) == (one.id, paper.entries[3].id)
    assert sheet.origin == SheetOrigin.PAPER_MANUAL and sheet.status == SheetStatus.SUBMITTED
    assert sheet.entered_by_id == paper.world.organizer.id
    assert values_of(sheet) == [Decimal(v) for v in ("20", "15.5", "15.5", "10", "8.5", "9")]
    assert sheet.comment_for_team == "Cần làm rõ mô hình kinh doanh."
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == services.MANUAL_ACTION, AuditEvent.object_id == str(sheet.id)
            )
        )
        == 1
    )
    listing = client.get(page_url(paper)).get_data(as_text=True)
    assert 'data-origin="manual"' in listing


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("above max", "is above the maximum, 25"),
        ("off step", "is not a multiple of 0.5"),
        ("not a number", "“mười” is not a number"),
        ("conflicted entry", "conflict of interest with this entry"),
        ("unassigned entry", "not assigned to this entry"),
        ("submitted online", "already submitted this sheet online"),
    ],
)
def test_a_refused_sheet_typed_in_changes_nothing(client, db, paper, case, message):
    one, _, three = paper.judges
    judge, round_entry, values = {
        "above max": (one, paper.entries[0], ["26", "15", "15", "10", "8", "8"]),
        "off step": (one, paper.entries[0], ["20", "15,25", "15", "10", "8", "8"]),
        "not a number": (one, paper.entries[0], ["20", "15", "mười", "10", "8", "8"]),
        "conflicted entry": (three, paper.entries[1], ["20", "15", "15", "10", "8", "8"]),
        "unassigned entry": (three, paper.entries[3], ["20", "15", "15", "10", "8", "8"]),
        "submitted online": (one, paper.entries[2], ["20", "15", "15", "10", "8", "8"]),
    }[case]
    if case == "submitted online":
        w.score(paper.world, one, paper.entries[2], [1, 1, 1, 1, 1, 1])
    sign_in(client, paper.accounts)
    before = snapshot(db)
    response = post_form(
        client,
        page_url(paper, "/manual"),
        manual_data(paper, judge, round_entry, values),
        form_page=manual_url(paper, judge),
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert snapshot(db) == before


def test_typing_in_is_refused_once_results_are_published(client, db, paper):
    one = paper.judges[0]
    paper.world.settings.results_published_at = datetime.now(UTC)
    db.session.flush()
    sign_in(client, paper.accounts)
    page = client.get(manual_url(paper, one)).get_data(as_text=True)
    assert 'id="published"' in page and 'id="manual-form"' not in page
    before = snapshot(db)
    response = client.post(
        page_url(paper, "/manual"),
        data={"csrf_token": csrf_token(client, page_url(paper)),
              **manual_data(paper, one, paper.entries[0], ["20", "15", "15", "10", "8", "8"])},
    )  # fmt: skip
    assert response.status_code == 200
    assert snapshot(db) == before


def test_the_entry_choice_leaves_out_conflicts_and_online_sheets(client, db, paper):
    _, two, three = paper.judges
    w.score(paper.world, two, paper.entries[0], [1, 1, 1, 1, 1, 1])
    sign_in(client, paper.accounts)
    page = client.get(manual_url(paper, three)).get_data(as_text=True)
    assert paper.entries[0].entry.code in page
    assert paper.entries[1].entry.code not in page  # conflicted
    page = client.get(manual_url(paper, two)).get_data(as_text=True)
    codes = re.findall(r'<option value="(\d+)"', page)
    assert str(paper.entries[0].id) not in codes  # submitted online
    assert str(paper.entries[1].id) in codes
