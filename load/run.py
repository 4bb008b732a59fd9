"""Load test: 200 judges saving scores on gunicorn + PostgreSQL (PERFORMANCE.md, issue 7).

    .venv/bin/python load/run.py [--users 200] [--spawn-rate 20] [--run-time 3m] [--workers 4]

1. Creates a PostgreSQL database of its own on the server of BENCH_DATABASE_URL or
   TEST_DATABASE_URL (dropped at the end), migrates it and generates a round in its judging
   window: 200 judges on the panel (conflicts declared), each given about 10 entries of the
   6-criterion rubric, all with one known password.
2. Starts gunicorn (production config, several workers) on 127.0.0.1 and a free port.
3. Runs locust headless with load/locustfile.py, bounded in users, spawn rate and time: the
   judges sign in, open their dashboard, then open sheets and save with pauses; a light user
   class measures a bare endpoint (the public home page, which reads nothing from the
   database — /healthz runs a query) in the same run.
4. Stops gunicorn, then checks that every save the server acknowledged (a redirect after the
   POST, recorded by the locustfile) is in the database exactly once with its audit row.
5. Prints p50/p95 of the save and of the bare endpoint, measured from the moment every judge
   has signed in (200 sign-ins at 20 a second, argon2 at production cost, are the morning's
   ramp, not the steady saving the targets are about), the errors of the whole run and the
   targets; exits non-zero when one is missed.

Loopback only; nothing here runs in the test suite.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402
    ROOT,
    base_database_url,
    free_port,
    migrated_app,
    server_env,
    server_errors,
    start_gunicorn,
    stop,
)

from bench.bench_ranking import RUBRIC, machine, postgres  # noqa: E402

JUDGES, POOLS, K, PER_JUDGE = 200, 20, 3, 10
BARE_USERS = 5  # load/locustfile.py Bare.fixed_count, on top of the judges
ENTRIES = JUDGES * PER_JUDGE // K  # 666: each judge gets 9 or 10 entries
PASSWORD = "Hạt giống " + secrets.token_urlsafe(12)
SAVE, BARE = "save sheet", "bare: home page"
TARGET_P95_MS, TARGET_RATIO = 300, 5.0


# --- data ------------------------------------------------------------------------------------


def generate(app) -> dict:  # noqa: ANN001
    """The round, in its judging window, with no sheet yet; returns the judges' emails."""
    from sqlalchemy import insert, text

    from app.auth.passwords import hash_password
    from app.db import db
    from app.people.models import User
    from app.units.models import Unit, UnitLevel
    from app.vietnamese import fold, name_sort_string
    from competitions.models import (
        Audience,
        Competition,
        CompetitionStatus,
        Entry,
        Pool,
        PoolMode,
        Round,
        Team,
        Track,
    )
    from judging.models import (
        JudgeAssignment,
        PanelMember,
        RoundEntry,
        RoundJudging,
        RubricCriterion,
    )

    now = datetime.now(UTC)
    with app.app_context():
        level = UnitLevel(code="province", name_vi="Tỉnh", name_en="Province", rank=0)
        province = Unit(name="Tỉnh Quảng Ninh", level=level, path="/")
        db.session.add_all([level, province])
        db.session.flush()
        province.path = f"/{province.id}/"
        competition = Competition(
            title="Cuộc thi Khởi nghiệp đổi mới sáng tạo tỉnh Quảng Ninh",
            code="QN",
            edition_year=2026,
            owner_unit=province,
            status=CompetitionStatus.JUDGING,
        )
        competition.tracks.append(
            Track(code="SV", name="Bảng Sinh viên", audience=Audience.OPEN, position=1)
        )
        round_ = Round(
            position=1,
            name="Vòng sơ khảo",
            pool_mode=PoolMode.BY_UNIT,
            judging_opens_at=now - timedelta(days=1),
            judging_closes_at=now + timedelta(days=1),
        )
        competition.rounds.append(round_)
        pools = [Pool(name=f"Cụm trường {p + 1:02d}") for p in range(POOLS)]
        round_.pools.extend(pools)
        db.session.add_all([competition, RoundJudging(round=round_, judges_per_entry=K)])
        db.session.add_all(
            RubricCriterion(
                round=round_, position=i, name=name, max_score=Decimal(m), weight=Decimal(m)
            )
            for i, (name, m) in enumerate(RUBRIC, start=1)
        )
        db.session.flush()
        track = competition.tracks[0]
        password_hash = hash_password(PASSWORD)  # production cost: sign-in is part of the load

        def person(prefix: str, n: int, **extra: object) -> dict:
            name = f"{prefix} {n + 1}"
            return {
                "email": f"{fold(prefix).replace(' ', '.')}.{n + 1}@example.vn",
                "full_name": name,
                "name_folded": fold(name),
                "name_sort": name_sort_string(name),
                **extra,
            }

        judge_base, leader_base = 10_000, 20_000
        judges = [
            {
                "id": judge_base + j,
                **person("Lê Văn Giám Khảo", j),
                "password_hash": password_hash,
                "email_verified_at": now,
            }
            for j in range(JUDGES)
        ]
        db.session.execute(insert(User), judges)
        db.session.execute(
            insert(User),
            [
                {"id": leader_base + n, **person("Nguyễn Thị Trưởng Nhóm", n)}
                for n in range(ENTRIES)
            ],
        )
        db.session.execute(
            insert(Team),
            [
                {
                    "id": 30_000 + n,
                    "name": f"Nhóm Khởi Nghiệp {n + 1}",
                    "name_folded": fold(f"Nhóm Khởi Nghiệp {n + 1}"),
                    "leader_id": leader_base + n,
                    "unit_id": province.id,
                }
                for n in range(ENTRIES)
            ],
        )
        db.session.execute(
            insert(Entry),
            [
                {
                    "id": 40_000 + n,
                    "competition_id": competition.id,
                    "track_id": track.id,
                    "team_id": 30_000 + n,
                    "unit_id": province.id,
                    "status": "accepted",
                    "code": f"QN26-SV-{n + 1:04d}",
                    "title": f"Dự án nông nghiệp thông minh số {n + 1}",
                    "title_folded": fold(f"Dự án nông nghiệp thông minh số {n + 1}"),
                }
                for n in range(ENTRIES)
            ],
        )
        db.session.execute(
            insert(RoundEntry),
            [
                {
                    "id": 50_000 + n,
                    "round_id": round_.id,
                    "entry_id": 40_000 + n,
                    "pool_id": pools[n % POOLS].id,
                }
                for n in range(ENTRIES)
            ],
        )
        # Each pool has its own 10 judges; its entries rotate through them, 3 each.
        pool_judges = {
            p: [judge_base + j for j in range(JUDGES) if j % POOLS == p] for p in range(POOLS)
        }
        db.session.execute(
            insert(PanelMember),
            [
                {
                    "round_id": round_.id,
                    "user_id": judge_base + j,
                    "pool_id": pools[j % POOLS].id,
                    "status": "active",
                    "invited_at": now,
                    "conflicts_declared_at": now,
                }
                for j in range(JUDGES)
            ],
        )
        assignments = []
        for n in range(ENTRIES):
            judges_of_pool = pool_judges[n % POOLS]
            for t in range(K):
                judge = judges_of_pool[(n // POOLS * K + t) % len(judges_of_pool)]
                assignments.append(
                    {
                        "round_entry_id": 50_000 + n,
                        "user_id": judge,
                        "status": "published",
                        "source": "auto",
                    }
                )
        db.session.execute(insert(JudgeAssignment), assignments)
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        round_id = round_.id
    per_judge = Counter(a["user_id"] for a in assignments)
    return {
        "round_id": round_id,
        "emails": [j["email"] for j in judges],
        "assignments": len(assignments),
        "per_judge": (min(per_judge.values()), max(per_judge.values())),
    }


# --- server and load -------------------------------------------------------------------------


def run_locust(args: argparse.Namespace, port: int, folder: Path, judges: Path, acks: Path) -> int:
    env = dict(
        os.environ,
        LOAD_JUDGES_FILE=str(judges),
        LOAD_ACK_FILE=str(acks),
        LOAD_ERROR_FILE=str(folder / "errors.json"),
        LOAD_JUDGE_USERS=str(args.users),
    )
    command = [
        str(Path(sys.executable).parent / "locust"),
        "-f", str(ROOT / "load" / "locustfile.py"),
        "--headless",
        "-u", str(args.users + BARE_USERS),
        "-r", str(args.spawn_rate),
        "--run-time", args.run_time,
        "--stop-timeout", "30",
        "--host", f"http://127.0.0.1:{port}",
        "--csv", str(folder / "locust"),
        "--only-summary",
        "--loglevel", "WARNING",
    ]  # fmt: skip
    return subprocess.run(command, env=env, cwd=ROOT, check=False).returncode  # noqa: S603


# --- afterwards ------------------------------------------------------------------------------


def check_saves(app, acks: Path, round_id: int) -> list[str]:  # noqa: ANN001
    """Every acknowledged save once in the audit log with its values, and each sheet holding
    the last acknowledged values, one sheet per judge × entry."""
    from sqlalchemy import func, select

    from app.audit import AuditEvent
    from app.db import db
    from app.people.models import User
    from judging.models import RoundEntry, ScoreSheet

    saves = [json.loads(line) for line in acks.read_text().splitlines() if line.strip()]
    problems: list[str] = []
    with app.app_context():
        ids = dict(db.session.execute(select(User.email, User.id)).all())
        for save in saves:
            save["judge_id"] = ids[save["judge"]]
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("judging.sheet.%"))
        ).all()
        audited: Counter = Counter()
        for event in events:
            new = event.new or {}
            values = tuple(sorted((k, Decimal(v)) for k, v in new.get("scores", {}).items()))
            audited[(event.actor_id, new.get("round_entry_id"), values)] += 1
        last: dict[tuple[int, int], dict] = {}
        for save in saves:
            values = tuple(sorted((k, Decimal(v)) for k, v in save["values"].items()))
            key = (save["judge_id"], save["round_entry_id"], values)
            if audited[key] != 1:
                problems.append(f"acknowledged save {key} has {audited[key]} audit rows")
            last[(save["judge_id"], save["round_entry_id"])] = save["values"]
        if len(events) != len(saves):
            problems.append(f"{len(events)} sheet audit rows for {len(saves)} acknowledged saves")
        duplicates = db.session.execute(
            select(ScoreSheet.user_id, ScoreSheet.round_entry_id, func.count())
            .join(RoundEntry, RoundEntry.id == ScoreSheet.round_entry_id)
            .where(RoundEntry.round_id == round_id)
            .group_by(ScoreSheet.user_id, ScoreSheet.round_entry_id)
            .having(func.count() > 1)
        ).all()
        problems += [f"judge {u} entry {e}: {c} sheets" for u, e, c in duplicates]
        sheets = {
            (s.user_id, s.round_entry_id): s
            for s in db.session.scalars(
                select(ScoreSheet).join(RoundEntry).where(RoundEntry.round_id == round_id)
            )
        }
        for key, values in last.items():
            sheet = sheets.get(key)
            stored = {str(s.criterion_id): s.value for s in sheet.scores} if sheet else None
            if stored != {k: Decimal(v) for k, v in values.items()}:
                problems.append(f"sheet {key} holds {stored}, last acknowledged {values}")
        if len(sheets) != len(last):
            problems.append(f"{len(sheets)} sheets stored, {len(last)} acknowledged")
        db.session.remove()
        db.engine.dispose()
    print(
        f"  {len(saves):,} acknowledged saves on {len(last):,} sheets; {len(events):,} audit rows"
    )
    return problems


def read_stats(folder: Path) -> dict[str, dict]:
    with (folder / "locust_stats.csv").open(newline="") as f:
        return {row["Name"]: row for row in csv.DictReader(f)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=JUDGES, help=f"judges (≤ {JUDGES})")
    parser.add_argument("--spawn-rate", type=int, default=20)
    parser.add_argument("--run-time", default="3m")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    args.users = min(args.users, JUDGES)  # one simulated judge per account
    base = base_database_url()
    if not base:
        print("Set BENCH_DATABASE_URL or TEST_DATABASE_URL to a PostgreSQL server.")
        return 2
    print(machine())
    url, drop, version = postgres(base)
    secret_key = secrets.token_urlsafe(48)
    try:
        with tempfile.TemporaryDirectory(prefix="sprout-load-") as name:
            folder = Path(name)
            env = server_env(url, secret_key, name)
            app = migrated_app(url, secret_key, name)
            world = generate(app)
            low, high = world["per_judge"]
            print(f"PostgreSQL {version}: {JUDGES} judges × {low}–{high} entries, "
                  f"{len(RUBRIC)} criteria, {world['assignments']:,} assignments")  # fmt: skip
            judges, acks = folder / "judges.json", folder / "acks.jsonl"
            judges.write_text(json.dumps({"password": PASSWORD, "emails": world["emails"]}))
            acks.touch()
            port = free_port()
            log = folder / "gunicorn.log"
            server = start_gunicorn(env, port, args.workers, log)
            print(f"gunicorn: {args.workers} workers on 127.0.0.1:{port}; locust: "
                  f"{args.users} users, {args.spawn_rate}/s, {args.run_time}")  # fmt: skip
            try:
                locust_code = run_locust(args, port, folder, judges, acks)
            finally:
                stop(server)
            errors_logged = server_errors(log)
            print("\nChecking the database:")
            problems = check_saves(app, acks, world["round_id"])
            stats = read_stats(folder)
            outcome = json.loads((folder / "errors.json").read_text())
            return report(stats, outcome, locust_code, errors_logged, problems)
    finally:
        drop()


def report(
    stats: dict, outcome: dict, locust_code: int, server_errors: list[str], problems: list[str]
) -> int:
    """The figures of the window after every judge signed in; the errors of the whole run."""
    print("\nMeasured from the moment every judge had signed in (the sign-in ramp excluded):")
    print(f"{'request':<24} {'count':>7} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7}")
    for name, row in stats.items():
        if not int(row["Request Count"]):
            continue  # the sign-in pages, all before the window
        print(f"{name:<24} {row['Request Count']:>7} {row['Failure Count']:>5} "
              f"{row['50%']:>7} {row['95%']:>7}")  # fmt: skip
    save, bare = stats.get(SAVE), stats.get(BARE)
    errors = sum(outcome["errors"].values()) + len(server_errors)
    failures = []
    if not outcome["all_signed_in"]:
        failures.append("not every judge signed in: the figures include the sign-in ramp")
    if errors:
        failures.append(f"{errors} errors ({len(server_errors)} in the server log)")
    if save is None or bare is None or not int(save["Request Count"]):
        failures.append("no save or no bare request measured")
    else:
        p95_save, p95_bare = float(save["95%"]), float(bare["95%"])
        ratio = p95_save / p95_bare if p95_bare else float("inf")
        print(f"\nsave p50 {save['50%']} ms, p95 {p95_save:.0f} ms (target < {TARGET_P95_MS})")
        print(f"bare p50 {bare['50%']} ms, p95 {p95_bare:.0f} ms; "
              f"save / bare at p95 {ratio:.1f} × (target ≤ {TARGET_RATIO:g} ×)")  # fmt: skip
        if p95_save >= TARGET_P95_MS:
            failures.append(f"save p95 {p95_save:.0f} ms ≥ {TARGET_P95_MS} ms")
        if ratio > TARGET_RATIO:
            failures.append(f"save p95 is {ratio:.1f} × the bare endpoint's")
    failures += problems
    if locust_code not in (0, 1):  # 1: locust saw failures, already counted
        failures.append(f"locust exited with {locust_code}")
    print(f"errors: {errors}; acknowledged saves checked: {'ok' if not problems else 'FAILED'}")
    for error, count in outcome["errors"].items():
        print(f"  {count} × {error}")
    for line in server_errors[:10]:
        print(f"  server: {line}")
    for failure in failures[:30]:
        print(f"✗ {failure}")
    print("✓ every target met" if not failures else f"{len(failures)} problem(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
