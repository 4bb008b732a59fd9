"""Organizer pages of who registered and who came: the list with its ticks, registering
someone on their behalf, and the check-in page an organizer's phone opens when it scans a
participant's QR code (or where a code is typed)."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from app.access import object_check
from app.auth.forms import ConfirmForm
from app.db import rollback_request
from app.people.models import User
from competitions.events import bp, labels, registrations
from competitions.events.errors import EventError
from competitions.events.forms import CodeForm, RegisterOtherForm
from competitions.events.models import Event
from competitions.events.pages import managed_event, message, show_refusal

# What a registration code can look like (URL-safe base64); anything else is no code.
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def _me() -> User:
    return current_user._get_current_object()


def _render_registrations(event: Event, form: RegisterOtherForm) -> str:
    rows = registrations.registrations(event)
    return render_template(
        "events/registrations.html",
        event=event,
        labels=labels,
        rows=rows,
        attended=sum(1 for r in rows if r.attended_at is not None),
        seats_left=registrations.seats_left(event, len(rows)),
        form=form,
        confirm=ConfirmForm(),
    )


@bp.route("/<int:event_id>/registrations")
@object_check
def registrations_page(event_id: int) -> str:
    event = managed_event(event_id)
    return _render_registrations(event, RegisterOtherForm())


@bp.route("/<int:event_id>/registrations/add", methods=["POST"])
@object_check
def register_other(event_id: int) -> str | Response:
    event = managed_event(event_id)
    form = RegisterOtherForm()
    if form.validate_on_submit():
        try:
            registration = registrations.register_by_email(event, form.email.data, by=_me())
        except EventError as error:
            rollback_request()
            show_refusal(error, form)
        else:
            flash(
                _(
                    "%(name)s is registered; the code went to them by email.",
                    name=registration.user.full_name,
                ),
                "success",
            )
            return redirect(url_for("events.registrations_page", event_id=event.id))
    return _render_registrations(event, form)


def _ids(name: str) -> set[int] | None:
    """The ids a list form posted under `name`; None when one is not a number."""
    values = request.form.getlist(name)
    if not all(value.isdigit() for value in values):
        return None
    return {int(value) for value in values}


@bp.route("/<int:event_id>/attendance", methods=["POST"])
@object_check
def attendance(event_id: int) -> Response:
    event = managed_event(event_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attended, shown = _ids("attended"), _ids("shown_attended")
    try:
        if attended is None or shown is None:
            raise EventError("not_registered")
        change = registrations.take_attendance(event, attended, shown, by=_me())
    except EventError as error:
        rollback_request()
        show_refusal(error)
    else:
        flash(
            _(
                "Attendance saved: %(marked)s, %(unmarked)s.",
                marked=ngettext(
                    "%(num)d marked present", "%(num)d marked present", len(change.marked)
                ),
                unmarked=ngettext("%(num)d unmarked", "%(num)d unmarked", len(change.unmarked)),
            ),
            "success",
        )
    return redirect(url_for("events.registrations_page", event_id=event.id))


@bp.route("/<int:event_id>/check-in")
@object_check
def check_in_start(event_id: int) -> str | Response:
    """Where a code is typed when the camera will not read it."""
    event = managed_event(event_id)
    form = CodeForm(request.args)
    code = "".join((form.code.data or "").split())
    if code:
        if CODE_RE.match(code):
            return redirect(url_for("events.check_in", event_id=event.id, code=code))
        form.code.errors = [message("unknown_code")]
    return _render_check_in(event, form, registration=None, refusal=None)


def _render_check_in(event, form, *, registration, refusal, status=200):  # noqa: ANN001, ANN202
    return (
        render_template(
            "events/check_in.html",
            event=event,
            form=form,
            registration=registration,
            refusal=refusal,
            labels=labels,
            attended=registrations.attended_count(event),
            confirm=ConfirmForm(),
        ),
        status,
    )


@bp.route("/<int:event_id>/check-in/<code>", methods=["GET", "POST"])
@object_check
def check_in(event_id: int, code: str) -> str | Response:
    """GET: who the code is, and the button; POST: mark them present (once)."""
    event = managed_event(event_id)
    form = CodeForm(formdata=None)
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        try:
            registration, marked = registrations.check_in(event, code, by=_me())
        except EventError as error:
            rollback_request()
            return _render_check_in(
                event, form, registration=None, refusal=message(error.reason), status=409
            )
        if marked:
            flash(_("%(name)s is checked in.", name=registration.user.full_name), "success")
        return redirect(url_for("events.check_in", event_id=event.id, code=code))
    try:
        registration = registrations.find_code(event, code)
    except EventError as error:
        return _render_check_in(
            event, form, registration=None, refusal=message(error.reason), status=404
        )
    return _render_check_in(event, form, registration=registration, refusal=None)
