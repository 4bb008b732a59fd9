"""What the event pages share: the event a visitor may see or an organizer may manage, the
message each refusal reason maps to (beside its field when the form has it), and the QR
code of a registration."""

from __future__ import annotations

import segno
from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import SelectChoice

from app.access import require
from app.db import db
from app.forms_common import choices, show_reasons, with_none
from app.localtime import format_date
from app.people.models import User
from competitions.events.errors import EventError
from competitions.events.models import Event, EventRegistration
from competitions.events.services import MAX_CAPACITY, festivals_for_round

# reason → (the form field it concerns, or None for the page, message)
MESSAGES: dict[str, tuple[str | None, object]] = {
    "bad_kind": ("kind", _l("Choose a kind of event.")),
    "level_required": ("level", _l("Say whether the festival is local, cluster or province.")),
    "sector_required": ("sector", _l("A specialised forum or workshop needs its sector.")),
    "title_required": ("title", _l("Enter a title.")),
    "title_too_long": ("title", _l("At most 200 characters.")),
    "place_required": ("place", _l("Enter the place.")),
    "place_too_long": ("place", _l("At most 300 characters.")),
    "starts_required": ("starts_at", _l("Enter when the event starts.")),
    "ends_required": ("ends_at", _l("Enter when the event ends.")),
    "bad_year": ("starts_at", _l("Enter a year between 2000 and 2100.")),
    "schedule_order": ("ends_at", _l("The event must end after it starts.")),
    "bad_capacity": ("capacity", _l("Between 1 and %(max)d people.", max=MAX_CAPACITY)),
    "capacity_below_registrations": (
        "capacity",
        _l("More people have already registered than this capacity."),
    ),
    "unit_not_allowed": ("organizer_unit", _l("Choose a unit you organise.")),
    "unit_not_current": (
        "organizer_unit",
        _l("This unit no longer exists; choose one that does."),
    ),
    "event_cancelled": (None, _l("This event has been cancelled.")),
    "event_not_open": (None, _l("This event is not published yet.")),
    "bad_step": (None, _l("This change of status is not possible from the current status.")),
    "not_a_festival": ("festival", _l("Choose a startup festival.")),
    # registration
    "event_over": (None, _l("This event is over: registration has closed.")),
    "event_full": (None, _l("This event is full: every seat has been taken.")),
    "already_registered": ("email", _l("This person is already registered for this event.")),
    "no_account": ("email", _l("No active account has this email address.")),
    "not_registered": (
        None,
        _l("Only people registered for this event can be marked present. Nothing was changed."),
    ),
    "attended_cannot_cancel": (
        None,
        _l("You have been checked in already: the registration cannot be cancelled."),
    ),
    # check-in
    "unknown_code": ("code", _l("No registration has this code. Check it and try again.")),
    "other_event": (
        "code",
        _l("This code is a registration for another event. Nothing was changed."),
    ),
}


def message(reason: str) -> str:
    return str(MESSAGES[reason][1])


def show_refusal(error: EventError, form: FlaskForm | None = None) -> None:
    """Each reason beside its field when the form has it, otherwise as a message on top."""
    show_reasons(error.reasons, MESSAGES, form)


def visible_event(event_id: int) -> Event:
    """The event, for anyone it is shown to: a draft does not exist for the public."""
    event = db.session.get(Event, event_id)
    require(event is not None and event.can_view(current_user), 404)
    return event


def managed_event(event_id: int) -> Event:
    """The event, for the organizers of its unit (and of the units above it): 404 when the
    visitor may not even see it, else 403."""
    event = visible_event(event_id)
    require(event.can_manage(current_user))
    return event


def check_in_url(registration: EventRegistration) -> str:
    """The full address an organizer's phone opens when it scans the registration's QR."""
    return url_for(
        "events.check_in",
        event_id=registration.event_id,
        code=registration.code,
        _external=True,
    )


def qr_svg(text: str) -> Markup:
    """A QR code of `text` as inline SVG markup: no script, no style element (CSP)."""
    code = segno.make(text, error="m")
    # segno writes the markup itself and escapes the title; `text` only becomes modules.
    svg = code.svg_inline(scale=6, border=4, title=str(_l("Check-in code")))
    return Markup(svg)  # noqa: S704  # nosec B704


def festival_choices(user: User, year: int, keep: Event | None = None) -> list[SelectChoice]:
    """The festivals a competition round of `year` may be held at, for the round form."""
    festivals = festivals_for_round(user, year, keep)
    return with_none(
        choices([(e.id, f"{e.title} ({format_date(e.starts_at)})") for e in festivals])
    )
