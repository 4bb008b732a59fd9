"""The progress demo step: this year's cohort teams get a few months of growing KPIs and the
milestones already due, written through the services by each team's leader; without a cohort
of this year it does nothing."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from accelerator.models import KpiReport, MembershipStatus, MilestoneProgress
from accelerator.progress.demo import MONTHS_REPORTED, seed_progress
from accelerator.progress.services import cohort_months
from app.audit import AuditEvent
from app.db import utcnow
from app.demo.seed import DemoContext
from app.localtime import local_today
from tests.accelerator import progress_world as pw
from tests.accelerator import sessions_world as sw
from tests.accelerator.cohorts_world import snapshot


def context() -> DemoContext:
    return DemoContext(
        rng=random.Random(2026),  # noqa: S311 — demo data
        now=utcnow(),
        units={},
        participants=[],
        experts=[],
        accounts={},
        genders={},
    )


@pytest.fixture()
def s(db, factory) -> pw.Setting:  # noqa: ARG001
    setting = pw.build(factory)
    setting.cohort.year = local_today().year
    return setting


@pytest.fixture()
def left(db, s):  # noqa: ANN201, ARG001
    """A team that left the cohort: it gets nothing."""
    row = sw.in_cohort(s.sessions.base, 3)
    row.status = MembershipStatus.WITHDRAWN
    db.session.flush()
    return row


def test_each_accepted_team_reports_growing_figures_and_due_milestones(db, s, left):
    seed_progress(context())
    months = cohort_months(s.cohort)[:MONTHS_REPORTED][::-1]
    for team in (s.ours, s.theirs):
        rows = list(
            db.session.scalars(
                select(KpiReport)
                .where(KpiReport.cohort_team_id == team.id)
                .order_by(KpiReport.period)
            )
        )
        assert [r.period for r in rows] == months
        for earlier, later in zip(rows, rows[1:], strict=False):
            assert later.customers > earlier.customers
            assert later.revenue_vnd >= earlier.revenue_vnd
            assert later.funding_vnd >= earlier.funding_vnd and later.jobs >= earlier.jobs
        assert all(r.reported_by_id == team.team.leader_id for r in rows)
        done = list(
            db.session.scalars(
                select(MilestoneProgress).where(MilestoneProgress.cohort_team_id == team.id)
            )
        )
        due = {m.id for m in s.milestones if m.due_on <= local_today()}
        assert {p.milestone_id for p in done} <= due
        assert all(s.cohort.starts_on <= p.completed_on <= local_today() for p in done)
    assert (
        db.session.scalars(select(KpiReport).where(KpiReport.cohort_team_id == left.id)).all() == []
    )
    completed = db.session.scalars(select(MilestoneProgress)).all()
    assert completed  # most due milestones are done
    # Written through the services: each row has its audit entry, by the team's leader.
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "progress.kpi_report")
    ).all()
    assert len(events) == 2 * len(months)
    assert {e.actor_id for e in events} == {s.ours.team.leader_id, s.theirs.team.leader_id}


def test_without_a_cohort_of_this_year_nothing_is_added(db, s):
    s.cohort.year = local_today().year - 1
    db.session.flush()
    before = snapshot()
    seed_progress(context())
    assert snapshot() == before
