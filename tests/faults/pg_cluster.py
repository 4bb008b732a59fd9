"""A private PostgreSQL cluster for the fault tests that stop and restart the server.

The shared server (TEST_DATABASE_URL) is never touched: `private_cluster()` runs initdb
in a temporary folder, starts a postmaster on a free loopback port with its socket in that
folder, and stops it and deletes the folder when the block ends, whatever happened.
initdb and postgres refuse to run as root: as root (CI) they run as the `postgres` user,
which then owns the folder.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

PORT_ATTEMPTS = 3  # a free port may be taken by another xdist worker before we bind it


def _bindir() -> Path:
    try:
        done = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        found = Path(done.stdout.strip())
        if done.returncode == 0 and (found / "initdb").exists():
            return found
    except FileNotFoundError:
        pass
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    if not candidates:
        raise RuntimeError("no PostgreSQL server binaries (initdb) on this machine")
    return candidates[0].parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PgCluster:
    root: Path  # data/, the socket and the server log live here
    port: int
    bindir: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str = "postgres", driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        # The server's own output goes to its log (-l): a pipe it inherited would keep
        # this call waiting for as long as the server runs.
        done = subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd=self.root
        )
        if done.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(args)} failed: {done.stdout}{done.stderr}\n{log}")
        return done

    def initdb(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--no-locale", "--no-sync",
        )  # fmt: skip

    def _ctl(self, action: str, *extra: str) -> None:
        self._run("pg_ctl", action, "-w", "-t", "30", "-D", str(self.data), *extra)

    @property
    def _server_options(self) -> tuple[str, ...]:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        return ("-l", str(self.log), "-o", options)

    def start(self) -> None:
        self._ctl("start", *self._server_options)

    def stop(self, mode: str = "fast") -> None:
        self._ctl("stop", "-m", mode)

    def restart(self, mode: str = "fast") -> None:
        self._ctl("restart", "-m", mode, *self._server_options)

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new database on the cluster (a copy of `template` if given); its URL."""
        copy = f' TEMPLATE "{template}"' if template else ""
        with psycopg.connect(self.url(driver="postgresql"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"{copy}')
        return self.url(name)


@contextmanager
def private_cluster() -> Iterator[PgCluster]:
    # Not pytest's tmp_path: its parents are private to root, and the server runs as postgres.
    root = Path(tempfile.mkdtemp(prefix="sprout-pg-"))
    try:
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        cluster = PgCluster(root, _free_port(), _bindir())
        cluster.initdb()
        for attempt in range(PORT_ATTEMPTS):
            try:
                cluster.start()
                break
            except RuntimeError:
                if attempt == PORT_ATTEMPTS - 1:
                    raise
                cluster.port = _free_port()
        try:
            yield cluster
        finally:
            if cluster.running():
                cluster.stop("immediate")
    finally:
        shutil.rmtree(root, ignore_errors=True)
