"""A round's judging progress as a workbook: one sheet per judge ("Giám khảo") and one per
entry ("Bài dự thi"), each under a title block saying which round, which filters, when and
by whom.

Organizers send it to the judges' units and print it, so its words are Vietnamese whatever
the reader's interface language (like the ranking workbook).

Pure: it is given the progress rows already counted (judging.monitoring.progress) and
touches no database. Text goes through app.spreadsheets, so no name ever becomes a formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook

from app import spreadsheets
from app.localtime import wall_clock
from app.spreadsheets import DATE_TIME, PERCENT, RowWriter
from judging.monitoring.progress import EntryProgress, JudgeProgress

JUDGES_SHEET = "Giám khảo"
ENTRIES_SHEET = "Bài dự thi"
FILE_PART = "Tien-do"
NO_POOL_VI = "Chưa xếp bảng"

Column = tuple[str, str | None]  # header, number format
JUDGE_COLUMNS: tuple[Column, ...] = (
    ("STT", None),
    ("Giám khảo", None),
    ("Email", None),
    ("Số bài được phân công", None),
    ("Đã nộp", None),
    ("Trong đó phiếu giấy", None),
    ("Bản nháp", None),
    ("Chưa chấm", None),
    ("Tỷ lệ hoàn thành", PERCENT),
    ("Hoạt động gần nhất", DATE_TIME),
    ("Số lần nhắc", None),
    ("Lần nhắc gần nhất", DATE_TIME),
)
ENTRY_COLUMNS: tuple[Column, ...] = (
    ("STT", None),
    ("Mã bài", None),
    ("Tên dự án", None),
    ("Bảng", None),
    ("Số giám khảo đã nộp", None),
    ("Số giám khảo được phân công", None),
    ("Trong đó phiếu giấy", None),
    ("Còn thiếu", None),
    ("Tỷ lệ hoàn thành", PERCENT),
    ("Ghi chú", None),
)


@dataclass(frozen=True)
class ProgressExport:
    """What the workbook shows besides the rows: the round, the filters, when, by whom."""

    competition: str
    round_name: str
    pool_name: str | None  # the pool filter of the entries, if any
    only_missing: bool
    exported_at: datetime  # local time, naive (Excel knows no time zones)
    exported_by: str


def _share(done: int, out_of: int) -> float | None:
    return done / out_of if out_of else None


def judge_row(number: int, judge: JudgeProgress) -> list[object]:
    """Assigned = submitted + drafts + not started (a draft is saved, not yet submitted)."""
    return [
        number,
        judge.user.full_name,
        judge.user.email,
        judge.assigned,
        judge.submitted,
        judge.paper,
        judge.drafts,
        judge.assigned - judge.submitted - judge.drafts,
        _share(judge.submitted, judge.assigned),
        wall_clock(judge.last_activity),
        judge.reminders,
        wall_clock(judge.last_reminder),
    ]


def entry_row(number: int, entry: EntryProgress) -> list[object]:
    return [
        number,
        entry.code,
        entry.title,
        entry.pool or NO_POOL_VI,
        entry.submitted,
        entry.assigned,
        entry.paper,
        entry.missing,
        _share(entry.submitted, entry.assigned),
        None if entry.assigned else "Chưa có giám khảo",
    ]


def _filters_text(parts: list[str]) -> str:
    return "Bộ lọc: " + ("; ".join(parts) if parts else "không (toàn vòng thi)")


def _sheet(
    wb: Workbook,
    title: str,
    titles: list[str],
    columns: Sequence[Column],
    rows: list[list[object]],
) -> None:
    """A sheet: the title block, a blank row, the header, the rows; laid out for print."""
    headers = [header for header, _ in columns]
    header_row = len(titles) + 2
    widths = spreadsheets.fitted_widths([headers, *rows])
    ws = wb.create_sheet(title)
    spreadsheets.table_layout(
        ws, header_row=header_row, widths=widths, columns=len(columns),
        last_row=header_row + len(rows),
    )  # fmt: skip
    for line in spreadsheets.title_rows(ws, titles):
        ws.append(line)
    ws.append([])
    ws.append(spreadsheets.header_cells(ws, headers))
    writer = RowWriter(ws, [number_format for _, number_format in columns])
    for row in rows:
        writer.append(row)


def progress_workbook(
    judges: Sequence[JudgeProgress], entries: Sequence[EntryProgress], facts: ProgressExport
) -> bytes:
    """The workbook as bytes: the judges' sheet, then the entries' sheet."""
    stamp = [
        f"Xuất lúc: {facts.exported_at:%d/%m/%Y %H:%M} (giờ Việt Nam)",
        f"Người xuất: {facts.exported_by}",
    ]
    wb = Workbook(write_only=True)

    judge_filters = ["chỉ giám khảo còn thiếu phiếu"] if facts.only_missing else []
    expected = sum(j.assigned for j in judges)
    submitted = sum(j.submitted for j in judges)
    _sheet(
        wb,
        JUDGES_SHEET,
        [
            f"Tiến độ chấm — {facts.competition}",
            f"{facts.round_name} — Giám khảo",
            _filters_text(judge_filters),
            f"Số giám khảo: {len(judges)}; phiếu đã nộp: {submitted}/{expected}",
            *stamp,
        ],
        JUDGE_COLUMNS,
        [judge_row(n, judge) for n, judge in enumerate(judges, start=1)],
    )

    entry_filters = [f"bảng: {facts.pool_name}"] if facts.pool_name else []
    if facts.only_missing:
        entry_filters.append("chỉ bài còn thiếu phiếu")
    _sheet(
        wb,
        ENTRIES_SHEET,
        [
            f"Tiến độ chấm — {facts.competition}",
            f"{facts.round_name} — Bài dự thi",
            _filters_text(entry_filters),
            f"Số bài: {len(entries)}; chưa có giám khảo: "
            f"{sum(1 for e in entries if not e.assigned)}",
            *stamp,
        ],
        ENTRY_COLUMNS,
        [entry_row(n, entry) for n, entry in enumerate(entries, start=1)],
    )
    return spreadsheets.workbook_bytes(wb)
