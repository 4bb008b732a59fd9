"""Where a round's judging stands, step by step, for the organizers' hub page.

All the counts come from one query of scalar subqueries, whatever the size of the round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.db import db, utcnow
from competitions.models import Entry, EntryStatus, Pool, Round
from judging.common import judging_state
from judging.models import (
    AdvancementDecision,
    AssignmentStatus,
    Award,
    AwardWinner,
    Conflict,
    ConflictStatus,
    JudgeAssignment,
    JudgingMode,
    PanelMember,
    PanelStatus,
    RoundEntry,
    RoundJudging,
    RubricCriterion,
    Score,
    ScoreSheet,
    SheetStatus,
)

TODO, STARTED, DONE = "todo", "started", "done"


@dataclass(frozen=True)
class Counts:
    criteria: int
    weight_total: object
    pools: int
    entries: int
    entries_without_pool: int
    unplaced: int
    panel: int
    panel_declared: int
    conflicts_active: int
    conflicts_overridden: int
    assignments_published: int
    assignments_proposed: int
    sheets_submitted: int
    sheets_draft: int
    scores: int
    entries_scored: int
    decided: int
    advancing: int
    awards: int
    award_winners: int


def _count(query) -> object:  # noqa: ANN001
    return query.scalar_subquery()


def counts(round_: Round) -> Counts:
    """Every count of the hub in one round trip."""
    rid = round_.id
    in_round = select(RoundEntry.id).where(RoundEntry.round_id == rid)
    entry_ids = select(RoundEntry.entry_id).where(RoundEntry.round_id == rid)
    panel_users = select(PanelMember.user_id).where(
        PanelMember.round_id == rid, PanelMember.status == PanelStatus.ACTIVE
    )
    placed = select(RoundEntry.id).where(
        RoundEntry.round_id == rid, RoundEntry.entry_id == Entry.id
    )

    def n(model, *where) -> object:  # noqa: ANN001
        return _count(select(func.count()).select_from(model).where(*where))

    def sheets(status: str) -> object:
        return n(ScoreSheet, ScoreSheet.round_entry_id.in_(in_round), ScoreSheet.status == status)

    def conflicts(status: str) -> object:
        return n(
            Conflict,
            Conflict.entry_id.in_(entry_ids),
            Conflict.user_id.in_(panel_users),
            Conflict.status == status,
        )

    def assignments(status: str) -> object:
        return n(
            JudgeAssignment,
            JudgeAssignment.round_entry_id.in_(in_round),
            JudgeAssignment.status == status,
        )

    unplaced = (
        n(
            Entry,
            Entry.competition_id == round_.competition_id,
            Entry.status == EntryStatus.ACCEPTED,
            ~placed.exists(),
        )
        if round_.is_first
        else select(0).scalar_subquery()
    )
    row = db.session.execute(
        select(
            n(RubricCriterion, RubricCriterion.round_id == rid),
            _count(
                select(func.coalesce(func.sum(RubricCriterion.weight), 0)).where(
                    RubricCriterion.round_id == rid
                )
            ),
            n(Pool, Pool.round_id == rid),
            n(RoundEntry, RoundEntry.round_id == rid),
            n(RoundEntry, RoundEntry.round_id == rid, RoundEntry.pool_id.is_(None)),
            unplaced,
            n(PanelMember, PanelMember.round_id == rid, PanelMember.status == PanelStatus.ACTIVE),
            n(
                PanelMember,
                PanelMember.round_id == rid,
                PanelMember.status == PanelStatus.ACTIVE,
                PanelMember.conflicts_declared_at.is_not(None),
            ),
            conflicts(ConflictStatus.ACTIVE),
            conflicts(ConflictStatus.OVERRIDDEN),
            assignments(AssignmentStatus.PUBLISHED),
            assignments(AssignmentStatus.PROPOSED),
            sheets(SheetStatus.SUBMITTED),
            sheets(SheetStatus.DRAFT),
            _count(
                select(func.count(Score.id))
                .join(ScoreSheet, Score.sheet_id == ScoreSheet.id)
                .where(ScoreSheet.round_entry_id.in_(in_round))
            ),
            _count(
                select(func.count(func.distinct(ScoreSheet.round_entry_id))).where(
                    ScoreSheet.round_entry_id.in_(in_round),
                    ScoreSheet.status == SheetStatus.SUBMITTED,
                )
            ),
            n(RoundEntry, RoundEntry.round_id == rid, RoundEntry.decision.is_not(None)),
            n(
                RoundEntry,
                RoundEntry.round_id == rid,
                RoundEntry.decision == AdvancementDecision.ADVANCE,
            ),
            n(Award, Award.round_id == rid),
            _count(
                select(func.count(AwardWinner.id))
                .join(Award, AwardWinner.award_id == Award.id)
                .where(Award.round_id == rid)
            ),
        )
    ).one()
    return Counts(*row)


@dataclass
class Step:
    key: str
    status: str  # TODO, STARTED or DONE
    endpoints: list[str]


def steps(
    round_: Round, settings: RoundJudging | None, c: Counts, now: datetime | None = None
) -> tuple[list[Step], str]:
    """The steps of judging a round with where each stands, and the judging window's state."""
    state = judging_state(round_, settings, now or utcnow())
    k = settings.judges_per_entry if settings is not None else 3
    panel_mode = settings is not None and settings.mode == JudgingMode.PANEL

    def status(done: bool, started: bool) -> str:
        return DONE if done else STARTED if started else TODO

    expected = c.entries * k if not panel_mode else 0
    assigned_enough = (
        c.assignments_published >= expected if not panel_mode else c.assignments_published > 0
    )
    result = [
        Step(
            "rubric", status(c.criteria > 0, False), ["judging.rubric", "judging.rubric_settings"]
        ),
        Step(
            "entries",
            status(c.entries > 0 and not c.unplaced and not c.entries_without_pool, c.entries > 0),
            ["judging.entries"],
        ),
        Step(
            "panel",
            status(c.panel > 0 and c.panel_declared == c.panel, c.panel > 0),
            ["judging.panel"],
        ),
        Step(
            "conflicts",
            status(c.panel > 0 and c.panel_declared == c.panel, c.panel_declared > 0),
            ["judging.conflicts"],
        ),
        Step(
            "assignments",
            status(
                c.entries > 0 and assigned_enough and not c.assignments_proposed,
                c.assignments_published + c.assignments_proposed > 0,
            ),
            ["judging.assignments"],
        ),
        Step(
            "scoring",
            status(
                state == "closed"
                or (c.assignments_published > 0 and c.sheets_submitted >= c.assignments_published),
                c.scores > 0,
            ),
            ["judging.progress", "judging.paper"],
        ),
        Step(
            "ranking",
            status(state == "closed" and c.entries_scored > 0, c.entries_scored > 0),
            ["judging.ranking", "judging.trust"],
        ),
        Step(
            "advancement",
            status(
                settings is not None and settings.advancement_confirmed_at is not None,
                c.decided > 0 or c.award_winners > 0,
            ),
            ["judging.advancement", "judging.awards"],
        ),
        Step(
            "results",
            status(settings is not None and settings.results_published_at is not None, False),
            ["judging.results"],
        ),
    ]
    return result, state
