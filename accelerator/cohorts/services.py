"""Writes to a cohort and its milestones, and the counts its overview shows.

Every function checks the rules that hold whoever calls it (a form, the seed, a test),
changes the session, flushes and adds its audit row; the request commits. A refusal raises
`CohortError` with every reason found, before anything is changed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Final

from sqlalchemy import false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from accelerator.cohorts.errors import CohortError, refuse_if
from accelerator.models import (
    HOLDS_A_PLACE,
    Cohort,
    CohortTeam,
    MembershipStatus,
    Milestone,
    MilestoneKind,
    MilestoneProgress,
)
from app import audit
from app.db import db
from app.people.models import User
from app.units.models import Unit
from app.vietnamese import fold

MIN_YEAR: Final = 2000
MAX_YEAR: Final = 2100
MAX_CAPACITY: Final = 500
MENTORS_PER_TEAM: Final = (1, 5)
INACTIVE_WEEKS: Final = (1, 26)


@dataclass
class CohortData:
    """What an organizer sets on a cohort."""

    owner_unit: Unit | None
    year: int | None
    name: str
    capacity: int | None
    starts_on: date | None
    ends_on: date | None
    description: str = ""
    mentors_per_team: int | None = 2
    inactive_weeks: int | None = 3


def _between(value: int | None, low: int, high: int) -> bool:
    return value is not None and low <= value <= high


def places_held(cohort: Cohort) -> int:
    """Teams selected, invited or accepted: what counts against the capacity."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(CohortTeam)
            .where(CohortTeam.cohort_id == cohort.id, CohortTeam.status.in_(HOLDS_A_PLACE))
        )
        or 0
    )


def status_counts(cohort: Cohort) -> dict[str, int]:
    """Teams of the cohort per status (every status present, zeros included), in one query."""
    counts = dict.fromkeys(MembershipStatus, 0)
    for status, count in db.session.execute(
        select(CohortTeam.status, func.count())
        .where(CohortTeam.cohort_id == cohort.id)
        .group_by(CohortTeam.status)
    ):
        counts[MembershipStatus(status)] = count
    return counts


def _cohort_problems(cohort: Cohort | None, data: CohortData, *, actor: User) -> list[str]:
    problems = []
    if not data.name.strip():
        problems.append("name_required")
    if not _between(data.year, MIN_YEAR, MAX_YEAR):
        problems.append("bad_year")
    if not _between(data.capacity, 1, MAX_CAPACITY):
        problems.append("bad_capacity")
    if data.starts_on is None:
        problems.append("starts_required")
    if data.ends_on is None:
        problems.append("ends_required")
    elif data.starts_on is not None and data.ends_on < data.starts_on:
        problems.append("dates_order")
    if not _between(data.mentors_per_team, *MENTORS_PER_TEAM):
        problems.append("bad_mentors_per_team")
    if not _between(data.inactive_weeks, *INACTIVE_WEEKS):
        problems.append("bad_inactive_weeks")
    unit = data.owner_unit
    if unit is None or not actor.organizes(unit):
        problems.append("unit_not_allowed")
    elif not unit.is_current() and (cohort is None or unit.id != cohort.owner_unit_id):
        problems.append("unit_not_current")
    if not problems:
        taken = select(Cohort.id).where(
            Cohort.owner_unit_id == unit.id,
            Cohort.year == data.year,
            Cohort.name_folded == fold(data.name),
        )
        if cohort is not None:
            taken = taken.where(Cohort.id != cohort.id)
        if db.session.scalar(taken.limit(1)) is not None:
            problems.append("name_taken")
    if cohort is None:
        return problems
    if "bad_capacity" not in problems and data.capacity < places_held(cohort):
        problems.append("capacity_below_places")
    if not problems and any(
        not data.starts_on <= m.due_on <= data.ends_on for m in cohort.milestones
    ):
        problems.append("milestones_outside")
    return problems


def _cohort_fields(cohort: Cohort) -> dict:
    return {
        "owner_unit_id": cohort.owner_unit_id,
        "year": cohort.year,
        "name": cohort.name,
        "capacity": cohort.capacity,
        "starts_on": cohort.starts_on,
        "ends_on": cohort.ends_on,
        "description": cohort.description,
        "mentors_per_team": cohort.mentors_per_team,
        "inactive_weeks": cohort.inactive_weeks,
    }


def _apply(cohort: Cohort, data: CohortData) -> None:
    cohort.owner_unit = data.owner_unit  # type: ignore[assignment]
    cohort.year = data.year  # type: ignore[assignment]
    cohort.name = data.name
    cohort.capacity = data.capacity  # type: ignore[assignment]
    cohort.starts_on = data.starts_on  # type: ignore[assignment]
    cohort.ends_on = data.ends_on  # type: ignore[assignment]
    cohort.description = (data.description or "").strip()
    cohort.mentors_per_team = data.mentors_per_team  # type: ignore[assignment]
    cohort.inactive_weeks = data.inactive_weeks  # type: ignore[assignment]


def create_cohort(data: CohortData, *, actor: User) -> Cohort:
    refuse_if(_cohort_problems(None, data, actor=actor))
    cohort = Cohort(created_by_id=actor.id)
    _apply(cohort, data)
    try:
        # A double-clicked "create": the second insert meets the unique key.
        with db.session.begin_nested():
            db.session.add(cohort)
            db.session.flush()
    except IntegrityError as error:
        raise CohortError("name_taken") from error
    audit.record("cohort.create", cohort, new=_cohort_fields(cohort), actor=actor)
    return cohort


def update_cohort(cohort: Cohort, data: CohortData, *, actor: User) -> None:
    lock_cohort(cohort)
    refuse_if(_cohort_problems(cohort, data, actor=actor))
    old = _cohort_fields(cohort)
    _apply(cohort, data)
    db.session.flush()
    new = _cohort_fields(cohort)
    if new != old:
        audit.record("cohort.update", cohort, old=old, new=new, actor=actor)


def lock_cohort(cohort: Cohort) -> None:
    """Serialise changes to one cohort's places: on PostgreSQL two selections posted at once
    wait for each other instead of both passing the capacity check. SQLite write transactions
    are serialised already (BEGIN IMMEDIATE)."""
    db.session.execute(select(Cohort.id).where(Cohort.id == cohort.id).with_for_update())


def managed_cohorts(user: User) -> list[Cohort]:
    """The cohorts of the units a user organises (and of the units below them), newest year
    first; every cohort for an administrator."""
    query = select(Cohort).options(joinedload(Cohort.owner_unit))
    if not user.is_admin:
        paths = [unit.path for unit in user.organizer_units() if unit.path]
        within = [Unit.path.startswith(path, autoescape=True) for path in paths]
        query = query.join(Unit, Cohort.owner_unit_id == Unit.id).where(
            or_(*within) if within else false()
        )
    return list(
        db.session.scalars(query.order_by(Cohort.year.desc(), Cohort.name_folded, Cohort.id))
    )


def places_by_cohort(cohorts: list[Cohort]) -> dict[int, int]:
    """Places held per cohort, in one query."""
    if not cohorts:
        return {}
    return dict(
        db.session.execute(
            select(CohortTeam.cohort_id, func.count())
            .where(
                CohortTeam.cohort_id.in_([c.id for c in cohorts]),
                CohortTeam.status.in_(HOLDS_A_PLACE),
            )
            .group_by(CohortTeam.cohort_id)
        ).all()
    )


# --- milestones -----------------------------------------------------------------------------


@dataclass
class MilestoneData:
    kind: str
    title: str
    due_on: date | None
    description: str = ""


def _milestone_problems(cohort: Cohort, data: MilestoneData) -> list[str]:
    problems = []
    if data.kind not in set(MilestoneKind):
        problems.append("bad_kind")
    if not data.title.strip():
        problems.append("title_required")
    if data.due_on is None:
        problems.append("due_required")
    elif not cohort.starts_on <= data.due_on <= cohort.ends_on:
        problems.append("milestone_outside")
    return problems


def _milestone_fields(milestone: Milestone) -> dict:
    return {
        "cohort_id": milestone.cohort_id,
        "kind": milestone.kind,
        "title": milestone.title,
        "due_on": milestone.due_on,
        "description": milestone.description,
    }


def _tidy(data: MilestoneData) -> MilestoneData:
    return MilestoneData(
        kind=data.kind,
        title=" ".join(data.title.split()),
        due_on=data.due_on,
        description=(data.description or "").strip(),
    )


def add_milestone(cohort: Cohort, data: MilestoneData, *, actor: User) -> Milestone:
    data = _tidy(data)
    refuse_if(_milestone_problems(cohort, data))
    milestone = Milestone(cohort=cohort, **asdict(data))
    db.session.add(milestone)
    db.session.flush()
    audit.record(
        "cohort.milestone_create", milestone, new=_milestone_fields(milestone), actor=actor
    )
    return milestone


def update_milestone(milestone: Milestone, data: MilestoneData, *, actor: User) -> None:
    data = _tidy(data)
    refuse_if(_milestone_problems(milestone.cohort, data))
    old = _milestone_fields(milestone)
    for name, value in asdict(data).items():
        setattr(milestone, name, value)
    db.session.flush()
    new = _milestone_fields(milestone)
    if new != old:
        audit.record("cohort.milestone_update", milestone, old=old, new=new, actor=actor)


def delete_milestone(milestone: Milestone, *, actor: User) -> None:
    """Only a milestone no team has completed yet: progress records keep their milestone."""
    completed = db.session.scalar(
        select(MilestoneProgress.id).where(MilestoneProgress.milestone_id == milestone.id).limit(1)
    )
    if completed is not None:
        raise CohortError("milestone_has_progress")
    audit.record(
        "cohort.milestone_delete", milestone, old=_milestone_fields(milestone), actor=actor
    )
    milestone.cohort.milestones.remove(milestone)
    db.session.flush()
