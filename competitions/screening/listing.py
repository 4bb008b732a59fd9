"""The organizers' list of a competition's entries: filters, search, counts and pages.

Every page loads in a fixed number of queries whatever the number of entries: one for
the total, one for the page (team, leader, track and unit joined in), one GROUP BY for
the counts per unit and one for the counts per track. The export loads every matching
entry the same way, with the members in one more query.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from app.db import db
from app.people.models import User
from app.units.models import Unit
from app.vietnamese import collation_key, fold
from competitions.models import Competition, Entry, EntryStatus, Pool, Round, Team, Track

PER_PAGE = 50


@dataclass
class EntryFilters:
    """The filters chosen on the list, already resolved to rows of this competition."""

    round: Round | None = None
    pool: Pool | None = None
    unit: Unit | None = None
    track: Track | None = None
    status: str | None = None
    q: str = ""


@dataclass
class Count:
    id: int | None
    name: str | None
    n: int


def shown_to_organizers() -> ColumnElement[bool]:
    """Drafts are the team's until submitted, so organizers never see them; withdrawn
    entries are shown, except a draft withdrawn before it was ever submitted."""
    return (Entry.status != EntryStatus.DRAFT) & or_(
        Entry.status != EntryStatus.WITHDRAWN,
        Entry.code.is_not(None),
        Entry.submitted_at.is_not(None),
    )


def _under(unit: Unit) -> ColumnElement[bool]:
    """Entries counting for `unit` or a unit below it (materialised path prefix)."""
    below = aliased(Unit)
    return Entry.unit_id.in_(
        select(below.id).where(below.path.startswith(unit.path, autoescape=True)).correlate(None)
    )


def _search(needle: str) -> ColumnElement[bool]:
    """Title, code, team name or leader name containing `needle`, ignoring diacritics
    and case. `autoescape` makes % and _ plain characters."""
    team = aliased(Team)
    leader = aliased(User)
    team_ids = select(team.id).where(team.name_folded.contains(needle, autoescape=True))
    led_ids = (
        select(team.id)
        .join(leader, team.leader_id == leader.id)
        .where(leader.name_folded.contains(needle, autoescape=True))
    )
    return or_(
        Entry.title_folded.contains(needle, autoescape=True),
        func.lower(Entry.code).contains(needle, autoescape=True),
        Entry.team_id.in_(team_ids.correlate(None)),
        Entry.team_id.in_(led_ids.correlate(None)),
    )


def conditions(competition: Competition, filters: EntryFilters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        Entry.competition_id == competition.id,
        shown_to_organizers(),
    ]
    first = competition.first_round
    if filters.round is not None and (first is None or filters.round.id != first.id):
        # Entries enter later rounds only when the judging feature advances them.
        where.append(false())
    if filters.pool is not None:
        if filters.pool.track_id is not None:
            where.append(Entry.track_id == filters.pool.track_id)
        if filters.pool.unit is not None:
            where.append(_under(filters.pool.unit))
    if filters.unit is not None:
        where.append(_under(filters.unit))
    if filters.track is not None:
        where.append(Entry.track_id == filters.track.id)
    if filters.status:
        where.append(Entry.status == filters.status)
    needle = fold(filters.q or "")
    if needle:
        where.append(_search(needle))
    return where


def entry_page(
    competition: Competition, filters: EntryFilters, page: int
) -> tuple[list[Entry], int]:
    """One page of entries sorted by code, then title, and the total matching."""
    where = conditions(competition, filters)
    total = db.session.scalar(select(func.count(Entry.id)).where(*where)) or 0
    query = _listed(where).limit(PER_PAGE).offset((max(page, 1) - 1) * PER_PAGE)
    return list(db.session.scalars(query).unique()), total


def all_entries(competition: Competition, filters: EntryFilters) -> list[Entry]:
    """Every entry the list shows with these filters, all pages, in the list's order, with
    the team's members too (for the export): two queries."""
    query = _listed(conditions(competition, filters)).options(
        joinedload(Entry.team).selectinload(Team.members)
    )
    return list(db.session.scalars(query).unique())


def _listed(where: list[ColumnElement[bool]]) -> Select:
    """The entries matching `where` sorted by code, then title, with what a row shows."""
    return (
        select(Entry)
        .where(*where)
        .options(
            joinedload(Entry.team).joinedload(Team.leader),
            joinedload(Entry.track),
            joinedload(Entry.unit),
        )
        .order_by(Entry.code.is_(None), Entry.code, Entry.title_folded, Entry.id)
    )


def counts_by_unit(competition: Competition, filters: EntryFilters) -> list[Count]:
    """Entries per unit (the team's school or organisation), in Vietnamese order."""
    named = aliased(Unit)
    rows = db.session.execute(
        select(Entry.unit_id, named.name, func.count(Entry.id))
        .outerjoin(named, Entry.unit_id == named.id)
        .where(*conditions(competition, filters))
        .group_by(Entry.unit_id, named.name)
    ).all()
    counts = [Count(unit_id, name, n) for unit_id, name, n in rows]
    return sorted(counts, key=lambda c: (c.name is None, collation_key(c.name or "")))


def counts_by_track(competition: Competition, filters: EntryFilters) -> list[Count]:
    named = aliased(Track)
    rows = db.session.execute(
        select(named.id, named.name, func.count(Entry.id))
        .join(named, Entry.track_id == named.id)
        .where(*conditions(competition, filters))
        .group_by(named.id, named.name, named.position)
        .order_by(named.position, named.id)
    ).all()
    return [Count(track_id, name, n) for track_id, name, n in rows]


def units_with_entries(competition: Competition) -> list[Unit]:
    """The units the competition's entries count for, with their ancestors, in tree
    order: the choices of the unit filter (two queries)."""
    paths = db.session.scalars(
        select(Unit.path)
        .join(Entry, Entry.unit_id == Unit.id)
        .where(Entry.competition_id == competition.id, shown_to_organizers())
        .distinct()
    ).all()
    ids = {int(part) for path in paths for part in path.strip("/").split("/") if part}
    if not ids:
        return []
    return list(db.session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.path)))
