"""Judging: the rubric and settings of a round, the entries it judges, its panel of judges,
conflicts of interest, assignments, score sheets, awards and published results.

The database holds the rules that must never be broken whatever the code does: one sheet per
judge and entry of a round, one score per sheet and criterion (so one score per judge × entry ×
criterion), one assignment per judge and entry, one conflict row per judge and entry, scores and
maxima that are never negative. Which judge may score what (assigned, not conflicted, inside the
window) is checked by the services, which refuse before they change anything.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import db, one_of, utcnow
from app.people.models import User
from competitions.models import Entry, Pool, Round, Track


class RankingMethod(StrEnum):
    MEAN = "mean"
    MEDIAN = "median"
    TRIMMED = "trimmed"
    NORMALISED = "normalised"


class JudgingMode(StrEnum):
    ASSIGNED = "assigned"  # each entry gets k judges of its pool
    PANEL = "panel"  # every panel judge scores every entry of the pool (live finals)


class RoundJudging(db.Model):
    """How a round is judged and ranked; one row per round, made on first use."""

    __tablename__ = "round_judging"
    __table_args__ = (
        CheckConstraint(one_of("mode", JudgingMode), name="mode"),
        CheckConstraint(one_of("method", RankingMethod), name="method"),
        CheckConstraint("score_step > 0", name="score_step"),
        CheckConstraint("judges_per_entry >= 1", name="judges_per_entry"),
        CheckConstraint("default_cap IS NULL OR default_cap >= 1", name="default_cap"),
    )

    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    mode: Mapped[str] = mapped_column(String(10), default=JudgingMode.ASSIGNED)
    # Scores are multiples of the step (0.5 lets a judge give 8,5).
    score_step: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("0.5"))
    judges_per_entry: Mapped[int] = mapped_column(default=3)
    # Most entries one judge is given unless their panel membership says otherwise.
    default_cap: Mapped[int | None]
    method: Mapped[str] = mapped_column(String(12), default=RankingMethod.MEAN)
    # Comma-separated, applied in order: "criteria,judge_count".
    tie_breaks: Mapped[str] = mapped_column(String(60), default="criteria,judge_count")
    # A sheet whose judges' totals differ more than this (SD / range, 0–100 scale) is flagged.
    disagreement_sd: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("15"))
    disagreement_range: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("30"))
    # Set when an organizer closes judging early (the window's end closes it otherwise).
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Advancement confirmed and results made public.
    advancement_confirmed_at: Mapped[datetime | None]
    results_published_at: Mapped[datetime | None]
    results_published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The final round's awards confirmed by an organizer (its results may then be published).
    awards_confirmed_at: Mapped[datetime | None]

    round: Mapped[Round] = relationship()

    @property
    def tie_break_list(self) -> list[str]:
        return [part for part in self.tie_breaks.split(",") if part]


class RubricCriterion(db.Model):
    """One line of a round's rubric; position is also the tie-break priority."""

    __tablename__ = "rubric_criteria"
    __table_args__ = (
        UniqueConstraint("round_id", "position"),
        CheckConstraint("max_score > 0", name="max_score"),
        CheckConstraint("weight > 0", name="weight"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    max_score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    # Level descriptors shown beside the score: [{"min": 0, "max": 5, "text": "…"}, …].
    levels: Mapped[list] = mapped_column(JSON, default=list)

    round: Mapped[Round] = relationship()


class EntrySource(StrEnum):
    SCREENING = "screening"  # accepted entries placed into the first round
    ADVANCED = "advanced"  # came through the previous round's advancement
    ORGANIZER = "organizer"  # added by hand, with a reason in the audit log


class AdvancementDecision(StrEnum):
    ADVANCE = "advance"
    STOP = "stop"


class RoundEntry(db.Model):
    """An entry taking part in a round, in one of its pools."""

    __tablename__ = "round_entries"
    __table_args__ = (
        UniqueConstraint("round_id", "entry_id"),
        CheckConstraint(one_of("source", EntrySource), name="source"),
        CheckConstraint(
            "decision IS NULL OR " + one_of("decision", AdvancementDecision), name="decision"
        ),
        CheckConstraint(
            "carried_score IS NULL OR (carried_score >= 0 AND carried_score <= 100)",
            name="carried_score",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    pool_id: Mapped[int | None] = mapped_column(
        ForeignKey("pools.id", ondelete="SET NULL"), index=True
    )
    # An organizer moved the entry to its pool by hand: placing entries again keeps it there.
    pool_by_hand: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(10), default=EntrySource.SCREENING)
    # The previous round's final score (0–100), when the round carries scores over.
    carried_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Advancement: proposed by the round's rule, confirmed or adjusted by an organizer.
    decision: Mapped[str | None] = mapped_column(String(10))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    # Frozen when results are published: what teams and the public see.
    published_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    published_rank: Mapped[int | None]

    round: Mapped[Round] = relationship()
    entry: Mapped[Entry] = relationship()
    pool: Mapped[Pool | None] = relationship()


class PanelStatus(StrEnum):
    ACTIVE = "active"
    REMOVED = "removed"


class PanelMember(db.Model):
    """A judge on a round's panel, for the whole round, one pool or one track."""

    __tablename__ = "panel_members"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id"),
        CheckConstraint(one_of("status", PanelStatus), name="status"),
        CheckConstraint("cap IS NULL OR cap >= 0", name="cap"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    pool_id: Mapped[int | None] = mapped_column(ForeignKey("pools.id", ondelete="SET NULL"))
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id", ondelete="SET NULL"))
    # Most entries this judge is given; None = the round's default cap (or no cap).
    cap: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(10), default=PanelStatus.ACTIVE)
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The judge has gone through the entries of their scope and declared their conflicts:
    # until then no entry of the round opens for them.
    conflicts_declared_at: Mapped[datetime | None]

    round: Mapped[Round] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    pool: Mapped[Pool | None] = relationship()
    track: Mapped[Track | None] = relationship()

    def covers(self, round_entry: RoundEntry) -> bool:
        """Whether an entry falls in this judge's scope."""
        if self.pool_id is not None and round_entry.pool_id != self.pool_id:
            return False
        return self.track_id is None or round_entry.entry.track_id == self.track_id


class ConflictSource(StrEnum):
    DECLARED = "declared"  # by the judge
    DETECTED = "detected"  # by the system (same school or organisation, member or advisor)
    ORGANIZER = "organizer"  # recused by an organizer


class ConflictStatus(StrEnum):
    ACTIVE = "active"  # a hard exclusion from assignment and scoring
    OVERRIDDEN = "overridden"  # an organizer judged it harmless, with a reason


class Conflict(db.Model):
    """A conflict of interest between a judge and an entry."""

    __tablename__ = "conflicts"
    __table_args__ = (
        UniqueConstraint("user_id", "entry_id"),
        CheckConstraint(one_of("source", ConflictSource), name="source"),
        CheckConstraint(one_of("status", ConflictStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default=ConflictStatus.ACTIVE)
    # Why: the judge's words, the detected link ("same_unit", "member", "advisor"), or the
    # organizer's reason for a recusal.
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    override_reason: Mapped[str | None] = mapped_column(Text)
    overridden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    overridden_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    entry: Mapped[Entry] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status == ConflictStatus.ACTIVE


class AssignmentStatus(StrEnum):
    PROPOSED = "proposed"  # from the optimiser, shown to organizers only until published
    PUBLISHED = "published"


class AssignmentSource(StrEnum):
    MANUAL = "manual"
    AUTO = "auto"
    PANEL = "panel"


class JudgeAssignment(db.Model):
    """A judge asked to score an entry of a round."""

    __tablename__ = "judge_assignments"
    __table_args__ = (
        UniqueConstraint("round_entry_id", "user_id"),
        CheckConstraint(one_of("status", AssignmentStatus), name="status"),
        CheckConstraint(one_of("source", AssignmentSource), name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_entry_id: Mapped[int] = mapped_column(
        ForeignKey("round_entries.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=AssignmentStatus.PROPOSED)
    source: Mapped[str] = mapped_column(String(10), default=AssignmentSource.MANUAL)
    # Why the optimiser chose this pair: [["expertise:finance", -2.0], …].
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None]

    round_entry: Mapped[RoundEntry] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class SheetStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class SheetOrigin(StrEnum):
    ONLINE = "online"  # by the judge
    PAPER_IMPORT = "import"  # from an organizer's xlsx of paper sheets
    PAPER_MANUAL = "manual"  # typed in by an organizer from a paper sheet


class ScoreSheet(db.Model):
    """One judge's scores and comments for one entry of a round."""

    __tablename__ = "score_sheets"
    __table_args__ = (
        UniqueConstraint("round_entry_id", "user_id"),
        CheckConstraint(one_of("status", SheetStatus), name="status"),
        CheckConstraint(one_of("origin", SheetOrigin), name="origin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_entry_id: Mapped[int] = mapped_column(
        ForeignKey("round_entries.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=SheetStatus.DRAFT)
    origin: Mapped[str] = mapped_column(String(10), default=SheetOrigin.ONLINE)
    # Shown to the team (without the judge's name) once results are published.
    comment_for_team: Mapped[str] = mapped_column(Text, default="")
    # For the organizers only.
    private_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    # Who typed it when it is not the judge (paper sheets).
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Bumped by every save: a save from a stale page (a second tab) is told, not applied.
    lock_version: Mapped[int] = mapped_column(default=1)

    round_entry: Mapped[RoundEntry] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    scores: Mapped[list[Score]] = relationship(
        back_populates="sheet", cascade="all, delete-orphan", order_by="Score.criterion_id"
    )

    @property
    def is_paper(self) -> bool:
        return self.origin != SheetOrigin.ONLINE


class Score(db.Model):
    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("sheet_id", "criterion_id"),
        CheckConstraint("value >= 0", name="value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(
        ForeignKey("score_sheets.id", ondelete="CASCADE"), index=True
    )
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("rubric_criteria.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[Decimal] = mapped_column(Numeric(6, 2))

    sheet: Mapped[ScoreSheet] = relationship(back_populates="scores")
    criterion: Mapped[RubricCriterion] = relationship()


class AwardKind(StrEnum):
    FIRST = "first"  # Giải Nhất
    SECOND = "second"  # Giải Nhì
    THIRD = "third"  # Giải Ba
    CONSOLATION = "consolation"  # Giải Khuyến khích
    SPECIAL = "special"  # a named special prize


class Award(db.Model):
    """A prize of a round (normally the final), with how many entries may receive it."""

    __tablename__ = "awards"
    __table_args__ = (
        CheckConstraint(one_of("kind", AwardKind), name="kind"),
        CheckConstraint("quota >= 1", name="quota"),
        UniqueConstraint("round_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)
    quota: Mapped[int] = mapped_column(default=1)

    round: Mapped[Round] = relationship()
    winners: Mapped[list[AwardWinner]] = relationship(
        back_populates="award", cascade="all, delete-orphan", order_by="AwardWinner.id"
    )


class AwardWinner(db.Model):
    __tablename__ = "award_winners"
    __table_args__ = (UniqueConstraint("award_id", "round_entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id", ondelete="CASCADE"), index=True)
    round_entry_id: Mapped[int] = mapped_column(
        ForeignKey("round_entries.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    award: Mapped[Award] = relationship(back_populates="winners")
    round_entry: Mapped[RoundEntry] = relationship()


class ReminderLog(db.Model):
    """A reminder sent to a judge about missing scores (so organizers see who was nudged)."""

    __tablename__ = "judge_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    missing: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
