"""Accelerator: the yearly cohort and its milestones, the teams selected into it, the local
expert panel's profiles, mentor matches, mentoring sessions with their agreed actions, KPI
reports and milestone progress.

The database holds what must never be broken whatever the code does: a team is in a cohort at
most once, a mentor is matched to a team at most once, a KPI report per team and period,
capacities, durations, ratings and KPI figures within their bounds. Who may do what (a mentor
logs only for matched teams, capacity when matching by hand) is checked by the services, which
refuse before they change anything.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

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
from app.people.models import ExpertiseTag, User
from app.units.models import Unit
from competitions.models import Entry, Sector, Stage, Team


class MilestoneKind(StrEnum):
    TRAINING = "training"  # tập huấn
    CHECK_IN = "check_in"  # kiểm tra tiến độ
    DEMO_DAY = "demo_day"  # ngày trình diễn
    OTHER = "other"


class Cohort(db.Model):
    """One year's acceleration programme, run by the organizers of its owner unit."""

    __tablename__ = "cohorts"
    __table_args__ = (
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year"),
        CheckConstraint("capacity >= 1", name="capacity"),
        CheckConstraint("mentors_per_team BETWEEN 1 AND 5", name="mentors_per_team"),
        CheckConstraint("inactive_weeks BETWEEN 1 AND 26", name="inactive_weeks"),
        CheckConstraint("ends_on >= starts_on", name="dates"),
        UniqueConstraint("owner_unit_id", "year", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    year: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    name_folded: Mapped[str] = mapped_column(String(200), index=True)
    capacity: Mapped[int]
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    description: Mapped[str] = mapped_column(Text, default="")
    # m: how many mentors each team gets when matching.
    mentors_per_team: Mapped[int] = mapped_column(default=2)
    # A pair with no session for this many weeks is reminded and shown as inactive.
    inactive_weeks: Mapped[int] = mapped_column(default=3)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    owner_unit: Mapped[Unit] = relationship()
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="cohort",
        order_by="Milestone.due_on",
        cascade="all, delete-orphan",
    )

    @validates("name")
    def _fold_name(self, _key: str, value: str) -> str:
        return keep_folded(self, "name_folded", value)

    def can_manage(self, user: User) -> bool:
        return user.is_authenticated and user.organizes(self.owner_unit)


class Milestone(db.Model):
    """A dated step of the programme (a training, a check-in, the demo day)."""

    __tablename__ = "cohort_milestones"
    __table_args__ = (CheckConstraint(one_of("kind", MilestoneKind), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default=MilestoneKind.OTHER)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date]
    description: Mapped[str] = mapped_column(Text, default="")

    cohort: Mapped[Cohort] = relationship(back_populates="milestones")


class CandidateSource(StrEnum):
    AWARD = "award"  # won an award in published results
    RANK = "rank"  # ranked near the top of published results
    MANUAL = "manual"  # added by an organizer, with a reason


class MembershipStatus(StrEnum):
    CANDIDATE = "candidate"  # proposed, not chosen yet
    SELECTED = "selected"  # chosen by the organizers; invitation not sent yet
    INVITED = "invited"  # the team was asked
    ACCEPTED = "accepted"  # in the cohort (the roster)
    DECLINED = "declined"  # the team said no
    WITHDRAWN = "withdrawn"  # left, or taken off by the organizers


# Statuses that take a place out of the cohort's capacity.
HOLDS_A_PLACE = (MembershipStatus.SELECTED, MembershipStatus.INVITED, MembershipStatus.ACCEPTED)

team_needs = Table(
    "cohort_team_needs",
    db.metadata,
    Column(
        "cohort_team_id",
        Integer,
        ForeignKey("cohort_teams.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "tag_id", Integer, ForeignKey("expertise_tags.id", ondelete="CASCADE"), primary_key=True
    ),
)

team_preferences = Table(
    "cohort_team_preferences",
    db.metadata,
    Column(
        "cohort_team_id",
        Integer,
        ForeignKey("cohort_teams.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class CohortTeam(db.Model):
    """A team proposed for, selected into or taking part in a cohort, with what it needs."""

    __tablename__ = "cohort_teams"
    __table_args__ = (
        UniqueConstraint("cohort_id", "team_id"),
        CheckConstraint(one_of("source", CandidateSource), name="source"),
        CheckConstraint(one_of("status", MembershipStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    # The project that earned the place (an entry of published results), when there is one.
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id"), index=True)
    source: Mapped[str] = mapped_column(String(10), default=CandidateSource.MANUAL)
    # Why: the award or rank it came with, or the organizer's reason for a manual addition.
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=MembershipStatus.CANDIDATE)
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sectors.id"))
    needs_note: Mapped[str] = mapped_column(Text, default="")
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    invited_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    response_note: Mapped[str] = mapped_column(Text, default="")

    cohort: Mapped[Cohort] = relationship()
    team: Mapped[Team] = relationship()
    entry: Mapped[Entry | None] = relationship()
    sector: Mapped[Sector | None] = relationship()
    needs: Mapped[list[ExpertiseTag]] = relationship(
        secondary=team_needs, order_by="ExpertiseTag.code"
    )
    preferred_mentors: Mapped[list[User]] = relationship(secondary=team_preferences)

    @property
    def holds_a_place(self) -> bool:
        return self.status in HOLDS_A_PLACE


expert_sectors = Table(
    "expert_sectors",
    db.metadata,
    Column(
        "user_id",
        Integer,
        ForeignKey("expert_profiles.user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("sector_id", Integer, ForeignKey("sectors.id", ondelete="CASCADE"), primary_key=True),
)


class ExpertProfile(db.Model):
    """A member of the local expert panel (Tổ chuyên gia khởi nghiệp tại chỗ). Name, title,
    phone, unit and expertise are the account's; whether the expert judges, mentors or both
    are the account's roles."""

    __tablename__ = "expert_profiles"
    __table_args__ = (
        CheckConstraint("mentoring_capacity BETWEEN 0 AND 20", name="mentoring_capacity"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    organisation: Mapped[str] = mapped_column(String(200), default="")
    organisation_folded: Mapped[str] = mapped_column(String(200), default="", index=True)
    bio: Mapped[str] = mapped_column(Text, default="")
    # How many cohort teams the expert can mentor at once.
    mentoring_capacity: Mapped[int] = mapped_column(default=2)
    availability: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
    sectors: Mapped[list[Sector]] = relationship(secondary=expert_sectors, order_by="Sector.code")

    @validates("organisation")
    def _fold_organisation(self, _key: str, value: str) -> str:
        return keep_folded(self, "organisation_folded", value)


class MatchStatus(StrEnum):
    PROPOSED = "proposed"  # in the organizer's preview
    PUBLISHED = "published"  # both sides told; sessions may be logged
    RELEASED = "released"  # ended by an organizer (kept for the sessions it has)


class MatchSource(StrEnum):
    OPTIMISER = "optimiser"
    HAND = "hand"


class MentorMatch(db.Model):
    """A mentor matched to a cohort team, with why (the fit's components)."""

    __tablename__ = "mentor_matches"
    __table_args__ = (
        UniqueConstraint("cohort_team_id", "mentor_id"),
        CheckConstraint(one_of("status", MatchStatus), name="status"),
        CheckConstraint(one_of("source", MatchSource), name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    cohort_team_id: Mapped[int] = mapped_column(
        ForeignKey("cohort_teams.id", ondelete="CASCADE"), index=True
    )
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=MatchStatus.PROPOSED)
    source: Mapped[str] = mapped_column(String(10), default=MatchSource.OPTIMISER)
    fit: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(0))
    # The fit's components, to explain the match in the reader's language:
    # [{"kind": "need", "tag_id": 3}, {"kind": "sector", "sector_id": 1}, {"kind": "preferred"}]
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None]
    released_at: Mapped[datetime | None]
    released_reason: Mapped[str] = mapped_column(Text, default="")

    cohort: Mapped[Cohort] = relationship()
    cohort_team: Mapped[CohortTeam] = relationship()
    mentor: Mapped[User] = relationship(foreign_keys=[mentor_id])


class SessionFormat(StrEnum):
    ONLINE = "online"
    IN_PERSON = "in_person"


class LoggedBy(StrEnum):
    MENTOR = "mentor"
    TEAM = "team"


class SessionStatus(StrEnum):
    PENDING = "pending"  # waiting for the other side
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"


class MentoringSession(db.Model):
    """A session of a matched pair, logged by one side and confirmed or disputed by the other."""

    __tablename__ = "mentoring_sessions"
    __table_args__ = (
        CheckConstraint("duration_minutes BETWEEN 1 AND 720", name="duration"),
        CheckConstraint(one_of("format", SessionFormat), name="format"),
        CheckConstraint(one_of("logged_by", LoggedBy), name="logged_by"),
        CheckConstraint(one_of("status", SessionStatus), name="status"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(
        ForeignKey("mentor_matches.id", ondelete="CASCADE"), index=True
    )
    held_on: Mapped[date] = mapped_column(index=True)
    duration_minutes: Mapped[int]
    format: Mapped[str] = mapped_column(String(10), default=SessionFormat.IN_PERSON)
    topics: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    logged_by: Mapped[str] = mapped_column(String(10))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(10), default=SessionStatus.PENDING)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]
    dispute_note: Mapped[str] = mapped_column(Text, default="")
    # The team's rating of the session (1–5) and what it says.
    rating: Mapped[int | None]
    rating_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    match: Mapped[MentorMatch] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    actions: Mapped[list[SessionAction]] = relationship(
        back_populates="session", order_by="SessionAction.id", cascade="all, delete-orphan"
    )


class SessionAction(db.Model):
    """Something agreed in a session, with its due date."""

    __tablename__ = "session_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_sessions.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(String(500))
    due_on: Mapped[date | None]
    done_at: Mapped[datetime | None]

    session: Mapped[MentoringSession] = relationship(back_populates="actions")


class PairReminder(db.Model):
    """A reminder sent to a pair with no session for a while (so it is not sent twice)."""

    __tablename__ = "pair_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(
        ForeignKey("mentor_matches.id", ondelete="CASCADE"), index=True
    )
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_session_on: Mapped[date | None]


class KpiReport(db.Model):
    """A team's figures for one period (a month): the cohort's KPIs."""

    __tablename__ = "kpi_reports"
    __table_args__ = (
        UniqueConstraint("cohort_team_id", "period"),
        CheckConstraint("customers >= 0", name="customers"),
        CheckConstraint("revenue_vnd >= 0", name="revenue"),
        CheckConstraint("funding_vnd >= 0", name="funding"),
        CheckConstraint("jobs >= 0", name="jobs"),
        CheckConstraint(one_of("product_stage", Stage), name="product_stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_team_id: Mapped[int] = mapped_column(
        ForeignKey("cohort_teams.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[date]  # the first day of the month reported
    customers: Mapped[int] = mapped_column(default=0)
    revenue_vnd: Mapped[Decimal] = mapped_column(Numeric(16, 0), default=Decimal(0))
    funding_vnd: Mapped[Decimal] = mapped_column(Numeric(16, 0), default=Decimal(0))
    jobs: Mapped[int] = mapped_column(default=0)
    product_stage: Mapped[str] = mapped_column(String(15), default=Stage.IDEA)
    note: Mapped[str] = mapped_column(Text, default="")
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohort_team: Mapped[CohortTeam] = relationship()


class MilestoneProgress(db.Model):
    """A team has completed a milestone of its cohort."""

    __tablename__ = "milestone_progress"
    __table_args__ = (UniqueConstraint("milestone_id", "cohort_team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(
        ForeignKey("cohort_milestones.id", ondelete="CASCADE"), index=True
    )
    cohort_team_id: Mapped[int] = mapped_column(
        ForeignKey("cohort_teams.id", ondelete="CASCADE"), index=True
    )
    completed_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
