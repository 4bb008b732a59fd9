"""What the participant dashboard shows: my teams, my entries with their timeline, and the
open competitions I could enter, each loaded in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.db import db
from app.people.models import User
from competitions.entries.services import submission_deadline, window_state
from competitions.models import (
    Competition,
    CompetitionStatus,
    Entry,
    EntryStatus,
    EntryVersion,
    Team,
    TeamMember,
)


@dataclass(frozen=True)
class Step:
    """One line of an entry's status timeline."""

    label: str
    at: datetime | None
    note: str | None = None
    kind: str = "info"  # a Bootstrap colour name


def my_teams(user: User) -> list[Team]:
    """Teams I belong to or advise, with their members."""
    member_of = select(TeamMember.team_id).where(TeamMember.user_id == user.id)
    return list(
        db.session.scalars(
            select(Team)
            .where(or_(Team.id.in_(member_of), Team.advisor_id == user.id))
            .options(selectinload(Team.members), joinedload(Team.unit))
            .order_by(Team.name_folded, Team.id)
        ).unique()
    )


def entries_of(teams: list[Team]) -> list[Entry]:
    """The teams' entries, newest first, with what their cards show."""
    if not teams:
        return []
    return list(
        db.session.scalars(
            select(Entry)
            .where(Entry.team_id.in_([team.id for team in teams]))
            .options(
                joinedload(Entry.competition).selectinload(Competition.rounds),
                joinedload(Entry.track),
                selectinload(Entry.versions),
            )
            .order_by(Entry.created_at.desc(), Entry.id.desc())
        ).unique()
    )


def open_competitions(now: datetime) -> list[Competition]:
    """Competitions taking entries whose window has not closed, soonest deadline first."""
    found = db.session.scalars(
        select(Competition)
        .where(Competition.status == CompetitionStatus.OPEN)
        .options(
            selectinload(Competition.rounds),
            selectinload(Competition.tracks),
            joinedload(Competition.owner_unit),
        )
    ).unique()
    still_open = [c for c in found if window_state(c, now) != "closed"]
    return sorted(
        still_open,
        key=lambda c: (submission_deadline(c) is None, submission_deadline(c) or now, c.id),
    )


def teams_free_for(
    competition: Competition, teams: list[Team], entries: list[Entry], user: User
) -> list[Team]:
    """My teams (as a member) that have no entry standing in `competition`."""
    taken = {
        entry.team_id
        for entry in entries
        if entry.competition_id == competition.id and entry.status != EntryStatus.WITHDRAWN
    }
    return [
        team
        for team in teams
        if team.id not in taken and any(m.user_id == user.id for m in team.members)
    ]


def timeline(entry: Entry) -> list[Step]:
    """Created → each version submitted → screening result → withdrawn."""
    steps = [Step(_("Started"), entry.created_at, kind="secondary")]
    for version in entry.versions:
        steps.append(_version_step(version))
    if entry.status in (EntryStatus.ACCEPTED, EntryStatus.REJECTED):
        accepted = entry.status == EntryStatus.ACCEPTED
        steps.append(
            Step(
                _("Accepted after screening") if accepted else _("Not accepted after screening"),
                entry.reviewed_at,
                note=entry.review_reason,
                kind="success" if accepted else "danger",
            )
        )
    if entry.status == EntryStatus.WITHDRAWN:
        steps.append(Step(_("Withdrawn"), entry.withdrawn_at, kind="dark"))
    return steps


def _version_step(version: EntryVersion) -> Step:
    label = _("Version %(number)s submitted", number=version.number)
    note = _("entered by the organizers from a paper submission") if version.is_paper else None
    return Step(label, version.submitted_at, note=note, kind="primary")
