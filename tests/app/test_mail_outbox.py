"""Email leaves through the outbox: stored with the change, sent after the commit,
retried while the server is down, never lost and never sent twice."""

from __future__ import annotations

import socket
from contextlib import contextmanager
from datetime import timedelta

import time_machine
from flask import Response
from sqlalchemy import func, select

from app.db import utcnow
from app.mail.outbox import OutboxMessage, backoff, queue_mail
from tests.helpers import post_form


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends


@contextmanager
def smtp_down(app):  # noqa: ANN001, ANN202
    state = app.extensions["mail"]
    port = state.port
    state.port = _closed_port()
    try:
        yield
    finally:
        state.port = port


def _register(client, email="lan@example.vn"):  # noqa: ANN001, ANN202
    return post_form(
        client,
        "/auth/register",
        {
            "full_name": "Phạm Thị Lan",
            "email": email,
            "password": "Lúa xanh trên đồng quê",
            "confirm": "Lúa xanh trên đồng quê",
        },
    )


def test_mail_is_sent_after_the_commit(client, db, mailbox):
    assert _register(client).status_code == 200
    message = db.session.scalar(select(OutboxMessage))
    assert message.sent_at is not None and message.attempts == 1
    received = mailbox.last_to("lan@example.vn")
    assert received["Subject"] == message.subject
    assert "/auth/verify/" in mailbox.text(received)
    assert "/auth/verify/" in mailbox.html(received)


def test_a_failed_request_leaves_no_mail_behind(app, db, mailbox):
    """The message is part of the transaction: when the request fails, it is gone too."""
    with app.test_request_context("/x", method="POST"):
        queue_mail("ghost@example.vn", "Thử", "mail/verify_email", user=None, link="http://x")
        db.session.flush()
        app.process_response(Response(status=500))
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert mailbox.to("ghost@example.vn") == []


def test_smtp_down_the_submission_succeeds_and_mail_leaves_later(app, client, db, mailbox, runner):
    with smtp_down(app):
        response = _register(client, "son@example.vn")
    assert response.status_code == 200
    message = db.session.scalar(select(OutboxMessage))
    message_id = message.id
    assert message.sent_at is None
    assert message.attempts == 1
    assert "refused" in message.last_error.lower()
    assert message.next_attempt_at > utcnow()
    assert mailbox.to("son@example.vn") == []

    # Before the backoff has passed, the worker leaves it alone.
    result = runner.invoke(args=["mail", "send-pending"])
    assert result.exit_code == 0
    assert mailbox.to("son@example.vn") == []

    with time_machine.travel(utcnow() + timedelta(minutes=2), tick=True):
        result = runner.invoke(args=["mail", "send-pending"])
        assert result.exit_code == 0, result.output
        assert "sent 1" in result.output
        # A second round sends nothing again.
        runner.invoke(args=["mail", "send-pending"])
    assert len(mailbox.to("son@example.vn")) == 1
    assert db.session.get(OutboxMessage, message_id).sent_at is not None


def test_retries_back_off_and_stay_queued(app, client, db):
    with smtp_down(app):
        _register(client, "tuan@example.vn")
        message = db.session.scalar(select(OutboxMessage))
        waits = []
        for _ in range(8):
            with time_machine.travel(message.next_attempt_at + timedelta(seconds=1)):
                start = utcnow()
                with app.test_request_context():
                    from app.mail.outbox import send_pending

                    assert send_pending() == (0, 1)
                db.session.expire_all()
                message = db.session.get(OutboxMessage, message.id)
                waits.append(round((message.next_attempt_at - start).total_seconds() / 60))
    assert waits == [2, 4, 8, 16, 32, 60, 60, 60]
    assert message.sent_at is None and message.attempts == 9


def test_backoff_is_capped_at_an_hour():
    assert backoff(1) == timedelta(minutes=1)
    assert backoff(4) == timedelta(minutes=8)
    assert backoff(30) == timedelta(hours=1)


def test_subject_with_line_breaks_becomes_one_line(app, db, mailbox):
    with app.test_request_context("/x", method="POST"):
        message = queue_mail(
            "hoa@example.vn",
            "Kết quả\r\nBcc: victim@example.com",
            "mail/verify_email",
            user=None,
            link="http://x",
        )
        db.session.flush()
    assert "\n" not in message.subject and "\r" not in message.subject
