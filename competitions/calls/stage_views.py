"""Organizer pages of a competition's tracks, rounds and pools."""

from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from app.access import object_check
from app.auth.forms import ConfirmForm
from app.db import db, rollback_request, utcnow
from competitions import bp
from competitions.calls import labels, services
from competitions.calls.errors import CallError
from competitions.calls.forms import MoveForm, RoundForm, TrackForm
from competitions.calls.pages import (
    managed_competition,
    managed_round,
    managed_track,
    show_refusal,
)
from competitions.calls.rounds import pool_entry_counts, pools_for_mode
from competitions.calls.timeline import window
from competitions.events.errors import EventError
from competitions.events.models import Event
from competitions.events.pages import festival_choices
from competitions.events.pages import show_refusal as show_event_refusal
from competitions.events.services import hold_round_at
from competitions.models import Competition, Pool, Round


def _manage_url(competition: Competition) -> str:
    return url_for("competitions.call_manage", competition_id=competition.id)


# --- tracks ---------------------------------------------------------------------------------


def _track_data(form: TrackForm) -> services.TrackData:
    return services.TrackData(
        code=form.code.data,
        name=form.name.data,
        audience=form.audience.data,
        eligibility=form.eligibility.data or "",
        min_team_size=form.min_team_size.data,
        max_team_size=form.max_team_size.data,
        min_age=form.min_age.data,
        max_age=form.max_age.data,
    )


@bp.route("/<int:competition_id>/tracks/new", methods=["GET", "POST"])
@object_check
def call_track_new(competition_id: int) -> str | Response:
    competition = managed_competition(competition_id)
    form = TrackForm()
    if form.validate_on_submit():
        try:
            track = services.add_track(competition, _track_data(form))
        except CallError as error:
            rollback_request()
            show_refusal(error, form)
        else:
            flash(_("Track “%(name)s” added.", name=track.name), "success")
            return redirect(_manage_url(competition))
    return render_template(
        "competitions/calls/track_form.html", form=form, competition=competition, track=None
    )


@bp.route("/<int:competition_id>/tracks/<int:track_id>/edit", methods=["GET", "POST"])
@object_check
def call_track_edit(competition_id: int, track_id: int) -> str | Response:
    track = managed_track(competition_id, track_id)
    form = TrackForm(obj=track)
    if form.validate_on_submit():
        try:
            services.update_track(track, _track_data(form))
        except CallError as error:
            rollback_request()
            show_refusal(error, form)
        else:
            flash(_("Saved."), "success")
            return redirect(_manage_url(track.competition))
    return render_template(
        "competitions/calls/track_form.html",
        form=form,
        competition=track.competition,
        track=track,
    )


@bp.route("/<int:competition_id>/tracks/<int:track_id>/delete", methods=["POST"])
@object_check
def call_track_delete(competition_id: int, track_id: int) -> Response:
    track = managed_track(competition_id, track_id)
    competition = track.competition
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = track.name
    try:
        services.delete_track(track)
    except CallError as error:
        rollback_request()
        show_refusal(error)
    else:
        flash(_("Track “%(name)s” deleted.", name=name), "info")
    return redirect(_manage_url(competition))


# --- rounds ---------------------------------------------------------------------------------


def _round_data(form: RoundForm) -> services.RoundData:
    """The settings the form offers; what it does not offer (the submission window of a
    later round, the weight of the first) is left empty."""
    offered = {
        name: form[name].data for name in services.RoundData.__dataclass_fields__ if name in form
    }
    return services.RoundData(
        **{
            **offered,
            "no_zero_criterion": bool(form.no_zero_criterion.data),
            "carry_over_weight": offered.get("carry_over_weight") or Decimal("0"),
        }
    )


def _lock_submission_window(form: RoundForm, competition: Competition) -> None:
    """Past the open call the window is shown but cannot be typed into (the service
    refuses a change anyway)."""
    if "submission_opens_at" in form and services.call_is_past_open(competition):
        for field in (form.submission_opens_at, form.submission_closes_at):
            field.render_kw = {**(field.render_kw or {}), "readonly": True}


def _offer_festivals(form: RoundForm, competition: Competition, round_: Round | None) -> None:
    keep = round_.event if round_ is not None else None
    form.festival.choices = festival_choices(current_user, competition.edition_year, keep)
    if request.method == "GET" and round_ is not None:
        form.festival.data = round_.event_id or 0


def _hold_at_festival(form: RoundForm, round_: Round) -> None:
    festival = db.session.get(Event, form.festival.data or 0)
    hold_round_at(round_, festival, actor=current_user._get_current_object())


def _render_round_form(form: RoundForm, competition: Competition, round_: Round | None) -> str:
    return render_template(
        "competitions/calls/round_form.html",
        form=form,
        competition=competition,
        round=round_,
        past_open=services.call_is_past_open(competition),
    )


@bp.route("/<int:competition_id>/rounds/new", methods=["GET", "POST"])
@object_check
def call_round_new(competition_id: int) -> str | Response:
    competition = managed_competition(competition_id)
    form = RoundForm(first=not competition.rounds)
    _offer_festivals(form, competition, None)
    if form.validate_on_submit():
        try:
            round_ = services.add_round(competition, _round_data(form))
            _hold_at_festival(form, round_)
        except CallError as error:
            rollback_request()
            show_refusal(error, form)
        except EventError as error:
            rollback_request()
            show_event_refusal(error, form)
        else:
            flash(_("Round “%(name)s” added.", name=round_.name), "success")
            return redirect(_manage_url(competition))
    return _render_round_form(form, competition, None)


@bp.route("/<int:competition_id>/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@object_check
def call_round_edit(competition_id: int, round_id: int) -> str | Response:
    round_ = managed_round(competition_id, round_id)
    competition = round_.competition
    form = RoundForm(obj=round_, first=round_.is_first)
    _lock_submission_window(form, competition)
    _offer_festivals(form, competition, round_)
    if form.validate_on_submit():
        try:
            services.update_round(round_, _round_data(form))
            _hold_at_festival(form, round_)
        except CallError as error:
            rollback_request()
            show_refusal(error, form)
        except EventError as error:
            rollback_request()
            show_event_refusal(error, form)
        else:
            flash(_("Saved."), "success")
            return redirect(_manage_url(competition))
    return _render_round_form(form, competition, round_)


@bp.route("/<int:competition_id>/rounds/<int:round_id>/delete", methods=["POST"])
@object_check
def call_round_delete(competition_id: int, round_id: int) -> Response:
    round_ = managed_round(competition_id, round_id)
    competition = round_.competition
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = round_.name
    try:
        services.delete_round(round_)
    except CallError as error:
        rollback_request()
        show_refusal(error)
    else:
        flash(_("Round “%(name)s” deleted.", name=name), "info")
    return redirect(_manage_url(competition))


@bp.route("/<int:competition_id>/rounds/<int:round_id>/move", methods=["POST"])
@object_check
def call_round_move(competition_id: int, round_id: int) -> Response:
    round_ = managed_round(competition_id, round_id)
    competition = round_.competition
    form = MoveForm()
    if not form.validate_on_submit() or form.direction.data not in ("up", "down"):
        abort(400)
    try:
        services.move_round(round_, form.direction.data)
    except CallError as error:
        rollback_request()
        show_refusal(error)
    return redirect(_manage_url(competition))


# --- pools ----------------------------------------------------------------------------------


@bp.route("/<int:competition_id>/rounds/<int:round_id>/pools")
@object_check
def call_pools(competition_id: int, round_id: int) -> str:
    round_ = managed_round(competition_id, round_id)
    # Units and tracks of every pool in the same query (a round may have a pool per school).
    pools = db.session.scalars(
        select(Pool)
        .where(Pool.round_id == round_.id)
        .options(joinedload(Pool.unit), joinedload(Pool.track))
        .order_by(Pool.name)
    ).all()
    current = [(pool.name, pool.unit_id, pool.track_id) for pool in pools]
    preview = [(pool.name, pool.unit_id, pool.track_id) for pool in pools_for_mode(round_)]
    return render_template(
        "competitions/calls/pools.html",
        competition=round_.competition,
        round=round_,
        pools=pools,
        labels=labels,
        counts=pool_entry_counts(round_),
        preview=[name for name, _unit, _track in preview] if preview != current else None,
        judging=window(round_.judging_opens_at, round_.judging_closes_at, utcnow()),
        confirm=ConfirmForm(),
    )


@bp.route("/<int:competition_id>/rounds/<int:round_id>/pools/regenerate", methods=["POST"])
@object_check
def call_pools_regenerate(competition_id: int, round_id: int) -> Response:
    round_ = managed_round(competition_id, round_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        pools = services.regenerate_pools(round_)
    except CallError as error:
        rollback_request()
        show_refusal(error)
    else:
        flash(
            ngettext(
                "%(num)d pool made from the round's mode.",
                "%(num)d pools made from the round's mode.",
                len(pools),
            ),
            "success",
        )
    return redirect(
        url_for("competitions.call_pools", competition_id=competition_id, round_id=round_id)
    )
