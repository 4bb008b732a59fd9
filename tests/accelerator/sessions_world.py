"""The world the mentoring-session tests start from: the cohorts world (tests/accelerator/
cohorts_world.py) with two teams in the cohort, each with a published mentor: "mentor" with
the leader's team (which has a second member), "other_mentor" with another team (led by
"other_team"). Matches are rows written directly, as the matching pages would publish them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from accelerator.models import (
    CohortTeam,
    MatchStatus,
    MembershipStatus,
    MentoringSession,
    MentorMatch,
    SessionStatus,
)
from app.db import db
from app.localtime import local_today
from app.people.models import Role, User
from competitions.models import TeamMember
from tests.accelerator import cohorts_world as cw
from tests.factories import Factory
from tests.judging.roles import LOGIN

ROLES = (
    "anonymous",
    "participant",
    "judge",
    "mentor",
    "other_mentor",
    "leader",
    "member",
    "other_team",
    "organizer",
    "other_organizer",
    "admin",
)


def answers(*values: int | str) -> dict[str, int | str]:
    """The expected answer per role, in the order of ROLES."""
    return dict(zip(ROLES, values, strict=True))


# fmt: off
#                          anon part judge mentor other_m leader member other_t org other_o admin
PAIR_VIEWERS = answers(LOGIN, 404, 404, 200, 404, 200, 200, 404, 200, 404, 200)
PAIR_SIDES = answers(LOGIN, 404, 404, 200, 404, 200, 200, 404, 403, 404, 403)
ORGANIZERS_ONLY = answers(LOGIN, 403, 403, 403, 403, 403, 403, 403, 200, 403, 200)
SIGNED_IN = answers(LOGIN, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)
# fmt: on


@dataclass
class Setting:
    base: cw.Setting
    accounts: dict[str, User]
    match: MentorMatch  # mentor ↔ the leader's team
    other_match: MentorMatch  # other_mentor ↔ other_team's team

    @property
    def cohort(self):  # noqa: ANN201
        return self.base.cohort


def join(team_row: CohortTeam, user: User) -> None:
    team_row.team.members.append(TeamMember(user=user, full_name=user.full_name))


def in_cohort(base: cw.Setting, n: int) -> CohortTeam:
    """Entry n's team, accepted into the cohort."""
    row = CohortTeam(
        cohort=base.cohort,
        team=base.entries[n].entry.team,
        entry=base.entries[n].entry,
        status=MembershipStatus.ACCEPTED,
        reason="Thêm trong bài kiểm thử",
    )
    db.session.add(row)
    db.session.flush()
    return row


def pair(
    base: cw.Setting,
    team_row: CohortTeam,
    mentor: User,
    *,
    status: str = MatchStatus.PUBLISHED,
    weeks_ago: int = 1,
) -> MentorMatch:
    """A match as the matching pages leave it, published `weeks_ago` weeks ago."""
    published = datetime.now(UTC) - timedelta(weeks=weeks_ago)
    match = MentorMatch(
        cohort=base.cohort,
        cohort_team=team_row,
        mentor=mentor,
        status=status,
        published_at=published if status != MatchStatus.PROPOSED else None,
        released_at=published if status == MatchStatus.RELEASED else None,
    )
    db.session.add(match)
    db.session.flush()
    return match


def logged(
    match: MentorMatch,
    author: User,
    *,
    logged_by: str = "mentor",
    days_ago: int = 3,
    minutes: int = 90,
    status: str = SessionStatus.PENDING,
    rating: int | None = None,
) -> MentoringSession:
    """A session written directly (the logging page has its own tests)."""
    session = MentoringSession(
        match=match,
        held_on=local_today() - timedelta(days=days_ago),
        duration_minutes=minutes,
        format="online",
        topics="Định giá sản phẩm",
        logged_by=logged_by,
        author_id=author.id,
        status=status,
        rating=rating,
    )
    db.session.add(session)
    db.session.flush()
    return session


def build(factory: Factory) -> Setting:
    base = cw.build(factory)
    # A cohort that started long enough ago for every date the tests use.
    base.cohort.starts_on = min(base.cohort.starts_on, local_today() - timedelta(days=200))
    base.cohort.ends_on = max(base.cohort.ends_on, local_today() + timedelta(days=30))
    people = dict(base.accounts)
    people["other_mentor"] = factory.user("Trần Thị Cố Vấn", roles=(Role.MENTOR,))
    people["member"] = factory.user("Lý Thị Thành Viên", roles=(Role.PARTICIPANT,))
    ours, theirs = in_cohort(base, 1), in_cohort(base, 2)
    join(ours, people["member"])
    people["other_team"] = theirs.team.leader
    db.session.flush()
    return Setting(
        base=base,
        accounts=people,
        match=pair(base, ours, people["mentor"]),
        other_match=pair(base, theirs, people["other_mentor"]),
    )


def day(value: date) -> str:
    return value.strftime("%d/%m/%Y")
