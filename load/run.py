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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402
    ROOT,
    migrated_app,
    production_server,
    run_database,
    server_env,
    server_errors,
)
from judging_round import Save, seed_round, stored_exactly_once  # noqa: E402

from bench.bench_ranking import RUBRIC  # noqa: E402

JUDGES, POOLS, K, PER_JUDGE = 200, 20, 3, 10
BARE_USERS = 5  # load/locustfile.py Bare.fixed_count, on top of the judges
ENTRIES = JUDGES * PER_JUDGE // K  # 666: each judge gets 9 or 10 entries
PASSWORD = "Hạt giống " + secrets.token_urlsafe(12)
SAVE, BARE = "save sheet", "bare: home page"
TARGET_P95_MS, TARGET_RATIO = 300, 5.0


# --- data ------------------------------------------------------------------------------------


def generate(app) -> dict:  # noqa: ANN001
    """The round, in its judging window, with no sheet yet (load/judging_round.py: each pool
    has its own 10 judges; its entries rotate through them, 3 each); returns the judges'
    emails."""
    from sqlalchemy import text

    from app.db import db

    world = seed_round(
        app,
        judges=JUDGES,
        entries=ENTRIES,
        rubric=RUBRIC,
        password=PASSWORD,
        pools=POOLS,
        judges_per_entry=K,
    )
    with app.app_context():
        # A live database has planner statistics (autovacuum gathers them); a fresh bulk load not.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.session.remove()
    return {
        "round_id": world.round_id,
        "emails": world.judges,
        "assignments": world.assigned.total(),
        "per_judge": (min(world.assigned.values()), max(world.assigned.values())),
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
    from app.db import db

    lines = [json.loads(line) for line in acks.read_text().splitlines() if line.strip()]
    saves = [Save(a["judge"], a["round_entry_id"], a["values"]) for a in lines]
    problems = stored_exactly_once(app, round_id, saves)
    with app.app_context():
        db.engine.dispose()
    sheets = len({(save.judge, save.round_entry_id) for save in saves})
    print(f"  {len(saves):,} acknowledged saves on {sheets:,} sheets")
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
    secret_key = secrets.token_urlsafe(48)
    with run_database(prefix="sprout-load-") as (url, version, folder):
        env = server_env(url, secret_key, str(folder))
        app = migrated_app(url, secret_key, str(folder))
        world = generate(app)
        low, high = world["per_judge"]
        print(f"PostgreSQL {version}: {JUDGES} judges × {low}–{high} entries, "
              f"{len(RUBRIC)} criteria, {world['assignments']:,} assignments")  # fmt: skip
        judges, acks = folder / "judges.json", folder / "acks.jsonl"
        judges.write_text(json.dumps({"password": PASSWORD, "emails": world["emails"]}))
        acks.touch()
        log = folder / "gunicorn.log"
        with production_server(env, args.workers, log) as (_, port):
            print(f"gunicorn: {args.workers} workers on 127.0.0.1:{port}; locust: "
                  f"{args.users} users, {args.spawn_rate}/s, {args.run_time}")  # fmt: skip
            locust_code = run_locust(args, port, folder, judges, acks)
        errors_logged = server_errors(log)
        print("\nChecking the database:")
        problems = check_saves(app, acks, world["round_id"])
        stats = read_stats(folder)
        outcome = json.loads((folder / "errors.json").read_text())
        return report(stats, outcome, locust_code, errors_logged, problems)


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
