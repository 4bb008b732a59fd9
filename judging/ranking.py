"""Rank a round's entries from judges' score sheets: pure Python over plain data.

No Flask and no database here, so the rules organizers must be able to defend are tested in
milliseconds and reused by the statistics module (leave-one-judge-out) and the export.

Choices, each one a rule an organizer may be asked about:

* **A judge's total** for an entry is ``sum(score / max * weight) / sum(weight) * 100``, a number on
  the 0–100 scale whatever the rubric. Only *complete* sheets (every criterion scored) give a total:
  a partial sheet would drag the entry down (missing = 0) or silently re-weight the rubric. Partial
  sheets still raise the ``incomplete`` and ``zero_criterion`` flags.
* **Methods**: ``mean`` (default); ``median``; ``trimmed`` drops the single highest and lowest
  total when at least five judges scored, otherwise it is the mean; ``normalised`` turns each
  judge's totals into z-scores over *all* that judge's sheets in the call (the round), averages them
  per entry and maps the average back with the round's overall mean and SD of totals
  (``mean + z * sd``), clamped to 0–100. A judge with a single sheet, or whose totals are all equal,
  has no spread to divide by; the fallback is "raw total minus the judge's own mean", which for such
  a judge is always 0: their sheet counts as an average verdict and pulls the entry toward the round
  mean. SDs are population SDs (they describe these totals; nothing is being estimated).
* **Carry-over**: ``final = (1 - w) * this + w * previous`` on unrounded values. An entry without a
  previous score keeps this round's score and is flagged ``no_previous``.
* **Precision**: sums use :func:`math.fsum` over inputs put in a canonical order, so results do not
  depend on input order; totals and averages are rounded to 9 decimals so float noise never splits
  a true tie. Scores are rounded once, at the end, to 2 decimals (half-up, on the decimal
  value one reads) and returned as :class:`~decimal.Decimal`; ranking compares these rounded scores,
  so two entries shown with the same score are treated as tied.
* **Ties** (configurable, ``tie_breaks``): ``"criteria"`` compares the per-criterion mean raw
  scores (rounded to 2 decimals) in criterion priority order (lower ``priority`` first, then id),
  then ``"judge_count"`` prefers the entry more judges scored (more evidence). Entries still equal
  share a rank, competition style: 1, 2, 2, 4.
* **Flags**: ``incomplete`` (fewer complete sheets than the expected judges, or any partial
  sheet), ``disagreement`` (population SD of the judges' totals above ``disagreement_sd`` or their
  range above ``disagreement_range``), ``zero_criterion`` (some criterion scored 0, when
  ``no_zero`` is on), ``no_previous`` (see carry-over). An entry with no complete sheet gets no
  score and no rank and is listed after the ranked entries of its pool.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Id = str | int
Method = Literal["mean", "median", "trimmed", "normalised"]
METHODS: tuple[str, ...] = ("mean", "median", "trimmed", "normalised")
TIE_BREAKS: tuple[str, ...] = ("criteria", "judge_count")

INCOMPLETE = "incomplete"
DISAGREEMENT = "disagreement"
ZERO_CRITERION = "zero_criterion"
NO_PREVIOUS = "no_previous"

TRIM_MIN_JUDGES = 5
_CENT = Decimal("0.01")
_NO_SPREAD = 1e-9  # points; totals are on a 0–100 scale, so anything smaller is float noise


@dataclass(frozen=True)
class Criterion:
    """One rubric line. ``priority`` orders tie-breaks: lower comes first."""

    id: Id
    max: float
    weight: float = 1.0
    priority: int = 0


@dataclass(frozen=True)
class Sheet:
    """One judge's scores for one entry; criteria left out mean the sheet is not complete."""

    judge: Id
    entry: Id
    scores: Mapping[Id, float]


@dataclass(frozen=True)
class RankedEntry:
    """An entry's place in its pool. ``score`` and ``rank`` are None when no sheet is complete."""

    entry: Id
    score: Decimal | None
    rank: int | None
    judge_count: int
    criterion_means: dict[Id, Decimal]
    flags: tuple[str, ...]
    pool: Id = ""
    judge_totals: dict[Id, Decimal] = field(default_factory=dict)


def sort_key(value: Id) -> tuple[str, Id]:
    """Order ids of mixed types deterministically (ints among ints, strings among strings)."""
    return (type(value).__name__, value)


def round2(value: float) -> Decimal:
    """Round half-up to 2 decimals on the shortest decimal form of the float (2.675 → 2.68)."""
    return Decimal(repr(float(value))).quantize(_CENT, rounding=ROUND_HALF_UP)


def _check_criteria(criteria: Sequence[Criterion]) -> None:
    if not criteria:
        raise ValueError("The rubric has no criteria.")
    ids = [c.id for c in criteria]
    if len(set(ids)) != len(ids):
        raise ValueError("Criterion ids must be unique.")
    for c in criteria:
        if c.max <= 0:
            raise ValueError(f"Criterion {c.id!r}: the maximum must be positive.")
        if c.weight < 0:
            raise ValueError(f"Criterion {c.id!r}: the weight cannot be negative.")
    if math.fsum(c.weight for c in criteria) <= 0:
        raise ValueError("The criteria weights add up to zero.")


def _canonical_sheets(criteria: Sequence[Criterion], sheets: Iterable[Sheet]) -> list[Sheet]:
    """Validate the sheets and put them in one order, whatever order they came in."""
    by_id = {c.id: c for c in criteria}
    seen: set[tuple[Id, Id]] = set()
    result = []
    for sheet in sheets:
        pair = (sheet.judge, sheet.entry)
        if pair in seen:
            raise ValueError(f"Judge {sheet.judge!r} has two sheets for entry {sheet.entry!r}.")
        seen.add(pair)
        for criterion_id, score in sheet.scores.items():
            criterion = by_id.get(criterion_id)
            if criterion is None:
                raise ValueError(f"Unknown criterion {criterion_id!r} on a sheet.")
            if not 0 <= score <= criterion.max:
                raise ValueError(
                    f"Score {score} for {criterion_id!r} is outside 0–{criterion.max}."
                )
        result.append(sheet)
    result.sort(key=lambda s: (sort_key(s.entry), sort_key(s.judge)))
    return result


def is_complete(criteria: Sequence[Criterion], sheet: Sheet) -> bool:
    return all(c.id in sheet.scores for c in criteria)


def judge_total(criteria: Sequence[Criterion], scores: Mapping[Id, float]) -> float:
    """The weighted sum scaled to 0–100: ``sum(score / max * weight) / sum(weight) * 100``."""
    weighted = math.fsum(float(scores[c.id]) / c.max * c.weight for c in criteria)
    return _denoise(weighted / math.fsum(c.weight for c in criteria) * 100)


def _denoise(value: float) -> float:
    """Round to 9 decimals so equal values reached by different float paths compare equal.

    Without it a true tie (or a true 70.005) can land one ulp either side of a cent boundary and
    show as 70.00 against 70.01.
    """
    return round(value, 9)


def judge_totals(
    criteria: Sequence[Criterion], sheets: Iterable[Sheet]
) -> dict[tuple[Id, Id], float]:
    """Unrounded totals keyed by (judge, entry), complete sheets only — the statistics' input."""
    _check_criteria(criteria)
    return {
        (s.judge, s.entry): judge_total(criteria, s.scores)
        for s in _canonical_sheets(criteria, sheets)
        if is_complete(criteria, s)
    }


def _pstdev(values: Sequence[float]) -> float:
    # Equal totals must give exactly 0: the float mean of e.g. six 63.33… can be off by one ulp,
    # and a "spread" of 1e-15 would turn noise into z-scores of ±1.
    if len(values) < 2 or min(values) == max(values):
        return 0.0
    mean = math.fsum(values) / len(values)
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values))


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def _combine(totals: Sequence[float], method: str) -> float:
    ordered = sorted(totals)
    if method == "median":
        return statistics.median(ordered)
    if method == "trimmed" and len(ordered) >= TRIM_MIN_JUDGES:
        return _mean(ordered[1:-1])
    return _mean(ordered)


def _normalised_scores(
    totals: Mapping[tuple[Id, Id], float],
) -> dict[Id, float]:
    """Per entry: mean of its judges' z-scores, mapped back to the round's 0–100 scale."""
    by_judge: dict[Id, list[float]] = defaultdict(list)
    for (judge, _entry), total in sorted(totals.items(), key=lambda kv: _pair_key(kv[0])):
        by_judge[judge].append(total)
    judge_mean = {j: _mean(v) for j, v in by_judge.items()}
    judge_sd = {j: _pstdev(v) for j, v in by_judge.items()}
    all_totals = [totals[k] for k in sorted(totals, key=_pair_key)]
    round_mean, round_sd = _mean(all_totals), _pstdev(all_totals)

    z_by_entry: dict[Id, list[float]] = defaultdict(list)
    for (judge, entry), total in sorted(totals.items(), key=lambda kv: _pair_key(kv[0])):
        sd = judge_sd[judge]
        # Fallback documented above: with no spread, total − own mean is 0 by definition.
        z = (total - judge_mean[judge]) / sd if sd > _NO_SPREAD else 0.0
        z_by_entry[entry].append(z)
    return {
        entry: min(100.0, max(0.0, _denoise(round_mean + _denoise(_mean(zs)) * round_sd)))
        for entry, zs in z_by_entry.items()
    }


def _pair_key(pair: tuple[Id, Id]) -> tuple[tuple[str, Id], tuple[str, Id]]:
    return (sort_key(pair[0]), sort_key(pair[1]))


def rank_entries(
    criteria: Sequence[Criterion],
    sheets: Iterable[Sheet],
    *,
    pools: Mapping[Id, Id] | None = None,
    method: Method = "mean",
    expected_judges: int | Mapping[Id, int] | None = None,
    previous: Mapping[Id, float | Decimal] | None = None,
    carry_weight: float = 0.0,
    tie_breaks: Sequence[str] = TIE_BREAKS,
    disagreement_sd: float | None = 15.0,
    disagreement_range: float | None = 30.0,
    no_zero: bool = False,
) -> list[RankedEntry]:
    """Score and rank every entry, per pool; returns entries ordered by (pool, rank, entry).

    ``pools`` maps every entry to its pool (entries listed there without sheets appear unranked);
    without it all entries form one pool ``""`` — the overall ranking. ``expected_judges`` is one
    number for all entries or a number per entry. See the module docstring for every rule.
    """
    _check_criteria(criteria)
    if method not in METHODS:
        raise ValueError(f"Unknown ranking method {method!r}; use one of {', '.join(METHODS)}.")
    if not 0 <= carry_weight <= 1:
        raise ValueError("The carry-over weight must be between 0 and 1.")
    unknown = [t for t in tie_breaks if t not in TIE_BREAKS]
    if unknown:
        raise ValueError(f"Unknown tie-break {unknown[0]!r}; use {', '.join(TIE_BREAKS)}.")

    ordered = _canonical_sheets(criteria, sheets)
    pool_of: dict[Id, Id] = dict(pools) if pools is not None else {}
    for sheet in ordered:
        if pools is None:
            pool_of.setdefault(sheet.entry, "")
        elif sheet.entry not in pool_of:
            raise ValueError(f"Entry {sheet.entry!r} has sheets but no pool.")

    complete = [s for s in ordered if is_complete(criteria, s)]
    totals = {(s.judge, s.entry): judge_total(criteria, s.scores) for s in complete}
    normalised = _normalised_scores(totals) if method == "normalised" and totals else {}

    sheets_of: dict[Id, list[Sheet]] = defaultdict(list)
    for sheet in ordered:
        sheets_of[sheet.entry].append(sheet)

    results = []
    for entry in sorted(pool_of, key=sort_key):
        entry_sheets = sheets_of.get(entry, [])
        full = [s for s in entry_sheets if is_complete(criteria, s)]
        entry_totals = [totals[(s.judge, entry)] for s in full]
        flags = set()
        expected = (
            expected_judges.get(entry, 0)
            if isinstance(expected_judges, Mapping)
            else expected_judges or 0
        )
        if len(full) < expected or len(full) < len(entry_sheets) or not full:
            flags.add(INCOMPLETE)
        if len(entry_totals) >= 2 and _disagrees(entry_totals, disagreement_sd, disagreement_range):
            flags.add(DISAGREEMENT)
        if no_zero and any(score == 0 for s in entry_sheets for score in s.scores.values()):
            flags.add(ZERO_CRITERION)

        score: Decimal | None = None
        if full:
            raw = normalised[entry] if method == "normalised" else _combine(entry_totals, method)
            if previous is not None and carry_weight > 0:
                if entry in previous:
                    raw = (1 - carry_weight) * raw + carry_weight * float(previous[entry])
                else:
                    flags.add(NO_PREVIOUS)
            score = round2(_denoise(raw))
        results.append(
            RankedEntry(
                entry=entry,
                score=score,
                rank=None,
                judge_count=len(full),
                criterion_means={
                    c.id: round2(_mean([float(s.scores[c.id]) for s in full])) for c in criteria
                }
                if full
                else {},
                flags=tuple(sorted(flags)),
                pool=pool_of[entry],
                judge_totals={s.judge: round2(totals[(s.judge, entry)]) for s in full},
            )
        )
    return _assign_ranks(results, criteria, tie_breaks)


def _disagrees(totals: Sequence[float], max_sd: float | None, max_range: float | None) -> bool:
    ordered = sorted(totals)
    too_spread = max_sd is not None and _pstdev(ordered) > max_sd
    too_wide = max_range is not None and ordered[-1] - ordered[0] > max_range
    return too_spread or too_wide


def _assign_ranks(
    results: list[RankedEntry], criteria: Sequence[Criterion], tie_breaks: Sequence[str]
) -> list[RankedEntry]:
    """Competition ranking inside each pool: equal keys share the rank, the next rank skips."""
    by_priority = sorted(criteria, key=lambda c: (c.priority, sort_key(c.id)))

    def merit(r: RankedEntry) -> tuple[Decimal | int, ...]:
        key: list[Decimal | int] = [r.score or Decimal(0)]
        for tie_break in tie_breaks:
            if tie_break == "criteria":
                key.extend(r.criterion_means[c.id] for c in by_priority)
            elif tie_break == "judge_count":
                key.append(r.judge_count)
        return tuple(key)

    pools: dict[Id, list[RankedEntry]] = defaultdict(list)
    for r in results:
        pools[r.pool].append(r)
    ranked: list[RankedEntry] = []
    for pool in sorted(pools, key=sort_key):
        scored = [r for r in pools[pool] if r.score is not None]
        unscored = [r for r in pools[pool] if r.score is None]
        scored.sort(key=lambda r: sort_key(r.entry))
        scored.sort(key=merit, reverse=True)
        previous_key: tuple[Decimal | int, ...] | None = None
        rank = 0
        for position, r in enumerate(scored, start=1):
            key = merit(r)
            if key != previous_key:
                rank, previous_key = position, key
            ranked.append(replace(r, rank=rank))
        ranked.extend(sorted(unscored, key=lambda r: sort_key(r.entry)))
    return ranked
