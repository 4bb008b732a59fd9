"""A judge's score sheet: who may open and save it, and the save itself.

The rules a save must pass, each checked before anything changes:

* the judge is an ACTIVE member of the round's panel whose scope covers the entry, has
  declared their conflicts, holds a PUBLISHED assignment for the entry and has no ACTIVE
  conflict with it;
* the round's judging window is open *now* (the server's clock, not the page's);
* every value is a number (decimal comma or point) from 0 to the criterion's maximum and a
  multiple of the round's score step; a submission (and any save of a sheet already
  submitted) scores every criterion, a draft may be partial;
* the page was made from the sheet as it is stored (`lock_version`): a save from a stale
  page (a second tab) is refused with the stored sheet, so the judge can compare and
  choose; nothing is lost.

One sheet per judge × entry and one score per sheet × criterion are database constraints.
Two identical posts at once (a double click, a phone retrying) make one sheet: the second
finds the first's sheet and, as it asks for exactly what is stored, succeeds without
changing anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import attributes, joinedload, selectinload

from app import audit
from app.db import db, utcnow
from app.people.models import User
from app.vietnamese import parse_decimal
from competitions.models import Entry, Round
from judging.common import JudgingError, criteria_of, judging_state, score_problem
from judging.models import (
    AssignmentStatus,
    JudgeAssignment,
    PanelMember,
    PanelStatus,
    RoundEntry,
    RoundJudging,
    RubricCriterion,
    Score,
    ScoreSheet,
    SheetOrigin,
    SheetStatus,
)
from judging.panels.conflicts import has_conflict

MAX_TEXT = 5000  # characters of a comment or a private note
MAX_VALUE_LENGTH = 20  # characters of one typed score

# Why a judge may not open or save a sheet; the first one that holds is reported.
NOT_ON_PANEL = "not_on_panel"
NOT_ASSIGNED = "not_assigned"
CONFLICTS_NOT_DECLARED = "conflicts_not_declared"
CONFLICT = "conflict"
WINDOW_NOT_SET = "window_not_set"
WINDOW_NOT_YET = "window_not_yet"
WINDOW_CLOSED = "window_closed"
# The organizers typed this judge's scores in from a paper sheet: they change them.
PAPER_SHEET = "paper_sheet"
NO_RUBRIC = "no_rubric"  # the round has no criteria yet
# Reasons about one score.
NOT_A_NUMBER = "not_a_number"
BELOW_ZERO = "below_zero"
ABOVE_MAX = "above_max"
OFF_STEP = "off_step"
MISSING = "missing"

_WINDOW_REASONS = {
    "not_set": WINDOW_NOT_SET,
    "not_yet": WINDOW_NOT_YET,
    "closed": WINDOW_CLOSED,
}


class InvalidScores(JudgingError):
    """Values the rubric refuses; `problems` maps a criterion id to its reason."""

    def __init__(self, problems: dict[int, str]) -> None:
        super().__init__("invalid_scores")
        self.problems = problems


class StaleSheet(JudgingError):
    """The sheet changed since the page was made (another tab saved it): `current` is the
    sheet as stored now, for the judge to compare with what they typed."""

    def __init__(self, current: ScoreSheet) -> None:
        super().__init__("stale")
        self.current = current


@dataclass
class SheetContext:
    """What decides whether a judge may open and save a sheet, loaded once."""

    judge: User
    round_entry: RoundEntry
    settings: RoundJudging | None
    member: PanelMember | None
    assigned: bool
    conflicted: bool
    state: str  # judging_state(...): "open", "not_yet", "closed" or "not_set"
    criteria: list[RubricCriterion] = field(default_factory=list)

    @property
    def round(self) -> Round:
        return self.round_entry.round

    @property
    def step(self) -> Decimal:
        return self.settings.score_step if self.settings is not None else Decimal("0.5")

    def may_see(self) -> str | None:
        """Why the judge may not see this entry's sheet at all (None: they may)."""
        member = self.member
        if member is None or member.status != PanelStatus.ACTIVE:
            return NOT_ON_PANEL
        if not member.covers(self.round_entry):
            return NOT_ON_PANEL
        if not self.assigned:
            return NOT_ASSIGNED
        if member.conflicts_declared_at is None:
            return CONFLICTS_NOT_DECLARED
        if self.conflicted:
            return CONFLICT
        return None

    def may_save(self) -> str | None:
        """Why the judge may not save now (None: they may)."""
        problem = self.may_see() or _WINDOW_REASONS.get(self.state)
        if problem is None and not self.criteria:
            return NO_RUBRIC
        return problem


def load_round_entry(round_entry_id: int) -> RoundEntry | None:
    """The round entry with what the sheet page shows of it, in one query."""
    return db.session.scalar(
        select(RoundEntry)
        .where(RoundEntry.id == round_entry_id)
        .options(
            joinedload(RoundEntry.entry).joinedload(Entry.track),
            joinedload(RoundEntry.round).joinedload(Round.competition),
        )
    )


def sheet_context(
    judge: User, round_entry: RoundEntry, now: datetime | None = None
) -> SheetContext:
    member = db.session.scalar(
        select(PanelMember).where(
            PanelMember.round_id == round_entry.round_id, PanelMember.user_id == judge.id
        )
    )
    assigned = bool(
        db.session.scalar(
            select(
                exists().where(
                    JudgeAssignment.round_entry_id == round_entry.id,
                    JudgeAssignment.user_id == judge.id,
                    JudgeAssignment.status == AssignmentStatus.PUBLISHED,
                )
            )
        )
    )
    settings = db.session.get(RoundJudging, round_entry.round_id)
    return SheetContext(
        judge=judge,
        round_entry=round_entry,
        settings=settings,
        member=member,
        assigned=assigned,
        conflicted=has_conflict(judge.id, round_entry.entry_id),
        state=judging_state(round_entry.round, settings, now or utcnow()),
        criteria=criteria_of(round_entry.round_id),
    )


def own_sheet(judge: User, round_entry: RoundEntry, *, fresh: bool = False) -> ScoreSheet | None:
    """The judge's own sheet for the entry, with its scores; `fresh` reads what is stored
    now even if this session already holds an older copy."""
    query = (
        select(ScoreSheet)
        .where(ScoreSheet.round_entry_id == round_entry.id, ScoreSheet.user_id == judge.id)
        .options(selectinload(ScoreSheet.scores))
    )
    if fresh:
        query = query.execution_options(populate_existing=True)
    return db.session.scalar(query)


# --- values ----------------------------------------------------------------------------------


def parse_score(text: str, criterion: RubricCriterion, step: Decimal) -> Decimal:
    """One typed value as a Decimal within the rubric, or ValueError(reason)."""
    text = (text or "").strip()
    if len(text) > MAX_VALUE_LENGTH:
        raise ValueError(NOT_A_NUMBER)
    try:
        value = parse_decimal(text)
    except ValueError as error:
        raise ValueError(NOT_A_NUMBER) from error
    problem = score_problem(value, criterion, step)
    if problem is not None:
        raise ValueError(problem)
    return value.quantize(Decimal("0.01"))


def parse_values(
    criteria: list[RubricCriterion],
    values: dict[int, str],
    step: Decimal,
    *,
    complete: bool,
) -> dict[int, Decimal]:
    """The values of the rubric's criteria (others are ignored: a tampered form reaches
    no other round's rubric). Raises InvalidScores naming each refused criterion."""
    parsed: dict[int, Decimal] = {}
    problems: dict[int, str] = {}
    for criterion in criteria:
        text = (values.get(criterion.id) or "").strip()
        if not text:
            if complete:
                problems[criterion.id] = MISSING
            continue
        try:
            parsed[criterion.id] = parse_score(text, criterion, step)
        except ValueError as error:
            problems[criterion.id] = str(error)
    if problems:
        raise InvalidScores(problems)
    return parsed


def _snapshot(sheet: ScoreSheet | None) -> dict:
    if sheet is None:
        return {"status": None, "scores": {}, "comment_for_team": "", "private_note": ""}
    return {
        "status": sheet.status,
        "scores": {str(s.criterion_id): str(s.value) for s in sheet.scores},
        "comment_for_team": sheet.comment_for_team,
        "private_note": sheet.private_note,
    }


def _asks_what_is_stored(
    sheet: ScoreSheet, parsed: dict[int, Decimal], comment: str, note: str, submit: bool
) -> bool:
    stored = {s.criterion_id: s.value for s in sheet.scores}
    return (
        stored == parsed
        and sheet.comment_for_team == comment
        and sheet.private_note == note
        and (not submit or sheet.status == SheetStatus.SUBMITTED)
    )


# --- saving ----------------------------------------------------------------------------------


@dataclass
class SaveResult:
    sheet: ScoreSheet
    # "save" (a draft, or a submitted sheet edited), "submit" (submitted by this save), or
    # "unchanged" (a repeated post asking for what is already stored).
    action: str


def save_sheet(
    judge: User,
    round_entry: RoundEntry,
    values: dict[int, str],
    comment: str,
    note: str,
    lock_version: int | None,
    submit: bool,
    now: datetime | None = None,
) -> SaveResult:
    """Save the judge's sheet for the entry as a draft, or submit it.

    `values` maps criterion ids to what was typed ("8,5" or "8.5"; empty = not scored);
    `lock_version` is the sheet's version the page was made from (0 when it had no sheet).
    A submitted sheet stays submitted and is checked as a submission on every later save.
    Raises JudgingError (a reason of this module), InvalidScores or StaleSheet, always
    before changing anything."""
    now = now or utcnow()
    context = sheet_context(judge, round_entry, now)
    problem = context.may_save()
    if problem:
        raise JudgingError(problem)
    comment = (comment or "").strip()
    note = (note or "").strip()
    too_long = [
        reason
        for reason, text in (("comment_too_long", comment), ("note_too_long", note))
        if len(text) > MAX_TEXT
    ]
    if too_long:
        raise JudgingError(*too_long)

    sheet = own_sheet(judge, round_entry)
    if sheet is not None and sheet.is_paper:
        raise JudgingError(PAPER_SHEET)
    complete = submit or (sheet is not None and sheet.status == SheetStatus.SUBMITTED)
    parsed = parse_values(context.criteria, values, context.step, complete=complete)

    if sheet is None:
        sheet = _create(judge, round_entry, now)
        if sheet is None:  # another request made it first
            return _stale_or_same(judge, round_entry, parsed, comment, note, submit)
        old = _snapshot(None)
    else:
        if not _claim(sheet, lock_version):
            return _stale_or_same(judge, round_entry, parsed, comment, note, submit)
        old = _snapshot(sheet)

    by_criterion = {score.criterion_id: score for score in sheet.scores}
    for criterion in context.criteria:
        score = by_criterion.get(criterion.id)
        value = parsed.get(criterion.id)
        if value is None:
            if score is not None:
                sheet.scores.remove(score)  # a draft's value cleared by the judge
        elif score is None:
            sheet.scores.append(Score(criterion_id=criterion.id, value=value))
        elif score.value != value:
            score.value = value
    sheet.comment_for_team = comment
    sheet.private_note = note
    action = "save"
    if submit and sheet.status != SheetStatus.SUBMITTED:
        sheet.status = SheetStatus.SUBMITTED
        sheet.submitted_at = now
        action = "submit"
    sheet.updated_at = now
    db.session.flush()
    new = _snapshot(sheet)
    if new != old:
        new["round_entry_id"] = round_entry.id
        audit.record(f"judging.sheet.{action}", sheet, old=old, new=new, actor=judge)
    return SaveResult(sheet=sheet, action=action)


def _create(judge: User, round_entry: RoundEntry, now: datetime) -> ScoreSheet | None:
    """A new empty sheet, or None when another request has just made it (the unique
    constraint on judge × entry decides; on PostgreSQL this waits for that request)."""
    sheet = ScoreSheet(
        round_entry_id=round_entry.id,
        user_id=judge.id,
        status=SheetStatus.DRAFT,
        origin=SheetOrigin.ONLINE,
        created_at=now,
        updated_at=now,
        lock_version=1,
    )
    try:
        with db.session.begin_nested():
            db.session.add(sheet)
            db.session.flush()
    except IntegrityError:
        return None
    return sheet


def _claim(sheet: ScoreSheet, lock_version: int | None) -> bool:
    """Take the sheet for this save if it is still the version the page was made from:
    one compare-and-set UPDATE, so of two saves from the same version only one wins (on
    PostgreSQL the second waits for the first's commit, then finds the version moved)."""
    if lock_version is None:
        return False
    result = db.session.execute(
        update(ScoreSheet)
        .where(ScoreSheet.id == sheet.id, ScoreSheet.lock_version == lock_version)
        .values(lock_version=ScoreSheet.lock_version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    attributes.set_committed_value(sheet, "lock_version", lock_version + 1)
    return True


def _stale_or_same(
    judge: User,
    round_entry: RoundEntry,
    parsed: dict[int, Decimal],
    comment: str,
    note: str,
    submit: bool,
) -> SaveResult:
    """The sheet moved since the page was read. A post asking for exactly what is stored
    (a double click) has nothing to do; any other is told, with the stored sheet."""
    current = own_sheet(judge, round_entry, fresh=True)
    if current is None:  # cannot happen while sheets are never deleted
        raise JudgingError("stale")
    if _asks_what_is_stored(current, parsed, comment, note, submit):
        return SaveResult(sheet=current, action="unchanged")
    raise StaleSheet(current)
