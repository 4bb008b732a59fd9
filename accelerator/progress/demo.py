"""Demonstration KPIs and milestone progress for the demo cohort (after accelerator.demo).

Every accepted team of this year's cohorts reports a few months of figures that grow the way a
young company's do (unevenly, from little), and marks the milestones already due as completed,
most of them on time. Written through the services the pages use, by each team's leader, so the
demo holds exactly what a team could have typed. Without a cohort (a seed cut down for a quick
test) there is nothing to do."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from accelerator.models import Cohort, CohortTeam, MembershipStatus
from accelerator.progress import services
from app.db import db
from app.demo.seed import DemoContext, register_demo_step
from app.localtime import local_today
from competitions.models import Stage

MONTHS_REPORTED = 5
ON_TIME = 0.85  # the share of due milestones a team has completed
NOTES = (
    "Ký thêm hợp đồng với hai đại lý trong tỉnh.",
    "Thử nghiệm bao bì mới, khách phản hồi tốt.",
    "Tập trung hoàn thiện sản phẩm trước ngày trình diễn.",
    "",
    "",
)


def _round(amount: float, step: int = 100_000) -> int:
    return max(0, int(amount // step) * step)


def report_months(rng: random.Random, cohort_team: CohortTeam, months: list[date]) -> None:
    leader = cohort_team.team.leader
    customers = rng.randint(0, 15)
    revenue = rng.choice((0, 0, rng.randint(2, 15) * 1_000_000))
    funding = rng.choice((0, 0, 20_000_000, 50_000_000))
    jobs = rng.randint(0, 2)
    stage = rng.choice((Stage.IDEA, Stage.PROTOTYPE, Stage.PROTOTYPE, Stage.EARLY_REVENUE))
    stages = list(Stage)
    for month in months:
        services.report_kpis(
            cohort_team,
            services.KpiData(
                period=month,
                customers=customers,
                revenue_vnd=Decimal(_round(revenue)),
                funding_vnd=Decimal(funding),
                jobs=jobs,
                product_stage=stage,
                note=rng.choice(NOTES),
            ),
            by=leader,
        )
        growth = rng.uniform(1.05, 1.6)
        customers = int(customers * growth) + rng.randint(1, 8)
        revenue = revenue * growth + (rng.randint(1, 6) * 1_000_000 if stage != Stage.IDEA else 0)
        if rng.random() < 0.2:
            funding += rng.choice((30_000_000, 100_000_000, 250_000_000))
        jobs += rng.choice((0, 0, 1))
        if stage != Stage.EARLY_REVENUE and rng.random() < 0.3:
            stage = stages[stages.index(stage) + 1]


def _complete_milestones(rng: random.Random, cohort_team: CohortTeam, today: date) -> None:
    cohort = cohort_team.cohort
    for milestone in cohort.milestones:
        if milestone.due_on > today or rng.random() > ON_TIME:
            continue
        done_on = min(today, milestone.due_on + timedelta(days=rng.randint(0, 3)))
        services.complete_milestone(
            cohort_team,
            milestone,
            max(done_on, cohort.starts_on),
            rng.choice(("", "Cả nhóm tham gia đầy đủ.", "Đã nộp bài thu hoạch.")),
            by=cohort_team.team.leader,
        )


@register_demo_step
def seed_progress(ctx: DemoContext) -> None:
    today = local_today()
    cohorts = db.session.scalars(select(Cohort).where(Cohort.year == today.year)).all()
    for cohort in cohorts:
        months = services.cohort_months(cohort, today)[:MONTHS_REPORTED][::-1]
        teams = db.session.scalars(
            select(CohortTeam)
            .where(
                CohortTeam.cohort_id == cohort.id, CohortTeam.status == MembershipStatus.ACCEPTED
            )
            .options(joinedload(CohortTeam.team))
            .order_by(CohortTeam.id)
        ).all()
        for cohort_team in teams:
            report_months(ctx.rng, cohort_team, months)
            _complete_milestones(ctx.rng, cohort_team, today)
