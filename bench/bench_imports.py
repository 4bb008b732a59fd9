"""Benchmark: import 2,000 participants with their teams from a workbook.

    .venv/bin/python bench/bench_imports.py [--runs 5]

Builds a 2,000-row workbook (500 teams of four, a tenth of the people already holding an
account, every team naming its school) against a temporary SQLite database built from the
migrations, and against a PostgreSQL database of its own when BENCH_DATABASE_URL or
TEST_DATABASE_URL is set (created, then dropped). Then it times, as medians over the runs:

* check — read the workbook and check every row against the database (the preview);
* apply — what the confirmation does: read the kept file, check it again, create the
  accounts (activation emails queued in the outbox), teams and members, audit, flush;
* check + apply — the two together, the target of PERFORMANCE.md (≤ 3 s).

Each run is rolled back, so every run imports into the same database. Not a test: nothing
here fails when slow; it prints the numbers and the machine.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_ranking import machine, postgres  # noqa: E402

ROWS, TEAM_SIZE, SCHOOLS, KNOWN_EVERY = 2_000, 4, 50, 10
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng")
MIDDLE = ("Văn", "Thị", "Minh", "Thanh", "Hồng", "Quốc", "Ngọc", "Đức")
GIVEN = ("An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khoa", "Lan", "Mai", "Nam", "Phúc", "Tâm")


def full_name(n: int) -> str:
    return f"{FAMILY[n % 10]} {MIDDLE[n % 8]} {GIVEN[n % 12]} {n}"


def generate() -> dict:
    """The units, the organizer and the accounts a tenth of the rows already have."""
    from sqlalchemy import insert

    from app.auth.passwords import hash_password
    from app.db import db, utcnow
    from app.people.models import Role, RoleGrant, User
    from app.units.models import Unit, UnitLevel
    from app.vietnamese import fold, name_sort_string

    province_level = UnitLevel(code="province", name_vi="Tỉnh", name_en="Province", rank=0)
    school_level = UnitLevel(
        code="school", name_vi="Trường", name_en="School", rank=3, is_organisation=True
    )
    province = Unit(name="Tỉnh Quảng Nam", level=province_level, path="/")
    db.session.add_all([province_level, school_level, province])
    db.session.flush()
    province.path = f"/{province.id}/"
    schools = [
        Unit(name=f"Trường THPT Số {n + 1}", code=f"THPT{n + 1:02d}", level=school_level,
             parent=province)
        for n in range(SCHOOLS)
    ]  # fmt: skip
    db.session.add_all(schools)
    db.session.flush()
    for school in schools:
        school.path = f"{province.path}{school.id}/"
    organizer = User(
        email="bench.organizer@example.vn",
        full_name="Ban Tổ Chức Đo Hiệu Năng",
        password_hash=hash_password("Hạt giống đo hiệu năng"),
        email_verified_at=utcnow(),
    )
    organizer.roles.append(RoleGrant(role=Role.ORGANIZER, unit=province))
    db.session.add(organizer)
    known = [
        {"email": email(n), "full_name": full_name(n), "name_folded": fold(full_name(n)),
         "name_sort": name_sort_string(full_name(n))}
        for n in range(0, ROWS, KNOWN_EVERY)
    ]  # fmt: skip
    db.session.execute(insert(User), known)
    db.session.commit()
    return {"organizer_id": organizer.id, "schools": [s.code for s in schools]}


def email(n: int) -> str:
    return f"thi.sinh.{n}@example.vn"


def workbook(schools: list[str]) -> bytes:
    from openpyxl import Workbook

    from competitions.teams.imports import COLUMNS, LEADER, MEMBER

    book = Workbook()
    sheet = book.active
    sheet.append([column.header for column in COLUMNS])
    for n in range(ROWS):
        team = n // TEAM_SIZE
        leader = n % TEAM_SIZE == 0
        sheet.append(
            [
                f"Nhóm Khởi Nghiệp {team + 1}",
                LEADER if leader else MEMBER,
                full_name(n),
                email(n),
                date(2007, 1 + n % 12, 1 + n % 28) if n % 2 else f"{1 + n % 28}/{1 + n % 12}/2008",
                f"Trường THPT Số {1 + team % SCHOOLS}",
                f"1{n % 3}A{n % 5}",
                f"09{n:08d}",
                schools[team % len(schools)] if leader else None,
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def median_time(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(app, ids: dict, runs: int) -> dict[str, float]:  # noqa: ANN001
    from app.db import db
    from app.people.imports.uploads import keep_upload
    from app.people.models import User
    from competitions.teams.imports import check_teams
    from competitions.teams.imports_services import apply_teams

    data = workbook(ids["schools"])
    print(f"  workbook: {ROWS:,} rows, {len(data) / 1024:.0f} KB")
    results: dict[str, float] = {}
    with app.test_request_context("/competitions/teams/import", method="POST"):
        organizer = db.session.get(User, ids["organizer_id"])
        report = check_teams(data, actor=organizer)
        assert report.importable, [(r.number, r.problems) for r in report.error_rows[:3]]
        assert report.new_teams == ROWS // TEAM_SIZE
        assert report.count("create") == ROWS - ROWS // KNOWN_EVERY

        def check() -> object:
            return check_teams(data, actor=organizer)

        def apply() -> object:
            stored = keep_upload(data, "thi-sinh.xlsx", kind="teams", by=organizer)
            start = time.perf_counter()
            applied = apply_teams(stored, by=organizer)
            db.session.flush()
            elapsed = time.perf_counter() - start
            assert applied.members_added == ROWS
            db.session.rollback()
            return elapsed

        def both() -> float:
            start = time.perf_counter()
            check()
            stored = keep_upload(data, "thi-sinh.xlsx", kind="teams", by=organizer)
            apply_teams(stored, by=organizer)
            db.session.flush()
            elapsed = time.perf_counter() - start
            db.session.rollback()
            return elapsed

        results["check (the preview)"] = median_time(check, runs)
        results["apply (check again + write)"] = statistics.median(apply() for _ in range(runs))
        results["check + apply"] = statistics.median(both() for _ in range(runs))
    return results


def run_on(url: str, runs: int) -> dict[str, float]:
    from flask_migrate import upgrade

    from app import create_app
    from app.db import db

    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_DIR": tempfile.mkdtemp(prefix="sprout-bench-"),
            "MAIL_SEND_ON_COMMIT": False,  # nothing is committed; no mail leaves
        },
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        ids = generate()
    try:
        return measure(app, ids, runs)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


TARGETS = {"check + apply": 3.0}
# The confirmation is one request on its own as well: docs/performance.md holds it to the same.
JSON_TARGETS = {**TARGETS, "apply (check again + write)": 3.0}


def report(label: str, results: dict[str, float]) -> None:
    print(f"\n{label}")
    for name, value in results.items():
        target = TARGETS.get(name)
        note = f"   target ≤ {target:g} s {'✓' if value <= target else '✗'}" if target else ""
        print(f"  {name:<32} {value * 1000:8.0f} ms{note}")


def json_figures(database: str, results: dict[str, float]) -> list[dict]:
    from bench.report import figure

    return [
        figure(name, value, database=database, target=JSON_TARGETS.get(name))
        for name, value in results.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per timing (median; ≥ 3)")
    parser.add_argument("--json", type=Path, help="also write the results there (bench/report.py)")
    args = parser.parse_args()
    runs = max(args.runs, 3)
    figures: list[dict] = []
    pg_version = None
    print(machine())
    print(f"{ROWS:,} rows · teams of {TEAM_SIZE} · 1 in {KNOWN_EVERY} people already has an "
          f"account · median of {runs} runs")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="sprout-bench-") as folder:
        results = run_on(f"sqlite:///{folder}/bench.sqlite3", runs)
        report("SQLite (file, WAL)", results)
        figures += json_figures("SQLite", results)
    pg_url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    try:
        if pg_url:
            url, drop, version = postgres(pg_url)
            try:
                results = run_on(url, runs)
                report(f"PostgreSQL {version}", results)
                figures += json_figures("PostgreSQL", results)
                pg_version = version
            finally:
                drop()
    finally:  # the SQLite figures are kept even when PostgreSQL fails
        if args.json:
            from bench.report import write_results

            write_results(args.json, "imports", runs=runs, figures=figures, postgresql=pg_version)


if __name__ == "__main__":
    main()
