"""Writes to a round's rubric and its judging settings.

A rubric is the round's ordered criteria (the order is also the tie-break priority) and the
score step every score must be a multiple of. Once a judge has saved a score in the round, a
change to the rubric changes the meaning of scores already given: it is refused unless an
organizer confirms it explicitly, and some changes stay refused even then because they would
break scores that exist (deleting a scored criterion, a maximum below a given score, a step
that leaves given scores off the step).

Like every judging service, a refusal raises before anything is changed; nothing here
commits, and every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select

from app import audit
from app.db import db
from app.people.models import User
from competitions.models import Round
from judging.common import (
    JudgingError,
    criteria_of,
    plain_number,
    settings_for,
    settings_or_none,
)
from judging.models import (
    JudgingMode,
    RankingMethod,
    RoundEntry,
    RoundJudging,
    RubricCriterion,
    Score,
    ScoreSheet,
)
from judging.ranking import TIE_BREAKS
from judging.rubric.templates import TEMPLATES, criteria_from

NAME_LENGTH = 120
DESCRIPTION_LENGTH = 2000
LEVEL_TEXT_LENGTH = 300
MAX_CRITERIA = 20
MAX_LEVELS = 8
MAX_POINTS = Decimal("1000")  # a criterion's maximum or weight
MAX_STEP = Decimal("50")
MAX_JUDGES_PER_ENTRY = 50
# The orders in which ties may be broken ("" = equal scores share a rank).
TIE_BREAK_ORDERS = (
    "criteria,judge_count",
    "judge_count,criteria",
    "criteria",
    "judge_count",
    "",
)


class RubricError(JudgingError):
    """A refusal whose message must name something: `details[reason]` holds the values
    (criterion names, counts, scores) the view puts into that reason's message."""

    def __init__(self, problems: list[tuple[str, dict]]) -> None:
        super().__init__(*(reason for reason, _values in problems))
        self.details = dict(problems)


def _refuse(problems: list[tuple[str, dict]]) -> None:
    if problems:
        raise RubricError(problems)


@dataclass
class Level:
    """A score range of one criterion with what it means, shown to judges."""

    min: Decimal
    max: Decimal
    text: str

    def as_json(self) -> dict:
        return {"min": plain_number(self.min), "max": plain_number(self.max), "text": self.text}

    @classmethod
    def from_json(cls, row: dict) -> Level:
        return cls(Decimal(str(row["min"])), Decimal(str(row["max"])), str(row["text"]))


@dataclass
class CriterionData:
    name: str
    max_score: Decimal
    weight: Decimal
    description: str = ""
    levels: list[Level] = field(default_factory=list)


@dataclass
class SettingsData:
    mode: str
    score_step: Decimal
    judges_per_entry: int
    default_cap: int | None
    method: str
    tie_breaks: str
    disagreement_sd: Decimal
    disagreement_range: Decimal


def _tidy(text: str) -> str:
    return " ".join((text or "").split())


def _name_key(name: str) -> str:
    """Names compare without case and extra spaces, but with their diacritics: "Thi" and
    "Thị" are different Vietnamese words."""
    return _tidy(name).casefold()


def is_multiple(value: Decimal, step: Decimal) -> bool:
    return step > 0 and value % step == 0


# --- what exists: scores in the round ---------------------------------------------------------


def score_count(round_id: int) -> int:
    """How many criterion scores judges have saved in the round (drafts count)."""
    return (
        db.session.scalar(
            select(func.count(Score.id))
            .join(ScoreSheet, Score.sheet_id == ScoreSheet.id)
            .join(RoundEntry, ScoreSheet.round_entry_id == RoundEntry.id)
            .where(RoundEntry.round_id == round_id)
        )
        or 0
    )


@dataclass(frozen=True)
class CriterionScores:
    count: int
    highest: Decimal


def scores_by_criterion(round_id: int) -> dict[int, CriterionScores]:
    """Per criterion of the round: how many scores it has and the highest (one query)."""
    rows = db.session.execute(
        select(Score.criterion_id, func.count(Score.id), func.max(Score.value))
        .join(ScoreSheet, Score.sheet_id == ScoreSheet.id)
        .join(RoundEntry, ScoreSheet.round_entry_id == RoundEntry.id)
        .where(RoundEntry.round_id == round_id)
        .group_by(Score.criterion_id)
    ).all()
    return {cid: CriterionScores(n, Decimal(str(top))) for cid, n, top in rows}


def _off_step_scores(round_id: int, step: Decimal) -> tuple[int, Decimal | None]:
    """How many of the round's scores are not multiples of `step`, and one of them."""
    rows = db.session.execute(
        select(Score.value, func.count(Score.id))
        .join(ScoreSheet, Score.sheet_id == ScoreSheet.id)
        .join(RoundEntry, ScoreSheet.round_entry_id == RoundEntry.id)
        .where(RoundEntry.round_id == round_id)
        .group_by(Score.value)
        .order_by(Score.value)
    ).all()
    off = [
        (Decimal(str(value)), n) for value, n in rows if not is_multiple(Decimal(str(value)), step)
    ]
    return sum(n for _value, n in off), (off[0][0] if off else None)


def _lock(round_id: int, confirmed: bool, problems: list[tuple[str, dict]]) -> int:
    """The number of scores the change is confirmed over (0 when scoring has not started);
    adds the refusal when scores exist and the organizer has not confirmed."""
    n = score_count(round_id)
    if n and not confirmed:
        problems.append(("scoring_started", {"n": n}))
    return n


def _confirmation(n: int) -> dict:
    """What the audit row keeps of the organizer's confirmation."""
    return {"confirmed_over_scores": n} if n else {}


# --- criteria ---------------------------------------------------------------------------------


def _fields(criterion: RubricCriterion) -> dict:
    return {
        "name": criterion.name,
        "description": criterion.description,
        "max_score": criterion.max_score,
        "weight": criterion.weight,
        "levels": list(criterion.levels or []),
        "position": criterion.position,
    }


def _normalised(data: CriterionData) -> CriterionData:
    levels = sorted(
        (Level(level.min, level.max, _tidy(level.text)) for level in data.levels),
        key=lambda level: (level.min, level.max),
    )
    return CriterionData(
        name=_tidy(data.name),
        description=(data.description or "").strip(),
        max_score=data.max_score,
        weight=data.weight,
        levels=levels,
    )


def _level_problems(data: CriterionData) -> list[tuple[str, dict]]:
    problems: list[tuple[str, dict]] = []
    if len(data.levels) > MAX_LEVELS:
        problems.append(("too_many_levels", {"n": MAX_LEVELS}))
    for level in data.levels:
        if not level.text:
            problems.append(("level_text", {}))
        elif len(level.text) > LEVEL_TEXT_LENGTH:
            problems.append(("level_text_long", {"n": LEVEL_TEXT_LENGTH}))
        if level.min < 0 or level.max < level.min:
            problems.append(("level_order", {"low": level.min, "high": level.max}))
        elif level.max > data.max_score:
            problems.append(("level_above_max", {"high": level.max, "max": data.max_score}))
    for before, after in zip(data.levels, data.levels[1:], strict=False):
        if after.min <= before.max:
            problems.append(("levels_overlap", {"low": after.min, "high": before.max}))
    # One message per kind of problem is enough to fix the text.
    seen: set[str] = set()
    return [p for p in problems if not (p[0] in seen or seen.add(p[0]))]


def _criterion_problems(
    data: CriterionData, step: Decimal, others: list[RubricCriterion]
) -> list[tuple[str, dict]]:
    problems: list[tuple[str, dict]] = []
    if not data.name:
        problems.append(("name_required", {}))
    elif len(data.name) > NAME_LENGTH:
        problems.append(("name_long", {"n": NAME_LENGTH}))
    elif any(_name_key(other.name) == _name_key(data.name) for other in others):
        problems.append(("name_taken", {"name": data.name}))
    if len(data.description) > DESCRIPTION_LENGTH:
        problems.append(("description_long", {"n": DESCRIPTION_LENGTH}))
    if data.max_score <= 0:
        problems.append(("max_positive", {}))
    elif data.max_score > MAX_POINTS:
        problems.append(("max_large", {"n": MAX_POINTS}))
    elif not is_multiple(data.max_score, step):
        problems.append(("max_off_step", {"max": data.max_score, "step": step}))
    if data.weight <= 0:
        problems.append(("weight_positive", {}))
    elif data.weight > MAX_POINTS:
        problems.append(("weight_large", {"n": MAX_POINTS}))
    if data.max_score > 0:
        problems += _level_problems(data)
    return problems


def _criterion_values(data: CriterionData) -> dict:
    return {
        "name": data.name,
        "description": data.description,
        "max_score": data.max_score,
        "weight": data.weight,
        "levels": [level.as_json() for level in data.levels],
    }


def add_criterion(
    round_: Round, data: CriterionData, *, by: User, confirmed: bool = False
) -> RubricCriterion:
    """A criterion at the end of the rubric (lowest tie-break priority)."""
    data = _normalised(data)
    settings = settings_for(round_)
    criteria = criteria_of(round_.id)
    problems = _criterion_problems(data, settings.score_step, criteria)
    if len(criteria) >= MAX_CRITERIA:
        problems.append(("too_many_criteria", {"n": MAX_CRITERIA}))
    n = _lock(round_.id, confirmed, problems)
    _refuse(problems)
    position = max((c.position for c in criteria), default=0) + 1
    criterion = RubricCriterion(round_id=round_.id, position=position, **_criterion_values(data))
    db.session.add(criterion)
    db.session.flush()
    audit.record(
        "judging.criterion.create",
        criterion,
        new={"round_id": round_.id, **_fields(criterion), **_confirmation(n)},
        actor=by,
    )
    return criterion


def update_criterion(
    criterion: RubricCriterion, data: CriterionData, *, by: User, confirmed: bool = False
) -> bool:
    """Change a criterion; False when nothing changed (and nothing is audited)."""
    data = _normalised(data)
    round_ = criterion.round
    settings = settings_for(round_)
    others = [c for c in criteria_of(round_.id) if c.id != criterion.id]
    problems = _criterion_problems(data, settings.score_step, others)
    given = scores_by_criterion(round_.id).get(criterion.id)
    if given is not None and data.max_score < given.highest:
        problems.append(("max_below_scores", {"name": criterion.name, "highest": given.highest}))
    old = _fields(criterion)
    values = _criterion_values(data)
    if not problems and all(_same(old[key], value) for key, value in values.items()):
        return False
    n = _lock(round_.id, confirmed, problems)
    _refuse(problems)
    for key, value in values.items():
        setattr(criterion, key, value)
    db.session.flush()
    audit.record(
        "judging.criterion.update",
        criterion,
        old=old,
        new={**_fields(criterion), **_confirmation(n)},
        actor=by,
    )
    return True


def _same(old: object, new: object) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return Decimal(str(old)) == Decimal(str(new))
    if isinstance(old, list) and isinstance(new, list):
        return [Level.from_json(a) for a in old] == [Level.from_json(b) for b in new]
    return old == new


def _renumber(criteria: list[RubricCriterion]) -> None:
    """Positions 1, 2, … in list order. (round, position) is unique and checked row by row,
    so every row first steps aside to a negative position."""
    for index, criterion in enumerate(criteria, start=1):
        criterion.position = -index
    db.session.flush()
    for index, criterion in enumerate(criteria, start=1):
        criterion.position = index
    db.session.flush()


def delete_criterion(criterion: RubricCriterion, *, by: User, confirmed: bool = False) -> None:
    """Refused for a criterion judges have scored, confirmed or not: its scores would go."""
    round_ = criterion.round
    problems: list[tuple[str, dict]] = []
    given = scores_by_criterion(round_.id).get(criterion.id)
    if given is not None:
        problems.append(("criterion_has_scores", {"name": criterion.name, "n": given.count}))
    n = _lock(round_.id, confirmed, problems)
    _refuse(problems)
    audit.record(
        "judging.criterion.delete",
        criterion,
        old={"round_id": round_.id, **_fields(criterion)},
        new=_confirmation(n) or None,
        actor=by,
    )
    remaining = [c for c in criteria_of(round_.id) if c.id != criterion.id]
    db.session.delete(criterion)
    db.session.flush()
    _renumber(remaining)


def move_criterion(
    criterion: RubricCriterion, direction: str, *, by: User, confirmed: bool = False
) -> None:
    """Swap with the criterion before ("up") or after ("down"): the order is the tie-break
    priority, so it is a rubric change like any other."""
    round_ = criterion.round
    criteria = criteria_of(round_.id)
    index = next(i for i, c in enumerate(criteria) if c.id == criterion.id)
    other = index - 1 if direction == "up" else index + 1
    problems: list[tuple[str, dict]] = []
    if direction not in ("up", "down") or not 0 <= other < len(criteria):
        problems.append(("cannot_move", {}))
        _refuse(problems)
    n = _lock(round_.id, confirmed, problems)
    _refuse(problems)
    old_order = [c.name for c in criteria]
    criteria[index], criteria[other] = criteria[other], criteria[index]
    _renumber(criteria)
    audit.record(
        "judging.criterion.move",
        criterion,
        old={"order": old_order},
        new={"order": [c.name for c in criteria], "direction": direction, **_confirmation(n)},
        actor=by,
    )


# --- settings ---------------------------------------------------------------------------------


def current_settings(round_: Round) -> RoundJudging:
    """The round's settings to show: the stored row, or an unsaved one with the defaults, so
    that reading a page writes nothing."""
    stored = settings_or_none(round_)
    if stored is not None:
        return stored
    defaults = {
        column.key: column.default.arg
        for column in RoundJudging.__table__.columns
        if column.default is not None and not callable(column.default.arg)
    }
    return RoundJudging(round_id=round_.id, **defaults)


SETTING_FIELDS = tuple(SettingsData.__dataclass_fields__)


def settings_data(settings: RoundJudging) -> SettingsData:
    return SettingsData(**{name: getattr(settings, name) for name in SETTING_FIELDS})


def _settings_problems(data: SettingsData) -> list[tuple[str, dict]]:
    problems: list[tuple[str, dict]] = []
    if data.mode not in set(JudgingMode):
        problems.append(("bad_mode", {}))
    if data.method not in set(RankingMethod):
        problems.append(("bad_method", {}))
    if data.tie_breaks not in TIE_BREAK_ORDERS or any(
        part not in TIE_BREAKS for part in data.tie_breaks.split(",") if part
    ):
        problems.append(("bad_tie_breaks", {}))
    if data.score_step <= 0:
        problems.append(("step_positive", {}))
    elif data.score_step > MAX_STEP or data.score_step != data.score_step.quantize(Decimal("0.01")):
        problems.append(("step_range", {"n": MAX_STEP}))
    if not 1 <= data.judges_per_entry <= MAX_JUDGES_PER_ENTRY:
        problems.append(("judges_per_entry", {"n": MAX_JUDGES_PER_ENTRY}))
    if data.default_cap is not None and data.default_cap < 1:
        problems.append(("default_cap", {}))
    for name in ("disagreement_sd", "disagreement_range"):
        if not Decimal(0) < getattr(data, name) <= Decimal(100):
            problems.append((name, {}))
    return problems


def update_settings(
    round_: Round, data: SettingsData, *, by: User, confirmed: bool = False
) -> bool:
    """Change how the round is judged and ranked; False when nothing changed.

    Only the score step belongs to the rubric: changing it once scores exist needs the
    confirmation, and is refused when a criterion's maximum or a score already given would
    fall off the new step."""
    settings = settings_for(round_)
    old = settings_data(settings)
    problems = _settings_problems(data)
    n = 0
    step_changes = data.score_step != old.score_step
    if step_changes and not problems:
        off_max = [
            c.name for c in criteria_of(round_.id) if not is_multiple(c.max_score, data.score_step)
        ]
        if off_max:
            problems.append(("step_max", {"names": off_max, "step": data.score_step}))
        off, example = _off_step_scores(round_.id, data.score_step)
        if off:
            problems.append(
                ("scores_off_step", {"n": off, "example": example, "step": data.score_step})
            )
        n = _lock(round_.id, confirmed, problems)
    _refuse(problems)
    if data == old:
        return False
    for name in SETTING_FIELDS:
        setattr(settings, name, getattr(data, name))
    db.session.flush()
    changed = [name for name in SETTING_FIELDS if getattr(old, name) != getattr(data, name)]
    audit.record(
        "judging.settings",
        round_,
        old={name: getattr(old, name) for name in changed},
        new={**{name: getattr(data, name) for name in changed}, **_confirmation(n)},
        actor=by,
    )
    return True


# --- whole rubrics: templates and copies ------------------------------------------------------


def _replace_problems(round_: Round, replace: bool) -> list[tuple[str, dict]]:
    """A whole rubric replaces the round's criteria: never over scores (they would go with
    their criteria), and only when the organizer said so if there are criteria."""
    n = score_count(round_.id)
    if n:
        return [("rubric_in_use", {"n": n})]
    existing = len(criteria_of(round_.id))
    if existing and not replace:
        return [("replace_needed", {"n": existing})]
    return []


def _install(round_: Round, rows: list[dict], step: Decimal) -> tuple[list[str], list[str]]:
    """Put `rows` in place of the round's criteria; returns the old and new names."""
    settings = settings_for(round_)
    old = criteria_of(round_.id)
    old_names = [c.name for c in old]
    for criterion in old:
        db.session.delete(criterion)
    db.session.flush()
    settings.score_step = step
    for position, row in enumerate(rows, start=1):
        db.session.add(RubricCriterion(round_id=round_.id, position=position, **row))
    db.session.flush()
    return old_names, [row["name"] for row in rows]


def _json_levels(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["levels"] = [Level(l["min"], l["max"], l["text"]).as_json() for l in row["levels"]]  # noqa: E741
    return rows


def apply_template(round_: Round, key: str, *, by: User, replace: bool = False) -> list[str]:
    """The template's criteria in the organizer's language. The round keeps its step when
    every maximum is a multiple of it, else takes the template's."""
    template = TEMPLATES.get(key)
    problems = (
        [("unknown_template", {})] if template is None else _replace_problems(round_, replace)
    )
    _refuse(problems)
    settings = settings_for(round_)
    old_step = settings.score_step
    step = old_step
    if not all(is_multiple(Decimal(c.max_score), step) for c in template.criteria):
        step = template.step
    rows = _json_levels(criteria_from(template))
    old_names, new_names = _install(round_, rows, step)
    audit.record(
        "judging.rubric.template",
        round_,
        old={"criteria": old_names, "score_step": old_step},
        new={"template": key, "criteria": new_names, "score_step": step},
        actor=by,
    )
    return new_names


def copy_sources(round_: Round) -> list[Round]:
    """The other rounds of the competition that have a rubric to copy (one query)."""
    ids = set(
        db.session.scalars(
            select(RubricCriterion.round_id)
            .join(Round, RubricCriterion.round_id == Round.id)
            .where(Round.competition_id == round_.competition_id, Round.id != round_.id)
        )
    )
    return [other for other in round_.competition.rounds if other.id in ids]


def copy_rubric(round_: Round, source: Round, *, by: User, replace: bool = False) -> list[str]:
    """Copy another round's criteria and score step (same competition only)."""
    problems: list[tuple[str, dict]] = []
    if source.competition_id != round_.competition_id or source.id == round_.id:
        problems.append(("bad_source", {}))
    source_criteria = criteria_of(source.id) if not problems else []
    if not problems and not source_criteria:
        problems.append(("source_empty", {"round": source.name}))
    problems = problems or _replace_problems(round_, replace)
    _refuse(problems)
    source_settings = settings_or_none(source)
    settings = settings_for(round_)
    old_step = settings.score_step
    step = source_settings.score_step if source_settings is not None else old_step
    if not all(is_multiple(c.max_score, step) for c in source_criteria):
        # A source without settings of its own was made on the default step; 0,01 fits any.
        step = next(
            candidate
            for candidate in (Decimal("0.5"), Decimal("0.01"))
            if all(is_multiple(c.max_score, candidate) for c in source_criteria)
        )
    rows = [
        {
            "name": c.name,
            "description": c.description,
            "max_score": c.max_score,
            "weight": c.weight,
            "levels": list(c.levels or []),
        }
        for c in source_criteria
    ]
    old_names, new_names = _install(round_, rows, step)
    audit.record(
        "judging.rubric.copy",
        round_,
        old={"criteria": old_names, "score_step": old_step},
        new={"from_round_id": source.id, "criteria": new_names, "score_step": step},
        actor=by,
    )
    return new_names


# --- for the other judging topics -------------------------------------------------------------


def rubric_ready(round_id: int) -> bool:
    """Scoring may start only once the round has at least one criterion."""
    return bool(
        db.session.scalar(
            select(func.count(RubricCriterion.id)).where(RubricCriterion.round_id == round_id)
        )
    )


def require_rubric(round_id: int) -> None:
    """Raise JudgingError("no_criteria") when the round has no criterion yet."""
    if not rubric_ready(round_id):
        raise JudgingError("no_criteria")
