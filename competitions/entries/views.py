"""Entries as their team sees them: the participant dashboard, starting an entry, the
entry page, its versions and files. Editing, submitting and withdrawing are in
`edit_views`. Views register on the competitions blueprint."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.access import login_required, object_check, require
from app.db import db, rollback_request, utcnow
from app.forms_common import choices
from app.storage import StoredFile, send_stored
from competitions import bp
from competitions.entries import dashboard, services
from competitions.entries.forms import StartEntryForm, SubmitEntryForm
from competitions.entries.messages import error_message
from competitions.entries.pages import Page, load_entry, me, optional_url, render
from competitions.entries.services import EntryError
from competitions.models import Competition, Sector

# --- the dashboard ------------------------------------------------------------------------


@bp.route("/my")
@login_required
def my() -> str:
    user = me()
    teams = dashboard.my_teams(user)
    entries = dashboard.entries_of(teams)
    competitions = dashboard.open_competitions(utcnow())
    openings = [
        (competition, dashboard.teams_free_for(competition, teams, entries, user))
        for competition in competitions
    ]
    return render(
        "competitions/entries/my.html",
        teams=teams,
        entries=entries,
        openings=openings,
        timeline=dashboard.timeline,
        is_member=lambda team: any(m.user_id == user.id for m in team.members),
    )


# --- start ----------------------------------------------------------------------------------


@bp.route("/<int:competition_id>/enter", methods=["GET", "POST"])
@object_check
def entry_start(competition_id: int) -> Page:
    competition = db.session.get(Competition, competition_id)
    require(competition is not None and competition.can_view(current_user), 404)
    user = me()
    try:
        services.check_still_open(competition)
    except EntryError as error:
        flash(error_message(error), "warning")
        return redirect(url_for("competitions.my"))
    teams = [team for team in dashboard.my_teams(user) if team.is_member(user)]
    form = StartEntryForm()
    form.team_id.choices = choices([(team.id, team.name) for team in teams])
    form.track_id.choices = choices([(track.id, track.name) for track in competition.tracks])
    if request.method == "GET" and request.args.get("track", type=int):
        form.track_id.data = request.args.get("track", type=int)
    if teams and form.validate_on_submit():
        team = next(team for team in teams if team.id == form.team_id.data)
        track = next(track for track in competition.tracks if track.id == form.track_id.data)
        try:
            entry = services.start_entry(competition, team, track, form.title.data, by=user)
        except EntryError as error:
            rollback_request()
            target = form.team_id if error.reason == "team_has_entry" else form.track_id
            target.errors.append(error_message(error))
        else:
            flash(_("Your draft is started. Fill it in, add the pitch deck and submit."), "success")
            return redirect(url_for("competitions.entry_edit", entry_id=entry.id))
    return render(
        "competitions/entries/start.html",
        competition=competition,
        form=form,
        teams=teams,
        team_create_url=optional_url("competitions.team_create"),
    )


# --- the entry page -------------------------------------------------------------------------


@bp.route("/entries/<int:entry_id>")
@object_check
def entry_detail(entry_id: int) -> str:
    entry = load_entry(entry_id)
    user = me()
    editable = entry.can_edit(user) and services.is_editable(entry)
    form = SubmitEntryForm()
    form.lock_version.data = entry.lock_version
    return render(
        "competitions/entries/detail.html",
        entry=entry,
        editable=editable,
        can_submit=editable and services.differs_from_latest(entry),
        can_withdraw=entry.team.is_member(user) and entry.status in services.WITHDRAWABLE_STATES,
        unsubmitted=entry.versions and services.differs_from_latest(entry),
        submit_form=form,
        locale=str(get_locale()),
    )


@bp.route("/entries/<int:entry_id>/versions/<int:number>")
@object_check
def entry_version(entry_id: int, number: int) -> str:
    entry = load_entry(entry_id)
    version = next((v for v in entry.versions if v.number == number), None)
    require(version is not None, 404)
    image_ids = [int(i) for i in version.image_file_ids or []]
    files = {
        stored.id: stored
        for stored in db.session.scalars(
            select(StoredFile).where(
                StoredFile.id.in_([i for i in (version.deck_file_id, *image_ids) if i])
            )
        )
    }
    sectors = db.session.scalars(
        select(Sector)
        .where(Sector.code.in_(version.content.get("sectors", [])))
        .order_by(Sector.code)
    ).all()
    return render(
        "competitions/entries/version.html",
        entry=entry,
        version=version,
        content=version.content,
        deck=files.get(version.deck_file_id),
        images=[files[i] for i in image_ids if i in files],
        sectors=sectors,
        locale=str(get_locale()),
    )


@bp.route("/entries/<int:entry_id>/files/<int:file_id>")
@object_check
def entry_file(entry_id: int, file_id: int) -> Response:
    """The deck or an image of the entry or of one of its versions, as an attachment."""
    entry = load_entry(entry_id)
    require(file_id in services.file_ids_of(entry), 404)
    stored = db.session.get(StoredFile, file_id)
    require(stored is not None and stored.path.is_file(), 404)
    return send_stored(stored)


from competitions.entries import edit_views  # noqa: E402,F401  (registers its views)
