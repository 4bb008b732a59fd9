"""Who registered for an event and who came.

A registration carries a random code, unguessable: the QR code on the participant's page
holds the address of the check-in page for it, which an organizer's phone opens at the door.
Attendance is taken from that scan or from the organizers' list. Every function locks the
event row first, so the seats and the check-ins of one event are changed one request at a
time; a refusal raises `EventError` before anything is changed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app import audit
from app.db import db, utcnow
from app.links import external_url
from app.mail.outbox import queue_mail
from app.people.models import User, normalise_email
from competitions.events.errors import EventError
from competitions.events.models import (
    AttendanceMethod,
    Event,
    EventRegistration,
    EventStatus,
)
from competitions.events.services import lock_event, registration_count

CODE_BYTES: Final = 12  # 16 characters of URL-safe base64: what the column holds


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def registration_of(event: Event, user: User) -> EventRegistration | None:
    if not user.is_authenticated:
        return None
    return db.session.scalar(
        select(EventRegistration).where(
            EventRegistration.event_id == event.id, EventRegistration.user_id == user.id
        )
    )


def seats_left(event: Event, registered: int | None = None) -> int | None:
    """None when the event has no capacity."""
    if event.capacity is None:
        return None
    count = registration_count(event) if registered is None else registered
    return max(event.capacity - count, 0)


def _registration_problem(event: Event, user: User, now: datetime) -> str | None:
    if event.status == EventStatus.CANCELLED:
        return "event_cancelled"
    if event.status != EventStatus.PUBLISHED:
        return "event_not_open"
    if event.ends_at <= now:
        return "event_over"
    if registration_of(event, user) is not None:
        return "already_registered"
    if seats_left(event) == 0:
        return "event_full"
    return None


def register(
    event: Event, user: User, *, by: User, now: datetime | None = None
) -> EventRegistration:
    """`user` takes a seat (`by` someone else when an organizer registers them); the
    confirmation mail carries the link to their code."""
    lock_event(event)
    problem = _registration_problem(event, user, now or utcnow())
    if problem:
        raise EventError(problem)
    registration = EventRegistration(
        event=event,
        user=user,
        code=new_code(),
        registered_by_id=by.id if by.id != user.id else None,
    )
    db.session.add(registration)
    db.session.flush()
    audit.record(
        "event.register",
        registration,
        new={"event_id": event.id, "user_id": user.id, "by": by.id},
        actor=by,
    )
    queue_mail(
        user.email,
        _l("You are registered for %(title)s", title=event.title),
        "events/mail/registered",
        locale=user.locale,
        user_id=user.id,
        user=user,
        event=event,
        code=registration.code,
        link=external_url("events.my_registration", event_id=event.id),
    )
    return registration


def register_by_email(event: Event, email: str, *, by: User) -> EventRegistration:
    """An organizer registers someone who has an account, by its email address."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email or "")))
    if user is None or not user.is_active:
        raise EventError("no_account")
    return register(event, user, by=by)


def unregister(event: Event, user: User) -> None:
    """The participant gives their seat back; not once they have been checked in."""
    lock_event(event)
    registration = registration_of(event, user)
    if registration is None:
        raise EventError("not_registered")
    if registration.attended_at is not None:
        raise EventError("attended_cannot_cancel")
    audit.record(
        "event.unregister",
        registration,
        old={"event_id": event.id, "user_id": user.id},
        actor=user,
    )
    db.session.delete(registration)
    db.session.flush()


def registrations(event: Event) -> list[EventRegistration]:
    """Every registration of the event with its person, in Vietnamese name order."""
    return list(
        db.session.scalars(
            select(EventRegistration)
            .join(User, EventRegistration.user_id == User.id)
            .where(EventRegistration.event_id == event.id)
            .options(joinedload(EventRegistration.user))
            .order_by(User.name_sort, User.id)
        )
    )


# --- attendance -----------------------------------------------------------------------------


def _attendance_problem(event: Event) -> str | None:
    if event.status == EventStatus.CANCELLED:
        return "event_cancelled"
    if event.status != EventStatus.PUBLISHED:
        return "event_not_open"
    return None


def _mark(registration: EventRegistration, method: str, by: User, now: datetime) -> None:
    registration.attended_at = now
    registration.attendance_method = method
    registration.attendance_by_id = by.id


@dataclass
class AttendanceChange:
    marked: list[int]
    unmarked: list[int]


def take_attendance(
    event: Event,
    attended: set[int],
    shown_attended: set[int],
    *,
    by: User,
    now: datetime | None = None,
) -> AttendanceChange:
    """The organizers' list: the people ticked (`attended`, user ids) are marked present;
    those that were ticked when the list was shown (`shown_attended`) and no longer are
    are unmarked. Someone scanned at the door after the list was opened is left alone.
    Any id that is not a registration of this event refuses the whole list."""
    lock_event(event)
    problem = _attendance_problem(event)
    if problem:
        raise EventError(problem)
    by_user = {r.user_id: r for r in registrations(event)}
    if not (attended | shown_attended) <= set(by_user):
        raise EventError("not_registered")
    now = now or utcnow()
    marked, unmarked = [], []
    for user_id, registration in by_user.items():
        if user_id in attended and registration.attended_at is None:
            _mark(registration, AttendanceMethod.LIST, by, now)
            marked.append(user_id)
        elif (
            user_id in shown_attended
            and user_id not in attended
            and registration.attended_at is not None
        ):
            registration.attended_at = None
            registration.attendance_method = None
            registration.attendance_by_id = None
            unmarked.append(user_id)
    db.session.flush()
    if marked or unmarked:
        audit.record(
            "event.attendance",
            event,
            new={"marked": marked, "unmarked": unmarked, "method": AttendanceMethod.LIST},
            actor=by,
        )
    return AttendanceChange(marked=marked, unmarked=unmarked)


def find_code(event: Event, code: str) -> EventRegistration:
    """The registration a scanned or typed code names, if it is one of this event's."""
    registration = db.session.scalar(
        select(EventRegistration)
        .where(EventRegistration.code == (code or "").strip())
        .options(joinedload(EventRegistration.user))
    )
    if registration is None:
        raise EventError("unknown_code")
    if registration.event_id != event.id:
        raise EventError("other_event")
    return registration


def check_in(
    event: Event, code: str, *, by: User, now: datetime | None = None
) -> tuple[EventRegistration, bool]:
    """Mark the holder of `code` present; (registration, False) when they already were,
    and nothing changes."""
    lock_event(event)
    problem = _attendance_problem(event)
    if problem:
        raise EventError(problem)
    registration = find_code(event, code)
    db.session.refresh(registration)
    if registration.attended_at is not None:
        return registration, False
    _mark(registration, AttendanceMethod.SCAN, by, now or utcnow())
    db.session.flush()
    audit.record(
        "event.check_in",
        registration,
        new={"event_id": event.id, "user_id": registration.user_id, "method": "scan"},
        actor=by,
    )
    return registration, True


def attended_count(event: Event) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(EventRegistration)
            .where(
                EventRegistration.event_id == event.id,
                EventRegistration.attended_at.is_not(None),
            )
        )
        or 0
    )
