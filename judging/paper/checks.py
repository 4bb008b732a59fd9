"""Checking paper score sheets before anything is stored: each row of an uploaded workbook
(or one sheet typed by hand) against the round's rubric, assignments, conflicts and the
sheets already there. A check changes nothing; it says what is wrong and where."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from math import isfinite

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from app import spreadsheets
from app.db import db
from app.people.models import User, normalise_email
from app.spreadsheets import ReadCell, column_letter
from app.vietnamese import fold, parse_decimal
from competitions.models import Entry, Round
from judging.common import JudgingError, criteria_of, score_problem, settings_or_none
from judging.models import (
    AssignmentStatus,
    Conflict,
    ConflictStatus,
    JudgeAssignment,
    RoundEntry,
    RoundJudging,
    RubricCriterion,
    ScoreSheet,
    SheetOrigin,
    SheetStatus,
)
from judging.paper.workbook import CODE, EMAIL, FIXED_COLUMNS

MAX_COMMENT = 5000
DEFAULT_STEP: Decimal = RoundJudging.__table__.c.score_step.default.arg
PAPER_ORIGINS = (SheetOrigin.PAPER_IMPORT, SheetOrigin.PAPER_MANUAL)


# --- what a check finds ------------------------------------------------------------------


@dataclass
class Problem:
    """One thing wrong with a row (or a field of the form typed by hand).

    `reason`: missing_judge, unknown_judge, missing_entry, unknown_entry, not_assigned,
    conflict, online_sheet, duplicate, missing, formula, not_a_number, negative, above_max,
    off_step, too_long."""

    reason: str
    column: str | None = None  # "E"
    header: str | None = None  # the criterion or column it is about
    value: str | None = None  # what the cell held, as text
    criterion_id: int | None = None
    limit: Decimal | None = None  # the maximum (above_max) or the step (off_step)
    first_row: int | None = None  # duplicate: the row that came first


@dataclass
class SheetRow:
    """One judge × entry, from a row of the workbook or from the form."""

    number: int | None  # the row in Excel; None when typed by hand
    email: str = ""
    code: str = ""
    judge: User | None = None
    round_entry: RoundEntry | None = None
    values: dict[int, Decimal] = field(default_factory=dict)  # criterion id → value
    comment: str = ""
    problems: list[Problem] = field(default_factory=list)
    # What the row would replace: "draft" (the judge's online draft) or "paper".
    replaces: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class ImportReport:
    rows: list[SheetRow] = field(default_factory=list)
    # The whole file refused: too_large, not_xlsx, unsafe, empty, no_rows, too_many_rows,
    # bad_header, no_rubric, results_published.
    file_problem: str | None = None
    bad_columns: list[tuple[str, str]] = field(default_factory=list)  # bad_header: (letter, name)
    blank_rows: int = 0

    @property
    def ok_rows(self) -> list[SheetRow]:
        return [row for row in self.rows if row.ok]

    @property
    def error_rows(self) -> list[SheetRow]:
        return [row for row in self.rows if not row.ok]

    @property
    def importable(self) -> bool:
        return self.file_problem is None and bool(self.rows) and not self.error_rows


class ImportRefused(JudgingError):
    """The confirmed file no longer passes: nothing was imported."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(report.file_problem or "row_errors")
        self.report = report


class SheetRefused(JudgingError):
    """A sheet typed by hand does not pass; `problems` says where."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(*(p.reason for p in problems))
        self.problems = problems


# --- the round as a check needs it ------------------------------------------------------


def score_step(round_: Round) -> Decimal:
    settings = settings_or_none(round_)
    return settings.score_step if settings is not None else DEFAULT_STEP


def results_published(round_: Round) -> bool:
    settings = settings_or_none(round_)
    return settings is not None and settings.results_published_at is not None


@dataclass
class RoundFacts:
    """What checking rows against a round needs, loaded in a fixed number of queries."""

    round: Round
    criteria: list[RubricCriterion]
    step: Decimal
    entries_by_code: dict[str, RoundEntry]
    judges_by_email: dict[str, User]
    assigned: set[tuple[int, int]]  # (round_entry_id, user_id), published
    conflicted: set[tuple[int, int]]  # (user_id, entry_id), active
    sheets: dict[tuple[int, int], ScoreSheet]  # (round_entry_id, user_id)

    @classmethod
    def load(
        cls, round_: Round, emails: Iterable[str], judge_ids: Iterable[int] = ()
    ) -> RoundFacts:
        emails = {e for e in emails if e}
        judge_ids = set(judge_ids)
        judges: dict[str, User] = {}
        if emails or judge_ids:
            found = db.session.scalars(
                select(User).where(User.email.in_(emails) | User.id.in_(judge_ids))
            )
            judges = {user.email: user for user in found}
        user_ids = [user.id for user in judges.values()]
        entries = db.session.scalars(
            select(RoundEntry)
            .join(RoundEntry.entry)
            .where(RoundEntry.round_id == round_.id, Entry.code.is_not(None))
            .options(contains_eager(RoundEntry.entry))
        )
        entries_by_code = {_code_key(re.entry.code): re for re in entries}
        assigned = {
            tuple(pair)
            for pair in db.session.execute(
                select(JudgeAssignment.round_entry_id, JudgeAssignment.user_id)
                .join(RoundEntry, RoundEntry.id == JudgeAssignment.round_entry_id)
                .where(
                    RoundEntry.round_id == round_.id,
                    JudgeAssignment.status == AssignmentStatus.PUBLISHED,
                    JudgeAssignment.user_id.in_(user_ids),
                )
            )
        }
        conflicted = {
            tuple(pair)
            for pair in db.session.execute(
                select(Conflict.user_id, Conflict.entry_id)
                .join(RoundEntry, RoundEntry.entry_id == Conflict.entry_id)
                .where(
                    RoundEntry.round_id == round_.id,
                    Conflict.status == ConflictStatus.ACTIVE,
                    Conflict.user_id.in_(user_ids),
                )
            )
        }
        sheets = db.session.scalars(
            select(ScoreSheet)
            .join(RoundEntry, RoundEntry.id == ScoreSheet.round_entry_id)
            .where(RoundEntry.round_id == round_.id, ScoreSheet.user_id.in_(user_ids))
            .options(selectinload(ScoreSheet.scores))
        )
        return cls(
            round=round_,
            criteria=criteria_of(round_.id),
            step=score_step(round_),
            entries_by_code=entries_by_code,
            judges_by_email=judges,
            assigned=assigned,
            conflicted=conflicted,
            sheets={(s.round_entry_id, s.user_id): s for s in sheets},
        )


def _code_key(code: str) -> str:
    return " ".join(code.split()).upper()


# --- values ------------------------------------------------------------------------------


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_score(
    cell: ReadCell, criterion: RubricCriterion, step: Decimal
) -> tuple[Decimal | None, str | None]:
    """The value of one criterion, or why it is refused. A number cell, "8,5" and "8.5"
    are the same score."""
    value = cell.value
    if cell.formula:
        return None, "formula"
    if cell.blank:
        return None, "missing"
    if isinstance(value, bool):
        return None, "not_a_number"
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if not isfinite(value):
            return None, "not_a_number"
        number = Decimal(repr(value))  # 8.5 → Decimal("8.5"), not its binary expansion
    elif isinstance(value, str):
        try:
            number = parse_decimal(value)
        except ValueError:
            return None, "not_a_number"
    else:  # a date, a time, an error value
        return None, "not_a_number"
    problem = score_problem(number, criterion, step)
    return (None, problem) if problem else (number, None)


def check_scores(
    row: SheetRow, cells: list[ReadCell], facts: RoundFacts, first_column: int
) -> None:
    for position, (criterion, cell) in enumerate(zip(facts.criteria, cells, strict=True)):
        number, reason = parse_score(cell, criterion, facts.step)
        if reason is None:
            row.values[criterion.id] = number
            continue
        limit = {"above_max": criterion.max_score, "off_step": facts.step}.get(reason)
        row.problems.append(
            Problem(
                reason,
                column=column_letter(first_column + position) if row.number else None,
                header=criterion.name,
                value=_as_text(cell.value) or None,
                criterion_id=criterion.id,
                limit=limit,
            )
        )


def check_pair(row: SheetRow, facts: RoundFacts) -> None:
    """Whether this judge may have a sheet for this entry, and what it would replace."""
    judge, round_entry = row.judge, row.round_entry
    if judge is None or round_entry is None:
        return
    if (round_entry.id, judge.id) not in facts.assigned:
        row.problems.append(Problem("not_assigned"))
    elif (judge.id, round_entry.entry_id) in facts.conflicted:
        row.problems.append(Problem("conflict"))
    existing = facts.sheets.get((round_entry.id, judge.id))
    if existing is None:
        return
    if existing.origin == SheetOrigin.ONLINE:
        if existing.status == SheetStatus.SUBMITTED:
            row.problems.append(Problem("online_sheet"))
        else:
            row.replaces = "draft"
    else:
        row.replaces = "paper"


def check_comment(row: SheetRow, cell: ReadCell, column: int | None) -> None:
    if cell.formula:
        row.problems.append(
            Problem("formula", column=column_letter(column) if column is not None else None)
        )
        return
    row.comment = _as_text(cell.value)
    if len(row.comment) > MAX_COMMENT:
        row.problems.append(
            Problem("too_long", column=column_letter(column) if column is not None else None)
        )


# --- the workbook ------------------------------------------------------------------------


def columns_of(criteria: list[RubricCriterion]) -> int:
    return FIXED_COLUMNS + len(criteria) + 1


def _bad_header(header: list[ReadCell], criteria: list[RubricCriterion]) -> list[tuple[str, str]]:
    """Criterion columns whose heading does not start with the criterion's name: the rubric
    changed, or columns were moved, and scores would land under the wrong criterion."""
    bad = []
    for position, criterion in enumerate(criteria):
        cell = header[FIXED_COLUMNS + position]
        heading = fold(_as_text(cell.value)).casefold()
        if cell.formula or not heading.startswith(fold(criterion.name).casefold()):
            bad.append((column_letter(FIXED_COLUMNS + position), criterion.name))
    return bad


def check_workbook(round_: Round, data: bytes) -> ImportReport:
    """Read an uploaded workbook and check every row; changes nothing."""
    return check_rows(round_, data)[0]


def check_rows(round_: Round, data: bytes) -> tuple[ImportReport, RoundFacts | None]:
    report = ImportReport()
    if results_published(round_):
        report.file_problem = "results_published"
        return report, None
    criteria = criteria_of(round_.id)
    if not criteria:
        report.file_problem = "no_rubric"
        return report, None
    try:
        sheet = spreadsheets.read_table(data, columns_of(criteria))
    except spreadsheets.WorkbookRefused as error:
        report.file_problem = error.reason
        return report, None
    report.blank_rows = sheet.blank_rows
    report.bad_columns = _bad_header(sheet.header, criteria)
    if report.bad_columns:
        report.file_problem = "bad_header"
        return report, None
    # The template lists every sheet still waiting: a row with no score and no comment is
    # one the organizer had no paper for, skipped like an empty row.
    filled = [
        (n, cells) for n, cells in sheet.rows if not all(c.blank for c in cells[FIXED_COLUMNS:])
    ]
    report.blank_rows += len(sheet.rows) - len(filled)
    if not filled:
        report.file_problem = "no_rows"
        return report, None
    emails = {normalise_email(_as_text(cells[EMAIL].value)) for _, cells in filled}
    facts = RoundFacts.load(round_, emails)
    seen: dict[tuple[int, int], int] = {}
    for number, cells in filled:
        row = _check_row(number, cells, facts)
        if row.judge is not None and row.round_entry is not None:
            key = (row.round_entry.id, row.judge.id)
            if key in seen:
                row.problems.append(Problem("duplicate", first_row=seen[key]))
            else:
                seen[key] = number
        report.rows.append(row)
    return report, facts


def _check_row(number: int, cells: list[ReadCell], facts: RoundFacts) -> SheetRow:
    row = SheetRow(
        number=number,
        email=normalise_email(_as_text(cells[EMAIL].value)),
        code=_as_text(cells[CODE].value),
    )
    for index, reason in ((EMAIL, "formula"), (CODE, "formula")):
        if cells[index].formula:
            row.problems.append(Problem(reason, column=column_letter(index)))
    if not row.email:
        row.problems.append(Problem("missing_judge", column=column_letter(EMAIL)))
    else:
        row.judge = facts.judges_by_email.get(row.email)
        if row.judge is None:
            row.problems.append(
                Problem("unknown_judge", column=column_letter(EMAIL), value=row.email)
            )
    if not row.code:
        row.problems.append(Problem("missing_entry", column=column_letter(CODE)))
    else:
        row.round_entry = facts.entries_by_code.get(_code_key(row.code))
        if row.round_entry is None:
            row.problems.append(
                Problem("unknown_entry", column=column_letter(CODE), value=row.code)
            )
    check_pair(row, facts)
    n = len(facts.criteria)
    check_scores(row, cells[FIXED_COLUMNS : FIXED_COLUMNS + n], facts, FIXED_COLUMNS)
    check_comment(row, cells[FIXED_COLUMNS + n], FIXED_COLUMNS + n)
    return row
