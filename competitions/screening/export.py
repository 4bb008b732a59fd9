"""The organizers' entries list as a workbook: the entries the list shows with its filters
(every page, in the list's order), under a title block saying which competition, which
filters, when and by whom.

The workbook is a document organizers send to departments and print, so its words are
Vietnamese whatever the reader's interface language (like the ranking workbook).

Pure: it is given the entries already loaded (competitions.screening.listing.all_entries,
team, leader, members, track and unit with them) and touches no database. Text goes through
app.spreadsheets, so nothing a team typed ever becomes a formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook

from app import spreadsheets
from app.localtime import wall_clock
from app.spreadsheets import DATE_TIME, RowWriter
from app.vietnamese import name_sort_key
from competitions.models import Entry, EntryStatus, Stage
from competitions.screening.listing import EntryFilters

SHEET = "Danh sách bài dự thi"
FILE_PART = "Danh-sach-bai-du-thi"

STATUS_VI = {
    EntryStatus.DRAFT: "Bản nháp",
    EntryStatus.SUBMITTED: "Đã nộp",
    EntryStatus.WITHDRAWN: "Đã rút",
    EntryStatus.ACCEPTED: "Đủ điều kiện dự thi",
    EntryStatus.REJECTED: "Không đủ điều kiện dự thi",
}
STAGE_VI = {
    Stage.IDEA: "Ý tưởng",
    Stage.PROTOTYPE: "Sản phẩm mẫu",
    Stage.EARLY_REVENUE: "Đã có doanh thu ban đầu",
}
COLUMNS: tuple[tuple[str, str | None], ...] = (  # header, number format
    ("STT", None),
    ("Mã bài", None),
    ("Tên dự án", None),
    ("Nhóm", None),
    ("Trưởng nhóm", None),
    ("Thành viên", None),
    ("Đơn vị / trường", None),
    ("Lĩnh vực", None),
    ("Vòng thi", None),
    ("Giai đoạn dự án", None),
    ("Trạng thái", None),
    ("Hình thức nộp", None),
    ("Ngày nộp", DATE_TIME),
)
HEADERS = tuple(header for header, _ in COLUMNS)


@dataclass(frozen=True)
class ListExport:
    """What the workbook shows besides the entries: where they come from, when, by whom."""

    competition: str  # title and edition year
    filters: EntryFilters
    exported_at: datetime  # local time, naive (Excel knows no time zones)
    exported_by: str


def filter_text(filters: EntryFilters) -> str:
    """The filters in words, the round first (the list always shows one round)."""
    parts = []
    if filters.round is not None:
        parts.append(f"vòng: {filters.round.name}")
    if filters.pool is not None:
        parts.append(f"bảng: {filters.pool.name}")
    if filters.unit is not None:
        parts.append(f"đơn vị: {filters.unit.name} (gồm các đơn vị trực thuộc)")
    if filters.track is not None:
        parts.append(f"lĩnh vực: {filters.track.name}")
    if filters.status:
        parts.append(f"trạng thái: {STATUS_VI.get(filters.status, filters.status)}")
    if filters.q:
        parts.append(f"tìm kiếm: “{filters.q}”")
    return "; ".join(parts) if parts else "không (tất cả bài dự thi)"


def _members(entry: Entry) -> str:
    """The team's members other than its leader, by given name as Vietnamese lists are,
    each name written as stored."""
    names = [m.full_name for m in entry.team.members if m.user_id != entry.team.leader_id]
    return ", ".join(sorted(names, key=name_sort_key))


def entry_row(number: int, entry: Entry, round_name: str | None) -> list[object]:
    return [
        number,
        entry.code,
        entry.title,
        entry.team.name,
        entry.team.leader.full_name,
        _members(entry),
        entry.unit.name if entry.unit is not None else None,
        entry.track.name,
        round_name,
        STAGE_VI.get(entry.stage, entry.stage),
        STATUS_VI.get(entry.status, entry.status),
        "Hồ sơ giấy" if entry.is_paper else "Trực tuyến",
        wall_clock(entry.submitted_at),
    ]


def entries_workbook(entries: Sequence[Entry], facts: ListExport) -> bytes:
    """The workbook as bytes: a title block, then the table from its header row on."""
    round_name = facts.filters.round.name if facts.filters.round is not None else None
    rows = [entry_row(n, entry, round_name) for n, entry in enumerate(entries, start=1)]
    titles = [
        f"Danh sách bài dự thi — {facts.competition}",
        f"Bộ lọc: {filter_text(facts.filters)}",
        f"Số bài: {len(rows)}",
        f"Xuất lúc: {facts.exported_at:%d/%m/%Y %H:%M} (giờ Việt Nam)",
        f"Người xuất: {facts.exported_by}",
    ]
    header_row = len(titles) + 2  # one blank row between the titles and the table

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    widths = spreadsheets.fitted_widths([HEADERS, *rows])
    spreadsheets.table_layout(
        ws, header_row=header_row, widths=widths, columns=len(COLUMNS),
        last_row=header_row + len(rows),
    )  # fmt: skip
    for title in spreadsheets.title_rows(ws, titles):
        ws.append(title)
    ws.append([])
    ws.append(spreadsheets.header_cells(ws, HEADERS))
    writer = RowWriter(ws, [number_format for _, number_format in COLUMNS])
    for row in rows:
        writer.append(row)
    return spreadsheets.workbook_bytes(wb)
