"""What the expert panel and team needs tests add to the cohort world: expertise tags,
experts with profiles, cohort teams in a given status and published matches."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from accelerator.models import (
    CohortTeam,
    ExpertProfile,
    MatchStatus,
    MembershipStatus,
    MentorMatch,
)
from app.db import db, utcnow
from app.people.models import ExpertiseTag, Role, User
from app.units.models import Unit
from competitions.models import Sector
from tests.accelerator import cohorts_world as cw
from tests.factories import Factory
from tests.helpers import csrf_token

# The fields a team asks for (app/demo/places.py seeds them for the demo; the schema does not).
TAGS = {
    "finance": ("Tài chính", "Finance"),
    "marketing": ("Marketing", "Marketing"),
    "technology": ("Công nghệ", "Technology"),
    "legal": ("Pháp lý", "Legal"),
    "fundraising": ("Gọi vốn", "Fundraising"),
    "production": ("Sản xuất", "Production"),
    "export": ("Xuất khẩu", "Export"),
}


def tag(code: str) -> ExpertiseTag:
    found = db.session.scalar(select(ExpertiseTag).where(ExpertiseTag.code == code))
    if found is None:
        name_vi, name_en = TAGS[code]
        found = ExpertiseTag(code=code, name_vi=name_vi, name_en=name_en)
        db.session.add(found)
        db.session.flush()
    return found


def sector(code: str) -> Sector:
    """A sector the schema's migration seeds (agriculture, tourism, technology…)."""
    return db.session.scalars(select(Sector).where(Sector.code == code)).one()


def expert(
    factory: Factory,
    name: str,
    *,
    roles: tuple[str, ...] = (Role.MENTOR,),
    organisation: str | None = None,
    unit: Unit | None = None,
    tags: Iterable[str] = (),
    sectors: Iterable[str] = (),
    capacity: int = 2,
    password: bool = False,
) -> User:
    """A panel member; with a profile when `organisation` is given (even empty). Without a
    password unless asked: hashing is what makes a big panel slow to build."""
    kwargs = {} if password else {"password": None}
    user = factory.user(name, roles=roles, unit=unit, **kwargs)
    user.expertise = [tag(code) for code in tags]
    if organisation is not None:
        db.session.add(
            ExpertProfile(
                user_id=user.id,
                organisation=organisation,
                mentoring_capacity=capacity,
                availability="Tối thứ Ba, trực tuyến",
                sectors=[sector(code) for code in sectors],
            )
        )
    db.session.flush()
    return user


def chosen(s: cw.Setting, n: int, status: str = MembershipStatus.ACCEPTED) -> CohortTeam:
    """Entry n's team in the cohort with `status`."""
    row = CohortTeam(
        cohort=s.cohort,
        team=s.entries[n].entry.team,
        entry=s.entries[n].entry,
        status=status,
        reason="Thêm trong bài kiểm thử",
    )
    db.session.add(row)
    db.session.flush()
    return row


def match(membership: CohortTeam, mentor: User, status: str = MatchStatus.PUBLISHED) -> MentorMatch:
    row = MentorMatch(
        cohort_id=membership.cohort_id,
        cohort_team_id=membership.id,
        mentor_id=mentor.id,
        status=status,
        published_at=utcnow() if status != MatchStatus.PROPOSED else None,
    )
    db.session.add(row)
    db.session.flush()
    return row


def sign_out(client) -> None:  # noqa: ANN001
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/auth/profile")})
