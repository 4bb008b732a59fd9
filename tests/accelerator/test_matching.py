"""Mentor matching: worked cases with their explanations, the hard rules, an exhaustive oracle
on small random cohorts, and properties; plus the optimiser's coverage mode it relies on."""

from __future__ import annotations

import random
from collections import Counter
from functools import cache
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accelerator.matching import (
    EXCLUDED,
    NEED_COVERED,
    PREFERRED,
    RELEASED,
    SAME_ORGANISATION,
    SAME_SECTOR,
    SAME_UNIT,
    Exclusion,
    MatchingData,
    MentorData,
    TeamData,
    match,
)
from app import optimiser
from app.optimiser import AssignmentProblem, Coverage, solve

FINANCE, MARKETING, LEGAL, TECHNOLOGY = 1, 2, 3, 4
AGRICULTURE, TOURISM = 11, 12


def mentor(id_, *tags, sectors=(), organisation="", unit_id=None, capacity=1):
    return MentorData(id_, frozenset(tags), frozenset(sectors), organisation, unit_id, capacity)


def team(id_, *needs, sector=None, preferred=(), organisations=(), units=(), excluded=()):
    return TeamData(
        id_,
        tuple(needs),
        sector,
        frozenset(preferred),
        frozenset(organisations),
        frozenset(units),
        frozenset(excluded),
    )


def mentors_of(result, team_id):
    (found,) = [t for t in result.teams if t.team_id == team_id]
    return {m.mentor_id: m for m in found.mentors}


# --- worked examples ----------------------------------------------------------------------------


def test_explanation_covers_finance_and_marketing_same_sector():
    # The farm co-op needs finance and marketing. Mentor 10 knows both and agriculture; 11 knows
    # finance only; 12 marketing only. One mentor each: 10 is the obvious fit, and says why.
    data = MatchingData(
        teams=(team(1, FINANCE, MARKETING, sector=AGRICULTURE),),
        mentors=(
            mentor(10, FINANCE, MARKETING, sectors=[AGRICULTURE]),
            mentor(11, FINANCE),
            mentor(12, MARKETING),
        ),
        mentors_per_team=1,
    )
    result = match(data)
    (only,) = result.teams
    (chosen,) = only.mentors
    assert chosen.mentor_id == 10
    assert chosen.reasons == (
        {"kind": "need", "tag_id": FINANCE},
        {"kind": "need", "tag_id": MARKETING},
        {"kind": "sector", "sector_id": AGRICULTURE},
    )
    assert chosen.fit == 2 * NEED_COVERED + SAME_SECTOR == only.fit == result.total_fit
    assert not chosen.kept
    assert only.lacks == 0 and only.uncovered == ()


def test_two_mentors_covering_different_needs_beat_two_covering_the_same():
    # Mentors 10 and 11 both know finance and the team's sector; 12 knows marketing only.
    # Pair by pair, 10 + 11 score more (14 + 14); as a team, finance counts once: 10 (or 11)
    # with 12 covers both needs (10 + 4 + 10 = 24 > 10 + 4 + 4 = 18).
    data = MatchingData(
        teams=(team(1, FINANCE, MARKETING, sector=TOURISM),),
        mentors=(
            mentor(10, FINANCE, sectors=[TOURISM]),
            mentor(11, FINANCE, sectors=[TOURISM]),
            mentor(12, MARKETING),
        ),
        mentors_per_team=2,
    )
    result = match(data)
    chosen = mentors_of(result, 1)
    assert set(chosen) in ({10, 12}, {11, 12})
    assert result.total_fit == 2 * NEED_COVERED + SAME_SECTOR
    assert chosen[12].reasons == ({"kind": "need", "tag_id": MARKETING},)


def test_a_need_covered_twice_is_credited_once_and_the_other_mentor_says_also():
    # Only two mentors, both with finance: the team gets both, finance counts once.
    data = MatchingData(
        teams=(team(1, FINANCE, LEGAL, sector=TOURISM, preferred=[11]),),
        mentors=(mentor(10, FINANCE, LEGAL), mentor(11, FINANCE, sectors=[TOURISM])),
        mentors_per_team=2,
    )
    result = match(data)
    chosen = mentors_of(result, 1)
    assert chosen[10].reasons == (
        {"kind": "need", "tag_id": FINANCE},
        {"kind": "need", "tag_id": LEGAL},
    )
    assert chosen[11].reasons == (
        {"kind": "also_covers", "tag_id": FINANCE},
        {"kind": "sector", "sector_id": TOURISM},
        {"kind": "preferred"},
    )
    assert chosen[11].fit == SAME_SECTOR + PREFERRED
    assert result.teams[0].fit == 2 * NEED_COVERED + SAME_SECTOR + PREFERRED


def test_scarce_expert_goes_where_it_adds_most():
    # One legal expert with room for one team: team 2 has nobody else for legal, team 1 does.
    data = MatchingData(
        teams=(team(1, LEGAL, FINANCE), team(2, LEGAL, TECHNOLOGY)),
        mentors=(
            mentor(10, LEGAL),
            mentor(11, LEGAL, FINANCE),
            mentor(12, TECHNOLOGY),
        ),
        mentors_per_team=1,
    )
    result = match(data)
    assert set(mentors_of(result, 1)) == {11}
    assert set(mentors_of(result, 2)) in ({10}, {12})
    assert result.total_fit == 3 * NEED_COVERED


# --- hard rules ---------------------------------------------------------------------------------


def test_conflicting_mentor_is_never_proposed_even_if_the_team_then_lacks_one():
    # Mentor 10 works where a member works (written differently), 11 is from a member's unit:
    # the team gets nobody rather than a conflict, and the page can say why.
    data = MatchingData(
        teams=(
            team(1, FINANCE, organisations=["Ngân hàng Nông nghiệp Quảng Nam"], units=[7]),
            team(2, FINANCE),
        ),
        mentors=(
            mentor(10, FINANCE, organisation="NGAN HANG NONG NGHIEP  quang nam", capacity=2),
            mentor(11, FINANCE, unit_id=7, capacity=2),
        ),
        mentors_per_team=1,
    )
    result = match(data)
    assert mentors_of(result, 1) == {}
    assert result.teams[0].lacks == 1
    assert result.lacking == 1
    assert result.excluded == (
        Exclusion(1, 10, (SAME_ORGANISATION,)),
        Exclusion(1, 11, (SAME_UNIT,)),
    )
    assert len(mentors_of(result, 2)) == 1


def test_empty_organisation_is_no_conflict():
    data = MatchingData(
        teams=(team(1, FINANCE, organisations=[""]),),
        mentors=(mentor(10, FINANCE, organisation=""),),
        mentors_per_team=1,
    )
    result = match(data)
    assert set(mentors_of(result, 1)) == {10}
    assert result.excluded == ()


def test_capacity_is_never_exceeded_and_the_shortfall_names_the_bottleneck():
    # Three teams want mentor 10 (capacity 2); mentor 11 is excluded for team 3.
    data = MatchingData(
        teams=(team(1, FINANCE), team(2, FINANCE), team(3, FINANCE, excluded=[11])),
        mentors=(mentor(10, FINANCE, capacity=2), mentor(11, capacity=1)),
        mentors_per_team=1,
    )
    result = match(data)
    assert result.loads == {10: 2, 11: 1}
    assert result.slots == 3 and result.lacking == 0
    # Everyone got one; 11 (no finance) went to team 1 or 2, 10 to team 3 and the other.
    assert set(mentors_of(result, 3)) == {10}
    assert result.excluded == (Exclusion(3, 11, (EXCLUDED,)),)

    tighter = MatchingData(data.teams, (mentor(10, FINANCE, capacity=2),), 2)
    short = match(tighter)
    assert short.loads == {10: 2}
    assert short.slots == 6 and short.lacking == 4
    assert sorted(t.lacks for t in short.teams) == [1, 1, 2]
    assert short.saturated == {10}


def test_kept_pairs_stay_and_count_against_m_and_capacity():
    # Team 1 keeps mentor 11 though 10 would fit better; 11's only place is used by the kept pair.
    data = MatchingData(
        teams=(team(1, FINANCE, MARKETING), team(2, MARKETING)),
        mentors=(mentor(10, FINANCE, MARKETING, capacity=1), mentor(11, MARKETING, capacity=1)),
        mentors_per_team=1,
        kept=frozenset({(1, 11)}),
    )
    result = match(data)
    assert set(mentors_of(result, 1)) == {11}
    assert mentors_of(result, 1)[11].kept
    assert mentors_of(result, 1)[11].reasons == ({"kind": "need", "tag_id": MARKETING},)
    assert set(mentors_of(result, 2)) == {10}
    assert result.proposed() == [(2, mentors_of(result, 2)[10])]


def test_released_pair_is_never_proposed_again():
    data = MatchingData(
        teams=(team(1, FINANCE),),
        mentors=(mentor(10, FINANCE), mentor(11)),
        mentors_per_team=1,
        released=frozenset({(1, 10)}),
    )
    result = match(data)
    assert set(mentors_of(result, 1)) == {11}
    assert result.excluded == (Exclusion(1, 10, (RELEASED,)),)


def test_a_full_team_or_mentor_gets_nothing_new_and_a_kept_conflict_is_flagged():
    # m was lowered to 1 after team 1 got two published mentors; mentor 12's capacity was
    # lowered to 0; mentor 11 has since joined a member's unit.
    data = MatchingData(
        teams=(team(1, FINANCE, units=[5]), team(2, FINANCE)),
        mentors=(
            mentor(10, FINANCE, capacity=3),
            mentor(11, FINANCE, unit_id=5, capacity=3),
            mentor(12, FINANCE, capacity=0),
        ),
        mentors_per_team=1,
        kept=frozenset({(1, 10), (1, 11), (2, 12)}),
    )
    result = match(data)
    assert set(mentors_of(result, 1)) == {10, 11}
    assert set(mentors_of(result, 2)) == {12}
    assert result.proposed() == []
    assert result.lacking == 0
    assert result.kept_in_conflict == (Exclusion(1, 11, (SAME_UNIT,)),)
    assert result.excluded == ()


def test_demand_comes_before_fit():
    # Mentor 10 fits team 1 perfectly, but only 10 can serve team 2: both teams get a mentor.
    data = MatchingData(
        teams=(team(1, FINANCE, MARKETING, sector=TOURISM), team(2, LEGAL, excluded=[11])),
        mentors=(mentor(10, FINANCE, MARKETING, sectors=[TOURISM]), mentor(11)),
        mentors_per_team=1,
    )
    result = match(data)
    assert set(mentors_of(result, 2)) == {10}
    assert set(mentors_of(result, 1)) == {11}
    assert result.lacking == 0
    assert result.teams[0].uncovered == (FINANCE, MARKETING)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (MatchingData((team(1), team(1)), (), 1), "team ids given twice"),
        (MatchingData((team(1),), (mentor(5), mentor(5)), 1), "mentor ids given twice"),
        (MatchingData((team(1),), (mentor(5),), -1), "mentors per team"),
        (MatchingData((team(1),), (mentor(5, capacity=-1),), 1), "capacity"),
        (MatchingData((team(1),), (mentor(5),), 1, kept=frozenset({(2, 5)})), "unknown"),
        (
            MatchingData((team(1),), (mentor(5),), 1, frozenset({(1, 5)}), frozenset({(1, 5)})),
            "kept and released",
        ),
    ],
)
def test_inconsistent_problem_is_refused(data, message):
    with pytest.raises(ValueError, match=message):
        match(data)


# --- the optimiser's coverage mode --------------------------------------------------------------


def test_coverage_mode_keeps_demand_then_balance_then_fit():
    # Providers a and b both cover g; balance (the default) wants one item each, whatever the
    # bonus; with balance off, the bonus of g for item "x" decides.
    problem = AssignmentProblem(
        items={"x": 1, "y": 1},
        providers={"a": 2, "b": 2},
        pairs={("x", "a"): 0.0, ("x", "b"): 0.0, ("y", "a"): 0.0, ("y", "b"): -1.0},
        coverage={"x": [Coverage(frozenset({"a"}), 5.0)], "y": [Coverage(frozenset({"a"}), 3.0)]},
    )
    balanced = solve(problem)
    assert balanced.pairs == {("x", "a"), ("y", "b")}
    assert balanced.bonus == 5.0 and balanced.total_cost == -1.0
    unbalanced = solve(
        AssignmentProblem(
            problem.items, problem.providers, problem.pairs, balance_weight=0,
            coverage={"x": [Coverage(frozenset({"a"}), 5.0)],
                      "y": [Coverage(frozenset({"a"}), 30.0)]},
        )
    )  # fmt: skip
    assert unbalanced.pairs == {("x", "a"), ("y", "a")}
    assert unbalanced.bonus == 35.0


@pytest.mark.parametrize(
    ("coverage", "message"),
    [
        ({"nobody": [Coverage(frozenset({"a"}), 1.0)]}, "unknown item"),
        ({"x": [Coverage(frozenset({"z"}), 1.0)]}, "unknown provider"),
        ({"x": [Coverage(frozenset({"a"}), -1.0)]}, "bonus"),
        ({"x": [Coverage(frozenset({"a"}), float("inf"))]}, "bonus"),
    ],
)
def test_inconsistent_coverage_is_refused(coverage, message):
    problem = AssignmentProblem({"x": 1}, {"a": 1}, {("x", "a"): 0.0}, coverage=coverage)
    with pytest.raises(ValueError, match=message):
        solve(problem)


# --- exhaustive oracle --------------------------------------------------------------------------


def random_cohort(rng: random.Random, *, max_teams=5, max_mentors=5) -> MatchingData:
    tags, sectors, organisations = [1, 2, 3, 4], [11, 12], ["", "Sở KH&CN", "Trường ĐH A"]
    mentors = tuple(
        MentorData(
            id=100 + n,
            expertise=frozenset(rng.sample(tags, rng.randint(1, 2))),
            sectors=frozenset(rng.sample(sectors, rng.randint(0, 1))),
            organisation=rng.choice(organisations),
            unit_id=rng.choice([None, 1, 2]),
            capacity=rng.choice([0, 1, 2, 2, 3]),
        )
        for n in range(rng.randint(1, max_mentors))
    )
    ids = [m.id for m in mentors]
    teams = tuple(
        TeamData(
            id=n + 1,
            needs=tuple(rng.sample(tags, rng.randint(1, 4))),
            sector_id=rng.choice([None, *sectors]),
            preferred=frozenset(i for i in ids if rng.random() < 0.2),
            organisations=frozenset(rng.sample(organisations, rng.choice([0, 0, 1]))),
            unit_ids=frozenset(rng.sample([1, 2, 3], rng.choice([0, 0, 1]))),
            excluded=frozenset(i for i in ids if rng.random() < 0.1),
        )
        for n in range(rng.randint(1, max_teams))
    )
    pairs = [(t.id, i) for t in teams for i in ids]
    kept = {pair for pair in pairs if rng.random() < 0.08}
    released = {pair for pair in pairs if pair not in kept and rng.random() < 0.1}
    m = rng.choice([1, 2, 2])  # two mentors per team is where covering different needs matters
    return MatchingData(teams, mentors, m, frozenset(kept), frozenset(released))


def is_excluded(data: MatchingData, team: TeamData, mentor: MentorData) -> bool:
    org = mentor.organisation.casefold()
    return (
        (team.id, mentor.id) in data.released
        or mentor.id in team.excluded
        or bool(org and org in {o.casefold() for o in team.organisations})
        or (mentor.unit_id is not None and mentor.unit_id in team.unit_ids)
    )


def team_fit(team: TeamData, chosen: list[MentorData]) -> int:
    """The objective, written independently: each need once, sector and preference per pair."""
    covered = {tag for tag in team.needs if any(tag in m.expertise for m in chosen)}
    per_pair = sum(
        SAME_SECTOR * (team.sector_id is not None and team.sector_id in m.sectors)
        + PREFERRED * (m.id in team.preferred)
        for m in chosen
    )
    return NEED_COVERED * len(covered) + per_pair


def oracle(data: MatchingData) -> tuple[int, int]:
    """Best (slots lacking, -total fit) over every feasible matching: each team tries every set
    of allowed mentors that contains its kept ones, teams in turn, remembering the best
    completion per (team, capacities left) so the search stays small."""
    mentors = {m.id: m for m in data.mentors}
    kept_count = Counter(m for _, m in data.kept)
    order = [m.id for m in data.mentors]
    options = []
    for team in data.teams:
        kept = {m for t, m in data.kept if t == team.id}
        demand = max(data.mentors_per_team, len(kept))
        allowed = [m.id for m in data.mentors if m.id in kept or not is_excluded(data, team, m)]
        sets = [
            set(combo)
            for size in range(demand + 1)
            for combo in combinations(allowed, size)
            if kept <= set(combo)
        ]
        options.append(
            [(s, demand - len(s), team_fit(team, [mentors[m] for m in s])) for s in sets]
        )

    @cache
    def best(index: int, room: tuple[int, ...]) -> tuple[int, int] | None:
        if index == len(options):
            return (0, 0)
        found = None
        for chosen, lacks, fit in options[index]:
            if any(room[order.index(m)] == 0 for m in chosen):
                continue
            left = tuple(r - (m in chosen) for m, r in zip(order, room, strict=True))
            rest = best(index + 1, left)
            if rest is None:  # a later team's kept mentor would find no room
                continue
            key = (lacks + rest[0], -fit + rest[1])
            if found is None or key < found:
                found = key
        return found

    return best(0, tuple(max(m.capacity, kept_count[m.id]) for m in data.mentors))


@pytest.mark.parametrize("seed", range(60))
def test_reaches_the_exhaustive_optimum_on_small_random_cohorts(seed):
    data = random_cohort(random.Random(seed))
    result = match(data)
    mentors = {m.id: m for m in data.mentors}
    recomputed = sum(
        team_fit(t, [mentors[m.mentor_id] for m in r.mentors])
        for t, r in zip(data.teams, result.teams, strict=True)
    )
    assert result.total_fit == recomputed
    assert (result.lacking, -result.total_fit) == oracle(data)


def test_a_fractional_relaxation_still_ends_at_the_exhaustive_optimum():
    # Five teams share three mentors (8 places for 10 slots). The LP relaxation splits mentors
    # between teams here, so the optimum is found by the MILP over the pairs the bound allows,
    # which must look past them once: the result is still the exhaustive optimum.
    data = MatchingData(
        teams=(
            team(3, 6, preferred=[1002]),
            team(4, 5, 3),
            team(6, 5, preferred=[1003]),
            team(7, 1, 4),
            team(10, 5, 3),
        ),
        mentors=(
            mentor(1001, 4, 5, capacity=3),
            mentor(1002, 1, 5, capacity=2),
            mentor(1003, 1, 3, 4, capacity=3),
        ),
        mentors_per_team=2,
    )
    result = match(data)
    assert (result.lacking, -result.total_fit) == oracle(data) == (2, -76)


@pytest.mark.parametrize("seed", range(25))
@pytest.mark.parametrize(
    "shortcut",
    [
        # Every team's coverage as one row per need (what a team with too many sets gets).
        {"_MOST_SETS": 0},
        # Pricing starts from no pair at all: everything it needs, it has to find.
        {"_FIRST_PAIRS_PER_PROVIDER": 0, "_FIRST_PAIRS_PER_ITEM": 0},
    ],
    ids=["group-rows", "pricing-from-nothing"],
)
def test_the_optimum_does_not_depend_on_the_solver_shortcuts(seed, shortcut, monkeypatch):
    for name, value in shortcut.items():
        monkeypatch.setattr(optimiser, name, value)
    data = random_cohort(random.Random(1000 + seed), max_teams=6, max_mentors=6)
    result = match(data)
    assert (result.lacking, -result.total_fit) == oracle(data)


# --- properties ---------------------------------------------------------------------------------


@st.composite
def cohorts(draw):
    seed = draw(st.integers(0, 10**9))
    return random_cohort(random.Random(seed), max_teams=7, max_mentors=6)


@settings(max_examples=60, deadline=None, database=None)
@given(cohorts())
def test_no_capacity_or_conflict_is_ever_violated_and_mentors_are_distinct(data):
    result = match(data)
    teams = {t.id: t for t in data.teams}
    mentors = {m.id: m for m in data.mentors}
    kept_count = Counter(m for _, m in data.kept)
    load = Counter()
    for team_result in result.teams:
        ids = [m.mentor_id for m in team_result.mentors]
        assert len(ids) == len(set(ids))
        demand = max(
            data.mentors_per_team, sum(1 for t, _ in data.kept if t == team_result.team_id)
        )
        assert len(ids) + team_result.lacks == demand
        assert team_result.fit == sum(m.fit for m in team_result.mentors)
        for matched in team_result.mentors:
            load[matched.mentor_id] += 1
            pair = (team_result.team_id, matched.mentor_id)
            assert matched.kept == (pair in data.kept)
            if not matched.kept:
                assert not is_excluded(data, teams[pair[0]], mentors[pair[1]])
            points = sum(
                {"need": NEED_COVERED, "sector": SAME_SECTOR, "preferred": PREFERRED}.get(
                    reason["kind"], 0
                )
                for reason in matched.reasons
            )
            assert matched.fit == points
    for mentor_id, taken in load.items():
        assert taken <= max(mentors[mentor_id].capacity, kept_count[mentor_id])
    assert data.kept <= {(t.team_id, m.mentor_id) for t in result.teams for m in t.mentors}
    assert dict(load) == {m: n for m, n in result.loads.items() if n}
