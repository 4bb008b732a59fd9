"""A cohort ready for matching, on top of cohorts_world: teams that accepted with their needs,
and mentors with their expertise, sectors, organisation and capacity.

`build` gives two accepted teams and four mentors (m = 2):

- team "Nhóm 2" (the leader's) needs finance then marketing, is in agriculture and prefers
  Anh; team "Nhóm 1" needs technology, and one of its members works at Đại học Duy Tân;
- Anh: finance, agriculture, Công ty Alpha, capacity 2; Bình: marketing, capacity 1;
  Cường: technology and finance, capacity 2; Dũng: technology, Đại học Duy Tân (a conflict
  with Nhóm 1), capacity 2. The cohorts_world "mentor" account holds the role with no
  profile (the default capacity) and no expertise.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from accelerator.models import CohortTeam, ExpertProfile, MembershipStatus
from app.db import db
from app.people.models import ExpertiseTag, Role, User
from competitions.models import Sector, TeamMember
from tests.accelerator import cohorts_world as cw
from tests.factories import Factory

TAGS = {
    "finance": ("Tài chính", "Finance"),
    "marketing": ("Tiếp thị", "Marketing"),
    "technology": ("Công nghệ", "Technology"),
    "legal": ("Pháp lý", "Legal"),
}


@dataclass
class MatchSetting:
    s: cw.Setting
    tags: dict[str, ExpertiseTag]
    agriculture: Sector
    teams: list[CohortTeam]  # [Nhóm 2 (the leader's), Nhóm 1]
    mentors: dict[str, User]  # anh, binh, cuong, dung
    colleague: User  # the member of Nhóm 1 who works where Dũng does

    @property
    def cohort(self):  # noqa: ANN201
        return self.s.cohort

    @property
    def accounts(self) -> dict[str, User]:
        return self.s.accounts


def tag(code: str) -> ExpertiseTag:
    row = db.session.scalar(select(ExpertiseTag).where(ExpertiseTag.code == code))
    if row is None:
        name_vi, name_en = TAGS[code]
        row = ExpertiseTag(code=code, name_vi=name_vi, name_en=name_en)
        db.session.add(row)
        db.session.flush()
    return row


def sector(code: str = "agriculture") -> Sector:
    return db.session.scalar(select(Sector).where(Sector.code == code))


def mentor(
    factory: Factory,
    name: str,
    *,
    expertise: tuple[str, ...] = (),
    sectors: tuple[Sector, ...] = (),
    organisation: str | None = "",
    capacity: int = 2,
    unit=None,  # noqa: ANN001
) -> User:
    """A mentor with an expert profile (none when `organisation` is None)."""
    user = factory.user(name, roles=(Role.MENTOR,), unit=unit)
    user.phone = "0905123456"
    user.title = "Chuyên gia"
    user.expertise = [tag(code) for code in expertise]
    if organisation is not None:
        db.session.add(
            ExpertProfile(
                user=user,
                organisation=organisation,
                mentoring_capacity=capacity,
                sectors=list(sectors),
            )
        )
    db.session.flush()
    return user


def accept(
    s: cw.Setting,
    n: int,
    *,
    needs: tuple[str, ...] = (),
    sector_row: Sector | None = None,
    preferred: tuple[User, ...] = (),
    cohort=None,  # noqa: ANN001
) -> CohortTeam:
    """Entry n's team in the cohort, accepted, with its needs."""
    row = CohortTeam(
        cohort=cohort or s.cohort,
        team=s.entries[n].entry.team,
        entry=s.entries[n].entry,
        status=MembershipStatus.ACCEPTED,
        reason="Thêm trong bài kiểm thử",
        sector=sector_row,
        needs=[tag(code) for code in needs],
        preferred_mentors=list(preferred),
    )
    db.session.add(row)
    db.session.flush()
    return row


def add_member(factory: Factory, team_row: CohortTeam, name: str, **kwargs) -> User:  # noqa: ANN003
    user = factory.user(name, **kwargs)
    team_row.team.members.append(TeamMember(user=user, full_name=user.full_name, phone=None))
    db.session.flush()
    return user


def build(factory: Factory) -> MatchSetting:
    s = cw.build(factory)
    agriculture = sector()
    mentors = {
        "anh": mentor(
            factory,
            "Nguyễn Thị Anh",
            expertise=("finance",),
            sectors=(agriculture,),
            organisation="Công ty Alpha",
        ),
        "binh": mentor(factory, "Trần Văn Bình", expertise=("marketing",), capacity=1),
        "cuong": mentor(factory, "Lê Văn Cường", expertise=("technology", "finance")),
        "dung": mentor(
            factory, "Phạm Văn Dũng", expertise=("technology",), organisation="Đại học Duy Tân"
        ),
    }
    first = accept(
        s, 1, needs=("finance", "marketing"), sector_row=agriculture, preferred=(mentors["anh"],)
    )
    second = accept(s, 0, needs=("technology",))
    colleague = add_member(factory, second, "Võ Văn Đồng Nghiệp")
    db.session.add(ExpertProfile(user=colleague, organisation="Dai hoc Duy Tan"))
    db.session.flush()
    return MatchSetting(
        s=s,
        tags={code: tag(code) for code in TAGS},
        agriculture=agriculture,
        teams=[first, second],
        mentors=mentors,
        colleague=colleague,
    )
