"""Competitions: calls with tracks and rounds, teams, and the entries teams submit.

Times are stored in UTC and entered and shown in Asia/Ho_Chi_Minh. Every submitted
state of an entry is kept as an immutable `EntryVersion`: the one standing when the
submission window closes is what judges see.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.db import db, keep_folded, one_of, utcnow
from app.people.models import User
from app.units.models import Unit

if TYPE_CHECKING:
    from app.storage import StoredFile
    from competitions.events.models import Event


class CompetitionStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    JUDGING = "judging"
    PUBLISHED = "published"
    ARCHIVED = "archived"


# The lifecycle moves forward one step at a time; an organizer may step back once
# (e.g. reopen a call closed by mistake) except out of the archive.
NEXT_STATUS = {
    CompetitionStatus.DRAFT: CompetitionStatus.OPEN,
    CompetitionStatus.OPEN: CompetitionStatus.JUDGING,
    CompetitionStatus.JUDGING: CompetitionStatus.PUBLISHED,
    CompetitionStatus.PUBLISHED: CompetitionStatus.ARCHIVED,
}


class Competition(db.Model):
    """One yearly edition of a call, run by the organizers of its owner unit."""

    __tablename__ = "competitions"
    __table_args__ = (
        CheckConstraint(one_of("status", CompetitionStatus), name="status"),
        CheckConstraint("edition_year BETWEEN 2000 AND 2100", name="edition_year"),
        UniqueConstraint("code", "edition_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    title_folded: Mapped[str] = mapped_column(String(200), index=True)
    # Short code that starts every confirmation code: "QN" gives QN26-THPT-0042.
    code: Mapped[str] = mapped_column(String(10))
    edition_year: Mapped[int]
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    rules: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default=CompetitionStatus.DRAFT)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    owner_unit: Mapped[Unit] = relationship()
    tracks: Mapped[list[Track]] = relationship(
        back_populates="competition", order_by="Track.position", cascade="all, delete-orphan"
    )
    rounds: Mapped[list[Round]] = relationship(
        back_populates="competition", order_by="Round.position", cascade="all, delete-orphan"
    )

    @validates("title")
    def _fold_title(self, _key: str, value: str) -> str:
        return keep_folded(self, "title_folded", value)

    def can_manage(self, user: User) -> bool:
        return user.is_authenticated and user.organizes(self.owner_unit)

    def can_view(self, user: User) -> bool:
        """Drafts are the organizers'; every other state is public."""
        return self.status != CompetitionStatus.DRAFT or self.can_manage(user)

    @property
    def first_round(self) -> Round | None:
        return self.rounds[0] if self.rounds else None

    @property
    def accepts_entries(self) -> bool:
        return self.status == CompetitionStatus.OPEN


class Audience(StrEnum):
    HIGH_SCHOOL = "high_school"
    UNIVERSITY = "university"
    YOUTH = "youth"
    WOMEN = "women"
    FARMERS = "farmers"
    OPEN = "open"


class Track(db.Model):
    """A category of the call (bảng thi) with who may enter it."""

    __tablename__ = "tracks"
    __table_args__ = (
        UniqueConstraint("competition_id", "code"),
        CheckConstraint(one_of("audience", Audience), name="audience"),
        CheckConstraint("min_team_size >= 1 AND max_team_size >= min_team_size", name="team_size"),
        CheckConstraint(
            "min_age IS NULL OR max_age IS NULL OR max_age >= min_age", name="age_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(
        ForeignKey("competitions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    # Upper-case letters and digits: the middle part of a confirmation code.
    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(120))
    audience: Mapped[str] = mapped_column(String(20), default=Audience.OPEN)
    eligibility: Mapped[str] = mapped_column(Text, default="")
    min_team_size: Mapped[int] = mapped_column(default=1)
    max_team_size: Mapped[int] = mapped_column(default=5)
    min_age: Mapped[int | None]
    max_age: Mapped[int | None]
    # Confirmation numbers are handed out from here, one per submitted entry.
    last_number: Mapped[int] = mapped_column(default=0)

    competition: Mapped[Competition] = relationship(back_populates="tracks")


class PoolMode(StrEnum):
    SINGLE = "single"
    BY_UNIT = "by_unit"
    BY_TRACK = "by_track"


class Round(db.Model):
    """An ordered stage: the first takes submissions, every round is judged."""

    __tablename__ = "rounds"
    __table_args__ = (
        UniqueConstraint("competition_id", "position"),
        CheckConstraint(one_of("pool_mode", PoolMode), name="pool_mode"),
        CheckConstraint(
            "submission_closes_at IS NULL OR submission_opens_at IS NULL "
            "OR submission_closes_at > submission_opens_at",
            name="submission_window",
        ),
        CheckConstraint(
            "judging_closes_at IS NULL OR judging_opens_at IS NULL "
            "OR judging_closes_at > judging_opens_at",
            name="judging_window",
        ),
        CheckConstraint("advance_top_n IS NULL OR advance_top_n >= 1", name="advance_top_n"),
        CheckConstraint(
            "pass_mark IS NULL OR (pass_mark >= 0 AND pass_mark <= 100)", name="pass_mark"
        ),
        CheckConstraint("carry_over_weight >= 0 AND carry_over_weight <= 1", name="carry_over"),
        CheckConstraint("per_unit_cap IS NULL OR per_unit_cap >= 1", name="per_unit_cap"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(
        ForeignKey("competitions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(120))
    # Submission window: the first round only.
    submission_opens_at: Mapped[datetime | None]
    submission_closes_at: Mapped[datetime | None]
    judging_opens_at: Mapped[datetime | None]
    judging_closes_at: Mapped[datetime | None]
    pool_mode: Mapped[str] = mapped_column(String(10), default=PoolMode.SINGLE)
    # Advancement rule (applied by the judging feature): top N per pool and/or a pass mark
    # on the 0–100 scale, optionally with no criterion scored 0.
    advance_top_n: Mapped[int | None]
    pass_mark: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    no_zero_criterion: Mapped[bool] = mapped_column(default=False)
    # Share of the previous round's score carried into this one (0 = none).
    carry_over_weight: Mapped[Decimal] = mapped_column(Numeric(3, 2), default=Decimal("0"))
    # Most entries one unit may forward to the next round.
    per_unit_cap: Mapped[int | None]
    # A round held at a festival (a live final on the festival day).
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )

    competition: Mapped[Competition] = relationship(back_populates="rounds")
    event: Mapped[Event | None] = relationship()
    pools: Mapped[list[Pool]] = relationship(
        back_populates="round", order_by="Pool.name", cascade="all, delete-orphan"
    )

    @property
    def is_first(self) -> bool:
        return self.position == 1

    def submission_state(self, now: datetime) -> str:
        """ "not_set", "not_yet", "open" or "closed" for the submission window."""
        if self.submission_opens_at is None or self.submission_closes_at is None:
            return "not_set"
        if now < self.submission_opens_at:
            return "not_yet"
        return "open" if now <= self.submission_closes_at else "closed"


class Pool(db.Model):
    """A group of a round's entries judged and ranked together (by unit, by track, or all)."""

    __tablename__ = "pools"
    __table_args__ = (UniqueConstraint("round_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"))

    round: Mapped[Round] = relationship(back_populates="pools")
    unit: Mapped[Unit | None] = relationship()
    track: Mapped[Track | None] = relationship()


class Team(db.Model):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_folded: Mapped[str] = mapped_column(String(120), index=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The school or organisation the team represents (counts and pools by unit).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    leader: Mapped[User] = relationship(foreign_keys=[leader_id])
    advisor: Mapped[User | None] = relationship(foreign_keys=[advisor_id])
    unit: Mapped[Unit | None] = relationship()
    members: Mapped[list[TeamMember]] = relationship(
        back_populates="team", cascade="all, delete-orphan", order_by="TeamMember.id"
    )

    @validates("name")
    def _fold_name(self, _key: str, value: str) -> str:
        return keep_folded(self, "name_folded", value)

    def member_for(self, user: User) -> TeamMember | None:
        return next((m for m in self.members if m.user_id == user.id), None)

    def is_member(self, user: User) -> bool:
        return user.is_authenticated and self.member_for(user) is not None

    def is_leader(self, user: User) -> bool:
        return user.is_authenticated and self.leader_id == user.id

    def is_advisor(self, user: User) -> bool:
        return user.is_authenticated and self.advisor_id == user.id

    def can_view(self, user: User) -> bool:
        return self.is_member(user) or self.is_advisor(user)

    def can_edit(self, user: User) -> bool:
        """Members work on the team's entries; the leader manages the team itself."""
        return self.is_member(user)


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class TeamMember(db.Model):
    """A member with the details the organizers need (filled in by the member)."""

    __tablename__ = "team_members"
    __table_args__ = (
        UniqueConstraint("team_id", "user_id"),
        CheckConstraint("gender IS NULL OR " + one_of("gender", Gender), name="gender"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(120))
    date_of_birth: Mapped[date | None]
    # Counted by the programme's yearly figures (entries by gender); not asked of judges.
    gender: Mapped[str | None] = mapped_column(String(10))
    school: Mapped[str | None] = mapped_column(String(200))
    class_or_major: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class InvitationRole(StrEnum):
    MEMBER = "member"
    ADVISOR = "advisor"


class TeamInvitation(db.Model):
    """A single-use, expiring invitation to join a team (as a member or its advisor)."""

    __tablename__ = "team_invitations"
    __table_args__ = (
        CheckConstraint(one_of("role", InvitationRole), name="role"),
        CheckConstraint(
            "response IS NULL OR response IN ('accepted', 'declined', 'cancelled')",
            name="response",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[str] = mapped_column(String(10), default=InvitationRole.MEMBER)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]
    response: Mapped[str | None] = mapped_column(String(10))

    team: Mapped[Team] = relationship()
    invited_by: Mapped[User] = relationship()

    @property
    def is_pending(self) -> bool:
        return self.response is None and self.expires_at > utcnow()


class Sector(db.Model):
    """A sector tag of a project (agriculture, tourism, education…)."""

    __tablename__ = "sectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_vi: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_vi


entry_sectors = Table(
    "entry_sectors",
    db.metadata,
    Column("entry_id", Integer, ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True),
    Column("sector_id", Integer, ForeignKey("sectors.id", ondelete="CASCADE"), primary_key=True),
)


class EntryStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    ACCEPTED = "accepted"  # eligible after screening
    REJECTED = "rejected"  # ineligible, with a reason


class Stage(StrEnum):
    IDEA = "idea"
    PROTOTYPE = "prototype"
    EARLY_REVENUE = "early_revenue"


# The fields of an entry that a submission freezes into a version.
ENTRY_CONTENT_FIELDS = (
    "title",
    "summary",
    "problem",
    "solution",
    "customers",
    "business_model",
    "stage",
    "traction",
    "funding_needs",
    "video_url",
    "from_science_fair",
    "science_fair_note",
)


class Entry(db.Model):
    """A team's project in one competition and track."""

    __tablename__ = "entries"
    __table_args__ = (
        CheckConstraint(one_of("status", EntryStatus), name="status"),
        CheckConstraint(one_of("stage", Stage), name="stage"),
        CheckConstraint(
            "video_url IS NULL OR video_url LIKE 'http://%' OR video_url LIKE 'https://%'",
            name="video_url_http",
        ),
        UniqueConstraint("code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id"), index=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    # The unit the entry counts for: the team's school or organisation when submitted.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=EntryStatus.DRAFT, index=True)
    # Readable confirmation code, given at the first submission.
    code: Mapped[str | None] = mapped_column(String(30))

    title: Mapped[str] = mapped_column(String(200))
    title_folded: Mapped[str] = mapped_column(String(200), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    problem: Mapped[str] = mapped_column(Text, default="")
    solution: Mapped[str] = mapped_column(Text, default="")
    customers: Mapped[str] = mapped_column(Text, default="")
    business_model: Mapped[str] = mapped_column(Text, default="")
    stage: Mapped[str] = mapped_column(String(15), default=Stage.IDEA)
    traction: Mapped[str] = mapped_column(Text, default="")
    funding_needs: Mapped[str] = mapped_column(Text, default="")
    video_url: Mapped[str | None] = mapped_column(String(500))
    deck_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    # Grown out of a high-school science and engineering fair project (cuộc thi KHKT).
    from_science_fair: Mapped[bool] = mapped_column(default=False)
    science_fair_note: Mapped[str | None] = mapped_column(String(300))

    # Entered by an organizer from a paper submission.
    is_paper: Mapped[bool] = mapped_column(default=False)
    review_reason: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    # Bumped by every save: a form posted from a stale page (a second tab, a double
    # click) is told instead of overwriting or submitting twice.
    lock_version: Mapped[int] = mapped_column(default=1)

    competition: Mapped[Competition] = relationship()
    track: Mapped[Track] = relationship()
    team: Mapped[Team] = relationship()
    unit: Mapped[Unit | None] = relationship()
    deck: Mapped[StoredFile | None] = relationship(foreign_keys=[deck_file_id])
    images: Mapped[list[EntryImage]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="EntryImage.position"
    )
    sectors: Mapped[list[Sector]] = relationship(secondary=entry_sectors, order_by=Sector.code)
    versions: Mapped[list[EntryVersion]] = relationship(
        back_populates="entry", order_by="EntryVersion.number", cascade="all, delete-orphan"
    )

    @validates("title")
    def _fold_title(self, _key: str, value: str) -> str:
        return keep_folded(self, "title_folded", value)

    def can_view(self, user: User) -> bool:
        """The team and its advisor, and the organizers of the competition's unit."""
        return self.team.can_view(user) or self.competition.can_manage(user)

    def can_edit(self, user: User) -> bool:
        return self.team.can_edit(user) and self.status in (
            EntryStatus.DRAFT,
            EntryStatus.SUBMITTED,
        )

    def content(self) -> dict:
        data = {name: getattr(self, name) for name in ENTRY_CONTENT_FIELDS}
        data["sectors"] = [sector.code for sector in self.sectors]
        return data

    @property
    def latest_version(self) -> EntryVersion | None:
        return self.versions[-1] if self.versions else None


class EntryImage(db.Model):
    __tablename__ = "entry_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    position: Mapped[int] = mapped_column(default=0)

    entry: Mapped[Entry] = relationship(back_populates="images")
    file: Mapped[StoredFile] = relationship()


class EntryVersion(db.Model):
    """An immutable snapshot taken at each submission."""

    __tablename__ = "entry_versions"
    __table_args__ = (UniqueConstraint("entry_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    content: Mapped[dict] = mapped_column(JSON)
    deck_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    image_file_ids: Mapped[list] = mapped_column(JSON, default=list)
    is_paper: Mapped[bool] = mapped_column(default=False)

    entry: Mapped[Entry] = relationship(back_populates="versions")
    submitted_by: Mapped[User | None] = relationship()
    deck: Mapped[StoredFile | None] = relationship(foreign_keys=[deck_file_id])
