"""Server-side sessions, single-use links and failed logins."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import db, utcnow
from app.people.models import User


def token_digest(token: str) -> str:
    """Only a digest of a secret token is stored: a leaked table opens no account."""
    return hashlib.sha256(token.encode()).hexdigest()


class UserSession(db.Model):
    """One signed-in browser. The cookie carries `cookie_id`; revoking the row ends the
    session and its remember-me cookie at once, wherever they are replayed from."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))

    user: Mapped[User] = relationship()

    # The raw token exists only in the request that created the session.
    cookie_id = None


class TokenPurpose(StrEnum):
    VERIFY_EMAIL = "verify_email"
    # A purpose name, not a secret.
    RESET_PASSWORD = "reset_password"  # noqa: S105  # nosec B105
    ACTIVATE = "activate"


class AccountToken(db.Model):
    """A single-use, expiring link sent by email."""

    __tablename__ = "account_tokens"
    __table_args__ = (
        CheckConstraint(
            "purpose IN ('verify_email', 'reset_password', 'activate')", name="purpose"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class LoginFailure(db.Model):
    """A failed sign-in, counted per account and per address for throttling."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    ip: Mapped[str] = mapped_column(String(45), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
