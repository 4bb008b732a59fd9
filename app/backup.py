"""Backups an operator can restore: the database and the uploaded files in one archive.

One tar.gz holds `uploads/…` (decks, images), the database (a SQLite file copied with the
online backup API, or a `pg_dump --format=custom` dump) and last `manifest.json` (engine,
schema revision, rows per table, upload count). One file rather than two, because a database
without the files its rows name (or files of another day) is a broken restore, and an
operator copying backups off the server should not have to keep pairs together.

The database is copied first and the uploads after it: a file is on disk before the row
naming it is committed, and is never rewritten, so every file the snapshot names is in the
archive (a file uploaded after the snapshot is a harmless extra).

Restoring checks the whole archive in a staging folder before it touches anything, so a
corrupt or foreign archive changes nothing. These helpers take an engine and paths; the
commands in app/cli.py add the prompts, the audit rows and the commit.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, create_engine, func, inspect, select, table, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

FORMAT = "sprout-backup"
VERSION = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads"
DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(Exception):
    """Why a backup or a restore was refused or failed, for the operator."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    size: int
    engine: str
    revision: str | None
    database_size: int
    counts: dict[str, int]
    upload_files: int
    upload_bytes: int


@dataclass(frozen=True)
class StagedBackup:
    """An archive unpacked and checked, ready to be restored."""

    manifest: dict
    database: Path
    uploads: Path

    @property
    def upload_files(self) -> list[Path]:
        return _files_under(self.uploads)


def engine_name(engine: Engine) -> str:
    name = engine.dialect.name
    if name not in DATABASE_MEMBER:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {name}.")
    return name


def table_counts(connection: Connection) -> dict[str, int]:
    """Rows per table, in name order."""
    return {
        name: connection.scalar(select(func.count()).select_from(table(name)))
        for name in sorted(inspect(connection).get_table_names())
    }


def schema_revision(connection: Connection) -> str | None:
    if "alembic_version" not in inspect(connection).get_table_names():
        return None
    return connection.scalar(text("SELECT version_num FROM alembic_version"))


def database_is_empty(engine: Engine) -> bool:
    """No tables, or no accounts: nothing an operator would lose by restoring over it."""
    with engine.connect() as connection:
        if "users" not in inspect(connection).get_table_names():
            return True
        return connection.scalar(text("SELECT count(*) FROM users")) == 0


# --- backup -------------------------------------------------------------------------------


def create_backup(engine: Engine, upload_dir: Path, output: Path, *, force: bool) -> BackupReport:
    """Write the archive to `output` through a temporary name, renamed into place only when
    complete, so `output` is never a half-written backup."""
    engine_kind = engine_name(engine)
    output = output.absolute()
    if output.exists() and not force:
        raise BackupError(f"{output} already exists; give --force to replace it.")
    if not output.parent.is_dir():
        raise BackupError(f"The folder {output.parent} does not exist.")
    work = Path(tempfile.mkdtemp(prefix=".sprout-backup-", dir=output.parent))
    try:
        dump = work / DATABASE_MEMBER[engine_kind]
        if engine_kind == "sqlite":
            revision, counts = _backup_sqlite(engine, dump)
        else:
            revision, counts = _backup_postgres(engine, dump)
        partial = work / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            upload_files = upload_bytes = 0
            for path in _files_under(upload_dir):
                archive.add(path, arcname=f"{UPLOADS}/{path.relative_to(upload_dir).as_posix()}")
                upload_files += 1
                upload_bytes += path.stat().st_size
            archive.add(dump, arcname=dump.name)
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "engine": engine_kind,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "revision": revision,
                "counts": counts,
                "upload_files": upload_files,
            }
            _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=1).encode())
        os.replace(partial, output)
        return BackupReport(
            path=output,
            size=output.stat().st_size,
            engine=engine_kind,
            revision=revision,
            database_size=dump.stat().st_size,
            counts=counts,
            upload_files=upload_files,
            upload_bytes=upload_bytes,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _backup_sqlite(engine: Engine, dump: Path) -> tuple[str | None, dict[str, int]]:
    """Copy the live file with SQLite's online backup API in one step: one read
    transaction, so a consistent snapshot, and writers are not blocked (WAL)."""
    source_path = _sqlite_path(engine)
    if not source_path.is_file():
        raise BackupError(f"The database file {source_path} does not exist.")
    try:
        source = sqlite3.connect(source_path, timeout=30)
        try:
            copy = sqlite3.connect(dump)
            try:
                source.backup(copy)
                # A single self-contained file in the archive, with no -wal beside it.
                copy.execute("PRAGMA journal_mode = DELETE")
            finally:
                copy.close()
        finally:
            source.close()
        _check_sqlite_file(dump)
    except sqlite3.Error as error:
        raise BackupError(f"SQLite could not copy {source_path}: {error}") from error
    return _describe_sqlite_file(dump)


def _backup_postgres(engine: Engine, dump: Path) -> tuple[str | None, dict[str, int]]:
    """pg_dump inside a snapshot exported by our own transaction, so the row counts in
    the manifest are exactly those of the dump, even while the app keeps writing."""
    pg_dump = _client("pg_dump")
    try:
        conn = engine.connect().execution_options(isolation_level="REPEATABLE READ")
        with conn, conn.begin():
            snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
            counts, revision = table_counts(conn), schema_revision(conn)
            _run(
                [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={dump}"],
                engine.url,
            )
    except SQLAlchemyError as error:
        raise BackupError(f"PostgreSQL could not be read: {error}") from error
    return revision, counts


# --- restore ------------------------------------------------------------------------------


def stage_backup(archive_path: Path, staging: Path, engine: Engine, head: str) -> StagedBackup:
    """Unpack and check the whole archive in `staging`; nothing else is touched. Refuses
    an archive of another engine or another schema revision than this code's."""
    if not archive_path.is_file():
        raise BackupError(f"There is no backup file at {archive_path}.")
    refusal = f"{archive_path} is not a readable Sprout backup"
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            members = archive.getmembers()
            for member in members:
                name = member.name
                expected = name == MANIFEST or name in DATABASE_MEMBER.values()
                if not (member.isfile() or member.isdir()) or not (
                    expected or name.startswith(f"{UPLOADS}/")
                ):
                    raise BackupError(f"{refusal} (unexpected entry {name!r}).")
            archive.extractall(staging, members=members, filter="data")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"{refusal} ({error}).") from error
    try:
        manifest = json.loads((staging / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"{refusal} (no manifest).") from error
    if not isinstance(manifest, dict) or (manifest.get("format"), manifest.get("version")) != (
        FORMAT,
        VERSION,
    ):
        raise BackupError(f"{refusal} (unknown manifest).")
    engine_kind = engine_name(engine)
    if manifest.get("engine") != engine_kind:
        raise BackupError(
            f"This backup is of a {manifest.get('engine')} database; "
            f"the configured database is {engine_kind}."
        )
    if manifest.get("revision") != head:
        raise BackupError(
            f"This backup is at schema revision {manifest.get('revision')} and this code "
            f"expects {head}: restore it with the version of Sprout that wrote it, "
            "then run `flask db upgrade`."
        )
    staged = StagedBackup(manifest, staging / DATABASE_MEMBER[engine_kind], staging / UPLOADS)
    if not staged.database.is_file():
        raise BackupError(f"{refusal} (no database in it).")
    if len(staged.upload_files) != manifest.get("upload_files"):
        raise BackupError(f"{refusal} (uploaded files are missing).")
    if engine_kind == "sqlite":
        try:
            _check_sqlite_file(staged.database)
            revision, counts = _describe_sqlite_file(staged.database)
        except (sqlite3.Error, SQLAlchemyError) as error:
            raise BackupError(f"{refusal} (its database: {error}).") from error
        if (revision, counts) != (head, manifest.get("counts")):
            raise BackupError(f"{refusal} (its database does not match its manifest).")
    else:
        _run([_client("pg_restore"), "--list", str(staged.database)], None)
    return staged


def restore_staged(engine: Engine, staged: StagedBackup, upload_dir: Path) -> dict[str, int]:
    """Replace the configured database by the staged one, check it, then put the uploads
    in place. Returns the rows per table of the restored database."""
    engine.dispose()  # no pooled connection keeps the old database open
    if engine_name(engine) == "sqlite":
        target = _sqlite_path(engine)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            source = sqlite3.connect(staged.database)
            try:
                destination = sqlite3.connect(target, timeout=30)
                try:
                    source.backup(destination)
                finally:
                    destination.close()
            finally:
                source.close()
            _check_sqlite_file(target)
        except sqlite3.Error as error:
            raise BackupError(f"SQLite could not write {target}: {error}") from error
    else:
        _run(
            [
                _client("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",  # all of it or nothing
                str(staged.database),
            ],
            engine.url,
        )
    with engine.connect() as connection:
        revision, counts = schema_revision(connection), table_counts(connection)
    if revision != staged.manifest["revision"] or counts != staged.manifest["counts"]:
        raise BackupError(
            "The restored database does not match the backup's manifest "
            f"(revision {revision}, rows {counts}); do not start the app on it."
        )
    for path in staged.upload_files:
        target_file = upload_dir / path.relative_to(staged.uploads)
        target_file.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target_file)
    return counts


# --- helpers ------------------------------------------------------------------------------


def _sqlite_path(engine: Engine) -> Path:
    if engine.url.database in (None, "", ":memory:"):
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(engine.url.database).absolute()


def _check_sqlite_file(path: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        result = connection.execute("PRAGMA integrity_check").fetchall()
    finally:
        connection.close()
    if result != [("ok",)]:
        raise BackupError(f"SQLite integrity check of {path} failed: {result[:5]}")


def _describe_sqlite_file(path: Path) -> tuple[str | None, dict[str, int]]:
    engine = create_engine(URL.create("sqlite", database=str(path)), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return schema_revision(connection), table_counts(connection)
    finally:
        engine.dispose()


def _files_under(folder: Path) -> list[Path]:
    """Regular files, in name order, leaving out half-written uploads (`.part`) and our own
    hidden staging folders."""
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and not path.is_symlink()
        and path.suffix != ".part"
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


def _client(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found: install the PostgreSQL client of the server's version "
            "(Debian: apt-get install postgresql-client)."
        )
    return path


def _run(arguments: list[str], url: URL | None) -> None:
    """Run a PostgreSQL client without a shell. The connection goes as one --dbname
    argument without its password, which travels in PGPASSWORD (not on the command line,
    where `ps` would show it)."""
    env = dict(os.environ)
    if url is not None:
        if url.password is not None:
            env["PGPASSWORD"] = str(url.password)
        conninfo = url.set(drivername="postgresql", password=None)
        connection = ["--no-password", f"--dbname={conninfo.render_as_string()}"]
        arguments = [arguments[0], *connection, *arguments[1:]]
    # A program found by shutil.which, its arguments as a list, no shell.
    result = subprocess.run(  # noqa: S603  # nosec B603
        arguments, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        program = Path(arguments[0]).name
        raise BackupError(
            f"{program} failed (exit code {result.returncode}):\n{result.stderr.strip()}"
        )
