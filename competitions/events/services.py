"""Writes to an event: create, edit, publish, cancel, and the round a festival hosts.

Every function checks the rules that hold whoever calls it (a form, the seed, a test),
changes the session, flushes and adds its audit row; the request commits. A refusal raises
`EventError` with every reason found, before anything is changed. Registrations and
attendance are in `registrations`; the mail telling the registered that an event is
cancelled is queued here, in the cancellation's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from flask_babel import lazy_gettext as _l
from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import joinedload

from app import audit
from app.db import db, utcnow
from app.links import external_url
from app.localtime import to_local
from app.mail.outbox import queue_mails, render_mail
from app.people.models import User
from app.units.models import Unit
from competitions.events.errors import EventError, refuse_if
from competitions.events.models import (
    Event,
    EventKind,
    EventLevel,
    EventRegistration,
    EventStatus,
)
from competitions.models import Competition, CompetitionStatus, Round, Sector

MIN_YEAR: Final = 2000
MAX_YEAR: Final = 2100
MAX_CAPACITY: Final = 100_000
TITLE_LENGTH: Final = 200
PLACE_LENGTH: Final = 300

# Specialised forums and workshops are about one sector (diễn đàn chuyên sâu từng lĩnh vực).
KINDS_WITH_SECTOR: Final = (EventKind.FORUM, EventKind.WORKSHOP)


@dataclass
class EventData:
    """What an organizer sets on an event; times are aware UTC datetimes."""

    kind: str
    title: str
    starts_at: datetime | None
    ends_at: datetime | None
    place: str
    organizer_unit: Unit | None
    level: str | None = None
    sector: Sector | None = None
    description: str = ""
    capacity: int | None = None


def _tidy(data: EventData) -> EventData:
    """Spaces tidied; a level only for festivals and a sector only for forums and workshops
    (what the other kinds were given means nothing for them)."""
    return EventData(
        kind=data.kind,
        title=" ".join((data.title or "").split()),
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        place=" ".join((data.place or "").split()),
        organizer_unit=data.organizer_unit,
        level=(data.level or None) if data.kind == EventKind.FESTIVAL else None,
        sector=data.sector if data.kind in KINDS_WITH_SECTOR else None,
        description=(data.description or "").strip(),
        capacity=data.capacity,
    )


def registration_count(event: Event) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(EventRegistration)
            .where(EventRegistration.event_id == event.id)
        )
        or 0
    )


def _event_problems(event: Event | None, data: EventData, *, actor: User) -> list[str]:
    problems = []
    if data.kind not in set(EventKind):
        problems.append("bad_kind")
    if data.kind == EventKind.FESTIVAL and data.level not in set(EventLevel):
        problems.append("level_required")
    if data.kind in KINDS_WITH_SECTOR and data.sector is None:
        problems.append("sector_required")
    if not data.title:
        problems.append("title_required")
    elif len(data.title) > TITLE_LENGTH:
        problems.append("title_too_long")
    if not data.place:
        problems.append("place_required")
    elif len(data.place) > PLACE_LENGTH:
        problems.append("place_too_long")
    if data.starts_at is None:
        problems.append("starts_required")
    elif not MIN_YEAR <= to_local(data.starts_at).year <= MAX_YEAR:
        problems.append("bad_year")
    if data.ends_at is None:
        problems.append("ends_required")
    elif data.starts_at is not None and data.ends_at <= data.starts_at:
        problems.append("schedule_order")
    if data.capacity is not None and not 1 <= data.capacity <= MAX_CAPACITY:
        problems.append("bad_capacity")
    unit = data.organizer_unit
    if unit is None or not actor.organizes(unit):
        problems.append("unit_not_allowed")
    elif not unit.is_current() and (event is None or unit.id != event.organizer_unit_id):
        problems.append("unit_not_current")
    if (
        event is not None
        and data.capacity is not None
        and "bad_capacity" not in problems
        and data.capacity < registration_count(event)
    ):
        problems.append("capacity_below_registrations")
    return problems


def _fields(event: Event) -> dict:
    return {
        "kind": event.kind,
        "level": event.level,
        "title": event.title,
        "sector_id": event.sector_id,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "year": event.year,
        "place": event.place,
        "organizer_unit_id": event.organizer_unit_id,
        "description": event.description,
        "capacity": event.capacity,
        "status": event.status,
    }


def _apply(event: Event, data: EventData) -> None:
    """Called once `_problems` found none: both times are set."""
    event.kind = data.kind
    # The column needs a level; for any kind but a festival it is not shown.
    event.level = data.level or EventLevel.PROVINCE
    event.title = data.title
    event.sector = data.sector
    event.starts_at = data.starts_at
    event.ends_at = data.ends_at
    event.year = to_local(event.starts_at).year
    event.place = data.place
    event.organizer_unit = data.organizer_unit  # type: ignore[assignment]
    event.description = data.description
    event.capacity = data.capacity


def lock_event(event: Event) -> None:
    """Serialise changes to one event's seats and state: on PostgreSQL two registrations
    for the last seat wait for each other instead of both passing the capacity check (SQLite
    write transactions are serialised already). The row is read again under the lock."""
    db.session.execute(
        select(Event)
        .where(Event.id == event.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def create_event(data: EventData, *, actor: User) -> Event:
    """A draft: only its organizers see it until it is published."""
    data = _tidy(data)
    refuse_if(_event_problems(None, data, actor=actor))
    event = Event(status=EventStatus.DRAFT, created_by_id=actor.id)
    _apply(event, data)
    db.session.add(event)
    db.session.flush()
    audit.record("event.create", event, new=_fields(event), actor=actor)
    return event


def update_event(event: Event, data: EventData, *, actor: User) -> None:
    lock_event(event)
    if event.status == EventStatus.CANCELLED:
        raise EventError("event_cancelled")
    data = _tidy(data)
    refuse_if(_event_problems(event, data, actor=actor))
    old = _fields(event)
    _apply(event, data)
    db.session.flush()
    new = _fields(event)
    if new != old:
        audit.record("event.update", event, old=old, new=new, actor=actor)


def _set_status(event: Event, status: str, allowed_from: tuple[str, ...], actor: User) -> None:
    lock_event(event)
    if event.status not in allowed_from:
        raise EventError("bad_step")
    old = event.status
    event.status = status
    if status == EventStatus.PUBLISHED:
        event.published_at = utcnow()
    db.session.flush()
    audit.record(f"event.{status}", event, old={"status": old}, new={"status": status}, actor=actor)


def publish_event(event: Event, *, actor: User) -> None:
    """A draft goes public: listed, and open for registration."""
    _set_status(event, EventStatus.PUBLISHED, (EventStatus.DRAFT,), actor)


def cancel_event(event: Event, *, actor: User) -> None:
    """Still listed, marked cancelled; registration closes. It cannot be undone. Everyone
    registered is told by mail, each in their own language."""
    _set_status(event, EventStatus.CANCELLED, (EventStatus.DRAFT, EventStatus.PUBLISHED), actor)
    _tell_registered_of_cancellation(event)


def _tell_registered_of_cancellation(event: Event) -> None:
    people = db.session.scalars(
        select(User)
        .join(EventRegistration, EventRegistration.user_id == User.id)
        .where(EventRegistration.event_id == event.id)
        .order_by(User.id)
    ).all()
    if not people:
        return
    link = external_url("events.detail", event_id=event.id)
    queue_mails(
        [
            render_mail(
                person.email,
                _l("Cancelled: %(title)s", title=event.title),
                "events/mail/cancelled",
                locale=person.locale,
                user_id=person.id,
                user=person,
                event=event,
                link=link,
            )
            for person in people
        ]
    )


# --- what organizers see ------------------------------------------------------------------


def _within_organised_units(query, user: User):  # noqa: ANN001, ANN202
    """`query` (of events) narrowed to the units `user` organises and the units below them;
    everything for an administrator."""
    if user.is_admin:
        return query
    paths = [unit.path for unit in user.organizer_units() if unit.path]
    within = [Unit.path.startswith(path, autoescape=True) for path in paths]
    return query.join(Unit, Event.organizer_unit_id == Unit.id).where(
        or_(*within) if within else false()
    )


def managed_events(user: User) -> list[Event]:
    """The events of the units a user organises, the latest first."""
    query = select(Event).options(joinedload(Event.organizer_unit))
    return list(
        db.session.scalars(
            _within_organised_units(query, user).order_by(Event.starts_at.desc(), Event.id.desc())
        )
    )


def festivals_for_round(user: User, year: int, keep: Event | None = None) -> list[Event]:
    """The festivals (draft or published) of units `user` organises in `year` ± 1, where a
    round of a competition of `year` may be held; `keep` (the round's current festival)
    stays offered whatever it has become."""
    query = select(Event).where(
        Event.kind == EventKind.FESTIVAL,
        Event.status.in_((EventStatus.DRAFT, EventStatus.PUBLISHED)),
        Event.year.between(year - 1, year + 1),
    )
    found = list(db.session.scalars(_within_organised_units(query, user).order_by(Event.starts_at)))
    if keep is not None and all(event.id != keep.id for event in found):
        found.append(keep)
    return found


def hold_round_at(round_: Round, event: Event | None, *, actor: User) -> None:
    """Say at which festival a competition round is held (None: at none)."""
    if event is not None and event.kind != EventKind.FESTIVAL:
        raise EventError("not_a_festival")
    old = round_.event_id
    new = event.id if event is not None else None
    if old == new:
        return
    round_.event = event
    db.session.flush()
    audit.record("round.event", round_, old={"event_id": old}, new={"event_id": new}, actor=actor)


def rounds_held_at(event: Event) -> list[Round]:
    """The competition rounds held at a festival, of competitions the public can see."""
    return list(
        db.session.scalars(
            select(Round)
            .join(Competition, Round.competition_id == Competition.id)
            .where(Round.event_id == event.id, Competition.status != CompetitionStatus.DRAFT)
            .options(joinedload(Round.competition))
            .order_by(Competition.title, Round.position)
        )
    )
