"""The ranking workbook of a round: one sheet per pool, one for the whole round, one for the
judges — ready to print for the jury to sign.

The workbook is an official document of a Vietnamese competition, printed and signed by its
jury, so its words are Vietnamese whatever the reader's interface language (like the sheet
names the Excel issue fixes: "Xếp hạng", "Giám khảo").

Written with openpyxl's write-only mode (rows streamed, no cell objects kept): at province scale
that is several times faster and lighter than building the sheets in memory. Every text cell is
written as a string, never a formula, whatever it starts with ("=", "+", "-", "@"): team names
are typed by teams.
"""

from __future__ import annotations

import io
import re
from datetime import date

from babel.numbers import format_decimal
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from app import audit
from app.localtime import local_today
from app.people.models import User
from competitions.models import Round
from judging.ranking import DISAGREEMENT, INCOMPLETE, NO_PREVIOUS, ZERO_CRITERION
from judging.results.services import (
    PoolRanking,
    RoundRanking,
    TrustReport,
    rank_round,
    trust_report,
)

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

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

RANKING_HEADERS = ("Hạng", "Mã bài", "Tên dự án", "Nhóm", "Đơn vị")
TRAILING_HEADERS = ("Số giám khảo", "Điểm", "Ghi chú")
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
OVERALL_SHEET = "Toàn vòng"
NO_POOL_VI = "Chưa xếp bảng"
JUDGES_SHEET = "Giám khảo"
TITLE_ROWS = 5  # competition, round and pool, date, method, tie-breaks
HEADER_ROW = TITLE_ROWS + 2  # one blank row between the titles and the table

NUMBER_FORMAT = "0.00"
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEADER_FILL = PatternFill("solid", fgColor="D9EAD3")
_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="top", wrap_text=True)
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def _vi_number(value: float, places: int = 1) -> str:
    return format_decimal(value, format="#,##0." + "0" * places, locale="vi")


def _vi_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


class _Sheet:
    """A write-only sheet with the few cell kinds the workbook uses."""

    def __init__(self, ws: WriteOnlyWorksheet) -> None:
        self.ws = ws
        self.rows = 0

    def text(
        self, value: object, *, font: Font | None = None, header: bool = False
    ) -> WriteOnlyCell | str | None:
        """A text cell. Plain text goes as it is (openpyxl stores it as a string); text that
        openpyxl would take for a formula or an error value becomes an explicit string cell."""
        text = "" if value is None else str(value)
        if font is None and not header:
            if not text:
                return None
            if not (text.startswith("=") or text in ERROR_CODES):
                return text
        cell = WriteOnlyCell(self.ws, value=text)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        if font is not None:
            cell.font = font
        if header:
            cell.font, cell.fill, cell.border, cell.alignment = _BOLD, _HEADER_FILL, _BOX, _CENTER
        return cell

    def number(self, value: object, number_format: str = NUMBER_FORMAT) -> WriteOnlyCell | None:
        if value is None:
            return None
        cell = WriteOnlyCell(self.ws, value=float(value))
        cell.number_format = number_format
        return cell

    def number_column(self, number_format: str = NUMBER_FORMAT) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws)
        cell.number_format = number_format
        return cell

    def append(self, row: list) -> None:
        self.ws.append(row)
        self.rows += 1

    def titles(self, lines: list[str]) -> None:
        for position, line in enumerate(lines):
            self.append([self.text(line, font=_TITLE if position == 0 else _BOLD)])
        for _ in range(HEADER_ROW - 1 - len(lines)):
            self.append([])

    def print_setup(self, widths: list[float]) -> None:
        ws = self.ws
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        ws.freeze_panes = f"A{HEADER_ROW + 1}"
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = 9  # A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0  # as many pages down as needed
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = ws.page_margins.bottom = 0.5


def fill(cell: WriteOnlyCell, value: object) -> WriteOnlyCell | None:
    if value is None:
        return None
    cell.value = float(value)
    return cell


def _sheet_title(name: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique."""
    base = _SHEET_NAME_BAD.sub(" ", name).strip().strip("'") or "Bảng"
    base = base[:31]
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def _title_lines(ranking: RoundRanking, scope: str, today: date) -> list[str]:
    data = ranking.data
    tie_breaks = [TIE_BREAKS_VI[t] for t in data.settings.tie_breaks if t in TIE_BREAKS_VI]
    method = METHODS_VI[ranking.method]
    if data.previous is not None:
        share = _vi_number(data.settings.carry_weight * 100, 0)
        method += f"; cộng {share}% điểm vòng trước"
    return [
        f"Cuộc thi: {data.competition_title}",
        f"{data.round_name} — {scope}",
        f"Ngày xuất: {_vi_date(today)}",
        f"Phương pháp tính điểm: {method}",
        "Khi bằng điểm, xét lần lượt: " + ("; ".join(tie_breaks) or "xếp đồng hạng"),
    ]


def _ranking_sheet(wb: Workbook, title: str, ranking: RoundRanking, pool: PoolRanking,
                   scope: str, today: date) -> None:  # fmt: skip
    data = ranking.data
    sheet = _Sheet(wb.create_sheet(title))
    criteria = data.criterion_info
    sheet.print_setup([6, 16, 40, 24, 28, *([11] * len(criteria)), 9, 9, 26])
    sheet.titles(_title_lines(ranking, scope, today))
    headers = [*RANKING_HEADERS, *(f"{c.name} (TB)" for c in criteria), *TRAILING_HEADERS]
    sheet.append([sheet.text(h, header=True) for h in headers])
    # One styled cell per number column, refilled row after row: a write-only sheet writes
    # each row as it is appended, and styling a fresh cell costs more than writing it.
    means = [sheet.number_column() for _ in criteria]
    score = sheet.number_column()
    for row in pool.rows:
        entry = row.entry
        sheet.append(
            [
                row.rank,  # whole numbers read right in the General format: no style needed
                sheet.text(entry.code),
                sheet.text(entry.title),
                sheet.text(entry.team),
                sheet.text(entry.unit),
                *(
                    fill(cell, row.criterion_means.get(c.id))
                    for cell, c in zip(means, criteria, strict=True)
                ),
                row.judge_count,
                fill(score, row.score),
                sheet.text("; ".join(FLAGS_VI[f] for f in row.flags)),
            ]
        )
    _signature_block(sheet, len(headers), today)


def _signature_block(sheet: _Sheet, width: int, today: date) -> None:
    """Date line and the two signatures, under the table, for the printed copy."""
    left, right = 2, max(width - 2, 4)  # columns (0-based) of the two signatures

    def line(cells: dict[int, WriteOnlyCell]) -> None:
        sheet.append([cells.get(i) for i in range(max(cells) + 1)])

    sheet.append([])
    sheet.append([])
    line({right: sheet.text(f"Ngày ...... tháng ...... năm {today.year}")})
    line({left: sheet.text("TRƯỞNG BAN GIÁM KHẢO", font=_BOLD),
          right: sheet.text("THƯ KÝ", font=_BOLD)})  # fmt: skip
    line({left: sheet.text("(Ký, ghi rõ họ tên)"), right: sheet.text("(Ký, ghi rõ họ tên)")})


def _leniency_vi(leniency: float | None) -> str:
    if leniency is None:
        return "không có bài chấm chung với giám khảo khác"
    if abs(leniency) < 1:
        return "tương đương các giám khảo khác"
    direction = "cao" if leniency > 0 else "thấp"
    return f"cho điểm {direction} hơn mặt bằng {_vi_number(abs(leniency))} điểm"


def _judges_sheet(wb: Workbook, trust: TrustReport, today: date) -> None:
    data = trust.data
    sheet = _Sheet(wb.create_sheet(JUDGES_SHEET))
    sheet.print_setup([30, 11, 11, 11, 14, 40, 11, 16, 16])
    sheet.titles(
        [
            f"Cuộc thi: {data.competition_title}",
            f"{data.round_name} — Thống kê giám khảo",
            f"Ngày xuất: {_vi_date(today)}",
            "Điểm của mỗi phiếu tính trên thang 100; chênh lệch: trung bình của (điểm giám "
            "khảo này − điểm trung bình các giám khảo khác) trên cùng bài",
        ]
    )
    sheet.append([sheet.text(h, header=True) for h in JUDGE_HEADERS])
    for judge in trust.judges:
        sheet.append(
            [
                sheet.text(judge.name),
                judge.sheet_count,
                sheet.number(judge.mean),
                sheet.number(judge.sd),
                sheet.number(judge.leniency, "+0.00;-0.00;0.00"),
                sheet.text(_leniency_vi(judge.leniency)),
            ]
        )
    sheet.append([])
    sheet.append([sheet.text("Mức đồng thuận giữa các giám khảo theo bảng", font=_BOLD)])
    sheet.append([sheet.text(h, header=True) for h in AGREEMENT_HEADERS])
    for a in trust.agreement:
        icc = a.icc
        single = (icc.icc1_1 if a.model == "one_way" else icc.icc3_1) if icc else None
        sheet.append(
            [
                sheet.text(a.pool.name or NO_POOL_VI),
                sheet.text(
                    "ICC(1,1) / ICC(1,k)" if a.model == "one_way" else "ICC(3,1) / ICC(3,k)"
                ),
                sheet.number(single, "0.000"),
                sheet.number(a.headline, "0.000"),
                sheet.text(ICC_BANDS_VI[a.headline_band]),
                sheet.number(a.icc_entries or None, "0"),
                sheet.number(a.w, "0.000"),
                sheet.text(W_BANDS_VI[a.w_band]),
                sheet.text(f"{a.w_entries} × {a.w_judges}" if a.w is not None else ""),
            ]
        )


def ranking_workbook(
    ranking: RoundRanking, trust: TrustReport, *, today: date | None = None
) -> bytes:
    """The workbook as bytes: a sheet per pool, the whole round, the judges."""
    today = today or local_today()
    wb = Workbook(write_only=True)
    taken = {OVERALL_SHEET.lower(), JUDGES_SHEET.lower()}
    for pool in ranking.pools:
        name = pool.pool.name or NO_POOL_VI
        _ranking_sheet(wb, _sheet_title(name, taken), ranking, pool, f"Bảng: {name}", today)
    _ranking_sheet(wb, OVERALL_SHEET, ranking, ranking.overall, "Toàn vòng thi", today)
    _judges_sheet(wb, trust, today)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def download_name(ranking: RoundRanking, today: date | None = None) -> str:
    """`<competition>_<round>_<yyyy-mm-dd>.xlsx`, Vietnamese kept (the response encodes it)."""
    today = today or local_today()
    data = ranking.data

    def clean(text: str) -> str:
        return re.sub(r"[\\/:*?\"<>|\s]+", " ", text).strip().replace(" ", "-")

    return f"{clean(data.competition_title)}_{clean(data.round_name)}_{today.isoformat()}.xlsx"


def export_round(
    round_: Round, method: str | None = None, *, actor: User | None, destination: str
) -> tuple[bytes, str]:
    """Build the round's workbook and audit the export; returns (bytes, download name).

    `destination` says where it went ("download" or the CLI's output path), for the audit log.
    Raises JudgingError (no_rubric, bad_method, scores_outside_rubric) before auditing."""
    ranking = rank_round(round_.id, method)
    trust = trust_report(ranking)
    today = local_today()
    content = ranking_workbook(ranking, trust, today=today)
    name = download_name(ranking, today)
    audit.record(
        "judging.export",
        round_,
        new={
            "format": "xlsx",
            "what": "ranking",
            "method": ranking.method,
            "entries": len(ranking.data.entries),
            "destination": destination,
        },
        actor=actor,
    )
    return content, name
