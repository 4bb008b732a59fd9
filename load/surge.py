"""Deadline surge: 300 students upload a 5 MB pitch deck and submit in two minutes, on
gunicorn (several workers) and PostgreSQL, while the submission deadline passes (issue 7).

    .venv/bin/python load/surge.py [--students 300] [--window 120] [--deadline-after 95]
                                   [--workers 4]

1. Creates a PostgreSQL database of its own on the server of BENCH_DATABASE_URL or
   TEST_DATABASE_URL (dropped at the end) and seeds, with the test factories and the entry
   services, one competition whose first round is open, and per student an account (half
   in Vietnamese, half in English), a team of one and a draft entry complete but for its deck.
2. Starts gunicorn (production config) on 127.0.0.1 with uploads and its temporary files in a
   temporary folder of the run (removed at the end, ~1.5 GB).
3. Signs every student in and opens their edit form; then sets the round's deadline
   `--deadline-after` seconds ahead and opens the window: each student uploads at a moment of
   the window (most near the deadline), then submits (one in three with "Save and submit").
   Bounded: one thread a student, two or three requests each, 60 s per request at most, and
   the whole surge stops `--window` + 80 s after it opened.
4. Stops gunicorn, then checks the database and the disk (see `check`), prints the figures
   and exits non-zero when a check fails.

Loopback only; nothing here runs in the test suite.
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402
    migrated_app,
    production_server,
    request_seconds,
    run_database,
    server_env,
    server_errors,
)
from surge_checks import check, report  # noqa: E402
from surge_client import RNG, Student, Surge, prepare_all, surge  # noqa: E402

PASSWORD = "Hạt giống " + secrets.token_urlsafe(12)
TAIL = 80  # seconds after the window for the last submits and answers


def seed(app, count: int) -> tuple[int, list[Student]]:  # noqa: ANN001
    """The competition (window open, deadline set later) and `count` students with their
    draft entries; returns the round's id and the students."""
    from app.auth.passwords import hash_password
    from app.db import db
    from competitions.entries.services import start_entry
    from tests.factories import Factory

    factory = Factory()
    now = datetime.now(UTC)
    students = []
    with app.app_context():
        province = factory.unit("Tỉnh Quảng Ninh", level=factory.level("province", "Tỉnh", 0))
        competition = factory.competition(
            owner_unit=province, opens=now - timedelta(days=7), closes=now + timedelta(days=1)
        )
        track = competition.tracks[1]
        password_hash = hash_password(PASSWORD)  # production cost: signing in is real
        for n in range(count):
            user = factory.user(
                full_name=f"Trần Thị Sinh Viên {n + 1}",
                email=f"sinh.vien.{n + 1}@example.vn",
                password=None,
                unit=province,
            )
            user.password_hash = password_hash
            user.locale = "en" if n % 2 else "vi"
            team = factory.team(leader=user, name=f"Nhóm Khởi Nghiệp {n + 1}", unit=province)
            entry = start_entry(competition, team, track, f"Dự án số {n + 1}", by=user)
            entry.summary = "Máy sấy nông sản dùng năng lượng mặt trời cho hợp tác xã."
            entry.problem = "Nông sản sau thu hoạch hỏng vì phơi ngoài trời khi mưa."
            entry.solution = "Buồng sấy kín, khung tre, tấm hấp nhiệt tái chế."
            students.append(
                Student(
                    email=user.email,
                    entry_id=entry.id,
                    team=f"Team {n + 1}",
                    locale=user.locale,
                    one_step=n % 3 == 2,
                )
            )
        db.session.commit()
        round_id = competition.first_round.id
        db.session.remove()
    return round_id, students


def set_deadline(app, round_id: int, deadline: datetime) -> dict[str, str]:  # noqa: ANN001
    """Move the round's deadline; returns the late refusal as each language shows it."""
    from flask_babel import force_locale

    from app.db import db
    from competitions.entries.messages import error_message
    from competitions.entries.services import EntryError
    from competitions.models import Round

    with app.app_context():
        db.session.get(Round, round_id).submission_closes_at = deadline
        db.session.commit()
        db.session.remove()
    messages = {}
    with app.test_request_context():
        for locale in ("vi", "en"):
            with force_locale(locale):
                messages[locale] = str(error_message(EntryError("late", deadline=deadline)))
    return messages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--window", type=float, default=120.0, help="seconds")
    parser.add_argument("--deadline-after", type=float, default=95.0, help="seconds")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    secret_key = secrets.token_urlsafe(48)
    with run_database(prefix="sprout-surge-") as (url, version, folder):
        uploads, server_tmp = folder / "uploads", folder / "tmp"
        uploads.mkdir()
        server_tmp.mkdir()
        app = migrated_app(url, secret_key, str(uploads))
        started = time.monotonic()
        round_id, students = seed(app, args.students)
        print(f"PostgreSQL {version}: {len(students)} students with a draft entry each, "
              f"seeded in {time.monotonic() - started:.1f} s")  # fmt: skip
        env = server_env(url, secret_key, str(folder), str(uploads))
        env["TMPDIR"] = str(server_tmp)  # werkzeug spools large uploads there
        log = folder / "gunicorn.log"
        with production_server(env, args.workers, log) as (server, port):
            client = Surge(f"http://127.0.0.1:{port}", PASSWORD, {})
            started = time.monotonic()
            prepare_all(client, students)
            ready = sum(not s.errors for s in students)
            took = time.monotonic() - started
            print(f"gunicorn: {args.workers} workers on 127.0.0.1:{port}; {ready} students "
                  f"signed in and on their edit form in {took:.1f} s")  # fmt: skip
            opens = time.time()
            deadline = datetime.fromtimestamp(opens + args.deadline_after, UTC)
            deadline = deadline.replace(microsecond=0)
            client.late = set_deadline(app, round_id, deadline)
            for student in students:  # most near the deadline, a quarter after it
                student.at = client_moment(args.window, args.deadline_after)
            start = datetime.fromtimestamp(opens, UTC)
            print(f"window: {args.window:g} s from {start:%H:%M:%S} UTC, "
                  f"deadline at {deadline:%H:%M:%S} UTC")  # fmt: skip
            cpu = (cpu_seconds(server), resource.getrusage(resource.RUSAGE_SELF))
            surge(client, students, opens, args.window + TAIL)
            used = resource.getrusage(resource.RUSAGE_SELF)
            cpu = (
                cpu_seconds(server) - cpu[0],
                used.ru_utime + used.ru_stime - cpu[1].ru_utime - cpu[1].ru_stime,
            )
        print("\nChecking the database and the disk:")
        problems = check(app, students, deadline, uploads, server_tmp)
        worker = request_seconds(log, "POST", r"/competitions/entries/\d+/edit")
        print(f"CPU during the surge: gunicorn {cpu[0]:.0f} s, load generator {cpu[1]:.0f} s "
              f"({os.cpu_count()} cores)")  # fmt: skip
        return report(students, deadline, problems, server_errors(log), worker)


def cpu_seconds(pid: int) -> float:
    """CPU seconds used so far by gunicorn's master and its living workers (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        pids += [int(c) for c in (task / "children").read_text().split()]
    total = 0
    for one in pids:
        fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def client_moment(window: float, deadline_after: float) -> float:
    """When a student uploads: a triangle peaking a little after the deadline."""
    return RNG.triangular(0.0, window, min(window, deadline_after + 5))


if __name__ == "__main__":
    sys.exit(main())
