"""Fixtures of the fault tests that run gunicorn on a PostgreSQL cluster of their own."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.faults.pg_cluster import PgCluster, private_cluster

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")
TEMPLATE = "sprout_migrated"


def _app(url: str, uploads: Path) -> Flask:
    from app import create_app

    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(uploads)})


def _dispose(app: Flask) -> None:
    from app.db import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def pg_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgCluster]:
    """A private cluster (per xdist worker) with a database migrated once, copied by each
    test: the migrations take longer than the rest of a test."""
    from flask_migrate import upgrade

    with private_cluster() as cluster:
        app = _app(cluster.create_database(TEMPLATE), tmp_path_factory.mktemp("uploads"))
        try:
            with app.app_context():
                upgrade(directory=MIGRATIONS)
        finally:
            _dispose(app)
        yield cluster


@pytest.fixture()
def pg_app(pg_cluster: PgCluster, tmp_path: Path) -> Iterator[Flask]:
    """An app (testing config, run in this process) on a fresh migrated database of the
    private cluster, started again if an earlier test left it stopped."""
    if not pg_cluster.running():
        pg_cluster.start()
    url = pg_cluster.create_database(f"sprout_{secrets.token_hex(4)}", template=TEMPLATE)
    app = _app(url, tmp_path)
    try:
        yield app
    finally:
        _dispose(app)


@pytest.fixture()
def server_folder() -> Iterator[Path]:
    """gunicorn's folder (log, traps, instance), removed afterwards."""
    import shutil

    folder = Path(tempfile.mkdtemp(prefix="sprout-gunicorn-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
