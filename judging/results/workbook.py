"""The ranking workbook of a round, ready to print for the jury to sign: "Xếp hạng" (the
ranking with a signature block), "Điểm chi tiết" (every judge's sheet), "Giám khảo" (judge
statistics and panel agreement) and "Thông tin" (what was exported, how, when and by whom).

The workbook is an official document of a Vietnamese competition, printed and signed by its
jury, so its words are Vietnamese whatever the reader's interface language.

Pure: it is given the ranking, the trust report and the extra details already loaded
(judging.results.export loads them). Written with openpyxl's write-only mode (rows streamed,
no cell objects kept): at province scale that is several times faster and lighter than
building the sheets in memory. Text cells go through app.spreadsheets, so nothing a team
typed ever becomes a formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from babel.numbers import format_decimal
from openpyxl import Workbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from app import spreadsheets
from app.spreadsheets import DATE_TIME, TWO_DECIMALS, RowWriter
from judging.models import AdvancementDecision
from judging.ranking import DISAGREEMENT, INCOMPLETE, NO_PREVIOUS, ZERO_CRITERION
from judging.results.services import PoolRanking, RankedRow, RoundRanking, TrustReport

RANKING_SHEET = "Xếp hạng"
DETAIL_SHEET = "Điểm chi tiết"
JUDGES_SHEET = "Giám khảo"
INFO_SHEET = "Thông tin"

METHODS_VI = {
    "mean": "Trung bình cộng điểm của các giám khảo",
    "median": "Trung vị điểm của các giám khảo",
    "trimmed": "Trung bình cắt (bỏ điểm cao nhất và thấp nhất khi có từ 5 giám khảo)",
    "normalised": "Trung bình chuẩn hoá theo từng giám khảo (z-score), quy về thang 100",
}
TIE_BREAKS_VI = {
    "criteria": "điểm trung bình từng tiêu chí theo thứ tự trong phiếu chấm",
    "judge_count": "số giám khảo đã chấm",
}
FLAGS_VI = {
    INCOMPLETE: "Chưa chấm đủ",
    DISAGREEMENT: "Giám khảo chênh lệch lớn",
    ZERO_CRITERION: "Có tiêu chí 0 điểm",
    NO_PREVIOUS: "Không có điểm vòng trước",
}
DECISIONS_VI = {AdvancementDecision.ADVANCE: "Vào vòng sau", AdvancementDecision.STOP: "Dừng"}
ICC_BANDS_VI = {
    "poor": "kém",
    "moderate": "trung bình",
    "good": "tốt",
    "excellent": "rất tốt",
    "undefined": "không tính được",
    "not_enough": "chưa đủ dữ liệu",
}
W_BANDS_VI = {
    "very weak": "rất yếu",
    "weak": "yếu",
    "moderate": "trung bình",
    "strong": "mạnh",
    "very strong": "rất mạnh",
    "undefined": "không tính được",
    "not_enough": "chưa đủ dữ liệu",
}
JUDGE_HEADERS = (
    "Giám khảo",
    "Số phiếu đã chấm",
    "Điểm trung bình",
    "Độ lệch chuẩn",
    "Chênh lệch so với các giám khảo khác",
    "Nhận xét",
)
AGREEMENT_HEADERS = (
    "Bảng",
    "Mô hình ICC",
    "ICC một giám khảo",
    "ICC trung bình các giám khảo",
    "Mức tin cậy",
    "Số bài (ICC)",
    "Kendall's W",
    "Mức đồng thuận",
    "Số bài × giám khảo (W)",
)
NO_POOL_VI = "Chưa xếp bảng"
SIGNERS = ("TRƯỞNG BAN GIÁM KHẢO", "BAN TỔ CHỨC")
TITLE_ROWS = 4  # competition, round and scope, method, exported at
HEADER_ROW = TITLE_ROWS + 2  # one blank row between the titles and the table
HEADER_HEIGHT = 60  # points: four lines of the header font
LENIENCY = "+0.00;-0.00;0.00"


@dataclass(frozen=True)
class EntryDetails:
    """What the ranking sheet shows of an entry beyond its ranking row."""

    leader: str = ""
    members: tuple[str, ...] = ()  # the other members, in the team's order
    track: str = ""
    decision: str | None = None
    awards: tuple[str, ...] = ()


@dataclass(frozen=True)
class SheetDetails:
    """A submitted score sheet's words and circumstances (its scores are in the ranking)."""

    comment: str
    submitted_at: datetime | None  # local time, naive (Excel has no time zones)
    paper: bool


@dataclass(frozen=True)
class ExportFacts:
    """What, when and by whom: the "Thông tin" sheet and the titles."""

    scope: PoolRanking  # the rows exported: one pool, or the whole round
    exported_at: datetime  # local time, naive
    exported_by: str
    entries: dict[int, EntryDetails]  # by RoundEntry id
    sheets: dict[tuple[int, int], SheetDetails]  # by (RoundEntry id, judge id)


def vi_number(value: float, places: int = 1) -> str:
    return format_decimal(value, format="#,##0." + "0" * places, locale="vi")


def _scope_name(ranking: RoundRanking, scope: PoolRanking) -> str:
    if scope.is_overall:
        return "Toàn vòng thi" if len(ranking.data.pools) > 1 else "Tất cả bài dự thi"
    return f"Bảng: {scope.pool.name or NO_POOL_VI}"


def method_text(ranking: RoundRanking) -> str:
    data = ranking.data
    text = METHODS_VI[ranking.method]
    if data.previous is not None:
        text += f"; cộng {vi_number(data.settings.carry_weight * 100, 0)}% điểm vòng trước"
    return text


def tie_break_text(ranking: RoundRanking) -> str:
    steps = [TIE_BREAKS_VI[t] for t in ranking.data.settings.tie_breaks if t in TIE_BREAKS_VI]
    return "; ".join(steps) or "xếp đồng hạng"


def _titles(ranking: RoundRanking, facts: ExportFacts, subtitle: str) -> list[str]:
    data = ranking.data
    return [
        f"Cuộc thi: {data.competition_title}",
        f"{data.round_name} — {subtitle}",
        f"Phương pháp tính điểm: {method_text(ranking)}",
        f"Xuất lúc: {facts.exported_at:%d/%m/%Y %H:%M}",
    ]


def _start(
    wb: Workbook, title: str, lines: list[str], widths: Sequence[float]
) -> WriteOnlyWorksheet:
    """A sheet with its layout set (before any row, as write-only sheets require) and its
    title lines written, up to the header row."""
    ws = wb.create_sheet(title)
    spreadsheets.table_layout(ws, header_row=HEADER_ROW, widths=widths)
    # Criterion names wrap in their narrow columns: room for four lines, which no
    # spreadsheet computes for a file it did not lay out itself.
    ws.row_dimensions[HEADER_ROW].height = HEADER_HEIGHT
    for row in spreadsheets.title_rows(ws, lines):
        ws.append(row)
    for _ in range(HEADER_ROW - 1 - len(lines)):
        ws.append([])
    return ws


def _many_pools(ranking: RoundRanking, scope: PoolRanking) -> bool:
    return scope.is_overall and len(ranking.data.pools) > 1


def _pool_ranks(ranking: RoundRanking) -> dict[int, int | None]:
    return {row.entry.id: row.rank for pool in ranking.pools for row in pool.rows}


def _mean_total(row: RankedRow) -> float | None:
    totals = row.judge_totals.values()
    return sum(float(t) for t in totals) / len(totals) if totals else None


def _result(details: EntryDetails) -> str:
    parts = [DECISIONS_VI[details.decision]] if details.decision in DECISIONS_VI else []
    return "; ".join([*parts, *details.awards])


def _ranking_sheet(wb: Workbook, ranking: RoundRanking, facts: ExportFacts) -> None:
    data, scope = ranking.data, facts.scope
    many_pools = _many_pools(ranking, scope)
    normalised = ranking.method == "normalised"
    carried = data.previous is not None
    criteria = data.criterion_info
    columns: list[tuple[str, float, str | None]] = [  # header, width, number format
        ("Hạng", 6, None),
        *([("Bảng", 16, None), ("Hạng trong bảng", 8, None)] if many_pools else []),
        ("Mã bài", 16, None),
        ("Tên dự án", 36, None),
        ("Nhóm", 22, None),
        ("Trưởng nhóm", 20, None),
        ("Thành viên", 30, None),
        ("Trường / đơn vị", 26, None),
        ("Lĩnh vực", 16, None),
        *((f"{c.name} (TB)", 11, TWO_DECIMALS) for c in criteria),
        ("Tổng điểm (TB)" if normalised else "Tổng điểm", 10, TWO_DECIMALS),
        *([("Điểm vòng trước", 10, TWO_DECIMALS)] if carried else []),
        *([("Điểm chuẩn hoá", 10, TWO_DECIMALS)] if normalised else []),
        ("Số giám khảo", 9, None),
        ("Lưu ý", 24, None),
        ("Kết quả", 22, None),
    ]
    ws = _start(wb, RANKING_SHEET, _titles(ranking, facts, _scope_name(ranking, scope)),
                [width for _, width, _ in columns])  # fmt: skip
    ws.append(spreadsheets.header_cells(ws, [header for header, _, _ in columns]))
    writer = RowWriter(ws, [number_format for _, _, number_format in columns])
    pool_ranks = _pool_ranks(ranking) if many_pools else {}
    blank = EntryDetails()
    for row in scope.rows:
        entry = row.entry
        details = facts.entries.get(entry.id, blank)
        pool = [data.pool_name(entry.pool_id) or NO_POOL_VI, pool_ranks.get(entry.id)]
        writer.append(
            [
                row.rank,
                *(pool if many_pools else []),
                entry.code,
                entry.title,
                entry.team,
                details.leader,
                ", ".join(details.members),
                entry.unit,
                details.track,
                *(row.criterion_means.get(c.id) for c in criteria),
                _mean_total(row) if normalised else row.score,
                *([entry.carried_score] if carried else []),
                *([row.score] if normalised else []),
                row.judge_count,
                "; ".join(FLAGS_VI[f] for f in row.flags),
                _result(details),
            ]
        )
    ws.auto_filter.ref = f"A{HEADER_ROW}:{spreadsheets.column_letter(len(columns) - 1)}" + str(
        HEADER_ROW + len(scope.rows)
    )
    date_line = f"Ngày ...... tháng ...... năm {facts.exported_at.year}"
    for line in spreadsheets.signature_rows(ws, len(columns), SIGNERS, date_line=date_line):
        ws.append(line)


def _maximum(value: Decimal) -> str:
    return vi_number(value, 0 if value % 1 == 0 else 2)


def _detail_sheet(wb: Workbook, ranking: RoundRanking, facts: ExportFacts) -> None:
    data, scope = ranking.data, facts.scope
    many_pools = _many_pools(ranking, scope)
    criteria = data.criterion_info
    columns: list[tuple[str, float, str | None]] = [
        ("Mã bài", 16, None),
        ("Tên dự án", 36, None),
        *([("Bảng", 16, None)] if many_pools else []),
        ("Giám khảo", 24, None),
        # A judge's scores are multiples of the round's step, shown as typed (General).
        *((f"{c.name} (tối đa {_maximum(c.max_score)})", 11, None) for c in criteria),
        ("Tổng điểm (thang 100)", 11, TWO_DECIMALS),
        ("Hình thức", 11, None),
        ("Nộp lúc", 16, DATE_TIME),
        ("Nhận xét cho nhóm", 60, None),
    ]
    lines = _titles(ranking, facts, "Điểm chi tiết từng giám khảo")
    ws = _start(wb, DETAIL_SHEET, lines, [width for _, width, _ in columns])
    ws.append(spreadsheets.header_cells(ws, [header for header, _, _ in columns]))
    writer = RowWriter(ws, [number_format for _, _, number_format in columns])
    scores = {(s.entry, s.judge): s.scores for s in data.sheets}
    written = 0
    for row in scope.rows:
        entry = row.entry
        judges = sorted(row.judge_totals, key=lambda judge: data.judges.get(judge, ""))
        for judge in judges:
            values = scores.get((entry.id, judge), {})
            sheet = facts.sheets.get((entry.id, judge))
            writer.append(
                [
                    entry.code,
                    entry.title,
                    *([data.pool_name(entry.pool_id) or NO_POOL_VI] if many_pools else []),
                    data.judges.get(judge, ""),
                    *(values.get(c.id) for c in criteria),
                    row.judge_totals[judge],
                    ("Phiếu giấy" if sheet.paper else "Trực tuyến") if sheet else None,
                    sheet.submitted_at if sheet else None,
                    sheet.comment if sheet else None,
                ]
            )
            written += 1
    last = spreadsheets.column_letter(len(columns) - 1)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + written}"


def _leniency_vi(leniency: float | None) -> str:
    if leniency is None:
        return "không có bài chấm chung với giám khảo khác"
    if abs(leniency) < 1:
        return "tương đương các giám khảo khác"
    direction = "cao" if leniency > 0 else "thấp"
    return f"cho điểm {direction} hơn mặt bằng {vi_number(abs(leniency))} điểm"


def _judges_sheet(wb: Workbook, ranking: RoundRanking, trust: TrustReport,
                  facts: ExportFacts) -> None:  # fmt: skip
    lines = _titles(ranking, facts, "Thống kê giám khảo")
    lines[2] = (
        "Điểm của mỗi phiếu tính trên thang 100; chênh lệch: trung bình của (điểm giám khảo "
        "này − điểm trung bình các giám khảo khác) trên cùng bài"
    )
    ws = _start(wb, JUDGES_SHEET, lines, [30, 11, 11, 11, 14, 40, 11, 16, 16])
    ws.append(spreadsheets.header_cells(ws, JUDGE_HEADERS))
    judges = RowWriter(ws, [None, None, TWO_DECIMALS, TWO_DECIMALS, LENIENCY, None])
    for judge in trust.judges:
        judges.append(
            [
                judge.name,
                judge.sheet_count,
                judge.mean,
                judge.sd,
                judge.leniency,
                _leniency_vi(judge.leniency),
            ]
        )
    ws.append([])
    heading = spreadsheets.text_cell(ws, "Mức đồng thuận giữa các giám khảo theo bảng")
    heading.font = spreadsheets.BOLD
    ws.append([heading])
    ws.append(spreadsheets.header_cells(ws, AGREEMENT_HEADERS))
    agreement = RowWriter(ws, [None, None, "0.000", "0.000", None, "0", "0.000", None, None])
    for a in trust.agreement:
        icc = a.icc
        single = (icc.icc1_1 if a.model == "one_way" else icc.icc3_1) if icc else None
        agreement.append(
            [
                a.pool.name or NO_POOL_VI,
                "ICC(1,1) / ICC(1,k)" if a.model == "one_way" else "ICC(3,1) / ICC(3,k)",
                single,
                a.headline,
                ICC_BANDS_VI[a.headline_band],
                a.icc_entries or None,
                a.w,
                W_BANDS_VI[a.w_band],
                f"{a.w_entries} × {a.w_judges}" if a.w is not None else None,
            ]
        )


def _info_sheet(wb: Workbook, ranking: RoundRanking, facts: ExportFacts) -> None:
    data, scope = ranking.data, facts.scope
    ws = wb.create_sheet(INFO_SHEET)
    spreadsheets.set_column_widths(ws, [30, 80])
    spreadsheets.print_setup(ws)
    ws.sheet_view.showGridLines = False
    carry = (
        f"{vi_number(data.settings.carry_weight * 100, 0)}% điểm vòng trước được cộng vào"
        if data.previous is not None
        else "Không"
    )
    sheets = sum(len(row.judge_totals) for row in scope.rows)
    rows: list[tuple[str, object]] = [
        ("Cuộc thi", data.competition_title),
        ("Vòng thi", data.round_name),
        ("Phạm vi xuất (bộ lọc)", _scope_name(ranking, scope)),
        ("Phương pháp tính điểm", METHODS_VI[ranking.method]),
        ("Là phương pháp của vòng thi", "Có" if ranking.is_default_method else "Không"),
        ("Điểm vòng trước", carry),
        ("Khi bằng điểm, xét lần lượt", tie_break_text(ranking)),
        ("Số bài dự thi", len(scope.rows)),
        ("Số bài đã xếp hạng", scope.ranked),
        ("Số phiếu chấm đã nộp", sheets),
        ("Xuất lúc (giờ Việt Nam)", facts.exported_at),
        ("Người xuất", facts.exported_by),
        ("Phần mềm", "Sprout (Mầm) — quản lý cuộc thi khởi nghiệp"),
    ]
    for row in spreadsheets.title_rows(ws, ["Thông tin bảng xếp hạng"]):
        ws.append(row)
    ws.append([])
    writer = RowWriter(ws, [None, DATE_TIME])
    for label, value in rows:
        writer.append([label, value])


def ranking_workbook(ranking: RoundRanking, trust: TrustReport, facts: ExportFacts) -> bytes:
    """The workbook as bytes."""
    wb = Workbook(write_only=True)
    _ranking_sheet(wb, ranking, facts)
    _detail_sheet(wb, ranking, facts)
    _judges_sheet(wb, ranking, trust, facts)
    _info_sheet(wb, ranking, facts)
    return spreadsheets.workbook_bytes(wb)
