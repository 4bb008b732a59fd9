"""The outbox: a message is a row written in the same transaction as the change that
causes it. It is sent after the commit (or by `flask mail send-pending` in production),
retried with backoff while the SMTP server is down, and never lost.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from email.header import Header
from email.policy import compat32
from typing import Any

import flask_mail
from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import ForeignKey, String, Text, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from app.db import after_commit, db, utcnow

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    last_error: Mapped[str | None] = mapped_column(String(500))

    @property
    def status(self) -> str:
        if self.sent_at:
            return "sent"
        return "retrying" if self.attempts else "pending"


def one_line(text: str) -> str:
    """Header values never carry line breaks (no header injection from user text)."""
    return " ".join(str(text).split())


def render_mail(
    to: str,
    subject: str,
    template: str,
    *,
    locale: str = "vi",
    user_id: int | None = None,
    **context: Any,
) -> dict[str, Any]:
    """The outbox row's values for `<template>.txt` and `<template>.html` rendered in the
    recipient's language."""
    with force_locale(locale):
        text = render_template(f"{template}.txt", **context)
        html = render_template(f"{template}.html", **context)
        subject = one_line(str(subject))[:255]
    return {
        "recipient": to,
        "user_id": user_id,
        "subject": subject,
        "body_text": text,
        "body_html": html,
    }


def queue_mail(
    to: str,
    subject: str,
    template: str,
    *,
    locale: str = "vi",
    user_id: int | None = None,
    **context: Any,
) -> OutboxMessage:
    """Render the message in the recipient's language and add it to the current
    transaction."""
    values = render_mail(to, subject, template, locale=locale, user_id=user_id, **context)
    message = OutboxMessage(**values)
    db.session.add(message)
    _send_after_commit()
    return message


def queue_mails(messages: list[dict[str, Any]]) -> None:
    """Add many rendered messages (`render_mail`'s values) to the current transaction in one
    statement: an import writing a thousand activation emails needs no object per row."""
    if not messages:
        return
    now = utcnow()
    db.session.execute(
        insert(OutboxMessage), [{**m, "created_at": now, "next_attempt_at": now} for m in messages]
    )
    _send_after_commit()


def _send_after_commit() -> None:
    if current_app.config["MAIL_SEND_ON_COMMIT"]:
        after_commit(send_pending)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes, at most an hour: a dead server is not hammered, and mail
    goes out soon after it comes back."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


class _Message(flask_mail.Message):
    """The standard library's modern header folding puts the space between two
    encoded words outside them, where readers drop it: a long Vietnamese subject
    arrives as "của bạntrên". The legacy Header keeps each space inside its word."""

    def _message(self):  # noqa: ANN202
        message = super()._message()
        message.policy = compat32.clone(linesep="\r\n")
        del message["Subject"]
        message["Subject"] = Header(self.subject, "utf-8")
        return message


class _Connection(flask_mail.Connection):
    """Flask-Mail's connection with a timeout, so a server that hangs cannot hold a
    worker forever."""

    def configure_host(self) -> smtplib.SMTP:
        timeout = current_app.config["MAIL_TIMEOUT_SECONDS"]
        cls = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = cls(self.mail.server, self.mail.port, timeout=timeout)
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def _deliver(messages: list[OutboxMessage]) -> None:
    transport = current_app.config["MAIL_TRANSPORT"]
    if transport == "log":
        for message in messages:
            log.warning(
                "Email to %s: %s\n%s", message.recipient, message.subject, message.body_text
            )
            _mark_sent(message)
        return
    state = current_app.extensions["mail"]
    with _Connection(state) as connection:
        for message in messages:
            connection.send(
                _Message(
                    subject=message.subject,
                    recipients=[message.recipient],
                    body=message.body_text,
                    html=message.body_html,
                    sender=current_app.config["MAIL_DEFAULT_SENDER"],
                )
            )
            _mark_sent(message)


def _mark_sent(message: OutboxMessage) -> None:
    message.sent_at = utcnow()
    message.last_error = None
    message.attempts += 1
    # Committed one by one: a crash after a send never resends what went out before it.
    db.session.commit()


def send_pending(limit: int = 200) -> tuple[int, int]:
    """Send the messages that are due. Returns (sent, failed). Safe to run in several
    workers on PostgreSQL: rows being sent by another worker are skipped."""
    now = utcnow()
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    due = list(db.session.scalars(query))
    if not due:
        db.session.commit()
        return 0, 0
    try:
        _deliver(due)
    except (OSError, smtplib.SMTPException) as exc:
        failed = [message for message in due if message.sent_at is None]
        for message in failed:
            message.attempts += 1
            message.next_attempt_at = utcnow() + backoff(message.attempts)
            message.last_error = one_line(f"{type(exc).__name__}: {exc}")[:500]
        db.session.commit()
        log.warning("Mail server unavailable, %d message(s) wait for retry: %s", len(failed), exc)
        return len(due) - len(failed), len(failed)
    return len(due), 0
