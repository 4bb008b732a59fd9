"""The world the report tests start from: the mentoring-sessions world (sessions_world: the
leader's team with "mentor", other_team's with "other_mentor") with sessions around last
month, the default period, two milestones, KPI reports and explained pairs.

Last month's sessions: "mentor" has two confirmed (90 and 45 minutes, the second on the last
day), one pending (60) and one disputed (30), and a confirmed one the day before the period
(120, outside it); "other_mentor" has one confirmed on the first day (60)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from accelerator.models import (
    CohortTeam,
    KpiReport,
    MatchStatus,
    MentoringSession,
    MentorMatch,
    Milestone,
    MilestoneProgress,
    SessionStatus,
)
from accelerator.reports.services import last_month
from app.db import db
from app.people.models import Role, User
from tests.accelerator import cohorts_world as cw
from tests.accelerator import matches_world as mw
from tests.accelerator import sessions_world as sw
from tests.factories import Factory

ANSWERED_AT = datetime(2026, 1, 2, 3, 30, tzinfo=UTC)  # 10:30 in Việt Nam


@dataclass
class ReportSetting:
    sw: sw.Setting
    starts_on: date
    ends_on: date
    outside: MentoringSession  # confirmed, the day before the period

    @property
    def cohort(self):  # noqa: ANN201
        return self.sw.cohort

    @property
    def accounts(self) -> dict[str, User]:
        return self.sw.accounts


def session_on(
    match: MentorMatch,
    held_on: date,
    minutes: int,
    status: str = SessionStatus.CONFIRMED,
    *,
    author: User | None = None,
    topics: str = "Định giá sản phẩm",
) -> MentoringSession:
    """A session written directly, answered (when not pending) by the other side."""
    row = MentoringSession(
        match=match,
        held_on=held_on,
        duration_minutes=minutes,
        format="in_person",
        topics=topics,
        logged_by="mentor",
        author_id=(author or match.mentor).id,
        status=status,
        answered_at=None if status == SessionStatus.PENDING else ANSWERED_AT,
    )
    db.session.add(row)
    db.session.flush()
    return row


def build(factory: Factory) -> ReportSetting:
    s = sw.build(factory)
    starts_on, ends_on = last_month()
    mentor = s.match
    session_on(mentor, starts_on + timedelta(days=2), 90)
    session_on(mentor, ends_on, 45)
    session_on(mentor, starts_on + timedelta(days=5), 60, SessionStatus.PENDING)
    session_on(mentor, starts_on + timedelta(days=6), 30, SessionStatus.DISPUTED)
    outside = session_on(mentor, starts_on - timedelta(days=1), 120)
    session_on(s.other_match, starts_on, 60)
    return ReportSetting(sw=s, starts_on=starts_on, ends_on=ends_on, outside=outside)


def explain(match: MentorMatch, fit: str = "7.50") -> None:
    """The leader's pair explained as the optimiser leaves it: covers finance, same sector
    (agriculture), preferred by the team."""
    match.fit = Decimal(fit)
    match.reasons = [
        {"kind": "need", "tag_id": mw.tag("finance").id},
        {"kind": "sector", "sector_id": mw.sector().id},
        {"kind": "preferred"},
    ]
    db.session.flush()


def milestone(cohort, title: str, due_on: date, kind: str = "training") -> Milestone:  # noqa: ANN001
    row = Milestone(cohort=cohort, title=title, due_on=due_on, kind=kind)
    db.session.add(row)
    db.session.flush()
    return row


def done(row: Milestone, team_row: CohortTeam, completed_on: date, note: str = "") -> None:
    db.session.add(
        MilestoneProgress(
            milestone_id=row.id, cohort_team_id=team_row.id, completed_on=completed_on, note=note
        )
    )
    db.session.flush()


def kpi(team_row: CohortTeam, period: date, **figures) -> KpiReport:  # noqa: ANN003
    row = KpiReport(cohort_team_id=team_row.id, period=period, **figures)
    db.session.add(row)
    db.session.flush()
    return row


def populated_cohort(factory: Factory, s: cw.Setting, name: str, teams: int, mentors: int):  # noqa: ANN201
    """Another cohort of the same unit with `teams` × `mentors` published pairs, each with a
    confirmed and a pending session last month, a KPI report and a done milestone per team."""
    cohort = cw.cohort(s.world.owner, capacity=6, name=name)
    starts_on, _ends_on = last_month()
    people = [factory.user(f"Chuyên Gia {name} {n}", roles=(Role.MENTOR,)) for n in range(mentors)]
    step = milestone(cohort, "Tập huấn", starts_on)
    for n in range(teams):
        row = mw.accept(s, n, cohort=cohort)
        kpi(row, starts_on, customers=n, revenue_vnd=Decimal(1_000_000 * n))
        done(step, row, starts_on)
        for person in people:
            match = MentorMatch(
                cohort=cohort,
                cohort_team=row,
                mentor=person,
                status=MatchStatus.PUBLISHED,
                published_at=datetime.now(UTC),
            )
            db.session.add(match)
            db.session.flush()
            explain(match)
            session_on(match, starts_on, 60)
            session_on(match, starts_on + timedelta(days=1), 30, SessionStatus.PENDING)
    return cohort
