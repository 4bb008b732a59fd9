"""The one exact optimiser behind judge assignment and mentor matching.

Both features are the same problem, a capacitated b-matching with costs: every *item* (an entry, a
cohort team) needs ``demand`` distinct *providers* (judges, mentors); every provider takes at most
``capacity`` items; only the listed pairs are allowed (a missing pair is a conflict of interest or
another pool), each with a cost (lower is better, e.g. negative for matching expertise); ``fixed``
pairs (published assignments) are kept and count against demand and capacity.

It is solved exactly as a min-cost flow, written as a linear programme and handed to HiGHS::

    item i --x[i,p] (0..1, pair cost)--> provider p --y[p,t] (0..1, balance_weight * t)--> sink
    item i --s[i] (0..need, slack_weight per unit)--> sink

The constraint matrix is a network matrix, hence totally unimodular, so the simplex vertex HiGHS
returns is integral: no rounding heuristics, never greedy. The parallel unit arcs ``y[p,t]`` give a
provider's t-th item the marginal cost ``balance_weight * t``, a convex cost on its load; minimising
it minimises the sum of squared loads, whose minimisers on these flow polytopes are exactly the
most even load vectors (Frank & Murota, decreasingly minimal elements): max - min load is as small
as the conflicts and caps allow, so ≤ 1 wherever that is possible at all. The slack arcs make every
instance solvable, so an infeasible one comes back with the shortfall per item instead of an error.

Priorities are lexicographic by construction (see ``_weights``): cover as much demand as possible,
then balance loads, then minimise pair cost — unless the caller passes an explicit
``balance_weight``, which trades balance against pair preferences (0 ignores balance).

**Coverage mode.** Mentor matching wants "different mentors covering different needs": a team's
need counts once however many of its mentors know it. That value belongs to a *set* of providers,
not to a pair, and no flow can express it. A problem that carries ``coverage`` groups (for an
item, a set of providers and a bonus earned once when the item gets at least one of them) is
therefore solved as a mixed-integer programme instead, with HiGHS (through ``highspy``)::

    minimise  Σ cost·x + Σ balance arcs + slack_weight·Σ s − Σ value(S)·w[S]
    subject to the flow rows above, and per item:  Σ_S w[S] ≤ 1,
               Σ_{S∋A} w[S] ≤ Σ_{p of class A} x[i,p] for each class A,  w ≥ 0,  x ∈ {0, 1}

A *class* is the providers that hit the same groups of the item, and ``w[S]`` says the item takes
the set S of classes, worth the bonuses S earns (``_coverage_program`` proves the rows exact; an
item with too many such sets keeps the plain rows ``z[i,g] ≤ Σ_{p∈g} x[i,p]``). These rows are the
convex hull of each item's own choices, so the LP relaxation is tight: at province scale its bound
is the optimum or within a few points of it, where the plain z rows leave half-mentors covering
needs and a gap that took HiGHS seconds to close.

The priorities stay lexicographic (``_coverage_weights``): cover as much demand as possible, then
balance (when ``balance_weight`` is None), then the fit, i.e. pair costs minus bonuses earned. A
flow's cycle argument does not hold for a MILP, so the weights are bounded by the whole range the
lower priorities can take — larger numbers, fine for a cohort (hundreds of pairs per team), not
meant for the lexicographic balance of a round-wide judge panel. Mentor matching passes
``balance_weight=0``: a mentor's capacity is what the mentor offered, and scarce mentors are all
used anyway. Without groups the problem goes through the flow LP exactly as before.

It is solved in two exact steps. The LP relaxation by column generation (``_priced_relaxation``):
it starts from the most promising pairs and adds any pair with a negative reduced cost until
there is none, which is the LP over all pairs; its duals give a lower bound valid for every
solution and each pair's reduced cost d, and a solution using a pair costs at least bound + d.
Then (``_solve_near_the_bound``): if the LP's x is whole, it is optimal; else the MILP, with zero
gap, over the pairs with d ≤ margin; an optimum of that costing at most bound + margin is the
optimum, otherwise its cost widens the margin once and the MILP runs again from it. No pair is
dropped on a guess: a pair that brings no fit may still fill a slot that demand needs, and the
bound is what says whether it can. Groups already earned by fixed pairs, or that no usable pair
can earn, are constants and are left out of the programme.

Pure Python over plain data (no Flask, no SQLAlchemy), so it is tested in milliseconds and shared.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from itertools import combinations
from typing import Generic, TypeVar

import highspy
import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csc_array, vstack

I = TypeVar("I", bound=Hashable)  # noqa: E741 — an item, by analogy with P for provider
P = TypeVar("P", bound=Hashable)

Reason = tuple[str, float]
"""One component of a pair's cost, e.g. ``("covers finance", -2.0)``, carried through untouched."""

_INTEGRALITY_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Coverage(Generic[P]):
    """A bonus the item earns once if it gets at least one of these providers (a team's need,
    and the mentors whose expertise covers it): a second provider of the group adds nothing."""

    providers: Set[P]
    bonus: float


@dataclass(frozen=True)
class AssignmentProblem(Generic[I, P]):
    """What to assign.

    ``pairs`` maps every allowed (item, provider) pair to its cost: a number, or the cost
    components as ``(reason, weight)`` tuples whose weights sum to the cost (the result carries
    them back, so the caller can explain a match). ``balance_weight=None`` makes even loads
    strictly more important than any pair preference; a number trades one step of load
    (a provider's t-th item costs ``balance_weight * t``) against pair costs. ``coverage``
    (optional) lists each item's groups; giving any switches to the exact MILP (module docstring).
    """

    items: Mapping[I, int]
    providers: Mapping[P, int]
    pairs: Mapping[tuple[I, P], float | Sequence[Reason]]
    fixed: Set[tuple[I, P]] = frozenset()
    balance_weight: float | None = None
    coverage: Mapping[I, Sequence[Coverage[P]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Assignment(Generic[I, P]):
    """The optimal assignment, with enough to explain it and, when infeasible, why."""

    pairs: frozenset[tuple[I, P]]
    loads: dict[P, int]
    shortfall: dict[I, int]
    """Items that could not get their full demand, and how many providers each lacks."""
    saturated: frozenset[P]
    """Providers at capacity that a short item could have used: the bottleneck to relieve."""
    total_cost: float
    reasons: dict[tuple[I, P], tuple[Reason, ...]] = field(default_factory=dict)
    bonus: float = 0.0
    """Coverage bonuses earned (the objective is ``total_cost - bonus``)."""

    @property
    def feasible(self) -> bool:
        return not self.shortfall

    def providers_of(self, item: I) -> list[P]:
        return _canonical(p for i, p in self.pairs if i == item)


def solve(problem: AssignmentProblem[I, P]) -> Assignment[I, P]:
    """Return the optimal assignment (see the module docstring for the model and priorities).

    Raises ``ValueError`` for an inconsistent problem (unknown item or provider in a pair, a
    negative demand or capacity, a fixed pair that is not allowed, fixed pairs exceeding a
    demand or a capacity) — the caller must fix or release those, the optimiser will not guess.
    """
    costs, reasons = _split_costs(problem.pairs)
    _validate(problem, costs)
    items = _canonical(problem.items)
    providers = _canonical(problem.providers)

    fixed_per_item: dict[I, int] = defaultdict(int)
    fixed_load: dict[P, int] = defaultdict(int)
    for item, provider in problem.fixed:
        fixed_per_item[item] += 1
        fixed_load[provider] += 1
    need = {i: problem.items[i] - fixed_per_item[i] for i in items}
    room = {p: problem.providers[p] - fixed_load[p] for p in providers}

    free = [
        (i, p)
        for i, p in _canonical(costs)
        if (i, p) not in problem.fixed and need[i] > 0 and room[p] > 0
    ]
    if any(problem.coverage.values()):
        used = _solve_with_coverage(items, providers, free, costs, need, room, problem)
    else:
        used = _solve_flow(items, providers, free, costs, need, room, problem)
    chosen = set(problem.fixed) | set(used)

    loads = {p: 0 for p in providers}
    covered: dict[I, int] = defaultdict(int)
    for item, provider in chosen:
        loads[provider] += 1
        covered[item] += 1
    shortfall = {i: problem.items[i] - covered[i] for i in items if covered[i] < problem.items[i]}
    saturated = {
        p
        for i, p in costs
        if i in shortfall and (i, p) not in chosen and loads[p] >= problem.providers[p]
    }
    return Assignment(
        pairs=frozenset(chosen),
        loads=loads,
        shortfall=shortfall,
        saturated=frozenset(saturated),
        total_cost=float(sum(costs[pair] for pair in chosen)),
        reasons={pair: reasons[pair] for pair in chosen},
        bonus=_bonus_earned(problem.coverage, chosen),
    )


def _solve_flow(
    items: list[I],
    providers: list[P],
    free: list[tuple[I, P]],
    costs: Mapping[tuple[I, P], float],
    need: Mapping[I, int],
    room: Mapping[P, int],
    problem: AssignmentProblem[I, P],
) -> list[tuple[I, P]]:
    """Solve the min-cost flow LP over the free pairs and return the pairs it uses."""
    if not free:
        return []
    arcs = _balance_arcs(providers, free, room)
    balance_weight, slack_weight = _weights(problem, free, costs, arcs)
    flow = _flow_program(items, providers, free, costs, need, room, arcs, problem,
                         balance_weight, slack_weight)  # fmt: skip
    result = linprog(
        flow.objective,
        A_eq=flow.matrix,
        b_eq=flow.rhs,
        bounds=np.column_stack([np.zeros(len(flow.upper)), flow.upper]),
        # Dual simplex returns a vertex, which total unimodularity makes integral.
        method="highs-ds",
        # Presolve finds nothing to remove in a network LP and costs a third of the time.
        options={"presolve": False},
    )
    if result.status != 0:  # the slack arcs make every instance feasible and bounded
        raise RuntimeError(f"assignment LP failed: {result.message}")
    return _used_pairs(free, result.x, "assignment LP")


@dataclass(frozen=True)
class _FlowProgram:
    """The flow LP as arrays: equality rows ``matrix @ v = rhs``, ``0 ≤ v ≤ upper``. Columns are
    the free pairs' x (first, in ``free`` order), then the balance arcs y, then the slacks s."""

    matrix: csc_array
    rhs: np.ndarray
    objective: np.ndarray
    upper: np.ndarray


def _balance_arcs(
    providers: list[P], free: list[tuple[I, P]], room: Mapping[P, int]
) -> list[tuple[P, int]]:
    """How many unit arcs y[p,t] each provider gets: never more than its room nor more than the
    items it may serve."""
    eligible: dict[P, int] = defaultdict(int)
    for _, p in free:
        eligible[p] += 1
    return [(p, min(room[p], eligible[p])) for p in providers]


def _flow_program(
    items: list[I],
    providers: list[P],
    free: list[tuple[I, P]],
    costs: Mapping[tuple[I, P], float],
    need: Mapping[I, int],
    room: Mapping[P, int],
    arcs: list[tuple[P, int]],
    problem: AssignmentProblem[I, P],
    balance_weight: float,
    slack_weight: float,
) -> _FlowProgram:
    item_row = {i: r for r, i in enumerate(items)}
    provider_row = {p: len(items) + r for r, p in enumerate(providers)}
    fixed_load = {p: problem.providers[p] - room[p] for p in providers}

    # The constraint matrix, built column block by column block with numpy (a province's
    # round has hundreds of thousands of pairs: a Python loop per column would dominate).
    n_free = len(free)
    pair_items = np.fromiter((item_row[i] for i, _ in free), dtype=np.int64, count=n_free)
    pair_providers = np.fromiter((provider_row[p] for _, p in free), dtype=np.int64, count=n_free)
    pair_costs = np.fromiter((costs[pair] for pair in free), dtype=float, count=n_free)
    # x[i,p]: the item leaves, the provider receives.
    # y[p,t]: the provider's t-th item, its marginal cost rising with t.
    arc_rows = np.repeat(
        np.array([provider_row[p] for p, _ in arcs], dtype=np.int64),
        [count for _, count in arcs],
    )
    arc_costs = balance_weight * np.concatenate(
        [np.arange(fixed_load[p] + 1, fixed_load[p] + count + 1, dtype=float) for p, count in arcs]
        or [np.zeros(0)]
    )
    n_arcs = len(arc_rows)
    # s[i]: a unit of demand left uncovered.
    slack_rows = np.arange(len(items), dtype=np.int64)
    n_columns = n_free + n_arcs + len(items)
    rows = np.concatenate([pair_items, pair_providers, arc_rows, slack_rows])
    cols = np.concatenate(
        [np.arange(n_free), np.arange(n_free), np.arange(n_free, n_free + n_arcs),
         np.arange(n_free + n_arcs, n_columns)]
    )  # fmt: skip
    vals = np.concatenate([np.ones(2 * n_free), -np.ones(n_arcs), np.ones(len(items))])
    objective = np.concatenate([pair_costs, arc_costs, np.full(len(items), slack_weight)])
    upper = np.concatenate([np.ones(n_free + n_arcs), [float(need[i]) for i in items]])

    shape = (len(items) + len(providers), n_columns)
    matrix = csc_array((vals, (rows, cols)), shape=shape)
    rhs = np.array([float(need[i]) for i in items] + [0.0] * len(providers))
    return _FlowProgram(matrix, rhs, objective, upper)


def _used_pairs(free: list[tuple[I, P]], solution: np.ndarray, what: str) -> list[tuple[I, P]]:
    x = solution[: len(free)]
    if np.any(np.abs(x - np.round(x)) > _INTEGRALITY_TOLERANCE):
        raise RuntimeError(f"{what} returned a fractional solution")
    return [pair for pair, value in zip(free, x, strict=True) if value > 0.5]


def _solve_with_coverage(
    items: list[I],
    providers: list[P],
    free: list[tuple[I, P]],
    costs: Mapping[tuple[I, P], float],
    need: Mapping[I, int],
    room: Mapping[P, int],
    problem: AssignmentProblem[I, P],
) -> list[tuple[I, P]]:
    """Solve the flow with coverage groups as an exact MILP and return the free pairs it uses:
    the relaxation by pricing, then the MILP over the pairs its bound cannot rule out."""
    if not free:
        return []
    column = {pair: n for n, pair in enumerate(free)}
    groups = _live_groups(items, column, problem)
    arcs = _balance_arcs(providers, free, room)
    balance_weight, slack_weight = _coverage_weights(problem, free, costs, need, room, groups, arcs)
    flow = _flow_program(items, providers, free, costs, need, room, arcs, problem,
                         balance_weight, slack_weight)  # fmt: skip
    item_index = {i: n for n, i in enumerate(items)}
    provider_index = {p: n for n, p in enumerate(providers)}
    program = _coverage_program(
        flow,
        pair_items=np.array([item_index[i] for i, _ in free], dtype=np.int64),
        pair_providers=np.array([provider_index[p] for _, p in free], dtype=np.int64),
        arc_providers=np.repeat(np.arange(len(providers)), [count for _, count in arcs]),
        need=np.array([need[i] for i in items], dtype=np.int64),
        groups=groups,
        slack_weight=slack_weight,
    )
    bound, reduced, relaxed = _priced_relaxation(program)
    x = _solve_near_the_bound(program, bound, reduced, relaxed)
    return [pair for pair, value in zip(free, x, strict=True) if value]


@dataclass(frozen=True)
class _CoverageProgram:
    """The MILP as arrays: ``row_lower ≤ matrix @ v ≤ row_upper``, ``0 ≤ v ≤ upper``. Columns:
    the free pairs' x (the only integers, first, in ``free`` order), the flow's balance arcs and
    slacks, then the items' set columns w or group columns z (``_coverage_program``)."""

    matrix: csc_array
    row_lower: np.ndarray
    row_upper: np.ndarray
    objective: np.ndarray
    upper: np.ndarray
    pair_items: np.ndarray
    """Per pair, the index of its item in ``items``."""
    pair_providers: np.ndarray
    """Per pair, the index of its provider in ``providers``."""
    arc_providers: np.ndarray
    """Per balance arc, its provider; a provider's arcs are adjacent and cheapest first."""
    need: np.ndarray
    groups: list[tuple[float, list[int]]]
    slack_weight: float

    @property
    def n_pairs(self) -> int:
        return len(self.pair_items)


def _coverage_program(
    flow: _FlowProgram,
    pair_items: np.ndarray,
    pair_providers: np.ndarray,
    arc_providers: np.ndarray,
    need: np.ndarray,
    groups: list[tuple[float, list[int]]],
    slack_weight: float,
) -> _CoverageProgram:
    """Add the coverage rows to the flow rows.

    An item's value is the bonus of the groups its providers hit. Providers of an item that
    hit the same groups (a *class*) are interchangeable for that item's value, so the value
    depends only on the classes taken. Each item gets one column ``w[S]`` per set S of classes
    it could take whole — at most ``need`` classes, none inside the union of the others (such a
    class adds nothing: S without it is worth as much) — worth the bonus of the groups S hits,
    with ``Σ_S w[S] ≤ 1`` and, per class A, ``Σ_{S∋A} w[S] ≤ Σ_{x of class A} x``.

    Exact: for an integral x the item's providers have a set C of classes; a w[S] > 0 needs
    every class of S in C and Σ w ≤ 1, so the best w is worth the best S ⊆ C, i.e. all of C's
    value (a smallest subfamily of C with the same union is such an S: at most |C| ≤ need
    classes, none inside the others' union). These rows describe each item's own choices
    exactly (the convex hull), where the one-row-per-group ``z[g] ≤ Σ x`` lets half of three
    providers cover four needs: the relaxation's bound comes out at or next to the optimum.
    An item with too many sets (``_class_sets``) keeps the z rows, which are exact too.
    """
    n_flow_rows, n_flow = flow.matrix.shape
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    row_upper: list[float] = []
    objective: list[float] = []

    def add_row(bound: float, members: Iterable[int]) -> int:
        """A row ``(columns added later) - Σ x[members] ≤ bound``; returns its index."""
        row = len(row_upper)
        row_upper.append(bound)
        for n in members:
            rows.append(row)
            cols.append(n)
            vals.append(-1.0)
        return row

    def add_column(cost: float, in_rows: Iterable[int]) -> None:
        for row in in_rows:
            rows.append(row)
            cols.append(n_flow + len(objective))
            vals.append(1.0)
        objective.append(cost)

    by_item: dict[int, list[int]] = defaultdict(list)
    for g, (_, members) in enumerate(groups):
        by_item[int(pair_items[members[0]])].append(g)
    for item, item_groups in by_item.items():
        hits: dict[int, set[int]] = defaultdict(set)
        for g in item_groups:
            for n in groups[g][1]:
                hits[n].add(g)
        classes: dict[frozenset[int], list[int]] = defaultdict(list)
        for n, hit in hits.items():
            classes[frozenset(hit)].append(n)
        sets = _class_sets(list(classes), int(need[item]))
        if sets is None:
            for g in item_groups:
                add_column(-groups[g][0], [add_row(0.0, groups[g][1])])
            continue
        class_row = {cls: add_row(0.0, members) for cls, members in classes.items()}
        convexity = add_row(1.0, ())
        for chosen in sets:
            value = sum(groups[g][0] for g in frozenset().union(*chosen))
            add_column(-value, [*(class_row[cls] for cls in chosen), convexity])

    n_columns = n_flow + len(objective)
    # The flow's rows, widened with empty columns for the new ones (CSC: repeat the last
    # column pointer), above the coverage rows.
    indptr = np.concatenate([flow.matrix.indptr, np.full(len(objective), flow.matrix.indptr[-1])])
    flow_rows = csc_array(
        (flow.matrix.data, flow.matrix.indices, indptr), shape=(n_flow_rows, n_columns)
    )
    coverage_rows = csc_array((vals, (rows, cols)), shape=(len(row_upper), n_columns))
    return _CoverageProgram(
        matrix=vstack([flow_rows, coverage_rows], format="csc"),
        row_lower=np.concatenate([flow.rhs, np.full(len(row_upper), -np.inf)]),
        row_upper=np.concatenate([flow.rhs, row_upper]),
        objective=np.concatenate([flow.objective, objective]),
        upper=np.concatenate([flow.upper, np.ones(len(objective))]),
        pair_items=pair_items,
        pair_providers=pair_providers,
        arc_providers=arc_providers,
        need=need,
        groups=groups,
        slack_weight=slack_weight,
    )


_MOST_SETS = 2000
"""Above this many sets for one item, its coverage stays as one row per group."""


def _class_sets(
    classes: list[frozenset[int]], need: int
) -> list[tuple[frozenset[int], ...]] | None:
    """The sets of at most ``need`` classes in which no class lies inside the union of the
    others (``_coverage_program``), or None when there would be more than ``_MOST_SETS``."""
    sets: list[tuple[frozenset[int], ...]] = []
    for size in range(1, min(need, len(classes)) + 1):
        if math.comb(len(classes), size) > _MOST_SETS:
            return None
        for chosen in combinations(classes, size):
            if all(
                not cls <= frozenset().union(*(other for other in chosen if other is not cls))
                for cls in chosen
            ):
                sets.append(chosen)
        if len(sets) > _MOST_SETS:
            return None
    return sets


# Where pricing starts (measured on the province-scale benchmark: enough that few rounds follow,
# few enough that the first LP stays small). Exactness does not depend on them.
_FIRST_PAIRS_PER_PROVIDER = 6
_FIRST_PAIRS_PER_ITEM = 3
_PRICING_TOLERANCE = 1e-9


def _priced_relaxation(program: _CoverageProgram) -> tuple[float, np.ndarray, np.ndarray]:
    """The LP relaxation's bound, every column's reduced cost and the LP's x, by column
    generation.

    Most pairs are never worth using, so the LP starts with each provider's and each item's
    most promising pairs (all other columns are in from the start) and adds the pairs whose
    reduced cost is negative until there is none: then the LP over all columns is solved. The
    bound is recomputed from the duals over every column (Lagrangian: ``y·b + Σ min(d·0,
    d·upper)`` with each dual clipped to its sign), so it is a valid lower bound whatever the
    LP's tolerances did, and a solution with ``x[j] = 1`` costs at least ``bound + d[j]``.
    """
    matrix, n_pairs = program.matrix, program.n_pairs
    columns = np.concatenate(
        [_first_pairs(program), np.arange(n_pairs, matrix.shape[1], dtype=np.int64)]
    )
    in_model = np.zeros(matrix.shape[1], dtype=bool)
    in_model[columns] = True
    highs = _highs()
    highs.passModel(_lp(program, columns, integer=False))
    order = [columns]  # HiGHS' column order
    while True:
        _run(highs, "assignment LP")
        duals = np.asarray(highs.getSolution().row_dual)
        reduced = program.objective - matrix.T @ duals
        entering = np.flatnonzero(~in_model & (reduced < -_PRICING_TOLERANCE))
        if not len(entering):
            break
        in_model[entering] = True
        order.append(entering)
        block = matrix[:, entering]
        highs.addCols(
            len(entering), program.objective[entering], np.zeros(len(entering)),
            program.upper[entering], block.nnz, block.indptr[:-1].astype(np.int32),
            block.indices.astype(np.int32), block.data,
        )  # fmt: skip
    # Minimisation: a dual may be positive only on a finite lower bound, negative on an upper.
    lower_finite, upper_finite = np.isfinite(program.row_lower), np.isfinite(program.row_upper)
    duals = np.where((duals > 0) & ~lower_finite, 0.0, duals)
    duals = np.where((duals < 0) & ~upper_finite, 0.0, duals)
    row_bound = np.where(duals > 0, np.where(lower_finite, program.row_lower, 0.0),
                         np.where(upper_finite, program.row_upper, 0.0))  # fmt: skip
    reduced = program.objective - matrix.T @ duals
    bound = float(duals @ row_bound + np.minimum(reduced * program.upper, 0.0).sum())
    relaxed = np.zeros(matrix.shape[1])
    relaxed[np.concatenate(order)] = highs.getSolution().col_value
    return bound, reduced, relaxed[:n_pairs]


def _first_pairs(program: _CoverageProgram) -> np.ndarray:
    """The pairs the column generation starts with: each provider's and each item's best by
    cost minus every bonus the pair could earn (a guess; pricing adds whatever is missing)."""
    promise = program.objective[: program.n_pairs].copy()
    for bonus, members in program.groups:
        promise[members] -= bonus
    chosen = np.zeros(program.n_pairs, dtype=bool)
    for owner, count in (
        (program.pair_providers, _FIRST_PAIRS_PER_PROVIDER),
        (program.pair_items, _FIRST_PAIRS_PER_ITEM),
    ):
        order = np.lexsort((np.arange(program.n_pairs), promise, owner))
        owners = owner[order]
        starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
        rank = np.arange(program.n_pairs) - np.repeat(starts, np.diff(np.r_[starts, len(owners)]))
        chosen[order[rank < count]] = True
    return np.flatnonzero(chosen)


def _solve_near_the_bound(
    program: _CoverageProgram, bound: float, reduced: np.ndarray, relaxed: np.ndarray
) -> np.ndarray:
    """The optimal x: the relaxation's own x when it is whole and costs no more than the bound
    (often, the sets make the relaxation that tight), else by the MILP over the pairs with a
    reduced cost of at most ``margin``.

    A solution using a left-out pair costs more than ``bound + margin``. So when the restricted
    optimum costs no more than that, it is the optimum; otherwise its cost ``c`` becomes the
    margin's source (``margin = c - bound``) and the MILP is solved once more over the pairs
    that could still beat it, starting from it — and that optimum passes the test.
    """
    slack = 1e-9 * (1.0 + abs(bound))
    margin = slack
    x = np.round(relaxed).astype(np.int64)
    whole = bool(np.all(np.abs(relaxed - x) <= _INTEGRALITY_TOLERANCE))
    if whole and _cost_of(program, x) <= bound + margin:
        return x
    start = None
    while True:
        keep = np.flatnonzero(reduced[: program.n_pairs] <= margin)
        x = _restricted_milp(program, keep, start)
        cost = _cost_of(program, x)
        if cost <= bound + margin:
            return x
        margin, start = cost - bound + slack, x


def _restricted_milp(
    program: _CoverageProgram, keep: np.ndarray, start: np.ndarray | None
) -> np.ndarray:
    """Solve the MILP with only the ``keep`` pairs and return x over all pairs (0 or 1)."""
    n_pairs = program.n_pairs
    columns = np.concatenate([keep, np.arange(n_pairs, program.matrix.shape[1], dtype=np.int64)])
    highs = _highs()
    highs.setOptionValue("mip_rel_gap", 0.0)  # zero gap: the proven optimum, not a good one
    highs.passModel(_lp(program, columns, integer=True))
    if start is not None:
        highs.setSolution(len(keep), np.arange(len(keep), dtype=np.int32), start[keep])
    _run(highs, "assignment MILP")
    values = np.asarray(highs.getSolution().col_value)[: len(keep)]
    if np.any(np.abs(values - np.round(values)) > _INTEGRALITY_TOLERANCE):
        raise RuntimeError("assignment MILP returned a fractional solution")
    x = np.zeros(n_pairs, dtype=np.int64)
    x[keep] = np.round(values)
    return x


def _cost_of(program: _CoverageProgram, x: np.ndarray) -> float:
    """The objective of an integral x with the best rest (loads on the cheapest balance arcs,
    slack for what is missing, every group hit earned), computed exactly, not read from HiGHS."""
    chosen = x.astype(bool)
    cost = float(program.objective[: program.n_pairs][chosen].sum())
    arcs = program.arc_providers
    if len(arcs):
        loads = np.bincount(program.pair_providers[chosen], minlength=int(arcs.max()) + 1)
        starts = np.flatnonzero(np.r_[True, arcs[1:] != arcs[:-1]])
        rank = np.arange(len(arcs)) - np.repeat(starts, np.diff(np.r_[starts, len(arcs)]))
        arc_costs = program.objective[program.n_pairs : program.n_pairs + len(arcs)]
        cost += float(arc_costs[rank < loads[arcs]].sum())
    covered = np.bincount(program.pair_items[chosen], minlength=len(program.need))
    cost += program.slack_weight * float((program.need - covered).sum())
    cost -= sum(bonus for bonus, members in program.groups if chosen[members].any())
    return cost


def _highs() -> highspy.Highs:
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    return highs


def _lp(program: _CoverageProgram, columns: np.ndarray, *, integer: bool) -> highspy.HighsLp:
    """The programme restricted to ``columns`` (pairs first), x integral when ``integer``."""
    block = program.matrix[:, columns]
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(columns), block.shape[0]
    lp.col_cost_ = program.objective[columns]
    lp.col_lower_ = np.zeros(len(columns))
    lp.col_upper_ = program.upper[columns]
    lp.row_lower_, lp.row_upper_ = program.row_lower, program.row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = block.indptr
    lp.a_matrix_.index_ = block.indices
    lp.a_matrix_.value_ = block.data
    if integer:
        n_integer = int(np.count_nonzero(columns < program.n_pairs))
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n_integer + [
            highspy.HighsVarType.kContinuous
        ] * (len(columns) - n_integer)
    return lp


def _run(highs: highspy.Highs, what: str) -> None:
    """Run HiGHS; feasible (the slacks) and bounded, so anything but optimal is a failure."""
    highs.run()
    status = highs.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"{what} failed: {highs.modelStatusToString(status)}")


def _live_groups(
    items: list[I], column: Mapping[tuple[I, P], int], problem: AssignmentProblem[I, P]
) -> list[tuple[float, list[int]]]:
    """The groups the programme must decide, as (bonus, columns of their free pairs): a group
    already earned by a fixed pair, or that no free pair can earn, is a constant."""
    groups = []
    for item in items:
        for group in problem.coverage.get(item, ()):
            if group.bonus == 0 or any((item, p) in problem.fixed for p in group.providers):
                continue
            members = sorted(column[(item, p)] for p in group.providers if (item, p) in column)
            if members:
                groups.append((float(group.bonus), members))
    return groups


def _coverage_weights(
    problem: AssignmentProblem[I, P],
    free: list[tuple[I, P]],
    costs: Mapping[tuple[I, P], float],
    need: Mapping[I, int],
    room: Mapping[P, int],
    groups: list[tuple[float, list[int]]],
    arcs: list[tuple[P, int]],
) -> tuple[float, float]:
    """Weights that make the MILP's priorities lexicographic: demand, balance, fit.

    The fit (pair costs minus bonuses) of any assignment of the free pairs lies in an interval
    no wider than ``fit_range``: an item takes at most ``need`` pairs, each between its
    cheapest and dearest cost, and earns at most all its groups. Balance moves in whole steps
    of ``balance_weight`` (loads are whole numbers), so ``balance_weight > fit_range`` puts
    balance first; slack above the widest balance term plus ``fit_range`` puts demand first.
    """
    lowest: dict[I, float] = defaultdict(float)
    highest: dict[I, float] = defaultdict(float)
    for pair in free:
        lowest[pair[0]] = min(lowest[pair[0]], costs[pair])
        highest[pair[0]] = max(highest[pair[0]], costs[pair])
    fit_range = sum(need[i] * (highest[i] - lowest[i]) for i in lowest)
    fit_range += sum(bonus for bonus, _ in groups)
    if problem.balance_weight is None:
        balance_weight = fit_range + 1.0
    else:
        balance_weight = float(problem.balance_weight)
    # The provider's t-th new item costs balance_weight * (fixed load + t).
    widest_balance = balance_weight * sum(
        (problem.providers[p] - room[p]) * count + count * (count + 1) / 2 for p, count in arcs
    )
    return balance_weight, widest_balance + fit_range + 1.0


def _bonus_earned(coverage: Mapping[I, Sequence[Coverage[P]]], chosen: Set[tuple[I, P]]) -> float:
    return float(
        sum(
            group.bonus
            for item, groups in coverage.items()
            for group in groups
            if any((item, p) in chosen for p in group.providers)
        )
    )


def _weights(
    problem: AssignmentProblem[I, P],
    free: list[tuple[I, P]],
    costs: Mapping[tuple[I, P], float],
    arcs: list[tuple[P, int]],
) -> tuple[float, float]:
    """Weights that make the priorities lexicographic, yet small enough for HiGHS' tolerances.

    An LP optimum is a flow with no negative residual cycle. A simple residual cycle visits each
    provider at most once, so it changes pair costs by at most ``2 * (min(items, providers) + 1)
    * max |cost|``; if it changes balance at all, it does so by a multiple of ``balance_weight``,
    and it changes the load of one provider by at most the highest marginal. Weights above those
    bounds therefore make a cycle that improves a higher priority negative whatever it does to the
    lower ones, so the optimum is the lexicographic one — with numbers far smaller than a naive
    "total cost of everything" bound.
    """
    max_cost = max((abs(costs[pair]) for pair in free), default=0.0)
    longest_cycle = 2 * (min(len(problem.items), len(problem.providers)) + 1)
    cost_swing = longest_cycle * max_cost
    if problem.balance_weight is None:
        balance_weight = cost_swing + 1.0
    else:
        balance_weight = float(problem.balance_weight)
    highest_marginal = max(
        (problem.providers[p] for p, count in arcs if count > 0),
        default=0,
    )
    slack_weight = balance_weight * (highest_marginal + 1) + cost_swing + 1.0
    return balance_weight, slack_weight


def _split_costs(
    pairs: Mapping[tuple[I, P], float | Sequence[Reason]],
) -> tuple[dict[tuple[I, P], float], dict[tuple[I, P], tuple[Reason, ...]]]:
    costs: dict[tuple[I, P], float] = {}
    reasons: dict[tuple[I, P], tuple[Reason, ...]] = {}
    for pair, value in pairs.items():
        if isinstance(value, int | float):
            costs[pair], reasons[pair] = float(value), ()
        else:
            components = tuple((str(reason), float(weight)) for reason, weight in value)
            costs[pair] = float(sum(weight for _, weight in components))
            reasons[pair] = components
        if not math.isfinite(costs[pair]):  # math, not numpy: this runs once per pair
            raise ValueError(f"pair {pair!r} has a cost that is not a finite number")
    return costs, reasons


def _validate(problem: AssignmentProblem[I, P], costs: Mapping[tuple[I, P], float]) -> None:
    if problem.balance_weight is not None and not (
        np.isfinite(problem.balance_weight) and problem.balance_weight >= 0
    ):
        raise ValueError("balance_weight must be a finite number ≥ 0, or None")
    for name, counts in (("demand", problem.items), ("capacity", problem.providers)):
        for key, count in counts.items():
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ValueError(f"{name} of {key!r} must be a whole number ≥ 0, not {count!r}")
    for item, provider in costs:
        if item not in problem.items or provider not in problem.providers:
            raise ValueError(f"pair {(item, provider)!r} names an unknown item or provider")
    for item, groups in problem.coverage.items():
        if item not in problem.items:
            raise ValueError(f"coverage names an unknown item {item!r}")
        for group in groups:
            if not (math.isfinite(group.bonus) and group.bonus >= 0):
                raise ValueError(f"a coverage bonus of {item!r} must be a finite number ≥ 0")
            if not set(group.providers) <= problem.providers.keys():
                raise ValueError(f"a coverage group of {item!r} names an unknown provider")
    per_item: dict[I, int] = defaultdict(int)
    per_provider: dict[P, int] = defaultdict(int)
    for pair in problem.fixed:
        if pair not in costs:
            raise ValueError(f"fixed pair {pair!r} is not allowed; release it first")
        per_item[pair[0]] += 1
        per_provider[pair[1]] += 1
    for item, count in per_item.items():
        if count > problem.items[item]:
            demand = problem.items[item]
            raise ValueError(f"{item!r} has {count} fixed providers but needs only {demand}")
    for provider, count in per_provider.items():
        if count > problem.providers[provider]:
            cap = problem.providers[provider]
            raise ValueError(f"{provider!r} has {count} fixed items, above its capacity {cap}")


def _canonical(keys: Iterable[I]) -> list[I]:
    """A fixed order for keys, so the LP and hence the result do not depend on input order."""
    keys = list(keys)
    try:
        return sorted(keys)  # type: ignore[type-var]
    except TypeError:  # mixed or unorderable keys
        return sorted(keys, key=lambda key: (type(key).__name__, repr(key)))
