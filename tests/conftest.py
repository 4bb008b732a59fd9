"""Shared fixtures: the app and its schema once per session, every test rolled back.

The database is SQLite in a temporary file, or PostgreSQL when TEST_DATABASE_URL is set
(a database of its own is created for the run and dropped after it). Mail goes to a
real SMTP server on loopback.
"""

from __future__ import annotations

import os
import secrets
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from sqlalchemy import event
from sqlalchemy.engine import make_url

from tests.factories import Factory
from tests.smtp import Mailbox, SMTPServer

POSTGRES_BASE_URL = os.environ.get("TEST_DATABASE_URL")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SMTPServer]:
    server = SMTPServer("127.0.0.1", _free_port())
    server.start()
    yield server
    server.stop()


def _create_postgres_database() -> tuple[str, callable]:
    import psycopg

    base = make_url(POSTGRES_BASE_URL)
    name = f"sprout_test_{secrets.token_hex(4)}"
    admin_url = base.set(drivername="postgresql", database=base.database or "postgres")
    conninfo = admin_url.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    url = base.set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if POSTGRES_BASE_URL:
        url, drop = _create_postgres_database()
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def make_app(database_url: str, smtp_port: int, **overrides: object) -> Flask:
    from app import create_app

    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MAIL_PORT": smtp_port,
        "UPLOAD_DIR": tempfile.mkdtemp(prefix="sprout-uploads-"),
        **overrides,
    }
    return create_app("testing", settings)


@contextmanager
def separate_database_app(smtp_port: int, folder: Path, **overrides: object) -> Iterator[Flask]:
    """An app on a database of its own whose rows are committed for real, so that requests
    in threads meet on real connections: PostgreSQL when TEST_DATABASE_URL is set, a SQLite
    file in `folder` otherwise (WAL, immediate write transactions); dropped afterwards."""
    from flask_migrate import upgrade

    from app.db import db

    drop = None
    if POSTGRES_BASE_URL:
        url, drop = _create_postgres_database()
    else:
        url = f"sqlite:///{folder / 'parallel.sqlite3'}"
    separate = make_app(url, smtp_port, **overrides)
    with separate.app_context():
        upgrade(directory=str(Path(separate.root_path).parent / "migrations"))
    try:
        yield separate
    finally:
        with separate.app_context():
            db.session.remove()
            db.engine.dispose()
        if drop is not None:
            drop()


@pytest.fixture(scope="session")
def _app(database_url: str, smtp_server: SMTPServer) -> Iterator[Flask]:
    from flask_migrate import upgrade

    app = make_app(database_url, smtp_server.port)
    with app.app_context():
        upgrade(directory=str(Path(app.root_path).parent / "migrations"))
        yield app
        from app.db import db

        db.session.remove()
        db.engine.dispose()


class _BoundSession(FlaskSQLAlchemySession):
    """Flask-SQLAlchemy routes every query to its engine; the test pins its connection."""

    def get_bind(self, *_args: object, **_kwargs: object):  # noqa: ANN202
        return self.bind


@pytest.fixture()
def app(_app: Flask) -> Iterator[Flask]:
    """The app with this test's work inside one transaction that is rolled back."""
    from app.db import db

    connection = db.engine.connect()
    transaction = connection.begin()
    original = db.session
    db.session = db._make_scoped_session(
        {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": _BoundSession}
    )
    try:
        yield _app
    finally:
        db.session.remove()
        db.session = original
        if transaction.is_active:
            transaction.rollback()
        connection.close()


@pytest.fixture()
def db(app: Flask):  # noqa: ANN201
    from app.db import db as database

    return database


class FreshContextClient(FlaskClient):
    """Each request gets its own app context (and so its own `g` and session), as in
    production; the test's own session is expired afterwards so it reads what the
    request stored."""

    def open(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        from app.db import db as database

        with self.application.app_context():
            response = super().open(*args, **kwargs)
        database.session.expire_all()
        return response


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    app.test_client_class = FreshContextClient
    return app.test_client()


@pytest.fixture()
def runner(app: Flask):  # noqa: ANN201
    return app.test_cli_runner()


@pytest.fixture()
def mailbox(smtp_server: SMTPServer) -> Mailbox:
    smtp_server.mailbox.clear()
    return smtp_server.mailbox


@pytest.fixture()
def factory(app: Flask) -> Factory:
    return Factory()


@pytest.fixture()
def count_queries(app: Flask):  # noqa: ANN201
    """`with count_queries() as counted: …` then `counted.n` is the number of SQL
    statements the block sent."""
    from contextlib import contextmanager

    from app.db import db as database

    class Counter:
        n = 0
        statements: list[str] = []

    @contextmanager
    def counting() -> Iterator[Counter]:
        counter = Counter()
        counter.statements = []

        def on_execute(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
            if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                counter.n += 1
                counter.statements.append(statement)

        event.listen(database.engine, "before_cursor_execute", on_execute)
        try:
            yield counter
        finally:
            event.remove(database.engine, "before_cursor_execute", on_execute)

    return counting
