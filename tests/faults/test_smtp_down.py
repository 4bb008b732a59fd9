"""Fault: the SMTP server is down while participants submit. Every submission succeeds and
gets its confirmation code; the receipts wait in the outbox, backed off, and each leaves
exactly once when the server is back and the sender runs again."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import time_machine
from sqlalchemy import select

from app.db import utcnow
from app.mail.outbox import OutboxMessage
from competitions.models import Entry, EntryStatus
from tests.competitions.test_entries import TEXT, entry_page, fresh, post_edit
from tests.factories import MINIMAL_PDF, Factory
from tests.helpers import login
from tests.smtp import SMTPServer

SUCCESS = re.compile(r'class="alert alert-success" role="alert">(.*?)</div>', re.S)


@contextmanager
def stopped(server: SMTPServer) -> Iterator[None]:
    """The real loopback server stopped (connections refused), then serving again on the
    same port, into the same mailbox, for the tests that follow."""
    server.stop()
    try:
        yield
    finally:
        server.restart()


def _drafts(db, factory: Factory, count: int) -> dict[Entry, list[str]]:  # noqa: ANN001
    """`count` teams of two, each with a draft ready to be completed and submitted, and
    the addresses of its members."""
    competition = factory.competition()
    entries = {}
    for n in range(count):
        leader = factory.user(f"Nguyễn Văn Trưởng {n}")
        mate = factory.user(f"Lê Thị Bạn {n}")
        team = factory.team(leader=leader, members=(mate,), name=f"Nhóm Nắng Mai {n}")
        entry = factory.entry(competition=competition, team=team, title=f"Dự án {n}")
        entries[entry] = sorted([leader.email, mate.email])
    db.session.flush()
    return entries


def _receipts(db) -> list[OutboxMessage]:  # noqa: ANN001
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_submissions_succeed_while_smtp_is_down_and_receipts_leave_once_later(
    app, client, db, factory, mailbox, smtp_server, runner
):
    assert app.config["MAIL_SEND_ON_COMMIT"] is True
    drafts = _drafts(db, factory, 3)
    codes: dict[str, str] = {}  # each member's address: the code their receipt must carry
    with stopped(smtp_server):
        for entry, emails in drafts.items():
            browser = app.test_client()
            assert login(browser, entry.team.leader.email).status_code == 302
            response = post_edit(
                browser,
                entry,
                submit=True,
                **TEXT,
                stage="prototype",
                deck_file=(io.BytesIO(MINIMAL_PDF), "Kế hoạch kinh doanh.pdf"),
            )
            assert response.status_code == 302, response.get_data(as_text=True)
            assert response.headers["Location"].endswith(entry_page(entry))
            stored = fresh(db, entry)
            assert stored.status == EntryStatus.SUBMITTED and stored.code
            page = browser.get(entry_page(entry)).get_data(as_text=True)
            [notice] = SUCCESS.findall(page)
            assert f"Đã nộp: mã hồ sơ {stored.code}" in notice
            codes.update(dict.fromkeys(emails, stored.code))

        assert len(codes) == 6 and len(set(codes.values())) == 3
        waiting = _receipts(db)
        assert sorted(m.recipient for m in waiting) == sorted(codes)
        now = utcnow()
        for message in waiting:
            assert message.sent_at is None
            assert message.attempts == 1
            assert "refused" in message.last_error.lower()
            assert now < message.next_attempt_at <= now + timedelta(minutes=1)
        assert list(mailbox) == []

    # The server is back, but the backoff has not passed: the sender leaves them alone.
    result = runner.invoke(args=["mail", "send-pending"])
    assert result.exit_code == 0, result.output
    assert list(mailbox) == []
    assert all(m.sent_at is None and m.attempts == 1 for m in _receipts(db))

    with time_machine.travel(utcnow() + timedelta(minutes=2), tick=True):
        result = runner.invoke(args=["mail", "send-pending"])
        assert result.exit_code == 0, result.output
        assert result.output.strip() == f"sent {len(waiting)}, waiting for retry 0"
        # A second round finds nothing left to send.
        again = runner.invoke(args=["mail", "send-pending"])
        assert again.output.strip() == "sent 0, waiting for retry 0"

    assert len(mailbox) == len(waiting)
    for email, code in codes.items():
        [receipt] = mailbox.to(email)
        assert code in receipt["Subject"]
    for message in _receipts(db):
        assert message.sent_at is not None
        assert message.attempts == 2
        assert message.last_error is None
