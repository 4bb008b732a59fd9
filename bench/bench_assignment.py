"""Benchmark: automatic judge assignment at province scale.

2,000 entries in 20 pools, 150 judges, k = 3, random expertise (sectors of the entries, tags of
the judges), ~2 % conflicts of interest. Two panels:

* ``per pool``: each judge is invited for one pool (7 or 8 judges per pool) — how organizers
  usually build panels;
* ``round-wide``: every judge covers every pool (150 judges × 2,000 entries).

Measured, as medians over a few repetitions:

1. the pure planner (judging.assignment.planning.plan: every pool solved exactly by app.optimiser,
   plus the diagnosis), with the time spent inside the optimiser's solve() summed over pools;
2. the service end to end on SQLite (a temporary file, schema by ``db.create_all()``):
   ``propose_assignments`` (load the round in a fixed number of queries, plan, write 6,000
   rows, audit) and commit; then ``publish_proposal`` (publish 6,000 rows, queue 150 emails)
   and commit; then the organizer's assignment page (GET, all 20 pools summarised).

Run: ``.venv/bin/python bench/bench_assignment.py [--repeat N] [--skip-service]``.
Target (docs/performance.md): 2,000 entries × 150 judges, k = 3, optimal, ≤ 3 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import scipy  # noqa: E402

import judging.assignment.planning as planning  # noqa: E402
from bench.report import figure, write_results  # noqa: E402

ENTRIES, POOLS, JUDGES, K = 2000, 20, 150, 3
CONFLICT_RATE = 0.02
TARGET = 3.0  # seconds, the planner alone and the proposal end to end
PASSWORD = "Hạt giống nảy mầm 2026"  # noqa: S105 — a throwaway account in a temporary database
SECTORS = sorted(planning.SECTOR_EXPERTISE)
TAGS = sorted(
    {tag for pairs in planning.SECTOR_EXPERTISE.values() for tag, _ in pairs}
    | {"finance", "legal", "marketing", "fundraising", "management"}
)


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}; {os.cpu_count()} cores; Python {platform.python_version()}; "
        f"SciPy {scipy.__version__} (HiGHS); SQLite {sqlite3.sqlite_version}; "
        f"{platform.system()} {platform.release()}"
    )


def median_of(runs: list[float]) -> str:
    return f"{statistics.median(runs):.3f} s (runs: {', '.join(f'{r:.3f}' for r in runs)})"


# --- the pure planner --------------------------------------------------------------------------


def round_data(rng: random.Random, *, per_pool: bool) -> planning.RoundData:
    entries = tuple(
        planning.EntryData(
            id=n + 1,
            pool_id=n % POOLS + 1,
            track_id=None,
            sectors=frozenset(rng.sample(SECTORS, rng.randint(1, 2))),
        )
        for n in range(ENTRIES)
    )
    judges = tuple(
        planning.JudgeData(
            user_id=10_000 + n,
            pool_id=(n % POOLS + 1) if per_pool else None,
            expertise=frozenset(rng.sample(TAGS, rng.randint(1, 3))),
        )
        for n in range(JUDGES)
    )
    conflicts = frozenset(
        (e.id, j.user_id)
        for e in entries
        for j in judges
        if (j.pool_id is None or j.pool_id == e.pool_id) and rng.random() < CONFLICT_RATE
    )
    return planning.RoundData(entries, judges, conflicts, k=K)


def time_pure(per_pool: bool, repeat: int) -> list[dict]:
    data = round_data(random.Random(2026), per_pool=per_pool)
    in_solver: list[float] = []
    original = planning.solve

    def timed_solve(problem):  # noqa: ANN001, ANN202
        started = time.perf_counter()
        try:
            return original(problem)
        finally:
            in_solver[-1] += time.perf_counter() - started

    planning.solve = timed_solve
    totals = []
    try:
        for _ in range(repeat):
            in_solver.append(0.0)
            started = time.perf_counter()
            result = planning.plan(data)
            totals.append(time.perf_counter() - started)
    finally:
        planning.solve = original
    low, high = result.diagnosis.load_range
    label = "per pool" if per_pool else "round-wide"
    pairs = sum(
        1 for e in data.entries for j in data.judges if planning.allowed(data, e.id, j.user_id)
    )
    print(f"pure planner, {label} panel ({pairs:,} allowed pairs, {len(result.batches)} solves):")
    print(f"  plan() total        {median_of(totals)}")
    print(f"  inside solve()      {median_of(in_solver)}")
    print(
        f"  result: {len(result.add):,} assignments, {result.diagnosis.missing} judge slots "
        f"missing, loads {low}–{high} per judge"
    )
    return [
        figure(f"{label}: plan()", statistics.median(totals), target=TARGET),
        figure(f"{label}: inside solve()", statistics.median(in_solver)),
        figure(f"{label}: allowed pairs", pairs, unit=""),
        figure(f"{label}: assignments", len(result.add), unit=""),
        figure(f"{label}: judge slots missing", result.diagnosis.missing, unit=""),
        figure(f"{label}: loads per judge", f"{low}–{high}" if low != high else str(low), unit=""),
    ]


# --- the service on SQLite ---------------------------------------------------------------------


def build_round(per_pool: bool):  # noqa: ANN201
    """A competition being judged with its first round, pools, entries, panel and conflicts,
    written straight through the models (untimed)."""
    from datetime import UTC, datetime, timedelta

    from app.db import db
    from app.people.models import ExpertiseTag, Role, RoleGrant, User
    from app.units.models import UnitLevel
    from app.units.services import create_unit
    from competitions.models import (
        Competition,
        CompetitionStatus,
        Entry,
        Pool,
        Round,
        Sector,
        Team,
        TeamMember,
        Track,
    )
    from judging.models import Conflict, PanelMember, RoundEntry, RoundJudging

    rng = random.Random(2026)
    now = datetime.now(UTC)
    level = UnitLevel(code="province", name_vi="Tỉnh", name_en="Province", rank=0)
    db.session.add(level)
    province = create_unit(name="Tỉnh Quảng Nam", level=level, parent=None)
    sectors = {code: Sector(code=code, name_vi=code, name_en=code) for code in SECTORS}
    tags = {code: ExpertiseTag(code=code, name_vi=code, name_en=code) for code in TAGS}
    organizer = User(full_name="Trần Thị Tổ Chức", email="btc@example.vn")
    organizer.roles.append(RoleGrant(role=Role.ORGANIZER, unit=province))
    competition = Competition(
        title="Cuộc thi Khởi nghiệp tỉnh Quảng Nam",
        code="QN",
        edition_year=2026,
        owner_unit=province,
        status=CompetitionStatus.JUDGING,
    )
    track = Track(code="CHUNG", name="Bảng chung", position=1)
    competition.tracks.append(track)
    round_ = Round(
        position=1,
        name="Vòng sơ khảo",
        judging_opens_at=now - timedelta(days=1),
        judging_closes_at=now + timedelta(days=10),
    )
    competition.rounds.append(round_)
    pools = [Pool(name=f"Bảng {n + 1:02d}") for n in range(POOLS)]
    round_.pools.extend(pools)
    db.session.add_all([province, *sectors.values(), *tags.values(), organizer, competition])
    db.session.add(RoundJudging(round=round_, judges_per_entry=K))
    leaders = [User(full_name=f"Nguyễn Văn Trưởng Nhóm {n}", email=f"l{n}@example.vn")
               for n in range(100)]  # fmt: skip
    teams = []
    for n, leader in enumerate(leaders):
        team = Team(name=f"Nhóm {n}", leader=leader)
        team.members.append(TeamMember(user=leader, full_name=leader.full_name))
        teams.append(team)
    db.session.add_all(teams)
    entries = []
    for n in range(ENTRIES):
        entry = Entry(
            competition=competition,
            track=track,
            team=teams[n % len(teams)],
            title=f"Dự án số {n + 1}",
            status="accepted",
            code=f"QN26-CHUNG-{n + 1:04d}",
        )
        entry.sectors = [sectors[c] for c in rng.sample(SECTORS, rng.randint(1, 2))]
        entries.append(entry)
        db.session.add(RoundEntry(round=round_, entry=entry, pool=pools[n % POOLS]))
    judges = []
    for n in range(JUDGES):
        judge = User(full_name=f"Lê Văn Giám Khảo {n + 1}", email=f"gk{n}@example.vn")
        judge.roles.append(RoleGrant(role=Role.JUDGE))
        judge.expertise = [tags[c] for c in rng.sample(TAGS, rng.randint(1, 3))]
        judges.append(judge)
        db.session.add(
            PanelMember(
                round=round_,
                user=judge,
                pool=pools[n % POOLS] if per_pool else None,
                conflicts_declared_at=now,
            )
        )
    db.session.flush()
    for n, entry in enumerate(entries):
        for m, judge in enumerate(judges):
            in_scope = not per_pool or m % POOLS == n % POOLS
            if in_scope and rng.random() < CONFLICT_RATE:
                db.session.add(Conflict(user_id=judge.id, entry_id=entry.id, source="declared"))
    db.session.commit()
    return round_.id, organizer.id


def time_service(per_pool: bool, repeat: int) -> list[dict]:
    from sqlalchemy import delete, event, select

    from app import create_app
    from app.auth.passwords import hash_password
    from app.db import db
    from app.mail.outbox import OutboxMessage
    from app.people.models import User
    from competitions.models import Round
    from judging.assignment import services
    from judging.models import JudgeAssignment

    with tempfile.TemporaryDirectory(prefix="sprout-bench-") as folder:
        app = create_app(
            "testing",
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
                "MAIL_SEND_ON_COMMIT": False,
                "UPLOAD_DIR": folder,
                "WTF_CSRF_ENABLED": False,
            },
        )
        with app.app_context():
            db.create_all()
            round_id, organizer_id = build_round(per_pool)
            statements = [0]
            event.listen(
                db.engine,
                "before_cursor_execute",
                lambda *_: statements.__setitem__(0, statements[0] + 1),
            )

            def timed(step: Callable[[], object]) -> tuple[float, int]:
                db.session.expire_all()
                before = statements[0]
                started = time.perf_counter()
                step()
                db.session.commit()
                return time.perf_counter() - started, statements[0] - before

            def reset() -> None:
                db.session.execute(delete(JudgeAssignment))
                db.session.execute(delete(OutboxMessage))
                db.session.commit()

            def round_and_actor():  # noqa: ANN202
                return db.session.get(Round, round_id), db.session.get(User, organizer_id)

            propose, publish, queries = [], [], {}
            for _ in range(repeat):
                reset()
                seconds, queries["propose"] = timed(
                    lambda: services.propose_assignments(*round_and_actor())
                )
                propose.append(seconds)
                seconds, queries["publish"] = timed(
                    lambda: services.publish_proposal(*round_and_actor())
                )
                publish.append(seconds)
            rows = db.session.scalar(select(db.func.count()).select_from(JudgeAssignment))
            mails = db.session.scalar(select(db.func.count()).select_from(OutboxMessage))

        page = []
        client = app.test_client()
        with app.app_context():
            organizer = db.session.get(User, organizer_id)
            organizer.password_hash = hash_password(PASSWORD)
            organizer.email_verified_at = organizer.created_at
            db.session.commit()
        with client:
            client.post("/auth/login", data={"email": "btc@example.vn", "password": PASSWORD})
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(f"/judging/rounds/{round_id}/assignments")
                page.append(time.perf_counter() - started)
                assert response.status_code == 200, response.status_code

    label = "per pool" if per_pool else "round-wide"
    print(f"service on SQLite, {label} panel:")
    print(
        f"  propose_assignments + commit  {median_of(propose)}  [{queries['propose']} statements]"
    )
    print(
        f"  publish_proposal + commit     {median_of(publish)}  [{queries['publish']} statements]"
    )
    print(f"  assignment page (GET)         {median_of(page)}")
    print(f"  result: {rows:,} published assignments, {mails} emails queued")
    return [
        figure(f"{label}: {name}", statistics.median(runs), database="SQLite", target=target)
        for name, runs, target in (
            ("propose_assignments + commit", propose, TARGET),
            ("publish_proposal + commit", publish, None),
            ("assignment page (GET)", page, None),
        )
    ] + [figure(f"{label}: emails queued", mails, database="SQLite", unit="")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-service", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results there (bench/report.py)")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"data: {ENTRIES} entries in {POOLS} pools, {JUDGES} judges, k = {K}, "
          f"~{CONFLICT_RATE:.0%} conflicts, repeat {args.repeat}")  # fmt: skip
    figures = []
    for per_pool in (True, False):
        figures += time_pure(per_pool, args.repeat)
    if not args.skip_service:
        for per_pool in (True, False):
            figures += time_service(per_pool, args.repeat)
    if args.json:
        write_results(args.json, "assignment", runs=args.repeat, figures=figures)


if __name__ == "__main__":
    main()
