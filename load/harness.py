"""What the load scripts share: a migrated PostgreSQL database of their own, gunicorn with the
production configuration on a free loopback port, and the server log's errors afterwards.

Used by load/run.py (judges saving scores) and load/surge.py (the deadline surge of uploads).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# gunicorn's default access log line, and the seconds the worker spent on the request.
ACCESS_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s'


def base_database_url() -> str | None:
    """The PostgreSQL server to create the run's database on."""
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")


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


def start_gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603 — our own venv's gunicorn, fixed arguments
        [
            str(Path(sys.executable).parent / "gunicorn"),
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
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}); see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return process
        except OSError:
            time.sleep(0.5)
    stop(process)
    raise RuntimeError(f"gunicorn did not answer within a minute; see {log}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # graceful: workers finish their requests
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
