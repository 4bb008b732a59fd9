"""`flask backup` and `flask restore`: a backup taken while the app writes restores into a
fresh database with the same rows and the same uploaded files, and a wrong input or a
database with accounts changes nothing.

Every test runs on this run's engine: SQLite files, or PostgreSQL databases of their own
created beside the run's (see conftest) when TEST_DATABASE_URL is set. The cases that exist
only on one engine are chosen by parametrising on the engine the run provides.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, inspect, select, text

from app.audit import AuditEvent
from app.db import db
from app.people.models import User
from tests.conftest import POSTGRES_BASE_URL, _create_postgres_database, make_app
from tests.factories import Factory

BACKEND = "postgresql" if POSTGRES_BASE_URL else "sqlite"
MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")
UPLOADS = {
    "3f/a9/3fa9c2d1e0b7.pdf": b"%PDF-1.7\n" + bytes(range(256)) * 40,
    "07/1c/071c5e88aa02.png": b"\x89PNG\r\n\x1a\n" + bytes(range(255, -1, -1)) * 12,
}

NewApp = Callable[..., Flask]


@contextmanager
def _apps(folder: Path, smtp_port: int) -> Iterator[NewApp]:
    """`make(name, migrated=True)`: an app on a database of its own (a SQLite file, or a
    new PostgreSQL database dropped afterwards) with its own upload folder."""
    made: list[tuple[Flask, Callable[[], None] | None]] = []

    def make(name: str, *, migrated: bool = True) -> Flask:
        drop = None
        if POSTGRES_BASE_URL:
            url, drop = _create_postgres_database()
        else:
            url = f"sqlite:///{folder / name}.sqlite3"
        app = make_app(url, smtp_port, UPLOAD_DIR=str(folder / f"{name}-uploads"))
        made.append((app, drop))
        if migrated:
            with app.app_context():
                upgrade(directory=MIGRATIONS)
        return app

    try:
        yield make
    finally:
        for app, drop in made:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            if drop is not None:
                drop()


@pytest.fixture()
def new_app(tmp_path: Path, smtp_server) -> Iterator[NewApp]:  # noqa: ANN001
    with _apps(tmp_path, smtp_server.port) as make:
        yield make


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, smtp_server) -> Iterator[Path]:  # noqa: ANN001
    """The backup of a database with two accounts and two uploaded files (read only)."""
    folder = tmp_path_factory.mktemp("backup")
    with _apps(folder, smtp_server.port) as make:
        source = make("source")
        _seed(source, "Nguyễn Văn An", "Trần Thị Bình")
        result = _flask(source, "backup", "--output", str(folder / "sprout.tar.gz"))
        assert result.exit_code == 0, result.output
        yield folder / "sprout.tar.gz"


def _flask(app: Flask, *args: str, input: str | None = None):  # noqa: A002, ANN202
    # The CLI uses the current app when there is one: make it this app.
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args), input=input)


def _seed(app: Flask, *names: str) -> None:
    with app.app_context():
        factory = Factory()
        for name in names:
            factory.user(full_name=name, password=None)
        db.session.commit()
    upload_dir = Path(app.config["UPLOAD_DIR"])
    for name, data in UPLOADS.items():
        (upload_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (upload_dir / name).write_bytes(data)
    # An upload still being written when the backup runs: never restored as a file.
    (upload_dir / "3f/a9/half.part").write_bytes(b"%PDF-1.7 trun")


def _counts(app: Flask) -> dict[str, int]:
    with app.app_context(), db.engine.connect() as connection:
        return {
            name: connection.scalar(text(f'SELECT count(*) FROM "{name}"'))  # noqa: S608
            for name in sorted(inspect(connection).get_table_names())
        }


def _files(app: Flask) -> dict[str, bytes]:
    root = Path(app.config["UPLOAD_DIR"])
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file()
    }


def _manifest(archive: Path) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        return json.load(tar.extractfile("manifest.json"))


class Writer(threading.Thread):
    """The app at work: commits two audit rows per transaction until told to stop, so a
    snapshot that caught half a transaction would show an odd row."""

    def __init__(self, app: Flask) -> None:
        super().__init__(daemon=True)
        # `attempted` is raised before a commit, `committed` after it: a snapshot holds
        # every transaction up to `committed` and none beyond `attempted`.
        self.app, self.attempted, self.committed, self.error = app, 0, 0, None
        self.stop = threading.Event()

    def run(self) -> None:
        from app import audit

        with self.app.app_context():
            try:
                while not self.stop.is_set():
                    n = self.attempted = self.committed + 1
                    audit.record("load.first", new={"n": n})
                    audit.record("load.second", new={"n": n})
                    db.session.commit()
                    self.committed = n
                    time.sleep(0.002)
            except Exception as error:  # noqa: BLE001 - reported by the test
                self.error = error
            finally:
                db.session.remove()

    def wait_for(self, committed: int) -> None:
        deadline = time.monotonic() + 30
        while self.committed < committed and self.error is None:
            assert time.monotonic() < deadline, "the writer made no progress"
            time.sleep(0.01)


def _actions(app: Flask) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(
            select(AuditEvent.action, func.count()).group_by(AuditEvent.action)
        ).all()
        db.session.remove()
        return dict(rows)


def test_backup_while_the_app_writes_restores_a_consistent_snapshot(new_app, tmp_path):
    source = new_app("source")
    _seed(source, "Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường")
    archive = tmp_path / "sprout.tar.gz"
    writer = Writer(source)
    writer.start()
    try:
        writer.wait_for(20)
        committed_before = writer.committed
        result = _flask(source, "backup", "--output", str(archive))
        attempted_after = writer.attempted
        writer.wait_for(attempted_after + 5)  # it kept writing beside the backup
    finally:
        writer.stop.set()
        writer.join()
    assert writer.error is None
    assert result.exit_code == 0, result.output
    manifest = _manifest(archive)
    assert f"Backup written to {archive}" in result.output
    assert re.search(r"^  users +3$", result.output, re.MULTILINE)
    assert re.search(r"uploads: 2 files, [\d.,]+ kB", result.output)
    assert manifest["counts"]["users"] == 3
    assert manifest["upload_files"] == 2
    assert _actions(source)["backup.created"] == 1

    target = new_app("target", migrated=False)
    result = _flask(target, "restore", "--input", str(archive))
    assert result.exit_code == 0, result.output
    assert "every table has the rows of the backup" in result.output
    assert ("SQLite integrity check: ok" in result.output) == (BACKEND == "sqlite")

    actions = _actions(target)
    # Every row committed before the backup started is there, no row of a transaction
    # that was half done, and no row written after the snapshot (its own audit row).
    assert committed_before <= actions["load.first"] <= attempted_after
    assert actions["load.first"] == actions["load.second"]
    assert "backup.created" not in actions
    assert actions["backup.restored"] == 1
    restored = _counts(target)
    assert restored == {
        **manifest["counts"],
        "audit_events": manifest["counts"]["audit_events"] + 1,
    }
    with target.app_context():
        names = set(db.session.scalars(select(User.full_name)))
        db.session.remove()
    assert names == {"Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường"}
    assert _files(target) == UPLOADS  # byte for byte, without the half-written file
    if BACKEND == "sqlite":
        with target.app_context(), db.engine.connect() as connection:
            assert connection.scalar(text("PRAGMA integrity_check")) == "ok"


def test_restore_refuses_a_database_with_accounts_unless_forced_and_confirmed(new_app, archive):
    target = new_app("target")
    with target.app_context():
        Factory().user(full_name="Phạm Minh Đức", password=None)
        db.session.commit()
    before = _counts(target)

    refused = _flask(target, "restore", "--input", str(archive))
    assert refused.exit_code != 0
    assert "already has accounts; give --force" in refused.output
    declined = _flask(target, "restore", "--input", str(archive), "--force", input="n\n")
    assert declined.exit_code != 0
    assert "Replace everything in" in declined.output
    assert _counts(target) == before
    assert _files(target) == {}

    forced = _flask(target, "restore", "--input", str(archive), "--force", "--yes")
    assert forced.exit_code == 0, forced.output
    with target.app_context():
        assert set(db.session.scalars(select(User.full_name))) == {
            "Nguyễn Văn An",
            "Trần Thị Bình",
        }
        db.session.remove()
    assert _files(target) == UPLOADS


def _rewritten(archive: Path, out: Path, replace: dict[str, bytes]) -> Path:
    """A copy of `archive` with some members' bytes replaced."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None
            if member.name in replace:
                data = replace[member.name]
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    return out


def _bad_input(kind: str, archive: Path, tmp_path: Path) -> Path:
    bad = tmp_path / f"{kind}.tar.gz"
    if kind == "absent":
        return bad
    if kind == "not an archive":
        bad.write_bytes(b"PK\x03\x04 this is a spreadsheet, not a backup")
    elif kind == "truncated":
        data = archive.read_bytes()
        bad.write_bytes(data[: len(data) * 2 // 3])
    elif kind == "damaged database":
        member = "database.sqlite3" if BACKEND == "sqlite" else "database.pgdump"
        _rewritten(archive, bad, {member: b"\x00garbage\x00" * 4096})
    elif kind == "other schema revision":
        manifest = _manifest(archive) | {"revision": "0123456789ab"}
        _rewritten(archive, bad, {"manifest.json": json.dumps(manifest).encode()})
    return bad


DAMAGED_DATABASE = {
    "sqlite": "its database: file is not a database",
    "postgresql": "pg_restore failed (exit code 1)",
}[BACKEND]


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("absent", "There is no backup file at"),
        ("not an archive", "is not a readable Sprout backup"),
        ("truncated", "is not a readable Sprout backup"),
        ("damaged database", DAMAGED_DATABASE),
        ("other schema revision", "is at schema revision 0123456789ab"),
    ],
)
def test_restore_refuses_a_bad_input_and_changes_nothing(new_app, archive, tmp_path, kind, message):
    target = new_app("target", migrated=False)

    result = _flask(target, "restore", "--input", str(_bad_input(kind, archive, tmp_path)))

    assert result.exit_code != 0
    assert message in result.output
    assert _counts(target) == {}  # still no table at all
    assert _files(target) == {}  # no upload, no staging folder left behind


def test_backup_refuses_to_overwrite_a_file_unless_forced(new_app, tmp_path):
    source = new_app("source")
    _seed(source, "Nguyễn Văn An")
    existing = tmp_path / "sprout.tar.gz"
    existing.write_bytes(b"yesterday's backup")

    refused = _flask(source, "backup", "--output", str(existing))
    assert refused.exit_code != 0
    assert "already exists; give --force" in refused.output
    assert existing.read_bytes() == b"yesterday's backup"

    forced = _flask(source, "backup", "--output", str(existing), "--force")
    assert forced.exit_code == 0, forced.output
    assert _manifest(existing)["counts"]["users"] == 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def _sqlite_file_is_not_a_database(app: Flask, monkeypatch) -> str:  # noqa: ANN001
    with app.app_context():
        db.engine.dispose()
    path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.write_bytes(b"not a database" * 1000)
    return "SQLite could not copy"


def _pg_dump_missing(app: Flask, monkeypatch) -> str:  # noqa: ANN001, ARG001
    monkeypatch.setenv("PATH", "/nonexistent")
    return "pg_dump was not found"


def _pg_dump_fails(app: Flask, monkeypatch) -> str:  # noqa: ANN001
    # The app's pooled connection still works; pg_dump's new one is refused by the server.
    with app.app_context(), db.engine.connect() as connection:
        connection.scalar(text("SELECT 1"))
    monkeypatch.setenv("PGOPTIONS", "-c role=no_such_role_for_sprout")
    return "pg_dump failed (exit code 1):\npg_dump: error: connection to server"


DATABASE_FAILURES = {
    "sqlite": [_sqlite_file_is_not_a_database],
    "postgresql": [_pg_dump_missing, _pg_dump_fails],
}[BACKEND]


@pytest.mark.parametrize("break_it", DATABASE_FAILURES, ids=lambda f: f.__name__.strip("_"))
def test_a_failed_backup_says_why_and_writes_nothing(new_app, tmp_path, monkeypatch, break_it):
    source = new_app("source")
    _seed(source, "Nguyễn Văn An")
    message = break_it(source, monkeypatch)
    output = tmp_path / "out" / "sprout.tar.gz"
    output.parent.mkdir()

    result = _flask(source, "backup", "--output", str(output))

    assert result.exit_code != 0
    assert message in result.output
    assert list(output.parent.iterdir()) == []  # neither the archive nor a temporary file
