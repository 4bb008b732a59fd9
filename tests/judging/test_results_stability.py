"""The fast leave-one-judge-out of the trust page against the reference in judging.stats,
and with the round's own settings (carry-over, tie-breaks) against ranking again by hand."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from judging.ranking import Criterion, Sheet, rank_entries
from judging.results.loading import EntryInfo, PoolInfo, RankingSettings, RoundData
from judging.results.services import RoundRanking, rank_options
from judging.results.stability import leave_one_judge_out
from judging.stats import rank_stability

CRITERIA = [Criterion(1, 10, 2, 1), Criterion(2, 10, 1, 2), Criterion(3, 5, 1, 3)]


def round_data(sheets, pools, *, carried=None, ranking_settings=None) -> RoundData:  # noqa: ANN001
    carried = carried or {}
    return RoundData(
        round_id=1,
        round_name="Vòng sơ khảo",
        competition_id=1,
        competition_title="Cuộc thi thử",
        settings=ranking_settings or RankingSettings(),
        criteria=CRITERIA,
        criterion_info=[],
        pools=[PoolInfo(p, f"Bảng {p}") for p in sorted(set(pools.values()))],
        entries={
            e: EntryInfo(e, e, f"QN-{e}", f"Dự án {e}", "Nhóm", "", p, carried.get(e))
            for e, p in pools.items()
        },
        judges={},
        sheets=sheets,
        expected=dict.fromkeys(pools, 0),
    )


@st.composite
def rounds(draw):  # noqa: ANN001, ANN201
    entries = draw(st.integers(2, 9))
    judges = draw(st.integers(2, 6))
    pools = {e: draw(st.integers(1, 2)) for e in range(entries)}
    sheets = []
    for entry in range(entries):
        chosen = draw(st.sets(st.integers(0, judges - 1), max_size=judges))
        for judge in sorted(chosen):
            scores = {c.id: float(draw(st.sampled_from((0, 5)))) for c in CRITERIA}
            if draw(st.integers(0, 9)) == 0:
                scores.pop(3)  # now and then a sheet left partial
            sheets.append(Sheet(judge, entry, scores))
    return sheets, pools


@settings(max_examples=150, deadline=None)
@given(rounds(), st.sampled_from(("mean", "median", "trimmed", "normalised")))
def test_matches_the_reference_leave_one_judge_out(case, method):
    sheets, pools = case
    data = round_data(sheets, pools)
    ranking = RoundRanking(data, method)
    fast = leave_one_judge_out(data, method, ranking.pools)
    if method == "normalised":
        # The reference normalises over the sheets it is given: compare pool by pool.
        reference = []
        for pool in set(pools.values()):
            members = {e: p for e, p in pools.items() if p == pool}
            kept = [s for s in sheets if s.entry in members]
            reference += rank_stability(CRITERIA, kept, pools=members, method=method)
    else:
        reference = rank_stability(CRITERIA, sheets, pools=pools, method=method)
    assert fast == {r.entry: (r.rank, r.min_rank, r.max_rank, r.survives) for r in reference}


@settings(max_examples=60, deadline=None)
@given(rounds(), st.sampled_from(("mean", "median")), st.sampled_from(((), ("judge_count",))))
def test_uses_the_rounds_carry_over_and_tie_breaks(case, method, tie_breaks):
    sheets, pools = case
    carried = {e: Decimal(str((e * 37) % 100)) for e in pools if e % 3}
    data = round_data(
        sheets,
        pools,
        carried=carried,
        ranking_settings=RankingSettings(tie_breaks=tie_breaks, carry_weight=0.4),
    )
    ranking = RoundRanking(data, method)
    fast = leave_one_judge_out(data, method, ranking.pools)
    options = rank_options(data, method)
    full = {r.entry: r.rank for r in rank_entries(CRITERIA, sheets, pools=pools, **options)}
    seen: dict[int, list] = {e: [] for e in pools}
    for judge in {s.judge for s in sheets}:
        kept = [s for s in sheets if s.judge != judge]
        for r in rank_entries(CRITERIA, kept, pools=pools, **options):
            seen[r.entry].append(r.rank)
    for entry, rank in full.items():
        known = [x for x in seen[entry] if x is not None] + ([rank] if rank else [])
        survives = rank is not None and all(x == rank for x in seen[entry])
        assert fast[entry] == (rank, min(known, default=None), max(known, default=None), survives)


@settings(max_examples=100, deadline=None)
@given(rounds(), st.sampled_from(("mean", "median", "trimmed", "normalised")))
def test_overall_and_single_pool_shortcuts_rank_like_the_ranking_module(case, method):
    sheets, pools = case
    data = round_data(sheets, pools, carried={0: Decimal("55")})
    ranking = RoundRanking(data, method)
    options = rank_options(data, method)
    overall = rank_entries(CRITERIA, sheets, pools=dict.fromkeys(pools, ""), **options)
    assert [(r.entry.id, r.rank, r.score, r.flags) for r in ranking.overall.rows] == [
        (r.entry, r.rank, r.score, r.flags) for r in overall
    ]
    for pool in data.pools:
        # A fresh ranking asked for one pool ranks only that pool's sheets (but the
        # normalised method, whose z-scores span the round).
        alone = RoundRanking(data, method).pool(pool.id)
        assert alone.rows == ranking.pool(pool.id).rows
