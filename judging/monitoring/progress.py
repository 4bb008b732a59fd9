"""Judging progress per judge and per entry, read in a fixed number of aggregate queries
whatever the size of the round.

A sheet is expected for every published assignment that no active conflict excludes; it
is missing until it is submitted (online or on paper)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, case, func, or_, select

from app.db import db
from app.people.models import User
from competitions.models import Entry, Pool, Round
from judging.models import (
    AssignmentStatus,
    Conflict,
    ConflictStatus,
    JudgeAssignment,
    ReminderLog,
    RoundEntry,
    RoundJudging,
    ScoreSheet,
    SheetOrigin,
    SheetStatus,
)

ENTRIES_PER_PAGE = 100


def _expected(round_id: int):  # noqa: ANN202
    """One row per expected sheet (published assignment, no active conflict) with the
    judge's sheet beside it when there is one."""
    conflicted = (
        select(Conflict.id)
        .where(
            Conflict.user_id == JudgeAssignment.user_id,
            Conflict.entry_id == RoundEntry.entry_id,
            Conflict.status == ConflictStatus.ACTIVE,
        )
        .exists()
    )
    return (
        select(
            JudgeAssignment.user_id.label("user_id"),
            JudgeAssignment.round_entry_id.label("round_entry_id"),
            ScoreSheet.status.label("status"),
            ScoreSheet.origin.label("origin"),
            ScoreSheet.updated_at.label("updated_at"),
        )
        .join(RoundEntry, RoundEntry.id == JudgeAssignment.round_entry_id)
        .outerjoin(
            ScoreSheet,
            and_(
                ScoreSheet.round_entry_id == JudgeAssignment.round_entry_id,
                ScoreSheet.user_id == JudgeAssignment.user_id,
            ),
        )
        .where(
            RoundEntry.round_id == round_id,
            JudgeAssignment.status == AssignmentStatus.PUBLISHED,
            ~conflicted,
        )
        .subquery("expected")
    )


def _count_if(condition) -> object:  # noqa: ANN001
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# --- per judge ---------------------------------------------------------------------------


@dataclass
class JudgeProgress:
    user: User
    assigned: int
    submitted: int
    drafts: int
    paper: int
    last_activity: datetime | None
    reminders: int = 0
    last_reminder: datetime | None = None

    @property
    def missing(self) -> int:
        return self.assigned - self.submitted


def judge_progress(round_: Round) -> list[JudgeProgress]:
    """Every judge with a published assignment in the round, in Vietnamese name order."""
    expected = _expected(round_.id)
    submitted = expected.c.status == SheetStatus.SUBMITTED
    rows = db.session.execute(
        select(
            User,
            func.count(),
            _count_if(submitted),
            _count_if(expected.c.status == SheetStatus.DRAFT),
            _count_if(and_(submitted, expected.c.origin != SheetOrigin.ONLINE)),
            func.max(expected.c.updated_at),
        )
        .join(expected, expected.c.user_id == User.id)
        .group_by(User.id)
        .order_by(User.name_sort, User.id)
    ).all()
    reminders = {
        user_id: (n, last)
        for user_id, n, last in db.session.execute(
            select(ReminderLog.user_id, func.count(), func.max(ReminderLog.sent_at))
            .where(ReminderLog.round_id == round_.id)
            .group_by(ReminderLog.user_id)
        )
    }
    result = []
    for user, assigned, done, drafts, paper, last in rows:
        sent, last_sent = reminders.get(user.id, (0, None))
        result.append(
            JudgeProgress(
                user=user,
                assigned=int(assigned),
                submitted=int(done),
                drafts=int(drafts),
                paper=int(paper),
                last_activity=_aware(last),
                reminders=int(sent),
                last_reminder=_aware(last_sent),
            )
        )
    return result


def _aware(value: datetime | str | None) -> datetime | None:
    """An aggregate over a UTC column comes back as the column would (SQLite returns the
    stored text for MAX over a subquery, so it is read back here)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# --- per entry ---------------------------------------------------------------------------


@dataclass
class EntryProgress:
    round_entry_id: int
    entry_id: int
    code: str | None
    title: str
    pool: str | None
    assigned: int
    submitted: int
    paper: int

    @property
    def missing(self) -> int:
        return self.assigned - self.submitted


@dataclass
class EntryFilters:
    only_missing: bool = False
    pool_id: int | None = None


def _per_entry(round_id: int):  # noqa: ANN202
    expected = _expected(round_id)
    submitted = expected.c.status == SheetStatus.SUBMITTED
    return (
        select(
            expected.c.round_entry_id,
            func.count().label("assigned"),
            _count_if(submitted).label("submitted"),
            _count_if(and_(submitted, expected.c.origin != SheetOrigin.ONLINE)).label("paper"),
        )
        .group_by(expected.c.round_entry_id)
        .subquery("per_entry")
    )


def _entry_rows(round_: Round, filters: EntryFilters):  # noqa: ANN202
    per_entry = _per_entry(round_.id)
    assigned = func.coalesce(per_entry.c.assigned, 0)
    submitted = func.coalesce(per_entry.c.submitted, 0)
    query = (
        select(
            RoundEntry.id,
            Entry.id,
            Entry.code,
            Entry.title,
            Pool.name,
            assigned.label("assigned"),
            submitted.label("submitted"),
            func.coalesce(per_entry.c.paper, 0),
        )
        .join(Entry, Entry.id == RoundEntry.entry_id)
        .outerjoin(Pool, Pool.id == RoundEntry.pool_id)
        .outerjoin(per_entry, per_entry.c.round_entry_id == RoundEntry.id)
        .where(RoundEntry.round_id == round_.id)
    )
    if filters.pool_id is not None:
        query = query.where(RoundEntry.pool_id == filters.pool_id)
    if filters.only_missing:
        # An entry nobody is assigned to is missing all its sheets too.
        query = query.where(or_(assigned == 0, assigned > submitted))
    return query


def entry_page(
    round_: Round, filters: EntryFilters, page: int = 1
) -> tuple[list[EntryProgress], int]:
    """One page of the round's entries with their sheet counts, and how many match."""
    query = _entry_rows(round_, filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(
        query.order_by(Entry.code, RoundEntry.id)
        .limit(ENTRIES_PER_PAGE)
        .offset((max(page, 1) - 1) * ENTRIES_PER_PAGE)
    ).all()
    return [EntryProgress(*row) for row in rows], total or 0


def all_entries(round_: Round, filters: EntryFilters) -> list[EntryProgress]:
    """Every matching entry with its sheet counts, in the page's order (for the export)."""
    rows = db.session.execute(_entry_rows(round_, filters).order_by(Entry.code, RoundEntry.id))
    return [EntryProgress(*row) for row in rows]


# --- totals ------------------------------------------------------------------------------


@dataclass
class Totals:
    entries: int = 0
    complete: int = 0  # every expected sheet submitted
    without_judges: int = 0
    expected: int = 0
    submitted: int = 0
    drafts: int = 0
    paper: int = 0
    judges: int = 0
    judges_done: int = 0

    @property
    def missing(self) -> int:
        return self.expected - self.submitted

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.expected) if self.expected else 0


def totals(round_: Round, judges: list[JudgeProgress]) -> Totals:
    rows = _entry_rows(round_, EntryFilters()).subquery()
    entries, complete, without = db.session.execute(
        select(
            func.count(),
            _count_if(and_(rows.c.assigned > 0, rows.c.assigned == rows.c.submitted)),
            _count_if(rows.c.assigned == 0),
        )
    ).one()
    return Totals(
        entries=int(entries),
        complete=int(complete),
        without_judges=int(without),
        expected=sum(j.assigned for j in judges),
        submitted=sum(j.submitted for j in judges),
        drafts=sum(j.drafts for j in judges),
        paper=sum(j.paper for j in judges),
        judges=len(judges),
        judges_done=sum(1 for j in judges if j.missing == 0),
    )


def missing_count(round_: Round) -> int:
    expected = _expected(round_.id)
    return int(
        db.session.scalar(
            select(
                _count_if(
                    or_(expected.c.status.is_(None), expected.c.status != SheetStatus.SUBMITTED)
                )
            )
        )
    )


def closed_by(settings: RoundJudging | None) -> User | None:
    if settings is None or settings.closed_by_id is None:
        return None
    return db.session.get(User, settings.closed_by_id)
