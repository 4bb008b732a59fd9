"""Editing, submitting and withdrawing an entry: only its team's members, and only while
its state and its competition's window allow."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.access import object_check, require
from app.arrival import arrived_at
from app.db import db, rollback_request
from app.forms_common import choices
from competitions import bp
from competitions.entries import services
from competitions.entries.forms import (
    EntryForm,
    SubmitEntryForm,
    WithdrawForm,
    parse_lock_version,
)
from competitions.entries.messages import error_message
from competitions.entries.pages import Page, load_entry, me, render
from competitions.entries.services import EntryContent, EntryError, FileRefused
from competitions.entries.submission import submit_entry
from competitions.models import Entry, EntryVersion, Sector

# --- edit and submit ------------------------------------------------------------------------


def _prepare(form: EntryForm, entry: Entry) -> None:
    locale = str(get_locale())
    if entry.code is None:
        form.track_id.choices = choices([(t.id, t.name) for t in entry.competition.tracks])
    else:
        del form.track_id  # the confirmation code names the track: it stays
    sectors = db.session.scalars(select(Sector).order_by(Sector.id))
    form.sector_ids.choices = choices([(s.id, s.name(locale)) for s in sectors])
    form.remove_images.choices = choices(
        [(image.id, image.file.original_name) for image in entry.images]
    )


def _fresh_form(entry: Entry) -> EntryForm:
    form = EntryForm(formdata=None, obj=entry)
    _prepare(form, entry)
    form.sector_ids.data = [sector.id for sector in entry.sectors]
    form.lock_version.data = entry.lock_version
    return form


def _content(form: EntryForm, entry: Entry) -> EntryContent:
    track = None
    if "track_id" in form:
        track = next(t for t in entry.competition.tracks if t.id == form.track_id.data)
    return form.content(track)


def _refuse(entry: Entry, error: EntryError) -> Response:
    """Undo the request and go back to the entry with the reason."""
    rollback_request()
    flash(error_message(error), "warning")
    return redirect(url_for("competitions.entry_detail", entry_id=entry.id))


def _submitted(entry: Entry, version: EntryVersion) -> Response:
    flash(
        _(
            "Submitted: confirmation code %(code)s, version %(number)s. A receipt was emailed "
            "to every member of the team.",
            code=entry.code,
            number=version.number,
        ),
        "success",
    )
    return redirect(url_for("competitions.entry_detail", entry_id=entry.id))


@bp.route("/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@object_check
def entry_edit(entry_id: int) -> Page:
    entry = load_entry(entry_id)
    user = me()
    require(entry.team.is_member(user), 403)
    if request.method == "GET":
        if not services.is_editable(entry):
            flash(error_message(_closed_reason(entry)), "warning")
            return redirect(url_for("competitions.entry_detail", entry_id=entry.id))
        return _edit_page(entry, _fresh_form(entry))
    form = EntryForm()
    _prepare(form, entry)
    if not form.validate_on_submit():
        return _edit_page(entry, form)
    # One clock for the whole request, read when it arrived (not when its upload was read):
    # a save checked just before the deadline is never followed by a submission checked just
    # after it.
    now = arrived_at()
    try:
        services.save_entry(
            entry,
            _content(form, entry),
            by=user,
            lock_version=parse_lock_version(form.lock_version.data),
            now=now,
        )
    except FileRefused as error:
        rollback_request()  # removes any file this request already wrote
        upload_field = form.deck_file if error.field == "deck" else form.new_images
        upload_field.errors.append(error.message)
        return _edit_page(entry, form)
    except EntryError as error:
        if error.reason == "too_many_images":
            rollback_request()
            form.new_images.errors.append(error_message(error))
            return _edit_page(entry, form)
        return _refuse(entry, error)
    if not form.submit.data:
        flash(_("Saved."), "success")
        return redirect(url_for("competitions.entry_edit", entry_id=entry.id))
    try:
        version = submit_entry(entry, by=user, now=now)
    except EntryError as error:
        # The changes are saved; only the submission is refused.
        flash(_("Your changes are saved, but the entry was not submitted."), "info")
        flash(error_message(error), "warning")
        fresh = _fresh_form(entry)
        for name in error.details.get("missing", []):
            field = getattr(fresh, "deck_file" if name == "deck" else name)
            field.errors = [*field.errors, _("Required for submission.")]
        return _edit_page(entry, fresh)
    return _submitted(entry, version)


def _closed_reason(entry: Entry) -> EntryError:
    if entry.status not in services.EDITABLE_STATES:
        return EntryError("not_editable")
    try:
        services.check_still_open(entry.competition)
    except EntryError as error:
        return error
    return EntryError("not_editable")


def _edit_page(entry: Entry, form: EntryForm) -> str:
    return render(
        "competitions/entries/edit.html",
        entry=entry,
        form=form,
        max_images=services.MAX_IMAGES,
        max_mb=current_app.config["MAX_UPLOAD_MB"],
    )


@bp.route("/entries/<int:entry_id>/submit", methods=["POST"])
@object_check
def entry_submit(entry_id: int) -> Response:
    entry = load_entry(entry_id)
    user = me()
    require(entry.team.is_member(user), 403)
    form = SubmitEntryForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.claim(entry, parse_lock_version(form.lock_version.data))
        version = submit_entry(entry, by=user, now=arrived_at())
    except EntryError as error:
        return _refuse(entry, error)
    return _submitted(entry, version)


# --- withdraw -------------------------------------------------------------------------------


@bp.route("/entries/<int:entry_id>/withdraw", methods=["GET", "POST"])
@object_check
def entry_withdraw(entry_id: int) -> Page:
    entry = load_entry(entry_id)
    user = me()
    require(entry.team.is_member(user), 403)
    if entry.status not in services.WITHDRAWABLE_STATES:
        flash(error_message(EntryError("not_withdrawable")), "warning")
        return redirect(url_for("competitions.entry_detail", entry_id=entry.id))
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw_entry(entry, by=user, reason=form.reason.data)
        except EntryError as error:
            return _refuse(entry, error)
        flash(_("The entry is withdrawn. Your team may start a new one."), "info")
        return redirect(url_for("competitions.entry_detail", entry_id=entry.id))
    return render("competitions/entries/withdraw.html", entry=entry, form=form)
