"""What the panel pages read: the searchable directory of experts, one expert's profile,
the teams an expert mentors and the mentors a team may prefer.

A directory page is read in a fixed number of queries whatever the number of experts: the
count, the page of (account, profile) rows, then the roles, expertise and sectors of that
page each in one query, and the mentoring counts in one aggregate.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from accelerator.experts.services import EXPERT_ROLES
from accelerator.models import CohortTeam, ExpertProfile, MatchStatus, MentorMatch, expert_sectors
from app.db import db
from app.people.models import ExpertiseTag, Role, RoleGrant, User
from app.units.models import Unit
from app.vietnamese import fold
from competitions.models import Sector, Team


class RoleFilter(StrEnum):
    JUDGE = "judge"  # everyone who judges (some mentor too)
    MENTOR = "mentor"  # everyone who mentors (some judge too)
    BOTH = "both"  # those who do both


@dataclass
class Search:
    """The directory's search box and filters; empty means everyone."""

    text: str = ""
    tag_id: int | None = None
    sector_id: int | None = None
    role: str = ""


@dataclass
class Expert:
    """A member of the panel as the pages show them."""

    user: User
    profile: ExpertProfile | None
    mentoring: int = 0  # teams mentored now (published matches, every cohort)

    @property
    def organisation(self) -> str:
        if self.profile is not None and self.profile.organisation:
            return self.profile.organisation
        return self.user.unit.name if self.user.unit is not None else ""

    @property
    def judges(self) -> bool:
        return self.user.has_role(Role.JUDGE)

    @property
    def mentors(self) -> bool:
        return self.user.has_role(Role.MENTOR)

    @property
    def capacity(self) -> int | None:
        """None until the expert (or an organizer) saves the profile."""
        return self.profile.mentoring_capacity if self.profile is not None else None

    @property
    def sectors(self) -> list[Sector]:
        return self.profile.sectors if self.profile is not None else []


def _has_role(role: str) -> object:
    return User.roles.any(RoleGrant.role == role)


def _experts(search: Search) -> Select:
    """(account, profile) of every expert matching `search`, unordered."""
    statement = (
        select(User, ExpertProfile)
        .outerjoin(ExpertProfile, ExpertProfile.user_id == User.id)
        .outerjoin(Unit, User.unit_id == Unit.id)
        .where(User.disabled_at.is_(None), User.roles.any(RoleGrant.role.in_(EXPERT_ROLES)))
    )
    needle = fold(search.text)
    if needle:
        # The organisation shown is the profile's, else the unit's: search the one shown.
        no_organisation = func.coalesce(ExpertProfile.organisation_folded, "") == ""
        statement = statement.where(
            or_(
                User.name_folded.contains(needle, autoescape=True),
                ExpertProfile.organisation_folded.contains(needle, autoescape=True),
                and_(no_organisation, Unit.name_folded.contains(needle, autoescape=True)),
            )
        )
    if search.tag_id:
        statement = statement.where(User.expertise.any(ExpertiseTag.id == search.tag_id))
    if search.sector_id:
        statement = statement.where(
            select(expert_sectors.c.user_id)
            .where(
                expert_sectors.c.user_id == User.id,
                expert_sectors.c.sector_id == search.sector_id,
            )
            .exists()
        )
    if search.role == RoleFilter.JUDGE:
        statement = statement.where(_has_role(Role.JUDGE))
    elif search.role == RoleFilter.MENTOR:
        statement = statement.where(_has_role(Role.MENTOR))
    elif search.role == RoleFilter.BOTH:
        statement = statement.where(_has_role(Role.JUDGE), _has_role(Role.MENTOR))
    return statement


def _loaded(statement: Select) -> Select:
    return statement.options(
        joinedload(User.unit),
        selectinload(User.expertise),
        selectinload(ExpertProfile.sectors),
    )


def mentoring_counts(user_ids: list[int]) -> dict[int, int]:
    """Teams each mentor mentors now (published matches in every cohort), in one query."""
    if not user_ids:
        return {}
    return dict(
        db.session.execute(
            select(MentorMatch.mentor_id, func.count())
            .where(
                MentorMatch.mentor_id.in_(user_ids),
                MentorMatch.status == MatchStatus.PUBLISHED,
            )
            .group_by(MentorMatch.mentor_id)
        ).all()
    )


def directory(search: Search, page: int, per_page: int) -> tuple[list[Expert], int]:
    """One page of the experts matching `search` in Vietnamese name order, and how many
    match in all."""
    statement = _experts(search)
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = db.session.execute(
        _loaded(statement)
        .order_by(User.name_sort, User.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    counts = mentoring_counts([user.id for user, _profile in rows])
    experts = [Expert(user, profile, counts.get(user.id, 0)) for user, profile in rows]
    return experts, total


def expert(user_id: int) -> Expert | None:
    """The panel member with this id; None for anyone else (or a disabled account)."""
    row = db.session.execute(_loaded(_experts(Search())).where(User.id == user_id)).one_or_none()
    if row is None:
        return None
    user, profile = row
    return Expert(user, profile, mentoring_counts([user.id]).get(user.id, 0))


def mentored_teams(user: User) -> list[CohortTeam]:
    """The cohort teams a mentor mentors now, by cohort then team."""
    return list(
        db.session.scalars(
            select(CohortTeam)
            .join(MentorMatch, MentorMatch.cohort_team_id == CohortTeam.id)
            .join(Team, CohortTeam.team_id == Team.id)
            .where(MentorMatch.mentor_id == user.id, MentorMatch.status == MatchStatus.PUBLISHED)
            .options(joinedload(CohortTeam.cohort), joinedload(CohortTeam.team))
            .order_by(CohortTeam.cohort_id.desc(), Team.name_folded, CohortTeam.id)
        )
    )


def mentor_choices() -> list[tuple[int, str]]:
    """Every mentor a team may prefer: (id, "name — organisation") in Vietnamese name order."""
    rows = db.session.execute(
        select(User.id, User.full_name, ExpertProfile.organisation, Unit.name)
        .outerjoin(ExpertProfile, ExpertProfile.user_id == User.id)
        .outerjoin(Unit, User.unit_id == Unit.id)
        .where(User.disabled_at.is_(None), _has_role(Role.MENTOR))
        .order_by(User.name_sort, User.id)
    ).all()
    return [
        (user_id, f"{name} — {organisation or unit}" if organisation or unit else name)
        for user_id, name, organisation, unit in rows
    ]


def all_tags() -> list[ExpertiseTag]:
    return list(db.session.scalars(select(ExpertiseTag).order_by(ExpertiseTag.code)))


def all_sectors() -> list[Sector]:
    return list(db.session.scalars(select(Sector).order_by(Sector.code)))
