"""Paper score sheets: organizers import the scores judges wrote on paper from an xlsx, or
type one sheet in by hand.

An import is checked row by row first (the preview, see checks.py); nothing is stored
unless every row passes, and the confirmation checks the kept file again against the
database as it is then. A paper sheet is stored like a judge's submitted sheet, marked
with its origin and the organizer who entered it, and audited one sheet at a time. Paper
may come in after the judging window has closed, never after the results are published.
A sheet the judge submitted online is never overwritten.

Functions change the session and flush; they never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import insert, select

from app import audit
from app.db import db, utcnow
from app.people.models import User
from app.spreadsheets import ReadCell
from app.storage import StoredFile
from competitions.models import Round
from judging.common import JudgingError
from judging.models import (
    AssignmentStatus,
    JudgeAssignment,
    RoundEntry,
    Score,
    ScoreSheet,
    SheetOrigin,
    SheetStatus,
)
from judging.paper.checks import (
    ImportRefused,
    Problem,
    RoundFacts,
    SheetRefused,
    SheetRow,
    check_comment,
    check_pair,
    check_rows,
    check_scores,
    results_published,
)
from judging.paper.uploads import read_kept
from judging.paper.workbook import FIXED_COLUMNS

IMPORT_ACTION = "judging.paper_import"
MANUAL_ACTION = "judging.paper_manual"


def import_workbook(round_: Round, stored: StoredFile, *, by: User) -> int:
    """Check the kept file again and store every row, or nothing at all; returns how many
    sheets were stored."""
    report, facts = check_rows(round_, read_kept(stored))
    if not report.importable:
        raise ImportRefused(report)
    now = utcnow()
    changes = [_store(row, facts, SheetOrigin.PAPER_IMPORT, by, now) for row in report.rows]
    db.session.flush()  # every new sheet gets its id
    # The scores of new sheets in one statement: thousands of rows through the ORM's
    # collection events would take seconds.
    new_scores = [
        {"sheet_id": sheet.id, "criterion_id": criterion_id, "value": value}
        for (sheet, old), row in zip(changes, report.rows, strict=True)
        if old is None
        for criterion_id, value in row.values.items()
    ]
    if new_scores:
        db.session.execute(insert(Score), new_scores)
    for (sheet, old), row in zip(changes, report.rows, strict=True):
        audit.record(
            IMPORT_ACTION,
            sheet,
            old=old,
            new={**_snapshot(sheet, row.values), "file_id": stored.id, "row": row.number},
            actor=by,
        )
    return len(changes)


# --- storing a sheet ---------------------------------------------------------------------


def _snapshot(sheet: ScoreSheet, values: Mapping[int, Decimal] | None = None) -> dict:
    scores = values if values is not None else {s.criterion_id: s.value for s in sheet.scores}
    return {
        "status": sheet.status,
        "origin": sheet.origin,
        "scores": {str(criterion_id): value for criterion_id, value in scores.items()},
        "comment_for_team": sheet.comment_for_team,
    }


def _store(
    row: SheetRow, facts: RoundFacts, origin: str, by: User, now: datetime
) -> tuple[ScoreSheet, dict | None]:
    """Create the sheet, or replace an online draft or an earlier paper sheet. The scores
    of an existing sheet are set here; a new sheet's are the caller's to insert (old is
    None)."""
    key = (row.round_entry.id, row.judge.id)
    sheet = facts.sheets.get(key)
    old = None
    if sheet is None:
        sheet = ScoreSheet(round_entry_id=row.round_entry.id, user_id=row.judge.id, created_at=now)
        db.session.add(sheet)
        facts.sheets[key] = sheet
    else:
        old = _snapshot(sheet)
        sheet.lock_version += 1  # a judge's page still open on the draft is told
        by_criterion = {score.criterion_id: score for score in sheet.scores}
        for criterion_id, value in row.values.items():
            score = by_criterion.get(criterion_id)
            if score is None:
                sheet.scores.append(Score(criterion_id=criterion_id, value=value))
            else:
                score.value = value
    sheet.status = SheetStatus.SUBMITTED
    sheet.origin = origin
    sheet.comment_for_team = row.comment
    sheet.entered_by_id = by.id
    sheet.updated_at = now
    sheet.submitted_at = now
    return sheet, old


# --- one sheet typed by hand -------------------------------------------------------------


def enter_sheet(
    round_: Round,
    *,
    judge_id: int,
    round_entry_id: int,
    values: Mapping[int, object],
    comment: str,
    by: User,
) -> ScoreSheet:
    """Store one paper sheet typed in by an organizer; `values` maps criterion ids to what
    was typed ("8,5")."""
    if results_published(round_):
        raise JudgingError("results_published")
    facts = RoundFacts.load(round_, (), judge_ids=[judge_id])
    if not facts.criteria:
        raise JudgingError("no_rubric")
    judge = next((u for u in facts.judges_by_email.values() if u.id == judge_id), None)
    round_entry = next(
        (re for re in facts.entries_by_code.values() if re.id == round_entry_id), None
    )
    row = SheetRow(number=None, judge=judge, round_entry=round_entry)
    if judge is None:
        row.problems.append(Problem("unknown_judge"))
    if round_entry is None:
        row.problems.append(Problem("unknown_entry"))
    check_pair(row, facts)
    cells = [ReadCell(values.get(criterion.id)) for criterion in facts.criteria]
    check_scores(row, cells, facts, FIXED_COLUMNS)
    check_comment(row, ReadCell(comment), None)
    if row.problems:
        raise SheetRefused(row.problems)
    sheet, old = _store(row, facts, SheetOrigin.PAPER_MANUAL, by, utcnow())
    if old is None:
        for criterion_id, value in row.values.items():
            sheet.scores.append(Score(criterion_id=criterion_id, value=value))
    db.session.flush()
    audit.record(MANUAL_ACTION, sheet, old=old, new=_snapshot(sheet, row.values), actor=by)
    return sheet


@dataclass
class Pair:
    round_entry_id: int
    code: str
    title: str
    replaces: str | None  # "draft" or "paper"


def judges_to_enter(round_: Round) -> list[User]:
    """Judges with published assignments in the round, in Vietnamese name order."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.id.in_(
                    select(JudgeAssignment.user_id)
                    .join(RoundEntry, RoundEntry.id == JudgeAssignment.round_entry_id)
                    .where(
                        RoundEntry.round_id == round_.id,
                        JudgeAssignment.status == AssignmentStatus.PUBLISHED,
                    )
                )
            )
            .order_by(User.name_sort, User.id)
        )
    )


def pairs_to_enter(round_: Round, judge: User) -> list[Pair]:
    """The entries a paper sheet may be entered for this judge: assigned, not in conflict,
    not already submitted online."""
    facts = RoundFacts.load(round_, (), judge_ids=[judge.id])
    pairs = []
    for _code, round_entry in sorted(facts.entries_by_code.items()):
        row = SheetRow(number=None, judge=judge, round_entry=round_entry)
        check_pair(row, facts)
        if row.ok:
            entry = round_entry.entry
            pairs.append(Pair(round_entry.id, entry.code, entry.title, row.replaces))
    return pairs
