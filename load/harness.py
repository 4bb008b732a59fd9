"""What the load scripts share: a migrated PostgreSQL database of their own, gunicorn with the
production configuration on a free loopback port, and the server log's errors afterwards.

Used by load/run.py (judges saving scores) and load/surge.py (the deadline surge of uploads);
the gunicorn fault tests (tests/faults/live_server.py) start gunicorn with it too.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# gunicorn's default access log line, and the seconds the worker spent on the request.
ACCESS_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s'


def base_database_url() -> str | None:
    """The PostgreSQL server to create the run's database on."""
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")


@contextmanager
def run_database(prefix: str) -> Iterator[tuple[str, str, Path]]:
    """The run's own PostgreSQL database (its URL and the server's version) and a temporary
    folder, both removed at the end; prints the machine first. Exits with status 2 when no
    server is configured."""
    from bench.bench_ranking import machine, postgres

    base = base_database_url()
    if not base:
        print("Set BENCH_DATABASE_URL or TEST_DATABASE_URL to a PostgreSQL server.")
        raise SystemExit(2)
    print(machine())
    url, drop, version = postgres(base)
    try:
        with tempfile.TemporaryDirectory(prefix=prefix) as name:
            yield url, version, Path(name)
    finally:
        drop()


def migrated_app(url: str, secret_key: str, upload_dir: str):  # noqa: ANN201
    """The production app on the run's database, migrated to the latest revision (the
    seeding process uses it for its service calls and the checks afterwards)."""
    from flask_migrate import upgrade

    from app import create_app

    app = create_app(
        "production",
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret_key, "UPLOAD_DIR": upload_dir},
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(
    url: str, secret_key: str, folder: str, upload_dir: str | None = None
) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("TEST_DATABASE_URL", None)
    env.update(
        SPROUT_ENV="production",
        DATABASE_URL=url,
        SECRET_KEY=secret_key,
        SPROUT_INSTANCE_DIR=folder,
        UPLOAD_DIR=upload_dir or str(Path(folder) / "uploads"),
        MAIL_TRANSPORT="log",
        # Plain http on loopback: a Secure cookie would never come back.
        SESSION_COOKIE_SECURE="false",
    )
    return env


def start_gunicorn(
    env: dict[str, str],
    port: int,
    workers: int,
    log: Path,
    *,
    access_format: str = ACCESS_FORMAT,
    config: Path | None = None,
) -> subprocess.Popen:
    """gunicorn serving wsgi:app on 127.0.0.1:`port`, its output in `log`, once it answers
    /healthz (a RuntimeError with the log's end if it exits or stays silent for a minute)."""
    command = [str(Path(sys.executable).parent / "gunicorn")]
    if config is not None:
        command += ["--config", str(config)]
    command += [
        "--workers", str(workers),
        "--bind", f"127.0.0.1:{port}",
        "--access-logfile", "-",
        "--access-logformat", access_format,
        "wsgi:app",
    ]  # fmt: skip
    with log.open("wb") as output:  # gunicorn keeps its own copy of the file
        process = subprocess.Popen(  # noqa: S603 — our own venv's gunicorn, fixed arguments
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}): {_tail(log)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return process
        except OSError:
            time.sleep(0.5)
    stop(process)
    raise RuntimeError(f"gunicorn did not answer within a minute: {_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # graceful: workers finish their requests
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def production_server(env: dict[str, str], workers: int, log: Path) -> Iterator[tuple[int, int]]:
    """gunicorn on a free port for the block: yields its master's pid and the port."""
    port = free_port()
    process = start_gunicorn(env, port, workers, log)
    try:
        yield process.pid, port
    finally:
        stop(process)


def request_seconds(log: Path, method: str, path_pattern: str) -> list[float]:
    """The worker's time for each request of the access log whose method and path match."""
    pattern = re.compile(rf'"{method} ({path_pattern}) HTTP/[\d.]+" \d+ .* (\d+\.\d+)$')
    return [
        float(match.group(2))
        for line in log.read_text(errors="replace").splitlines()
        if (match := pattern.search(line))
    ]


def server_errors(log: Path) -> list[str]:
    """Tracebacks, error lines and 5xx answers in gunicorn's log (access log included)."""
    return [
        line
        for line in log.read_text(errors="replace").splitlines()
        if "Traceback" in line or "[ERROR]" in line or '" 5' in line
    ]
