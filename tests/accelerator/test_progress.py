"""Team progress: a cohort team reports its monthly KPIs (one report per month, updated when
it exists) and marks milestones completed; organizers may correct; mentors read; the cohort
dashboard adds everything up with server-drawn SVG charts; who sees and does what; figures
that are not whole numbers, months outside the cohort and strangers change nothing."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import select

from accelerator.models import (
    Cohort,
    CohortTeam,
    KpiReport,
    MembershipStatus,
    Milestone,
    MilestoneProgress,
)
from accelerator.progress import charts, services
from app.audit import AuditEvent
from app.localtime import local_today
from tests.accelerator import progress_world as pw
from tests.accelerator import sessions_world as sw
from tests.accelerator.cohorts_world import snapshot
from tests.accelerator.sessions_world import ORGANIZERS_ONLY, ROLES, SIGNED_IN, day
from tests.helpers import csrf_token, post_form
from tests.judging.roles import FLASH, LOGIN, answer, sign_in

# fmt: off
#                          anon part judge mentor other_m leader member other_t org other_o admin
TEAM_VIEWERS = sw.answers(LOGIN, 404, 404, 200, 404, 200, 200, 404, 200, 404, 200)
ACCESS: dict[str, dict[str, int | str]] = {
    "accelerator.my_progress": SIGNED_IN,
    "accelerator.team_progress": TEAM_VIEWERS,
    "accelerator.cohort_progress": ORGANIZERS_ONLY,
}
POST_ENDPOINTS = {"accelerator.milestone_done", "accelerator.milestone_undo"}
# fmt: on

SVG = "{http://www.w3.org/2000/svg}"
WHOLE = "Enter a whole number of zero or more, e.g. 1.200 or 1200."
VND = "Enter an amount in đồng, without decimals, e.g. 12.500.000 or 12500000."


@pytest.fixture()
def s(db, factory) -> pw.Setting:  # noqa: ARG001
    return pw.build(factory)


def team_url(cohort_team) -> str:  # noqa: ANN001
    return f"/accelerator/progress/teams/{cohort_team.id}"


def done_url(cohort_team, milestone) -> str:  # noqa: ANN001
    return f"{team_url(cohort_team)}/milestones/{milestone.id}/done"


def undo_url(cohort_team, milestone) -> str:  # noqa: ANN001
    return f"{team_url(cohort_team)}/milestones/{milestone.id}/undo"


def this_month() -> date:
    return local_today().replace(day=1)


def kpis(**changes) -> dict:  # noqa: ANN003
    data = {
        "period": this_month().isoformat(),
        "customers": "120",
        "revenue": "12.500.000",
        "funding": "50000000",
        "jobs": "3",
        "product_stage": "early_revenue",
        "note": "Hai đại lý mới.",
    }
    data.update(changes)
    return data


def flashes(html: str) -> list[tuple[str, str]]:
    return [(kind, " ".join(unescape(text).split())) for kind, text in FLASH.findall(html)]


def reports(db) -> list[KpiReport]:  # noqa: ANN001
    return list(db.session.scalars(select(KpiReport).order_by(KpiReport.id)))


def audit_actions(db) -> list[str]:  # noqa: ANN001
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.like("progress.%"))
            .order_by(AuditEvent.id)
        )
    )


def svg(html: str, chart_id: str) -> ET.Element:
    """The chart `chart_id` of the page, parsed as XML."""
    start = html.index(f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}"')
    end = html.index("</svg>", start) + len("</svg>")
    return ET.fromstring(html[start:end])  # noqa: S314 — our own page


def texts(element: ET.Element, css: str) -> list[str]:
    return [t.text or "" for t in element.iter(f"{SVG}text") if t.get("class") == css]


def points(element: ET.Element) -> dict[str, list[tuple[str, str]]]:
    """Per series (line chart): its points as (x label, value as written)."""
    return {
        group.get("data-name"): [
            (c.get("data-x"), c.get("data-value")) for c in group.iter(f"{SVG}circle")
        ]
        for group in element.iter(f"{SVG}g")
        if group.get("class") == "series"
    }


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_access(client, db, s, role):
    sign_in(client, s.accounts, role)
    where = {
        "accelerator.my_progress": "/accelerator/progress/",
        "accelerator.team_progress": team_url(s.ours),
        "accelerator.cohort_progress": f"/accelerator/cohorts/{s.cohort.id}/progress",
    }
    wrong = {}
    for endpoint, answers in ACCESS.items():
        got = answer(client.get(where[endpoint]))
        if got != answers[role]:
            wrong[endpoint] = f"expected {answers[role]}, got {got}"
    assert wrong == {}


@pytest.mark.parametrize(
    "role",
    ["anonymous", "participant", "judge", "other_mentor", "other_team", "other_organizer"],
)
def test_strangers_change_nothing(client, db, s, role):
    pw.completed(s.ours, s.milestones[0])
    sign_in(client, s.accounts, role)
    token = csrf_token(client, "/auth/login" if role == "anonymous" else "/auth/profile")
    before = snapshot()
    expected = LOGIN if role == "anonymous" else 404
    posts = {
        team_url(s.ours): kpis(),
        done_url(s.ours, s.milestones[1]): {"completed_on": day(local_today())},
        undo_url(s.ours, s.milestones[0]): {},
    }
    for url, data in posts.items():
        assert answer(client.post(url, data={"csrf_token": token, **data})) == expected, url
    assert snapshot() == before


def test_the_mentor_reads_the_history_but_changes_nothing(client, db, s):
    pw.reported(s.ours, pw.months(s)[0], customers=7)
    pw.completed(s.ours, s.milestones[0])
    sign_in(client, s.accounts, "mentor")
    html = client.get(team_url(s.ours)).get_data(as_text=True)
    assert 'data-customers="7"' in html
    assert 'id="report"' not in html and "/milestones/" not in html  # no form to change it
    token = csrf_token(client, "/auth/profile")
    before = snapshot()
    for url, data in {
        team_url(s.ours): kpis(),
        done_url(s.ours, s.milestones[1]): {"completed_on": day(local_today())},
        undo_url(s.ours, s.milestones[0]): {},
    }.items():
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 403, url
    assert snapshot() == before


def test_my_progress_lists_own_and_mentored_teams(client, db, s):
    sign_in(client, s.accounts, "member")
    html = client.get("/accelerator/progress/").get_data(as_text=True)
    assert f'own-team" data-cohort-team-id="{s.ours.id}"' in html
    assert f'data-cohort-team-id="{s.theirs.id}"' not in html
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/auth/profile")})
    sign_in(client, s.accounts, "mentor")
    html = client.get("/accelerator/progress/").get_data(as_text=True)
    assert f'mentored-team" data-cohort-team-id="{s.ours.id}"' in html
    assert f'data-cohort-team-id="{s.theirs.id}"' not in html


# --- KPI reports ----------------------------------------------------------------------------


def test_the_team_reports_a_month_and_a_second_report_updates_it(client, db, s):
    sign_in(client, s.accounts, "member")
    url = team_url(s.ours)
    response = post_form(client, url, kpis())
    assert response.status_code == 302
    [report] = reports(db)
    assert (report.period, report.customers, report.jobs) == (this_month(), 120, 3)
    assert report.revenue_vnd == Decimal(12_500_000) and report.funding_vnd == Decimal(50_000_000)
    assert report.product_stage == "early_revenue"
    assert report.reported_by_id == s.accounts["member"].id
    assert ("success", f"Figures saved for {this_month():%m/%Y}.") in flashes(
        client.get(url).get_data(as_text=True)
    )

    # The same month again, typed without dots: the report is replaced, not doubled.
    post_form(client, url, kpis(revenue="13000000", customers="1.250"))
    [report] = reports(db)
    assert report.revenue_vnd == Decimal(13_000_000) and report.customers == 1250
    assert audit_actions(db) == ["progress.kpi_report", "progress.kpi_update"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "progress.kpi_update"))
    assert event.old["revenue_vnd"] == 12_500_000 and event.new["revenue_vnd"] == 13_000_000


def test_the_form_offers_the_cohort_months_and_reloads_a_reported_one(client, db, s):
    first = pw.months(s)[0]
    pw.reported(s.ours, first, customers=42, revenue=7_500_000)
    sign_in(client, s.accounts, "leader")
    html = client.get(f"{team_url(s.ours)}?period={first.isoformat()}").get_data(as_text=True)
    offered = [m.isoformat() for m in pw.months(s)]
    for value in offered:
        assert f'value="{value}"' in html
    assert f'value="{(this_month() + timedelta(days=32)).replace(day=1).isoformat()}"' not in html
    assert 'name="customers" type="text" value="42"' in html
    assert 'value="7.500.000"' in html


def test_organizers_correct_a_report(client, db, s):
    pw.reported(s.ours, this_month(), customers=5)
    sign_in(client, s.accounts, "organizer")
    assert post_form(client, team_url(s.ours), kpis(customers="6")).status_code == 302
    [report] = reports(db)
    assert report.customers == 6 and report.reported_by_id == s.accounts["organizer"].id


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("customers", "mười", WHOLE),
        ("customers", "1,5", WHOLE),
        ("customers", "-3", WHOLE),
        ("customers", "1e9", WHOLE),
        ("jobs", "2.5", WHOLE),
        ("revenue", "12,5", VND),
        ("revenue", "-12.500.000", VND),
        ("funding", "12.500.00", VND),
        ("revenue", "99999999999999999", "This number is too large: check for an extra digit."),
        ("customers", "", "Enter the number of customers (0 if none)."),
        ("period", "2020-01-01", "Choose a month of the cohort, from its start to this month."),
        ("period", "tháng này", "Choose the month reported."),
    ],
)  # fmt: skip
def test_a_figure_that_is_not_a_whole_number_changes_nothing(client, db, s, field, typed, message):
    pw.reported(s.ours, this_month(), customers=5)
    sign_in(client, s.accounts, "leader")
    before = snapshot()
    response = post_form(client, team_url(s.ours), kpis(**{field: typed}))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="{field}-errors"' in html and message in " ".join(unescape(html).split())
    assert snapshot() == before


def test_a_month_not_begun_yet_is_refused(client, db, s):
    sign_in(client, s.accounts, "leader")
    before = snapshot()
    next_month = (this_month() + timedelta(days=32)).replace(day=1)
    html = post_form(client, team_url(s.ours), kpis(period=next_month.isoformat())).get_data(
        as_text=True
    )
    assert "Choose a month of the cohort, from its start to this month." in html
    assert snapshot() == before


def test_a_team_that_left_the_cohort_reports_nothing(client, db, s):
    s.ours.status = MembershipStatus.WITHDRAWN
    db.session.flush()
    sign_in(client, s.accounts, "leader")
    before = snapshot()
    html = post_form(client, team_url(s.ours), kpis()).get_data(as_text=True)
    assert "This team is no longer in the cohort: its progress cannot be changed." in html
    assert snapshot() == before


def test_two_reports_of_a_month_at_once_meet_the_unique_key_and_get_a_message(
    client, db, s, monkeypatch
):
    """The second of two racing posts does not see the first's row (as on PostgreSQL under
    READ COMMITTED): its insert meets the unique key; the reader is told, nothing changes."""
    pw.reported(s.ours, this_month(), customers=5)
    monkeypatch.setattr(services, "report_for", lambda cohort_team, period: None)
    sign_in(client, s.accounts, "leader")
    before = snapshot()
    response = post_form(client, team_url(s.ours), kpis())
    assert response.status_code == 200
    assert (
        "danger",
        "A report for this month was saved by someone else at the same moment. Nothing of "
        "yours was saved: check the figures below and save again.",
    ) in flashes(response.get_data(as_text=True))
    assert snapshot() == before


# --- milestones -----------------------------------------------------------------------------


def test_the_team_marks_a_milestone_completed_and_takes_it_back(client, db, s):
    sign_in(client, s.accounts, "leader")
    url = team_url(s.ours)
    when = local_today() - timedelta(days=18)
    data = {"completed_on": day(when), "note": "Đủ cả nhóm"}
    response = post_form(client, done_url(s.ours, s.milestones[1]), data, form_page=url)
    assert response.status_code == 302
    [progress] = db.session.scalars(select(MilestoneProgress)).all()
    assert (progress.milestone_id, progress.completed_on, progress.note) == (
        s.milestones[1].id,
        when,
        "Đủ cả nhóm",
    )
    html = client.get(url).get_data(as_text=True)
    assert f'data-milestone-id="{s.milestones[1].id}" data-done="yes"' in html
    assert f"Completed on {day(when)}" in html

    post_form(client, undo_url(s.ours, s.milestones[1]), {}, form_page=url)
    assert db.session.scalars(select(MilestoneProgress)).all() == []
    assert audit_actions(db) == ["progress.milestone_complete", "progress.milestone_uncomplete"]


@pytest.mark.parametrize(
    ("days_ago", "message"),
    [
        (-1, "The date cannot be in the future: mark the milestone once it is done."),
        (400, "The date cannot be before the cohort starts."),
    ],
)
def test_a_completion_date_in_the_future_or_before_the_cohort_is_refused(
    client, db, s, days_ago, message
):
    sign_in(client, s.accounts, "leader")
    before = snapshot()
    when = local_today() - timedelta(days=days_ago)
    post_form(
        client,
        done_url(s.ours, s.milestones[0]),
        {"completed_on": day(when)},
        form_page=team_url(s.ours),
    )
    assert ("danger", message) in flashes(client.get(team_url(s.ours)).get_data(as_text=True))
    assert snapshot() == before


def test_another_cohorts_milestone_is_refused(client, db, s, factory):
    other = Cohort(
        owner_unit=s.cohort.owner_unit,
        year=2026,
        name="Chương trình khác",
        capacity=2,
        starts_on=s.cohort.starts_on,
        ends_on=s.cohort.ends_on,
    )
    foreign = Milestone(cohort=other, title="Không phải của nhóm", due_on=local_today())
    db.session.add_all([other, foreign])
    db.session.flush()
    sign_in(client, s.accounts, "leader")
    before = snapshot()
    post_form(
        client,
        done_url(s.ours, foreign),
        {"completed_on": day(local_today())},
        form_page=team_url(s.ours),
    )
    assert ("danger", "This milestone is not one of the team's cohort.") in flashes(
        client.get(team_url(s.ours)).get_data(as_text=True)
    )
    assert snapshot() == before


# --- the cohort dashboard -------------------------------------------------------------------


def test_the_dashboard_adds_up_each_team(client, db, s):
    first, last = pw.months(s)[0], pw.months(s)[-1]
    pw.reported(s.ours, first, customers=10, revenue=2_000_000)
    pw.reported(s.ours, last, customers=35, revenue=12_500_000)
    pw.completed(s.ours, s.milestones[0])
    pw.completed(s.ours, s.milestones[1])
    mentor = s.accounts["mentor"]
    sw.logged(s.sessions.match, mentor, status="confirmed", minutes=90)
    sw.logged(s.sessions.match, mentor, status="confirmed", minutes=60, days_ago=10)
    sw.logged(s.sessions.match, mentor, status="pending", minutes=30)
    # The other pair has been quiet for ten weeks.
    s.sessions.other_match.published_at -= timedelta(weeks=10)
    db.session.flush()
    sign_in(client, s.accounts, "organizer")
    html = client.get(f"/accelerator/cohorts/{s.cohort.id}/progress").get_data(as_text=True)
    assert (
        f'data-cohort-team-id="{s.ours.id}" data-done="2" data-total="3" data-sessions="2" '
        f'data-confirmed-minutes="150" data-customers="35" data-revenue="12500000" '
        f'data-customers-trend="25" data-revenue-trend="10500000"'
    ) in html
    assert (
        f'data-cohort-team-id="{s.theirs.id}" data-done="0" data-total="3" data-sessions="0" '
        f'data-confirmed-minutes="0">'
    ) in html
    assert '<progress value="2" max="3"' in html
    assert mentor.full_name in html
    assert 'id="inactive-count" data-count="1"' in html

    revenue = svg(html, "cohort-revenue")
    team = s.ours.team.name
    assert points(revenue)[team] == [(f"{first:%m/%Y}", "2"), (f"{last:%m/%Y}", "12.5")]
    assert points(revenue)[s.theirs.team.name] == []
    assert texts(revenue, "y-label") == ["Million VND"]
    assert revenue.find(f"{SVG}title").text == "Revenue per month"
    assert texts(revenue, "x-tick")[0] == f"{first:%m/%Y}"
    customers = svg(html, "cohort-customers")
    assert points(customers)[team][-1] == (f"{last:%m/%Y}", "35")
    sessions = svg(html, "cohort-sessions")
    bars = {g.get("data-label"): g.get("data-value") for g in sessions.iter(f"{SVG}g")}
    assert bars == {
        f"{mentor.full_name} · {team}": "2",
        f"{s.accounts['other_mentor'].full_name} · {s.theirs.team.name}": "0",
    }
    # The data table below the revenue chart gives the same figure.
    assert '<table class="table table-sm chart-data" data-metric="revenue">' in html


def test_the_charts_read_in_vietnamese(client, db, s):
    pw.reported(s.ours, pw.months(s)[-1], customers=1500, revenue=12_500_000)
    sign_in(client, s.accounts, "leader", locale="vi")
    html = client.get(team_url(s.ours)).get_data(as_text=True)
    revenue = svg(html, "team-revenue")
    [(month, value)] = points(revenue)[s.ours.team.name]
    assert value == "12,5" and month == f"{pw.months(s)[-1]:%m/%Y}"
    assert "15" in texts(revenue, "y-tick")  # the axis reaches a round 15
    assert points(svg(html, "team-customers"))[s.ours.team.name] == [(month, "1.500")]


def test_the_dashboard_reads_in_a_fixed_number_of_queries(client, db, s, factory, count_queries):
    """3 teams, then 15: each with a mentor, a confirmed session, reports and a milestone."""
    url = f"/accelerator/cohorts/{s.cohort.id}/progress"
    sign_in(client, s.accounts, "organizer")
    counts = {}
    added = 0
    for n in (3, 15):
        while 2 + added < n:
            row = CohortTeam(
                cohort=s.cohort,
                team=factory.team(name=f"Nhóm thêm {added}"),
                status=MembershipStatus.ACCEPTED,
                reason="Thêm trong bài kiểm thử",
            )
            db.session.add(row)
            db.session.flush()
            match = sw.pair(s.sessions.base, row, s.accounts["other_mentor"])
            sw.logged(match, s.accounts["other_mentor"], status="confirmed")
            for month in pw.months(s)[-3:]:
                pw.reported(row, month, customers=added)
            pw.completed(row, s.milestones[0])
            added += 1
        client.get(url)
        with count_queries() as counted:
            response = client.get(url)
        assert response.status_code == 200
        assert response.get_data(as_text=True).count('class="team-progress"') == n
        counts[n] = counted.n
    assert counts[3] == counts[15]


# --- the charts module ----------------------------------------------------------------------


def test_a_line_chart_places_every_value_and_escapes_names():
    drawn = charts.line_chart(
        chart_id="c",
        title="Doanh thu <theo tháng>",
        description="Mô tả",
        x_labels=["03/2026", "04/2026", "05/2026"],
        series=[
            charts.Series("Nhóm <A>", [Decimal("1.5"), None, Decimal(8)]),
            charts.Series("Nhóm B", [0, 2, 3]),
        ],
        y_label="Triệu đồng",
        style=charts.NumberStyle(",", "."),
    )
    root = ET.fromstring(drawn)  # noqa: S314 — well formed only if every text is escaped
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c-title c-desc"
    assert root.find(f"{SVG}title").text == "Doanh thu <theo tháng>"
    assert root.find(f"{SVG}desc").text == "Mô tả"
    assert points(root) == {
        "Nhóm <A>": [("03/2026", "1,5"), ("05/2026", "8")],
        "Nhóm B": [("03/2026", "0"), ("04/2026", "2"), ("05/2026", "3")],
    }
    assert texts(root, "y-tick") == ["0", "2", "4", "6", "8"]
    assert texts(root, "x-tick") == ["03/2026", "04/2026", "05/2026"]
    assert texts(root, "legend") == ["Nhóm <A>", "Nhóm B"]
    # The missing month breaks the line into two pieces.
    first_path = next(root.iter(f"{SVG}path")).get("d")
    assert first_path.count("M") == 2 and "L" not in first_path


def test_a_bar_chart_scales_to_a_round_top():
    drawn = charts.bar_chart(
        chart_id="b",
        title="Buổi",
        description="Số buổi",
        labels=["A · X", "B · Y"],
        values=[7, 2],
        x_label="Buổi đã xác nhận",
        style=charts.NumberStyle(".", ","),
    )
    root = ET.fromstring(drawn)  # noqa: S314 — our own drawing
    assert texts(root, "x-tick") == ["0", "2", "4", "6", "8"]
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect")]
    assert widths[0] / widths[1] == pytest.approx(7 / 2, rel=1e-2)
    assert texts(root, "value") == ["7", "2"]


def test_numbers_are_written_the_readers_way():
    vi, en = charts.NumberStyle(",", "."), charts.NumberStyle(".", ",")
    assert charts.format_value(Decimal("12500000"), vi) == "12.500.000"
    assert charts.format_value(Decimal("1234.5"), vi) == "1.234,5"
    assert charts.format_value(Decimal("1234.5"), en) == "1,234.5"
    assert charts.nice_ticks(0) == [0, 1]
    assert charts.nice_ticks(Decimal("12.5"))[-1] == 15
    assert charts.month_label(date(2026, 3, 1)) == "03/2026"
