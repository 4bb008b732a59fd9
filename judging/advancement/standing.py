"""Where each entry of a round stands, read from the round's ranking
(:func:`judging.results.services.rank_round`): its score and rank in its pool and overall,
keyed by RoundEntry id, in the shape advancement, awards and publishing use."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from app.db import db
from competitions.models import Round
from judging.common import JudgingError
from judging.models import RoundEntry
from judging.ranking import ZERO_CRITERION
from judging.results.loading import NO_POOL
from judging.results.services import RankedRow, rank_round

__all__ = ["NO_POOL", "Standing", "round_standing"]


@dataclass(frozen=True)
class Standing:
    """One RoundEntry's place. ``merit`` orders entries across pools the way the ranking
    orders them inside a pool (score, then the round's tie-breaks)."""

    round_entry_id: int
    pool_id: int  # NO_POOL for an entry placed without a pool
    score: Decimal | None
    rank: int | None  # in its pool
    overall_rank: int | None
    flags: tuple[str, ...]
    merit: tuple

    @property
    def zero_criterion(self) -> bool:
        return ZERO_CRITERION in self.flags


def round_standing(round_: Round) -> dict[int, Standing]:
    """Every RoundEntry of the round, by id. A round without a rubric (or whose scores no
    longer fit it) has no score yet: every entry stands unranked."""
    try:
        ranking = rank_round(round_.id)
        pool_rows = [row for pool in ranking.pools for row in pool.rows]
        overall = {row.entry.id: row.rank for row in ranking.overall.rows}
    except JudgingError:
        return {
            re_id: Standing(re_id, pool_id or NO_POOL, None, None, None, (), ())
            for re_id, pool_id in db.session.execute(
                select(RoundEntry.id, RoundEntry.pool_id).where(RoundEntry.round_id == round_.id)
            )
        }
    data = ranking.data
    priority = [c.id for c in sorted(data.criterion_info, key=lambda c: (c.position, c.id))]
    return {
        row.entry.id: Standing(
            round_entry_id=row.entry.id,
            pool_id=row.entry.pool_id,
            score=row.score,
            rank=row.rank,
            overall_rank=overall.get(row.entry.id),
            flags=row.flags,
            merit=_merit(row, priority, data.settings.tie_breaks),
        )
        for row in pool_rows
    }


def _merit(row: RankedRow, priority: list[int], tie_breaks: tuple[str, ...]) -> tuple:
    """The ranking's own sort key inside a pool (see judging.ranking._assign_ranks)."""
    if row.score is None:
        return ()
    key: list = [row.score]
    for tie_break in tie_breaks:
        if tie_break == "criteria":
            key.extend(row.criterion_means[c] for c in priority)
        elif tie_break == "judge_count":
            key.append(row.judge_count)
    return tuple(key)
