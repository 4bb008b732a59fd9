"""Factories: rows with sensible defaults, so a test names only what it is about."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from app.auth.passwords import hash_password
from app.db import db, utcnow
from app.people.models import Role, RoleGrant, User
from app.units.models import Unit, UnitLevel
from competitions.models import (
    Audience,
    Competition,
    CompetitionStatus,
    Entry,
    Round,
    Team,
    TeamMember,
    Track,
)

DEFAULT_PASSWORD = "Hạt giống nảy mầm 2026"

# The smallest real PDF: readers open it; it starts with the %PDF- signature.
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n163\n%%EOF\n"
)
# A 1 × 1 PNG.
MINIMAL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)

_counter = itertools.count(1)


class Factory:
    def level(self, code: str = "commune", name_vi: str = "Xã", rank: int = 2) -> UnitLevel:
        existing = db.session.query(UnitLevel).filter_by(code=code).one_or_none()
        if existing:
            return existing
        level = UnitLevel(code=code, name_vi=name_vi, name_en=code.title(), rank=rank)
        db.session.add(level)
        db.session.flush()
        return level

    def unit(
        self,
        name: str | None = None,
        parent: Unit | None = None,
        level: UnitLevel | None = None,
        valid_until: date | None = None,
    ) -> Unit:
        from app.units.services import create_unit

        return create_unit(
            name=name or f"Xã Thử Nghiệm {next(_counter)}",
            level=level or self.level(),
            parent=parent,
            valid_until=valid_until,
        )

    def user(
        self,
        full_name: str = "Nguyễn Văn An",
        email: str | None = None,
        roles: tuple[str, ...] = (Role.PARTICIPANT,),
        organizer_of: Unit | None = None,
        password: str | None = DEFAULT_PASSWORD,
        verified: bool = True,
        unit: Unit | None = None,
    ) -> User:
        user = User(
            full_name=full_name,
            email=email or f"user{next(_counter)}@example.vn",
            unit=unit,
            password_hash=hash_password(password) if password else None,
            email_verified_at=utcnow() if verified else None,
        )
        for role in roles:
            scope = organizer_of if role == Role.ORGANIZER else None
            if role == Role.ORGANIZER and scope is None:
                scope = self.unit()
            user.roles.append(RoleGrant(role=role, unit=scope))
        db.session.add(user)
        db.session.flush()
        return user

    # --- competitions -------------------------------------------------------------------

    def competition(
        self,
        title: str = "Cuộc thi Khởi nghiệp đổi mới sáng tạo",
        owner_unit: Unit | None = None,
        status: str = CompetitionStatus.OPEN,
        year: int = 2026,
        code: str = "QN",
        opens: datetime | None = None,
        closes: datetime | None = None,
        tracks: tuple[tuple[str, str, str], ...] = (
            ("THPT", "Bảng Học sinh THPT", Audience.HIGH_SCHOOL),
            ("SV", "Bảng Sinh viên", Audience.UNIVERSITY),
        ),
    ) -> Competition:
        now = datetime.now(UTC)
        comp = Competition(
            title=title,
            code=code,
            edition_year=year,
            owner_unit=owner_unit or self.unit(),
            status=status,
            description="Cuộc thi dành cho học sinh, sinh viên và thanh niên.",
        )
        for position, (track_code, name, audience) in enumerate(tracks, start=1):
            comp.tracks.append(
                Track(
                    code=track_code,
                    name=name,
                    audience=audience,
                    position=position,
                    min_team_size=1,
                    max_team_size=5,
                )  # fmt: skip
            )
        comp.rounds.append(
            Round(
                position=1,
                name="Vòng sơ khảo",
                submission_opens_at=opens or now - timedelta(days=10),
                submission_closes_at=closes or now + timedelta(days=10),
                judging_opens_at=(closes or now + timedelta(days=10)) + timedelta(days=1),
                judging_closes_at=(closes or now + timedelta(days=10)) + timedelta(days=15),
            )
        )
        comp.rounds.append(Round(position=2, name="Vòng chung kết"))
        db.session.add(comp)
        db.session.flush()
        return comp

    def team(
        self,
        leader: User | None = None,
        name: str = "Nhóm Hạt Mầm",
        members: tuple[User, ...] = (),
        unit: Unit | None = None,
        advisor: User | None = None,
    ) -> Team:
        leader = leader or self.user()
        team = Team(name=name, leader=leader, unit=unit, advisor=advisor)
        for person in (leader, *members):
            team.members.append(TeamMember(user=person, full_name=person.full_name))
        db.session.add(team)
        db.session.flush()
        return team

    def entry(
        self,
        competition: Competition | None = None,
        team: Team | None = None,
        track: Track | None = None,
        title: str = "Máy sấy nông sản dùng năng lượng mặt trời",
        status: str = "draft",
    ) -> Entry:
        competition = competition or self.competition()
        team = team or self.team()
        item = Entry(
            competition=competition,
            track=track or competition.tracks[0],
            team=team,
            unit=team.unit,
            title=title,
            summary="Giúp nông dân sấy nông sản nhanh, sạch, rẻ.",
            status=status,
            created_by_id=team.leader_id,
        )
        db.session.add(item)
        db.session.flush()
        return item
