"""Paper submissions: rural students may hand in their project on paper, and an
organizer types it in on the team's behalf. The entry and its version are marked as
paper, and the submission window is checked at the time the paper was received.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import audit
from app.auth.services import find_user
from app.db import db
from app.people.models import Role, User
from app.people.services import create_account
from app.units.models import Unit, UnitLevel
from app.vietnamese import fold
from competitions.entries.services import (
    EntryContent,
    EntryError,
    active_entry_of,
    save_entry,
)
from competitions.entries.submission import submit_entry
from competitions.models import (
    Competition,
    Entry,
    EntryStatus,
    EntryVersion,
    Team,
    TeamMember,
    Track,
)

TEAM_SEARCH_LIMIT = 20


class PaperError(Exception):
    """A paper submission the rules refuse; `reason` says which rule."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class NewTeam:
    """A team known only from its paper form: its name and its leader's."""

    name: str
    leader_name: str
    leader_email: str
    leader_phone: str | None = None
    unit: Unit | None = None


def search_teams(text: str, limit: int = TEAM_SEARCH_LIMIT) -> list[Team]:
    """Teams whose name contains `text`, ignoring diacritics, with leader and unit."""
    needle = fold(text or "")
    if not needle:
        return []
    return list(
        db.session.scalars(
            select(Team)
            .where(Team.name_folded.contains(needle, autoescape=True))
            .options(joinedload(Team.leader), joinedload(Team.unit))
            .order_by(Team.name_folded, Team.id)
            .limit(limit)
        )
    )


def organisation_units() -> list[Unit]:
    """Schools and organisations a team may represent, in tree order."""
    return list(
        db.session.scalars(
            select(Unit)
            .join(UnitLevel, Unit.level_id == UnitLevel.id)
            .where(UnitLevel.is_organisation.is_(True))
            .order_by(Unit.path)
        )
    )


def leader_account(new: NewTeam, *, actor: User) -> tuple[User, bool]:
    """The leader's account: the existing one for a known email, else a new
    participant account whose owner gets an activation link. True when created."""
    existing = find_user(new.leader_email)
    if existing is not None:
        return existing, False
    user = create_account(
        full_name=new.leader_name,
        email=new.leader_email,
        phone=new.leader_phone,
        roles=[Role.PARTICIPANT],
        unit=new.unit,
        actor=actor,
    )
    return user, True


def create_paper_team(new: NewTeam, *, actor: User) -> tuple[Team, bool]:
    """A team made from a paper form, led by its leader's (possibly new) account."""
    if new.unit is not None and not new.unit.level.is_organisation:
        raise PaperError("unit_not_organisation")
    leader, created = leader_account(new, actor=actor)
    team = Team(name=new.name, leader=leader, unit=new.unit)
    team.members.append(
        TeamMember(
            user=leader,
            full_name=" ".join(new.leader_name.split()),
            phone=new.leader_phone or None,
            school=new.unit.name if new.unit is not None else None,
        )
    )
    db.session.add(team)
    db.session.flush()
    audit.record(
        "team.create_paper",
        team,
        new={"name": team.name, "unit_id": team.unit_id, "leader_id": leader.id},
        actor=actor,
    )
    return team, created


def enter_paper_submission(
    competition: Competition,
    team: Team,
    track: Track,
    content: EntryContent,
    *,
    received_at: datetime,
    by: User,
) -> EntryVersion:
    """Create the entry, fill it in and submit it as received at `received_at` (UTC).

    The rules are the entries feature's, applied at the time the paper was received
    rather than now: a team keeps one active entry per competition, `save_entry` checks
    the content and stores the files, `submit_entry` checks the window and the team,
    gives the confirmation code, makes the version (marked as paper) and emails the
    receipt. Raises EntryError; the caller rolls the request back."""
    if track.competition_id != competition.id:
        raise EntryError("bad_track")
    # Serialise entries of one team, as the team's own start does.
    db.session.execute(select(Team.id).where(Team.id == team.id).with_for_update())
    existing = active_entry_of(team, competition)
    if existing is not None:
        raise EntryError("team_has_entry", entry=existing)
    entry = Entry(
        competition=competition,
        track=track,
        team=team,
        unit_id=team.unit_id,
        title=content.title,
        status=EntryStatus.DRAFT,
        is_paper=True,
        created_by_id=by.id,
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(
        "entry.paper",
        entry,
        new={"team_id": team.id, "track": track.code, "received_at": received_at},
        actor=by,
    )
    save_entry(entry, content, by=by, lock_version=entry.lock_version, now=received_at)
    return submit_entry(entry, by=by, paper=True, now=received_at)
