"""Agreement and stability statistics against published and hand-computed values."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from judging.ranking import Criterion, Sheet, judge_totals
from judging.stats import (
    complete_matrix,
    icc,
    icc_band,
    judge_profiles,
    kendall_band,
    kendall_w,
    rank_stability,
)

# Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges.
SHROUT_FLEISS = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]


def test_icc_matches_shrout_and_fleiss_1979():
    result = icc(SHROUT_FLEISS)
    # Their Table 3 (mean squares) and Table 4 (the six coefficients).
    assert (round(result.bms, 2), round(result.wms, 2)) == (11.24, 6.26)
    assert (round(result.jms, 2), round(result.ems, 2)) == (32.49, 1.02)
    published = {
        "icc1_1": 0.17,
        "icc2_1": 0.29,
        "icc3_1": 0.71,
        "icc1_k": 0.44,
        "icc2_k": 0.62,
        "icc3_k": 0.91,
    }
    assert {name: round(getattr(result, name), 2) for name in published} == published
    assert (result.n, result.k) == (6, 4)


def test_icc_bands_for_the_worked_example():
    result = icc(SHROUT_FLEISS)
    assert icc_band(result.icc1_1) == "poor"
    assert icc_band(result.icc3_1) == "moderate"
    assert icc_band(result.icc3_k) == "excellent"


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (-0.2, "poor"),
        (0.49, "poor"),
        (0.5, "moderate"),
        (0.75, "good"),
        (0.9, "good"),
        (0.91, "excellent"),
        (None, "undefined"),
    ],
)
def test_icc_band_boundaries_follow_koo_and_li(value, band):
    assert icc_band(value) == band


def test_icc_is_one_when_judges_agree_exactly():
    result = icc([[1, 1, 1], [5, 5, 5], [3, 3, 3]])
    assert result.icc1_1 == result.icc2_1 == result.icc3_1 == pytest.approx(1)
    assert result.icc1_k == result.icc2_k == result.icc3_k == pytest.approx(1)


def test_icc_is_undefined_without_any_variance():
    result = icc([[4, 4], [4, 4]])
    assert result.icc1_1 is None and result.icc3_k is None


@pytest.mark.parametrize("matrix", [[[1, 2]], [[1], [2]], [[1, 2], [3]]])
def test_icc_refuses_matrices_too_small_or_ragged(matrix):
    with pytest.raises(ValueError, match="complete matrix"):
        icc(matrix)


def test_kendall_w_worked_example():
    """3 judges rank 4 entries: (1,2,3,4), (1,3,2,4), (2,1,3,4).

    Rank sums 4, 6, 8, 12; their mean m(n+1)/2 = 7.5; S = 12.25 + 2.25 + 0.25 + 20.25 = 35.
    W = 12·35 / (3²·(4³ − 4)) = 420 / 540 = 0.7778.
    """
    matrix = [[1, 1, 2], [2, 3, 1], [3, 2, 3], [4, 4, 4]]
    assert kendall_w(matrix) == pytest.approx(420 / 540)
    assert kendall_band(kendall_w(matrix)) == "very strong"


def test_kendall_w_with_tied_scores():
    """Judge 1 scores 5, 5, 1 (ranks 2.5, 2.5, 1; one tie of 2: T = 2³ − 2 = 6); judge 2 3, 2, 1.

    Rank sums 5.5, 4.5, 2; mean 4; S = 2.25 + 0.25 + 4 = 6.5.
    W = 12·6.5 / (2²·(27 − 3) − 2·6) = 78 / 84 = 0.9286 (0.8125 without the tie correction).
    """
    assert kendall_w([[5, 3], [5, 2], [1, 1]]) == pytest.approx(78 / 84)


def test_kendall_w_perfect_agreement_and_perfect_opposition():
    agree = [[10, 70, 3], [20, 80, 4], [30, 90, 5]]
    assert kendall_w(agree) == pytest.approx(1)
    # Two judges in exactly opposite order: every rank sum is n + 1, so S = 0.
    assert kendall_w([[1, 3], [2, 2], [3, 1]]) == pytest.approx(0)
    assert kendall_band(0.0) == "very weak"


def test_kendall_w_undefined_cases():
    assert kendall_w([[5, 5], [5, 5]]) is None
    assert kendall_w([[5, 5]]) is None
    assert kendall_band(None) == "undefined"


@pytest.mark.parametrize(
    ("value", "band"),
    [(0.05, "very weak"), (0.2, "weak"), (0.4, "moderate"), (0.6, "strong"), (0.8, "very strong")],
)
def test_kendall_bands(value, band):
    assert kendall_band(value) == band


PLAIN = [Criterion("overall", max=100)]


def sheets_of(scores: dict[str, dict[str, float]]) -> list[Sheet]:
    """{entry: {judge: score}} on a one-criterion rubric out of 100 (total = score)."""
    return [
        Sheet(j, e, {"overall": v}) for e, by_judge in scores.items() for j, v in by_judge.items()
    ]


def test_judge_profiles_mean_spread_and_leniency():
    totals = judge_totals(
        PLAIN,
        sheets_of(
            {
                "x": {"harsh": 60, "fair": 70, "kind": 80},
                "y": {"harsh": 70, "fair": 80, "kind": 90},
                "z": {"solo": 50},
            }
        ),
    )
    profiles = {p.judge: p for p in judge_profiles(totals)}
    assert profiles["harsh"].mean == pytest.approx(65)
    assert profiles["harsh"].sd == pytest.approx(50**0.5)  # sample SD of 60, 70
    # x: 60 − mean(70, 80) = −15; y: 70 − mean(80, 90) = −15.
    assert profiles["harsh"].leniency == pytest.approx(-15)
    assert profiles["fair"].leniency == pytest.approx(0)
    assert profiles["kind"].leniency == pytest.approx(15)
    # Alone on one entry: no spread and no one to compare with.
    assert profiles["solo"].sheet_count == 1
    assert profiles["solo"].sd is None and profiles["solo"].leniency is None


def test_complete_matrix_from_totals_feeds_icc():
    scores = {
        f"e{i}": {f"j{j}": row[j] * 10 for j in range(4)} for i, row in enumerate(SHROUT_FLEISS)
    }
    entries, judges, matrix = complete_matrix(judge_totals(PLAIN, sheets_of(scores)))
    assert entries == [f"e{i}" for i in range(6)] and judges == ["j0", "j1", "j2", "j3"]
    # ICC is scale-free, so totals out of 100 give the published values.
    assert round(icc(matrix).icc3_k, 2) == 0.91


def test_complete_matrix_refuses_gaps():
    totals = judge_totals(PLAIN, sheets_of({"a": {"j1": 50, "j2": 60}, "b": {"j1": 70}}))
    with pytest.raises(ValueError, match="'j2' has no total for entry 'b'"):
        complete_matrix(totals)


def test_leave_one_judge_out_shows_which_ranks_are_certain():
    """x leads whoever is dropped; y and z swap places when j3 is dropped.

    All judges: x 90, y (80 + 80 + 40)/3 = 66.67, z 70 → x 1, z 2, y 3.
    Without j3: y 80 beats z 70 → y 2, z 3. Without j1 or j2: y 60 < z 70 → unchanged.
    """
    scores = {
        "x": {"j1": 90, "j2": 90, "j3": 90},
        "y": {"j1": 80, "j2": 80, "j3": 40},
        "z": {"j1": 70, "j2": 70, "j3": 70},
    }
    stability = {s.entry: s for s in rank_stability(PLAIN, sheets_of(scores))}
    assert (stability["x"].rank, stability["x"].min_rank, stability["x"].max_rank) == (1, 1, 1)
    assert stability["x"].survives
    assert (stability["y"].rank, stability["y"].min_rank, stability["y"].max_rank) == (3, 2, 3)
    assert (stability["z"].rank, stability["z"].min_rank, stability["z"].max_rank) == (2, 2, 3)
    assert not stability["y"].survives and not stability["z"].survives


def test_an_entry_resting_on_one_judge_does_not_survive():
    scores = {"a": {"j1": 90, "j2": 90}, "b": {"j3": 50}}
    stability = {s.entry: s for s in rank_stability(PLAIN, sheets_of(scores))}
    assert stability["a"].survives
    assert stability["b"].rank == 2 and not stability["b"].survives


def test_stability_is_per_pool():
    scores = {"a": {"j1": 90}, "b": {"j1": 80}, "c": {"j2": 10}}
    pools = {"a": "p", "b": "p", "c": "q"}
    stability = {s.entry: s for s in rank_stability(PLAIN, sheets_of(scores), pools=pools)}
    assert stability["c"].pool == "q" and stability["c"].rank == 1
    # Dropping j1 leaves a and b unranked; dropping j2 leaves c unranked.
    assert not any(s.survives for s in stability.values())


matrices = st.integers(2, 6).flatmap(
    lambda n: st.integers(2, 5).flatmap(
        lambda k: st.lists(
            st.lists(st.integers(0, 10), min_size=k, max_size=k), min_size=n, max_size=n
        )
    )
)


@settings(max_examples=80, deadline=None, database=None)
@given(matrix=matrices, data=st.data())
def test_kendall_w_is_between_0_and_1_and_ignores_judge_order(matrix, data):
    w = kendall_w(matrix)
    order = data.draw(st.permutations(range(len(matrix[0]))))
    permuted = [[row[j] for j in order] for row in matrix]
    if w is None:
        assert kendall_w(permuted) is None
    else:
        assert -1e-9 <= w <= 1 + 1e-9
        assert kendall_w(permuted) == pytest.approx(w)


@settings(max_examples=80, deadline=None, database=None)
@given(matrix=matrices, shift=st.integers(1, 20))
def test_consistency_icc_ignores_a_uniformly_generous_judge(matrix, shift):
    """ICC(3,·) measures consistency, so shifting one judge's scores leaves it unchanged."""
    shifted = [[row[0] + shift, *row[1:]] for row in matrix]
    before, after = icc(matrix), icc(shifted)
    for name in ("icc3_1", "icc3_k"):
        if getattr(before, name) is None:
            assert getattr(after, name) is None
        else:
            assert getattr(after, name) == pytest.approx(getattr(before, name))
