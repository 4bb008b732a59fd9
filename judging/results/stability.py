"""Leave-one-judge-out at province scale, with the round's own ranking settings.

:func:`judging.stats.rank_stability` answers the question by ranking the whole pool again for
every judge dropped, with the default settings. That is the reference (a test checks this module
against it), but at 2,000 entries and 150 judges it costs most of a second, and it ignores the
round's tie-breaks and carry-over, so the rank it starts from could differ from the one the
ranking page shows.

Here, with the mean, median and trimmed mean an entry's score depends only on its own sheets:
dropping judge J changes the scores of J's entries and nothing else. So for each judge only
those entries are scored again (same formula, same rounding, same tie-break key as
:mod:`judging.ranking`), and every entry's new rank is counted with two binary searches: how many
unchanged entries and how many re-scored entries now stand strictly above it (competition
ranking: 1, 2, 2, 4). The judge-normalised method does not decompose that way (a judge's
z-scores shift every entry's mapped score), so it re-ranks the pool for each judge, with each
judge's z-scores taken over the pool.
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_right
from collections import Counter, defaultdict
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from judging.ranking import (
    TRIM_MIN_JUDGES,
    Sheet,
    is_complete,
    judge_totals,
    rank_entries,
    round2,
)
from judging.results.ordering import Key, by_priority, merit_key

if TYPE_CHECKING:
    from judging.results.loading import RoundData
    from judging.results.services import PoolRanking

# entry (RoundEntry id) → (rank with every judge, lowest rank, highest rank, survives)
Stability = dict[int, tuple[int | None, int | None, int | None, bool]]
Totals = dict[tuple[int, int], float]
# The same rounding as the ranking; leaving judges out keeps meeting the same few values.
_round2 = lru_cache(maxsize=65_536)(round2)


def _combine(totals: list[float], method: str) -> float:
    ordered = sorted(totals)
    if method == "median":
        return statistics.median(ordered)
    if method == "trimmed" and len(ordered) >= TRIM_MIN_JUDGES:
        ordered = ordered[1:-1]
    return math.fsum(ordered) / len(ordered)


def leave_one_judge_out(
    data: RoundData, method: str, pools: list[PoolRanking], totals: Totals | None = None
) -> Stability:
    """Stability of the entries of `pools` (ranked with `method`); `totals`: the judges'
    unrounded totals (``judging.ranking.judge_totals``) when already known."""
    if method == "normalised":
        return _by_reranking(data, method, pools)
    return _incremental(data, method, pools, totals)


def _incremental(
    data: RoundData, method: str, pools: list[PoolRanking], totals: Totals | None
) -> Stability:
    from judging.results.services import rank_options

    criteria = data.criteria
    options = rank_options(data, method)
    previous, carry = options["previous"], options["carry_weight"]
    tie_breaks = options["tie_breaks"]
    ordered_criteria = by_priority(criteria)

    complete: dict[int, dict[int, Sheet]] = defaultdict(dict)  # entry → judge → sheet
    for sheet in data.sheets:
        if is_complete(criteria, sheet):
            complete[sheet.entry][sheet.judge] = sheet
    total_of = totals if totals is not None else judge_totals(criteria, data.sheets)

    def score_without(entry: int, judge: int) -> tuple[Decimal, list[Sheet]] | None:
        kept = [s for j, s in complete[entry].items() if j != judge]
        if not kept:
            return None
        raw = _combine([total_of[(s.judge, entry)] for s in kept], method)
        if previous is not None and carry > 0 and entry in previous:
            raw = (1 - carry) * raw + carry * float(previous[entry])
        return _round2(round(raw, 9)), kept

    def full_key(score: Decimal, kept: list[Sheet]) -> Key:
        means = {
            c.id: _round2(math.fsum([s.scores[c.id] for s in kept]) / len(kept)) for c in criteria
        }
        return merit_key(score, means, len(kept), ordered_criteria, tie_breaks)

    result: Stability = {}
    for pool in pools:
        base: dict[int, Key] = {
            r.entry.id: merit_key(
                r.score, r.criterion_means, r.judge_count, ordered_criteria, tie_breaks
            )
            for r in pool.rows
            if r.score is not None
        }
        base_scores = Counter(key[0] for key in base.values())
        entries_of: dict[int, list[int]] = defaultdict(list)
        for entry in base:
            for judge in complete[entry]:
                entries_of[judge].append(entry)
        seen: dict[int, list[int | None]] = defaultdict(list)
        for judge in sorted(entries_of):
            touched = entries_of[judge]
            rescored = {e: score_without(e, judge) for e in touched}
            scores = base_scores.copy()
            scores.subtract(base[e][0] for e in touched)
            scores.update(new[0] for new in rescored.values() if new is not None)
            # The tie-breaks matter only between equal scores: an entry whose new score no
            # other entry shares is keyed by its score alone (tuples compare element by
            # element, so the first, different, element decides).
            new_keys: dict[int, Key | None] = {
                e: None if new is None else full_key(*new) if scores[new[0]] > 1 else (new[0],)
                for e, new in rescored.items()
            }
            unchanged = sorted(k for e, k in base.items() if e not in new_keys)
            moved = sorted(k for k in new_keys.values() if k is not None)
            for entry, old_key in base.items():
                key = new_keys.get(entry, old_key)
                if key is None:
                    seen[entry].append(None)
                    continue
                above = len(unchanged) - bisect_right(unchanged, key)
                above += len(moved) - bisect_right(moved, key)
                seen[entry].append(1 + above)
        for r in pool.rows:
            result[r.entry.id] = _summary(r.rank, seen.get(r.entry.id, []))
    return result


def _by_reranking(data: RoundData, method: str, pools: list[PoolRanking]) -> Stability:
    from judging.results.services import rank_options

    options = rank_options(data, method)
    pool_of = data.pool_of
    sheets_of: dict[int, list[Sheet]] = defaultdict(list)
    for sheet in data.sheets:
        sheets_of[pool_of[sheet.entry]].append(sheet)
    result: Stability = {}
    for pool in pools:
        pid = pool.pool.id
        members = {row.entry.id: pid for row in pool.rows}
        sheets = sheets_of.get(pid, [])
        full = rank_entries(data.criteria, sheets, pools=members, **options)
        seen: dict[int, list[int | None]] = defaultdict(list)
        for judge in sorted({s.judge for s in sheets}):
            kept = [s for s in sheets if s.judge != judge]
            for r in rank_entries(data.criteria, kept, pools=members, **options):
                seen[r.entry].append(r.rank)
        for r in full:
            result[r.entry] = _summary(r.rank, seen.get(r.entry, []))
    return result


def _summary(
    rank: int | None, ranks: list[int | None]
) -> tuple[int | None, int | None, int | None, bool]:
    known = [x for x in ranks if x is not None]
    if rank is not None:
        known.append(rank)
    survives = rank is not None and all(x == rank for x in ranks)
    return rank, min(known, default=None), max(known, default=None), survives
