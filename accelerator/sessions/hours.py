"""What the mentoring log adds up to: hours per pair (confirmed, and pending apart), per
mentor and per team, the last session, the average rating, and which pairs have gone quiet.

Only confirmed sessions count as hours (they are what a stipend is paid on); pending ones are
shown apart; a disputed session counts for nothing, not even as a sign of activity. Each
figure comes from one aggregate query over all the pairs a page shows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from accelerator.models import MatchStatus, MentoringSession, MentorMatch, PairReminder
from accelerator.models import SessionStatus as Status
from app.db import db
from app.localtime import local_today, to_local


@dataclass
class PairStats:
    confirmed_minutes: int = 0
    pending_minutes: int = 0
    confirmed: int = 0
    pending: int = 0
    disputed: int = 0
    last_on: date | None = None  # the last confirmed or pending session
    rating_total: int = 0
    rated: int = 0

    @property
    def average_rating(self) -> Decimal | None:
        if not self.rated:
            return None
        return (Decimal(self.rating_total) / self.rated).quantize(Decimal("0.1"), ROUND_HALF_UP)

    def __add__(self, other: PairStats) -> PairStats:
        lasts = [d for d in (self.last_on, other.last_on) if d is not None]
        return PairStats(
            confirmed_minutes=self.confirmed_minutes + other.confirmed_minutes,
            pending_minutes=self.pending_minutes + other.pending_minutes,
            confirmed=self.confirmed + other.confirmed,
            pending=self.pending + other.pending,
            disputed=self.disputed + other.disputed,
            last_on=max(lasts) if lasts else None,
            rating_total=self.rating_total + other.rating_total,
            rated=self.rated + other.rated,
        )


def as_hours(minutes: int) -> Decimal:
    """90 → 1.5: the template's `number` filter writes it with the reader's decimal mark."""
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), ROUND_HALF_UP)


def pair_stats(match_ids: Iterable[int]) -> dict[int, PairStats]:
    """Figures per pair (every id present, zeros included), in one query."""
    ids = list(match_ids)
    stats = {match_id: PairStats() for match_id in ids}
    if not ids:
        return stats
    rows = db.session.execute(
        select(
            MentoringSession.match_id,
            MentoringSession.status,
            func.count(),
            func.sum(MentoringSession.duration_minutes),
            func.max(MentoringSession.held_on),
            func.sum(MentoringSession.rating),
            func.count(MentoringSession.rating),
        )
        .where(MentoringSession.match_id.in_(ids))
        .group_by(MentoringSession.match_id, MentoringSession.status)
    )
    for match_id, status, count, minutes, last_on, rating_total, rated in rows:
        one = stats[match_id]
        if status == Status.DISPUTED:
            one.disputed += count
            continue
        if status == Status.CONFIRMED:
            one.confirmed, one.confirmed_minutes = count, int(minutes or 0)
            one.rating_total, one.rated = int(rating_total or 0), rated
        else:
            one.pending, one.pending_minutes = count, int(minutes or 0)
        one.last_on = max(d for d in (one.last_on, last_on) if d is not None)
    return stats


def total(stats: Iterable[PairStats]) -> PairStats:
    return sum(stats, PairStats())


@dataclass
class Activity:
    """A pair's figures and whether it has gone quiet."""

    match: MentorMatch
    stats: PairStats
    since: date  # the last session, or the day the pair was published when it has none
    inactive: bool
    last_reminder_at: datetime | None


def _published_on(match: MentorMatch) -> date:
    return to_local(match.published_at or match.created_at).date()


def activities(matches: list[MentorMatch], today: date | None = None) -> dict[int, Activity]:
    """Per pair: its figures, since when it is quiet and its last reminder (two queries).
    Only a published pair can be inactive: a released one has ended."""
    today = today or local_today()
    stats = pair_stats(m.id for m in matches)
    reminders: dict[int, datetime] = {}
    if matches:
        reminders = dict(
            db.session.execute(
                select(PairReminder.match_id, func.max(PairReminder.sent_at))
                .where(PairReminder.match_id.in_([m.id for m in matches]))
                .group_by(PairReminder.match_id)
            ).all()
        )
    found = {}
    for match in matches:
        since = stats[match.id].last_on or _published_on(match)
        quiet_for = timedelta(weeks=match.cohort.inactive_weeks)
        found[match.id] = Activity(
            match=match,
            stats=stats[match.id],
            since=since,
            inactive=match.status == MatchStatus.PUBLISHED and today - since >= quiet_for,
            last_reminder_at=reminders.get(match.id),
        )
    return found
