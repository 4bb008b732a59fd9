"""Detection of likely conflicts of interest: a judge who is a member or the advisor of an
entry's team, whose school or organisation is the team's or the entry's, or whose unit has
the name of a member's school (a heuristic on typed text, said so in the reason)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from app import audit
from app.db import db
from app.people.models import User
from app.units.models import Unit
from app.vietnamese import fold
from competitions.models import Entry, Round, Team, TeamMember
from judging.models import (
    Conflict,
    ConflictSource,
    ConflictStatus,
    PanelMember,
    PanelStatus,
    RoundEntry,
)
from judging.panels.exclusion import (
    Pair,
    blocked_pairs,
    conflict_snapshot,
    exclude_pairs,
    existing_conflicts,
)


@dataclass
class Detection:
    """What one detection run did: conflicts made, and likely ones it could not record
    because the judge already has a score sheet for the entry."""

    created: list[Conflict] = field(default_factory=list)
    blocked: list[Pair] = field(default_factory=list)


def _links(round_id: int) -> tuple[dict, dict, dict, dict]:
    """Who is tied to which entry of the round: {key: {entry_id, …}} for members and
    advisors (by user id), units (by unit id) and members' schools (by folded name)."""
    by_user: dict[int, set[int]] = defaultdict(set)
    by_advisor: dict[int, set[int]] = defaultdict(set)
    by_unit: dict[int, set[int]] = defaultdict(set)
    by_school: dict[str, set[int]] = defaultdict(set)
    teams = db.session.execute(
        select(Entry.id, Entry.unit_id, Team.unit_id, Team.advisor_id, Team.leader_id)
        .join(RoundEntry, RoundEntry.entry_id == Entry.id)
        .join(Team, Team.id == Entry.team_id)
        .where(RoundEntry.round_id == round_id)
    )
    for entry_id, entry_unit, team_unit, advisor_id, leader_id in teams:
        by_user[leader_id].add(entry_id)
        if advisor_id is not None:
            by_advisor[advisor_id].add(entry_id)
        for unit_id in (entry_unit, team_unit):
            if unit_id is not None:
                by_unit[unit_id].add(entry_id)
    members = db.session.execute(
        select(Entry.id, TeamMember.user_id, TeamMember.school)
        .join(RoundEntry, RoundEntry.entry_id == Entry.id)
        .join(TeamMember, TeamMember.team_id == Entry.team_id)
        .where(RoundEntry.round_id == round_id)
    )
    for entry_id, user_id, school in members:
        by_user[user_id].add(entry_id)
        if school and fold(school):
            by_school[fold(school)].add(entry_id)
    return by_user, by_advisor, by_unit, by_school


def _candidates(round_id: int, user_ids: Iterable[int] | None) -> dict[Pair, str]:
    """Every likely conflict of the round's active panel, with its strongest link."""
    judges = select(User.id, User.unit_id, Unit.name).join(
        PanelMember, PanelMember.user_id == User.id
    )
    judges = judges.outerjoin(Unit, Unit.id == User.unit_id).where(
        PanelMember.round_id == round_id, PanelMember.status == PanelStatus.ACTIVE
    )
    if user_ids is not None:
        judges = judges.where(User.id.in_(set(user_ids)))
    judge_rows = db.session.execute(judges).all()
    if not judge_rows:
        return {}
    by_user, by_advisor, by_unit, by_school = _links(round_id)
    found: dict[Pair, str] = {}
    for user_id, unit_id, unit_name in judge_rows:
        links = (
            ("member", by_user.get(user_id, ())),
            ("advisor", by_advisor.get(user_id, ())),
            ("same_unit", by_unit.get(unit_id, ()) if unit_id is not None else ()),
            ("same_school", by_school.get(fold(unit_name), ()) if unit_name else ()),
        )
        for code, entry_ids in links:
            for entry_id in entry_ids:
                found.setdefault((user_id, entry_id), code)
    return found


def detect_conflicts(
    round_: Round, *, user_ids: Iterable[int] | None = None, by: User | None = None
) -> Detection:
    """Record the likely conflicts of the round's active panel (or of `user_ids` only): a
    judge who is a member or the advisor of an entry's team, whose unit is the team's or
    the entry's, or whose unit has the name of a member's school (a guess, said so in the
    reason). A pair that already has a conflict row, whatever its status, is left alone:
    nothing is doubled and an overridden conflict stays overridden. Pairs where the judge
    already has a score sheet are not recorded but reported in `blocked`."""
    found = _candidates(round_.id, user_ids)
    existing = existing_conflicts(set(found))
    fresh = {pair: code for pair, code in found.items() if pair not in existing}
    result = Detection(blocked=sorted(blocked_pairs(fresh)))
    for pair in result.blocked:
        del fresh[pair]
    exclude_pairs(set(fresh), by=by)
    for (user_id, entry_id), code in sorted(fresh.items()):
        conflict = Conflict(
            user_id=user_id,
            entry_id=entry_id,
            source=ConflictSource.DETECTED,
            status=ConflictStatus.ACTIVE,
            reason=code,
            created_by_id=by.id if by else None,
        )
        db.session.add(conflict)
        result.created.append(conflict)
    db.session.flush()
    for conflict in result.created:
        audit.record("judging.conflict_detect", conflict, new=conflict_snapshot(conflict), actor=by)
    return result
