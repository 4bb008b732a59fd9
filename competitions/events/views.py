"""The public pages of events, and a participant's own registration.

The organizers' pages are in `manage_views` (create, edit, publish, cancel) and
`attendance_views` (registrations, the list, the door scan); importing them here registers
their routes."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from app.access import login_required, object_check, public, require
from app.auth.forms import ConfirmForm
from app.db import db, rollback_request, utcnow
from app.people.models import User
from app.vietnamese import fold
from competitions.events import bp, labels, registrations
from competitions.events.errors import EventError
from competitions.events.forms import EventFilterForm
from competitions.events.models import Event, EventRegistration, EventStatus
from competitions.events.pages import check_in_url, qr_svg, show_refusal, visible_event
from competitions.events.services import registration_count, rounds_held_at

PER_PAGE = 30
PUBLIC_STATUSES = (EventStatus.PUBLISHED, EventStatus.CANCELLED)


def _me() -> User:
    return current_user._get_current_object()


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


@bp.route("/")
@public
def index() -> str:
    """Published and cancelled events, the latest first; by year, kind and title."""
    form = EventFilterForm(request.args)
    years = db.session.scalars(
        select(Event.year).where(Event.status.in_(PUBLIC_STATUSES)).distinct()
    ).all()
    form.year.choices = [
        SelectChoice(0, _("All years")),
        *(SelectChoice(year, str(year)) for year in sorted(years, reverse=True)),
    ]
    query = select(Event).where(Event.status.in_(PUBLIC_STATUSES))
    if form.q.data:
        query = query.where(Event.title_folded.contains(fold(form.q.data), autoescape=True))
    if form.year.data:
        query = query.where(Event.year == form.year.data)
    if form.kind.data:
        query = query.where(Event.kind == form.kind.data)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = _page()
    events = db.session.scalars(
        query.options(joinedload(Event.organizer_unit), joinedload(Event.sector))
        .order_by(Event.starts_at.desc(), Event.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return render_template(
        "events/index.html",
        form=form,
        events=events,
        labels=labels,
        page=page,
        per_page=PER_PAGE,
        total=total,
    )


@bp.route("/<int:event_id>")
@public
def detail(event_id: int) -> str:
    """The public page; a draft is shown only to its organizers."""
    event = visible_event(event_id)
    registered = registration_count(event)
    return render_template(
        "events/detail.html",
        event=event,
        labels=labels,
        registered=registered,
        seats_left=registrations.seats_left(event, registered),
        rounds=rounds_held_at(event),
        mine=registrations.registration_of(event, current_user),
        is_over=event.ends_at <= utcnow(),
        can_manage=event.can_manage(current_user),
    )


@bp.route("/<int:event_id>/register", methods=["POST"])
@object_check
def register(event_id: int) -> Response:
    event = visible_event(event_id)
    if ConfirmForm().validate_on_submit():
        try:
            registrations.register(event, _me(), by=_me())
        except EventError as error:
            rollback_request()
            show_refusal(error)
        else:
            flash(_("You are registered. Show the QR code below at the door."), "success")
            return redirect(url_for("events.my_registration", event_id=event.id))
    return redirect(url_for("events.detail", event_id=event.id))


@bp.route("/<int:event_id>/unregister", methods=["POST"])
@object_check
def unregister(event_id: int) -> Response:
    event = visible_event(event_id)
    if ConfirmForm().validate_on_submit():
        try:
            registrations.unregister(event, _me())
        except EventError as error:
            rollback_request()
            show_refusal(error)
        else:
            flash(_("Your registration has been cancelled."), "info")
    return redirect(url_for("events.detail", event_id=event.id))


@bp.route("/<int:event_id>/registration")
@object_check
def my_registration(event_id: int) -> str:
    """The participant's registration: the QR code the organizers scan at the door."""
    event = visible_event(event_id)
    registration = registrations.registration_of(event, current_user)
    require(registration is not None, 404)
    url = check_in_url(registration)
    return render_template(
        "events/my_registration.html",
        event=event,
        labels=labels,
        registration=registration,
        check_in_url=url,
        qr=qr_svg(url),
    )


@bp.route("/mine")
@login_required
def mine() -> str:
    """The events the signed-in person registered for, the latest first."""
    rows = db.session.scalars(
        select(EventRegistration)
        .join(Event, EventRegistration.event_id == Event.id)
        .where(EventRegistration.user_id == current_user.id)
        .options(joinedload(EventRegistration.event))
        .order_by(Event.starts_at.desc())
    ).all()
    return render_template("events/mine.html", registrations=rows, labels=labels)


from competitions.events import attendance_views, manage_views  # noqa: E402,F401
