"""How far a ranking can be trusted: judge profiles, agreement (ICC, Kendall's W), rank stability.

Pure Python over plain data, like :mod:`judging.ranking`, whose judge totals (0–100) are the input.

* **Judge profile**: mean and sample SD (n − 1) of a judge's totals, and *leniency*: the average,
  over the entries the judge shares with other judges, of (judge's total − mean of the *other*
  judges' totals on that entry). Leaving the judge out of the comparison keeps a harsh judge on a
  two-judge panel from pulling the yardstick toward themself. Positive = lenient.
* **ICC** per Shrout & Fleiss (1979) from a complete entries × judges matrix, using the two-way
  ANOVA mean squares BMS (between entries), WMS (within entries), JMS (between judges) and EMS
  (residual). Single-measure forms (1,1), (2,1), (3,1) say how reliable one judge is;
  average-measure forms (1,k), (2,k), (3,k) how reliable the panel's mean is — the number the
  ranking uses. Bands after Koo & Li (2016): < 0.5 poor, 0.5–0.75 moderate, 0.75–0.9 good,
  > 0.9 excellent.
* **Kendall's W** (coefficient of concordance) with the correction for tied ranks; bands as commonly
  used after Schmidt (1997): < 0.1 very weak, < 0.3 weak, < 0.5 moderate, < 0.7 strong, else very
  strong.
* **Leave-one-judge-out**: rank every entry with all judges, then again without each judge in turn;
  an entry's rank *survives* when it is the same every time. An entry that loses all its sheets
  when a judge is dropped cannot be ranked then, so its rank does not survive.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from judging.ranking import Criterion, Id, Method, Sheet, rank_entries, sort_key


@dataclass(frozen=True)
class JudgeProfile:
    judge: Id
    sheet_count: int
    mean: float
    sd: float | None
    leniency: float | None


@dataclass(frozen=True)
class IccResult:
    """The six Shrout & Fleiss coefficients; None where a denominator is zero (no variance)."""

    n: int
    k: int
    icc1_1: float | None
    icc2_1: float | None
    icc3_1: float | None
    icc1_k: float | None
    icc2_k: float | None
    icc3_k: float | None
    bms: float
    wms: float
    jms: float
    ems: float


@dataclass(frozen=True)
class RankStability:
    entry: Id
    pool: Id
    rank: int | None
    min_rank: int | None
    max_rank: int | None
    survives: bool


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def judge_profiles(totals: Mapping[tuple[Id, Id], float]) -> list[JudgeProfile]:
    """Mean, spread and leniency of each judge, from totals keyed by (judge, entry)."""
    by_judge: dict[Id, dict[Id, float]] = defaultdict(dict)
    by_entry: dict[Id, dict[Id, float]] = defaultdict(dict)
    for (judge, entry), total in totals.items():
        by_judge[judge][entry] = total
        by_entry[entry][judge] = total

    profiles = []
    for judge in sorted(by_judge, key=sort_key):
        own = by_judge[judge]
        values = [own[e] for e in sorted(own, key=sort_key)]
        mean = _mean(values)
        sd = (
            math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1))
            if len(values) > 1
            else None
        )
        gaps = []
        for entry in sorted(own, key=sort_key):
            others = [t for j, t in by_entry[entry].items() if j != judge]
            if others:
                gaps.append(own[entry] - _mean(others))
        profiles.append(JudgeProfile(judge, len(values), mean, sd, _mean(gaps) if gaps else None))
    return profiles


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 1e-12 else None


def icc(matrix: Sequence[Sequence[float]]) -> IccResult:
    """Shrout & Fleiss (1979) ICCs from rows = entries (targets), columns = judges."""
    n = len(matrix)
    k = len(matrix[0]) if n else 0
    if n < 2 or k < 2 or any(len(row) != k for row in matrix):
        raise ValueError("ICC needs a complete matrix of at least 2 entries × 2 judges.")
    grand = math.fsum(v for row in matrix for v in row) / (n * k)
    row_means = [_mean(row) for row in matrix]
    col_means = [math.fsum(row[j] for row in matrix) / n for j in range(k)]
    ss_total = math.fsum((v - grand) ** 2 for row in matrix for v in row)
    ss_rows = k * math.fsum((m - grand) ** 2 for m in row_means)
    ss_cols = n * math.fsum((m - grand) ** 2 for m in col_means)
    ss_error = ss_total - ss_rows - ss_cols

    bms = ss_rows / (n - 1)
    wms = (ss_total - ss_rows) / (n * (k - 1))
    jms = ss_cols / (k - 1)
    ems = ss_error / ((n - 1) * (k - 1))
    return IccResult(
        n=n,
        k=k,
        icc1_1=_ratio(bms - wms, bms + (k - 1) * wms),
        icc2_1=_ratio(bms - ems, bms + (k - 1) * ems + k * (jms - ems) / n),
        icc3_1=_ratio(bms - ems, bms + (k - 1) * ems),
        icc1_k=_ratio(bms - wms, bms),
        icc2_k=_ratio(bms - ems, bms + (jms - ems) / n),
        icc3_k=_ratio(bms - ems, bms),
        bms=bms,
        wms=wms,
        jms=jms,
        ems=ems,
    )


def icc_band(value: float | None) -> str:
    """Plain-language reading of an ICC after Koo & Li (2016)."""
    if value is None:
        return "undefined"
    if value < 0.5:
        return "poor"
    if value < 0.75:
        return "moderate"
    if value <= 0.9:
        return "good"
    return "excellent"


def complete_matrix(
    totals: Mapping[tuple[Id, Id], float],
) -> tuple[list[Id], list[Id], list[list[float]]]:
    """Entries × judges matrix of totals, for panels where every judge scored every entry."""
    judges = sorted({j for j, _ in totals}, key=sort_key)
    entries = sorted({e for _, e in totals}, key=sort_key)
    missing = [(j, e) for e in entries for j in judges if (j, e) not in totals]
    if missing:
        judge, entry = missing[0]
        raise ValueError(
            f"Judge {judge!r} has no total for entry {entry!r}; the matrix is not full."
        )
    return entries, judges, [[totals[(j, e)] for j in judges] for e in entries]


def _average_ranks(values: Sequence[float]) -> list[float]:
    """Ranks 1..n, tied values sharing the mean of the ranks they span."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for i in order[start : end + 1]:
            ranks[i] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def kendall_w(matrix: Sequence[Sequence[float]]) -> float | None:
    """Kendall's W for rows = entries, columns = judges, corrected for ties.

    ``W = 12 S / (m² (n³ − n) − m Σ T)``, S the sum of squared deviations of the entries' rank sums
    from their mean, T = Σ (t³ − t) over each judge's groups of t tied entries. None when undefined
    (fewer than 2 entries, or every judge gave every entry the same score).
    """
    n = len(matrix)
    m = len(matrix[0]) if n else 0
    if any(len(row) != m for row in matrix):
        raise ValueError("Kendall's W needs a complete matrix.")
    if n < 2 or m < 1:
        return None
    rank_sums = [0.0] * n
    tie_correction = 0.0
    for j in range(m):
        column = [row[j] for row in matrix]
        for i, r in enumerate(_average_ranks(column)):
            rank_sums[i] += r
        counts: dict[float, int] = defaultdict(int)
        for v in column:
            counts[v] += 1
        tie_correction += sum(t**3 - t for t in counts.values())
    mean_sum = m * (n + 1) / 2
    s = math.fsum((r - mean_sum) ** 2 for r in rank_sums)
    return _ratio(12 * s, m**2 * (n**3 - n) - m * tie_correction)


def kendall_band(value: float | None) -> str:
    if value is None:
        return "undefined"
    for limit, band in ((0.1, "very weak"), (0.3, "weak"), (0.5, "moderate"), (0.7, "strong")):
        if value < limit:
            return band
    return "very strong"


def rank_stability(
    criteria: Sequence[Criterion],
    sheets: Iterable[Sheet],
    *,
    pools: Mapping[Id, Id] | None = None,
    method: Method = "mean",
) -> list[RankStability]:
    """For each entry, its rank with all judges against its ranks dropping each judge in turn."""
    all_sheets = list(sheets)
    full = rank_entries(criteria, all_sheets, pools=pools, method=method)
    judges = sorted({s.judge for s in all_sheets}, key=sort_key)
    # Keep every entry in its pool even when its only judge is dropped.
    pool_of = dict(pools) if pools is not None else {r.entry: r.pool for r in full}
    seen: dict[Id, list[int | None]] = defaultdict(list)
    for judge in judges:
        kept = [s for s in all_sheets if s.judge != judge]
        for r in rank_entries(criteria, kept, pools=pool_of, method=method):
            seen[r.entry].append(r.rank)

    result = []
    for r in full:
        ranks = seen[r.entry]
        known = [x for x in ranks if x is not None]
        if r.rank is not None:
            known.append(r.rank)
        result.append(
            RankStability(
                entry=r.entry,
                pool=r.pool,
                rank=r.rank,
                min_rank=min(known, default=None),
                max_rank=max(known, default=None),
                survives=r.rank is not None and all(x == r.rank for x in ranks),
            )
        )
    return result
