"""Server-side sessions behind Flask-Login.

The id Flask-Login keeps in the session cookie and in the remember-me cookie is a
random token whose digest names a `UserSession` row. Logging out revokes that row;
a password change or disabling an account revokes every row of the user. A revoked
or expired row loads nobody, so a replayed cookie lands on the login page.
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta

from flask import current_app, request, session
from flask_login import login_user, logout_user
from sqlalchemy import select, update

from app.auth.models import UserSession, token_digest
from app.db import db, utcnow
from app.extensions import login_manager
from app.people.models import User

SEEN_KEY = "_seen"


def start_session(user: User, *, remember: bool = False) -> UserSession:
    token = secrets.token_urlsafe(32)
    lifetime: timedelta = (
        current_app.config["REMEMBER_COOKIE_DURATION"]
        if remember
        else current_app.config["SESSION_ABSOLUTE_TIMEOUT"]
    )
    record = UserSession(
        user_id=user.id,
        token_hash=token_digest(token),
        remember=remember,
        expires_at=utcnow() + lifetime,
        ip=request.remote_addr,
        user_agent=(request.user_agent.string or "")[:200],
    )
    db.session.add(record)
    record.cookie_id = token
    user.current_session = record
    user.last_login_at = utcnow()
    session.clear()  # a fresh session id on sign-in: no fixation
    login_user(user, remember=remember)
    session[SEEN_KEY] = time.time()
    return record


def end_session(user: User) -> None:
    if user.current_session is not None:
        user.current_session.revoked_at = utcnow()
    # Clear first: logout_user() leaves the flag that makes Flask-Login delete the
    # remember-me cookie from the browser, and clearing after it would drop that flag.
    session.clear()
    logout_user()


def revoke_all_sessions(user: User) -> int:
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


@login_manager.user_loader
def load_user(cookie_id: str) -> User | None:
    record = db.session.scalar(
        select(UserSession).where(UserSession.token_hash == token_digest(cookie_id))
    )
    if record is None or record.revoked_at is not None or record.expires_at <= utcnow():
        return None
    user = record.user
    if not user.is_active:
        return None
    record.cookie_id = cookie_id
    user.current_session = record
    return user


def enforce_idle_timeout(user: User) -> bool:
    """End a session left idle too long. Remembered sessions are bounded by their
    absolute lifetime only: that is what "remember me" asks for. Returns True when the
    session was ended."""
    record = user.current_session
    if record is None or record.remember:
        return False
    now = time.time()
    seen = session.get(SEEN_KEY, now)
    idle: timedelta = current_app.config["SESSION_IDLE_TIMEOUT"]
    if now - seen > idle.total_seconds():
        end_session(user)
        return True
    session[SEEN_KEY] = now
    return False
