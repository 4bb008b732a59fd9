"""What the progress pages show: a cohort's teams with their milestones, KPIs, sessions and
mentors, read in a fixed number of queries whatever the cohort's size; and the charts, drawn by
`charts` with the words and number marks of the reader's language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from babel.numbers import get_decimal_symbol, get_group_symbol
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from accelerator.models import (
    Cohort,
    CohortTeam,
    KpiReport,
    MatchStatus,
    MembershipStatus,
    MentorMatch,
    Milestone,
    MilestoneProgress,
)
from accelerator.progress import charts
from accelerator.progress.services import cohort_months
from accelerator.sessions import hours
from app.db import db
from app.people.models import User
from app.vietnamese import name_sort_key
from competitions.models import Team, TeamMember

MILLION = Decimal(1_000_000)
SHOWN = (MatchStatus.PUBLISHED, MatchStatus.RELEASED)


def number_style() -> charts.NumberStyle:
    locale = get_locale()
    return charts.NumberStyle(get_decimal_symbol(locale), get_group_symbol(locale))


@dataclass
class TeamRow:
    """One team of the cohort on the dashboard."""

    cohort_team: CohortTeam
    done: int
    total: int
    reports: list[KpiReport]  # oldest first
    stats: hours.PairStats
    mentors: list[User] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def first(self) -> KpiReport | None:
        return self.reports[0] if self.reports else None

    @property
    def latest(self) -> KpiReport | None:
        return self.reports[-1] if self.reports else None

    def trend(self, attribute: str) -> int | Decimal | None:
        """How much a figure moved since the first report (None with fewer than two)."""
        if len(self.reports) < 2:
            return None
        return getattr(self.reports[-1], attribute) - getattr(self.reports[0], attribute)


@dataclass
class Dashboard:
    teams: list[TeamRow]
    activities: list[hours.Activity]  # every shown pair, by team then mentor
    months: list[date]  # oldest first

    @property
    def inactive(self) -> int:
        return sum(1 for a in self.activities if a.inactive)


def _reports_by_team(team_ids: list[int]) -> dict[int, list[KpiReport]]:
    found: dict[int, list[KpiReport]] = {team_id: [] for team_id in team_ids}
    if team_ids:
        for report in db.session.scalars(
            select(KpiReport)
            .where(KpiReport.cohort_team_id.in_(team_ids))
            .order_by(KpiReport.period)
        ):
            found[report.cohort_team_id].append(report)
    return found


def cohort_dashboard(cohort: Cohort) -> Dashboard:
    """The accepted teams with their figures: six queries, whatever the number of teams."""
    teams = list(
        db.session.scalars(
            select(CohortTeam)
            .where(
                CohortTeam.cohort_id == cohort.id, CohortTeam.status == MembershipStatus.ACCEPTED
            )
            .options(joinedload(CohortTeam.team))
        )
    )
    teams.sort(key=lambda row: row.team.name_folded)
    ids = [row.id for row in teams]
    total = db.session.scalar(
        select(func.count()).select_from(Milestone).where(Milestone.cohort_id == cohort.id)
    )
    done = (
        dict(
            db.session.execute(
                select(MilestoneProgress.cohort_team_id, func.count())
                .join(Milestone, MilestoneProgress.milestone_id == Milestone.id)
                .where(MilestoneProgress.cohort_team_id.in_(ids), Milestone.cohort_id == cohort.id)
                .group_by(MilestoneProgress.cohort_team_id)
            ).all()
        )
        if ids
        else {}
    )
    reports = _reports_by_team(ids)
    matches = list(
        db.session.scalars(
            select(MentorMatch)
            .where(MentorMatch.cohort_id == cohort.id, MentorMatch.status.in_(SHOWN))
            .options(
                joinedload(MentorMatch.cohort),
                joinedload(MentorMatch.mentor),
                joinedload(MentorMatch.cohort_team).joinedload(CohortTeam.team),
            )
        ).unique()
    )
    matches.sort(
        key=lambda m: (m.cohort_team.team.name_folded, name_sort_key(m.mentor.full_name), m.id)
    )
    found = hours.activities(matches)
    rows = []
    for row in teams:
        own = [m for m in matches if m.cohort_team_id == row.id]
        rows.append(
            TeamRow(
                cohort_team=row,
                done=done.get(row.id, 0),
                total=total or 0,
                reports=reports[row.id],
                stats=hours.total(found[m.id].stats for m in own),
                mentors=[m.mentor for m in own if m.status == MatchStatus.PUBLISHED],
            )
        )
    return Dashboard(
        teams=rows,
        activities=[found[m.id] for m in matches],
        months=cohort_months(cohort)[::-1],
    )


# --- charts ---------------------------------------------------------------------------------


def _drawn(svg: str) -> Markup:
    """The SVG as markup for the page: `charts` escapes every text it writes."""
    return Markup(svg)  # noqa: S704  # nosec B704


def in_millions(report: KpiReport) -> Decimal:
    return report.revenue_vnd / MILLION


def _by_month(months: list[date], reports: list[KpiReport], value: Callable) -> list:
    by_period = {r.period: value(r) for r in reports}
    return [by_period.get(month) for month in months]


def revenue_chart(chart_id: str, months: list[date], teams: list[tuple[str, list]]) -> Markup:
    """Monthly revenue per team, in millions of đồng (so the axis reads 12,5 not 12.500.000)."""
    return _drawn(
        charts.line_chart(
            chart_id=chart_id,
            title=_("Revenue per month"),
            description=_(
                "Revenue of each team, in millions of đồng, month by month; the table below gives "
                "the same figures."
            ),
            x_labels=[charts.month_label(m) for m in months],
            series=[
                charts.Series(name, _by_month(months, reports, in_millions))
                for name, reports in teams
            ],
            y_label=_("Million VND"),
            style=number_style(),
        )
    )


def customers_chart(chart_id: str, months: list[date], teams: list[tuple[str, list]]) -> Markup:
    return _drawn(
        charts.line_chart(
            chart_id=chart_id,
            title=_("Customers"),
            description=_(
                "Customers of each team, month by month; the table below gives the same figures."
            ),
            x_labels=[charts.month_label(m) for m in months],
            series=[
                charts.Series(name, _by_month(months, reports, lambda r: r.customers))
                for name, reports in teams
            ],
            y_label=_("Customers"),
            style=number_style(),
        )
    )


def sessions_chart(chart_id: str, activities: list[hours.Activity]) -> Markup:
    return _drawn(
        charts.bar_chart(
            chart_id=chart_id,
            title=_("Confirmed sessions per pair"),
            description=_(
                "The number of confirmed mentoring sessions of each mentor and team; the table "
                "below gives the same figures."
            ),
            labels=[
                f"{a.match.mentor.full_name} · {a.match.cohort_team.team.name}" for a in activities
            ],
            values=[a.stats.confirmed for a in activities],
            x_label=_("Confirmed sessions"),
            style=number_style(),
        )
    )


def team_series(rows: list[TeamRow]) -> list[tuple[str, list[KpiReport]]]:
    return [(row.cohort_team.team.name, row.reports) for row in rows]


def reports_of(cohort_team: CohortTeam) -> list[KpiReport]:
    return _reports_by_team([cohort_team.id])[cohort_team.id]


def completions(cohort_team: CohortTeam) -> dict[int, MilestoneProgress]:
    """The team's completed milestones, by milestone id."""
    return {
        p.milestone_id: p
        for p in db.session.scalars(
            select(MilestoneProgress).where(MilestoneProgress.cohort_team_id == cohort_team.id)
        )
    }


def teams_of(user: User) -> tuple[list[CohortTeam], list[CohortTeam]]:
    """The accepted cohort teams `user` belongs to, and those they mentor (published or ended
    matches), each by cohort then team name."""
    mine = select(TeamMember.team_id).where(TeamMember.user_id == user.id)
    own = list(
        db.session.scalars(
            select(CohortTeam)
            .join(Team, CohortTeam.team_id == Team.id)
            .where(
                CohortTeam.status == MembershipStatus.ACCEPTED,
                (Team.leader_id == user.id) | Team.id.in_(mine),
            )
            .options(joinedload(CohortTeam.team), joinedload(CohortTeam.cohort))
        ).unique()
    )
    mentored = list(
        db.session.scalars(
            select(CohortTeam)
            .join(MentorMatch, MentorMatch.cohort_team_id == CohortTeam.id)
            .where(MentorMatch.mentor_id == user.id, MentorMatch.status.in_(SHOWN))
            .options(joinedload(CohortTeam.team), joinedload(CohortTeam.cohort))
        ).unique()
    )

    def order(row: CohortTeam) -> tuple:
        return (-row.cohort.year, row.cohort.name_folded, row.team.name_folded)

    return sorted(own, key=order), sorted(mentored, key=order)
