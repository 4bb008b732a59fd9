"""The accelerator's workbooks: the mentoring hours of a period per mentor (what the stipends
are paid on, printed and signed) and the cohort report (overview, teams, pairs, KPIs,
milestones).

Official documents of a Vietnamese programme, so their words are Vietnamese whatever the
reader's interface language. Pure: given plain rows already loaded (accelerator.reports.
services loads them), no Flask and no database. Written in openpyxl's write-only mode; text
goes through app.spreadsheets, so nothing a team typed ever becomes a formula.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from accelerator.models import LoggedBy, MatchSource, MatchStatus, MilestoneKind, SessionFormat
from accelerator.models import SessionStatus as Status
from app import spreadsheets
from app.spreadsheets import DATE, DATE_TIME, TWO_DECIMALS, RowWriter, table_sheet
from competitions.screening.export import STAGE_VI

SUMMARY_SHEET = "Tổng hợp"
DETAIL_SHEET = "Chi tiết"
OVERVIEW_SHEET = "Tổng quan"
TEAMS_SHEET = "Nhóm"
PAIRS_SHEET = "Ghép cặp"
KPI_SHEET = "KPI"
MILESTONES_SHEET = "Mốc"

MONTH = "mm/yyyy"
VND = "#,##0"
WHOLE = "0"
SIGNERS = ("NGƯỜI LẬP BIỂU", "BAN TỔ CHỨC")
ONLY_CONFIRMED = (
    "Chỉ các buổi đã được xác nhận được tính giờ; buổi chờ xác nhận được ghi riêng, "
    "buổi bị phản đối không được tính."
)

SESSION_STATUS_VI = {
    Status.CONFIRMED: "Đã xác nhận",
    Status.PENDING: "Chờ xác nhận",
    Status.DISPUTED: "Bị phản đối",
}
SIDES_VI = {LoggedBy.MENTOR: "chuyên gia", LoggedBy.TEAM: "nhóm"}
FORMAT_VI = {SessionFormat.ONLINE: "Trực tuyến", SessionFormat.IN_PERSON: "Trực tiếp"}
MATCH_STATUS_VI = {
    MatchStatus.PROPOSED: "Đề xuất (chưa công bố)",
    MatchStatus.PUBLISHED: "Đã công bố",
    MatchStatus.RELEASED: "Đã kết thúc",
}
MATCH_SOURCE_VI = {MatchSource.OPTIMISER: "Thuật toán đề xuất", MatchSource.HAND: "Ghép thủ công"}
MILESTONE_KIND_VI = {
    MilestoneKind.TRAINING: "Tập huấn",
    MilestoneKind.CHECK_IN: "Kiểm tra tiến độ",
    MilestoneKind.DEMO_DAY: "Ngày trình diễn",
    MilestoneKind.OTHER: "Khác",
}


def hours(minutes: int) -> Decimal:
    """Minutes as hours with two decimals, as the sessions pages show them."""
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), ROUND_HALF_UP)


# --- sessions per mentor ---------------------------------------------------------------------


@dataclass(frozen=True)
class MentorLine:
    mentor_id: int
    name: str
    organisation: str
    email: str
    teams: int  # teams of the mentor's published or released pairs in the cohort


@dataclass(frozen=True)
class SessionLine:
    mentor_id: int
    mentor: str
    team: str
    held_on: date
    minutes: int
    format: str
    topics: str
    status: str
    logged_by: str  # the author's name and side
    confirmed_at: datetime | None  # local time, naive; only for a confirmed session


@dataclass(frozen=True)
class ExportFacts:
    """What, for whom, when and by whom: the title block of every sheet."""

    cohort: str
    unit: str
    exported_at: datetime  # local time, naive (Excel knows no time zones)
    exported_by: str


@dataclass(frozen=True)
class SessionsReport:
    facts: ExportFacts
    starts_on: date
    ends_on: date
    mentors: Sequence[MentorLine]  # in Vietnamese name order
    sessions: Sequence[SessionLine]  # by mentor, then date


@dataclass
class _Tally:
    confirmed: int = 0
    confirmed_minutes: int = 0
    pending: int = 0
    pending_minutes: int = 0


SUMMARY_COLUMNS: tuple[tuple[str, float, str | None], ...] = (  # header, width, format
    ("STT", 6, None),
    ("Họ và tên", 26, None),
    ("Đơn vị / tổ chức", 28, None),
    ("Email", 28, None),
    ("Số nhóm", 9, WHOLE),
    ("Số buổi đã xác nhận", 11, WHOLE),
    ("Số giờ đã xác nhận", 11, TWO_DECIMALS),
    ("Số buổi chờ xác nhận", 11, WHOLE),
    ("Số giờ chờ xác nhận", 11, TWO_DECIMALS),
)
DETAIL_COLUMNS: tuple[tuple[str, float, str | None], ...] = (
    ("STT", 6, None),
    ("Chuyên gia", 24, None),
    ("Nhóm", 26, None),
    ("Ngày", 12, DATE),
    ("Số giờ", 9, TWO_DECIMALS),
    ("Hình thức", 12, None),
    ("Nội dung", 40, None),
    ("Trạng thái", 14, None),
    ("Người ghi", 24, None),
    ("Xác nhận lúc", 17, DATE_TIME),
)


def _bold_row(
    ws: WriteOnlyWorksheet, values: Sequence[object], formats: Sequence[str | None]
) -> None:
    """A total row: bold, numbers in their column's format."""
    row: list[object] = []
    for value, number_format in zip(values, formats, strict=True):
        if value is None:
            row.append(None)
            continue
        if isinstance(value, str):
            cell = spreadsheets.text_cell(ws, value)
        else:
            cell = WriteOnlyCell(ws, float(value) if isinstance(value, Decimal) else value)
            if number_format is not None:
                cell.number_format = number_format
        cell.font = spreadsheets.BOLD
        row.append(cell)
    ws.append(row)


def _exported(facts: ExportFacts) -> str:
    return f"Xuất lúc: {facts.exported_at:%d/%m/%Y %H:%M} (giờ Việt Nam) — {facts.exported_by}"


def _session_titles(report: SessionsReport, heading: str) -> list[str]:
    facts = report.facts
    return [
        heading,
        f"Chương trình: {facts.cohort} — {facts.unit}",
        f"Kỳ: từ ngày {report.starts_on:%d/%m/%Y} đến ngày {report.ends_on:%d/%m/%Y}",
        ONLY_CONFIRMED,
        _exported(facts),
    ]


def _tallies(report: SessionsReport) -> dict[int, _Tally]:
    tallies = {mentor.mentor_id: _Tally() for mentor in report.mentors}
    for line in report.sessions:
        tally = tallies.setdefault(line.mentor_id, _Tally())
        if line.status == Status.CONFIRMED:
            tally.confirmed += 1
            tally.confirmed_minutes += line.minutes
        elif line.status == Status.PENDING:
            tally.pending += 1
            tally.pending_minutes += line.minutes
    return tallies


def _summary_sheet(wb: Workbook, report: SessionsReport) -> None:
    lines = _session_titles(report, "BẢNG TỔNG HỢP GIỜ CỐ VẤN THEO CHUYÊN GIA")
    ws, writer = table_sheet(wb, SUMMARY_SHEET, lines, SUMMARY_COLUMNS, len(report.mentors))
    tallies = _tallies(report)
    # The total adds the rows as printed (two decimals each), so the signed column adds up.
    totals = [0, Decimal(0), 0, Decimal(0)]
    for number, mentor in enumerate(report.mentors, start=1):
        tally = tallies[mentor.mentor_id]
        figures = [
            tally.confirmed,
            hours(tally.confirmed_minutes),
            tally.pending,
            hours(tally.pending_minutes),
        ]
        totals = [a + b for a, b in zip(totals, figures, strict=True)]
        writer.append(
            [number, mentor.name, mentor.organisation, mentor.email, mentor.teams, *figures]
        )
    formats = [number_format for _, _, number_format in SUMMARY_COLUMNS]
    _bold_row(ws, [None, "Tổng cộng", None, None, None, *totals], formats)
    date_line = f"Ngày ...... tháng ...... năm {report.facts.exported_at.year}"
    for row in spreadsheets.signature_rows(ws, len(SUMMARY_COLUMNS), SIGNERS, date_line=date_line):
        ws.append(row)


def _detail_sheet(wb: Workbook, report: SessionsReport) -> None:
    lines = _session_titles(report, "CHI TIẾT CÁC BUỔI CỐ VẤN")
    _ws, writer = table_sheet(wb, DETAIL_SHEET, lines, DETAIL_COLUMNS, len(report.sessions))
    for number, line in enumerate(report.sessions, start=1):
        writer.append(
            [
                number,
                line.mentor,
                line.team,
                line.held_on,
                hours(line.minutes),
                FORMAT_VI.get(line.format, line.format),
                line.topics,
                SESSION_STATUS_VI.get(line.status, line.status),
                line.logged_by,
                line.confirmed_at,
            ]
        )


def sessions_workbook(report: SessionsReport) -> bytes:
    wb = Workbook(write_only=True)
    _summary_sheet(wb, report)
    _detail_sheet(wb, report)
    return spreadsheets.workbook_bytes(wb)


# --- the cohort report -----------------------------------------------------------------------


@dataclass(frozen=True)
class KpiLine:
    cohort_team_id: int
    team: str
    period: date  # the first day of the month reported
    customers: int
    revenue_vnd: Decimal
    funding_vnd: Decimal
    jobs: int
    product_stage: str
    note: str
    reported_at: datetime | None  # local time, naive


@dataclass(frozen=True)
class TeamLine:
    cohort_team_id: int
    name: str
    leader: str
    members: tuple[str, ...]  # the other members
    unit: str
    sector: str
    needs: tuple[str, ...]  # Vietnamese names
    mentors: tuple[str, ...]  # of published pairs
    sessions: int  # confirmed
    minutes: int  # confirmed
    milestones_done: int
    latest_kpi: KpiLine | None


@dataclass(frozen=True)
class PairLine:
    team: str
    mentor: str
    organisation: str
    status: str
    source: str
    fit: Decimal
    explanation: str
    sessions: int  # confirmed
    minutes: int  # confirmed
    pending: int
    published_on: date | None
    released_reason: str


@dataclass(frozen=True)
class MilestoneLine:
    title: str
    kind: str
    due_on: date
    # By accepted team, in the teams' order: (team, completed on or None, note).
    teams: tuple[tuple[str, date | None, str], ...]


@dataclass(frozen=True)
class CohortReport:
    facts: ExportFacts
    year: int
    starts_on: date
    ends_on: date
    capacity: int
    teams: Sequence[TeamLine]  # accepted teams, by name
    pairs: Sequence[PairLine]
    kpis: Sequence[KpiLine]  # by team, then month
    milestones: Sequence[MilestoneLine]  # by date
    mentors: int  # distinct mentors of published or released pairs
    sessions: int  # confirmed, of every pair (teams that left included)
    minutes: int  # confirmed
    pending_sessions: int


def _in_sentence(name: str) -> str:
    """ "Tài chính" reads "tài chính" inside a sentence; an acronym ("CNTT") stays."""
    if len(name) > 1 and name[1].islower():
        return name[0].lower() + name[1:]
    return name


def word_list(words: Sequence[str]) -> str:
    """ "a", "a và b", "a, b và c"."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} và {words[-1]}"


def explanation_vi(
    reasons: Sequence[Mapping], tags: Mapping[int, str], sectors: Mapping[int, str]
) -> str:
    """A pair's stored reasons (accelerator.matching) in Vietnamese, as the matching page
    words them: "đáp ứng nhu cầu tài chính và tiếp thị; cùng lĩnh vực: nông nghiệp; được nhóm
    đề xuất". Given the Vietnamese names of tags and sectors by id; one deleted since is
    left out rather than shown as a number."""

    def names(kind: str) -> list[str]:
        return [
            _in_sentence(tags[r["tag_id"]])
            for r in reasons
            if r.get("kind") == kind and r.get("tag_id") in tags
        ]

    parts = []
    if covers := names("need"):
        parts.append(f"đáp ứng nhu cầu {word_list(covers)}")
    if also := names("also_covers"):
        parts.append(f"am hiểu thêm {word_list(also)}")
    for reason in reasons:
        if reason.get("kind") == "sector" and reason.get("sector_id") in sectors:
            parts.append(f"cùng lĩnh vực: {_in_sentence(sectors[reason['sector_id']])}")
    if any(reason.get("kind") == "preferred" for reason in reasons):
        parts.append("được nhóm đề xuất")
    if not parts:
        return "không có nhu cầu, lĩnh vực hay đề xuất chung"
    return "; ".join(parts)


def _report_titles(report: CohortReport, heading: str) -> list[str]:
    facts = report.facts
    return [
        heading,
        f"Chương trình: {facts.cohort} — {facts.unit}",
        f"Thời gian: {report.starts_on:%d/%m/%Y} – {report.ends_on:%d/%m/%Y}",
        _exported(facts),
    ]


def _overview_sheet(wb: Workbook, report: CohortReport) -> None:
    ws = wb.create_sheet(OVERVIEW_SHEET)
    spreadsheets.set_column_widths(ws, [40, 50])
    spreadsheets.print_setup(ws)
    ws.sheet_view.showGridLines = False
    teams = report.teams
    milestones_total = len(report.milestones) * len(teams)
    rows: list[tuple[str, object, str | None]] = [
        ("Chương trình", report.facts.cohort, None),
        ("Đơn vị tổ chức", report.facts.unit, None),
        ("Năm", report.year, None),
        ("Ngày bắt đầu", report.starts_on, DATE),
        ("Ngày kết thúc", report.ends_on, DATE),
        ("Số chỗ", report.capacity, WHOLE),
        ("Số nhóm đã nhận lời tham gia", len(teams), WHOLE),
        ("Số chuyên gia cố vấn", report.mentors, WHOLE),
        ("Số buổi cố vấn đã xác nhận", report.sessions, WHOLE),
        ("Số giờ cố vấn đã xác nhận", hours(report.minutes), TWO_DECIMALS),
        ("Số buổi chờ xác nhận", report.pending_sessions, WHOLE),
        ("Số mốc đã hoàn thành", sum(t.milestones_done for t in teams), WHOLE),
        ("Tổng số mốc (số mốc × số nhóm)", milestones_total, WHOLE),
        ("Xuất lúc (giờ Việt Nam)", report.facts.exported_at, DATE_TIME),
        ("Người xuất", report.facts.exported_by, None),
        ("Phần mềm", "Sprout (Mầm) — quản lý cuộc thi khởi nghiệp", None),
    ]
    for row in spreadsheets.title_rows(ws, ["BÁO CÁO CHƯƠNG TRÌNH TĂNG TỐC", ONLY_CONFIRMED]):
        ws.append(row)
    ws.append([])
    for label, value, number_format in rows:
        RowWriter(ws, [None, number_format]).append([label, value])


TEAM_COLUMNS: tuple[tuple[str, float, str | None], ...] = (
    ("STT", 6, None),
    ("Nhóm", 26, None),
    ("Trưởng nhóm", 22, None),
    ("Thành viên", 30, None),
    ("Đơn vị", 24, None),
    ("Lĩnh vực", 16, None),
    ("Nhu cầu", 28, None),
    ("Chuyên gia cố vấn", 28, None),
    ("Số buổi đã xác nhận", 10, WHOLE),
    ("Số giờ đã xác nhận", 10, TWO_DECIMALS),
    ("Số mốc đã hoàn thành", 10, WHOLE),
    ("Tổng số mốc", 9, WHOLE),
    ("Tháng báo cáo KPI gần nhất", 11, MONTH),
    ("Khách hàng", 10, WHOLE),
    ("Doanh thu (đồng)", 16, VND),
    ("Vốn huy động (đồng)", 16, VND),
    ("Việc làm tạo ra", 10, WHOLE),
    ("Giai đoạn sản phẩm", 20, None),
)


def _teams_sheet(wb: Workbook, report: CohortReport) -> None:
    lines = _report_titles(report, "CÁC NHÓM THAM GIA CHƯƠNG TRÌNH")
    _ws, writer = table_sheet(wb, TEAMS_SHEET, lines, TEAM_COLUMNS, len(report.teams))
    total = len(report.milestones)
    for number, team in enumerate(report.teams, start=1):
        kpi = team.latest_kpi
        figures: list[object] = [None] * 6
        if kpi is not None:
            figures = [
                kpi.period,
                kpi.customers,
                kpi.revenue_vnd,
                kpi.funding_vnd,
                kpi.jobs,
                STAGE_VI.get(kpi.product_stage, kpi.product_stage),
            ]
        writer.append(
            [
                number,
                team.name,
                team.leader,
                ", ".join(team.members),
                team.unit,
                team.sector,
                ", ".join(team.needs),
                ", ".join(team.mentors),
                team.sessions,
                hours(team.minutes),
                team.milestones_done,
                total,
                *figures,
            ]
        )


PAIR_COLUMNS: tuple[tuple[str, float, str | None], ...] = (
    ("STT", 6, None),
    ("Nhóm", 26, None),
    ("Chuyên gia", 24, None),
    ("Đơn vị / tổ chức", 24, None),
    ("Trạng thái", 16, None),
    ("Nguồn", 16, None),
    ("Điểm phù hợp", 10, TWO_DECIMALS),
    ("Giải thích", 50, None),
    ("Số buổi đã xác nhận", 10, WHOLE),
    ("Số giờ đã xác nhận", 10, TWO_DECIMALS),
    ("Số buổi chờ xác nhận", 10, WHOLE),
    ("Ngày công bố", 12, DATE),
    ("Lý do kết thúc", 30, None),
)


def _pairs_sheet(wb: Workbook, report: CohortReport) -> None:
    lines = _report_titles(report, "GHÉP CẶP CHUYÊN GIA — NHÓM")
    _ws, writer = table_sheet(wb, PAIRS_SHEET, lines, PAIR_COLUMNS, len(report.pairs))
    for number, pair in enumerate(report.pairs, start=1):
        writer.append(
            [
                number,
                pair.team,
                pair.mentor,
                pair.organisation,
                MATCH_STATUS_VI.get(pair.status, pair.status),
                MATCH_SOURCE_VI.get(pair.source, pair.source),
                pair.fit,
                pair.explanation,
                pair.sessions,
                hours(pair.minutes),
                pair.pending,
                pair.published_on,
                pair.released_reason,
            ]
        )


KPI_COLUMNS: tuple[tuple[str, float, str | None], ...] = (
    ("STT", 6, None),
    ("Nhóm", 26, None),
    ("Tháng", 10, MONTH),
    ("Khách hàng", 10, WHOLE),
    ("Doanh thu (đồng)", 16, VND),
    ("Vốn huy động (đồng)", 16, VND),
    ("Việc làm tạo ra", 10, WHOLE),
    ("Giai đoạn sản phẩm", 20, None),
    ("Ghi chú", 40, None),
    ("Báo cáo lúc", 17, DATE_TIME),
)


def _kpi_sheet(wb: Workbook, report: CohortReport) -> None:
    lines = _report_titles(report, "CHỈ SỐ KPI HẰNG THÁNG")
    _ws, writer = table_sheet(wb, KPI_SHEET, lines, KPI_COLUMNS, len(report.kpis))
    for number, kpi in enumerate(report.kpis, start=1):
        writer.append(
            [
                number,
                kpi.team,
                kpi.period,
                kpi.customers,
                kpi.revenue_vnd,
                kpi.funding_vnd,
                kpi.jobs,
                STAGE_VI.get(kpi.product_stage, kpi.product_stage),
                kpi.note,
                kpi.reported_at,
            ]
        )


MILESTONE_COLUMNS: tuple[tuple[str, float, str | None], ...] = (
    ("STT", 6, None),
    ("Mốc", 30, None),
    ("Loại", 16, None),
    ("Hạn", 12, DATE),
    ("Nhóm", 26, None),
    ("Hoàn thành", 11, None),
    ("Ngày hoàn thành", 12, DATE),
    ("Ghi chú", 40, None),
)


def _milestones_sheet(wb: Workbook, report: CohortReport) -> None:
    lines = _report_titles(report, "MỨC ĐỘ HOÀN THÀNH CÁC MỐC CỦA TỪNG NHÓM")
    count = sum(len(m.teams) for m in report.milestones)
    _ws, writer = table_sheet(wb, MILESTONES_SHEET, lines, MILESTONE_COLUMNS, count)
    number = 0
    for milestone in report.milestones:
        for team, completed_on, note in milestone.teams:
            number += 1
            writer.append(
                [
                    number,
                    milestone.title,
                    MILESTONE_KIND_VI.get(milestone.kind, milestone.kind),
                    milestone.due_on,
                    team,
                    "Đã hoàn thành" if completed_on else "Chưa",
                    completed_on,
                    note,
                ]
            )


def cohort_workbook(report: CohortReport) -> bytes:
    wb = Workbook(write_only=True)
    _overview_sheet(wb, report)
    _teams_sheet(wb, report)
    _pairs_sheet(wb, report)
    _kpi_sheet(wb, report)
    _milestones_sheet(wb, report)
    return spreadsheets.workbook_bytes(wb)
