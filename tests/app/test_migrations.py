"""The schema comes from Alembic revisions, and they give exactly the models' schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from tests.conftest import make_app

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")


def _differences(connection, metadata) -> list:  # noqa: ANN001
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, metadata)


def test_upgraded_database_matches_the_models(app, db):
    """The session database was built by `upgrade` from empty (see conftest): on this
    run's engine (SQLite, or PostgreSQL with TEST_DATABASE_URL), autogenerate finds
    nothing to add, drop or alter."""
    assert _differences(db.session.connection(), db.metadata) == []


def test_flask_db_upgrade_from_empty_then_down_and_up_again(tmp_path, smtp_server):
    from app.db import db

    fresh = make_app(f"sqlite:///{tmp_path / 'fresh.sqlite3'}", smtp_server.port)
    runner = fresh.test_cli_runner()

    def flask_db(*args: str) -> None:
        # The CLI uses the current app when there is one: make it this fresh app.
        with fresh.app_context():
            result = runner.invoke(args=["db", *args, "--directory", MIGRATIONS])
        assert result.exit_code == 0, result.output

    flask_db("upgrade")
    with fresh.app_context():
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "units", "role_grants", "audit_events", "outbox_messages"} <= tables
        with db.engine.connect() as connection:
            assert _differences(connection, db.metadata) == []
    flask_db("downgrade", "base")
    with fresh.app_context():
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    flask_db("upgrade")
    with fresh.app_context():
        assert "users" in inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_the_app_never_creates_tables_itself():
    """create_all belongs to nobody: every schema change is a revision."""
    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for package in ("app", "competitions", "judging", "accelerator")
        for path in (root / package).rglob("*.py")
        if "create_all(" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_audit_log_is_append_only_in_the_database(app, db, factory):
    """Even SQL that bypasses the ORM cannot rewrite or erase the audit log."""
    from app import audit

    user = factory.user()
    audit.record("test.event", user, new={"x": 1}, actor=user)
    db.session.flush()
    for statement in (
        "UPDATE audit_events SET action = 'forged'",
        "DELETE FROM audit_events",
    ):
        nested = db.session.begin_nested()
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text(statement))
        nested.rollback()
    assert db.session.scalar(text("SELECT count(*) FROM audit_events WHERE action = 'forged'")) == 0
