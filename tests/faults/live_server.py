"""gunicorn as production runs it (started by load/harness.py, as for the load test), on
loopback, for the fault tests: production config, sync workers, a database of the test's
own, and the traps of gunicorn_traps.py. The access log names the worker that answered each
request."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psutil

from load.harness import free_port, server_env, start_gunicorn, stop

TRAPS_CONFIG = Path(__file__).with_name("gunicorn_traps.py")
ACCESS_FORMAT = "%(p)s %(m)s %(U)s %(s)s"  # "<pid> POST /judging/sheets/50001 302"


def wait_for(what: str, condition: Callable[[], object], timeout: float = 20) -> None:
    """Poll until `condition()` holds; a failure naming `what` if it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


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
    secret_key = os.urandom(32).hex() + "-Sprout-fault-test-key-ABCDEFGHIJKLMNOP"
    env = server_env(database_url, secret_key, str(folder))
    env["SPROUT_FAULT_TRAPS"] = str(folder / "traps")
    return env


@contextmanager
def gunicorn(database_url: str, folder: Path, workers: int = 2) -> Iterator[LiveServer]:
    (folder / "traps").mkdir(parents=True)
    port = free_port()
    process = start_gunicorn(
        _env(database_url, folder),
        port,
        workers,
        folder / "gunicorn.log",
        access_format=ACCESS_FORMAT,
        config=TRAPS_CONFIG,
    )
    server = LiveServer(process, port, folder, workers)
    seen: dict[int, psutil.Process] = {}
    try:
        seen.update((w.pid, w) for w in server.worker_processes())
        yield server
    finally:
        seen.update((w.pid, w) for w in server.worker_processes())
        stop(process, timeout=15)
        # A worker held by a trap outlives a master killed hard. psutil refuses to kill a
        # process whose pid has been reused since it was seen.
        for worker in seen.values():
            with suppress(psutil.NoSuchProcess):
                worker.kill()
