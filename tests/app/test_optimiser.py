"""The shared assignment optimiser: worked cases, an exhaustive oracle, and properties."""

from __future__ import annotations

import random
from collections import Counter
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.optimiser import AssignmentProblem, solve


def test_each_item_gets_its_demand_and_loads_are_even():
    problem = AssignmentProblem(
        items={"e1": 2, "e2": 2, "e3": 2},
        providers={"a": 3, "b": 3, "c": 3},
        pairs={(e, j): 0.0 for e in ("e1", "e2", "e3") for j in ("a", "b", "c")},
    )
    result = solve(problem)
    assert result.feasible
    assert Counter(i for i, _ in result.pairs) == {"e1": 2, "e2": 2, "e3": 2}
    assert sorted(result.loads.values()) == [2, 2, 2]


def test_expertise_preference_decides_among_balanced_solutions():
    # Two entries, two judges, one judge each: balance allows either pairing, cost picks one.
    problem = AssignmentProblem(
        items={"fintech": 1, "agri": 1},
        providers={"banker": 1, "farmer": 1},
        pairs={
            ("fintech", "banker"): [("covers finance", -2.0)],
            ("fintech", "farmer"): 0.0,
            ("agri", "banker"): 0.0,
            ("agri", "farmer"): [("same sector: agriculture", -1.0), ("preferred", -0.5)],
        },
    )
    result = solve(problem)
    assert result.pairs == {("fintech", "banker"), ("agri", "farmer")}
    assert result.total_cost == -3.5
    assert result.reasons[("agri", "farmer")] == (
        ("same sector: agriculture", -1.0),
        ("preferred", -0.5),
    )


def test_balance_dominates_by_default_and_can_be_traded():
    # Everyone prefers the star judge; by default loads stay even, with weight 0 the star takes all.
    items = {f"e{n}": 1 for n in range(4)}
    pairs = {}
    for item in items:
        pairs[(item, "star")] = -1.0
        pairs[(item, "other")] = 0.0
    balanced = solve(AssignmentProblem(items, {"star": 4, "other": 4}, pairs))
    assert balanced.loads == {"other": 2, "star": 2}
    greedy = solve(AssignmentProblem(items, {"star": 4, "other": 4}, pairs, balance_weight=0))
    assert greedy.loads == {"other": 0, "star": 4}


def test_fixed_pairs_are_kept_and_count_against_demand_and_capacity():
    problem = AssignmentProblem(
        items={"e1": 2, "e2": 1},
        providers={"a": 1, "b": 2},
        pairs={("e1", "a"): 5.0, ("e1", "b"): 0.0, ("e2", "a"): 0.0, ("e2", "b"): 0.0},
        fixed={("e1", "a")},
    )
    result = solve(problem)
    assert result.pairs == {("e1", "a"), ("e1", "b"), ("e2", "b")}
    assert result.loads == {"a": 1, "b": 2}


def test_forbidden_pair_is_never_used_even_if_that_leaves_a_shortfall():
    # Judge b has a conflict with e2; a is full after e1, so e2 lacks one judge.
    problem = AssignmentProblem(
        items={"e1": 1, "e2": 1},
        providers={"a": 1, "b": 1},
        pairs={("e1", "a"): 0.0, ("e1", "b"): 0.0, ("e2", "a"): 0.0},
    )
    result = solve(problem)
    assert result.feasible
    assert result.pairs == {("e1", "b"), ("e2", "a")}


def test_shortfall_from_too_few_allowed_providers_names_no_saturated_provider():
    # e1 wants 3 judges but only a and b may judge it: the caps are not the problem.
    problem = AssignmentProblem(
        items={"e1": 3, "e2": 2, "e3": 1},
        providers={"a": 2, "b": 2, "c": 5},
        pairs={
            ("e1", "a"): 0.0,
            ("e1", "b"): 0.0,
            ("e2", "a"): 0.0,
            ("e2", "b"): 0.0,
            ("e3", "c"): 0.0,
        },
    )
    result = solve(problem)
    assert not result.feasible
    assert result.shortfall == {"e1": 1}
    assert result.saturated == set()
    assert result.loads == {"a": 2, "b": 2, "c": 1}


def test_shortfall_from_caps_names_the_saturated_providers():
    # 4 judge slots wanted, a and b offer 2; c is free but conflicted with both entries.
    problem = AssignmentProblem(
        items={"e1": 2, "e2": 2},
        providers={"a": 1, "b": 1, "c": 5},
        pairs={(e, j): 0.0 for e in ("e1", "e2") for j in ("a", "b")},
    )
    result = solve(problem)
    assert sum(result.shortfall.values()) == 2
    assert result.saturated == {"a", "b"}
    assert result.loads == {"a": 1, "b": 1, "c": 0}


def test_item_without_any_allowed_provider_lacks_its_whole_demand():
    problem = AssignmentProblem(
        items={"e1": 3, "e2": 1}, providers={"a": 9}, pairs={("e2", "a"): 0}
    )
    result = solve(problem)
    assert result.shortfall == {"e1": 3}
    assert result.pairs == {("e2", "a")}


@pytest.mark.parametrize(
    ("problem", "message"),
    [
        (AssignmentProblem({"e": 1}, {"a": 1}, {("e", "x"): 0.0}), "unknown"),
        (AssignmentProblem({"e": -1}, {"a": 1}, {}), "demand"),
        (AssignmentProblem({"e": 1}, {"a": 1.5}, {}), "capacity"),
        (AssignmentProblem({"e": 1}, {"a": 1}, {}, fixed={("e", "a")}), "release"),
        (
            AssignmentProblem(
                {"e": 1, "f": 1}, {"a": 1}, {("e", "a"): 0, ("f", "a"): 0}, {("e", "a"), ("f", "a")}
            ),
            "capacity",
        ),
        (AssignmentProblem({"e": 1}, {"a": 1}, {("e", "a"): float("nan")}), "finite"),
        (AssignmentProblem({"e": 1}, {"a": 1}, {}, balance_weight=-1), "balance_weight"),
    ],
)
def test_inconsistent_problem_is_refused(problem, message):
    with pytest.raises(ValueError, match=message):
        solve(problem)


# --- exhaustive oracle ------------------------------------------------------------------------


def _random_problem(rng: random.Random, *, n_items=5, n_providers=4, max_demand=2, costs=True):
    items = {f"i{n}": rng.randint(0, max_demand) for n in range(n_items)}
    providers = {f"p{n}": rng.randint(0, 3) for n in range(n_providers)}
    pairs = {
        (i, p): float(rng.randint(-3, 3)) if costs else 0.0
        for i in items
        for p in providers
        if rng.random() < 0.7
    }
    fixed: set[tuple[str, str]] = set()
    for pair in pairs:
        i, p = pair
        taken_i = sum(1 for f in fixed if f[0] == i)
        taken_p = sum(1 for f in fixed if f[1] == p)
        if rng.random() < 0.15 and taken_i < items[i] and taken_p < providers[p]:
            fixed.add(pair)
    return AssignmentProblem(items, providers, pairs, frozenset(fixed))


def _oracle(problem: AssignmentProblem) -> tuple[int, int, float]:
    """Best (shortfall, sum of squared loads, cost) over every assignment, by enumeration."""
    items = list(problem.items)
    options = []
    for item in items:
        allowed = [p for (i, p) in problem.pairs if i == item]
        kept = {p for (i, p) in problem.fixed if i == item}
        subsets = [
            set(combo)
            for size in range(problem.items[item] + 1)
            for combo in combinations(allowed, size)
            if kept <= set(combo)
        ]
        options.append(subsets)
    best = None

    def walk(index: int, loads: Counter, chosen: list) -> None:
        nonlocal best
        if index == len(items):
            shortfall = sum(problem.items[i] - len(s) for i, s in zip(items, chosen, strict=True))
            squares = sum(v * v for v in loads.values())
            cost = sum(problem.pairs[(i, p)] for i, s in zip(items, chosen, strict=True) for p in s)
            key = (shortfall, squares, cost)
            if best is None or key < best:
                best = key
            return
        for subset in options[index]:
            if all(loads[p] < problem.providers[p] for p in subset):
                loads.update(subset)
                walk(index + 1, loads, [*chosen, subset])
                loads.subtract(subset)

    walk(0, Counter(), [])
    return best


def _objective(problem: AssignmentProblem, result) -> tuple[int, int, float]:
    return (
        sum(result.shortfall.values()),
        sum(v * v for v in result.loads.values()),
        result.total_cost,
    )


@pytest.mark.parametrize("seed", range(40))
def test_matches_exhaustive_oracle_on_small_random_cases(seed):
    problem = _random_problem(random.Random(seed))
    shortfall, squares, cost = _objective(problem, solve(problem))
    best = _oracle(problem)
    assert (shortfall, squares) == best[:2]
    assert cost == pytest.approx(best[2])


# --- properties -------------------------------------------------------------------------------


@st.composite
def problems(draw, costs=True):
    seed = draw(st.integers(0, 10**9))
    return _random_problem(random.Random(seed), n_items=6, n_providers=4, max_demand=3, costs=costs)


def _check_constraints(problem: AssignmentProblem, result) -> None:
    assert result.pairs <= set(problem.pairs)
    assert problem.fixed <= result.pairs
    per_item = Counter(i for i, _ in result.pairs)
    per_provider = Counter(p for _, p in result.pairs)
    for provider, cap in problem.providers.items():
        assert per_provider[provider] == result.loads[provider] <= cap
    for item, demand in problem.items.items():
        assert per_item[item] + result.shortfall.get(item, 0) == demand


@settings(max_examples=60, deadline=None, database=None)
@given(problems())
def test_no_forbidden_pair_no_cap_exceeded_fixed_kept_demand_accounted(problem):
    _check_constraints(problem, solve(problem))


@settings(max_examples=40, deadline=None, database=None)
@given(problems(costs=False))
def test_loads_differ_by_at_most_one_when_all_may_serve_all(problem):
    everyone = {(i, p): 0.0 for i in problem.items for p in problem.providers}
    open_problem = AssignmentProblem(problem.items, problem.providers, everyone)
    result = solve(open_problem)
    total = sum(problem.items.values())
    # Equal loads are possible when the capacity of an even split is available to everyone.
    even = -(-total // len(problem.providers))
    if result.feasible and all(cap >= even for cap in problem.providers.values()):
        assert max(result.loads.values()) - min(result.loads.values()) <= 1


@settings(max_examples=40, deadline=None, database=None)
@given(problems(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_input_order(problem, rng):
    def shuffled(mapping):
        keys = list(mapping)
        rng.shuffle(keys)
        return {key: mapping[key] for key in keys}

    reordered = AssignmentProblem(
        shuffled(problem.items),
        shuffled(problem.providers),
        shuffled(problem.pairs),
        frozenset(problem.fixed),
    )
    assert solve(reordered) == solve(problem)
