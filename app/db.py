"""The database: declarative base, column types, engine set-up and the request transaction.

Services change the session and flush; the request commits once at its boundary
(see `commit_or_rollback`), so a failed request stores nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from flask import Flask, g, has_request_context, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, String, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, registry
from sqlalchemy.types import TypeDecorator

# Names every constraint the same way on SQLite and PostgreSQL, so that migrations
# can drop and alter them by name on both.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; naive values are refused.

    SQLite has no time zone type, so the value is stored as naive UTC there and
    given its zone back on load.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def sort_key_type(length: int = 255) -> String:
    """A column holding an ASCII sort key: byte order on PostgreSQL, whatever its locale."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


db = SQLAlchemy(model_class=Base)


def one_of(column: str, values: type[StrEnum]) -> str:
    """A CHECK constraint's text: the column holds one of the enum's values."""
    return f"{column} IN (" + ", ".join(f"'{v.value}'" for v in values) + ")"


def keep_folded(obj: object, folded_attribute: str, value: str) -> str:
    """Normalise the spaces of a searchable text and store its diacritic-free copy beside
    it (for `@validates` of names and titles searched with LIKE)."""
    from app.vietnamese import fold

    value = " ".join(value.split())
    setattr(obj, folded_attribute, fold(value))
    return value


def utcnow() -> datetime:
    return datetime.now(UTC)


def _wants_write_lock() -> bool:
    """SQLite write transactions take the lock at BEGIN, so that two writers queue on
    the busy timeout instead of failing on upgrade; reads (GET) stay deferred so a long
    export never blocks a judge's save."""
    if has_request_context():
        return request.method not in {"GET", "HEAD", "OPTIONS"}
    return True


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy issue BEGIN itself (see on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write_lock() else "BEGIN")


def init_db(app: Flask) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        options.pop("pool_pre_ping", None)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    if url.startswith("sqlite"):
        with app.app_context():
            _configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])

    @app.after_request
    def commit_or_rollback(response: Any) -> Any:
        """One commit per request: kept when the answer is a success, undone otherwise."""
        if response.status_code < 400 and not g.get("rollback_only"):
            db.session.commit()
            for callback in g.pop("after_commit", []):
                callback()
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def undo_side_effects(_error: BaseException | None) -> None:
        # Pending undo work here means the transaction was never committed: the request
        # failed before or during its commit.
        _run_undo(db.session())


UNDO_KEY = "sprout_on_rollback"


def _run_undo(session: Session) -> None:
    for callback in session.info.pop(UNDO_KEY, []):
        callback()


@event.listens_for(Session, "after_commit")
def _forget_undo(session: Session) -> None:
    session.info.pop(UNDO_KEY, None)


@event.listens_for(Session, "after_soft_rollback")
def _undo_on_rollback(session: Session, previous: Any) -> None:
    if previous.parent is None and not previous.nested:
        _run_undo(session)


def rollback_request() -> None:
    """Undo what this request changed and make sure nothing else is committed."""
    db.session.rollback()
    g.pop("after_commit", None)
    g.rollback_only = True


def after_commit(callback: Any) -> None:
    """Run `callback` once this request's transaction has been committed."""
    g.setdefault("after_commit", []).append(callback)


def on_rollback(callback: Any) -> None:
    """Run `callback` if the current transaction is not committed, to undo what the
    database cannot (a file written to disk). Works in requests and on the command line."""
    db.session().info.setdefault(UNDO_KEY, []).append(callback)
