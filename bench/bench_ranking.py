"""Benchmark: rank a province-scale round and export its workbook.

    .venv/bin/python bench/bench_ranking.py [--runs 7]

Generates the round PERFORMANCE.md describes — 2,000 entries in 20 pools, 150 judges, 3 judges
per entry, the 6-criterion rubric (36,000 criterion scores) — into a temporary SQLite database
built from the migrations, and into a PostgreSQL database of its own when BENCH_DATABASE_URL or
TEST_DATABASE_URL is set (created, then dropped). Then it times, as medians over the runs:

* load      — `load_round`: every query the ranking needs;
* rank      — per pool and overall (`rank_round(...).pools` and `.overall`);
* stats     — judge profiles, ICC and Kendall's W per pool, leave-one-judge-out;
* ranking   — load + rank + stats together (target ≤ 0.5 s);
* export    — the whole workbook from the database: load, rank, stats, xlsx (target ≤ 2 s);
* bare xlsx — openpyxl writing the same cells with no styles, for the ratio in PERFORMANCE.md;
* pages     — GET of the ranking page (largest pool, whole round) and the trust page.

Not a test: nothing here fails when slow; it prints the numbers and the machine.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ENTRIES, POOLS, JUDGES, K = 2_000, 20, 150, 3
RUBRIC = (
    ("Tính đổi mới sáng tạo", 25),
    ("Tính khả thi", 20),
    ("Thị trường", 20),
    ("Đội ngũ", 15),
    ("Tác động xã hội", 10),
    ("Trình bày", 10),
)
PASSWORD = "Hạt giống " + secrets.token_urlsafe(12)  # the bench admin signs in once, locally


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"CPU {cpu or 'unknown'} · {os.cpu_count()} cores · Python {platform.python_version()} · "
        f"{platform.system()} {platform.release()} · SQLite {sqlite3.sqlite_version}"
    )


# --- data ------------------------------------------------------------------------------------


def generate(seed: int = 2026) -> dict:
    """Fill the app's database with the round; returns the ids the timings need."""
    from sqlalchemy import insert, text

    from app.auth.passwords import hash_password
    from app.db import db
    from app.people.models import Role, RoleGrant, User
    from app.units.models import Unit, UnitLevel
    from app.vietnamese import fold, name_sort_string
    from competitions.models import Entry, Team
    from judging.models import JudgeAssignment, RoundEntry, Score, ScoreSheet
    from load.judging_round import add_round

    rng = random.Random(seed)
    now = datetime.now(UTC)
    province_level = UnitLevel(code="province", name_vi="Tỉnh", name_en="Province", rank=0)
    school_level = UnitLevel(
        code="school", name_vi="Trường", name_en="School", rank=3, is_organisation=True
    )
    province = Unit(name="Tỉnh Quảng Ninh", level=province_level, path="/")
    db.session.add_all([province_level, school_level, province])
    db.session.flush()
    province.path = f"/{province.id}/"
    schools = [
        Unit(name=f"Trường THPT Số {n + 1}", level=school_level, parent=province)
        for n in range(200)
    ]
    db.session.add_all(schools)
    db.session.flush()
    for school in schools:
        school.path = f"{province.path}{school.id}/"

    admin = User(
        email="bench.admin@example.vn",
        full_name="Quản Trị Đo Hiệu Năng",
        password_hash=hash_password(PASSWORD),
        email_verified_at=now,
    )
    admin.roles.append(RoleGrant(role=Role.ADMIN))
    db.session.add(admin)
    round_, pools, criteria = add_round(
        province,
        pools=POOLS,
        judges_per_entry=K,
        rubric=RUBRIC,
        opens_at=now - timedelta(days=10),
        closes_at=now - timedelta(days=1),
    )
    competition = round_.competition
    track = competition.tracks[0]

    def people(prefix: str, count: int, start: int) -> list[dict]:
        rows = []
        for n in range(count):
            name = f"{prefix} {n + 1}"
            rows.append(
                {
                    "id": start + n,
                    "email": f"{fold(prefix).replace(' ', '.')}.{n + 1}@example.vn",
                    "full_name": name,
                    "name_folded": fold(name),
                    "name_sort": name_sort_string(name),
                }
            )
        return rows

    judge_base, leader_base = 10_000, 20_000
    db.session.execute(insert(User), people("Lê Văn Giám Khảo", JUDGES, judge_base))
    db.session.execute(insert(User), people("Nguyễn Thị Trưởng Nhóm", ENTRIES, leader_base))
    db.session.execute(
        insert(Team),
        [
            {
                "id": 30_000 + n,
                "name": f"Nhóm Khởi Nghiệp {n + 1}",
                "name_folded": fold(f"Nhóm Khởi Nghiệp {n + 1}"),
                "leader_id": leader_base + n,
                "unit_id": schools[n % len(schools)].id,
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
                "unit_id": schools[n % len(schools)].id,
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
            }  # fmt: skip
            for n in range(ENTRIES)
        ],
    )
    # Each pool has its own judges (7 or 8); entries rotate through them, 3 each.
    pool_judges = {
        p: [judge_base + j for j in range(JUDGES) if j % POOLS == p] for p in range(POOLS)
    }
    leniency = {judge_base + j: rng.gauss(0, 6) for j in range(JUDGES)}
    assignments, sheets, scores = [], [], []
    sheet_id = 60_000
    for n in range(ENTRIES):
        pool = n % POOLS
        judges = pool_judges[pool]
        quality = rng.uniform(35, 90)
        for t in range(K):
            judge = judges[(n // POOLS * K + t) % len(judges)]
            assignments.append(
                {
                    "round_entry_id": 50_000 + n,
                    "user_id": judge,
                    "status": "published",
                    "source": "auto",
                }  # fmt: skip
            )
            sheets.append(
                {
                    "id": sheet_id,
                    "round_entry_id": 50_000 + n,
                    "user_id": judge,
                    "status": "submitted",
                    "submitted_at": now,
                }  # fmt: skip
            )
            for criterion in criteria:
                top = float(criterion.max_score)
                share = (quality + leniency[judge] + rng.gauss(0, 7)) / 100
                value = min(top, max(0.0, round(share * top * 2) / 2))
                scores.append(
                    {
                        "sheet_id": sheet_id,
                        "criterion_id": criterion.id,
                        "value": Decimal(str(value)),
                    }
                )
            sheet_id += 1
    db.session.execute(insert(JudgeAssignment), assignments)
    db.session.execute(insert(ScoreSheet), sheets)
    for start in range(0, len(scores), 10_000):
        db.session.execute(insert(Score), scores[start : start + 10_000])
    db.session.commit()
    # A live database has planner statistics (autovacuum gathers them); a fresh bulk load not.
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return {"round_id": round_.id, "largest_pool": pools[0].id, "scores": len(scores)}


# --- timings ---------------------------------------------------------------------------------


def median_time(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bare_workbook(ranking, trust, facts) -> bytes:  # noqa: ANN001
    """The same cells as the ranking workbook's four sheets: no styles, no print setup, no
    title lines, no checks on the text."""
    from openpyxl import Workbook

    data = ranking.data
    criteria = data.criterion_info
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    for row in facts.scope.rows:
        entry, details = row.entry, facts.entries[row.entry.id]
        ws.append(
            [
                row.rank, data.pool_name(entry.pool_id), row.rank, entry.code, entry.title,
                entry.team, details.leader, ", ".join(details.members), entry.unit,
                details.track, *(row.criterion_means.get(c.id) for c in criteria),
                row.score, row.judge_count, ", ".join(row.flags), details.decision,
            ]
        )  # fmt: skip
    ws = wb.create_sheet()
    scores = {(s.entry, s.judge): s.scores for s in data.sheets}
    for row in facts.scope.rows:
        for judge, total in row.judge_totals.items():
            values, sheet = scores[(row.entry.id, judge)], facts.sheets[(row.entry.id, judge)]
            ws.append(
                [
                    row.entry.code, row.entry.title, data.pool_name(row.entry.pool_id),
                    data.judges[judge], *(values.get(c.id) for c in criteria), total,
                    "paper" if sheet.paper else "online", sheet.submitted_at, sheet.comment,
                ]
            )  # fmt: skip
    ws = wb.create_sheet()
    for judge in trust.judges:
        ws.append([judge.name, judge.sheet_count, judge.mean, judge.sd, judge.leniency])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def measure(app, ids: dict, runs: int) -> dict[str, float]:  # noqa: ANN001
    from app.db import db
    from competitions.models import Round
    from judging.results.export import export_round
    from judging.results.loading import load_round
    from judging.results.services import rank_round, trust_report

    round_id = ids["round_id"]
    results: dict[str, float] = {}
    with app.app_context():
        data = load_round(round_id)
        assert len(data.sheets) == ENTRIES * K and len(data.entries) == ENTRIES

        def rank() -> object:
            ranking = rank_round(round_id, data=data)
            return ranking.pools, ranking.overall

        def whole() -> object:
            ranking = rank_round(round_id)
            ranking.pools, ranking.overall  # noqa: B018
            return trust_report(ranking)

        ranked = rank_round(round_id, data=data)
        ranked.pools  # noqa: B018
        results["load"] = median_time(lambda: load_round(round_id), runs)
        results["rank (pools + overall)"] = median_time(rank, runs)
        results["stats (profiles, ICC, W, leave-one-out)"] = median_time(
            lambda: trust_report(ranked), runs
        )
        results["ranking: load + rank + stats"] = median_time(whole, runs)
        round_ = db.session.get(Round, round_id)

        def export() -> bytes:
            content, _name = export_round(round_, actor=None, destination="bench")
            db.session.rollback()  # no audit rows piling up
            return content

        results["export (load + rank + stats + xlsx)"] = median_time(export, runs)
        from judging.results.export import entry_details, sheet_details
        from judging.results.workbook import ExportFacts, ranking_workbook

        full = rank_round(round_id)
        full.pools, full.overall  # noqa: B018
        trust = trust_report(full)
        facts = ExportFacts(
            scope=full.overall,
            exported_at=datetime(2026, 11, 27, 9, 30),
            exported_by="bench",
            entries=entry_details(round_id),
            sheets=sheet_details(round_id),
        )
        results["bare openpyxl, same cells"] = median_time(
            lambda: bare_workbook(full, trust, facts), runs
        )
        results["styled workbook alone"] = median_time(
            lambda: ranking_workbook(full, trust, facts), runs
        )
        tracemalloc.start()
        export()
        results["export peak memory (MB, tracemalloc)"] = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    results.update(pages(app, ids, runs))
    return results


def pages(app, ids: dict, runs: int) -> dict[str, float]:  # noqa: ANN001
    client = app.test_client()
    response = client.post(
        "/auth/login", data={"email": "bench.admin@example.vn", "password": PASSWORD}
    )
    assert response.status_code == 302, response.status_code
    base = f"/judging/rounds/{ids['round_id']}"
    urls = {
        "page: ranking, largest pool": f"{base}/ranking?pool={ids['largest_pool']}",
        "page: ranking, whole round": f"{base}/ranking?pool=overall",
        "page: trust": f"{base}/trust",
    }
    out = {}
    for label, url in urls.items():
        assert client.get(url).status_code == 200
        out[label] = median_time(lambda url=url: client.get(url), runs)
    return out


# --- databases -------------------------------------------------------------------------------


def run_on(url: str, runs: int) -> dict[str, float]:
    from flask_migrate import upgrade

    from app import create_app
    from app.db import db

    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "UPLOAD_DIR": tempfile.mkdtemp(prefix="sprout-bench-"),
        },
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        start = time.perf_counter()
        ids = generate()
        print(f"  generated {ids['scores']:,} scores in {time.perf_counter() - start:.1f} s")
    try:
        return measure(app, ids, runs)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def postgres(base_url: str):  # noqa: ANN201
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(base_url)
    name = f"sprout_bench_{secrets.token_hex(4)}"
    admin = base.set(drivername="postgresql", database=base.database or "postgres")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        version = conn.execute("SHOW server_version").fetchone()[0]

    def drop() -> None:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    url = base.set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False), drop, version


TARGETS = {
    "ranking: load + rank + stats": 0.5,
    "export (load + rank + stats + xlsx)": 2.0,
    "export peak memory (MB, tracemalloc)": 200,
    "styled / bare openpyxl": 1.5,
}


def report(label: str, results: dict[str, float]) -> None:
    print(f"\n{label}")
    for name, value in results.items():
        if name.endswith("(MB, tracemalloc)"):
            print(f"  {name:<42} {value:8.1f}")
            continue
        target = TARGETS.get(name)
        note = f"   target ≤ {target:g} s {'✓' if value <= target else '✗'}" if target else ""
        print(f"  {name:<42} {value * 1000:8.0f} ms{note}")
    ratio = results["styled workbook alone"] / results["bare openpyxl, same cells"]
    print(f"  {'styled / bare openpyxl':<42} {ratio:8.2f} ×")


def json_figures(database: str, results: dict[str, float]) -> list[dict]:
    """The figures for bench/report.py: seconds, the peak memory in MB and the styled / bare
    ratio, each with its target."""
    from bench.report import figure

    ratio = results["styled workbook alone"] / results["bare openpyxl, same cells"]
    return [
        *(
            figure(
                name,
                value,
                database=database,
                unit="MB" if name.endswith("(MB, tracemalloc)") else "s",
                target=TARGETS.get(name),
            )
            for name, value in results.items()
        ),
        figure(
            "styled / bare openpyxl",
            ratio,
            database=database,
            unit="×",
            target=TARGETS["styled / bare openpyxl"],
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per timing (median; ≥ 5)")
    parser.add_argument("--json", type=Path, help="also write the results there (bench/report.py)")
    args = parser.parse_args()
    runs = max(args.runs, 5)
    figures: list[dict] = []
    pg_version = None
    print(machine())
    print(f"{ENTRIES:,} entries · {POOLS} pools · {JUDGES} judges · k = {K} · "
          f"{len(RUBRIC)} criteria · median of {runs} runs")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="sprout-bench-") as folder:
        print("\nSQLite: generating…")
        results = run_on(f"sqlite:///{folder}/bench.sqlite3", runs)
        report("SQLite (file, WAL)", results)
        figures += json_figures("SQLite", results)
    pg_url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    try:
        if pg_url:
            url, drop, version = postgres(pg_url)
            try:
                print(f"\nPostgreSQL {version}: generating…")
                results = run_on(url, runs)
                report(f"PostgreSQL {version}", results)
                figures += json_figures("PostgreSQL", results)
                pg_version = version
            finally:
                drop()
    finally:  # the SQLite figures are kept even when PostgreSQL fails
        if args.json:
            from bench.report import write_results

            write_results(args.json, "ranking", runs=runs, figures=figures, postgresql=pg_version)


if __name__ == "__main__":
    main()
