"""A cohort's mentor matching as the engine sees it: the accepted teams, the mentors with
what they still offer, the published and released pairs, read in a fixed number of queries
and turned into accelerator.matching's plain data."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from accelerator import matching
from accelerator.models import (
    Cohort,
    CohortTeam,
    ExpertProfile,
    MatchStatus,
    MembershipStatus,
    MentorMatch,
    team_preferences,
)
from app.db import db
from app.people.models import Role, RoleGrant, User
from competitions.models import Team, TeamMember

# What a mentor without a profile offers: the profile's own default.
DEFAULT_CAPACITY: int = ExpertProfile.__table__.c.mentoring_capacity.default.arg


@dataclass
class Panel:
    """A cohort's accepted teams, its mentors and its matches, as loaded in a fixed number of
    queries, with the engine's plain data built from them."""

    cohort: Cohort
    teams: list[CohortTeam]  # accepted, by name
    mentors: dict[int, User]  # the mentor role's holders not disabled, and published mentors
    assignable: set[int]  # those who may get a new team (role held, account enabled)
    profiles: dict[int, ExpertProfile]
    matches: list[MentorMatch]  # this cohort's, every status
    held_elsewhere: Counter[int]  # published matches in other cohorts, by mentor id
    data: matching.MatchingData

    def __post_init__(self) -> None:
        self.team_by_id = {t.id: t for t in self.teams}
        self.team_data = {t.id: t for t in self.data.teams}
        self.mentor_data = {m.id: m for m in self.data.mentors}
        self.pairs = {(m.cohort_team_id, m.mentor_id): m for m in self.matches}

    def offered(self, mentor_id: int) -> int:
        """How many teams the mentor offered to mentor at once, in every cohort."""
        profile = self.profiles.get(mentor_id)
        return profile.mentoring_capacity if profile is not None else DEFAULT_CAPACITY

    def organisation(self, mentor_id: int) -> str:
        profile = self.profiles.get(mentor_id)
        return profile.organisation if profile is not None else ""

    def held_here(self, mentor_id: int) -> Counter[str]:
        return Counter(m.status for m in self.matches if m.mentor_id == mentor_id)


def _accepted(cohort: Cohort):  # noqa: ANN202 — a select of ids
    return select(CohortTeam.id).where(
        CohortTeam.cohort_id == cohort.id, CohortTeam.status == MembershipStatus.ACCEPTED
    )


def load_matching_data(cohort: Cohort) -> Panel:
    """The matching problem of the cohort, in a dozen queries whatever its size.

    Teams: the accepted ones, their needs in order, sector and preferred mentors; for conflicts
    the organisations of their members who have an expert profile, and the units of the team
    and of its members. Mentors: the holders of the mentor role whose account is enabled, with
    their expertise, sectors, organisation, unit and what their capacity leaves for this cohort
    once their published matches in other cohorts are counted. Published pairs are kept,
    released ones never proposed again; m is the cohort's mentors per team."""
    teams = list(
        db.session.scalars(
            select(CohortTeam)
            .where(CohortTeam.id.in_(_accepted(cohort)))
            .options(
                joinedload(CohortTeam.team).joinedload(Team.leader),
                joinedload(CohortTeam.team).selectinload(Team.members).joinedload(TeamMember.user),
                joinedload(CohortTeam.sector),
                selectinload(CohortTeam.needs),
            )
        ).unique()
    )
    teams.sort(key=lambda t: (t.team.name_folded, t.id))
    preferred: dict[int, set[int]] = defaultdict(set)
    for cohort_team_id, user_id in db.session.execute(
        select(team_preferences.c.cohort_team_id, team_preferences.c.user_id).where(
            team_preferences.c.cohort_team_id.in_(_accepted(cohort))
        )
    ):
        preferred[cohort_team_id].add(user_id)
    members = {m.user_id for t in teams for m in t.team.members} | {t.team.leader_id for t in teams}
    member_organisations = dict(
        db.session.execute(
            select(ExpertProfile.user_id, ExpertProfile.organisation).where(
                ExpertProfile.user_id.in_(members)
            )
        ).all()
    )
    matches = list(
        db.session.scalars(
            select(MentorMatch).where(MentorMatch.cohort_id == cohort.id).order_by(MentorMatch.id)
        )
    )
    role_holders = select(RoleGrant.user_id).where(RoleGrant.role == Role.MENTOR)
    published_here = {m.mentor_id for m in matches if m.status == MatchStatus.PUBLISHED}
    mentors = {
        user.id: user
        for user in db.session.scalars(
            select(User)
            .where(
                or_(
                    User.id.in_(role_holders) & User.disabled_at.is_(None),
                    User.id.in_(published_here),
                )
            )
            .options(selectinload(User.expertise), joinedload(User.unit))
        )
    }
    assignable = {
        user.id for user in mentors.values() if user.is_active and user.has_role(Role.MENTOR)
    }
    profiles = {
        p.user_id: p
        for p in db.session.scalars(
            select(ExpertProfile)
            .where(ExpertProfile.user_id.in_(list(mentors)))
            .options(selectinload(ExpertProfile.sectors))
        )
    }
    held_elsewhere: Counter[int] = Counter(
        dict(
            db.session.execute(
                select(MentorMatch.mentor_id, func.count())
                .where(
                    MentorMatch.status == MatchStatus.PUBLISHED,
                    MentorMatch.cohort_id != cohort.id,
                    MentorMatch.mentor_id.in_(list(mentors)),
                )
                .group_by(MentorMatch.mentor_id)
            ).all()
        )
    )
    team_ids = {t.id for t in teams}

    def organisation(user_id: int) -> str:
        profile = profiles.get(user_id)
        return profile.organisation if profile is not None else ""

    def capacity(user_id: int) -> int:
        if user_id not in assignable:
            return 0
        profile = profiles.get(user_id)
        offered = profile.mentoring_capacity if profile is not None else DEFAULT_CAPACITY
        return max(offered - held_elsewhere[user_id], 0)

    data = matching.MatchingData(
        teams=tuple(
            matching.TeamData(
                id=t.id,
                needs=tuple(tag.id for tag in t.needs),
                sector_id=t.sector_id,
                preferred=frozenset(preferred[t.id]),
                organisations=frozenset(
                    name
                    for user_id in {m.user_id for m in t.team.members} | {t.team.leader_id}
                    if (name := member_organisations.get(user_id, ""))
                ),
                unit_ids=frozenset(
                    unit_id
                    for unit_id in (t.team.unit_id, *(m.user.unit_id for m in t.team.members))
                    if unit_id is not None
                ),
            )
            for t in teams
        ),
        mentors=tuple(
            matching.MentorData(
                id=user.id,
                expertise=frozenset(tag.id for tag in user.expertise),
                sectors=frozenset(
                    s.id for s in (profiles[user.id].sectors if user.id in profiles else ())
                ),
                organisation=organisation(user.id),
                unit_id=user.unit_id,
                capacity=capacity(user.id),
            )
            for user in sorted(mentors.values(), key=lambda u: u.id)
        ),
        mentors_per_team=cohort.mentors_per_team,
        kept=frozenset(
            (m.cohort_team_id, m.mentor_id)
            for m in matches
            if m.status == MatchStatus.PUBLISHED and m.cohort_team_id in team_ids
        ),
        released=frozenset(
            (m.cohort_team_id, m.mentor_id)
            for m in matches
            if m.status == MatchStatus.RELEASED
            and m.cohort_team_id in team_ids
            and m.mentor_id in mentors
        ),
    )
    return Panel(
        cohort=cohort,
        teams=teams,
        mentors=mentors,
        assignable=assignable,
        profiles=profiles,
        matches=matches,
        held_elsewhere=held_elsewhere,
        data=data,
    )
