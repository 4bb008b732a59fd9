"""Writes of team progress: a team's monthly KPI report (one per team and month, updated when
it exists) and the milestones it has completed.

The team (its leader or any member) reports; the organizers of the cohort's unit may correct;
a mentor of the team reads only. Every rule holds whoever calls (a form, the seed, a test): a
refusal raises `CohortError` with every reason found, before anything is changed. Functions
change the session, flush and add their audit row; the request commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from accelerator.cohorts.errors import CohortError, refuse_if
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
from app import audit
from app.db import db, utcnow
from app.localtime import local_today
from app.people.models import User
from competitions.models import Stage

MAX_COUNT: Final = 10_000_000  # customers or jobs: more is a typing slip
MAX_VND: Final = 10**15  # a million billion đồng; the column holds sixteen digits
MAX_NOTE_LENGTH: Final = 2000


@dataclass
class KpiData:
    """A month's figures as the team gives them (None where a box was left empty)."""

    period: date | None
    customers: int | None
    revenue_vnd: Decimal | int | None
    funding_vnd: Decimal | int | None
    jobs: int | None
    product_stage: str
    note: str = ""


# --- who may do what ------------------------------------------------------------------------


def is_team_side(cohort_team: CohortTeam, user: User) -> bool:
    team = cohort_team.team
    return user.is_authenticated and (team.is_leader(user) or team.is_member(user))


def mentors_team(cohort_team: CohortTeam, user: User) -> bool:
    """A mentor whose match with the team has been published (and maybe ended since)."""
    if not user.is_authenticated:
        return False
    return (
        db.session.scalar(
            select(MentorMatch.id).where(
                MentorMatch.cohort_team_id == cohort_team.id,
                MentorMatch.mentor_id == user.id,
                MentorMatch.status.in_((MatchStatus.PUBLISHED, MatchStatus.RELEASED)),
            )
        )
        is not None
    )


def can_report(cohort_team: CohortTeam, user: User) -> bool:
    return is_team_side(cohort_team, user) or cohort_team.cohort.can_manage(user)


def can_view(cohort_team: CohortTeam, user: User) -> bool:
    return can_report(cohort_team, user) or mentors_team(cohort_team, user)


def _check_writer(cohort_team: CohortTeam, by: User) -> None:
    if not can_report(cohort_team, by):
        raise CohortError("not_your_team")
    if cohort_team.status != MembershipStatus.ACCEPTED:
        raise CohortError("team_not_in_cohort")


# --- months ---------------------------------------------------------------------------------


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def cohort_months(cohort: Cohort, today: date | None = None) -> list[date]:
    """The months of the cohort that have begun, as their first days, the latest first."""
    last = min(first_of_month(cohort.ends_on), first_of_month(today or local_today()))
    months, month = [], first_of_month(cohort.starts_on)
    while month <= last:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months[::-1]


# --- KPI reports ----------------------------------------------------------------------------


def _kpi_problems(cohort: Cohort, data: KpiData) -> list[str]:
    problems = []
    if data.period is None:
        problems.append("period_required")
    elif data.period not in cohort_months(cohort):
        problems.append("period_outside")
    for name, value, most in (
        ("customers", data.customers, MAX_COUNT),
        ("revenue", data.revenue_vnd, MAX_VND),
        ("funding", data.funding_vnd, MAX_VND),
        ("jobs", data.jobs, MAX_COUNT),
    ):
        if value is None:
            problems.append(f"{name}_required")
        elif value != int(value) or value < 0:
            problems.append(f"{name}_not_whole")
        elif value > most:
            problems.append(f"{name}_too_large")
    if data.product_stage not in set(Stage):
        problems.append("bad_stage")
    if len(data.note) > MAX_NOTE_LENGTH:
        problems.append("note_too_long")
    return problems


def _kpi_fields(report: KpiReport) -> dict:
    return {
        "cohort_team_id": report.cohort_team_id,
        "period": report.period,
        "customers": report.customers,
        "revenue_vnd": int(report.revenue_vnd),
        "funding_vnd": int(report.funding_vnd),
        "jobs": report.jobs,
        "product_stage": report.product_stage,
        "note": report.note,
    }


def report_for(cohort_team: CohortTeam, period: date) -> KpiReport | None:
    return db.session.scalar(
        select(KpiReport).where(
            KpiReport.cohort_team_id == cohort_team.id, KpiReport.period == period
        )
    )


def _inserted(row: object, reason: str) -> None:
    """Add a row in a savepoint: when another request inserted the same one a moment earlier
    the unique key refuses it, this request's other changes stay and the reader is told."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError as error:
        raise CohortError(reason) from error


def report_kpis(cohort_team: CohortTeam, data: KpiData, *, by: User) -> KpiReport:
    """The team's figures for a month of its cohort; a second report of the month replaces
    the first (the audit log keeps what it said)."""
    _check_writer(cohort_team, by)
    data.note = (data.note or "").strip()
    refuse_if(_kpi_problems(cohort_team.cohort, data))
    report = report_for(cohort_team, data.period)  # type: ignore[arg-type]
    old = _kpi_fields(report) if report is not None else None
    if report is None:
        report = KpiReport(cohort_team_id=cohort_team.id, period=data.period)
    report.customers = int(data.customers)  # type: ignore[arg-type]
    report.revenue_vnd = Decimal(int(data.revenue_vnd))  # type: ignore[arg-type]
    report.funding_vnd = Decimal(int(data.funding_vnd))  # type: ignore[arg-type]
    report.jobs = int(data.jobs)  # type: ignore[arg-type]
    report.product_stage = data.product_stage
    report.note = data.note
    report.reported_by_id = by.id
    report.reported_at = utcnow()
    if old is None:
        _inserted(report, "report_saved_meanwhile")
        audit.record("progress.kpi_report", report, new=_kpi_fields(report), actor=by)
    else:
        db.session.flush()
        new = _kpi_fields(report)
        if new != old:
            audit.record("progress.kpi_update", report, old=old, new=new, actor=by)
    return report


# --- milestones -----------------------------------------------------------------------------


def _progress_fields(progress: MilestoneProgress) -> dict:
    return {
        "milestone_id": progress.milestone_id,
        "cohort_team_id": progress.cohort_team_id,
        "completed_on": progress.completed_on,
        "note": progress.note,
    }


def progress_for(cohort_team: CohortTeam, milestone: Milestone) -> MilestoneProgress | None:
    return db.session.scalar(
        select(MilestoneProgress).where(
            MilestoneProgress.cohort_team_id == cohort_team.id,
            MilestoneProgress.milestone_id == milestone.id,
        )
    )


def complete_milestone(
    cohort_team: CohortTeam,
    milestone: Milestone,
    completed_on: date | None,
    note: str = "",
    *,
    by: User,
) -> MilestoneProgress:
    """Mark a milestone of the team's cohort completed on a day (changed if marked already)."""
    _check_writer(cohort_team, by)
    if milestone.cohort_id != cohort_team.cohort_id:
        raise CohortError("not_cohort_milestone")
    note = (note or "").strip()
    problems = []
    if completed_on is None:
        problems.append("completed_required")
    elif completed_on > local_today():
        problems.append("completed_in_future")
    elif completed_on < cohort_team.cohort.starts_on:
        problems.append("completed_before_cohort")
    if len(note) > MAX_NOTE_LENGTH:
        problems.append("note_too_long")
    refuse_if(problems)
    progress = progress_for(cohort_team, milestone)
    if progress is None:
        progress = MilestoneProgress(
            milestone_id=milestone.id,
            cohort_team_id=cohort_team.id,
            completed_on=completed_on,
            note=note,
            recorded_by_id=by.id,
        )
        _inserted(progress, "milestone_saved_meanwhile")
        audit.record(
            "progress.milestone_complete", progress, new=_progress_fields(progress), actor=by
        )
        return progress
    old = _progress_fields(progress)
    progress.completed_on, progress.note = completed_on, note  # type: ignore[assignment]
    progress.recorded_by_id, progress.recorded_at = by.id, utcnow()
    db.session.flush()
    if _progress_fields(progress) != old:
        audit.record(
            "progress.milestone_complete",
            progress,
            old=old,
            new=_progress_fields(progress),
            actor=by,
        )
    return progress


def uncomplete_milestone(cohort_team: CohortTeam, milestone: Milestone, *, by: User) -> None:
    """Take a completion back (marked by mistake); nothing to do when it is not marked."""
    _check_writer(cohort_team, by)
    if milestone.cohort_id != cohort_team.cohort_id:
        raise CohortError("not_cohort_milestone")
    progress = progress_for(cohort_team, milestone)
    if progress is None:
        return
    audit.record(
        "progress.milestone_uncomplete", progress, old=_progress_fields(progress), actor=by
    )
    db.session.delete(progress)
    db.session.flush()
