"""What the panel pages read: the panel with each judge's load, people to invite, tags."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.db import db
from app.people.models import ExpertiseTag, User
from app.vietnamese import fold
from competitions.models import Round
from judging.models import (
    Conflict,
    ConflictStatus,
    JudgeAssignment,
    PanelMember,
    PanelStatus,
    RoundEntry,
    ScoreSheet,
)

USER_SEARCH_LIMIT = 20


def search_users(text: str, limit: int = USER_SEARCH_LIMIT) -> list[User]:
    """Active accounts whose name (diacritics ignored) or email contains `text`."""
    needle = fold(text or "")
    if len(needle) < 2:
        return []
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.disabled_at.is_(None),
                or_(
                    User.name_folded.contains(needle, autoescape=True),
                    User.email.contains(needle, autoescape=True),
                ),
            )
            .options(joinedload(User.unit), selectinload(User.expertise))
            .order_by(User.name_sort, User.id)
            .limit(limit)
        )
    )


def panel_of(round_: Round) -> list[PanelMember]:
    """Every panel row of the round, active first, then in Vietnamese name order."""
    return list(
        db.session.scalars(
            select(PanelMember)
            .join(User, User.id == PanelMember.user_id)
            .where(PanelMember.round_id == round_.id)
            .options(
                joinedload(PanelMember.user).joinedload(User.unit),
                joinedload(PanelMember.user).selectinload(User.expertise),
                joinedload(PanelMember.pool),
                joinedload(PanelMember.track),
            )
            .order_by(PanelMember.status, User.name_sort, User.id)
        ).unique()
    )


@dataclass
class PanelCounts:
    published: int = 0
    proposed: int = 0
    conflicts: int = 0
    sheets: int = 0


def panel_counts(round_: Round) -> dict[int, PanelCounts]:
    """Per judge (user id): assignments by status, active conflicts and score sheets in the
    round, in three aggregate queries."""
    counts: dict[int, PanelCounts] = {}

    def of(user_id: int) -> PanelCounts:
        return counts.setdefault(user_id, PanelCounts())

    for user_id, status, n in db.session.execute(
        select(JudgeAssignment.user_id, JudgeAssignment.status, func.count())
        .join(RoundEntry, RoundEntry.id == JudgeAssignment.round_entry_id)
        .where(RoundEntry.round_id == round_.id)
        .group_by(JudgeAssignment.user_id, JudgeAssignment.status)
    ):
        setattr(of(user_id), str(status), n)
    for user_id, n in db.session.execute(
        select(Conflict.user_id, func.count())
        .join(RoundEntry, RoundEntry.entry_id == Conflict.entry_id)
        .where(RoundEntry.round_id == round_.id, Conflict.status == ConflictStatus.ACTIVE)
        .group_by(Conflict.user_id)
    ):
        of(user_id).conflicts = n
    for user_id, n in db.session.execute(
        select(ScoreSheet.user_id, func.count())
        .join(RoundEntry, RoundEntry.id == ScoreSheet.round_entry_id)
        .where(RoundEntry.round_id == round_.id)
        .group_by(ScoreSheet.user_id)
    ):
        of(user_id).sheets = n
    return counts


def all_tags() -> list[ExpertiseTag]:
    return list(db.session.scalars(select(ExpertiseTag).order_by(ExpertiseTag.code)))


def panel_member(round_: Round, member_id: int) -> PanelMember | None:
    member = db.session.get(PanelMember, member_id)
    return member if member is not None and member.round_id == round_.id else None


def active_member(round_id: int, user_id: int) -> PanelMember | None:
    """The judge's active panel row in the round, if any."""
    return db.session.scalar(
        select(PanelMember).where(
            PanelMember.round_id == round_id,
            PanelMember.user_id == user_id,
            PanelMember.status == PanelStatus.ACTIVE,
        )
    )


def panel_users(round_: Round, *, active_only: bool = False) -> list[User]:
    """The people on the round's panel, in Vietnamese name order (one query)."""
    query = (
        select(User)
        .join(PanelMember, PanelMember.user_id == User.id)
        .where(PanelMember.round_id == round_.id)
        .order_by(User.name_sort, User.id)
    )
    if active_only:
        query = query.where(PanelMember.status == PanelStatus.ACTIVE)
    return list(db.session.scalars(query))
