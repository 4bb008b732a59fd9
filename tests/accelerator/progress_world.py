"""The world the progress tests start from: the sessions world (tests/accelerator/
sessions_world.py: two accepted teams, "mentor" matched with the leader's team, which has a
second member, "other_mentor" with other_team's) plus three milestones of the cohort, one
still to come, and helpers to add reports and completions directly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from accelerator.models import CohortTeam, KpiReport, Milestone, MilestoneKind, MilestoneProgress
from accelerator.progress.services import cohort_months
from app.db import db
from app.localtime import local_today
from tests.accelerator import sessions_world as sw
from tests.factories import Factory


@dataclass
class Setting:
    sessions: sw.Setting
    milestones: list[Milestone]  # two past, the last one to come

    @property
    def accounts(self):  # noqa: ANN201
        return self.sessions.accounts

    @property
    def cohort(self):  # noqa: ANN201
        return self.sessions.cohort

    @property
    def ours(self) -> CohortTeam:
        """The leader's team (mentored by "mentor")."""
        return self.sessions.match.cohort_team

    @property
    def theirs(self) -> CohortTeam:
        return self.sessions.other_match.cohort_team


def build(factory: Factory) -> Setting:
    sessions = sw.build(factory)
    today = local_today()
    milestones = [
        Milestone(
            cohort=sessions.cohort, kind=MilestoneKind.TRAINING, title="Tập huấn gọi vốn",
            due_on=today - timedelta(days=60),
        ),
        Milestone(
            cohort=sessions.cohort, kind=MilestoneKind.CHECK_IN, title="Kiểm tra giữa kỳ",
            due_on=today - timedelta(days=20),
        ),
        Milestone(
            cohort=sessions.cohort, kind=MilestoneKind.DEMO_DAY, title="Ngày trình diễn",
            due_on=today + timedelta(days=20),
        ),
    ]  # fmt: skip
    db.session.add_all(milestones)
    db.session.flush()
    return Setting(sessions=sessions, milestones=milestones)


def months(setting: Setting) -> list[date]:
    """The cohort's months that have begun, oldest first."""
    return cohort_months(setting.cohort)[::-1]


def reported(
    cohort_team: CohortTeam,
    period: date,
    *,
    customers: int = 10,
    revenue: int = 5_000_000,
    funding: int = 0,
    jobs: int = 1,
    stage: str = "prototype",
) -> KpiReport:
    report = KpiReport(
        cohort_team_id=cohort_team.id,
        period=period,
        customers=customers,
        revenue_vnd=Decimal(revenue),
        funding_vnd=Decimal(funding),
        jobs=jobs,
        product_stage=stage,
    )
    db.session.add(report)
    db.session.flush()
    return report


def completed(cohort_team: CohortTeam, milestone: Milestone, days_ago: int = 1) -> None:
    db.session.add(
        MilestoneProgress(
            milestone_id=milestone.id,
            cohort_team_id=cohort_team.id,
            completed_on=local_today() - timedelta(days=days_ago),
        )
    )
    db.session.flush()


def month_value(day: date) -> str:
    return day.isoformat()
