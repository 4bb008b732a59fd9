"""The assignment planner over plain data: worked cases, properties (hypothesis) and an
exhaustive oracle at the level of a round — pools, scopes, caps shared across pools,
conflicts, kept and stale rows — where tests/app/test_optimiser.py checks the bare optimiser."""

from __future__ import annotations

import random
from collections import Counter
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from judging.assignment.planning import (
    DEFAULT_CAP_SLACK,
    SECTOR_EXPERTISE,
    EntryData,
    JudgeData,
    RoundData,
    Row,
    allowed,
    capacities,
    diagnose,
    expertise_reasons,
    plan,
)

SECTORS = ("agriculture", "technology", "tourism", "food")
TAGS = ("agriculture", "technology", "tourism", "production", "finance")
REMOVED_JUDGE = 999  # holds rows but is no longer on the panel


# --- worked cases ------------------------------------------------------------------------------


def test_every_sector_maps_to_known_expertise_tags():
    # The tag codes of the demo programme (app/demo/places.py) and the sector codes seeded by
    # the competitions migration.
    from app.demo.places import EXPERTISE_TAGS

    known = {tag.code for tag in EXPERTISE_TAGS}
    assert {tag for pairs in SECTOR_EXPERTISE.values() for tag, _ in pairs} <= known
    assert set(SECTOR_EXPERTISE) == {
        "agriculture", "food", "tourism", "education", "health", "environment", "technology",
        "manufacturing", "handicraft", "services", "energy", "fisheries", "culture", "finance",
        "social", "other",
    }  # fmt: skip


def test_expertise_reasons_take_the_best_tag_of_each_sector():
    reasons = expertise_reasons({"food", "agriculture"}, frozenset({"agriculture", "export"}))
    assert reasons == (
        ("expertise:agriculture/sector:agriculture", -2.0),
        ("expertise:agriculture/sector:food", -1.0),
    )
    assert expertise_reasons({"education"}, frozenset({"finance"})) == ()


def test_implicit_cap_is_the_fair_share_of_the_pools_covered_plus_slack():
    entries = tuple(EntryData(i, 1 if i <= 10 else 2, None) for i in range(1, 14))
    judges = (
        JudgeData(1, pool_id=1),
        JudgeData(2, pool_id=1),
        JudgeData(3, pool_id=1),
        JudgeData(4),  # the whole round
        JudgeData(5, pool_id=2, cap=7),
        JudgeData(6, pool_id=2, cap=0),
    )
    caps = capacities(RoundData(entries, judges, frozenset(), k=3))
    # Pool 1: 30 slots over 4 judges; pool 2: 9 slots over 3 judges.
    assert caps == {
        1: 8 + DEFAULT_CAP_SLACK,
        2: 8 + DEFAULT_CAP_SLACK,
        3: 8 + DEFAULT_CAP_SLACK,
        4: 11 + DEFAULT_CAP_SLACK,  # ceil(7.5 + 3)
        5: 7,
        6: 0,
    }
    with_default = RoundData(entries, judges, frozenset(), k=3, default_cap=5)
    assert capacities(with_default) == {1: 5, 2: 5, 3: 5, 4: 5, 5: 7, 6: 0}


def test_round_wide_judges_are_balanced_over_the_round_when_pools_are_solved_one_by_one():
    # 3 pools of 5 entries, k = 2: 30 slots over 4 round-wide judges → 7 or 8 each. Solving pool
    # by pool without the loads of earlier pools would hand the odd slots to the same judges.
    entries = tuple(EntryData(i, 1 + i % 3, None) for i in range(1, 16))
    judges = tuple(JudgeData(j) for j in (1, 2, 3, 4))
    data = RoundData(entries, judges, frozenset(), k=2, default_cap=100)
    result = plan(data, joint_pair_limit=0)
    assert result.batches == [[1], [2], [3]]
    assert sorted(result.diagnosis.loads.values()) == [7, 7, 8, 8]
    assert plan(data).batches == [[1, 2, 3]]
    assert sorted(plan(data).diagnosis.loads.values()) == [7, 7, 8, 8]


def test_shortfall_is_spread_over_the_entries_and_names_the_saturated_judges():
    entries = tuple(EntryData(i, 1, None) for i in (1, 2, 3))
    judges = tuple(JudgeData(j, cap=2) for j in (1, 2, 3))
    result = plan(RoundData(entries, judges, frozenset(), k=3))
    status = result.diagnosis.pools[1]
    assert (status.missing, status.short, status.saturated) == (3, {2: 3}, [1, 2, 3])
    assert not result.feasible


def test_pools_without_shared_judges_are_solved_apart():
    entries = (EntryData(1, 1, None), EntryData(2, 2, None), EntryData(3, None, None))
    judges = (JudgeData(1, pool_id=1), JudgeData(2, pool_id=2), JudgeData(3))
    result = plan(RoundData(entries, judges, frozenset(), k=1))
    # Judge 3 covers every pool: all three are linked, one batch; entries without a pool last.
    assert result.batches == [[1, 2, None]]
    apart = plan(RoundData(entries, judges[:2], frozenset(), k=1))
    assert apart.batches == [[1], [2], [None]]
    assert apart.diagnosis.pools[None].missing == 1


# --- random rounds -----------------------------------------------------------------------------


def random_round(rng: random.Random, *, n_entries=4, n_judges=4, rows=True) -> RoundData:  # noqa: ANN001
    pools = [1, 2]
    entries = tuple(
        EntryData(
            10 + n,
            rng.choice(pools),
            rng.choice((1, 2)),
            frozenset(rng.sample(SECTORS, rng.randint(0, 2))),
        )
        for n in range(n_entries)
    )
    judges = tuple(
        JudgeData(
            1 + n,
            pool_id=rng.choice((None, None, 1, 2)),
            track_id=rng.choice((None, None, None, 1)),
            cap=rng.choice((None, None, 0, 1, 2, 3)),
            expertise=frozenset(rng.sample(TAGS, rng.randint(0, 2))),
        )
        for n in range(n_judges)
    )
    users = [j.user_id for j in judges] + [REMOVED_JUDGE]
    conflicts = frozenset((e.id, u) for e in entries for u in users if rng.random() < 0.15)
    existing: list[Row] = []
    if rows:
        for entry in entries:
            for user in users:
                if rng.random() < 0.15:
                    status = rng.choice(("published", "proposed"))
                    source = rng.choice(("manual", "auto")) if status == "proposed" else "manual"
                    existing.append(Row(entry.id, user, status, source))
    return RoundData(
        entries,
        judges,
        conflicts,
        tuple(existing),
        k=rng.randint(1, 2),
        default_cap=rng.choice((None, 2, 3)),
    )


def objective(data: RoundData, rows: list[Row]) -> tuple[int, int, int, float]:
    """What the planner minimises, in order: judge slots missing, their spread over entries
    (sum of squared shortfalls), the spread of loads (sum of squared loads), then expertise
    cost."""
    usable = Counter(r.round_entry_id for r in rows if allowed(data, *r.pair))
    shortfall = [max(0, data.k - usable[e.id]) for e in data.entries]
    loads = Counter(r.user_id for r in rows)
    cost = 0.0
    for row in rows:
        entry, judge = data.entry(row.round_entry_id), data.judge(row.user_id)
        if entry and judge and allowed(data, *row.pair):
            cost += sum(w for _, w in expertise_reasons(entry.sectors, judge.expertise))
    return (
        sum(shortfall),
        sum(s * s for s in shortfall),
        sum(v * v for v in loads.values()),
        cost,
    )


def oracle(data: RoundData) -> tuple[int, int, int, float]:
    """The best objective over every way to add judges, by enumeration: published rows and
    rows proposed by hand (when still allowed) stay, earlier automatic proposals go; caps hold
    over the round; no pair is conflicted or out of scope."""
    caps = capacities(data)
    kept = [r for r in data.rows if r.kept and (r.status == "published" or allowed(data, *r.pair))]
    held = Counter(r.user_id for r in kept)
    room = {j.user_id: max(0, caps[j.user_id] - held[j.user_id]) for j in data.judges}
    taken = {r.pair for r in kept}
    options = []
    for entry in data.entries:
        have = sum(1 for r in kept if r.round_entry_id == entry.id and allowed(data, *r.pair))
        need = max(0, data.k - have)
        free = [
            j.user_id
            for j in data.judges
            if allowed(data, entry.id, j.user_id) and (entry.id, j.user_id) not in taken
        ]
        options.append(
            [(entry.id, combo) for size in range(need + 1) for combo in combinations(free, size)]
        )
    best = None

    def walk(index: int, used: Counter, chosen: list[Row]) -> None:
        nonlocal best
        if index == len(options):
            key = objective(data, kept + chosen)
            if best is None or key[:3] < best[:3] or (key[:3] == best[:3] and key[3] < best[3]):
                best = key
            return
        for entry_id, combo in options[index]:
            if all(used[u] < room[u] for u in combo):
                used.update(combo)
                new = [Row(entry_id, u, "proposed", "auto") for u in combo]
                walk(index + 1, used, chosen + new)
                used.subtract(combo)

    walk(0, Counter(), [])
    return best


@pytest.mark.parametrize("seed", range(60))
def test_matches_an_exhaustive_oracle_on_small_random_rounds(seed):
    data = random_round(random.Random(seed))
    best = oracle(data)
    got = objective(data, plan(data).rows(data))
    assert got[:3] == best[:3]
    assert got[3] == pytest.approx(best[3])


@pytest.mark.parametrize("seed", range(30))
def test_pool_by_pool_is_exact_when_judges_serve_one_pool(seed):
    rng = random.Random(1000 + seed)
    data = random_round(rng)
    scoped = RoundData(
        data.entries,
        tuple(
            JudgeData(j.user_id, rng.choice((1, 2)), j.track_id, j.cap, j.expertise)
            for j in data.judges
        ),
        data.conflicts,
        data.rows,
        data.k,
        data.default_cap,
    )
    one_by_one = plan(scoped, joint_pair_limit=0)
    assert objective(scoped, one_by_one.rows(scoped)) == pytest.approx(oracle(scoped))


# --- properties --------------------------------------------------------------------------------


@st.composite
def rounds(draw, rows=True, n_entries=6, n_judges=5):  # noqa: ANN001, ANN201
    seed = draw(st.integers(0, 10**9))
    return random_round(random.Random(seed), n_entries=n_entries, n_judges=n_judges, rows=rows)


@settings(max_examples=80, deadline=None, database=None)
@given(rounds(), st.sampled_from([0, 20_000]))
def test_no_conflict_no_scope_breach_no_cap_exceeded_and_kept_rows_stay(data, limit):
    result = plan(data, joint_pair_limit=limit)
    caps = capacities(data)
    after = result.rows(data)
    assert len({r.pair for r in after}) == len(after)
    for entry_id, user_id in result.add:
        assert allowed(data, entry_id, user_id)  # no conflict, on the panel, in scope
        assert (entry_id, user_id) not in data.conflicts
    before = Counter(r.user_id for r in data.rows if r not in result.drop)
    loads = Counter(r.user_id for r in after)
    for judge in data.judges:
        # New rows only within the cap; rows held before (published) are never taken away.
        assert loads[judge.user_id] <= max(caps[judge.user_id], before[judge.user_id])
    published = {r for r in data.rows if r.status == "published"}
    assert published <= set(after)
    hand = {r for r in data.rows if r.status == "proposed" and r.source == "manual"}
    assert {r for r in hand if allowed(data, *r.pair)} <= set(after)
    assert all(r.source == "auto" or not allowed(data, *r.pair) for r in result.drop)


@settings(max_examples=60, deadline=None, database=None)
@given(rounds(), st.sampled_from([0, 20_000]))
def test_each_entry_gets_min_of_k_and_its_available_judges_when_caps_allow(data, limit):
    roomy = RoundData(
        data.entries,
        tuple(JudgeData(j.user_id, j.pool_id, j.track_id, None, j.expertise) for j in data.judges),
        data.conflicts,
        data.rows,
        data.k,
        default_cap=100,
    )
    diagnosis = plan(roomy, joint_pair_limit=limit).diagnosis
    for entry in roomy.entries:
        available = sum(1 for j in roomy.judges if allowed(roomy, entry.id, j.user_id))
        assert diagnosis.usable[entry.id] >= min(roomy.k, available)


@settings(max_examples=60, deadline=None, database=None)
@given(
    st.integers(1, 12),
    st.integers(1, 3),
    st.integers(1, 6),
    st.integers(1, 3),
    st.sampled_from([0, 20_000]),
)
def test_loads_differ_by_at_most_one_when_everyone_may_judge_everything(
    n_entries, n_pools, n_judges, k, limit
):
    entries = tuple(EntryData(i, 1 + i % n_pools, None) for i in range(1, n_entries + 1))
    judges = tuple(JudgeData(j) for j in range(1, n_judges + 1))
    data = RoundData(entries, judges, frozenset(), k=k)
    result = plan(data, joint_pair_limit=limit)
    loads = result.diagnosis.loads.values()
    assert max(loads) - min(loads) <= 1
    assert result.feasible == (k <= n_judges)


@settings(max_examples=40, deadline=None, database=None)
@given(rounds(), st.randoms(use_true_random=False))
def test_the_plan_does_not_depend_on_input_order(data, rng):
    def shuffled(items: tuple) -> tuple:
        items = list(items)
        rng.shuffle(items)
        return tuple(items)

    reordered = RoundData(
        shuffled(data.entries),
        shuffled(data.judges),
        data.conflicts,
        shuffled(data.rows),
        data.k,
        data.default_cap,
    )
    assert plan(reordered).add == plan(data).add


def test_stale_rows_are_reported_and_count_against_the_cap():
    entries = (EntryData(1, 1, None), EntryData(2, 1, None))
    judges = (JudgeData(7, cap=1), JudgeData(8, cap=5))
    rows = (Row(1, 7, "published"),)  # judge 7 declared a conflict after publication
    data = RoundData(entries, judges, frozenset({(1, 7)}), rows, k=1)
    result = plan(data)
    assert result.diagnosis.stale == [Row(1, 7, "published")]
    assert set(result.add) == {(1, 8), (2, 8)}  # judge 7 is at their cap with the stale row
    assert diagnose(data).pools[1].missing == 2
