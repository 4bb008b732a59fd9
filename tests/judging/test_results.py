"""Ranking per pool and overall, and the trust page: worked examples computed by hand, ties
shown equal, flags, every method, carry-over, fixed query counts and access."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.db import db
from app.people.models import Role
from competitions.models import Entry, Pool
from judging.common import JudgingError
from judging.models import (
    JudgeAssignment,
    JudgingMode,
    RoundEntry,
    Score,
    ScoreSheet,
    SheetStatus,
)
from judging.results.loading import load_round
from judging.results.services import rank_round, trust_report
from tests.helpers import csrf_token
from tests.judging import roles
from tests.judging import world as w
from tests.judging.roles import ORGANIZERS_ONLY, ROLES, assert_access, sign_in_as

# fmt: off
ACCESS: dict[str, dict[str, int | str]] = {
    "judging.ranking": ORGANIZERS_ONLY,
    "judging.trust":   ORGANIZERS_ONLY,
}
POST_ENDPOINTS = {"judging.ranking_export"}
# fmt: on

# Criterion scores (rubric maxima 25, 20, 20, 15, 10, 10 = weights, so a judge's total is the
# plain sum) giving the totals the worked examples are written in.
SHEETS = {
    90: [23, 18, 18, 13, 9, 9],
    58: [15, 12, 12, 9, 5, 5],
    62: [16, 13, 13, 10, 5, 5],
    66: [17, 13, 13, 10, 6.5, 6.5],
    64: [16, 13, 13, 10, 6, 6],
    68: [17, 14, 14, 10, 6.5, 6.5],
    70: [17.5, 14, 14, 10.5, 7, 7],
    72: [18, 14.5, 14.5, 11, 7, 7],
    95: [24, 19, 19, 14, 9.5, 9.5],
    60: [15, 12, 12, 9, 6, 6],
}
assert all(sum(v) == total for total, v in SHEETS.items())

# The worked example: judges J1, J2, J3 and entries A, B, C, D, by total.
#   A: 90 58 62   mean 70.00   median 62   range 32 > 30 → judges disagree
#   B: 66 66 66   mean 66.00   median 66
#   C: 64 64 68   mean 65.33   median 64
#   D: 66 66 66   (the same sheets as B: a true tie)
EXAMPLE = {0: (90, 58, 62), 1: (66, 66, 66), 2: (64, 64, 68), 3: (66, 66, 66)}
RANK_ROW = re.compile(r'<tr data-entry-id="(\d+)" data-rank="(\d*)" data-score="([\d.]*)"')


@pytest.fixture()
def world(db, factory) -> w.World:
    world = w.build(factory, entries=4, judges=3)
    for index, totals in EXAMPLE.items():
        for judge, total in zip(world.judges, totals, strict=True):
            w.assign(world, judge, world.entries[index])
            w.score(world, judge, world.entries[index], SHEETS[total])
    return world


def accounts(factory, world: w.World) -> dict:  # noqa: ANN001
    """The participant leads the team of the first entry."""
    team = db.session.get(Entry, world.entries[0].entry_id).team
    return roles.accounts(factory, world, participant=team.leader)


def sign_in(client, user, locale: str = "vi") -> None:  # noqa: ANN001
    """Tests reading the page's own words sign in with English (the Vietnamese catalog is
    the translators'); numbers are checked in Vietnamese."""
    sign_in_as(client, user, locale)


def by_letter(world: w.World, ranking_rows) -> dict[str, tuple]:  # noqa: ANN001
    letters = {re_.id: "ABCDEFGH"[i] for i, re_ in enumerate(world.entries)}
    return {letters[r.entry.id]: (r.rank, r.score) for r in ranking_rows}


def ranks(world: w.World, method: str | None = None) -> dict[str, tuple]:
    return by_letter(world, rank_round(world.round.id, method).pools[0].rows)


def page_ranks(world: w.World, html: str) -> dict[str, tuple]:
    letters = {re_.id: "ABCDEFGH"[i] for i, re_ in enumerate(world.entries)}
    return {
        letters[int(entry)]: (int(rank) if rank else None, Decimal(score) if score else None)
        for entry, rank, score in RANK_ROW.findall(html)
    }


# --- the worked example, method by method ----------------------------------------------------


def test_mean_ranks_the_worked_example_and_shows_ties_as_equal(world):
    assert ranks(world) == {
        "A": (1, Decimal("70.00")),
        "B": (2, Decimal("66.00")),
        "D": (2, Decimal("66.00")),
        "C": (4, Decimal("65.33")),
    }


def test_median_gives_the_outlier_judge_little_weight(world):
    assert ranks(world, "median") == {
        "B": (1, Decimal("66.00")),
        "D": (1, Decimal("66.00")),
        "C": (3, Decimal("64.00")),
        "A": (4, Decimal("62.00")),
    }


def test_normalised_mean_corrects_for_lenient_and_harsh_judges(world):
    # Each judge's totals as z-scores over the round (population SD), averaged per entry and
    # mapped back with the round's mean and SD of all twelve totals.
    def z(values):
        mean = sum(values) / len(values)
        sd = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
        return [(v - mean) / sd for v in values]

    by_judge = [z([EXAMPLE[e][j] for e in range(4)]) for j in range(3)]
    everything = [t for totals in EXAMPLE.values() for t in totals]
    mean = sum(everything) / 12
    sd = (sum((t - mean) ** 2 for t in everything) / 12) ** 0.5
    expected = {
        letter: Decimal(str(round(mean + sum(by_judge[j][e] for j in range(3)) / 3 * sd, 2)))
        for e, letter in enumerate("ABCD")
    }
    got = ranks(world, "normalised")
    # J1 is lenient towards A and harsh on C; once each judge's own scale is taken out, C leads.
    assert {k: v[0] for k, v in got.items()} == {"C": 1, "B": 2, "D": 2, "A": 4}
    assert {k: v[1] for k, v in got.items()} == expected


def test_trimmed_mean_drops_highest_and_lowest_from_five_judges(db, factory):
    world = w.build(factory, entries=2, judges=5)
    # X: 95 70 70 70 70 → mean 75, trimmed 70;  Y: 72 × 5 → 72 either way.
    for judge, total in zip(world.judges, (95, 70, 70, 70, 70), strict=True):
        w.score(world, judge, world.entries[0], SHEETS[total])
    for judge in world.judges:
        w.score(world, judge, world.entries[1], SHEETS[72])
    assert ranks(world, "mean") == {"A": (1, Decimal("75.00")), "B": (2, Decimal("72.00"))}
    assert ranks(world, "trimmed") == {"B": (1, Decimal("72.00")), "A": (2, Decimal("70.00"))}


def test_the_round_method_is_the_default(db, world):
    world.settings.method = "median"
    db.session.flush()
    assert rank_round(world.round.id).method == "median"
    assert ranks(world) == ranks(world, "median")


def test_an_unknown_method_is_refused(world):
    with pytest.raises(JudgingError) as refused:
        rank_round(world.round.id, "best_of_three")
    assert refused.value.reason == "bad_method"


def test_tie_break_by_criteria_in_rubric_order(db, world):
    # E totals 66 like B and D but puts more on the first criterion: it wins the tie.
    extra = add_entry(world, db, "Dự án thêm")
    for judge in world.judges:
        w.score(world, judge, extra, [18, 13, 13, 10, 6, 6])
    rows = rank_round(world.round.id).pools[0].rows
    got = {r.entry.title: (r.rank, r.score) for r in rows}
    assert got["Dự án thêm"] == (2, Decimal("66.00"))
    assert got["Dự án số 2"] == got["Dự án số 4"] == (3, Decimal("66.00"))
    # Without tie-breaks all three share the rank.
    world.settings.tie_breaks = ""
    db.session.flush()
    rows = rank_round(world.round.id).pools[0].rows
    assert {r.rank for r in rows if r.score == Decimal("66.00")} == {2}


def test_tie_break_by_judge_count_prefers_more_evidence(db, factory):
    world = w.build(factory, entries=2, judges=3)
    for judge in world.judges:
        w.score(world, judge, world.entries[0], SHEETS[66])
    for judge in world.judges[:2]:
        w.score(world, judge, world.entries[1], SHEETS[66])
    world.settings.tie_breaks = "judge_count"
    db.session.flush()
    assert ranks(world) == {"A": (1, Decimal("66.00")), "B": (2, Decimal("66.00"))}


def add_entry(world: w.World, db, title: str, pool: Pool | None = None) -> RoundEntry:  # noqa: ANN001
    from tests.factories import Factory

    team = Factory().team(name=f"Nhóm {title}")
    entry = Factory().entry(
        competition=world.competition, team=team, title=title, status="accepted"
    )
    entry.code = f"QN26-THEM-{entry.id:04d}"
    round_entry = RoundEntry(round=world.round, entry=entry, pool=pool or world.pools[0])
    db.session.add(round_entry)
    db.session.flush()
    return round_entry


# --- flags --------------------------------------------------------------------------------


def test_flags_high_disagreement(world):
    rows = rank_round(world.round.id).pools[0].rows
    assert {r.entry.id: r.flags for r in rows}[world.entries[0].id] == ("disagreement",)
    assert all(r.flags == () for r in rows if r.entry.id != world.entries[0].id)


def test_a_draft_or_missing_sheet_shows_incomplete_and_does_not_count(db, factory, world):
    late = factory.user("Đỗ Thị Muộn", roles=(Role.JUDGE,))
    w.assign(world, late, world.entries[1])  # B now waits for a fourth judge…
    w.score(world, late, world.entries[1], [0, 0, 0, 0, 0, 0], submitted=False)  # …who has a draft
    w.assign(world, late, world.entries[2])  # C waits for the same judge, no sheet at all
    rows = {r.entry.id: r for r in rank_round(world.round.id).pools[0].rows}
    b, c = rows[world.entries[1].id], rows[world.entries[2].id]
    assert (b.score, b.judge_count, b.expected, b.flags) == (
        Decimal("66.00"),
        3,
        4,
        ("incomplete",),
    )
    assert (c.judge_count, c.expected, c.flags) == (3, 4, ("incomplete",))
    assert load_round(world.round.id).drafts == {world.entries[1].id: 1}


def test_an_entry_without_a_submitted_sheet_is_listed_unranked(db, world):
    extra = add_entry(world, db, "Chưa ai chấm")
    rows = rank_round(world.round.id).pools[0].rows
    assert rows[-1].entry.id == extra.id
    assert (rows[-1].rank, rows[-1].score, rows[-1].flags) == (None, None, ("incomplete",))


def test_a_criterion_at_zero_is_flagged_only_under_the_no_zero_rule(db, world):
    extra = add_entry(world, db, "Thiếu phần trình bày")
    for judge in world.judges:
        w.score(world, judge, extra, [25, 20, 20, 15, 10, 0])
    flags = lambda: {r.entry.id: r.flags for r in rank_round(world.round.id).pools[0].rows}  # noqa: E731
    assert flags()[extra.id] == ()
    world.round.no_zero_criterion = True
    db.session.flush()
    assert flags()[extra.id] == ("zero_criterion",)


def test_carry_over_mixes_the_previous_round_score(db, world):
    # 30 % of the previous score: A 0.7·70 + 0.3·50 = 64.00; B and D 0.7·66 + 0.3·80 = 70.20;
    # C has no previous score: it keeps 65.33 and is flagged.
    world.round.carry_over_weight = Decimal("0.3")
    for index, carried in ((0, "50"), (1, "80"), (3, "80")):
        world.entries[index].carried_score = Decimal(carried)
    db.session.flush()
    assert ranks(world) == {
        "B": (1, Decimal("70.20")),
        "D": (1, Decimal("70.20")),
        "C": (3, Decimal("65.33")),
        "A": (4, Decimal("64.00")),
    }
    rows = {r.entry.id: r.flags for r in rank_round(world.round.id).pools[0].rows}
    assert rows[world.entries[2].id] == ("no_previous",)


def test_carried_scores_are_ignored_when_the_round_carries_nothing_over(db, world):
    world.entries[0].carried_score = Decimal("10")
    db.session.flush()
    assert ranks(world)["A"] == (1, Decimal("70.00"))


# --- pools and overall --------------------------------------------------------------------


@pytest.fixture()
def two_pools(db, factory) -> w.World:
    """Two pools by track; entries 0, 2 in the first, 1, 3 in the second."""
    world = w.build(factory, entries=4, judges=3, by_track=True)
    totals = {0: 90, 1: 70, 2: 64, 3: 95}
    for index, total in totals.items():
        for judge in world.judges:
            w.score(world, judge, world.entries[index], SHEETS[total])
    return world


def test_each_pool_is_ranked_on_its_own_and_overall_together(two_pools):
    world = two_pools
    ranking = rank_round(world.round.id)
    per_pool = {p.pool.name: [(r.entry.id, r.rank) for r in p.rows] for p in ranking.pools}
    e = [re_.id for re_ in world.entries]
    assert per_pool == {
        world.pools[0].name: [(e[0], 1), (e[2], 2)],
        world.pools[1].name: [(e[3], 1), (e[1], 2)],
    }
    assert [(r.entry.id, r.rank) for r in ranking.overall.rows] == [
        (e[3], 1),
        (e[0], 2),
        (e[1], 3),
        (e[2], 4),
    ]


def test_entries_without_a_pool_are_ranked_together(client, db, world):
    world.entries[3].pool = None
    db.session.flush()
    ranking = rank_round(world.round.id)
    assert [(p.pool.name, [r.entry.id for r in p.rows]) for p in ranking.pools] == [
        (world.pools[0].name, [world.entries[0].id, world.entries[1].id, world.entries[2].id]),
        ("", [world.entries[3].id]),
    ]
    assert ranking.pool(0).rows[0].rank == 1 and len(ranking.overall.rows) == 4
    sign_in(client, world.organizer, "en")
    html = client.get(f"/judging/rounds/{world.round.id}/ranking?pool=0").get_data(as_text=True)
    assert "Entries without a pool" in html
    assert [int(m[0]) for m in RANK_ROW.findall(html)] == [world.entries[3].id]


# --- the ranking page ---------------------------------------------------------------------


def test_ranking_page_shows_ranks_scores_judges_and_flags(client, factory, world):
    sign_in(client, world.organizer)
    html = client.get(f"/judging/rounds/{world.round.id}/ranking").get_data(as_text=True)
    assert page_ranks(world, html) == {
        "A": (1, Decimal("70.00")),
        "B": (2, Decimal("66.00")),
        "D": (2, Decimal("66.00")),
        "C": (4, Decimal("65.33")),
    }
    # Decimal comma, two decimals; judges' names and totals for the organizers.
    assert "65,33" in html and "70,00" in html
    assert "Lê Văn Giám Khảo 1: 90,00" in html and "Lê Văn Giám Khảo 2: 58,00" in html
    assert 'data-flag="disagreement"' in html
    assert 'id="flag-legend"' in html and 'id="method-explained"' in html
    # The rubric order of the tie-break is spelled out.
    assert "Tính đổi mới sáng tạo → Tính khả thi" in html
    # Criterion means of A: (23 + 15 + 16) / 3 = 18,00 on the first criterion.
    row_a = html.split(f'data-entry-id="{world.entries[0].id}"')[1].split("</tr>")[0]
    assert "18,00" in row_a


def test_ranking_page_previews_another_method_against_the_rounds(client, world):
    sign_in(client, world.organizer)
    html = client.get(f"/judging/rounds/{world.round.id}/ranking?method=median").get_data(
        as_text=True
    )
    assert 'id="method-preview"' in html
    assert page_ranks(world, html)["A"] == (4, Decimal("62.00"))
    row_a = html.split(f'data-entry-id="{world.entries[0].id}"')[1].split("</tr>")[0]
    assert 'data-base-rank="1"' in row_a and "▼3" in row_a
    # An unknown method or pool falls back to the defaults instead of failing.
    html = client.get(f"/judging/rounds/{world.round.id}/ranking?method=x&pool=abc").get_data(
        as_text=True
    )
    assert 'id="method-preview"' not in html and page_ranks(world, html)["A"][0] == 1


def test_ranking_page_chooses_a_pool_or_the_whole_round(client, two_pools):
    world = two_pools
    sign_in(client, world.organizer)
    url = f"/judging/rounds/{world.round.id}/ranking"
    second = client.get(f"{url}?pool={world.pools[1].id}").get_data(as_text=True)
    assert [int(m[0]) for m in RANK_ROW.findall(second)] == [
        world.entries[3].id,
        world.entries[1].id,
    ]
    overall = client.get(f"{url}?pool=overall").get_data(as_text=True)
    assert [int(m[1]) for m in RANK_ROW.findall(overall)] == [1, 2, 3, 4]


def test_ranking_page_explains_a_round_without_rubric(client, db, factory):
    world = w.build(factory, entries=2, judges=1)
    for criterion in world.criteria:
        db.session.delete(criterion)
    db.session.flush()
    sign_in(client, world.organizer)
    response = client.get(f"/judging/rounds/{world.round.id}/ranking")
    assert response.status_code == 200
    assert 'id="ranking-error"' in response.get_data(as_text=True)


def test_scores_above_a_lowered_maximum_are_explained_not_ranked(client, db, world):
    world.criteria[0].max_score = Decimal("20")  # A has a 23 on it
    db.session.flush()
    with pytest.raises(JudgingError) as refused:
        rank_round(world.round.id).pools  # noqa: B018
    assert refused.value.reason == "scores_outside_rubric"
    sign_in(client, world.organizer, "en")
    for page in ("ranking", "trust"):
        html = client.get(f"/judging/rounds/{world.round.id}/{page}").get_data(as_text=True)
        assert 'id="ranking-error"' in html or 'id="trust-error"' in html
        assert "above their criterion" in html
    response = client.post(
        f"/judging/rounds/{world.round.id}/ranking/export",
        data={"csrf_token": csrf_token(client, f"/judging/rounds/{world.round.id}/ranking")},
    )
    assert response.status_code == 302 and count_exports() == 0


def test_user_text_is_escaped(client, db, world):
    entry = db.session.get(Entry, world.entries[0].entry_id)
    entry.team.name = '"><img src=x onerror=alert(1)>'
    entry.title = "<script>alert(1)</script>"
    db.session.flush()
    sign_in(client, world.organizer)
    for page in ("ranking", "trust"):
        html = client.get(f"/judging/rounds/{world.round.id}/{page}").get_data(as_text=True)
        assert "<img src=x" not in html and "<script>alert(1)" not in html


# --- the trust page -----------------------------------------------------------------------


def test_judge_profiles_with_a_plain_reading(client, world):
    report = trust_report(rank_round(world.round.id))
    profiles = {j.name: j for j in report.judges}
    j1 = profiles["Lê Văn Giám Khảo 1"]
    # J1's totals 90 66 64 66: mean 71.5; against the others on each entry:
    # A 90 − 60 = 30, B 0, C 64 − 66 = −2, D 0 → leniency 7.
    assert (j1.sheet_count, j1.mean, j1.leniency) == (4, 71.5, 7.0)
    assert j1.notable
    sign_in(client, world.organizer, "en")
    html = client.get(f"/judging/rounds/{world.round.id}/trust").get_data(as_text=True)
    row = html.split(f'data-judge-id="{world.judges[0].id}"')[1].split("</tr>")[0]
    assert 'class="table-warning"' in row.split(">")[0]
    assert "scores 7.0 points higher than the other judges" in row


def test_agreement_uses_the_one_way_icc_when_each_entry_has_its_own_judges(db, factory):
    world = w.build(factory, entries=4, judges=4)
    # Judges (0,1,2) on A and B, (1,2,3) on C and D: different panels per entry.
    plan = {0: ((0, 1, 2), (70, 72, 68)), 1: ((0, 1, 2), (90, 95, 90)),
            2: ((1, 2, 3), (58, 62, 60)), 3: ((1, 2, 3), (64, 66, 64))}  # fmt: skip
    from judging import stats

    for entry, (judges, totals) in plan.items():
        for judge, total in zip(judges, totals, strict=True):
            w.score(world, world.judges[judge], world.entries[entry], SHEETS[total])
    agreement = trust_report(rank_round(world.round.id)).agreement[0]
    assert agreement.model == "one_way"
    # One-way forms do not care which judge gave which total of a row.
    expected = stats.icc([list(t) for _, t in plan.values()])
    assert agreement.headline == pytest.approx(expected.icc1_k)
    assert agreement.headline > 0.9 and agreement.headline_band == "excellent"
    assert (agreement.icc_entries, agreement.icc_judges) == (4, 3)
    # Kendall's W on the largest block judged by the same judges: 2 entries only → not enough.
    assert agreement.w is None and agreement.w_band == "not_enough"


def test_agreement_in_panel_mode_uses_the_complete_block(db, factory, world):
    world.settings.mode = JudgingMode.PANEL
    db.session.flush()
    from judging import stats

    agreement = trust_report(rank_round(world.round.id)).agreement[0]
    matrix = [list(EXAMPLE[e]) for e in range(4)]
    assert agreement.model == "two_way"
    assert agreement.headline == pytest.approx(stats.icc(matrix).icc3_k)
    assert agreement.w == pytest.approx(stats.kendall_w(matrix))
    assert (agreement.w_entries, agreement.w_judges) == (4, 3)


def test_agreement_says_not_enough_data(client, db, factory):
    world = w.build(factory, entries=2, judges=2)
    w.score(world, world.judges[0], world.entries[0], SHEETS[70])
    w.score(world, world.judges[1], world.entries[0], SHEETS[72])
    agreement = trust_report(rank_round(world.round.id)).agreement[0]
    assert agreement.icc is None and agreement.headline_band == "not_enough"
    sign_in(client, world.organizer, "en")
    html = client.get(f"/judging/rounds/{world.round.id}/trust").get_data(as_text=True)
    assert html.count('data-icc-band="not_enough"') == 1 and "not enough data" in html


def test_rank_stability_marks_ranks_that_depend_on_one_judge(client, world):
    report = trust_report(rank_round(world.round.id))
    rows = {s.entry.id: s for s in report.stability[world.pools[0].id]}
    a, b, c, d = (rows[re_.id] for re_ in world.entries)
    # Without J1: A (58 + 62) / 2 = 60, last; B, D and C all 66, C behind on the first
    # criterion (16.5 against 17) → B 1, D 1, C 3, A 4. Without J2 or J3 nothing moves.
    assert (a.rank, a.min_rank, a.max_rank, a.survives) == (1, 1, 4, False)
    assert (b.rank, b.min_rank, b.max_rank, b.survives) == (2, 1, 2, False)
    assert (d.rank, d.min_rank, d.max_rank, d.survives) == (2, 1, 2, False)
    assert (c.rank, c.min_rank, c.max_rank, c.survives) == (4, 3, 4, False)
    sign_in(client, world.organizer, "en")
    html = client.get(f"/judging/rounds/{world.round.id}/trust").get_data(as_text=True)
    assert "4 ranks in this pool could change" in html
    a_row = f'data-entry-id="{world.entries[0].id}" data-survives="no"'
    assert f'{a_row} data-min-rank="1" data-max-rank="4"' in html


def test_ranks_agreed_by_every_judge_are_certain(client, two_pools):
    world = two_pools
    report = trust_report(rank_round(world.round.id))
    assert all(s.survives for rows in report.stability.values() for s in rows)
    sign_in(client, world.organizer, "en")
    html = client.get(f"/judging/rounds/{world.round.id}/trust?pool={world.pools[1].id}").get_data(
        as_text=True
    )
    assert "0 ranks in this pool could change" in html
    assert html.count('data-survives="yes"') == 2
    assert f'data-entry-id="{world.entries[3].id}" data-survives="yes"' in html


# --- query counts -------------------------------------------------------------------------


def add_scored_entries(world: w.World, factory, count: int, start: int) -> None:  # noqa: ANN001
    """More entries in the round, each scored by three judges, in one flush."""
    rows = []
    for number in range(start, start + count):
        team = factory.team(name=f"Nhóm {number}", unit=factory.unit(f"Trường số {number}"))
        entry = factory.entry(
            competition=world.competition, team=team, title=f"Dự án {number}", status="accepted"
        )
        entry.code = f"QN26-X-{number:04d}"
        round_entry = RoundEntry(round=world.round, entry=entry, pool=world.pools[0])
        rows.append(round_entry)
        for judge_index in range(3):
            judge = world.judges[(number + judge_index) % len(world.judges)]
            rows.append(
                JudgeAssignment(
                    round_entry=round_entry, user=judge, status="published", source="manual"
                )
            )
            sheet = ScoreSheet(round_entry=round_entry, user=judge, status=SheetStatus.SUBMITTED)
            total = (60, 66, 70, 72, 90)[(number * 7 + judge_index) % 5]
            for criterion, value in zip(world.criteria, SHEETS[total], strict=True):
                sheet.scores.append(Score(criterion=criterion, value=Decimal(str(value))))
            rows.append(sheet)
    db.session.add_all(rows)
    db.session.flush()


def test_pages_use_the_same_number_of_queries_at_20_and_300_entries(
    client, db, factory, count_queries
):
    world = w.build(factory, entries=0, judges=6)
    add_scored_entries(world, factory, 20, 0)
    sign_in(client, world.organizer)
    pages = [f"/judging/rounds/{world.round.id}/{p}" for p in ("ranking", "trust")] + [
        f"/judging/rounds/{world.round.id}/ranking?pool=overall&method=median"
    ]
    few = []
    for page in pages:
        with count_queries() as counted:
            assert client.get(page).status_code == 200
        few.append(counted.n)
    add_scored_entries(world, factory, 280, 20)
    many = []
    for page in pages:
        with count_queries() as counted:
            html = client.get(page).get_data(as_text=True)
        many.append(counted.n)
    assert html.count("data-entry-id=") == 300
    assert few == many


def test_load_round_reads_in_a_fixed_number_of_queries(db, factory, world, count_queries):
    with count_queries() as counted:
        data = load_round(world.round.id)
    assert counted.n == 7
    assert len(data.sheets) == 12 and len(data.judges) == 3


# --- access -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_access(client, factory, world, role):
    urls = {e: f"/judging/rounds/{world.round.id}/{e.split('.')[1]}" for e in ACCESS}
    assert_access(client, accounts(factory, world), role, urls, ACCESS)


def test_missing_round_is_404(client, factory, world):
    sign_in(client, world.organizer)
    for page in ("ranking", "trust"):
        assert client.get(f"/judging/rounds/999999/{page}").status_code == 404


@pytest.mark.parametrize("role", ["judge", "participant", "other_organizer"])
def test_export_by_someone_else_is_refused_and_not_audited(client, factory, world, role):
    people = accounts(factory, world)
    sign_in(client, people[role])
    token = csrf_token(client, "/auth/profile")
    response = client.post(
        f"/judging/rounds/{world.round.id}/ranking/export", data={"csrf_token": token}
    )
    assert response.status_code == 403
    assert count_exports() == 0


def count_exports() -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "judging.export")
    )
