"""The hard exclusion: an ACTIVE conflict removes the pair's assignments in every round of
the entry (a proposed one always, a published one while the judge has no score sheet for
it) and is refused, before any change, while the judge has a score sheet for the entry.
Shared by the judges' declarations, the organizers' recusals and the detection."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import audit
from app.db import db
from app.people.models import User
from judging.common import JudgingError
from judging.models import Conflict, JudgeAssignment, RoundEntry, ScoreSheet

Pair = tuple[int, int]  # (user_id, entry_id)


class SheetInTheWay(JudgingError):
    """An active conflict for pairs where the judge has a score sheet: the organizers must
    deal with the sheet first. `pairs` names them."""

    def __init__(self, pairs: Iterable[Pair]) -> None:
        super().__init__("has_sheet")
        self.pairs = sorted(set(pairs))


def _assignments_and_sheets(
    pairs: set[Pair],
) -> tuple[list[JudgeAssignment], set[Pair]]:
    """The assignments of these pairs in every round, and the pairs with a score sheet."""
    if not pairs:
        return [], set()
    user_ids = {u for u, _ in pairs}
    entry_ids = {e for _, e in pairs}
    assignments = [
        row
        for row in db.session.scalars(
            select(JudgeAssignment)
            .join(RoundEntry, RoundEntry.id == JudgeAssignment.round_entry_id)
            .where(JudgeAssignment.user_id.in_(user_ids), RoundEntry.entry_id.in_(entry_ids))
            .options(joinedload(JudgeAssignment.round_entry))
        )
        if (row.user_id, row.round_entry.entry_id) in pairs
    ]
    sheets = {
        (user_id, entry_id)
        for user_id, entry_id in db.session.execute(
            select(ScoreSheet.user_id, RoundEntry.entry_id)
            .join(RoundEntry, RoundEntry.id == ScoreSheet.round_entry_id)
            .where(ScoreSheet.user_id.in_(user_ids), RoundEntry.entry_id.in_(entry_ids))
        )
    }
    return assignments, sheets & pairs


def blocked_pairs(pairs: Iterable[Pair]) -> set[Pair]:
    """The pairs an active conflict cannot be added for: the judge has a score sheet."""
    return _assignments_and_sheets(set(pairs))[1]


def exclude_pairs(pairs: set[Pair], *, by: User | None) -> None:
    """Drop the assignments of pairs about to become active conflicts; refuses (before any
    change) when a judge has a sheet for one of them."""
    assignments, sheets = _assignments_and_sheets(pairs)
    if sheets:
        raise SheetInTheWay(sheets)
    drop_assignments(assignments, "conflict", by=by)


def drop_assignments(assignments: Iterable[JudgeAssignment], why: str, *, by: User | None) -> int:
    """Delete the assignments, each with an audit row saying why; returns how many."""
    n = 0
    for row in assignments:
        audit.record(
            "judging.assignment_drop",
            row,
            old={
                "round_entry_id": row.round_entry_id,
                "user_id": row.user_id,
                "status": row.status,
            },
            new={"why": why},
            actor=by,
        )
        db.session.delete(row)
        n += 1
    db.session.flush()
    return n


def conflict_snapshot(conflict: Conflict) -> dict:
    return {
        "user_id": conflict.user_id,
        "entry_id": conflict.entry_id,
        "source": conflict.source,
        "status": conflict.status,
        "reason": conflict.reason,
        "override_reason": conflict.override_reason,
    }


def existing_conflicts(pairs: set[Pair]) -> dict[Pair, Conflict]:
    if not pairs:
        return {}
    rows = db.session.scalars(
        select(Conflict).where(
            Conflict.user_id.in_({u for u, _ in pairs}),
            Conflict.entry_id.in_({e for _, e in pairs}),
        )
    )
    return {(c.user_id, c.entry_id): c for c in rows}
