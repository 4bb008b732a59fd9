"""gunicorn as production runs it (see load/run.py), on loopback, for the fault tests:
production config, sync workers, a database of the test's own, and the traps of
gunicorn_traps.py. The access log names the worker that answered each request."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
TRAPS_CONFIG = Path(__file__).with_name("gunicorn_traps.py")
ACCESS_FORMAT = "%(p)s %(m)s %(U)s %(s)s"  # "<pid> POST /judging/sheets/50001 302"


def wait_for(what: str, condition: Callable[[], object], timeout: float = 20) -> None:
    """Poll until `condition()` holds; a failure naming `what` if it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    process: subprocess.Popen
    port: int
    folder: Path
    size: int  # workers

    @property
    def log(self) -> Path:
        return self.folder / "gunicorn.log"

    @property
    def traps(self) -> Path:
        return self.folder / "traps"

    def worker_processes(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.process.pid).children()
        except psutil.NoSuchProcess:
            return []

    def workers(self) -> set[int]:
        return {child.pid for child in self.worker_processes()}

    def served(self) -> list[tuple[int, str, str, int]]:
        """(worker pid, method, path, status) of every request answered so far."""
        rows = []
        for line in self.log.read_text(errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 4 and parts[0].startswith("<") and parts[3].isdigit():
                rows.append((int(parts[0].strip("<>")), parts[1], parts[2], int(parts[3])))
        return rows

    def arm(self, point: str) -> None:
        (self.traps / point).touch()

    def caught(self) -> dict | None:
        found = sorted(self.traps.glob("caught-*.json"))
        return json.loads(found[0].read_text()) if found else None

    def release(self, caught: dict) -> None:
        """Forget a caught save once its worker is dead."""
        (self.traps / f"caught-{caught['pid']}.json").unlink()
        (self.traps / f"held-{caught['pid']}").unlink()


def _env(database_url: str, folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("TEST_DATABASE_URL", None)
    env.update(
        SPROUT_ENV="production",
        DATABASE_URL=database_url,
        SECRET_KEY=os.urandom(32).hex() + "-Sprout-fault-test-key-ABCDEFGHIJKLMNOP",
        SPROUT_INSTANCE_DIR=str(folder),
        UPLOAD_DIR=str(folder / "uploads"),
        MAIL_TRANSPORT="log",
        SESSION_COOKIE_SECURE="false",  # plain http on loopback
        SPROUT_FAULT_TRAPS=str(folder / "traps"),
    )
    return env


def _stop(process: subprocess.Popen, workers: dict[int, psutil.Process]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    # A worker held by a trap outlives a master killed hard. psutil refuses to kill a
    # process whose pid has been reused since it was seen.
    for worker in workers.values():
        with suppress(psutil.NoSuchProcess):
            worker.kill()


@contextmanager
def gunicorn(database_url: str, folder: Path, workers: int = 2) -> Iterator[LiveServer]:
    (folder / "traps").mkdir(parents=True)
    port = _free_port()
    log = (folder / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            str(TRAPS_CONFIG),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "-",
            "--access-logformat",
            ACCESS_FORMAT,
            "wsgi:app",
        ],  # fmt: skip
        cwd=ROOT,
        env=_env(database_url, folder),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = LiveServer(process, port, folder, workers)
    seen: dict[int, psutil.Process] = {}
    try:

        def healthy() -> bool:
            seen.update((w.pid, w) for w in server.worker_processes())
            if process.poll() is not None:
                raise AssertionError(f"gunicorn exited: {server.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:  # noqa: S310
                    return r.status == 200
            except OSError:
                return False

        wait_for("gunicorn to answer /healthz", healthy, timeout=60)
        yield server
    finally:
        seen.update((w.pid, w) for w in server.worker_processes())
        _stop(process, seen)
        log.close()
