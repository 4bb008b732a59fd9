"""Load everything a round's ranking needs into the plain types of :mod:`judging.ranking`.

A fixed number of queries whatever the size of the round (seven), each selecting plain
tuples rather than ORM objects: at province scale (2,000 entries, 6,000 sheets, 36,000
scores) building objects would cost more than the ranking itself.

Only SUBMITTED sheets count. A draft is not a verdict yet; it still makes the entry expect
that judge, so the entry shows as incomplete until the draft is submitted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from sqlalchemy import Float, case, cast, func, select

from app.db import db
from app.people.models import User
from app.units.models import Unit
from competitions.models import Competition, Entry, Pool, Round, Team
from judging.common import JudgingError
from judging.models import (
    AssignmentStatus,
    JudgeAssignment,
    JudgingMode,
    RoundEntry,
    RoundJudging,
    RubricCriterion,
    Score,
    ScoreSheet,
    SheetStatus,
)
from judging.ranking import Criterion, Sheet

# The settings a round has before anyone saved its judging settings (the columns' defaults),
# so reading a ranking never has to write a settings row.
_DEFAULTS = RoundJudging.__table__.c


def _default(column: str) -> object:
    return _DEFAULTS[column].default.arg


NO_POOL = 0  # entries placed in the round without a pool are ranked together under this id


@dataclass(frozen=True)
class RankingSettings:
    """How the round is ranked: RoundJudging's columns plus the round's own rules."""

    method: str = str(_default("method"))
    tie_breaks: tuple[str, ...] = tuple(str(_default("tie_breaks")).split(","))
    disagreement_sd: float = float(_default("disagreement_sd"))
    disagreement_range: float = float(_default("disagreement_range"))
    mode: str = str(_default("mode"))
    no_zero: bool = False
    carry_weight: float = 0.0

    @property
    def is_panel(self) -> bool:
        return self.mode == JudgingMode.PANEL


@dataclass(frozen=True)
class CriterionInfo:
    id: int
    position: int
    name: str
    max_score: Decimal
    weight: Decimal


@dataclass(frozen=True)
class PoolInfo:
    id: int
    name: str


@dataclass(frozen=True)
class EntryInfo:
    """One entry of the round as the ranking shows it; ``id`` is the RoundEntry id."""

    id: int
    entry_id: int
    code: str
    title: str
    team: str
    unit: str
    pool_id: int
    carried_score: Decimal | None


@dataclass
class RoundData:
    round_id: int
    round_name: str
    competition_id: int
    competition_title: str
    settings: RankingSettings
    criteria: list[Criterion]
    criterion_info: list[CriterionInfo]
    pools: list[PoolInfo]
    entries: dict[int, EntryInfo]  # by RoundEntry id, in code order
    judges: dict[int, str]  # user id → full name
    sheets: list[Sheet]  # submitted sheets; entry = RoundEntry id, judge = user id
    expected: dict[int, int]  # judges an entry waits for: published assignments or sheets
    drafts: dict[int, int] = field(default_factory=dict)  # draft sheets per entry

    @cached_property
    def pool_of(self) -> dict[int, int]:
        return {e.id: e.pool_id for e in self.entries.values()}

    @cached_property
    def previous(self) -> dict[int, float] | None:
        """Carried scores, when the round carries the previous round's score over."""
        if self.settings.carry_weight <= 0:
            return None
        return {
            e.id: float(e.carried_score)
            for e in self.entries.values()
            if e.carried_score is not None
        }

    def pool_name(self, pool_id: int) -> str:
        return next((p.name for p in self.pools if p.id == pool_id), "")


def _round_row(round_id: int):  # noqa: ANN202
    row = db.session.execute(
        select(
            Round.id,
            Round.name,
            Round.no_zero_criterion,
            Round.carry_over_weight,
            Competition.id,
            Competition.title,
            RoundJudging.method,
            RoundJudging.tie_breaks,
            RoundJudging.disagreement_sd,
            RoundJudging.disagreement_range,
            RoundJudging.mode,
        )
        .join(Competition, Round.competition_id == Competition.id)
        .outerjoin(RoundJudging, RoundJudging.round_id == Round.id)
        .where(Round.id == round_id)
    ).one_or_none()
    if row is None:
        raise JudgingError("no_round")
    return row


def _settings(row) -> RankingSettings:  # noqa: ANN001
    defaults = RankingSettings()
    method, tie_breaks, sd, range_, mode = row[6:11]
    return RankingSettings(
        method=method or defaults.method,
        tie_breaks=tuple(p for p in tie_breaks.split(",") if p)
        if tie_breaks is not None
        else defaults.tie_breaks,
        disagreement_sd=float(sd) if sd is not None else defaults.disagreement_sd,
        disagreement_range=float(range_) if range_ is not None else defaults.disagreement_range,
        mode=mode or defaults.mode,
        no_zero=bool(row.no_zero_criterion),
        carry_weight=float(row.carry_over_weight or 0),
    )


def _rows(statement) -> list:  # noqa: ANN001
    """Plain rows through the connection: no ORM row processing for tens of thousands of rows."""
    return db.session.connection().execute(statement).all()


def load_round(round_id: int) -> RoundData:
    """The round's rubric, entries, judges and submitted sheets, in seven queries.

    Raises JudgingError("no_round") when the round does not exist."""
    row = _round_row(round_id)
    info = [
        CriterionInfo(*r)
        for r in _rows(
            select(
                RubricCriterion.id,
                RubricCriterion.position,
                RubricCriterion.name,
                RubricCriterion.max_score,
                RubricCriterion.weight,
            )
            .where(RubricCriterion.round_id == round_id)
            .order_by(RubricCriterion.position, RubricCriterion.id)
        )
    ]
    criteria = [
        Criterion(id=c.id, max=float(c.max_score), weight=float(c.weight), priority=c.position)
        for c in info
    ]
    pools = [
        PoolInfo(*r)
        for r in _rows(
            select(Pool.id, Pool.name).where(Pool.round_id == round_id).order_by(Pool.name, Pool.id)
        )
    ]
    entries = _entries(round_id)
    if any(e.pool_id == NO_POOL for e in entries.values()):
        pools.append(PoolInfo(NO_POOL, ""))

    expected: dict[int, int] = defaultdict(int)
    judge_ids: set[int] = set()
    for round_entry_id, judge_id in _rows(
        select(JudgeAssignment.round_entry_id, JudgeAssignment.user_id)
        .join(RoundEntry, RoundEntry.id == JudgeAssignment.round_entry_id)
        .where(
            RoundEntry.round_id == round_id,
            JudgeAssignment.status == AssignmentStatus.PUBLISHED,
        )
    ):
        expected[round_entry_id] += 1
        judge_ids.add(judge_id)
    sheets, drafts, sheet_count, sheet_judges = _sheets(round_id, criteria)
    for entry_id, count in sheet_count.items():
        expected[entry_id] = max(expected[entry_id], count)
    # The ids are known by now: a plain IN list plans well even on tables never analysed.
    judges = dict(
        _rows(select(User.id, User.full_name).where(User.id.in_(judge_ids | sheet_judges)))
    )
    return RoundData(
        round_id=row[0],
        round_name=row[1],
        competition_id=row[4],
        competition_title=row[5],
        settings=_settings(row),
        criteria=criteria,
        criterion_info=info,
        pools=pools,
        entries=entries,
        judges=judges,
        sheets=sheets,
        expected={e: expected.get(e, 0) for e in entries},
        drafts=dict(drafts),
    )


def _entries(round_id: int) -> dict[int, EntryInfo]:
    rows = _rows(
        select(
            RoundEntry.id,
            RoundEntry.entry_id,
            Entry.code,
            Entry.title,
            Team.name,
            Unit.name,
            RoundEntry.pool_id,
            RoundEntry.carried_score,
        )
        .join(Entry, RoundEntry.entry_id == Entry.id)
        .join(Team, Entry.team_id == Team.id)
        .outerjoin(Unit, Entry.unit_id == Unit.id)
        .where(RoundEntry.round_id == round_id)
        .order_by(Entry.code, RoundEntry.id)
    )
    return {
        r[0]: EntryInfo(
            id=r[0],
            entry_id=r[1],
            code=r[2] or "",
            title=r[3],
            team=r[4],
            unit=r[5] or "",
            pool_id=r[6] if r[6] is not None else NO_POOL,
            carried_score=r[7],
        )
        for r in rows
    }


def _sheets(
    round_id: int, criteria: list[Criterion]
) -> tuple[list[Sheet], dict[int, int], dict[int, int], set[int]]:
    """Submitted sheets with their scores; drafts and all sheets counted per entry; the
    judges of all the sheets.

    One row per sheet, its scores pivoted into one column per criterion (MAX of a CASE: plain
    SQL on SQLite and PostgreSQL): six times fewer rows to build than one per score. Scores
    are multiples of the step (0.5, 0.25…), exact as floats, so converted in the database."""
    pivot = [
        func.max(case((Score.criterion_id == c.id, cast(Score.value, Float)))) for c in criteria
    ]
    rows = _rows(
        select(ScoreSheet.id, ScoreSheet.round_entry_id, ScoreSheet.user_id, ScoreSheet.status)
        .add_columns(*pivot)
        .join(RoundEntry, RoundEntry.id == ScoreSheet.round_entry_id)
        .outerjoin(Score, Score.sheet_id == ScoreSheet.id)
        .where(RoundEntry.round_id == round_id)
        .group_by(ScoreSheet.id, ScoreSheet.round_entry_id, ScoreSheet.user_id, ScoreSheet.status)
    )
    ids = [c.id for c in criteria]
    sheets: list[Sheet] = []
    drafts: dict[int, int] = defaultdict(int)
    counted: dict[int, int] = defaultdict(int)
    judges: set[int] = set()
    for _sheet_id, entry_id, judge_id, status, *values in rows:
        counted[entry_id] += 1
        judges.add(judge_id)
        if status != SheetStatus.SUBMITTED:
            drafts[entry_id] += 1
            continue
        scores = {c: v for c, v in zip(ids, values, strict=True) if v is not None}
        sheets.append(Sheet(judge=judge_id, entry=entry_id, scores=scores))
    return sheets, drafts, counted, judges
