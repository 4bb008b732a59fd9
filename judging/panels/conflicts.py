"""Conflicts of interest: what judges declare, what organizers recuse or override (the
system's detection is in `detection`). An ACTIVE conflict is a hard exclusion: the pair is
never assigned and the judge never opens the entry.

Other topics ask two questions here: `active_conflict_pairs(round_id)` (one query, for the
assignment optimiser and for pages listing many entries) and `has_conflict(user_id, entry_id)`
(for one score sheet).

Adding an active conflict drops the pair's assignments in every round of the entry (a
proposed one always; a published one only while the judge has no score sheet for it). When a
sheet exists the change is refused: an organizer must deal with the sheet first (see
`exclusion`). Services change the session and flush; the request commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload

from app import audit
from app.db import db, utcnow
from app.people.models import User
from competitions.models import Entry, Round, Team, TeamMember
from judging.common import JudgingError, refuse_if
from judging.models import (
    Conflict,
    ConflictSource,
    ConflictStatus,
    PanelMember,
    PanelStatus,
    RoundEntry,
)
from judging.panels.detection import Detection, detect_conflicts  # noqa: F401 (found here too)
from judging.panels.exclusion import (
    Pair,
    SheetInTheWay,  # noqa: F401 (raised from here; callers catch it from this module)
    blocked_pairs,  # noqa: F401
    conflict_snapshot,
    exclude_pairs,
    existing_conflicts,
)

MIN_REASON_LENGTH = 10  # an organizer's override or recusal
MIN_DECLARE_REASON_LENGTH = 3  # a judge's own words: short is fine
MAX_REASON_LENGTH = 500

# What detection found, strongest first: a pair gets the first link that holds.
DETECTED_REASONS = {
    "member": _l("The judge is a member of the team."),
    "advisor": _l("The judge is the team's advisor."),
    "same_unit": _l("The judge's school or organisation is the team's or the entry's."),
    "same_school": _l(
        "A member's school has the same name as the judge's unit (a guess from the names: "
        "check it)."
    ),
}
SOURCE_LABELS = {
    ConflictSource.DECLARED: _l("declared by the judge"),
    ConflictSource.DETECTED: _l("detected"),
    ConflictSource.ORGANIZER: _l("recused by an organizer"),
}
STATUS_LABELS = {
    ConflictStatus.ACTIVE: _l("active"),
    ConflictStatus.OVERRIDDEN: _l("overridden"),
}


def reason_text(conflict: Conflict) -> str:
    """The reason as people read it: detected links are codes, the rest is typed text."""
    if conflict.source == ConflictSource.DETECTED and conflict.reason in DETECTED_REASONS:
        return str(DETECTED_REASONS[conflict.reason])
    return conflict.reason


# --- questions other topics ask -------------------------------------------------------------


def active_conflict_pairs(round_id: int) -> set[Pair]:
    """(user_id, entry_id) of every ACTIVE conflict on an entry of the round, in one query."""
    rows = db.session.execute(
        select(Conflict.user_id, Conflict.entry_id)
        .join(RoundEntry, RoundEntry.entry_id == Conflict.entry_id)
        .where(RoundEntry.round_id == round_id, Conflict.status == ConflictStatus.ACTIVE)
    )
    return {(user_id, entry_id) for user_id, entry_id in rows}


def has_conflict(user_id: int, entry_id: int) -> bool:
    """Whether an ACTIVE conflict keeps this judge away from this entry."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Conflict.user_id == user_id,
                    Conflict.entry_id == entry_id,
                    Conflict.status == ConflictStatus.ACTIVE,
                )
            )
        )
    )


# --- a judge declares -----------------------------------------------------------------------


def entries_in_scope(member: PanelMember) -> list[RoundEntry]:
    """The entries of the round this judge's scope covers, with what the declaration page
    shows of each (team, unit, members, advisor), in a fixed number of queries."""
    query = (
        select(RoundEntry)
        .join(Entry, Entry.id == RoundEntry.entry_id)
        .where(RoundEntry.round_id == member.round_id)
        .options(
            joinedload(RoundEntry.entry).joinedload(Entry.unit),
            joinedload(RoundEntry.entry).joinedload(Entry.team).joinedload(Team.unit),
            joinedload(RoundEntry.entry).joinedload(Entry.team).joinedload(Team.advisor),
            joinedload(RoundEntry.entry)
            .joinedload(Entry.team)
            .selectinload(Team.members)
            .load_only(TeamMember.full_name, TeamMember.team_id),
        )
        .order_by(Entry.code, Entry.id)
    )
    if member.pool_id is not None:
        query = query.where(RoundEntry.pool_id == member.pool_id)
    if member.track_id is not None:
        query = query.where(Entry.track_id == member.track_id)
    return list(db.session.scalars(query).unique())


def conflicts_of(user_id: int, entry_ids: Iterable[int]) -> dict[int, Conflict]:
    """This judge's conflict rows on these entries, by entry id (any status)."""
    ids = set(entry_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Conflict).where(Conflict.user_id == user_id, Conflict.entry_id.in_(ids))
    )
    return {c.entry_id: c for c in rows}


def declare_conflicts(member: PanelMember, reasons: dict[int, str], *, by: User) -> list[Conflict]:
    """The judge confirms their conflicts: `reasons` maps each ticked entry id to the
    judge's short reason. New conflicts are recorded (an overridden one becomes active
    again: the judge's own word wins), active ones stay as they are, and the declaration is
    marked done, which lets the judge open the entries of the round.

    Refused, before any change: an entry outside the judge's scope (not_in_scope), a
    reason too short or too long (reason_required, reason_too_long), an entry the judge
    already has a score sheet for (has_sheet)."""
    if by.id != member.user_id or member.status != PanelStatus.ACTIVE:
        raise JudgingError("not_on_panel")
    in_scope = {row.entry_id for row in entries_in_scope(member)}
    existing = conflicts_of(member.user_id, reasons)
    # An entry already under an active conflict stays as it is: nothing to say about it.
    cleaned = {
        entry_id: " ".join((text or "").split())
        for entry_id, text in reasons.items()
        if entry_id not in existing or not existing[entry_id].is_active
    }
    problems = []
    if set(reasons) - in_scope:
        problems.append("not_in_scope")
    if any(len(text) < MIN_DECLARE_REASON_LENGTH for text in cleaned.values()):
        problems.append("reason_required")
    if any(len(text) > MAX_REASON_LENGTH for text in cleaned.values()):
        problems.append("reason_too_long")
    refuse_if(problems)
    to_activate = set(cleaned)
    exclude_pairs({(member.user_id, entry_id) for entry_id in to_activate}, by=by)
    changed = []
    for entry_id in sorted(to_activate):
        conflict = existing.get(entry_id)
        old = conflict_snapshot(conflict) if conflict is not None else None
        if conflict is None:
            conflict = Conflict(user_id=member.user_id, entry_id=entry_id, created_by_id=by.id)
            db.session.add(conflict)
        conflict.source = ConflictSource.DECLARED
        conflict.status = ConflictStatus.ACTIVE
        conflict.reason = cleaned[entry_id]
        conflict.override_reason = None
        conflict.overridden_by_id = None
        conflict.overridden_at = None
        changed.append((conflict, old))
    db.session.flush()
    for conflict, old in changed:
        audit.record(
            "judging.conflict_declare", conflict, old=old, new=conflict_snapshot(conflict), actor=by
        )
    old_declared = member.conflicts_declared_at
    member.conflicts_declared_at = utcnow()
    db.session.flush()
    audit.record(
        "judging.conflicts_declared",
        member,
        old={"conflicts_declared_at": old_declared},
        new={
            "conflicts_declared_at": member.conflicts_declared_at,
            "entries": sorted(to_activate),
        },
        actor=by,
    )
    return [conflict for conflict, _ in changed]


# --- organizers ----------------------------------------------------------------------------


def _round_entry_ids(round_id: int) -> set[int]:
    return set(
        db.session.scalars(select(RoundEntry.entry_id).where(RoundEntry.round_id == round_id))
    )


def recuse(round_: Round, judge: User, entry: Entry, reason: str, *, by: User) -> Conflict:
    """An organizer keeps a judge away from an entry of the round. An overridden conflict
    for the pair becomes active again with this reason; an active one is refused
    (already_active)."""
    reason = " ".join((reason or "").split())
    problems = []
    if entry.id not in _round_entry_ids(round_.id):
        problems.append("entry_not_in_round")
    if len(reason) < MIN_REASON_LENGTH:
        problems.append("reason_required")
    elif len(reason) > MAX_REASON_LENGTH:
        problems.append("reason_too_long")
    conflict = existing_conflicts({(judge.id, entry.id)}).get((judge.id, entry.id))
    if conflict is not None and conflict.is_active:
        problems.append("already_active")
    refuse_if(problems)
    exclude_pairs({(judge.id, entry.id)}, by=by)
    old = conflict_snapshot(conflict) if conflict is not None else None
    if conflict is None:
        conflict = Conflict(user_id=judge.id, entry_id=entry.id, created_by_id=by.id)
        db.session.add(conflict)
    conflict.source = ConflictSource.ORGANIZER
    conflict.status = ConflictStatus.ACTIVE
    conflict.reason = reason
    conflict.override_reason = None
    conflict.overridden_by_id = None
    conflict.overridden_at = None
    db.session.flush()
    audit.record(
        "judging.conflict_recuse", conflict, old=old, new=conflict_snapshot(conflict), actor=by
    )
    return conflict


def override(conflict: Conflict, reason: str, *, by: User) -> None:
    """An organizer judges an active conflict harmless; the reason is kept and audited."""
    reason = " ".join((reason or "").split())
    problems = []
    if not conflict.is_active:
        problems.append("not_active")
    if len(reason) < MIN_REASON_LENGTH:
        problems.append("reason_required")
    elif len(reason) > MAX_REASON_LENGTH:
        problems.append("reason_too_long")
    refuse_if(problems)
    old = conflict_snapshot(conflict)
    conflict.status = ConflictStatus.OVERRIDDEN
    conflict.override_reason = reason
    conflict.overridden_by_id = by.id
    conflict.overridden_at = utcnow()
    db.session.flush()
    audit.record(
        "judging.conflict_override", conflict, old=old, new=conflict_snapshot(conflict), actor=by
    )


def reactivate(conflict: Conflict, *, by: User) -> None:
    """An overridden conflict becomes a hard exclusion again (refused while the judge has
    a score sheet for the entry)."""
    refuse_if(["already_active"] if conflict.is_active else [])
    exclude_pairs({(conflict.user_id, conflict.entry_id)}, by=by)
    old = conflict_snapshot(conflict)
    conflict.status = ConflictStatus.ACTIVE
    conflict.override_reason = None
    conflict.overridden_by_id = None
    conflict.overridden_at = None
    db.session.flush()
    audit.record(
        "judging.conflict_reactivate", conflict, old=old, new=conflict_snapshot(conflict), actor=by
    )


def round_conflict(round_: Round, conflict_id: int) -> Conflict | None:
    """The conflict, if it is on an entry of this round."""
    return db.session.scalar(
        select(Conflict)
        .join(RoundEntry, RoundEntry.entry_id == Conflict.entry_id)
        .where(Conflict.id == conflict_id, RoundEntry.round_id == round_.id)
    )


@dataclass
class ConflictFilters:
    user_id: int | None = None
    source: str | None = None
    status: str | None = None


def round_conflicts(round_: Round, filters: ConflictFilters) -> list[Conflict]:
    """The conflicts on the round's entries, with judge and entry, in one query (two with
    the judges' roles)."""
    query = (
        select(Conflict)
        .join(RoundEntry, RoundEntry.entry_id == Conflict.entry_id)
        .join(User, User.id == Conflict.user_id)
        .join(Entry, Entry.id == Conflict.entry_id)
        .where(RoundEntry.round_id == round_.id)
        .options(
            joinedload(Conflict.user).joinedload(User.unit),
            joinedload(Conflict.entry).joinedload(Entry.team),
        )
        .order_by(User.name_sort, User.id, Entry.code, Entry.id)
    )
    if filters.user_id:
        query = query.where(Conflict.user_id == filters.user_id)
    if filters.source:
        query = query.where(Conflict.source == filters.source)
    if filters.status:
        query = query.where(Conflict.status == filters.status)
    return list(db.session.scalars(query).unique())


def entry_by_code(round_: Round, code: str) -> Entry | None:
    """An entry of the round by its code, typed in any case."""
    code = (code or "").strip().upper()
    if not code:
        return None
    return db.session.scalar(
        select(Entry)
        .join(RoundEntry, RoundEntry.entry_id == Entry.id)
        .where(RoundEntry.round_id == round_.id, func.upper(Entry.code) == code)
    )
