"""What the session pages share: who may see a pair (its mentor, its team, the organizers of
the cohort's unit; 404 for everyone else, so a pair's existence is not revealed), and the
message each refusal reason maps to, beside its field when the form has it."""

from __future__ import annotations

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from accelerator.cohorts.errors import CohortError
from accelerator.models import MatchStatus, MentoringSession, MentorMatch, SessionAction
from accelerator.sessions.services import (
    MAX_ACTION_LENGTH,
    MAX_ACTIONS,
    MAX_NOTE_LENGTH,
    MAX_NOTES_LENGTH,
    MAX_TOPICS_LENGTH,
    side_of,
)
from app.access import require
from app.db import db
from app.forms_common import show_reasons

# reason → (the form field it concerns, or None for the page, message)
MESSAGES: dict[str, tuple[str | None, object]] = {
    "not_your_pair": (
        None,
        _l(
            "Sessions are logged only for your own published matches: this team is not matched "
            "with you. Nothing was saved."
        ),
    ),
    "pair_released": (
        None,
        _l(
            "This match has been ended by the organizers: no session can be logged or changed "
            "any more."
        ),
    ),
    "already_logged": (
        None,
        _l("This session is already logged (same day, length and topics): nothing was added."),
    ),
    "date_required": ("held_on", _l("Enter the date of the session.")),
    "date_in_future": (
        "held_on",
        _l("The session cannot be in the future: log it once it has taken place."),
    ),
    "date_before_cohort": ("held_on", _l("The session cannot be before the cohort starts.")),
    "duration_required": ("duration", _l("Enter how long the session lasted, in hours.")),
    "duration_not_positive": ("duration", _l("The duration must be more than zero.")),
    "duration_too_long": (
        "duration",
        _l("A session lasts at most 12 hours: type the hours, e.g. 1,5 for an hour and a half."),
    ),
    "bad_format": ("format", _l("Choose online or in person.")),
    "topics_required": ("topics", _l("Say what the session was about.")),
    "topics_too_long": (
        "topics",
        _l("At most %(n)d characters.", n=MAX_TOPICS_LENGTH),
    ),
    "notes_too_long": ("notes", _l("At most %(n)d characters.", n=MAX_NOTES_LENGTH)),
    "too_many_actions": ("actions", _l("At most %(n)d agreed actions.", n=MAX_ACTIONS)),
    "action_text_required": ("actions", _l("Say what was agreed, or clear the date of that row.")),
    "action_too_long": (
        "actions",
        _l("An agreed action has at most %(n)d characters.", n=MAX_ACTION_LENGTH),
    ),
    "not_author": (None, _l("Only the person who logged this session can change it.")),
    "answered_no_change": (
        None,
        _l("This session has been answered: it can no longer be changed or deleted."),
    ),
    "already_answered": (None, _l("This session has already been answered.")),
    "own_session": (
        None,
        _l("Your side logged this session: the other side confirms or disputes it."),
    ),
    "bad_answer": (None, _l("Choose to confirm or to dispute the session.")),
    "dispute_note_required": ("note", _l("Say why you dispute this session.")),
    "note_too_long": ("note", _l("At most %(n)d characters.", n=MAX_NOTE_LENGTH)),
    "only_team_rates": (None, _l("Only the team rates its sessions.")),
    "not_confirmed": (None, _l("Only a confirmed session can be rated.")),
    "bad_rating": ("rating", _l("Choose a rating from 1 to 5.")),
    "rating_note_too_long": ("note", _l("At most %(n)d characters.", n=MAX_NOTE_LENGTH)),
    # reminders
    "not_a_pair": (None, _l("This pair is not an active match of this cohort.")),
    "pair_active": (None, _l("This pair had a session recently: no reminder is needed.")),
    "reminded_recently": (
        None,
        _l("A reminder was sent to this pair less than 7 days ago: wait before sending another."),
    ),
}


def message(reason: str) -> str:
    return str(MESSAGES[reason][1])


def show_refusal(error: CohortError, form: FlaskForm | None = None) -> None:
    """Each reason beside its field when the form has it, otherwise as a message on top."""
    show_reasons(error.reasons, MESSAGES, form)


def can_view(match: MentorMatch) -> bool:
    """A published or released pair, for its two sides and the cohort's organizers."""
    return match.status != MatchStatus.PROPOSED and (
        side_of(match, current_user) is not None or match.cohort.can_manage(current_user)
    )


def viewable_match(match_id: int) -> MentorMatch:
    match = db.session.get(MentorMatch, match_id)
    require(match is not None and can_view(match), 404)
    return match


def party_match(match_id: int) -> MentorMatch:
    """A pair the signed-in person is a side of; organizers see it, but 403 here."""
    match = viewable_match(match_id)
    require(side_of(match, current_user) is not None)
    return match


def party_session(session_id: int) -> MentoringSession:
    session = db.session.get(MentoringSession, session_id)
    if session is None:
        abort(404)
    party_match(session.match_id)
    return session


def party_action(action_id: int) -> SessionAction:
    action = db.session.get(SessionAction, action_id)
    if action is None:
        abort(404)
    party_match(action.session.match_id)
    return action
