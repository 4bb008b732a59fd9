"""What the call pages share: loading an object the user may manage, the messages a
refusal maps to, and the choice of owner units."""

from __future__ import annotations

from datetime import timedelta

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from app.access import require
from app.db import db
from app.forms_common import show_reasons
from app.people.models import User
from app.units.models import Unit
from app.units.queries import all_units, subtree, unit_choices
from competitions.calls.errors import CallError
from competitions.models import Competition, Round, Track

# reason → (the form field it concerns, or None for the page, message)
MESSAGES: dict[str, tuple[str | None, object]] = {
    # competition
    "title_required": ("title", _l("Enter a title.")),
    "bad_code": ("code", _l("2 to 6 capital letters or digits, e.g. QN or DN.")),
    "bad_year": ("edition_year", _l("Enter a year such as 2026.")),
    "unit_not_allowed": ("owner_unit", _l("Choose a unit you organise.")),
    "unit_not_current": (
        "owner_unit",
        _l("This unit no longer exists; choose one that does."),
    ),
    "code_taken": ("code", _l("Another competition of the same year already uses this code.")),
    "code_locked": (
        "code",
        _l(
            "Confirmation codes have been given with this code and year already: "
            "neither can change any more."
        ),
    ),
    # tracks
    "bad_track_code": ("code", _l("2 to 10 capital letters or digits, e.g. THPT or SV.")),
    "track_code_taken": ("code", _l("Another track of this competition already uses this code.")),
    "track_code_locked": (
        "code",
        _l("Confirmation codes have been given with this code already: it cannot change."),
    ),
    "track_name_required": ("name", _l("Enter a name.")),
    "bad_audience": ("audience", _l("Choose who may enter.")),
    "min_team_size": ("min_team_size", _l("A team has at least one person.")),
    "team_size": (
        "max_team_size",
        _l("The largest team cannot be smaller than the smallest team."),
    ),
    "bad_age": ("min_age", _l("Ages are whole numbers from 1.")),
    "age_range": ("max_age", _l("The oldest age cannot be below the youngest age.")),
    "track_has_entries": (
        None,
        _l("Teams have entered this track: it cannot be deleted. Rename it instead."),
    ),
    # rounds
    "round_name_required": ("name", _l("Enter a name.")),
    "submission_incomplete": (
        "submission_closes_at",
        _l("Give both the opening and the closing time of submissions, or neither."),
    ),
    "submission_order": ("submission_closes_at", _l("Submissions must close after they open.")),
    "judging_incomplete": (
        "judging_closes_at",
        _l("Give both the opening and the closing time of judging, or neither."),
    ),
    "judging_order": ("judging_closes_at", _l("Judging must close after it opens.")),
    "judging_before_submissions_close": (
        "judging_opens_at",
        _l("Judging of the first round can only open once submissions have closed."),
    ),
    "bad_pool_mode": ("pool_mode", _l("Choose how entries are grouped.")),
    "advance_top_n": ("advance_top_n", _l("At least 1.")),
    "pass_mark": ("pass_mark", _l("Between 0 and 100.")),
    "carry_over_weight": ("carry_over_weight", _l("Between 0 and 1.")),
    "carry_over_first": (
        "carry_over_weight",
        _l("The first round has no previous round to carry a score from: leave 0."),
    ),
    "per_unit_cap": ("per_unit_cap", _l("At least 1.")),
    "submission_locked": (
        "submission_opens_at",
        _l(
            "The call has moved past its open phase: the submission window teams were "
            "given can no longer change."
        ),
    ),
    "first_round_locked": (
        None,
        _l(
            "The first round holds the submission window teams were given: once the call "
            "has been opened it can be neither removed nor moved."
        ),
    ),
    "judging_started": (
        None,
        _l("Judging of this round has opened: its pools and the round itself stay as they are."),
    ),
    "first_round_judging": (
        None,
        _l(
            "The round that would come first must open its judging after submissions close. "
            "Change its judging window first."
        ),
    ),
    "first_round_carry_over": (
        None,
        _l(
            "The round that would come first carries a score over from a previous round. "
            "Set that weight to 0 first."
        ),
    ),
    "first_round_invalid": (
        None,
        _l("The round that would come first does not fit the submission window. Edit it first."),
    ),
    "cannot_move": (None, _l("This round cannot move further that way.")),
    # lifecycle
    "stale": (
        None,
        _l("The status of the competition has just changed; here is where it stands now."),
    ),
    "bad_step": (None, _l("This change of status is not possible from the current status.")),
    "no_track": (None, _l("at least one track")),
    "no_round": (None, _l("a first round")),
    "no_submission_window": (
        None,
        _l("the submission window of the first round (when it opens and when it closes)"),
    ),
    "reason_required": ("reason", _l("Say why the competition goes back a step.")),
    "has_entries": (
        None,
        _l("Teams have already submitted entries: the call cannot go back to draft."),
    ),
}

# The reasons that list what a call lacks before it can open.
OPENING_REASONS = ("no_track", "no_round", "no_submission_window")


def message(reason: str) -> str:
    return str(MESSAGES[reason][1])


def show_refusal(error: CallError, form: FlaskForm | None = None) -> None:
    """Each reason beside its field when the form has it, otherwise as a message on top."""
    show_reasons(error.reasons, MESSAGES, form)


def managed_competition(competition_id: int) -> Competition:
    """The competition, for its organizers; a draft does not exist for anyone else."""
    competition = db.session.get(Competition, competition_id)
    require(competition is not None and competition.can_view(current_user), 404)
    require(competition.can_manage(current_user))
    return competition


def managed_track(competition_id: int, track_id: int) -> Track:
    competition = managed_competition(competition_id)
    track = db.session.get(Track, track_id)
    if track is None or track.competition_id != competition.id:
        abort(404)
    return track


def managed_round(competition_id: int, round_id: int) -> Round:
    competition = managed_competition(competition_id)
    round_ = db.session.get(Round, round_id)
    if round_ is None or round_.competition_id != competition.id:
        abort(404)
    return round_


def organised_units(user: User) -> list[Unit]:
    """The current units a user may give a competition to: those they organise and the
    units below them (any current unit for admins)."""
    if user.is_admin:
        return [unit for unit in all_units() if unit.is_current()]
    found: dict[int, Unit] = {}
    for own in user.organizer_units():
        for unit in subtree(own):
            if unit.is_current():
                found[unit.id] = unit
    return sorted(found.values(), key=lambda unit: unit.path)


def owner_unit_choices(user: User, keep: Unit | None = None) -> list[SelectChoice]:
    """`keep` (the unit an existing competition belongs to) stays selectable even when it
    has since ceased to exist, so that editing an old edition does not force a move."""
    units = organised_units(user)
    if keep is not None and all(unit.id != keep.id for unit in units):
        units = sorted([*units, keep], key=lambda unit: unit.path)
    return unit_choices(units)


def remaining_text(delta: timedelta) -> str:
    """ "10 days", "1 day 5 hours", "3 hours 20 minutes": precise where it matters, near a
    deadline, where a rounded "1 week" for ten days would mislead."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if days:
        parts.append(ngettext("%(num)d day", "%(num)d days", days))
    if hours and days < 3:
        parts.append(ngettext("%(num)d hour", "%(num)d hours", hours))
    if minutes and not days and hours < 3:
        parts.append(ngettext("%(num)d minute", "%(num)d minutes", minutes))
    return " ".join(parts) if parts else ngettext("%(num)d minute", "%(num)d minutes", 1)
