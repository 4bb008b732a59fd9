"""Deadlines judge a request by when it arrived, and the client's address survives a proxy."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask, request
from sqlalchemy import select

from app.arrival import MAX_QUEUE, ArrivalClock, arrived_at, proxy_stamp
from competitions.models import EntryStatus, EntryVersion
from tests.competitions.test_entries import _window_world, entry_page
from tests.helpers import csrf_token, login

NOW = datetime(2026, 3, 31, 17, 0, 20, tzinfo=UTC)
STAMP = datetime(2026, 3, 31, 16, 58, 50, 250000, tzinfo=UTC)


@pytest.mark.parametrize(
    "header",
    [
        f"t={STAMP.timestamp()}",  # seconds, as HAProxy and Heroku write it
        f"t={STAMP.timestamp() * 1000:.0f}.000",  # milliseconds: nginx's ${msec} times 1000
        f"{STAMP.timestamp() * 1_000_000:.0f}",  # microseconds, without "t="
    ],
)
def test_a_proxy_stamp_reads_in_seconds_milliseconds_or_microseconds(header):
    assert abs(proxy_stamp(header, NOW) - STAMP) < timedelta(milliseconds=1)


@pytest.mark.parametrize("header", [None, "", "t=", "soon", "t=nan", "t=inf", "t=-5", "t=0"])
def test_an_unreadable_stamp_is_ignored(header):
    assert proxy_stamp(header, NOW) is None


def test_a_stamp_is_never_later_than_now_nor_earlier_than_a_queue_could_be():
    future = NOW + timedelta(hours=1)
    assert proxy_stamp(f"t={future.timestamp()}", NOW) == NOW
    past = NOW - timedelta(days=1)
    assert proxy_stamp(f"t={past.timestamp()}", NOW) == NOW - MAX_QUEUE


DEADLINE = datetime(2026, 3, 31, 17, 0, tzinfo=UTC)


def _submit(app, client, factory, header: str | None, now: datetime = NOW):  # noqa: ANN001, ANN202
    """A complete draft, submitted after its 17:00 deadline by the server's clock (`now`),
    with the proxy's X-Request-Start header when given."""
    deadline = DEADLINE
    with time_machine.travel(deadline - timedelta(hours=1), tick=False):
        entry, leader = _window_world(app, factory, deadline - timedelta(days=30), deadline)
        login(client, leader.email)
        token = csrf_token(client, "/competitions/my")
    headers = {"X-Request-Start": header} if header else {}
    with time_machine.travel(now, tick=False):
        client.post(
            entry_page(entry) + "/submit",
            data={"csrf_token": token, "lock_version": 1},
            headers=headers,
        )
    return entry


@pytest.fixture()
def trusted(app, monkeypatch):  # noqa: ANN001, ANN201
    clock = app.wsgi_app
    assert isinstance(clock, ArrivalClock)
    monkeypatch.setattr(clock, "trust_header", True)


def test_behind_a_stamping_proxy_a_request_that_arrived_before_the_deadline_counts(
    app, client, db, factory, trusted
):
    entry = _submit(app, client, factory, f"t={STAMP.timestamp()}")
    db.session.refresh(entry)
    assert entry.status == EntryStatus.SUBMITTED
    version = db.session.scalars(select(EntryVersion).where(EntryVersion.entry_id == entry.id))
    assert [v.submitted_at for v in version] == [STAMP]


def test_a_stamp_the_site_was_not_told_to_trust_is_ignored(app, client, db, factory):
    entry = _submit(app, client, factory, f"t={STAMP.timestamp()}")
    db.session.refresh(entry)
    assert entry.status == EntryStatus.DRAFT and entry.code is None


def test_a_stamp_cannot_reach_back_further_than_a_queue(app, client, db, factory, trusted):
    # Ten minutes after the deadline, a stamp of three hours before it counts as five
    # minutes ago at the earliest: still late.
    now = DEADLINE + timedelta(minutes=10)
    stamp = DEADLINE - timedelta(hours=3)
    entry = _submit(app, client, factory, f"t={stamp.timestamp()}", now=now)
    db.session.refresh(entry)
    assert entry.status == EntryStatus.DRAFT and entry.code is None


def _bare_app(**settings: object) -> Flask:
    from app import create_app

    app = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": "sqlite://", "UPLOAD_DIR": tempfile.mkdtemp(), **settings},
    )

    @app.route("/whoami")
    def whoami() -> dict:
        return {"ip": request.remote_addr, "scheme": request.scheme, "at": str(arrived_at())}

    return app


def test_behind_one_proxy_the_clients_address_and_scheme_are_the_forwarded_ones():
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    answer = _bare_app(PROXY_HOPS=1).test_client().get("/whoami", headers=headers).json
    assert (answer["ip"], answer["scheme"]) == ("203.0.113.7", "https")
    # Without a proxy configured, a client cannot pass itself off as another address.
    answer = _bare_app().test_client().get("/whoami", headers=headers).json
    assert (answer["ip"], answer["scheme"]) == ("127.0.0.1", "http")
