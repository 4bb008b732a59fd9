"""The demo seed's judging: last year's call judged to the end, this year's festival being
judged now, both through the services the pages use."""

from __future__ import annotations

from sqlalchemy import func, select

from app.demo.seed import seed_demo
from app.people.models import User
from competitions.models import Competition, CompetitionStatus
from judging.models import (
    AwardWinner,
    Conflict,
    JudgeAssignment,
    RoundEntry,
    RoundJudging,
    ScoreSheet,
    SheetStatus,
)
from judging.results.services import rank_round, trust_report

ACCESS: dict = {}
POST_ENDPOINTS: set = set()


def _count(db, *where) -> int:  # noqa: ANN001
    return db.session.scalar(select(func.count()).select_from(ScoreSheet).where(*where))


def test_demo_judges_last_year_to_the_end_and_this_year_live(app, db):
    with app.test_request_context():  # as `flask demo seed` runs it
        seed_demo()
    db.session.flush()
    old = db.session.scalar(
        select(Competition)
        .where(Competition.code == "QN")
        .order_by(Competition.edition_year.desc())
        .limit(1)
    )
    first, final = old.rounds
    assert old.status == CompetitionStatus.ARCHIVED

    # Round 1: every assigned judge submitted a complete sheet.
    assigned = db.session.scalar(
        select(func.count())
        .select_from(JudgeAssignment)
        .join(RoundEntry)
        .where(RoundEntry.round_id == first.id, JudgeAssignment.status == "published")
    )
    submitted = _count(
        db,
        ScoreSheet.round_entry_id.in_(select(RoundEntry.id).where(RoundEntry.round_id == first.id)),
        ScoreSheet.status == SheetStatus.SUBMITTED,
    )
    assert assigned >= 3 * 40 and submitted == assigned
    ranking = rank_round(first.id)
    assert all(row.score is not None for pool in ranking.pools for row in pool.rows)

    # One lenient and one harsh judge stand out on the trust page.
    leniency = sorted(j.leniency for j in trust_report(ranking).judges if j.leniency is not None)
    assert leniency[0] < -8 and leniency[-1] > 8

    # Conflicts of every kind: detected, declared, one overridden with a reason.
    sources = set(db.session.execute(select(Conflict.source, Conflict.status)).all())
    assert {("detected", "active"), ("declared", "active"), ("detected", "overridden")} <= sources

    # The final: finalists came through advancement, awards given, results public.
    finalists = db.session.scalars(select(RoundEntry).where(RoundEntry.round_id == final.id)).all()
    assert 5 <= len(finalists) < len(first_entries(db, first.id))
    assert all(f.source == "advanced" and f.carried_score is not None for f in finalists)
    assert db.session.scalar(select(func.count()).select_from(AwardWinner)) >= 4
    for round_ in (first, final):
        assert db.session.get(RoundJudging, round_.id).results_published_at is not None

    # This year's festival is being judged: the demo judge has work done and work to do.
    festival = db.session.scalar(select(Competition).where(Competition.code == "TK"))
    assert festival.status == CompetitionStatus.JUDGING
    judge = db.session.scalar(select(User).where(User.email == "giamkhao@sprout.demo"))
    live = select(RoundEntry.id).where(RoundEntry.round_id == festival.rounds[0].id)
    mine = db.session.scalar(
        select(func.count())
        .select_from(JudgeAssignment)
        .where(JudgeAssignment.user_id == judge.id, JudgeAssignment.round_entry_id.in_(live))
    )
    done = _count(db, ScoreSheet.user_id == judge.id, ScoreSheet.round_entry_id.in_(live))
    assert mine > done
    assert _count(db, ScoreSheet.round_entry_id.in_(live)) < db.session.scalar(
        select(func.count())
        .select_from(JudgeAssignment)
        .where(JudgeAssignment.round_entry_id.in_(live))
    )


def first_entries(db, round_id: int) -> list[RoundEntry]:  # noqa: ANN001
    return db.session.scalars(select(RoundEntry).where(RoundEntry.round_id == round_id)).all()
