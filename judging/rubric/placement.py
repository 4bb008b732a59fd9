"""The entries a round judges: placing the first round's accepted entries into its pools,
moving an entry to another pool by hand, and the organizers' list.

The first round takes the competition's ACCEPTED entries; later rounds are filled by
advancement. A pool takes an entry when its track (if it has one) is the entry's track and
its unit (if it has one) is the entry's unit or a unit above it; the most specific pool
wins. A pool with neither, in a round pooled by unit, is the pool of entries without a unit;
in any other round it takes every entry (the single pool).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import joinedload

from app import audit
from app.db import db
from app.people.models import User
from competitions.models import Entry, EntryStatus, Pool, PoolMode, Round, Team
from judging.common import JudgingError, pools_of, scoring_started
from judging.models import EntrySource, JudgeAssignment, RoundEntry, ScoreSheet

PER_PAGE = 100
MAX_MOVE = 500


def _depth(pool: Pool) -> int:
    return pool.unit.path.count("/") if pool.unit is not None else 0


def pool_for(entry: Entry, pools: list[Pool], mode: str) -> Pool | None:
    """The pool of the round that judges `entry`, or None when no pool takes it."""
    candidates = []
    for pool in pools:
        if pool.track_id is not None and pool.track_id != entry.track_id:
            continue
        if pool.unit is not None:
            if entry.unit is None or not entry.unit.path.startswith(pool.unit.path):
                continue
        elif mode == PoolMode.BY_UNIT and pool.track_id is None and entry.unit_id is not None:
            continue  # the pool of entries without a unit
        candidates.append(pool)
    if not candidates:
        return None
    return max(candidates, key=lambda p: (p.track_id is not None, _depth(p), -p.id))


def _judged(round_entry_ids: Iterable[int]) -> set[int]:
    """Round entries that judging has begun on: a judge assigned or a sheet saved."""
    ids = list(round_entry_ids)
    if not ids:
        return set()
    assigned = select(JudgeAssignment.round_entry_id).where(JudgeAssignment.round_entry_id.in_(ids))
    sheeted = select(ScoreSheet.round_entry_id).where(ScoreSheet.round_entry_id.in_(ids))
    return set(db.session.scalars(assigned.union(sheeted)))


@dataclass
class Placement:
    added: int = 0
    repooled: int = 0
    removed: int = 0
    # Would be re-pooled or removed, but a judge is already assigned to it or has scored it.
    kept: list[RoundEntry] = field(default_factory=list)
    # Accepted, but no pool of the round takes them.
    unmatched: list[Entry] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.repooled or self.removed)


def place_entries(round_: Round, *, by: User | None = None) -> Placement:
    """Put the competition's accepted entries into the first round, each in its pool.

    Run again, it adds the entries accepted since, moves to their new pool the entries whose
    pool has changed (pools made again, a track corrected), and takes out entries no longer
    accepted, but never an entry a judge is assigned to or has scored, nor one an organizer
    moved by hand (unless its pool is gone)."""
    if not round_.is_first:
        raise JudgingError("not_first_round")
    pools = pools_of(round_)
    if not pools:
        raise JudgingError("no_pools")
    accepted = list(
        db.session.scalars(
            select(Entry)
            .where(Entry.competition_id == round_.competition_id)
            .where(Entry.status == EntryStatus.ACCEPTED)
            .options(joinedload(Entry.unit))
            .order_by(Entry.id)
        )
    )
    present = {
        row.entry_id: row
        for row in db.session.scalars(
            select(RoundEntry)
            .where(RoundEntry.round_id == round_.id)
            .options(joinedload(RoundEntry.entry))
        )
    }
    judged = _judged(row.id for row in present.values())
    result = Placement()
    moves = []
    for entry in accepted:
        target = pool_for(entry, pools, round_.pool_mode)
        row = present.get(entry.id)
        if target is None:
            if row is None or row.pool_id is None:
                result.unmatched.append(entry)
            continue
        if row is None:
            db.session.add(
                RoundEntry(
                    round_id=round_.id, entry=entry, pool=target, source=EntrySource.SCREENING
                )
            )
            result.added += 1
        elif row.pool_id != target.id and (row.pool_id is None or not row.pool_by_hand):
            if row.id in judged:
                result.kept.append(row)
            else:
                moves.append({"round_entry_id": row.id, "from": row.pool_id, "to": target.id})
                row.pool, row.pool_by_hand = target, False
                result.repooled += 1
    gone = []
    for row in present.values():
        if row.entry.status != EntryStatus.ACCEPTED and row.source == EntrySource.SCREENING:
            if row.id in judged:
                result.kept.append(row)
            else:
                gone.append(row.entry_id)
                db.session.delete(row)
                result.removed += 1
    db.session.flush()
    if result.changed:
        audit.record(
            "judging.entries.place",
            round_,
            new={
                "added": result.added,
                "repooled": moves,
                "removed_entry_ids": gone,
                "unmatched_entry_ids": [entry.id for entry in result.unmatched],
            },
            actor=by,
        )
    return result


def move_entries(
    round_: Round, round_entry_ids: Iterable[int], pool_id: int, *, by: User | None = None
) -> int:
    """Move entries of the round to another of its pools, before scoring starts and before
    a judge is assigned to them (a judge's scope may be the old pool). Ids of other rounds'
    entries are ignored; returns how many entries moved."""
    pool = db.session.get(Pool, pool_id)
    if pool is None or pool.round_id != round_.id:
        raise JudgingError("bad_pool")
    ids = sorted({int(i) for i in round_entry_ids})[:MAX_MOVE]
    rows = list(
        db.session.scalars(
            select(RoundEntry)
            .where(RoundEntry.round_id == round_.id, RoundEntry.id.in_(ids))
            .order_by(RoundEntry.id)
        )
    )
    if not rows:
        raise JudgingError("nothing_chosen")
    if scoring_started(round_.id):
        raise JudgingError("scoring_started")
    if _judged(row.id for row in rows):
        raise JudgingError("entries_assigned")
    moved = 0
    for row in rows:
        if row.pool_id == pool.id:
            continue
        old = row.pool_id
        row.pool, row.pool_by_hand = pool, True
        moved += 1
        audit.record(
            "judging.entry.pool",
            row,
            old={"pool_id": old},
            new={"pool_id": pool.id, "entry_id": row.entry_id},
            actor=by,
        )
    db.session.flush()
    return moved


# --- the list ---------------------------------------------------------------------------------

NO_POOL = -1  # the filter value of entries without a pool


def _listed(round_: Round, pool_filter: int | None) -> Select:
    query = select(RoundEntry).where(RoundEntry.round_id == round_.id)
    if pool_filter == NO_POOL:
        query = query.where(RoundEntry.pool_id.is_(None))
    elif pool_filter:
        query = query.where(RoundEntry.pool_id == pool_filter)
    return query


def entry_page(round_: Round, pool_filter: int | None, page: int) -> tuple[list[RoundEntry], int]:
    """One page of the round's entries, by pool then code (two queries: total, page)."""
    total = (
        db.session.scalar(select(func.count()).select_from(_listed(round_, pool_filter).subquery()))
        or 0
    )
    rows = db.session.scalars(
        _listed(round_, pool_filter)
        .join(Entry, RoundEntry.entry_id == Entry.id)
        .outerjoin(Pool, RoundEntry.pool_id == Pool.id)
        .options(
            joinedload(RoundEntry.pool),
            joinedload(RoundEntry.entry).joinedload(Entry.team).joinedload(Team.leader),
            joinedload(RoundEntry.entry).joinedload(Entry.unit),
            joinedload(RoundEntry.entry).joinedload(Entry.track),
        )
        .order_by(Pool.name.is_(None), Pool.name, Entry.code.is_(None), Entry.code, Entry.id)
        .limit(PER_PAGE)
        .offset((max(page, 1) - 1) * PER_PAGE)
    )
    return list(rows.unique()), total


def pool_counts(round_: Round) -> dict[int | None, int]:
    """Entries of the round per pool (None: without a pool), from one grouped query."""
    rows = db.session.execute(
        select(RoundEntry.pool_id, func.count())
        .where(RoundEntry.round_id == round_.id)
        .group_by(RoundEntry.pool_id)
    ).all()
    return {pool_id: n for pool_id, n in rows}


def unplaced_count(round_: Round) -> int:
    """Accepted entries of the competition not in the round yet (first round only)."""
    if not round_.is_first:
        return 0
    placed = exists().where(RoundEntry.round_id == round_.id, RoundEntry.entry_id == Entry.id)
    return (
        db.session.scalar(
            select(func.count(Entry.id)).where(
                Entry.competition_id == round_.competition_id,
                Entry.status == EntryStatus.ACCEPTED,
                ~placed,
            )
        )
        or 0
    )
