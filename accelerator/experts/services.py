"""Writes of the local expert panel and of the cohort teams' needs: an expert's profile
(created on its first save) and what a team asks of its mentors.

Every function checks the rules that hold whoever calls it (a form, an import, a test) and
raises `CohortError` with every reason found before it changes anything; it flushes and adds
its audit row; the request commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, TypeVar

from sqlalchemy import select

from accelerator.cohorts.errors import refuse_if
from accelerator.models import CohortTeam, ExpertProfile, MembershipStatus
from app import audit
from app.db import db, utcnow
from app.forms_common import PHONE_RE
from app.people.models import ExpertiseTag, Role, RoleGrant, User
from competitions.models import Sector

EXPERT_ROLES: Final = (Role.JUDGE, Role.MENTOR)
CAPACITY: Final = (0, 20)
MAX_TITLE_LENGTH: Final = 120
MAX_ORGANISATION_LENGTH: Final = 200
MAX_BIO_LENGTH: Final = 5000
MAX_AVAILABILITY_LENGTH: Final = 300
MAX_NEEDS_NOTE_LENGTH: Final = 2000
MAX_PREFERRED_MENTORS: Final = 3
# A team states its needs once it is chosen: organizers prepare the matching while the
# invitation is out, and the team keeps them current in the cohort.
NEEDS_STATUSES: Final = (
    MembershipStatus.SELECTED,
    MembershipStatus.INVITED,
    MembershipStatus.ACCEPTED,
)

PROFILE_COLUMNS: Final = ("organisation", "bio", "mentoring_capacity", "availability")

Row = TypeVar("Row", Sector, ExpertiseTag)


def is_expert(user: User) -> bool:
    """A member of the panel: judges and mentors whose account is not disabled."""
    return user.disabled_at is None and user.has_role(*EXPERT_ROLES)


def can_edit_profile(expert: User, user: User) -> bool:
    """The expert edits their own profile; organizers and administrators edit anyone's."""
    return user.is_authenticated and (
        user.id == expert.id or user.is_admin or user.has_role(Role.ORGANIZER)
    )


def _squash(text: str | None) -> str:
    return " ".join((text or "").split())


def _existing(model: type[Row], ids: list[int]) -> list[Row] | None:
    """The rows with these ids in code order, or None when one of them does not exist."""
    wanted = set(ids)
    if not wanted:
        return []
    rows = list(db.session.scalars(select(model).where(model.id.in_(wanted)).order_by(model.code)))
    return rows if len(rows) == len(wanted) else None


def _lock_row(key: object, value: int) -> None:
    """Serialise two saves of the same thing on PostgreSQL (SQLite's writers already are):
    the second waits and reads what the first stored instead of inserting it again."""
    db.session.execute(select(key).where(key == value).with_for_update())


# --- an expert's profile --------------------------------------------------------------------


@dataclass
class ProfileData:
    """What an expert's profile page sets: the account's title, phone and expertise, and
    the panel profile itself."""

    title: str = ""
    phone: str = ""
    organisation: str = ""
    bio: str = ""
    mentoring_capacity: int | None = 2
    availability: str = ""
    sector_ids: list[int] = field(default_factory=list)
    tag_ids: list[int] = field(default_factory=list)


def _profile_fields(expert: User, profile: ExpertProfile | None) -> dict:
    fields: dict = {
        "title": expert.title,
        "phone": expert.phone,
        "expertise": [tag.code for tag in expert.expertise],
    }
    if profile is not None:
        fields |= {
            "organisation": profile.organisation,
            "bio": profile.bio,
            "mentoring_capacity": profile.mentoring_capacity,
            "availability": profile.availability,
            "sectors": [sector.code for sector in profile.sectors],
        }
    return fields


def update_profile(expert: User, data: ProfileData, *, actor: User) -> ExpertProfile:
    """Save an expert's profile, creating it on the first save; all or nothing."""
    title, organisation = _squash(data.title), _squash(data.organisation)
    availability, phone = _squash(data.availability), "".join(data.phone.split())
    bio = (data.bio or "").strip()
    problems = []
    if not is_expert(expert):
        problems.append("not_an_expert")
    elif not can_edit_profile(expert, actor):
        problems.append("not_allowed")
    if len(title) > MAX_TITLE_LENGTH:
        problems.append("title_too_long")
    if phone and not PHONE_RE.match(phone):
        problems.append("bad_phone")
    if len(organisation) > MAX_ORGANISATION_LENGTH:
        problems.append("organisation_too_long")
    if len(bio) > MAX_BIO_LENGTH:
        problems.append("bio_too_long")
    capacity = data.mentoring_capacity
    if capacity is None or not CAPACITY[0] <= capacity <= CAPACITY[1]:
        problems.append("bad_capacity")
    if len(availability) > MAX_AVAILABILITY_LENGTH:
        problems.append("availability_too_long")
    sectors = _existing(Sector, data.sector_ids)
    if sectors is None:
        problems.append("unknown_sector")
    tags = _existing(ExpertiseTag, data.tag_ids)
    if tags is None:
        problems.append("unknown_tag")
    refuse_if(problems)

    _lock_row(User.id, expert.id)
    db.session.refresh(expert, ["title", "phone", "expertise"])
    profile = db.session.get(ExpertProfile, expert.id)
    if profile is not None:
        db.session.refresh(profile, [*PROFILE_COLUMNS, "sectors"])
    created = profile is None
    old = _profile_fields(expert, profile)
    if profile is None:
        profile = ExpertProfile(user_id=expert.id, user=expert)
        db.session.add(profile)
    expert.title = title or None
    expert.phone = phone or None
    expert.expertise = tags
    profile.organisation = organisation
    profile.bio = bio
    profile.mentoring_capacity = capacity
    profile.availability = availability
    profile.sectors = sectors
    new = _profile_fields(expert, profile)
    if created or new != old:
        profile.updated_at = utcnow()
        db.session.flush()
        audit.record(
            "expert.profile_create" if created else "expert.profile_update",
            expert,
            old=old,
            new=new,
            actor=actor,
        )
    return profile


# --- a cohort team's needs ------------------------------------------------------------------


@dataclass
class NeedsData:
    """What a team asks of its mentors."""

    tag_ids: list[int] = field(default_factory=list)
    sector_id: int | None = None
    mentor_ids: list[int] = field(default_factory=list)
    note: str = ""


def can_edit_needs(membership: CohortTeam, user: User) -> bool:
    """The team's leader and members, and the organizers of the cohort."""
    team = membership.team
    return user.is_authenticated and (
        team.is_leader(user) or team.is_member(user) or membership.cohort.can_manage(user)
    )


def mentors(ids: list[int]) -> list[User]:
    """The accounts among `ids` that hold the mentor role and are not disabled."""
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(User).where(
                User.id.in_(ids),
                User.disabled_at.is_(None),
                User.roles.any(RoleGrant.role == Role.MENTOR),
            )
        )
    )


def _needs_fields(membership: CohortTeam) -> dict:
    return {
        "needs": [tag.code for tag in membership.needs],
        "sector_id": membership.sector_id,
        "preferred_mentor_ids": sorted(user.id for user in membership.preferred_mentors),
        "needs_note": membership.needs_note,
    }


def update_needs(membership: CohortTeam, data: NeedsData, *, actor: User) -> None:
    """Save a team's needs, sector, preferred mentors (at most three) and note; all or
    nothing."""
    note = (data.note or "").strip()
    mentor_ids = list(dict.fromkeys(data.mentor_ids))
    problems = []
    if not can_edit_needs(membership, actor):
        problems.append("not_allowed")
    elif membership.status not in NEEDS_STATUSES:
        problems.append("needs_closed")
    tags = _existing(ExpertiseTag, data.tag_ids)
    if tags is None:
        problems.append("unknown_tag")
    sector = db.session.get(Sector, data.sector_id) if data.sector_id else None
    if data.sector_id and sector is None:
        problems.append("unknown_sector")
    if len(mentor_ids) > MAX_PREFERRED_MENTORS:
        problems.append("too_many_mentors")
    chosen = mentors(mentor_ids)
    if len(chosen) != len(mentor_ids):
        problems.append("not_a_mentor")
    if len(note) > MAX_NEEDS_NOTE_LENGTH:
        problems.append("needs_note_too_long")
    refuse_if(problems)

    _lock_row(CohortTeam.id, membership.id)
    db.session.refresh(membership, ["needs", "sector_id", "preferred_mentors", "needs_note"])
    old = _needs_fields(membership)
    membership.needs = tags
    membership.sector = sector
    membership.preferred_mentors = chosen
    membership.needs_note = note
    db.session.flush()
    new = _needs_fields(membership)
    if new != old:
        audit.record("cohort.team_needs", membership, old=old, new=new, actor=actor)
