"""Organizer pages of a competition: create, edit, overview and its lifecycle."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.access import object_check, roles_required
from app.db import db, rollback_request, utcnow
from app.localtime import local_today
from app.people.models import Role
from app.units.models import Unit
from competitions import bp
from competitions.calls import labels, services
from competitions.calls.errors import CallError
from competitions.calls.forms import CompetitionForm, StatusForm
from competitions.calls.pages import (
    OPENING_REASONS,
    managed_competition,
    message,
    owner_unit_choices,
    show_refusal,
)
from competitions.calls.timeline import timeline
from competitions.models import NEXT_STATUS, CompetitionStatus


def _competition_fields(form: CompetitionForm) -> dict:
    return {
        "title": form.title.data,
        "code": form.code.data,
        "edition_year": form.edition_year.data,
        "owner_unit": db.session.get(Unit, form.owner_unit.data or 0),
        "description": form.description.data or "",
        "rules": form.rules.data or "",
    }


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.ORGANIZER)
def call_create() -> str | Response:
    form = CompetitionForm()
    form.owner_unit.choices = owner_unit_choices(current_user)
    if request.method == "GET":
        form.edition_year.data = local_today().year
    if form.validate_on_submit():
        try:
            competition = services.create_competition(
                actor=current_user._get_current_object(), **_competition_fields(form)
            )
        except CallError as error:
            rollback_request()
            show_refusal(error, form)
        else:
            flash(_("Competition created as a draft: add its tracks and rounds."), "success")
            return redirect(url_for("competitions.call_manage", competition_id=competition.id))
    return render_template("competitions/calls/competition_form.html", form=form, competition=None)


@bp.route("/<int:competition_id>/edit", methods=["GET", "POST"])
@object_check
def call_edit(competition_id: int) -> str | Response:
    competition = managed_competition(competition_id)
    form = CompetitionForm(obj=competition)
    form.owner_unit.choices = owner_unit_choices(current_user, keep=competition.owner_unit)
    if request.method == "GET":
        form.owner_unit.data = competition.owner_unit_id
    if form.validate_on_submit():
        try:
            services.update_competition(
                competition, actor=current_user._get_current_object(), **_competition_fields(form)
            )
        except CallError as error:
            rollback_request()
            show_refusal(error, form)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("competitions.call_manage", competition_id=competition.id))
    return render_template(
        "competitions/calls/competition_form.html", form=form, competition=competition
    )


@bp.route("/<int:competition_id>/manage")
@object_check
def call_manage(competition_id: int) -> str:
    """Everything an organizer sets up, on one page."""
    competition = managed_competition(competition_id)
    previous = services.PREVIOUS_STATUS.get(CompetitionStatus(competition.status))
    return render_template(
        "competitions/calls/manage.html",
        competition=competition,
        labels=labels,
        timeline=timeline(competition, utcnow()),
        entry_counts=services.entry_counts_by_track(competition),
        missing=[message(reason) for reason in services.opening_problems(competition)],
        next_status=NEXT_STATUS.get(CompetitionStatus(competition.status)),
        previous_status=previous,
        past_open=services.call_is_past_open(competition),
    )


@bp.route("/<int:competition_id>/status/<target>", methods=["GET", "POST"])
@object_check
def call_status(competition_id: int, target: str) -> str | Response:
    """Confirm, then take, one step of the lifecycle: forward, or back with a reason."""
    competition = managed_competition(competition_id)
    if target not in set(CompetitionStatus):
        abort(404)
    current = CompetitionStatus(competition.status)
    forward = NEXT_STATUS.get(current) == target
    backward = services.PREVIOUS_STATUS.get(current) == target
    manage_url = url_for("competitions.call_manage", competition_id=competition.id)
    form = StatusForm(seen=competition.status)
    if not backward:
        del form.reason
    if request.method == "POST" and form.validate():
        try:
            services.change_status(
                competition,
                target,
                seen_status=form.seen.data or "",
                reason=(form.reason.data or "") if backward else "",
            )
        except CallError as error:
            rollback_request()
            if error.reason in ("stale", "bad_step"):
                flash(message(error.reason), "warning")
                return redirect(manage_url)
            # What an unready call lacks is listed on the page itself.
            others = [reason for reason in error.reasons if reason not in OPENING_REASONS]
            if others:
                show_refusal(CallError(*others), form)
        else:
            flash(
                _("The competition is now: %(status)s.", status=labels.status_label(target)),
                "success",
            )
            return redirect(manage_url)
    elif not (forward or backward):
        flash(message("bad_step"), "warning")
        return redirect(manage_url)
    return render_template(
        "competitions/calls/status.html",
        competition=competition,
        target=target,
        forward=forward,
        form=form,
        labels=labels,
        missing=[message(r) for r in services.opening_problems(competition)]
        if target == CompetitionStatus.OPEN
        else [],
        still_open=any(
            step.submission is not None and step.submission.state == "open"
            for step in timeline(competition, utcnow())
        ),
    )
