"""Sign-in throttling: failures are counted per account and per address.

The per-address limit is high on purpose: a festival venue puts a couple of hundred
judges behind one address, and their successful sign-ins never count.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from app.auth.models import LoginFailure
from app.db import db, utcnow


def is_throttled(email: str, ip: str) -> bool:
    config = current_app.config
    window: timedelta = config["LOGIN_FAILURE_WINDOW"]
    since = utcnow() - window
    by_account = db.session.scalar(
        select(func.count()).where(LoginFailure.email == email, LoginFailure.at > since)
    )
    if by_account >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]:
        return True
    by_ip = db.session.scalar(
        select(func.count()).where(LoginFailure.ip == ip, LoginFailure.at > since)
    )
    return by_ip >= config["LOGIN_MAX_FAILURES_PER_IP"]


def record_failure(email: str, ip: str) -> None:
    db.session.add(LoginFailure(email=email, ip=ip))


def clear_failures(email: str) -> None:
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == email))
