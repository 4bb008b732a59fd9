"""The order :mod:`judging.ranking` ranks by, for re-ranking results it already scored.

An entry's score, criterion means and judge count do not depend on the pool it is ranked in, so
the overall ranking is the per-pool results put in one pool and ranked again; and leaving one
judge out changes only that judge's entries. Both re-rank without scoring everything again,
with the same key as ``judging.ranking._assign_ranks`` (tests check they agree)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from judging.ranking import Criterion, RankedEntry, sort_key

Key = tuple[Decimal | int, ...]


def by_priority(criteria: Sequence[Criterion]) -> list[Criterion]:
    return sorted(criteria, key=lambda c: (c.priority, sort_key(c.id)))


def merit_key(
    score: Decimal,
    criterion_means: dict,
    judge_count: int,
    ordered_criteria: Sequence[Criterion],
    tie_breaks: Sequence[str],
) -> Key:
    """Score first, then each tie-break in turn: higher is better."""
    key: list[Decimal | int] = [score]
    for tie_break in tie_breaks:
        if tie_break == "criteria":
            key.extend(criterion_means[c.id] for c in ordered_criteria)
        elif tie_break == "judge_count":
            key.append(judge_count)
    return tuple(key)


def rank_as_one_pool(
    results: Sequence[RankedEntry], criteria: Sequence[Criterion], tie_breaks: Sequence[str]
) -> list[RankedEntry]:
    """Competition ranking (1, 2, 2, 4) of scored results in one pool "", unscored ones last."""
    ordered_criteria = by_priority(criteria)

    def key(r: RankedEntry) -> Key:
        return merit_key(r.score, r.criterion_means, r.judge_count, ordered_criteria, tie_breaks)

    scored = sorted((r for r in results if r.score is not None), key=lambda r: sort_key(r.entry))
    scored.sort(key=key, reverse=True)
    ranked, previous, rank = [], None, 0
    for position, r in enumerate(scored, start=1):
        current = key(r)
        if current != previous:
            rank, previous = position, current
        ranked.append(replace(r, rank=rank, pool=""))
    unscored = sorted((r for r in results if r.score is None), key=lambda r: sort_key(r.entry))
    return ranked + [replace(r, pool="") for r in unscored]
