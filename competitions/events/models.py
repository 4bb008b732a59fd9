"""Programme events: startup festivals (Ngày hội khởi nghiệp) at local, cluster or province
level, specialised forums and workshops, and trainings for the cohort; who registered and
who came.

A registration carries a short random code: printed as a QR code on the participant's page,
it is what an organizer's phone scans at the door. Times are stored in UTC; `year` is the
local (Asia/Ho_Chi_Minh) year the event starts in, the year the programme counts it in.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.db import db, keep_folded, one_of, utcnow
from app.people.models import User
from app.units.models import Unit
from competitions.models import Sector


class EventKind(StrEnum):
    FESTIVAL = "festival"
    FORUM = "forum"
    WORKSHOP = "workshop"
    TRAINING = "training"


class EventLevel(StrEnum):
    LOCAL = "local"
    CLUSTER = "cluster"
    PROVINCE = "province"


class EventStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class AttendanceMethod(StrEnum):
    LIST = "list"
    SCAN = "scan"


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint(one_of("kind", EventKind), name="kind"),
        CheckConstraint(one_of("level", EventLevel), name="level"),
        CheckConstraint(one_of("status", EventStatus), name="status"),
        CheckConstraint("ends_at > starts_at", name="schedule"),
        CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    level: Mapped[str] = mapped_column(String(10), default=EventLevel.PROVINCE)
    title: Mapped[str] = mapped_column(String(200))
    title_folded: Mapped[str] = mapped_column(String(200), index=True)
    # The sector of a specialised forum or workshop (diễn đàn chuyên sâu từng lĩnh vực).
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sectors.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    year: Mapped[int] = mapped_column(index=True)
    place: Mapped[str] = mapped_column(String(300))
    organizer_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(10), default=EventStatus.DRAFT)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None]

    sector: Mapped[Sector | None] = relationship()
    organizer_unit: Mapped[Unit] = relationship()

    @validates("title")
    def _fold_title(self, _key: str, value: str) -> str:
        return keep_folded(self, "title_folded", value)

    def can_manage(self, user: User) -> bool:
        return user.is_authenticated and user.organizes(self.organizer_unit)

    def can_view(self, user: User) -> bool:
        """Drafts are the organizers'; published and cancelled events are public."""
        return self.status != EventStatus.DRAFT or self.can_manage(user)

    def is_held(self, now: datetime) -> bool:
        """Counted by the programme: published and already started."""
        return self.status == EventStatus.PUBLISHED and self.starts_at <= now


class EventRegistration(db.Model):
    __tablename__ = "event_registrations"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id"),
        CheckConstraint(
            "attendance_method IS NULL OR " + one_of("attendance_method", AttendanceMethod),
            name="attendance_method",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # What the QR code on the participant's registration holds.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Someone else when an organizer registered the participant on their behalf.
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    attended_at: Mapped[datetime | None]
    attendance_method: Mapped[str | None] = mapped_column(String(10))
    attendance_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    event: Mapped[Event] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    registered_by: Mapped[User | None] = relationship(foreign_keys=[registered_by_id])
