"""Reminders to judges with missing sheets, and closing judging early (and reopening it).

Functions change the session and flush; they never commit.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_ngettext

from app import audit
from app.db import db, utcnow
from app.links import external_url
from app.localtime import format_datetime
from app.people.models import User
from competitions.models import Round
from judging.common import judging_state, refuse_if, settings_for, settings_or_none
from judging.models import ReminderLog, RoundJudging
from judging.monitoring.progress import JudgeProgress, judge_progress, missing_count

REMINDER_PAUSE = timedelta(hours=1)


# --- reminders ---------------------------------------------------------------------------


@dataclass
class ReminderResult:
    sent: list[JudgeProgress] = field(default_factory=list)
    recent: list[JudgeProgress] = field(default_factory=list)  # reminded less than an hour ago


def send_reminders(
    round_: Round,
    *,
    by: User,
    user_ids: Collection[int] | None = None,
    now: datetime | None = None,
) -> ReminderResult:
    """Email every judge with missing sheets (or the chosen ones among them), one email
    each in their language. A judge reminded less than REMINDER_PAUSE ago is not emailed
    again. Refused unless judging is open, or when nobody chosen has a missing sheet."""
    now = now or utcnow()
    state = judging_state(round_, settings_or_none(round_), now)
    refuse_if([] if state == "open" else ["not_open"])
    wanted = None if user_ids is None else set(user_ids)
    chosen = [
        j
        for j in judge_progress(round_)
        if j.missing > 0 and j.user.is_active and (wanted is None or j.user.id in wanted)
    ]
    refuse_if([] if chosen else ["nobody_missing"])
    result = ReminderResult()
    for judge in chosen:
        if judge.last_reminder is not None and now - judge.last_reminder < REMINDER_PAUSE:
            result.recent.append(judge)
            continue
        _email_reminder(round_, judge)
        db.session.add(
            ReminderLog(
                round_id=round_.id,
                user_id=judge.user.id,
                missing=judge.missing,
                sent_at=now,
                sent_by_id=by.id,
            )
        )
        result.sent.append(judge)
    if result.sent:
        audit.record(
            "judging.reminders",
            round_,
            new={"sent": {str(j.user.id): j.missing for j in result.sent},
                 "skipped_recent": [j.user.id for j in result.recent]},
            actor=by,
        )  # fmt: skip
    db.session.flush()
    return result


def _email_reminder(round_: Round, judge: JudgeProgress) -> None:
    from app.mail.outbox import queue_mail

    deadline = round_.judging_closes_at
    queue_mail(
        judge.user.email,
        lazy_ngettext(
            "Reminder: %(num)d score sheet to submit for %(round)s",
            "Reminder: %(num)d score sheets to submit for %(round)s",
            judge.missing,
            round=round_.name,
        ),
        "judging/monitoring/mail/reminder",
        locale=judge.user.locale,
        user_id=judge.user.id,
        judge=judge.user,
        missing=judge.missing,
        drafts=judge.drafts,
        round=round_,
        competition=round_.competition,
        deadline=format_datetime(deadline) if deadline else None,
        link=external_url("judging.my"),
    )


# --- closing and reopening ---------------------------------------------------------------


def close_judging(
    round_: Round, *, by: User, confirm_missing: bool = False, now: datetime | None = None
) -> int:
    """Close judging now, before the window's end; returns how many sheets were missing.
    With sheets missing, the organizer must have confirmed it."""
    now = now or utcnow()
    existing = settings_or_none(round_)
    state = judging_state(round_, existing, now)
    problems = []
    if existing is not None and existing.results_published_at is not None:
        problems.append("results_published")
    elif state == "closed":
        problems.append("already_closed")
    elif state != "open":
        problems.append("not_open")
    refuse_if(problems)
    missing = missing_count(round_)
    refuse_if(["missing_unconfirmed"] if missing and not confirm_missing else [])
    settings = settings_for(round_)
    old = {"closed_at": settings.closed_at, "closed_by_id": settings.closed_by_id}
    settings.closed_at = now
    settings.closed_by_id = by.id
    audit.record(
        "judging.close",
        round_,
        old=old,
        new={"closed_at": now, "closed_by_id": by.id, "missing": missing},
        actor=by,
    )
    db.session.flush()
    return missing


def can_reopen(round_: Round, settings: RoundJudging | None, now: datetime | None = None) -> bool:
    return not _reopen_problems(round_, settings, now or utcnow())


def _reopen_problems(round_: Round, settings: RoundJudging | None, now: datetime) -> list[str]:
    if settings is None or settings.closed_at is None:
        return ["not_closed"]
    if settings.results_published_at is not None:
        return ["results_published"]
    if round_.judging_closes_at is None or now > round_.judging_closes_at:
        return ["window_over"]
    return []


def reopen_judging(round_: Round, *, by: User, now: datetime | None = None) -> None:
    """Undo an early close while the window is still running and nothing is published."""
    now = now or utcnow()
    settings = settings_or_none(round_)
    refuse_if(_reopen_problems(round_, settings, now))
    old = {"closed_at": settings.closed_at, "closed_by_id": settings.closed_by_id}
    settings.closed_at = None
    settings.closed_by_id = None
    audit.record("judging.reopen", round_, old=old, new={"closed_at": None}, actor=by)
    db.session.flush()
