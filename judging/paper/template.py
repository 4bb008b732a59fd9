"""The workbook organizers download to copy paper sheets into: one row per judge × entry
still waiting for a sheet, headings and the guide in the reader's language."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import aliased, selectinload

from app.db import db
from app.formatting import format_number
from app.people.models import User
from competitions.models import Entry, Round
from judging.common import criteria_of, plain_number
from judging.models import (
    AssignmentStatus,
    Conflict,
    ConflictStatus,
    JudgeAssignment,
    RoundEntry,
    ScoreSheet,
    SheetOrigin,
    SheetStatus,
)
from judging.paper import workbook
from judging.paper.checks import score_step
from judging.paper.workbook import (
    CriterionColumn,
    TemplateTexts,
)

# --- the template ------------------------------------------------------------------------


def template_rows(round_: Round) -> list[list[object]]:
    """Judge × entry pairs still waiting for a sheet: published, not conflicted, without a
    sheet submitted online. Earlier paper sheets are filled in, to be corrected."""
    criteria = criteria_of(round_.id)
    judge = aliased(User)
    pairs = db.session.execute(
        select(judge, RoundEntry, Entry)
        .select_from(JudgeAssignment)
        .join(judge, judge.id == JudgeAssignment.user_id)
        .join(RoundEntry, RoundEntry.id == JudgeAssignment.round_entry_id)
        .join(Entry, Entry.id == RoundEntry.entry_id)
        .where(
            RoundEntry.round_id == round_.id,
            JudgeAssignment.status == AssignmentStatus.PUBLISHED,
            Entry.code.is_not(None),
            ~select(Conflict.id)
            .where(
                Conflict.user_id == JudgeAssignment.user_id,
                Conflict.entry_id == RoundEntry.entry_id,
                Conflict.status == ConflictStatus.ACTIVE,
            )
            .exists(),
        )
        .order_by(judge.name_sort, judge.id, Entry.code)
    ).all()
    sheets = {
        (s.round_entry_id, s.user_id): s
        for s in db.session.scalars(
            select(ScoreSheet)
            .join(RoundEntry, RoundEntry.id == ScoreSheet.round_entry_id)
            .where(RoundEntry.round_id == round_.id)
            .options(selectinload(ScoreSheet.scores))
        )
    }
    rows = []
    for user, round_entry, entry in pairs:
        sheet = sheets.get((round_entry.id, user.id))
        if sheet is not None and sheet.origin == SheetOrigin.ONLINE:
            if sheet.status == SheetStatus.SUBMITTED:
                continue
            sheet = None  # a judge's draft is theirs: not copied into the workbook
        values: list[object] = [None] * len(criteria)
        comment = ""
        if sheet is not None:
            by_criterion = {s.criterion_id: s.value for s in sheet.scores}
            values = [plain_number(by_criterion.get(c.id)) for c in criteria]
            comment = sheet.comment_for_team
        rows.append([user.email, user.full_name, entry.code, entry.title, *values, comment])
    return rows


def template_bytes(round_: Round) -> bytes:
    criteria = criteria_of(round_.id)
    step = score_step(round_)
    columns = [
        CriterionColumn(
            _("%(name)s (max %(max)s)", name=c.name, max=format_number(c.max_score)),
            c.max_score,
        )
        for c in criteria
    ]
    texts = TemplateTexts(
        sheet_title=_("Scores"),
        fixed_headers=[_("Judge email"), _("Judge name"), _("Entry code"), _("Entry title")],
        comment_header=_("Comment for the team"),
        guide_title=_("Guide"),
        guide_lines=[
            _("Paper score sheets: %(round)s — %(competition)s", round=round_.name,
              competition=round_.competition.title),
            _("One row per judge and entry. Do not change the judge email, the entry code "
              "or the column headings."),
            _("Type each score as a number between 0 and the criterion's maximum, in steps "
              "of %(step)s (8,5 and 8.5 are both accepted). Do not type formulas.",
              step=format_number(step)),
            _("Leave a row empty to skip it. A row with some scores needs all of them."),
            _("Sheets a judge has already submitted online are not listed and cannot be "
              "overwritten."),
        ],
        guide_headers=[_("Criterion"), _("Maximum"), _("Step"), _("Weight")],
        value_error_title=_("Score out of range"),
        value_error=_("A score is a number between 0 and the criterion's maximum."),
        header_note=_("Scores: 0 to the maximum in the heading, in steps of %(step)s.",
                      step=format_number(step)),
    )  # fmt: skip
    guide_rows = [
        [c.name, plain_number(c.max_score), plain_number(step), plain_number(c.weight)]
        for c in criteria
    ]
    return workbook.build_template(texts, columns, guide_rows, template_rows(round_))
