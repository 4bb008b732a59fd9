"""Single-use, expiring links (email verification, password reset, activation)."""

from __future__ import annotations

import secrets

from flask import current_app
from sqlalchemy import select, update

from app.auth.models import AccountToken, TokenPurpose, token_digest
from app.db import db, utcnow
from app.people.models import User

TTL_SETTING = {
    TokenPurpose.VERIFY_EMAIL: "VERIFY_TOKEN_TTL",
    TokenPurpose.RESET_PASSWORD: "RESET_TOKEN_TTL",
    TokenPurpose.ACTIVATE: "ACTIVATION_TOKEN_TTL",
}


class TokenError(Exception):
    """The link cannot be used; `reason` is one of invalid, used, expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def issue_token(user: User, purpose: TokenPurpose) -> str:
    """A new link; earlier unused links of the same purpose stop working."""
    db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=token_digest(token),
            expires_at=utcnow() + current_app.config[TTL_SETTING[purpose]],
        )
    )
    return token


def peek_token(token: str, purpose: TokenPurpose) -> AccountToken:
    """The token row if it can still be used; nothing is changed."""
    row = db.session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == token_digest(token), AccountToken.purpose == purpose
        )
    )
    if row is None:
        raise TokenError("invalid")
    if row.used_at is not None:
        raise TokenError("used")
    if row.expires_at <= utcnow():
        raise TokenError("expired")
    return row


def consume_token(token: str, purpose: TokenPurpose) -> User:
    """Use the link once. The update only succeeds for an unused row, so two parallel
    requests with the same link cannot both pass."""
    row = peek_token(token, purpose)
    result = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise TokenError("used")
    return row.user
