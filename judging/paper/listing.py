"""The paper sheets of a round, as the paper page lists them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.db import db
from app.people.models import User
from competitions.models import Entry, Round
from judging.models import (
    RoundEntry,
    ScoreSheet,
)
from judging.paper.checks import PAPER_ORIGINS

# --- the paper sheets of a round ---------------------------------------------------------

PAPER_LIST_LIMIT = 200


@dataclass
class PaperSheet:
    sheet: ScoreSheet
    judge: User
    code: str
    title: str
    entered_by: User | None


def paper_sheets(round_: Round) -> tuple[list[PaperSheet], int]:
    """The latest paper sheets of the round (at most PAPER_LIST_LIMIT) and how many there are."""
    judge = aliased(User)
    entered_by = aliased(User)
    where = (RoundEntry.round_id == round_.id, ScoreSheet.origin.in_(PAPER_ORIGINS))
    total = db.session.scalar(
        select(func.count(ScoreSheet.id))
        .join(RoundEntry, RoundEntry.id == ScoreSheet.round_entry_id)
        .where(*where)
    )
    rows = db.session.execute(
        select(ScoreSheet, judge, Entry.code, Entry.title, entered_by)
        .join(RoundEntry, RoundEntry.id == ScoreSheet.round_entry_id)
        .join(Entry, Entry.id == RoundEntry.entry_id)
        .join(judge, judge.id == ScoreSheet.user_id)
        .outerjoin(entered_by, entered_by.id == ScoreSheet.entered_by_id)
        .where(*where)
        .order_by(ScoreSheet.updated_at.desc(), ScoreSheet.id.desc())
        .limit(PAPER_LIST_LIMIT)
    ).all()
    return [PaperSheet(*row) for row in rows], total or 0
