"""Organizer pages of events: the list of theirs, create, edit, publish, cancel.

Organizers of the event's unit (or of a unit above it) and administrators; a draft that
does not exist for the visitor is 404, someone else's event is 403."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.access import object_check, roles_required
from app.auth.forms import ConfirmForm
from app.db import db, rollback_request
from app.people.models import Role, User
from app.units.models import Unit
from competitions.calls.pages import owner_unit_choices
from competitions.events import bp, labels, services
from competitions.events.errors import EventError
from competitions.events.forms import EventForm
from competitions.events.models import Event
from competitions.events.pages import managed_event, show_refusal
from competitions.models import Sector


def _me() -> User:
    return current_user._get_current_object()


def _event_data(form: EventForm) -> services.EventData:
    return services.EventData(
        kind=form.kind.data or "",
        level=form.level.data or None,
        title=form.title.data or "",
        sector=db.session.get(Sector, form.sector.data or 0),
        starts_at=form.starts_at.data,
        ends_at=form.ends_at.data,
        place=form.place.data or "",
        organizer_unit=db.session.get(Unit, form.organizer_unit.data or 0),
        description=form.description.data or "",
        capacity=form.capacity.data,
    )


def _detail_url(event: Event) -> str:
    return url_for("events.detail", event_id=event.id)


@bp.route("/manage")
@roles_required(Role.ADMIN, Role.ORGANIZER)
def manage_list() -> str:
    return render_template(
        "events/manage_list.html", events=services.managed_events(_me()), labels=labels
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.ORGANIZER)
def create() -> str | Response:
    form = EventForm()
    form.organizer_unit.choices = owner_unit_choices(_me())
    if form.validate_on_submit():
        try:
            event = services.create_event(_event_data(form), actor=_me())
        except EventError as error:
            rollback_request()
            show_refusal(error, form)
        else:
            flash(_("Event saved as a draft: publish it when it is ready."), "success")
            return redirect(_detail_url(event))
    return render_template("events/form.html", form=form, event=None)


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@object_check
def edit(event_id: int) -> str | Response:
    event = managed_event(event_id)
    form = EventForm(obj=event)
    form.organizer_unit.choices = owner_unit_choices(_me(), keep=event.organizer_unit)
    if request.method == "GET":
        form.organizer_unit.data = event.organizer_unit_id
        form.sector.data = event.sector_id or 0
        form.level.data = event.level if event.kind == "festival" else ""
    if form.validate_on_submit():
        try:
            services.update_event(event, _event_data(form), actor=_me())
        except EventError as error:
            rollback_request()
            show_refusal(error, form)
        else:
            flash(_("Saved."), "success")
            return redirect(_detail_url(event))
    return render_template("events/form.html", form=form, event=event)


def _change_status(event_id: int, change, done: str) -> Response:  # noqa: ANN001
    event = managed_event(event_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        change(event, actor=_me())
    except EventError as error:
        rollback_request()
        show_refusal(error)
    else:
        flash(done, "success")
    return redirect(_detail_url(event))


@bp.route("/<int:event_id>/publish", methods=["POST"])
@object_check
def publish(event_id: int) -> Response:
    return _change_status(
        event_id, services.publish_event, _("Published: the event is open for registration.")
    )


@bp.route("/<int:event_id>/cancel", methods=["POST"])
@object_check
def cancel(event_id: int) -> Response:
    return _change_status(event_id, services.cancel_event, _("Cancelled: registration is closed."))
