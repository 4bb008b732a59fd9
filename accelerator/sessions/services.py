"""Writes to the mentoring log: a session logged by one side of a pair, the other side's
answer, the team's rating, agreed actions marked done, reminders to inactive pairs.

Every rule holds whoever calls (a form, the seed, a test): a refusal raises `CohortError`
with every reason found, before anything is changed. Functions change the session, flush
and add their audit row; the request commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from accelerator.cohorts.errors import CohortError, refuse_if
from accelerator.models import (
    Cohort,
    LoggedBy,
    MatchStatus,
    MentoringSession,
    MentorMatch,
    PairReminder,
    SessionAction,
    SessionFormat,
    SessionStatus,
)
from accelerator.sessions import hours
from app import audit
from app.db import db, utcnow
from app.links import external_url
from app.localtime import local_today
from app.mail.outbox import queue_mail
from app.people.models import User

MAX_MINUTES: Final = 720  # twelve hours: the database's bound too
MAX_TOPICS_LENGTH: Final = 300
MAX_NOTES_LENGTH: Final = 5000
MAX_NOTE_LENGTH: Final = 2000  # a dispute note, a rating comment
MAX_ACTIONS: Final = 10
MAX_ACTION_LENGTH: Final = 500
REMIND_AGAIN_AFTER: Final = timedelta(days=7)


@dataclass
class ActionData:
    text: str
    due_on: date | None = None


@dataclass
class SessionData:
    """What the author of a session types."""

    held_on: date | None
    duration_minutes: int | None
    format: str
    topics: str
    notes: str = ""
    actions: list[ActionData] = field(default_factory=list)


def side_of(match: MentorMatch, user: User) -> str | None:
    """Which side of the pair `user` is on: the mentor, the team (its leader or any member),
    or neither (organizers included: they read the log, they do not write it)."""
    if not user.is_authenticated:
        return None
    if match.mentor_id == user.id:
        return LoggedBy.MENTOR
    team = match.cohort_team.team
    if team.is_leader(user) or team.is_member(user):
        return LoggedBy.TEAM
    return None


def _tidy(data: SessionData) -> SessionData:
    return SessionData(
        held_on=data.held_on,
        duration_minutes=data.duration_minutes,
        format=data.format,
        topics=" ".join((data.topics or "").split()),
        notes=(data.notes or "").strip(),
        actions=[
            ActionData(" ".join((a.text or "").split()), a.due_on)
            for a in data.actions
            if (a.text or "").strip() or a.due_on is not None
        ],
    )


def _problems(match: MentorMatch, data: SessionData) -> list[str]:
    problems = []
    if data.held_on is None:
        problems.append("date_required")
    elif data.held_on > local_today():
        problems.append("date_in_future")
    elif data.held_on < match.cohort.starts_on:
        problems.append("date_before_cohort")
    if data.duration_minutes is None:
        problems.append("duration_required")
    elif data.duration_minutes < 1:
        problems.append("duration_not_positive")
    elif data.duration_minutes > MAX_MINUTES:
        problems.append("duration_too_long")
    if data.format not in set(SessionFormat):
        problems.append("bad_format")
    if not data.topics:
        problems.append("topics_required")
    elif len(data.topics) > MAX_TOPICS_LENGTH:
        problems.append("topics_too_long")
    if len(data.notes) > MAX_NOTES_LENGTH:
        problems.append("notes_too_long")
    if len(data.actions) > MAX_ACTIONS:
        problems.append("too_many_actions")
    if any(not a.text for a in data.actions):
        problems.append("action_text_required")
    if any(len(a.text) > MAX_ACTION_LENGTH for a in data.actions):
        problems.append("action_too_long")
    return problems


def _fields(session: MentoringSession) -> dict:
    return {
        "match_id": session.match_id,
        "held_on": session.held_on,
        "duration_minutes": session.duration_minutes,
        "format": session.format,
        "topics": session.topics,
        "notes": session.notes,
        "logged_by": session.logged_by,
        "status": session.status,
        "actions": [[a.text, a.due_on] for a in session.actions],
    }


def _apply(session: MentoringSession, data: SessionData) -> None:
    session.held_on = data.held_on  # type: ignore[assignment]
    session.duration_minutes = data.duration_minutes  # type: ignore[assignment]
    session.format = data.format
    session.topics = data.topics
    session.notes = data.notes
    # Marks of done survive an edit for the actions whose text stays the same.
    done = {a.text: a.done_at for a in session.actions}
    session.actions = [
        SessionAction(text=a.text, due_on=a.due_on, done_at=done.get(a.text)) for a in data.actions
    ]


def _check_writer(match: MentorMatch, by: User) -> str:
    side = side_of(match, by)
    if side is None or match.status == MatchStatus.PROPOSED:
        raise CohortError("not_your_pair")
    if match.status != MatchStatus.PUBLISHED:
        raise CohortError("pair_released")
    return side


def log_session(match: MentorMatch, data: SessionData, *, by: User) -> MentoringSession:
    """A session of a published pair, logged by either side; the other side answers it."""
    side = _check_writer(match, by)
    data = _tidy(data)
    refuse_if(_problems(match, data))
    # A double click, or the form sent again from a second tab, logs nothing twice: the pair's
    # row is locked (two requests at once take turns on PostgreSQL; SQLite writes one at a
    # time anyway), then a session with the same author, day, length and topics is looked for.
    db.session.execute(select(MentorMatch.id).where(MentorMatch.id == match.id).with_for_update())
    twin = db.session.scalar(
        select(MentoringSession.id).where(
            MentoringSession.match_id == match.id,
            MentoringSession.author_id == by.id,
            MentoringSession.held_on == data.held_on,
            MentoringSession.duration_minutes == data.duration_minutes,
            MentoringSession.topics == data.topics,
        )
    )
    refuse_if(["already_logged"] if twin is not None else [])
    session = MentoringSession(match=match, logged_by=side, author_id=by.id)
    _apply(session, data)
    db.session.add(session)
    db.session.flush()
    audit.record("mentoring.session_log", session, new=_fields(session), actor=by)
    return session


def _check_author(session: MentoringSession, by: User) -> None:
    _check_writer(session.match, by)
    if session.author_id != by.id:
        raise CohortError("not_author")
    if session.status != SessionStatus.PENDING:
        raise CohortError("answered_no_change")


def edit_session(session: MentoringSession, data: SessionData, *, by: User) -> None:
    """Its author changes it while the other side has not answered."""
    _check_author(session, by)
    data = _tidy(data)
    refuse_if(_problems(session.match, data))
    old = _fields(session)
    _apply(session, data)
    db.session.flush()
    new = _fields(session)
    if new != old:
        audit.record("mentoring.session_edit", session, old=old, new=new, actor=by)


def delete_session(session: MentoringSession, *, by: User) -> None:
    _check_author(session, by)
    audit.record("mentoring.session_delete", session, old=_fields(session), actor=by)
    db.session.delete(session)
    db.session.flush()


def answer_session(session: MentoringSession, *, confirm: bool, note: str, by: User) -> None:
    """The other side confirms the session, or disputes it saying why; once.

    A conditional UPDATE on the pending status: of two answers posted at once (both team
    members, a double click) only the first changes the row; the second is told."""
    note = (note or "").strip()
    side = side_of(session.match, by)
    if side is None:
        raise CohortError("not_your_pair")
    if session.status != SessionStatus.PENDING:
        raise CohortError("already_answered")
    if side == session.logged_by:
        raise CohortError("own_session")
    if not confirm and not note:
        raise CohortError("dispute_note_required")
    if len(note) > MAX_NOTE_LENGTH:
        raise CohortError("note_too_long")
    status = SessionStatus.CONFIRMED if confirm else SessionStatus.DISPUTED
    answered = db.session.execute(
        update(MentoringSession)
        .where(MentoringSession.id == session.id, MentoringSession.status == SessionStatus.PENDING)
        .values(status=status, answered_by_id=by.id, answered_at=utcnow(), dispute_note=note)
        .execution_options(synchronize_session=False)
    )
    if answered.rowcount != 1:
        raise CohortError("already_answered")
    db.session.refresh(session)
    audit.record(
        "mentoring.session_confirm" if confirm else "mentoring.session_dispute",
        session,
        old={"status": SessionStatus.PENDING},
        new={"status": status, "note": note},
        actor=by,
    )


def rate_session(session: MentoringSession, rating: int | None, note: str, *, by: User) -> None:
    """The team's rating of a confirmed session (1–5, a comment if it wishes); it may change it."""
    note = (note or "").strip()
    if side_of(session.match, by) != LoggedBy.TEAM:
        raise CohortError("only_team_rates")
    if session.status != SessionStatus.CONFIRMED:
        raise CohortError("not_confirmed")
    problems = []
    if rating is None or not 1 <= rating <= 5:
        problems.append("bad_rating")
    if len(note) > MAX_NOTE_LENGTH:
        problems.append("rating_note_too_long")
    refuse_if(problems)
    old = {"rating": session.rating, "note": session.rating_note}
    session.rating, session.rating_note = rating, note
    db.session.flush()
    new = {"rating": session.rating, "note": session.rating_note}
    if new != old:
        audit.record("mentoring.session_rate", session, old=old, new=new, actor=by)


def mark_action(action: SessionAction, *, done: bool, by: User) -> None:
    """Either side of the pair marks an agreed action done (or not done after all)."""
    if side_of(action.session.match, by) is None:
        raise CohortError("not_your_pair")
    if (action.done_at is not None) == done:
        return
    old = {"done_at": action.done_at}
    action.done_at = utcnow() if done else None
    db.session.flush()
    audit.record(
        "mentoring.action_done", action, old=old, new={"done_at": action.done_at}, actor=by
    )


# --- reminders to inactive pairs -----------------------------------------------------------


def send_reminder(cohort: Cohort, match_id: int, *, actor: User) -> PairReminder:
    """Email the mentor and the team leader of a pair with no session for the cohort's
    `inactive_weeks`, each in their language; at most once a week per pair.

    The pair's row is locked first: on PostgreSQL two reminders posted at once wait for each
    other, and the second finds the first (SQLite serialises write transactions already)."""
    match = db.session.scalar(
        select(MentorMatch)
        .where(MentorMatch.id == match_id, MentorMatch.cohort_id == cohort.id)
        .with_for_update()
    )
    if match is None or match.status != MatchStatus.PUBLISHED:
        raise CohortError("not_a_pair")
    activity = hours.activities([match])[match.id]
    if not activity.inactive:
        raise CohortError("pair_active")
    last = activity.last_reminder_at
    if last is not None and utcnow() - last < REMIND_AGAIN_AFTER:
        raise CohortError("reminded_recently")
    reminder = PairReminder(
        match_id=match.id, sent_by_id=actor.id, last_session_on=activity.stats.last_on
    )
    db.session.add(reminder)
    db.session.flush()
    leader = match.cohort_team.team.leader
    recipients = [match.mentor] + ([leader] if leader.id != match.mentor_id else [])
    for person in recipients:
        queue_mail(
            person.email,
            _l("No mentoring session for a while: %(cohort)s", cohort=cohort.name),
            "accelerator/sessions/mail/reminder",
            locale=person.locale,
            user_id=person.id,
            person=person,
            cohort=cohort,
            match=match,
            since=activity.since,
            weeks=cohort.inactive_weeks,
            link=external_url("accelerator.pair", match_id=match.id),
        )
    audit.record(
        "mentoring.pair_remind",
        match,
        new={
            "reminder_id": reminder.id,
            "last_session_on": activity.stats.last_on,
            "since": activity.since,
            "recipients": [p.id for p in recipients],
        },
        actor=actor,
    )
    return reminder
