"""A round's ranking per pool and overall, and how far it can be trusted.

The rules themselves live in the pure modules (:mod:`judging.ranking`, :mod:`judging.stats`);
this module feeds them the round's data (:mod:`judging.results.loading`) and its settings, and
turns their answers into rows the pages and the workbook show. Nothing here writes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from judging import stats
from judging.common import JudgingError
from judging.ranking import METHODS, RankedEntry, judge_total, rank_entries
from judging.results.loading import EntryInfo, PoolInfo, RoundData, load_round
from judging.results.ordering import rank_as_one_pool
from judging.results.stability import leave_one_judge_out

OVERALL = "overall"
# Agreement needs a few entries to mean anything: with two, any two judges agree or not by luck.
MIN_ENTRIES_FOR_AGREEMENT = 3
# A judge whose totals sit this many points (0–100 scale) from the panel's is worth a look.
NOTABLE_LENIENCY = 5.0


@dataclass(frozen=True)
class RankedRow:
    entry: EntryInfo
    rank: int | None
    score: Decimal | None
    judge_count: int
    expected: int
    criterion_means: dict[int, Decimal]
    judge_totals: dict[int, Decimal]  # judge (user id) → that judge's total, 0–100
    flags: tuple[str, ...]


@dataclass(frozen=True)
class PoolRanking:
    pool: PoolInfo | None  # None: the overall ranking, all entries as one pool
    rows: list[RankedRow]

    @property
    def is_overall(self) -> bool:
        return self.pool is None

    @property
    def ranked(self) -> int:
        return sum(1 for r in self.rows if r.rank is not None)


def _check_method(method: str | None, data: RoundData) -> str:
    method = method or data.settings.method
    if method not in METHODS:
        raise JudgingError("bad_method")
    return method


def rank_options(data: RoundData, method: str) -> dict:
    """The keyword arguments of ``rank_entries`` that carry the round's settings."""
    s = data.settings
    return {
        "method": method,
        "expected_judges": data.expected,
        "previous": data.previous,
        "carry_weight": s.carry_weight if data.previous is not None else 0.0,
        "tie_breaks": s.tie_breaks,
        "disagreement_sd": s.disagreement_sd,
        "disagreement_range": s.disagreement_range,
        "no_zero": s.no_zero,
    }


def _rank(
    data: RoundData, method: str, pools: dict[int, object], sheets: list | None = None
) -> list[RankedEntry]:
    if not data.criteria:
        raise JudgingError("no_rubric")
    sheets = data.sheets if sheets is None else sheets
    try:
        return rank_entries(data.criteria, sheets, pools=pools, **rank_options(data, method))
    except ValueError as error:  # a maximum lowered below scores already given
        raise JudgingError("scores_outside_rubric") from error


class RoundRanking:
    """The round ranked with one method; per-pool and overall rankings computed on first use."""

    def __init__(self, data: RoundData, method: str) -> None:
        self.data = data
        self.method = method

    @property
    def is_default_method(self) -> bool:
        return self.method == self.data.settings.method

    def _rows(self, results: list[RankedEntry]) -> list[RankedRow]:
        entries, expected = self.data.entries, self.data.expected
        return [
            RankedRow(
                entry=entries[r.entry],
                rank=r.rank,
                score=r.score,
                judge_count=r.judge_count,
                expected=expected[r.entry],
                criterion_means=r.criterion_means,
                judge_totals=r.judge_totals,
                flags=r.flags,
            )
            for r in results
        ]

    @cached_property
    def pool_results(self) -> list[RankedEntry]:
        """Every pool ranked in one call: the normalised method takes each judge's z-scores
        over the whole round, whichever pool the entry is in."""
        return _rank(self.data, self.method, self.data.pool_of)

    @cached_property
    def pools(self) -> list[PoolRanking]:
        by_pool: dict[int, list[RankedEntry]] = defaultdict(list)
        for result in self.pool_results:
            by_pool[result.pool].append(result)
        return [PoolRanking(pool, self._rows(by_pool.get(pool.id, []))) for pool in self.data.pools]

    @cached_property
    def overall(self) -> PoolRanking:
        """Scores do not depend on the pool: the pools' results ranked again as one pool."""
        results = rank_as_one_pool(
            self.pool_results, self.data.criteria, self.data.settings.tie_breaks
        )
        return PoolRanking(None, self._rows(results))

    def pool(self, pool_id: int) -> PoolRanking | None:
        info = next((p for p in self.data.pools if p.id == pool_id), None)
        if info is None:
            return None
        if "pools" in self.__dict__ or self.method == "normalised":
            return next(p for p in self.pools if p.pool.id == pool_id)
        # Mean, median, trimmed: an entry's score depends on its own sheets only, so one pool
        # is ranked from its own sheets (the page shows one pool; no need to rank them all).
        members = {e.id: pool_id for e in self.data.entries.values() if e.pool_id == pool_id}
        sheets = [s for s in self.data.sheets if s.entry in members]
        return PoolRanking(info, self._rows(_rank(self.data, self.method, members, sheets)))

    def scope(self, key: str) -> PoolRanking | None:
        """ "overall" or a pool id as text (from the page's selector)."""
        if key == OVERALL:
            return self.overall
        return self.pool(int(key)) if key.isdigit() else None


def rank_round(
    round_id: int, method: str | None = None, *, data: RoundData | None = None
) -> RoundRanking:
    """The round ranked per pool and overall with ``method`` (the round's own by default)."""
    data = data if data is not None else load_round(round_id)
    return RoundRanking(data, _check_method(method, data))


# --- trust ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class JudgeStat:
    judge_id: int
    name: str
    sheet_count: int
    mean: float
    sd: float | None
    leniency: float | None

    @property
    def notable(self) -> bool:
        return self.leniency is not None and abs(self.leniency) >= NOTABLE_LENIENCY


@dataclass(frozen=True)
class Agreement:
    """A pool's agreement between judges.

    ``one_way``: each entry had its own judges (assigned mode), so only the one-way forms
    ICC(1,1) and ICC(1,k) apply — judge identity differs from row to row. ``two_way``: the same
    judges scored the same entries (panel mode), so ICC(2,*) (absolute agreement) and ICC(3,*)
    (consistency) apply to that complete block. Kendall's W always needs the same judges ranking
    the same entries: it is computed on the largest such block of the pool."""

    pool: PoolInfo
    model: str  # "one_way" or "two_way"
    icc: stats.IccResult | None
    icc_entries: int
    icc_judges: int
    w: float | None
    w_entries: int
    w_judges: int

    @property
    def headline(self) -> float | None:
        """The reliability of the score the ranking uses, the mean of the entry's judges."""
        if self.icc is None:
            return None
        return self.icc.icc1_k if self.model == "one_way" else self.icc.icc3_k

    @property
    def headline_band(self) -> str:
        return stats.icc_band(self.headline) if self.icc is not None else "not_enough"

    @property
    def w_band(self) -> str:
        return stats.kendall_band(self.w) if self.w is not None else "not_enough"


@dataclass(frozen=True)
class StabilityRow:
    entry: EntryInfo
    rank: int | None
    min_rank: int | None
    max_rank: int | None
    survives: bool


@dataclass
class TrustReport:
    ranking: RoundRanking
    judges: list[JudgeStat]
    agreement: list[Agreement]
    stability: dict[int, list[StabilityRow]]  # by pool id

    @property
    def data(self) -> RoundData:
        return self.ranking.data


def trust_report(ranking: RoundRanking, *, stability_of: int | None = None) -> TrustReport:
    """Judge profiles over the round, agreement per pool, leave-one-judge-out per entry —
    of every pool, or only of the pool `stability_of` (the page shows one at a time)."""
    data = ranking.data
    if not data.criteria:
        raise JudgingError("no_rubric")
    totals = _judge_totals(data)
    judges = [
        JudgeStat(p.judge, data.judges.get(p.judge, ""), p.sheet_count, p.mean, p.sd, p.leniency)
        for p in stats.judge_profiles(totals)
    ]
    pool_of = data.pool_of
    by_pool: dict[int, dict[tuple[int, int], float]] = defaultdict(dict)
    for (judge, entry), total in totals.items():
        by_pool[pool_of[entry]][(judge, entry)] = total
    agreement = [
        _agreement(pool, by_pool.get(pool.id, {}), two_way=data.settings.is_panel)
        for pool in data.pools
    ]
    if stability_of is None:
        pools = ranking.pools
    else:
        chosen = ranking.pool(stability_of)
        pools = [chosen] if chosen is not None else []
    lojo = leave_one_judge_out(data, ranking.method, pools, totals)
    stability = {
        p.pool.id: [StabilityRow(r.entry, *lojo[r.entry.id]) for r in p.rows] for p in pools
    }
    return TrustReport(ranking, judges, agreement, stability)


def _judge_totals(data: RoundData) -> dict[tuple[int, int], float]:
    """Totals keyed by (judge, entry) from the complete sheets, as ``ranking.judge_totals``
    computes them, without sorting every sheet again; scores outside the rubric refused."""
    criteria = data.criteria
    limits = {c.id: c.max for c in criteria}
    totals = {}
    for sheet in data.sheets:
        if any(not 0 <= v <= limits.get(c, -1) for c, v in sheet.scores.items()):
            raise JudgingError("scores_outside_rubric")
        if len(sheet.scores) == len(criteria):
            totals[(sheet.judge, sheet.entry)] = judge_total(criteria, sheet.scores)
    return totals


def _by_entry(totals: dict[tuple[int, int], float]) -> dict[int, dict[int, float]]:
    result: dict[int, dict[int, float]] = defaultdict(dict)
    for (judge, entry), total in totals.items():
        result[entry][judge] = total
    return result


def _largest_block(by_entry: dict[int, dict[int, float]]) -> tuple[list[int], list[int]]:
    """Judges and entries of the biggest complete block: a set of judges who all scored the
    same entries. Candidates are the judge sets of the entries themselves; the one covering the
    most scores wins (then more judges, then the lowest ids, so the answer is deterministic)."""
    candidates = {frozenset(judges) for judges in by_entry.values() if len(judges) >= 2}
    best: tuple[int, int, tuple[int, ...]] | None = None
    best_entries: list[int] = []
    for judges in candidates:
        entries = sorted(e for e, scored in by_entry.items() if judges <= scored.keys())
        key = (len(entries) * len(judges), len(judges), tuple(sorted(judges)))
        if best is None or key[:2] > best[:2] or (key[:2] == best[:2] and key[2] < best[2]):
            best, best_entries = key, entries
    return (list(best[2]) if best else []), best_entries


def _agreement(pool: PoolInfo, totals: dict[tuple[int, int], float], *, two_way: bool) -> Agreement:
    by_entry = _by_entry(totals)
    block_judges, block_entries = _largest_block(by_entry)
    block = {(j, e): by_entry[e][j] for e in block_entries for j in block_judges}
    w = None
    if len(block_entries) >= MIN_ENTRIES_FOR_AGREEMENT and len(block_judges) >= 2:
        w = stats.kendall_w(stats.complete_matrix(block)[2])
    w_entries, w_judges = (len(block_entries), len(block_judges)) if w is not None else (0, 0)

    if two_way:
        rows = stats.complete_matrix(block)[2] if block else []
    else:
        # One-way: each row is one entry's totals, whoever gave them; entries with the usual
        # number of judges (the most common count) keep the matrix rectangular.
        counts = Counter(len(j) for j in by_entry.values() if len(j) >= 2)
        k = max(counts, key=lambda c: (counts[c], c)) if counts else 0
        rows = [
            [scored[j] for j in sorted(scored)]
            for e, scored in sorted(by_entry.items())
            if len(scored) == k
        ]
    result = None
    if len(rows) >= MIN_ENTRIES_FOR_AGREEMENT and len(rows[0]) >= 2:
        result = stats.icc(rows)
    return Agreement(
        pool=pool,
        model="two_way" if two_way else "one_way",
        icc=result,
        icc_entries=result.n if result else 0,
        icc_judges=result.k if result else 0,
        w=w,
        w_entries=w_entries,
        w_judges=w_judges,
    )
