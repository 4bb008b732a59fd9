"""Trainings for a cohort: the programme's trainings (events of kind training) an organizer
of the cohort may register it for, registering the whole roster at once, and what the
cohort's people did at the trainings they were registered for.

The roster is every member of every team that accepted its place. Each person is registered
by `competitions.events.registrations.register`, on their behalf, so the capacity, the
duplicate rule and the confirmation mail are the event's own. All or nothing: when the
seats left cannot take everyone not registered yet, nobody is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from accelerator.cohorts.errors import CohortError
from accelerator.models import Cohort, CohortTeam, MembershipStatus
from app import audit
from app.db import db, utcnow
from app.people.models import User
from competitions.events.models import Event, EventKind, EventRegistration, EventStatus
from competitions.events.registrations import register, seats_left
from competitions.events.services import lock_event
from competitions.models import TeamMember


class NotEnoughSeats(CohortError):
    """The training has fewer seats left than the cohort has people to register."""

    def __init__(self, needed: int, left: int) -> None:
        super().__init__("not_enough_seats")
        self.needed = needed
        self.left = left


@dataclass
class CohortRegistration:
    registered: int  # people registered now
    skipped: int  # people of the roster who were registered already


@dataclass
class TrainingCounts:
    event: Event
    registered: int  # people of the roster registered for the training
    attended: int  # of them, those marked present


def _roster_user_ids():  # noqa: ANN202
    """A select of the user ids of the members of the cohort's accepted teams."""
    return (
        select(TeamMember.user_id)
        .join(CohortTeam, CohortTeam.team_id == TeamMember.team_id)
        .where(CohortTeam.status == MembershipStatus.ACCEPTED)
    )


def roster_people(cohort: Cohort) -> list[User]:
    """Every member of every accepted team, once each (someone in two teams counts once)."""
    ids = _roster_user_ids().where(CohortTeam.cohort_id == cohort.id)
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)))


def open_trainings(user: User, now: datetime | None = None) -> list[Event]:
    """Published trainings that are not over, of the units `user` organises (and the units
    below them): those a cohort can be registered for. Drafts take no registration yet."""
    now = now or utcnow()
    found = db.session.scalars(
        select(Event)
        .where(
            Event.kind == EventKind.TRAINING,
            Event.status == EventStatus.PUBLISHED,
            Event.ends_at > now,
        )
        .options(joinedload(Event.organizer_unit))
        .order_by(Event.starts_at, Event.id)
    )
    return [event for event in found if event.can_manage(user)]


def registration_counts(events: list[Event]) -> dict[int, int]:
    """How many people are registered for each of `events`, in one query."""
    if not events:
        return {}
    counts = dict.fromkeys((event.id for event in events), 0)
    rows = db.session.execute(
        select(EventRegistration.event_id, func.count())
        .where(EventRegistration.event_id.in_(counts))
        .group_by(EventRegistration.event_id)
    )
    counts.update({event_id: count for event_id, count in rows})
    return counts


def _training_problem(event: Event, actor: User, now: datetime) -> str | None:
    if event.kind != EventKind.TRAINING:
        return "not_a_training"
    if not event.can_manage(actor):
        return "training_not_yours"
    if event.status == EventStatus.CANCELLED:
        return "training_cancelled"
    if event.status != EventStatus.PUBLISHED:
        return "training_not_open"
    if event.ends_at <= now:
        return "training_over"
    return None


def register_cohort(
    cohort: Cohort, event: Event, *, actor: User, now: datetime | None = None
) -> CohortRegistration:
    """Register every person of the cohort's roster not registered yet for the training,
    on their behalf. Refused as a whole (nothing changed) when the training is not one the
    actor organises and may still take registrations, or has too few seats left."""
    now = now or utcnow()
    if not cohort.can_manage(actor):
        raise CohortError("cohort_not_yours")
    lock_event(event)
    problem = _training_problem(event, actor, now)
    if problem:
        raise CohortError(problem)
    people = roster_people(cohort)
    if not people:
        raise CohortError("no_roster")
    already = set(
        db.session.scalars(
            select(EventRegistration.user_id).where(EventRegistration.event_id == event.id)
        )
    )
    to_register = [person for person in people if person.id not in already]
    left = seats_left(event)
    if left is not None and left < len(to_register):
        raise NotEnoughSeats(needed=len(to_register), left=left)
    # Every rule `register` checks was checked above, under the same lock.
    for person in to_register:
        register(event, person, by=actor, now=now)
    if to_register:
        audit.record(
            "cohort.training_register",
            cohort,
            new={"event_id": event.id, "user_ids": [person.id for person in to_register]},
            actor=actor,
        )
    return CohortRegistration(registered=len(to_register), skipped=len(people) - len(to_register))


def cohort_trainings(cohort: Cohort) -> list[TrainingCounts]:
    """The trainings people of the roster are registered for, with how many are and how
    many came, the latest first, in two queries."""
    ids = _roster_user_ids().where(CohortTeam.cohort_id == cohort.id)
    rows = db.session.execute(
        select(
            EventRegistration.event_id,
            func.count(EventRegistration.id),
            func.count(case((EventRegistration.attended_at.is_not(None), 1))),
        )
        .join(Event, EventRegistration.event_id == Event.id)
        .where(Event.kind == EventKind.TRAINING, EventRegistration.user_id.in_(ids))
        .group_by(EventRegistration.event_id)
    ).all()
    if not rows:
        return []
    events = {
        event.id: event
        for event in db.session.scalars(select(Event).where(Event.id.in_([row[0] for row in rows])))
    }
    found = [
        TrainingCounts(events[event_id], registered, attended)
        for event_id, registered, attended in rows
    ]
    return sorted(found, key=lambda t: (t.event.starts_at, t.event.id), reverse=True)
