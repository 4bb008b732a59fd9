"""What a judge's dashboard shows: per round, the judging window, progress and the
assigned entries with the state of the judge's own sheet. Three queries whatever the
number of rounds and assignments."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import joinedload

from app.db import db
from app.people.models import User
from competitions.models import Entry, Round
from judging.common import judging_state
from judging.models import (
    AssignmentStatus,
    Conflict,
    ConflictStatus,
    JudgeAssignment,
    PanelMember,
    PanelStatus,
    RoundEntry,
    RoundJudging,
    ScoreSheet,
    SheetStatus,
)

NOT_STARTED = "not_started"
STATE_ORDER = {"open": 0, "not_yet": 1, "not_set": 2, "closed": 3}


@dataclass
class AssignedEntry:
    round_entry_id: int
    code: str | None
    title: str
    status: str  # not_started, draft or submitted
    conflicted: bool


@dataclass
class RoundCard:
    round: Round
    state: str
    member: PanelMember | None
    entries: list[AssignedEntry] = field(default_factory=list)
    days_left: int | None = None

    @property
    def needs_declaration(self) -> bool:
        return self.member is not None and self.member.conflicts_declared_at is None

    @property
    def assigned(self) -> int:
        return sum(1 for e in self.entries if not e.conflicted)

    @property
    def submitted(self) -> int:
        return sum(
            1 for e in self.entries if not e.conflicted and e.status == SheetStatus.SUBMITTED
        )


def days_left(closes_at: datetime | None, now: datetime) -> int | None:
    """Whole days left before the window closes, counting a started day (None once closed)."""
    if closes_at is None or closes_at < now:
        return None
    return math.ceil((closes_at - now).total_seconds() / 86400)


def judge_rounds(judge: User, now: datetime) -> list[RoundCard]:
    """The rounds where the judge is on the panel or holds published assignments, open
    ones first, each with its entries in code order."""
    members = {
        m.round_id: m
        for m in db.session.scalars(
            select(PanelMember).where(
                PanelMember.user_id == judge.id, PanelMember.status == PanelStatus.ACTIVE
            )
        )
    }
    rows = db.session.execute(
        select(
            RoundEntry.id,
            RoundEntry.round_id,
            Entry.code,
            Entry.title,
            ScoreSheet.status,
            Conflict.id,
        )
        .select_from(JudgeAssignment)
        .join(RoundEntry, RoundEntry.id == JudgeAssignment.round_entry_id)
        .join(Entry, Entry.id == RoundEntry.entry_id)
        .outerjoin(
            ScoreSheet,
            and_(ScoreSheet.round_entry_id == RoundEntry.id, ScoreSheet.user_id == judge.id),
        )
        .outerjoin(
            Conflict,
            and_(
                Conflict.entry_id == Entry.id,
                Conflict.user_id == judge.id,
                Conflict.status == ConflictStatus.ACTIVE,
            ),
        )
        .where(
            JudgeAssignment.user_id == judge.id,
            JudgeAssignment.status == AssignmentStatus.PUBLISHED,
        )
        .order_by(RoundEntry.round_id, Entry.code, Entry.id)
    ).all()
    entries_by_round: dict[int, list[AssignedEntry]] = {}
    for round_entry_id, round_id, code, title, status, conflict_id in rows:
        entries_by_round.setdefault(round_id, []).append(
            AssignedEntry(
                round_entry_id=round_entry_id,
                code=code,
                title=title,
                status=status or NOT_STARTED,
                conflicted=conflict_id is not None,
            )
        )
    round_ids = set(members) | set(entries_by_round)
    if not round_ids:
        return []
    found = db.session.execute(
        select(Round, RoundJudging)
        .outerjoin(RoundJudging, RoundJudging.round_id == Round.id)
        .where(Round.id.in_(round_ids))
        .options(joinedload(Round.competition))
    ).all()
    cards = []
    for round_, settings in found:
        state = judging_state(round_, settings, now)
        cards.append(
            RoundCard(
                round=round_,
                state=state,
                member=members.get(round_.id),
                entries=entries_by_round.get(round_.id, []),
                days_left=days_left(round_.judging_closes_at, now) if state == "open" else None,
            )
        )
    cards.sort(
        key=lambda c: (
            STATE_ORDER.get(c.state, 9),
            c.round.judging_closes_at or now,
            c.round.id,
        )
    )
    return cards
