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
therefore solved as a mixed-integer programme instead, by HiGHS' branch and bound with zero gap
(``scipy.optimize.milp``)::

    minimise  Σ cost·x + Σ balance arcs + slack_weight·Σ s − Σ bonus·z
    subject to the flow rows above,  z[i,g] ≤ Σ_{p∈g} x[i,p],  0 ≤ z ≤ 1,  x ∈ {0, 1}

``z`` needs no integrality: for integral ``x`` the optimum sets it to min(1, Σ x), a whole number.
The priorities stay lexicographic (``_coverage_weights``): cover as much demand as possible, then
balance (when ``balance_weight`` is None), then the fit, i.e. pair costs minus bonuses earned. A
flow's cycle argument does not hold for a MILP, so the weights are bounded by the whole range the
lower priorities can take — larger numbers, fine for a cohort (hundreds of pairs per team), not
meant for the lexicographic balance of a round-wide judge panel. Mentor matching passes
``balance_weight=0``: a mentor's capacity is what the mentor offered, and scarce mentors are all
used anyway. Without groups the problem goes through the flow LP exactly as before.

Nothing is pruned beyond the pairs that can never be used (their item needs nobody more, or their
provider has no room): a pair that brings no fit still fills a slot that demand may need, and
whether it does depends on every other pair, so dropping it would break the exactness claim.
Groups already earned by fixed pairs, or that no usable pair can earn, are constants and are left
out of the programme.

Pure Python over plain data (no Flask, no SQLAlchemy), so it is tested in milliseconds and shared.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
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
    """Solve the flow with coverage groups as an exact MILP and return the free pairs it uses."""
    if not free:
        return []
    column = {pair: n for n, pair in enumerate(free)}
    groups = _live_groups(items, column, problem)
    arcs = _balance_arcs(providers, free, room)
    balance_weight, slack_weight = _coverage_weights(problem, free, costs, need, room, groups, arcs)
    flow = _flow_program(items, providers, free, costs, need, room, arcs, problem,
                         balance_weight, slack_weight)  # fmt: skip
    n_flow, n_groups = len(flow.upper), len(groups)
    n_columns = n_flow + n_groups
    # The flow's rows, widened with empty columns for z (CSC: repeat the last column pointer).
    indptr = np.concatenate([flow.matrix.indptr, np.full(n_groups, flow.matrix.indptr[-1])])
    flow_rows = csc_array(
        (flow.matrix.data, flow.matrix.indices, indptr), shape=(flow.matrix.shape[0], n_columns)
    )
    # One row per live group: z[i,g] - Σ_{p∈g} x[i,p] ≤ 0.
    sizes = [len(members) for _, members in groups]
    members = np.fromiter((n for _, group in groups for n in group), np.int64, count=sum(sizes))
    rows = np.concatenate([np.arange(n_groups), np.repeat(np.arange(n_groups), sizes)])
    cols = np.concatenate([n_flow + np.arange(n_groups), members])
    vals = np.concatenate([np.ones(n_groups), -np.ones(len(members))])
    group_rows = csc_array((vals, (rows, cols)), shape=(n_groups, n_columns))
    constraints = LinearConstraint(
        vstack([flow_rows, group_rows], format="csc"),
        np.concatenate([flow.rhs, np.full(n_groups, -np.inf)]),
        np.concatenate([flow.rhs, np.zeros(n_groups)]),
    )
    objective = np.concatenate([flow.objective, [-bonus for bonus, _ in groups]])
    integrality = np.zeros(n_columns)
    integrality[: len(free)] = 1  # x only: once x is whole, so are s and z, and y is not read
    result = milp(
        objective,
        integrality=integrality,
        bounds=Bounds(np.zeros(n_columns), np.concatenate([flow.upper, np.ones(n_groups)])),
        constraints=constraints,
        options={"mip_rel_gap": 0.0},  # zero gap: the proven optimum, not a good solution
    )
    if result.status != 0:  # feasible (slacks) and bounded: anything else is a solver failure
        raise RuntimeError(f"assignment MILP failed: {result.message}")
    return _used_pairs(free, result.x, "assignment MILP")


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
