"""What teams do: create, fill in members' details, hand over the leadership, remove
and leave (invitations by email are in `invitations`). Each function changes the
session and flushes; the request commits. Access (who may call what) is the views'
job; these functions hold the rules that are true whoever calls them, and raise
`TeamError` with a reason code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app import audit
from app.db import db
from app.links import external_url
from app.localtime import local_today
from app.mail.outbox import queue_mail
from app.people.models import User
from app.units.models import Unit
from competitions.models import Team, TeamMember

# A sanity cap on any team (members plus pending member invitations); the tracks'
# own limits are checked when an entry is submitted.
MAX_TEAM_SIZE = 10
MIN_AGE, MAX_AGE = 6, 100


class TeamError(Exception):
    """A request the team rules refuse; `reason` says which rule."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class MemberDetails:
    """What a member records about themselves for the organizers."""

    full_name: str
    date_of_birth: date | None = None
    gender: str | None = None
    school: str | None = None
    class_or_major: str | None = None
    phone: str | None = None


def birth_date_problem(value: date | None, today: date | None = None) -> str | None:
    """None when the date of birth is plausible, else a reason code."""
    if value is None:
        return None
    today = today or local_today()
    if value > today:
        return "birth_date_future"
    age = today.year - value.year - ((today.month, today.day) < (value.month, value.day))
    if not MIN_AGE <= age <= MAX_AGE:
        return "birth_date_age"
    return None


# --- size and locking --------------------------------------------------------------------


def team_size(team: Team) -> int:
    """How many members the team has (the advisor is not a member)."""
    return db.session.scalar(
        select(func.count()).select_from(TeamMember).where(TeamMember.team_id == team.id)
    )


def lock_team(team: Team) -> None:
    """Serialise changes to one team's membership: on PostgreSQL two invitations sent
    at once wait for each other instead of both passing the checks. SQLite write
    transactions are serialised already (BEGIN IMMEDIATE)."""
    db.session.execute(select(Team.id).where(Team.id == team.id).with_for_update())
    db.session.expire(team)


def _check_unit(unit: Unit | None) -> None:
    if unit is not None and not unit.level.is_organisation:
        raise TeamError("unit_not_organisation")


# --- the team --------------------------------------------------------------------------


def create_team(leader: User, *, name: str, unit: Unit | None, details: MemberDetails) -> Team:
    """A new team led by `leader`, who is its first member. Grants no role."""
    _check_unit(unit)
    _check_details(details)
    team = Team(name=name, leader=leader, unit=unit)
    member = TeamMember(user=leader, **_details_dict(details))
    if not member.school and unit is not None:
        member.school = unit.name
    team.members.append(member)
    db.session.add(team)
    db.session.flush()
    audit.record(
        "team.create", team, new={"name": team.name, "unit_id": team.unit_id}, actor=leader
    )
    return team


def update_team(team: Team, *, name: str, unit: Unit | None, actor: User) -> None:
    _check_unit(unit)
    old = {"name": team.name, "unit_id": team.unit_id}
    team.name = name
    team.unit = unit
    db.session.flush()
    new = {"name": team.name, "unit_id": team.unit_id}
    if new != old:
        audit.record("team.update", team, old=old, new=new, actor=actor)


def _details_dict(details: MemberDetails) -> dict:
    return {
        "full_name": " ".join(details.full_name.split()),
        "date_of_birth": details.date_of_birth,
        "gender": details.gender or None,
        "school": (details.school or "").strip() or None,
        "class_or_major": (details.class_or_major or "").strip() or None,
        "phone": details.phone or None,
    }


def _check_details(details: MemberDetails) -> None:
    if not details.full_name.strip():
        raise TeamError("full_name_required")
    if problem := birth_date_problem(details.date_of_birth):
        raise TeamError(problem)


def update_member_details(member: TeamMember, details: MemberDetails, *, actor: User) -> None:
    """A member's own row. The audit names the fields changed, not their values: dates
    of birth and phone numbers of minors do not belong in a log kept for ever."""
    _check_details(details)
    changed = []
    for field, value in _details_dict(details).items():
        if getattr(member, field) != value:
            setattr(member, field, value)
            changed.append(field)
    if changed:
        db.session.flush()
        audit.record("team.member_details", member, new={"fields": changed}, actor=actor)


# --- leadership and leaving -----------------------------------------------------------------


def _member_of(team: Team, member: TeamMember) -> TeamMember:
    if member.team_id != team.id:
        raise TeamError("not_a_member")
    return member


def transfer_leadership(team: Team, member: TeamMember, *, actor: User) -> None:
    _member_of(team, member)
    if member.user_id == team.leader_id:
        raise TeamError("already_leader")
    old_leader = team.leader_id
    team.leader = member.user
    db.session.flush()
    audit.record(
        "team.leader_transfer",
        team,
        old={"leader_id": old_leader},
        new={"leader_id": member.user_id},
        actor=actor,
    )
    new_leader = member.user
    queue_mail(
        new_leader.email,
        _l("You now lead the team %(team)s", team=team.name),
        "competitions/mail/team_leader",
        locale=new_leader.locale,
        user_id=new_leader.id,
        team=team,
        user=new_leader,
        previous=actor,
        link=external_url("competitions.team_detail", team_id=team.id),
    )


def remove_member(team: Team, member: TeamMember, *, actor: User) -> None:
    """The leader removes someone else; the leader cannot be removed."""
    _member_of(team, member)
    if member.user_id == team.leader_id:
        raise TeamError("cannot_remove_leader")
    removed = member.user
    old = {"member_id": member.id, "user_id": member.user_id, "full_name": member.full_name}
    team.members.remove(member)
    db.session.flush()
    audit.record("team.member_remove", team, old=old, actor=actor)
    queue_mail(
        removed.email,
        _l("You are no longer a member of the team %(team)s", team=team.name),
        "competitions/mail/team_removed",
        locale=removed.locale,
        user_id=removed.id,
        team=team,
        user=removed,
    )


def leave_team(team: Team, user: User) -> None:
    """A member leaves; the leader hands over the leadership first."""
    member = team.member_for(user)
    if member is None:
        raise TeamError("not_a_member")
    if team.leader_id == user.id:
        raise TeamError("leader_must_transfer")
    old = {"member_id": member.id, "user_id": user.id, "full_name": member.full_name}
    team.members.remove(member)
    db.session.flush()
    audit.record("team.member_leave", team, old=old, actor=user)


def remove_advisor(team: Team, *, actor: User) -> None:
    """The leader removes the advisor, or the advisor steps down."""
    if team.advisor_id is None:
        raise TeamError("no_advisor")
    old = {"advisor_id": team.advisor_id}
    team.advisor = None
    db.session.flush()
    audit.record("team.advisor_remove", team, old=old, actor=actor)
