"""Reading teams for the pages: each function loads what its page shows in a fixed
number of statements, however many teams, members or invitations there are."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from app.db import db, utcnow
from app.localtime import local_today
from app.people.models import User
from app.units.models import Unit, UnitLevel
from app.units.queries import build_forest
from app.vietnamese import collation_key
from competitions.models import Team, TeamInvitation, TeamMember


def team_for_page(team_id: int) -> Team | None:
    return db.session.scalar(
        select(Team)
        .where(Team.id == team_id)
        .options(
            selectinload(Team.members).joinedload(TeamMember.user),
            joinedload(Team.leader),
            joinedload(Team.advisor),
            joinedload(Team.unit),
        )
    )


def open_invitations(team: Team) -> list[TeamInvitation]:
    """Invitations nobody has answered yet, expired ones included (the leader may send
    those again), oldest first."""
    return list(
        db.session.scalars(
            select(TeamInvitation)
            .where(TeamInvitation.team_id == team.id, TeamInvitation.response.is_(None))
            .order_by(TeamInvitation.created_at, TeamInvitation.id)
        )
    )


def teams_of(user: User) -> list[Team]:
    """Teams where `user` is a member or the advisor, in Vietnamese alphabetical order."""
    as_member = select(TeamMember.team_id).where(TeamMember.user_id == user.id)
    teams = db.session.scalars(
        select(Team)
        .where(or_(Team.id.in_(as_member), Team.advisor_id == user.id))
        .options(
            selectinload(Team.members),
            joinedload(Team.leader),
            joinedload(Team.advisor),
            joinedload(Team.unit),
        )
    ).unique()
    return sorted(teams, key=lambda team: (collation_key(team.name), team.id))


def invitations_to(user: User) -> list[TeamInvitation]:
    """Pending invitations sent to the user's address (answered through the emailed link)."""
    return list(
        db.session.scalars(
            select(TeamInvitation)
            .where(
                TeamInvitation.email == user.email,
                TeamInvitation.response.is_(None),
                TeamInvitation.expires_at > utcnow(),
            )
            .options(joinedload(TeamInvitation.team), joinedload(TeamInvitation.invited_by))
            .order_by(TeamInvitation.created_at)
        )
    )


@dataclass
class UnitOptions:
    """Options of the "school or organisation" select: the administrative units above
    them are shown, disabled, so that the indentation reads as the tree."""

    choices: list[SelectChoice] = field(default_factory=list)
    selectable: set[int] = field(default_factory=set)


def organisation_units(keep: Unit | None = None) -> UnitOptions:
    """Current units whose level is a school or an organisation, in tree order; `keep`
    (the team's unit, which may since have ceased to exist) is offered too."""
    today = local_today()
    organisations = list(
        db.session.scalars(
            select(Unit)
            .join(UnitLevel, Unit.level_id == UnitLevel.id)
            .where(
                UnitLevel.is_organisation.is_(True),
                or_(Unit.valid_from.is_(None), Unit.valid_from <= today),
                or_(Unit.valid_until.is_(None), Unit.valid_until > today),
            )
        )
    )
    if keep is not None and keep not in organisations:
        organisations.append(keep)
    selectable = {unit.id for unit in organisations}
    above = {int(part) for unit in organisations for part in unit.path.split("/") if part}
    above -= selectable
    context = list(db.session.scalars(select(Unit).where(Unit.id.in_(above)))) if above else []
    options = UnitOptions(selectable=selectable)

    def walk(nodes: list[tuple[Unit, list]], depth: int) -> None:
        for unit, children in nodes:
            disabled = {} if unit.id in selectable else {"disabled": True}
            options.choices.append(SelectChoice(unit.id, "· " * depth + unit.name, disabled))
            walk(children, depth + 1)

    walk(build_forest(organisations + context), 0)
    return options
