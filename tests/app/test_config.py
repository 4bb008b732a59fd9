"""Configuration: production refuses to start unsafe, development keeps its SQLite file
under instance/, and SQLite runs in WAL with a busy timeout and immediate write
transactions."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import event, text

from app import create_app
from tests.conftest import make_app
from tests.helpers import csrf_token

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_URL = "postgresql+psycopg://sprout:unused@127.0.0.1:1/sprout"


def production_settings(**changes: object) -> dict:
    """A production configuration that starts; each test spoils one thing."""
    return {
        "SECRET_KEY": secrets.token_urlsafe(36),  # 48 random characters
        "SQLALCHEMY_DATABASE_URI": POSTGRES_URL,
        "DEBUG": False,
        **changes,
    }


@pytest.fixture()
def no_debug_env(monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)


def _dispose(app) -> None:
    from app.db import db

    with app.app_context():
        db.engine.dispose()


def test_production_starts_with_a_random_key_and_postgresql(no_debug_env):
    settings = production_settings()
    assert len(settings["SECRET_KEY"]) == 48
    app = create_app("production", settings)
    try:
        assert app.config["SQLALCHEMY_DATABASE_URI"] == POSTGRES_URL
        assert app.debug is False
        assert app.config["SESSION_COOKIE_SECURE"] is True
        assert app.config["REMEMBER_COOKIE_SECURE"] is True
        assert app.config["SESSION_COOKIE_HTTPONLY"] is True
        assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
        # Production sends mail from `flask mail send-pending`, not inside requests.
        assert app.config["MAIL_SEND_ON_COMMIT"] is False
        assert app.config["TESTING"] is False
    finally:
        _dispose(app)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"SECRET_KEY": None}, id="missing-key"),
        pytest.param({"SECRET_KEY": ""}, id="empty-key"),
        pytest.param({"SECRET_KEY": "dev"}, id="dev-key"),
        pytest.param({"SECRET_KEY": secrets.token_hex(5)}, id="10-char-key"),
        pytest.param({"DEBUG": True}, id="debug"),
        pytest.param({"SQLALCHEMY_DATABASE_URI": "sqlite:///sprout.sqlite3"}, id="sqlite-file"),
        pytest.param({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, id="sqlite-memory"),
    ],
)
def test_production_refuses_to_start_unsafe(no_debug_env, changes):
    with pytest.raises(RuntimeError):
        create_app("production", production_settings(**changes))


def test_production_refuses_flask_debug_from_the_environment(monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(RuntimeError):
        create_app("production", production_settings())


def test_production_headers_demand_https(no_debug_env):
    app = create_app("production", production_settings())
    try:
        response = app.test_client().get("/auth/login")
        assert "max-age=" in response.headers.get("Strict-Transport-Security", "")
        cookie = response.headers.get("Set-Cookie", "")
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    finally:
        _dispose(app)


def _fresh_config(env: dict[str, str]) -> dict:
    """The configuration classes as a fresh process with `env` sees them."""
    script = (
        "import json, config\n"
        "print(json.dumps({\n"
        "    'uri': config.DevelopmentConfig.SQLALCHEMY_DATABASE_URI,\n"
        "    'default': config.config_for().ENV_NAME,\n"
        "    'instance': str(config.INSTANCE_DIR),\n"
        "    'production_secure': config.ProductionConfig.SESSION_COOKIE_SECURE,\n"
        "    'production_send_on_commit': config.ProductionConfig.MAIL_SEND_ON_COMMIT,\n"
        "}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return json.loads(result.stdout)


def _clean_environment() -> dict[str, str]:
    unset = {
        "DATABASE_URL",
        "SPROUT_ENV",
        "SPROUT_INSTANCE_DIR",
        "SESSION_COOKIE_SECURE",
        "MAIL_SEND_ON_COMMIT",
    }
    return {key: value for key, value in os.environ.items() if key not in unset}


def test_development_defaults_to_sqlite_under_instance():
    seen = _fresh_config(_clean_environment())
    assert seen["default"] == "development"
    assert seen["instance"] == str(ROOT / "instance")
    assert seen["uri"] == f"sqlite:///{ROOT / 'instance' / 'sprout.sqlite3'}"
    # And production's defaults, untouched by this machine's environment.
    assert seen["production_secure"] is True
    assert seen["production_send_on_commit"] is False


def test_a_postgres_database_url_goes_through_psycopg():
    env = {**_clean_environment(), "DATABASE_URL": "postgres://u:p@db.example/sprout"}
    assert _fresh_config(env)["uri"] == "postgresql+psycopg://u:p@db.example/sprout"


def test_the_database_connection_is_configured(db):
    """SQLite: WAL, busy timeout and foreign keys on every connection. PostgreSQL: psycopg 3."""
    dialect = db.engine.dialect.name
    assert dialect in {"sqlite", "postgresql"}
    if dialect == "sqlite":
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 5_000
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    else:
        assert db.engine.dialect.driver == "psycopg"
        assert db.session.execute(text("SELECT 1")).scalar() == 1


@pytest.fixture()
def sqlite_app(tmp_path, smtp_server):
    """A separate app on its own SQLite file, whatever the session database is."""
    from app.db import db

    built = make_app(
        f"sqlite:///{tmp_path / 'begin.sqlite3'}",
        smtp_server.port,
        MAIL_SEND_ON_COMMIT=False,
    )
    with built.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        db.session.remove()
    yield built
    with built.app_context():
        db.session.remove()
        db.engine.dispose()


def test_sqlite_writes_begin_immediate_and_reads_stay_deferred(sqlite_app):
    from app.db import db

    with sqlite_app.app_context():
        engine = db.engine
        journal = db.session.execute(text("PRAGMA journal_mode")).scalar()
        busy = db.session.execute(text("PRAGMA busy_timeout")).scalar()
        db.session.remove()
    assert journal == "wal"
    assert busy == sqlite_app.config["SQLITE_BUSY_TIMEOUT_MS"]

    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        statements.append(statement.strip().upper())

    client = sqlite_app.test_client()
    event.listen(engine, "before_cursor_execute", record)
    try:
        token = csrf_token(client, "/auth/login")
        statements.clear()
        assert client.get("/healthz").status_code == 200
        read = list(statements)
        statements.clear()
        response = client.post(
            "/auth/login",
            data={"csrf_token": token, "email": "nobody@example.vn", "password": "sai mật khẩu"},
        )
        assert response.status_code == 200
        write = list(statements)
    finally:
        event.remove(engine, "before_cursor_execute", record)

    begins = [s for s in read if s.startswith("BEGIN")]
    assert begins == ["BEGIN"], read
    begins = [s for s in write if s.startswith("BEGIN")]
    assert begins and set(begins) == {"BEGIN IMMEDIATE"}, write
    assert any(s.startswith("INSERT INTO LOGIN_FAILURES") for s in write), write


@pytest.mark.parametrize("key", ["x" * 48, "ab" * 24, "testing-" + "x" * 40])
def test_production_refuses_a_long_but_guessable_key(key):
    from app import create_app

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(
            "production",
            {"SECRET_KEY": key, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@h/db"},
        )
