"""The advancement rule and the prize proposal on plain data: top N, pass mark, no-zero,
per-unit cap, and ties that are never cut silently."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from judging.advancement.rules import (
    ADVANCE,
    STOP,
    TIE,
    Candidate,
    Prize,
    Rule,
    propose_advancement,
    propose_prizes,
)


def pool(name: str, *scores, units=None, zero=()) -> list[Candidate]:  # noqa: ANN001
    """Candidates of one pool from their scores, ranked competition style (1, 2, 2, 4)."""
    ordered = sorted(enumerate(scores), key=lambda p: -p[1])
    ranks, result = {}, []
    for position, (index, score) in enumerate(ordered, start=1):
        previous = ordered[position - 2][1] if position > 1 else None
        ranks[index] = ranks[ordered[position - 2][0]] if score == previous else position
    for index, score in enumerate(scores):
        result.append(
            Candidate(
                key=f"{name}{index + 1}",
                pool=name,
                score=Decimal(str(score)),
                rank=ranks[index],
                merit=(Decimal(str(score)),),
                zero_criterion=index + 1 in zero,
                unit=units[index] if units else None,
            )
        )
    return result


def decisions(proposals) -> dict[str, str]:  # noqa: ANN001
    return {key: p.decision for key, p in proposals.items()}


def test_top_n_per_pool_advance_and_the_rest_stop():
    got = propose_advancement(pool("A", 90, 80, 70, 60) + pool("B", 50, 40), Rule(top_n=2))
    assert decisions(got) == {
        "A1": ADVANCE, "A2": ADVANCE, "A3": STOP, "A4": STOP, "B1": ADVANCE, "B2": ADVANCE,
    }  # fmt: skip
    assert (got["A1"].reason, got["A1"].params) == ("top_n", {"n": 2})
    assert got["A3"].reason == "outside_top_n"


def test_pass_mark_stops_entries_below_it_even_inside_the_top_n():
    got = propose_advancement(pool("A", 90, 59.99, 60), Rule(top_n=3, pass_mark=Decimal("60")))
    assert decisions(got) == {"A1": ADVANCE, "A2": STOP, "A3": ADVANCE}
    assert got["A2"].reason == "below_pass_mark" and got["A2"].params == {"mark": Decimal("60")}


def test_pass_mark_alone_lets_every_entry_at_or_above_it_advance():
    got = propose_advancement(pool("A", 50, 49.5, 70), Rule(pass_mark=Decimal("50")))
    assert decisions(got) == {"A1": ADVANCE, "A2": STOP, "A3": ADVANCE}
    assert got["A1"].reason == "passed"


def test_no_zero_rule_stops_an_entry_and_frees_its_place():
    candidates = pool("A", 95, 80, 70, zero=(1,))
    got = propose_advancement(candidates, Rule(top_n=2, no_zero=True))
    assert decisions(got) == {"A1": STOP, "A2": ADVANCE, "A3": ADVANCE}
    assert got["A1"].reason == "zero_criterion"
    # Without the rule the flag does not matter.
    assert decisions(propose_advancement(candidates, Rule(top_n=2)))["A1"] == ADVANCE


def test_unscored_entries_never_advance():
    candidates = [*pool("A", 80), Candidate("A9", "A", None, None)]
    got = propose_advancement(candidates, Rule())
    assert decisions(got) == {"A1": ADVANCE, "A9": STOP}
    assert got["A9"].reason == "not_scored"


def test_unit_cap_counts_over_all_pools_and_gives_the_place_to_the_next_entry():
    a = pool("A", 90, 85, 80, units=["phường 1", "phường 1", "phường 2"])
    b = pool("B", 88, 70, units=["phường 1", "phường 3"])
    got = propose_advancement(a + b, Rule(top_n=2, unit_cap=2))
    # Best first across pools: A1 (90), B1 (88) use phường 1's two places; A2 (85) is capped
    # and its place goes to A3.
    assert decisions(got) == {
        "A1": ADVANCE, "B1": ADVANCE, "A2": STOP, "A3": ADVANCE, "B2": ADVANCE,
    }  # fmt: skip
    assert got["A2"].reason == "unit_cap" and got["A2"].params == {"cap": 2, "unit": "phường 1"}


def test_entries_without_a_unit_are_not_capped():
    got = propose_advancement(pool("A", 90, 80, 70, units=[None, None, None]), Rule(unit_cap=1))
    assert set(decisions(got).values()) == {ADVANCE}


def test_a_tie_at_the_cut_off_is_shown_whole_and_left_to_the_organizer():
    got = propose_advancement(pool("A", 90, 80, 80, 80, 70), Rule(top_n=2))
    assert decisions(got) == {"A1": ADVANCE, "A2": TIE, "A3": TIE, "A4": TIE, "A5": STOP}
    assert got["A2"].reason == "tie_top_n" and got["A2"].params == {"n": 2}
    assert got["A5"].reason == "outside_top_n"


def test_a_tie_that_fits_inside_the_top_n_is_no_problem():
    got = propose_advancement(pool("A", 90, 80, 80, 70), Rule(top_n=3))
    assert decisions(got) == {"A1": ADVANCE, "A2": ADVANCE, "A3": ADVANCE, "A4": STOP}


def test_a_tie_for_a_units_last_place_is_left_to_the_organizer():
    a = pool("A", 90, 80, units=["xã 1", "xã 2"])
    b = pool("B", 80, 60, units=["xã 1", "xã 1"])
    got = propose_advancement(a + b, Rule(unit_cap=1))
    # A2 and B1 score the same: A2 (xã 2) is clear; B1 ties with nobody of its unit, but A1
    # has xã 1's only place already.
    assert decisions(got) == {"A1": ADVANCE, "A2": ADVANCE, "B1": STOP, "B2": STOP}
    a = pool("A", 80, units=["xã 1"])
    b = pool("B", 80, 60, units=["xã 1", "xã 1"])
    got = propose_advancement(a + b, Rule(unit_cap=1))
    assert decisions(got) == {"A1": TIE, "B1": TIE, "B2": STOP}
    assert got["A1"].reason == "tie_unit_cap" and got["B2"].reason == "unit_cap"


def test_a_later_entry_whose_unit_place_depends_on_a_tie_is_left_to_the_organizer():
    # A2 and A3 tie for the last place of the top 2; A2 is of xã 1, whose only place is then
    # undecided, so B1 (xã 1) depends on the tie.
    a = pool("A", 90, 80, 80, units=["xã 0", "xã 1", "xã 2"])
    b = pool("B", 70, units=["xã 1"])
    got = propose_advancement(a + b, Rule(top_n=2, unit_cap=1))
    assert decisions(got) == {"A1": ADVANCE, "A2": TIE, "A3": TIE, "B1": TIE}
    assert got["B1"].reason == "depends_on_tie"


def test_no_rule_at_all_advances_every_scored_entry():
    got = propose_advancement(pool("A", 10, 0), Rule())
    assert set(decisions(got).values()) == {ADVANCE}
    assert got["A1"].reason == "no_limit"


@pytest.mark.parametrize("seed", range(20))
def test_proposals_do_not_depend_on_input_order_and_never_exceed_the_rule(seed):
    rng = random.Random(seed)
    units = ["u1", "u2", "u3", None]
    candidates = []
    for name in ("A", "B", "C"):
        scores = [rng.choice([50, 60, 70, 80, 90]) for _ in range(rng.randint(1, 7))]
        candidates += pool(name, *scores, units=[rng.choice(units) for _ in scores])
    rule = Rule(top_n=rng.randint(1, 3), unit_cap=rng.randint(1, 3))
    expected = propose_advancement(candidates, rule)
    shuffled = candidates[:]
    rng.shuffle(shuffled)
    assert propose_advancement(shuffled, rule) == expected
    advanced = [c for c in candidates if expected[c.key].decision == ADVANCE]
    for name in ("A", "B", "C"):
        assert sum(c.pool == name for c in advanced) <= rule.top_n
    for unit in units[:-1]:
        assert sum(c.unit == unit for c in advanced) <= rule.unit_cap


# --- prizes ----------------------------------------------------------------------------------


PRIZES = [Prize("nhất", 1), Prize("nhì", 2), Prize("ba", 3)]


def test_prizes_follow_the_overall_rank():
    ranked = [("e1", 1), ("e2", 2), ("e3", 3), ("e4", 4), ("e5", 5), ("e6", 6), ("e7", 7)]
    got = {k: p.prize for k, p in propose_prizes(ranked, PRIZES).items()}
    assert got == {
        "e1": "nhất", "e2": "nhì", "e3": "nhì", "e4": "ba", "e5": "ba", "e6": "ba", "e7": None,
    }  # fmt: skip


def test_a_tie_across_a_prize_boundary_is_flagged_and_not_proposed():
    ranked = [("e1", 1), ("e2", 1), ("e3", 3), ("e4", None)]
    got = propose_prizes(ranked, PRIZES)
    assert got["e1"].prize is None and got["e1"].tied_between == ("nhất", "nhì")
    assert got["e2"].tied_between == ("nhất", "nhì")
    assert got["e3"].prize == "nhì"  # the second place of Nhì is still clear
    assert got["e4"].prize is None and got["e4"].tied_between == ()


def test_a_tie_past_the_last_prize_place_is_flagged():
    ranked = [(f"e{n}", n) for n in range(1, 6)] + [("e6", 6), ("e7", 6)]
    got = propose_prizes(ranked, PRIZES)
    assert got["e6"].tied_between == ("ba", None) and got["e7"].tied_between == ("ba", None)
    assert got["e5"].prize == "ba"


def test_a_tie_inside_one_prize_is_no_problem():
    got = propose_prizes([("e1", 1), ("e2", 2), ("e3", 2)], PRIZES)
    assert [got[k].prize for k in ("e1", "e2", "e3")] == ["nhất", "nhì", "nhì"]
