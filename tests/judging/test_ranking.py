"""Ranking rules on worked examples an organizer could check by hand, plus order-free properties."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from judging.ranking import (
    DISAGREEMENT,
    INCOMPLETE,
    NO_PREVIOUS,
    ZERO_CRITERION,
    Criterion,
    RankedEntry,
    Sheet,
    judge_total,
    rank_entries,
    round2,
)

# One criterion out of 100: a judge's total is simply the score, so examples read at a glance.
PLAIN = [Criterion("overall", max=100)]


def plain_sheets(scores: dict[str, dict[str, float]]) -> list[Sheet]:
    """{entry: {judge: score}} on the one-criterion rubric."""
    return [
        Sheet(judge, entry, {"overall": score})
        for entry, by_judge in scores.items()
        for judge, score in by_judge.items()
    ]


def by_entry(results: list[RankedEntry]) -> dict[str | int, RankedEntry]:
    return {r.entry: r for r in results}


def test_judge_total_is_the_weighted_sum_scaled_to_100():
    criteria = [Criterion("idea", max=10, weight=3), Criterion("team", max=5, weight=1)]
    # (8/10·3 + 4/5·1) / 4 · 100 = 80; (10/10·3 + 0) / 4 · 100 = 75
    assert judge_total(criteria, {"idea": 8, "team": 4}) == pytest.approx(80)
    assert judge_total(criteria, {"idea": 10, "team": 0}) == pytest.approx(75)


def test_mean_is_the_default_and_rounds_to_two_decimals():
    results = by_entry(rank_entries(PLAIN, plain_sheets({"e": {"a": 70, "b": 70, "c": 71}})))
    assert results["e"].score == Decimal("70.33")
    assert results["e"].judge_count == 3
    assert results["e"].judge_totals == {
        "a": Decimal("70.00"),
        "b": Decimal("70.00"),
        "c": Decimal("71.00"),
    }


def test_rounding_is_half_up_on_the_decimal_one_reads():
    assert round2(2.675) == Decimal("2.68")
    assert round2(80.125) == Decimal("80.13")


def test_median_ignores_one_outlying_judge():
    sheets = plain_sheets({"e": {"a": 60, "b": 70, "c": 95}})
    assert rank_entries(PLAIN, sheets, method="median")[0].score == Decimal("70.00")
    assert rank_entries(PLAIN, sheets, method="mean")[0].score == Decimal("75.00")


def test_trimmed_drops_highest_and_lowest_only_from_five_judges():
    five = plain_sheets({"e": {"a": 10, "b": 60, "c": 70, "d": 80, "f": 100}})
    four = plain_sheets({"e": {"a": 10, "b": 60, "c": 70, "d": 80}})
    assert rank_entries(PLAIN, five, method="trimmed")[0].score == Decimal("70.00")
    assert rank_entries(PLAIN, four, method="trimmed")[0].score == Decimal("55.00")


HARSH_AND_LENIENT = {
    # j1 is harsh (mean 50), j2 lenient (mean 80); each ranks the entries differently.
    "x": {"j1": 40, "j2": 70},
    "y": {"j1": 50, "j2": 90},
    "z": {"j1": 60, "j2": 80},
}


def test_normalised_worked_example():
    """Both judges have population SD √(200/3), so their z-scores are 0 and ±√1.5.

    x: (−√1.5 − √1.5)/2 = −√1.5; y and z: (0 + √1.5)/2 = √1.5/2.
    The round's totals 40, 50, 60, 70, 90, 80 have mean 65 and population SD √(1750/6), so
    x = 65 − √1.5·√(1750/6) = 65 − √437.5 = 44.08 and y = z = 65 + √437.5/2 = 75.46.
    """
    results = by_entry(rank_entries(PLAIN, plain_sheets(HARSH_AND_LENIENT), method="normalised"))
    assert results["x"].score == round2(65 - math.sqrt(437.5)) == Decimal("44.08")
    assert results["y"].score == results["z"].score == Decimal("75.46")
    # y and z tie on the score and on the criterion mean (70): equal ranks, then a gap.
    assert [results[e].rank for e in "yzx"] == [1, 1, 3]


def test_normalised_judge_with_one_sheet_counts_as_an_average_verdict():
    """j3 scored only x: no spread, so the fallback (total − own mean) gives 0.

    Totals 40, 50, 60, 70, 90, 80, 100 have mean 70 and population SD 20;
    x = 70 + (−√1.5 − √1.5 + 0)/3 · 20 = 53.67, y = 70 + (√1.5/2)·20 = 82.25.
    Without the fallback j3 would have no z-score at all; with it, x is pulled toward the mean.
    """
    scores = {**HARSH_AND_LENIENT, "x": {"j1": 40, "j2": 70, "j3": 100}}
    results = by_entry(rank_entries(PLAIN, plain_sheets(scores), method="normalised"))
    assert results["x"].score == round2(70 - 2 * math.sqrt(1.5) / 3 * 20) == Decimal("53.67")
    assert results["y"].score == Decimal("82.25")


def test_normalised_judge_with_equal_totals_pulls_toward_the_round_mean():
    scores = {"x": {"a": 20, "b": 60}, "y": {"a": 80, "b": 60}}
    results = by_entry(rank_entries(PLAIN, plain_sheets(scores), method="normalised"))
    # a: z = ∓1; b: all 60, so 0. Totals 20, 60, 80, 60: mean 55, population SD √475.
    assert results["x"].score == round2(55 - math.sqrt(475) / 2) == Decimal("44.10")
    assert results["y"].score == round2(55 + math.sqrt(475) / 2) == Decimal("65.90")


def test_normalised_judge_with_equal_totals_has_no_float_noise_spread():
    """Six totals of 63.33… have a float mean one ulp off; that must not read as a spread.

    Entry a is scored only by the flat judge, so its z-score is 0 and its score is the round mean.
    Were the 1e-15 "spread" used, a's z-score would be ±1: a whole SD away.
    """
    rubric = [Criterion("idea", max=10, weight=2), Criterion("team", max=10, weight=1)]
    entries = ["a", "b", "c", "d", "e", "f"]
    sheets = [Sheet("flat", e, {"idea": 7, "team": 5}) for e in entries] + [
        Sheet("varied", e, {"idea": i, "team": i}) for i, e in enumerate(entries) if e != "a"
    ]
    totals = [judge_total(rubric, s.scores) for s in sheets]
    results = by_entry(rank_entries(rubric, sheets, method="normalised"))
    assert results["a"].score == round2(math.fsum(totals) / len(totals))


def test_normalised_is_clamped_to_the_scale():
    scores = {f"e{i}": {"a": 100 if i == 0 else 0, "b": 100 if i == 0 else 0} for i in range(6)}
    results = by_entry(rank_entries(PLAIN, plain_sheets(scores), method="normalised"))
    assert all(Decimal(0) <= r.score <= Decimal(100) for r in results.values() if r.score)


def test_equal_scores_share_a_rank_and_the_next_rank_is_skipped():
    scores = {"a": {"j": 90}, "b": {"j": 80}, "c": {"j": 80}, "d": {"j": 70}}
    results = rank_entries(PLAIN, plain_sheets(scores))
    assert [(r.entry, r.rank) for r in results] == [("a", 1), ("b", 2), ("c", 2), ("d", 4)]


TWO_CRITERIA = [Criterion("idea", max=10, priority=0), Criterion("team", max=10, priority=1)]
EVEN = [Sheet("j", "p", {"idea": 8, "team": 6}), Sheet("j", "q", {"idea": 6, "team": 8})]


def test_ties_are_broken_by_criterion_means_in_priority_order():
    results = by_entry(rank_entries(TWO_CRITERIA, EVEN))
    assert results["p"].score == results["q"].score == Decimal("70.00")
    assert (results["p"].rank, results["q"].rank) == (1, 2)
    assert results["p"].criterion_means == {"idea": Decimal("8.00"), "team": Decimal("6.00")}

    team_first = [Criterion("idea", max=10, priority=1), Criterion("team", max=10, priority=0)]
    results = by_entry(rank_entries(team_first, EVEN))
    assert (results["p"].rank, results["q"].rank) == (2, 1)


def test_without_tie_breaks_equal_scores_are_equal_ranks():
    results = by_entry(rank_entries(TWO_CRITERIA, EVEN, tie_breaks=()))
    assert results["p"].rank == results["q"].rank == 1


def test_then_the_entry_more_judges_scored_wins():
    scores = {"r": {"a": 70, "b": 70, "c": 70}, "s": {"a": 70, "b": 70}}
    results = by_entry(rank_entries(PLAIN, plain_sheets(scores)))
    assert (results["r"].rank, results["s"].rank) == (1, 2)
    results = by_entry(rank_entries(PLAIN, plain_sheets(scores), tie_breaks=("criteria",)))
    assert results["r"].rank == results["s"].rank == 1


def test_pools_are_ranked_separately():
    scores = {"a": {"j": 90}, "b": {"j": 80}, "c": {"j": 50}, "d": {"j": 60}}
    pools = {"a": "north", "b": "north", "c": "south", "d": "south"}
    results = rank_entries(PLAIN, plain_sheets(scores), pools=pools)
    assert [(r.pool, r.entry, r.rank) for r in results] == [
        ("north", "a", 1),
        ("north", "b", 2),
        ("south", "d", 1),
        ("south", "c", 2),
    ]


def test_incomplete_flag_for_missing_and_partial_sheets():
    criteria = TWO_CRITERIA
    sheets = [
        Sheet("a", "short", {"idea": 5, "team": 5}),
        Sheet("b", "short", {"idea": 5, "team": 5}),
        Sheet("a", "partial", {"idea": 5, "team": 5}),
        Sheet("b", "partial", {"idea": 5, "team": 5}),
        Sheet("c", "partial", {"idea": 9}),
        Sheet("a", "full", {"idea": 5, "team": 5}),
        Sheet("b", "full", {"idea": 5, "team": 5}),
        Sheet("c", "full", {"idea": 5, "team": 5}),
    ]
    pools = {"short": "", "partial": "", "full": "", "untouched": ""}
    results = by_entry(rank_entries(criteria, sheets, pools=pools, expected_judges=3))
    assert INCOMPLETE in results["short"].flags
    assert INCOMPLETE in results["partial"].flags
    # The partial sheet does not count toward the score.
    assert results["partial"].judge_count == 2
    assert results["partial"].score == Decimal("50.00")
    assert results["full"].flags == ()
    assert results["untouched"].score is None
    assert results["untouched"].rank is None
    assert results["untouched"].flags == (INCOMPLETE,)
    # Unranked entries come after the ranked ones of their pool.
    assert rank_entries(criteria, sheets, pools=pools)[-1].entry == "untouched"


def test_expected_judges_per_entry():
    scores = {"a": {"j": 60}, "b": {"j": 60}}
    results = by_entry(rank_entries(PLAIN, plain_sheets(scores), expected_judges={"a": 2}))
    assert results["a"].flags == (INCOMPLETE,)
    assert results["b"].flags == ()


def test_disagreement_flag_on_spread_or_range():
    scores = {"wide": {"a": 40, "b": 75}, "close": {"a": 50, "b": 70}}
    results = by_entry(rank_entries(PLAIN, plain_sheets(scores)))
    assert DISAGREEMENT in results["wide"].flags  # range 35 > 30, SD 17.5 > 15
    assert DISAGREEMENT not in results["close"].flags  # range 20, SD 10
    strict = by_entry(
        rank_entries(PLAIN, plain_sheets(scores), disagreement_sd=None, disagreement_range=15)
    )
    assert DISAGREEMENT in strict["close"].flags


def test_zero_criterion_flag_only_under_the_no_zero_rule():
    sheets = [Sheet("a", "e", {"idea": 0, "team": 10}), Sheet("a", "f", {"idea": 5, "team": 5})]
    results = by_entry(rank_entries(TWO_CRITERIA, sheets, no_zero=True))
    assert results["e"].flags == (ZERO_CRITERION,)
    assert results["f"].flags == ()
    assert rank_entries(TWO_CRITERIA, sheets)[1].flags == ()


def test_carry_over_blends_the_previous_round():
    scores = {"a": {"j": 80}, "b": {"j": 70}}
    results = by_entry(
        rank_entries(PLAIN, plain_sheets(scores), previous={"a": 60}, carry_weight=0.3)
    )
    assert results["a"].score == Decimal("74.00")  # 0.7·80 + 0.3·60
    assert results["b"].score == Decimal("70.00")
    assert results["b"].flags == (NO_PREVIOUS,)


def test_carry_over_can_change_the_order():
    scores = {"a": {"j": 80}, "b": {"j": 78}}
    previous = {"a": Decimal("50.00"), "b": Decimal("90.00")}
    results = by_entry(
        rank_entries(PLAIN, plain_sheets(scores), previous=previous, carry_weight=0.5)
    )
    assert (results["a"].score, results["b"].score) == (Decimal("65.00"), Decimal("84.00"))
    assert (results["a"].rank, results["b"].rank) == (2, 1)


@pytest.mark.parametrize(
    ("sheets", "kwargs", "message"),
    [
        ([Sheet("j", "e", {"overall": 101})], {}, "outside"),
        ([Sheet("j", "e", {"overall": -1})], {}, "outside"),
        ([Sheet("j", "e", {"other": 5})], {}, "Unknown criterion"),
        ([Sheet("j", "e", {"overall": 5}), Sheet("j", "e", {"overall": 6})], {}, "two sheets"),
        ([Sheet("j", "e", {"overall": 5})], {"method": "best"}, "Unknown ranking method"),
        ([Sheet("j", "e", {"overall": 5})], {"pools": {"f": "p"}}, "no pool"),
        ([Sheet("j", "e", {"overall": 5})], {"carry_weight": 1.5}, "carry-over"),
        ([Sheet("j", "e", {"overall": 5})], {"tie_breaks": ("luck",)}, "tie-break"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(sheets, kwargs, message):
    with pytest.raises(ValueError, match=message):
        rank_entries(PLAIN, sheets, **kwargs)


def test_bad_rubric_is_refused():
    with pytest.raises(ValueError, match="maximum"):
        rank_entries([Criterion("c", max=0)], [])
    with pytest.raises(ValueError, match="add up to zero"):
        rank_entries([Criterion("c", max=10, weight=0)], [])


# --- properties -------------------------------------------------------------------------------

RUBRIC = [
    Criterion("idea", max=10, weight=2, priority=0),
    Criterion("team", max=10, weight=1, priority=1),
]
JUDGES = ["j1", "j2", "j3", "j4", "j5"]
ENTRIES = ["e1", "e2", "e3", "e4", "e5", "e6"]
score = st.integers(min_value=0, max_value=20).map(lambda n: n / 2)  # 0–10, step 0.5


@st.composite
def rounds(draw: st.DrawFn) -> list[Sheet]:
    """Any subset of judge × entry pairs, each sheet complete or missing one criterion."""
    sheets = []
    for entry in ENTRIES:
        for judge in JUDGES:
            if draw(st.booleans()):
                scores = {"idea": draw(score), "team": draw(score)}
                if draw(st.integers(0, 9)) == 0:
                    del scores["team"]
                sheets.append(Sheet(judge, entry, scores))
    return sheets


@st.composite
def full_panels(draw: st.DrawFn, top: int = 7) -> list[Sheet]:
    """Every judge scores every entry, integer scores up to ``top`` so a shift stays in range."""
    judges = JUDGES[: draw(st.integers(2, 4))]
    entries = ENTRIES[: draw(st.integers(2, 6))]
    return [
        Sheet(j, e, {"idea": draw(st.integers(0, top)), "team": draw(st.integers(0, top))})
        for e in entries
        for j in judges
    ]


METHOD = st.sampled_from(["mean", "median", "trimmed", "normalised"])


@settings(max_examples=60, deadline=None, database=None)
@given(sheets=rounds(), method=METHOD, data=st.data())
def test_results_do_not_depend_on_input_order(sheets, method, data):
    shuffled = data.draw(st.permutations(sheets))
    pools = {e: ("p" if e < "e4" else "q") for e in ENTRIES}
    assert rank_entries(RUBRIC, shuffled, pools=pools, method=method) == rank_entries(
        RUBRIC, sheets, pools=pools, method=method
    )


@settings(max_examples=60, deadline=None, database=None)
@given(sheets=full_panels(), shift=st.integers(1, 3))
def test_normalised_order_ignores_a_judge_who_is_uniformly_more_generous(sheets, shift):
    shifted = [
        Sheet(s.judge, s.entry, {c: v + shift for c, v in s.scores.items()})
        if s.judge == "j1"
        else s
        for s in sheets
    ]
    before = by_entry(rank_entries(RUBRIC, sheets, method="normalised"))
    after = by_entry(rank_entries(RUBRIC, shifted, method="normalised"))
    for a in before:
        for b in before:
            # The mapping back to 0–100 changes with the round's mean and SD, but never the order
            # (rounding to cents may merge or split a near tie, never reverse it).
            if before[a].score > before[b].score:
                assert after[a].score >= after[b].score
    if (
        len({r.score for r in before.values()})
        == len(before)
        == len({r.score for r in after.values()})
    ):
        assert {e: r.rank for e, r in before.items()} == {e: r.rank for e, r in after.items()}


@settings(max_examples=60, deadline=None, database=None)
@given(
    sheets=rounds(),
    method=METHOD,
    carry=st.floats(0, 1),
    previous=st.floats(0, 100),
)
def test_scores_stay_on_the_0_to_100_scale(sheets, method, carry, previous):
    results = rank_entries(
        RUBRIC, sheets, method=method, previous={"e1": previous}, carry_weight=carry
    )
    for r in results:
        assert r.score is None or Decimal(0) <= r.score <= Decimal(100)
        assert (r.score is None) == (r.rank is None)
