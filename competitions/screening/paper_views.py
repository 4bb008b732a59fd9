"""The paper submission page: an organizer who manages the competition types in a
project a team handed in on paper."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.access import object_check
from app.db import db, rollback_request, utcnow
from app.forms_common import choices, with_none
from app.units.models import Unit
from app.units.queries import unit_choices
from competitions import bp
from competitions.entries.messages import error_message
from competitions.entries.services import EntryError, FileRefused
from competitions.models import Competition, EntryVersion, Sector, Team
from competitions.screening import paper
from competitions.screening.forms import REQUIRED, PaperForm
from competitions.screening.views import managed_competition, me

# Where a refusal of the entries feature is shown on the paper form.
ERROR_FIELDS = {
    "late": "received_at",
    "not_yet": "received_at",
    "no_window": "received_at",
    "competition_closed": "received_at",
    "bad_track": "track_id",
    "bad_video_url": "video_url",
    "too_many_images": "new_images",
}
FILE_FIELDS = {"deck": "deck_file", "images": "new_images"}
MISSING_FIELDS = {"deck": "deck_file"}


def _prepare(form: PaperForm, competition: Competition) -> list[Team]:
    """Fill the choices; the team choices are the search results plus the team posted."""
    locale = str(get_locale())
    form.track_id.choices = choices([(t.id, t.name) for t in competition.tracks])
    sectors = db.session.scalars(select(Sector).order_by(Sector.id))
    form.sector_ids.choices = choices([(s.id, s.name(locale)) for s in sectors])
    form.team_unit.choices = with_none(unit_choices(paper.organisation_units()))
    found = paper.search_teams(form.team_q.data or "")
    if form.team_id.data and all(t.id != form.team_id.data for t in found):
        posted = db.session.get(Team, form.team_id.data)
        if posted is not None:
            found.append(posted)
    form.team_id.choices = choices(
        [
            (t.id, f"{t.name} — {t.leader.full_name}" + (f" ({t.unit.name})" if t.unit else ""))
            for t in found
        ]
    )
    return found


@bp.route("/<int:competition_id>/entries/paper", methods=["GET", "POST"])
@object_check
def review_paper(competition_id: int) -> str | Response:
    competition = managed_competition(competition_id)
    form = PaperForm()
    if request.method == "GET":
        form.team_q.data = request.args.get("team_q", "")[:100]
    _prepare(form, competition)
    if form.validate_on_submit():
        version = _enter(form, competition)
        if version is not None:
            flash(
                _(
                    "Paper submission entered: confirmation code %(code)s. The receipt was "
                    "emailed to the team.",
                    code=version.entry.code,
                ),
                "success",
            )
            return redirect(url_for("competitions.review_detail", entry_id=version.entry_id))
    return render_template(
        "competitions/screening/paper.html",
        competition=competition,
        form=form,
        searched=bool(form.team_q.data),
    )


def _team(form: PaperForm) -> tuple[Team, bool]:
    if form.team_mode.data == "new":
        return paper.create_paper_team(
            paper.NewTeam(
                name=form.team_name.data.strip(),
                leader_name=form.leader_name.data.strip(),
                leader_email=form.leader_email.data.strip(),
                leader_phone=form.leader_phone.data or None,
                unit=db.session.get(Unit, form.team_unit.data or 0),
            ),
            actor=me(),
        )
    return db.session.get(Team, form.team_id.data), False


def _show_refusal(form: PaperForm, error: EntryError) -> None:
    """Put the entries feature's refusal beside the field it is about."""
    if isinstance(error, FileRefused):
        form[FILE_FIELDS.get(error.field, "deck_file")].errors.append(error.message)
    elif error.reason == "incomplete":
        for name in error.details["missing"]:
            form[MISSING_FIELDS.get(name, name)].errors.append(REQUIRED)
    else:
        team_field = "team_name" if form.team_mode.data == "new" else "team_id"
        name = ERROR_FIELDS.get(error.reason, team_field)
        form[name].errors = [*form[name].errors, error_message(error)]


def _enter(form: PaperForm, competition: Competition) -> EntryVersion | None:
    """Create the team (if new) and the entry, then submit it; on a refusal, undo
    everything and show why beside the field concerned."""
    received = form.received_at.data
    if received > utcnow():
        form.received_at.errors.append(_("The time received cannot be in the future."))
        return None
    track = next((t for t in competition.tracks if t.id == form.track_id.data), None)
    if track is None:
        form.track_id.errors.append(_("Choose one of this competition's tracks."))
        return None
    try:
        team, created = _team(form)
        version = paper.enter_paper_submission(
            competition,
            team,
            track,
            form.content(),
            received_at=received,
            by=me(),
        )
    except paper.PaperError:
        rollback_request()
        form.team_unit.errors.append(
            _("Choose a school or organisation, not an administrative unit.")
        )
        return None
    except EntryError as error:
        rollback_request()
        _show_refusal(form, error)
        return None
    if created:
        flash(_("An account was made for the leader; an activation link was emailed."), "info")
    return version
