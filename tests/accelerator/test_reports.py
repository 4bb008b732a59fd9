"""Accelerator workbooks: the sessions per mentor of a period (the stipend sheet, signed) and
the cohort report. Reopened with openpyxl: the rows and totals of the period (a session
outside it left out, pending ones not counted as hours), dates as date cells, numbers as
numbers, Vietnamese words whatever the interface language, hostile text kept as text with no
formula anywhere, the Vietnamese file name, the audit row, who may export, refused periods
that change nothing, and a fixed number of queries."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from html import unescape
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from accelerator.cohorts.errors import CohortError
from accelerator.reports.services import check_period, last_month
from app.audit import AuditEvent
from app.localtime import local_today
from tests.accelerator import reports_world as rw
from tests.accelerator import sessions_world as sw
from tests.accelerator.cohorts_world import snapshot
from tests.accelerator.sessions_world import ORGANIZERS_ONLY, ROLES, day
from tests.helpers import CSRF_RE, csrf_token
from tests.judging.roles import LOGIN, answer, sign_in, sign_in_as

# fmt: off
ACCESS: dict[str, dict[str, int | str]] = {
    "accelerator.sessions_report": ORGANIZERS_ONLY,
}
POST_ENDPOINTS = {"accelerator.cohort_report"}
# fmt: on

HOSTILE_TEAM = '=HYPERLINK("http://evil.example","Bấm vào")'
HOSTILE_TOPICS = "+1+cmd|' /C calc'!A0"
HOSTILE_MENTOR = "@SUM(1+1)"
EXPORT_FORM = re.compile(
    r'<form method="post" action="([^"]+)"[^>]*id="(sessions-export|cohort-report)"'
)


@pytest.fixture()
def r(db, factory) -> rw.ReportSetting:  # noqa: ARG001
    return rw.build(factory)


def report_url(cohort) -> str:  # noqa: ANN001
    return f"/accelerator/cohorts/{cohort.id}/reports/sessions"


def cohort_report_url(cohort) -> str:  # noqa: ANN001
    return f"/accelerator/cohorts/{cohort.id}/reports/cohort"


def export_sessions(client, cohort, starts_on: date, ends_on: date):  # noqa: ANN001, ANN201
    token = csrf_token(client, report_url(cohort))
    return client.post(
        report_url(cohort),
        data={"csrf_token": token, "starts_on": day(starts_on), "ends_on": day(ends_on)},
    )


def export_cohort(client, cohort):  # noqa: ANN001, ANN201
    token = csrf_token(client, f"/accelerator/cohorts/{cohort.id}")
    return client.post(cohort_report_url(cohort), data={"csrf_token": token})


def book_of(response):  # noqa: ANN001, ANN201
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return load_workbook(io.BytesIO(response.data))


def header_row(ws) -> int:  # noqa: ANN001
    return next(row[0].row for row in ws.iter_rows() if row[0].value == "STT")


def table(ws) -> list[list]:  # noqa: ANN001
    """The cells of the table under the "STT" header, down to the first blank row."""
    rows = []
    for row in ws.iter_rows(min_row=header_row(ws) + 1):
        if all(cell.value is None for cell in row):
            break
        rows.append(list(row))
    return rows


def values(ws) -> list[str]:  # noqa: ANN001
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def exports(db) -> list[AuditEvent]:  # noqa: ANN001
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "cohort.export").order_by(AuditEvent.id)
        )
    )


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_access(client, db, r, role):
    sign_in(client, r.accounts, role)
    got = answer(client.get(report_url(r.cohort)))
    assert got == ACCESS["accelerator.sessions_report"][role]


@pytest.mark.parametrize(
    "role",
    ["anonymous", "participant", "judge", "mentor", "other_mentor", "leader", "member",
     "other_team", "other_organizer"],
)  # fmt: skip
def test_nobody_but_the_organizers_exports(client, db, r, role):
    sign_in(client, r.accounts, role)
    token = csrf_token(client, "/auth/login" if role == "anonymous" else "/auth/profile")
    before = snapshot()
    period = {"starts_on": day(r.starts_on), "ends_on": day(r.ends_on)}
    expected = LOGIN if role == "anonymous" else 403
    for url, data in ((report_url(r.cohort), period), (cohort_report_url(r.cohort), {})):
        response = client.post(url, data={"csrf_token": token, **data})
        assert answer(response) == expected, url
        assert "spreadsheetml" not in response.content_type
    assert snapshot() == before
    assert exports(db) == []


def test_a_cohort_that_does_not_exist_is_not_found(client, db, r):
    sign_in(client, r.accounts, "organizer")
    token = csrf_token(client, report_url(r.cohort))
    missing = r.cohort.id + 1000
    assert client.get(f"/accelerator/cohorts/{missing}/reports/sessions").status_code == 404
    response = client.post(f"/accelerator/cohorts/{missing}/reports/cohort",
                           data={"csrf_token": token})  # fmt: skip
    assert response.status_code == 404


# --- sessions per mentor --------------------------------------------------------------------


def test_the_period_defaults_to_last_month_on_both_pages(client, db, r):
    sign_in(client, r.accounts, "organizer")
    starts_on, ends_on = last_month()
    assert starts_on.day == 1 and (ends_on + timedelta(days=1)).day == 1
    assert ends_on < local_today().replace(day=1)
    for page in (report_url(r.cohort), f"/accelerator/cohorts/{r.cohort.id}/sessions"):
        html = client.get(page).get_data(as_text=True)
        shown = dict(
            re.findall(r'<input[^>]* name="(starts_on|ends_on)"[^>]* value="([^"]*)"', html)
        )
        assert shown == {"starts_on": day(starts_on), "ends_on": day(ends_on)}, page


def test_the_sessions_page_button_downloads_the_period(client, db, r):
    """The form on the cohort's sessions page posts the period it shows."""
    sign_in(client, r.accounts, "organizer")
    html = client.get(f"/accelerator/cohorts/{r.cohort.id}/sessions").get_data(as_text=True)
    action = unescape(EXPORT_FORM.search(html).group(1))
    assert action == report_url(r.cohort)
    token = next(t for t in CSRF_RE.search(html).groups() if t)
    response = client.post(
        action,
        data={"csrf_token": token, "starts_on": day(r.starts_on), "ends_on": day(r.ends_on)},
    )
    assert [ws.title for ws in book_of(response).worksheets] == ["Tổng hợp", "Chi tiết"]


def test_rows_and_totals_of_the_period(client, db, r):
    mentor, other = r.accounts["mentor"], r.accounts["other_mentor"]
    sign_in(client, r.accounts, "organizer")  # reads the pages in English
    book = book_of(export_sessions(client, r.cohort, r.starts_on, r.ends_on))
    summary = book["Tổng hợp"]
    titles = values(summary)[:5]
    assert titles[0] == "BẢNG TỔNG HỢP GIỜ CỐ VẤN THEO CHUYÊN GIA"
    assert f"từ ngày {day(r.starts_on)} đến ngày {day(r.ends_on)}" in titles[2]
    assert titles[3].startswith("Chỉ các buổi đã được xác nhận được tính giờ")
    assert [c.value for c in summary[header_row(summary)]] == [
        "STT", "Họ và tên", "Đơn vị / tổ chức", "Email", "Số nhóm", "Số buổi đã xác nhận",
        "Số giờ đã xác nhận", "Số buổi chờ xác nhận", "Số giờ chờ xác nhận",
    ]  # fmt: skip
    rows = table(summary)
    by_name = {row[1].value: [c.value for c in row] for row in rows[:-1]}
    # 90 + 45 confirmed; 60 pending; 30 disputed and the 120 outside the period count nothing.
    assert by_name[mentor.full_name][3:] == [mentor.email, 1, 2, 2.25, 1, 1.0]
    assert by_name[other.full_name][3:] == [other.email, 1, 1, 1.0, 0, 0.0]
    assert sorted(row[0].value for row in rows[:-1]) == [1, 2]
    total = [c.value for c in rows[-1]]
    assert total[1] == "Tổng cộng" and total[5:] == [3, 3.25, 1, 1.0]
    assert rows[-1][6].number_format == "0.00" and rows[0][6].number_format == "0.00"
    text = values(summary)
    assert "NGƯỜI LẬP BIỂU" in text and "BAN TỔ CHỨC" in text
    assert text.count("(Ký, ghi rõ họ tên)") == 2

    detail = table(book["Chi tiết"])
    assert len(detail) == 5  # the session the day before the period is left out
    dates = [row[3] for row in detail]
    assert all(c.is_date and c.number_format == "dd/mm/yyyy" for c in dates)
    assert {c.value.date() for c in dates} <= {
        r.starts_on + timedelta(days=n) for n in range((r.ends_on - r.starts_on).days + 1)
    }
    assert r.outside.held_on not in {c.value.date() for c in dates}
    statuses = sorted(row[7].value for row in detail)
    assert statuses == ["Bị phản đối", "Chờ xác nhận", "Đã xác nhận", "Đã xác nhận", "Đã xác nhận"]
    hours = sorted(row[4].value for row in detail)
    assert hours == [0.5, 0.75, 1, 1, 1.5] and all(row[4].data_type == "n" for row in detail)
    confirmed = [row for row in detail if row[7].value == "Đã xác nhận"]
    assert all(row[9].is_date and row[9].value == datetime(2026, 1, 2, 10, 30) for row in confirmed)
    assert all(row[9].value is None for row in detail if row[7].value != "Đã xác nhận")
    assert {row[5].value for row in detail} == {"Trực tiếp"}
    assert {row[8].value for row in detail} == {
        f"{mentor.full_name} (chuyên gia)",
        f"{other.full_name} (chuyên gia)",
    }


def test_the_export_is_audited_with_a_vietnamese_file_name(client, db, r):
    sign_in(client, r.accounts, "organizer")
    response = export_sessions(client, r.cohort, r.starts_on, r.ends_on)
    assert response.status_code == 200
    name = (
        f"Chương-trình-tăng-tốc-2026_Giờ-cố-vấn_{r.starts_on:%d.%m.%Y}-{r.ends_on:%d.%m.%Y}"
        f"_{local_today().isoformat()}.xlsx"
    )
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(name)}" in disposition
    assert response.headers["Cache-Control"] == "no-store"
    [event] = exports(db)
    assert event.actor_id == r.accounts["organizer"].id
    assert (event.object_type, event.object_id) == ("Cohort", str(r.cohort.id))
    assert event.new == {
        "format": "xlsx", "what": "mentor_sessions", "from": r.starts_on.isoformat(),
        "to": r.ends_on.isoformat(), "mentors": 2, "sessions": 5, "destination": "download",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "message"),
    [
        ("10/03/2026", "09/03/2026", "The end of the period is before its start."),
        ("01/01/2026", "01/01/2027", "A period is at most one year long."),
        ("01/01/2026", "", "This field is required."),
        ("31/02/2026", "28/03/2026", "Enter a date as dd/mm/yyyy, e.g. 15/03/2026."),
        ("2026-03-01", "31/03/2026", "Enter a date as dd/mm/yyyy, e.g. 15/03/2026."),
    ],
)
def test_bad_periods_are_refused_and_nothing_is_audited(client, db, r, starts_on, ends_on,
                                                        message):  # fmt: skip
    sign_in(client, r.accounts, "organizer")
    token = csrf_token(client, report_url(r.cohort))
    before = snapshot()
    response = client.post(
        report_url(r.cohort),
        data={"csrf_token": token, "starts_on": starts_on, "ends_on": ends_on},
    )
    assert response.status_code == 200 and response.content_type.startswith("text/html")
    assert message in unescape(response.get_data(as_text=True))
    assert snapshot() == before
    assert exports(db) == []


def test_a_period_of_exactly_one_year_is_allowed():
    check_period(date(2026, 1, 1), date(2026, 12, 31))
    check_period(date(2024, 2, 29), date(2025, 2, 28))
    check_period(date(2026, 5, 5), date(2026, 5, 5))
    with pytest.raises(CohortError) as refused:
        check_period(date(2024, 2, 29), date(2025, 3, 1))
    assert refused.value.reasons == ["period_too_long"]


# --- the cohort report ----------------------------------------------------------------------


def test_the_cohort_report(client, db, factory, r):
    s = r.sw
    ours = s.match.cohort_team
    rw.explain(s.match)
    first = rw.milestone(r.cohort, "Tập huấn gọi vốn", r.starts_on)
    rw.milestone(r.cohort, "Ngày trình diễn", r.ends_on + timedelta(days=20), kind="demo_day")
    rw.done(first, ours, r.starts_on + timedelta(days=1), note="Đã nộp hồ sơ")
    rw.kpi(ours, r.starts_on - timedelta(days=31), customers=3, revenue_vnd=Decimal(5_000_000))
    rw.kpi(ours, r.starts_on, customers=12, revenue_vnd=Decimal(150_000_000),
           funding_vnd=Decimal(2_500_000_000), jobs=4, product_stage="prototype")  # fmt: skip
    sign_in(client, s.accounts, "organizer")
    html = client.get(f"/accelerator/cohorts/{r.cohort.id}").get_data(as_text=True)
    assert unescape(EXPORT_FORM.search(html).group(1)) == cohort_report_url(r.cohort)
    response = export_cohort(client, r.cohort)
    book = book_of(response)
    assert book.sheetnames == ["Tổng quan", "Nhóm", "Ghép cặp", "KPI", "Mốc"]

    overview = {
        row[0].value: row[1] for row in book["Tổng quan"].iter_rows(min_row=4) if row[0].value
    }
    assert overview["Chương trình"].value == "Chương trình tăng tốc 2026"
    assert overview["Ngày bắt đầu"].is_date
    assert overview["Ngày bắt đầu"].value.date() == r.cohort.starts_on
    assert overview["Số chỗ"].value == 3
    assert overview["Số nhóm đã nhận lời tham gia"].value == 2
    assert overview["Số chuyên gia cố vấn"].value == 2
    # All of the pairs' confirmed sessions: 90 + 45 + 120 (before last month) + 60.
    assert overview["Số buổi cố vấn đã xác nhận"].value == 4
    assert overview["Số giờ cố vấn đã xác nhận"].value == 5.25
    assert overview["Số buổi chờ xác nhận"].value == 1
    assert (overview["Số mốc đã hoàn thành"].value, overview["Tổng số mốc (số mốc × số nhóm)"]
            .value) == (1, 4)  # fmt: skip

    teams = {row[1].value: row for row in table(book["Nhóm"])}
    assert len(teams) == 2
    mine = teams[ours.team.name]
    assert mine[2].value == ours.team.leader.full_name
    assert mine[3].value == s.accounts["member"].full_name
    assert mine[7].value == s.accounts["mentor"].full_name
    assert [c.value for c in mine[8:12]] == [3, 4.25, 1, 2]
    month = mine[12]
    assert month.is_date and month.number_format == "mm/yyyy"
    assert month.value.date() == r.starts_on
    assert [c.value for c in mine[13:18]] == [12, 150_000_000, 2_500_000_000, 4, "Sản phẩm mẫu"]
    assert mine[14].number_format == "#,##0"

    pairs = {row[2].value: row for row in table(book["Ghép cặp"])}
    explained = pairs[s.accounts["mentor"].full_name]
    assert explained[4].value == "Đã công bố"
    assert explained[6].value == 7.5 and explained[6].data_type == "n"
    assert explained[7].value == (
        "đáp ứng nhu cầu tài chính; cùng lĩnh vực: nông nghiệp; được nhóm đề xuất"
    )
    assert pairs[s.accounts["other_mentor"].full_name][7].value == (
        "không có nhu cầu, lĩnh vực hay đề xuất chung"
    )
    assert explained[11].is_date

    kpis = table(book["KPI"])
    assert len(kpis) == 2
    assert all(row[2].is_date and row[2].number_format == "mm/yyyy" for row in kpis)
    assert [row[3].value for row in kpis] == [3, 12]

    marks = table(book["Mốc"])
    assert len(marks) == 4  # two milestones × two teams
    completed = [row for row in marks if row[5].value == "Đã hoàn thành"]
    assert [(row[1].value, row[4].value, row[7].value) for row in completed] == [
        ("Tập huấn gọi vốn", ours.team.name, "Đã nộp hồ sơ")
    ]
    assert completed[0][6].is_date and completed[0][3].is_date

    name = f"Chương-trình-tăng-tốc-2026_Báo-cáo_{local_today().isoformat()}.xlsx"
    assert f"filename*=UTF-8''{quote(name)}" in response.headers["Content-Disposition"]
    [event] = exports(db)
    assert event.actor_id == s.accounts["organizer"].id and event.object_id == str(r.cohort.id)
    assert event.new["what"] == "cohort_report"
    assert (event.new["teams"], event.new["pairs"], event.new["kpi_reports"]) == (2, 2, 2)


def test_the_cohort_report_refuses_a_stale_form(client, db, r):
    sign_in(client, r.accounts, "organizer")
    before = snapshot()
    response = client.post(cohort_report_url(r.cohort), data={"csrf_token": "stale"})
    assert response.status_code == 400
    assert snapshot() == before and exports(db) == []


# --- hostile text ---------------------------------------------------------------------------


def test_hostile_text_stays_text_and_no_formula_is_written(client, db, r):
    s = r.sw
    s.match.cohort_team.team.name = HOSTILE_TEAM
    s.accounts["other_mentor"].full_name = HOSTILE_MENTOR
    rw.session_on(s.match, r.starts_on + timedelta(days=3), 30, topics=HOSTILE_TOPICS)
    rw.kpi(s.match.cohort_team, r.starts_on, note=HOSTILE_TOPICS)
    db.session.flush()
    sign_in(client, s.accounts, "organizer")
    downloads = [
        export_sessions(client, r.cohort, r.starts_on, r.ends_on).data,
        export_cohort(client, r.cohort).data,
    ]
    for data in downloads:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
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
        hostile = (HOSTILE_TEAM, HOSTILE_MENTOR, HOSTILE_TOPICS)
        assert {text: cells.get(text) for text in hostile} == dict.fromkeys(hostile, "s")


# --- queries --------------------------------------------------------------------------------


def test_both_exports_take_the_same_number_of_queries_at_3_and_15_pairs(
    app, client, db, factory, r, count_queries
):
    small = rw.populated_cohort(factory, r.sw.base, "Nhỏ", teams=3, mentors=1)
    large = rw.populated_cohort(factory, r.sw.base, "Lớn", teams=5, mentors=3)
    sign_in_as(client, r.accounts["organizer"])
    token = csrf_token(client, report_url(small))
    period = {"starts_on": day(r.starts_on), "ends_on": day(r.ends_on)}
    counts = {}
    for label, cohort, pairs in (("small", small, 3), ("large", large, 15)):
        with count_queries() as sessions:
            response = client.post(report_url(cohort), data={"csrf_token": token, **period})
        assert len(table(book_of(response)["Chi tiết"])) == 2 * pairs
        with count_queries() as report:
            response = client.post(cohort_report_url(cohort), data={"csrf_token": token})
        assert len(table(book_of(response)["Ghép cặp"])) == pairs
        counts[label] = (sessions.n, report.n)
    assert counts["small"] == counts["large"], counts
    assert counts["large"][0] <= 10 and counts["large"][1] <= 18, counts


def test_mentors_listed_are_those_with_a_published_pair_or_a_session(db, factory, r):
    """A released pair's mentor with nothing in the period is not on the stipend sheet."""
    from accelerator.reports.services import load_sessions

    quiet = sw.pair(r.sw.base, r.sw.match.cohort_team, r.accounts["judge"], status="released")
    assert quiet.id
    report = load_sessions(r.cohort, r.starts_on, r.ends_on, r.accounts["organizer"])
    assert {line.name for line in report.mentors} == {
        r.accounts["mentor"].full_name,
        r.accounts["other_mentor"].full_name,
    }
