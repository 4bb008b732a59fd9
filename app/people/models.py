"""Users, roles (one person may hold several) and expertise tags."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.db import db, sort_key_type, utcnow
from app.vietnamese import fold, name_sort_string

if TYPE_CHECKING:
    from app.units.models import Unit


class Role(StrEnum):
    ADMIN = "admin"
    ORGANIZER = "organizer"
    JUDGE = "judge"
    MENTOR = "mentor"
    PARTICIPANT = "participant"


ROLE_VALUES = tuple(role.value for role in Role)

user_expertise = Table(
    "user_expertise",
    db.metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "tag_id", Integer, ForeignKey("expertise_tags.id", ondelete="CASCADE"), primary_key=True
    ),
)


class ExpertiseTag(db.Model):
    """A field an expert judges or mentors in (finance, marketing, agriculture…)."""

    __tablename__ = "expertise_tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_vi: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_vi


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    # Derived from full_name: diacritic-free text for search, Vietnamese order for lists.
    name_folded: Mapped[str] = mapped_column(String(120), index=True)
    name_sort: Mapped[str] = mapped_column(sort_key_type(), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(String(120))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    locale: Mapped[str] = mapped_column(String(5), default="vi")
    # None until the person sets one through an activation link.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    email_verified_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    unit: Mapped[Unit | None] = relationship()
    roles: Mapped[list[RoleGrant]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        foreign_keys="RoleGrant.user_id",
        lazy="selectin",
    )
    expertise: Mapped[list[ExpertiseTag]] = relationship(
        secondary=user_expertise, order_by=ExpertiseTag.code
    )

    # Set by the session loader: the server-side session this request runs in.
    current_session = None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

    @validates("full_name")
    def _derive_name_keys(self, _key: str, value: str) -> str:
        value = " ".join(value.split())
        self.name_folded = fold(value)
        self.name_sort = name_sort_string(value)
        return value

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return normalise_email(value)

    # Flask-Login: the id stored in the cookie is the server-side session token, so a
    # session can be revoked on its own (see app.auth.sessions).
    def get_id(self) -> str | None:
        return self.current_session.cookie_id if self.current_session else None

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.disabled_at is None

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def given_name(self) -> str:
        return self.full_name.split()[-1] if self.full_name else ""

    def role_names(self) -> set[str]:
        return {grant.role for grant in self.roles}

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_names() & set(roles))

    @property
    def is_admin(self) -> bool:
        return self.has_role(Role.ADMIN)

    def organizer_units(self) -> list[Unit]:
        return [grant.unit for grant in self.roles if grant.role == Role.ORGANIZER and grant.unit]

    def organizes(self, unit: Unit | None) -> bool:
        """Organizer of `unit` or of one of its ancestors (admins organise everything)."""
        if self.is_admin:
            return True
        if unit is None:
            return False
        return any(own.contains(unit) for own in self.organizer_units())


def normalise_email(value: str) -> str:
    return value.strip().lower()


class RoleGrant(db.Model):
    """A role held by a user; an organizer's grant names the unit it is scoped to."""

    __tablename__ = "role_grants"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "unit_id"),
        CheckConstraint(
            "role IN (" + ", ".join(f"'{value}'" for value in ROLE_VALUES) + ")", name="role"
        ),
        CheckConstraint("(role = 'organizer') = (unit_id IS NOT NULL)", name="organizer_has_unit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])
    unit: Mapped[Unit | None] = relationship(lazy="joined")
