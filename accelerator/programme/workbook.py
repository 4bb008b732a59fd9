"""The programme's yearly report workbook: a summary sheet in the order of the plan
(indicator, target, actual, gap, status), then a sheet per group (the competition, the
science-fair projects, the events, the accelerator) and the export's facts.

An official document of a Vietnamese programme, so its words are Vietnamese whatever the
reader's interface language. Pure: fed plain data (accelerator.programme.export loads it), no
Flask, no database. Written in openpyxl's write-only mode through app.spreadsheets, so nothing
a team typed ever becomes a formula; printable on A4, fitted to the width, header repeated."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from accelerator.programme.rows import CohortTeamRow, EventRow, ProjectRow
from app import spreadsheets
from app.spreadsheets import DATE_TIME, TWO_DECIMALS, RowWriter, table_sheet

SUMMARY_SHEET = "Tổng hợp"
COMPETITION_SHEET = "Cuộc thi"
SCIENCE_FAIR_SHEET = "Dự án từ KHKT"
EVENTS_SHEET = "Sự kiện"
ACCELERATOR_SHEET = "Tăng tốc"
FACTS_SHEET = "Thông tin"

WHOLE = "0"
VND = "#,##0"
SIGNERS = ("NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ")
PLAN = "Kế hoạch Hệ sinh thái khởi nghiệp đổi mới sáng tạo giai đoạn 2020 – 2025 (QĐ 1625/QĐ-UBND)"

INDICATOR_VI = {
    "entries": "Số dự án dự thi Cuộc thi khởi nghiệp",
    "entries_per_track": "Số dự án dự thi theo bảng",
    "science_fair_projects": "Dự án khởi nghiệp từ cuộc thi KHKT vào chương trình tăng tốc",
    "experts": "Số chuyên gia khởi nghiệp tại chỗ",
    "forums": "Số diễn đàn, hội thảo chuyên sâu đã tổ chức",
    "trainings": "Số lớp đào tạo tăng tốc đã tổ chức",
    "cohort_teams": "Số nhóm tham gia chương trình tăng tốc",
    "mentoring_hours": "Số giờ cố vấn (buổi đã xác nhận)",
    "kpi_jobs": "Việc làm tạo ra (báo cáo gần nhất)",
    "kpi_revenue": "Doanh thu (đồng, báo cáo gần nhất)",
    "kpi_funding": "Vốn huy động (đồng, báo cáo gần nhất)",
    "festivals_province": "Ngày hội khởi nghiệp cấp tỉnh",
    "festivals_cluster": "Ngày hội khởi nghiệp cấp cụm (mỗi cụm)",
    "festivals_local": "Ngày hội khởi nghiệp cấp xã",
    "attendance": "Lượt người tham dự sự kiện",
}
KIND_VI = {
    "festival": "Ngày hội",
    "forum": "Diễn đàn",
    "workshop": "Hội thảo",
    "training": "Đào tạo",
}
LEVEL_VI = {"province": "Cấp tỉnh", "cluster": "Cấp cụm", "local": "Cấp xã"}
GENDER_VI = {"female": "Nữ", "male": "Nam", "other": "Khác", "unknown": "Không khai báo"}


@dataclass(frozen=True)
class SummaryLine:
    code: str
    qualifier: str  # a track's name for entries per track
    target: Decimal | None
    actual: Decimal
    gap: Decimal | None
    met: bool | None
    note: str = ""  # e.g. the clusters without a festival


@dataclass(frozen=True)
class YearReport:
    year: int
    unit: str  # "" for the whole programme
    exported_at: datetime  # local time, naive
    exported_by: str
    summary: Sequence[SummaryLine]
    by_unit: Sequence[tuple[str, int]]
    by_track: Sequence[tuple[str, str, int]]
    by_gender: Sequence[tuple[str, int]]
    led_by_women: int
    by_level: Sequence[tuple[str, int]]
    projects: Sequence[ProjectRow]
    events: Sequence[EventRow]  # starts_at in local time, naive
    cohort_teams: Sequence[CohortTeamRow]
    hours: Decimal


def _unit_words(report: YearReport) -> str:
    return report.unit or "Toàn tỉnh (mọi đơn vị)"


def _titles(report: YearReport, heading: str) -> list[str]:
    return [heading, f"Năm {report.year} — Đơn vị: {_unit_words(report)}", PLAN]


def _table(
    ws: WriteOnlyWorksheet,
    heading: str,
    columns: Sequence[tuple[str, str | None]],
    rows: Sequence[Sequence[object]],
) -> None:
    """A second table further down a sheet: a bold heading, its header, its rows."""
    ws.append([])
    for row in spreadsheets.title_rows(ws, ["", heading])[1:]:
        ws.append(row)
    ws.append(spreadsheets.header_cells(ws, [header for header, _ in columns]))
    writer = RowWriter(ws, [number_format for _, number_format in columns])
    for row in rows:
        writer.append(list(row))


SUMMARY_COLUMNS: tuple[tuple[str, float, str | None], ...] = (
    ("STT", 6, None),
    ("Chỉ tiêu", 50, None),
    ("Chỉ tiêu năm", 14, TWO_DECIMALS),
    ("Thực hiện", 16, TWO_DECIMALS),
    ("Chênh lệch", 14, TWO_DECIMALS),
    ("Đánh giá", 16, None),
    ("Ghi chú", 36, None),
)


def _status(line: SummaryLine) -> str:
    if line.met is None:
        return "Không giao chỉ tiêu"
    return "Đạt" if line.met else "Chưa đạt"


def _summary_sheet(wb: Workbook, report: YearReport) -> None:
    lines = _titles(report, f"BÁO CÁO KẾT QUẢ THỰC HIỆN CHỈ TIÊU NĂM {report.year}")
    ws, writer = table_sheet(wb, SUMMARY_SHEET, lines, SUMMARY_COLUMNS, len(report.summary))
    for number, line in enumerate(report.summary, start=1):
        label = INDICATOR_VI.get(line.code, line.code)
        if line.qualifier:
            label = f"{label}: {line.qualifier}"
        writer.append([number, label, line.target, line.actual, line.gap, _status(line), line.note])
    date_line = f"Ngày ...... tháng ...... năm {report.exported_at.year}"
    for row in spreadsheets.signature_rows(ws, len(SUMMARY_COLUMNS), SIGNERS, date_line=date_line):
        ws.append(row)


def _competition_sheet(wb: Workbook, report: YearReport) -> None:
    lines = _titles(report, "CUỘC THI KHỞI NGHIỆP — SỐ DỰ ÁN DỰ THI")
    columns = (("STT", 6, None), ("Đơn vị", 40, None), ("Số dự án", 12, WHOLE))
    ws, writer = table_sheet(wb, COMPETITION_SHEET, lines, columns, len(report.by_unit))
    for number, (name, count) in enumerate(report.by_unit, start=1):
        writer.append([number, name or "Không có đơn vị", count])
    _table(
        ws,
        "Theo bảng thi",
        (("Mã bảng", None), ("Bảng thi", None), ("Số dự án", WHOLE)),
        report.by_track,
    )
    genders = [(GENDER_VI.get(code, code), n) for code, n in report.by_gender]
    genders.append(("Dự án do nữ làm trưởng nhóm", report.led_by_women))
    people = (("Giới tính", None), ("Số người", WHOLE))
    _table(ws, "Thành viên các nhóm theo giới tính", people, genders)
    _table(
        ws,
        "Theo cấp của đơn vị dự thi",
        (("Cấp", None), ("Số dự án", WHOLE)),
        [(name or "Không có đơn vị", n) for name, n in report.by_level],
    )


def _science_fair_sheet(wb: Workbook, report: YearReport) -> None:
    lines = _titles(report, "DỰ ÁN TỪ CUỘC THI KHOA HỌC KỸ THUẬT VÀO CHƯƠNG TRÌNH TĂNG TỐC")
    columns = (
        ("STT", 6, None),
        ("Dự án", 40, None),
        ("Nhóm", 28, None),
        ("Trường / đơn vị", 30, None),
        ("Chương trình tăng tốc", 30, None),
    )
    _ws, writer = table_sheet(wb, SCIENCE_FAIR_SHEET, lines, columns, len(report.projects))
    for number, p in enumerate(report.projects, start=1):
        writer.append([number, p.title, p.team, p.school, p.cohort])


def _events_sheet(wb: Workbook, report: YearReport) -> None:
    lines = _titles(report, "SỰ KIỆN ĐÃ TỔ CHỨC VÀ SỐ NGƯỜI THAM DỰ")
    columns = (
        ("STT", 6, None),
        ("Sự kiện", 40, None),
        ("Loại", 12, None),
        ("Cấp", 12, None),
        ("Đơn vị tổ chức", 28, None),
        ("Bắt đầu", 17, DATE_TIME),
        ("Đăng ký", 10, WHOLE),
        ("Tham dự", 10, WHOLE),
    )
    _ws, writer = table_sheet(wb, EVENTS_SHEET, lines, columns, len(report.events))
    for number, e in enumerate(report.events, start=1):
        writer.append(
            [
                number,
                e.title,
                KIND_VI.get(e.kind, e.kind),
                LEVEL_VI.get(e.level, e.level),
                e.organizer,
                e.starts_at,
                e.registered,
                e.attended,
            ]
        )


def _accelerator_sheet(wb: Workbook, report: YearReport) -> None:
    lines = [
        *_titles(report, "CHƯƠNG TRÌNH TĂNG TỐC — NHÓM, GIỜ CỐ VẤN VÀ KPI"),
        f"Tổng số giờ cố vấn đã xác nhận: {report.hours:f}".replace(".", ","),
    ]
    columns = (
        ("STT", 6, None),
        ("Nhóm", 28, None),
        ("Chương trình", 28, None),
        ("Đơn vị", 24, None),
        ("Số giờ cố vấn", 12, TWO_DECIMALS),
        ("Tháng báo cáo KPI gần nhất", 12, "mm/yyyy"),
        ("Việc làm", 10, WHOLE),
        ("Doanh thu (đồng)", 16, VND),
        ("Vốn huy động (đồng)", 16, VND),
        ("Khách hàng", 10, WHOLE),
    )
    _ws, writer = table_sheet(wb, ACCELERATOR_SHEET, lines, columns, len(report.cohort_teams))
    for number, t in enumerate(report.cohort_teams, start=1):
        reported = t.kpi_period is not None
        writer.append(
            [
                number,
                t.team,
                t.cohort,
                t.unit,
                Decimal(t.minutes) / 60,
                t.kpi_period,
                t.jobs if reported else None,
                t.revenue_vnd if reported else None,
                t.funding_vnd if reported else None,
                t.customers if reported else None,
            ]
        )


def _facts_sheet(wb: Workbook, report: YearReport) -> None:
    ws = wb.create_sheet(FACTS_SHEET)
    spreadsheets.set_column_widths(ws, [30, 60])
    spreadsheets.print_setup(ws)
    for row in spreadsheets.title_rows(ws, ["THÔNG TIN BÁO CÁO"]):
        ws.append(row)
    ws.append([])
    rows: list[tuple[str, object, str | None]] = [
        ("Năm", report.year, WHOLE),
        ("Đơn vị", _unit_words(report), None),
        ("Xuất lúc (giờ Việt Nam)", report.exported_at, DATE_TIME),
        ("Người xuất", report.exported_by, None),
        ("Căn cứ", PLAN, None),
        ("Phần mềm", "Sprout (Mầm) — quản lý cuộc thi khởi nghiệp", None),
    ]
    for label, value, number_format in rows:
        RowWriter(ws, [None, number_format]).append([label, value])


def year_workbook(report: YearReport) -> bytes:
    wb = Workbook(write_only=True)
    _summary_sheet(wb, report)
    _competition_sheet(wb, report)
    _science_fair_sheet(wb, report)
    _events_sheet(wb, report)
    _accelerator_sheet(wb, report)
    _facts_sheet(wb, report)
    return spreadsheets.workbook_bytes(wb)
