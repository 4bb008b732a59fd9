"""Benchmark: mentor matching for a cohort at province scale.

300 cohort teams × 150 experts, m = 2 mentors per team. Each team states 2–4 needs out of 12
expertise tags and one of 10 sectors; a fifth of the teams prefer one or two mentors; members
come from 1–3 of 40 units (schools, universities) and a tenth of the teams have a member who
works at one of the 30 organisations the experts come from. Experts have 1–4 tags, 1–2 sectors,
a capacity of 1–3 teams and, most of them, a unit and an organisation. Capacity (~300) is well
below the 600 slots, as in a real cohort: the optimiser decides which teams get the scarce
mentors, and which lack some.

Two cases, each solved exactly (accelerator.matching.match → app.optimiser coverage mode):

* ``first run``: nothing published yet;
* ``re-run``: 120 published pairs kept and 30 released pairs that must not come back.

Measured as medians over ``--repeat`` runs: match() end to end, and the time inside HiGHS
(the pricing LPs and the final MILP, through highspy); printed with the whole programme's size,
the size of each HiGHS solve (the LP grows as pricing adds pairs; the MILP keeps only the pairs
the bound cannot rule out) and the result.

Run: ``.venv/bin/python bench/bench_matching.py [--repeat N]``.
Target (docs/performance.md): 300 teams × 150 experts, optimal, ≤ 1 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import scipy  # noqa: E402

# The feature packages import each other's models; loading competitions first gives the order
# the application uses (accelerator alone trips over app.units ↔ app.auth at import time).
import competitions  # noqa: E402,F401
from accelerator import matching  # noqa: E402
from app import optimiser  # noqa: E402
from bench.report import figure, write_results  # noqa: E402

TEAMS, EXPERTS, M = 300, 150, 2
TAGS, SECTORS, UNITS, ORGANISATIONS = 12, 10, 40, 30
KEPT, RELEASED = 120, 30
TARGET = 1.0  # seconds, match() end to end


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
        f"SciPy {scipy.__version__}; highspy {version('highspy')}; "
        f"{platform.system()} {platform.release()}"
    )


def median_of(runs: list[float]) -> str:
    return f"{statistics.median(runs):.3f} s (runs: {', '.join(f'{r:.3f}' for r in runs)})"


def organisation(n: int) -> str:
    return f"Công ty Cổ phần Đầu tư số {n}"


def cohort(rng: random.Random, *, rerun: bool) -> matching.MatchingData:
    tags, sectors = range(1, TAGS + 1), range(1, SECTORS + 1)
    mentors = tuple(
        matching.MentorData(
            id=1000 + n,
            expertise=frozenset(rng.sample(tags, rng.randint(1, 4))),
            sectors=frozenset(rng.sample(sectors, rng.randint(1, 2))),
            organisation=organisation(rng.randrange(ORGANISATIONS)) if rng.random() < 0.8 else "",
            unit_id=rng.randrange(UNITS) if rng.random() < 0.7 else None,
            capacity=rng.randint(1, 3),
        )
        for n in range(EXPERTS)
    )
    teams = tuple(
        matching.TeamData(
            id=n + 1,
            needs=tuple(rng.sample(tags, rng.randint(2, 4))),
            sector_id=rng.choice(sectors),
            preferred=frozenset(
                m.id for m in rng.sample(mentors, rng.randint(1, 2)) if rng.random() < 0.2
            ),
            organisations=frozenset(
                {organisation(rng.randrange(ORGANISATIONS))} if rng.random() < 0.1 else set()
            ),
            unit_ids=frozenset(rng.sample(range(UNITS), rng.randint(1, 3))),
        )
        for n in range(TEAMS)
    )
    kept: set[tuple[int, int]] = set()
    released: set[tuple[int, int]] = set()
    if rerun:
        # Published pairs from an earlier run: a feasible, conflict-free set to keep.
        first = matching.match(matching.MatchingData(teams, mentors, M))
        published = sorted((t, m.mentor_id) for t, m in first.proposed())
        rng.shuffle(published)
        kept = set(published[:KEPT])
        released = set(published[KEPT : KEPT + RELEASED])
    return matching.MatchingData(teams, mentors, M, frozenset(kept), frozenset(released))


def time_case(rerun: bool, repeat: int) -> list[dict]:
    data = cohort(random.Random(2026), rerun=rerun)
    sizes: dict[str, int] = {}
    solves: list[str] = []
    in_solver: list[float] = []
    original_program, original_run = optimiser._coverage_program, optimiser._run

    def recorded_program(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        program = original_program(*args, **kwargs)
        sizes.update(
            columns=program.matrix.shape[1],
            pairs=program.n_pairs,
            rows=program.matrix.shape[0],
            nonzeros=program.matrix.nnz,
        )
        return program

    def timed_run(highs, what):  # noqa: ANN001, ANN202
        columns = highs.getNumCol()
        pairs = columns - (sizes["columns"] - sizes["pairs"])  # the rest are always all in
        kind = f"{pairs:,} binary" if what.endswith("MILP") else f"{pairs:,} pairs"
        solves.append(f"{what.split()[-1]} {columns:,} columns ({kind})")
        started = time.perf_counter()
        try:
            return original_run(highs, what)
        finally:
            in_solver[-1] += time.perf_counter() - started

    optimiser._coverage_program, optimiser._run = recorded_program, timed_run
    totals = []
    try:
        for _ in range(repeat):
            in_solver.append(0.0)
            solves.clear()
            started = time.perf_counter()
            result = matching.match(data)
            totals.append(time.perf_counter() - started)
    finally:
        optimiser._coverage_program, optimiser._run = original_program, original_run
    label = "re-run" if rerun else "first run"
    needs = sum(len(t.needs) for t in data.teams)
    covered = needs - sum(len(t.uncovered) for t in result.teams)
    kept = f", {len(data.kept)} kept, {len(data.released)} released" if rerun else ""
    print(f"{label} ({len(result.excluded):,} excluded pairs{kept}):")
    print(
        f"  programme: {sizes['columns']:,} columns ({sizes['pairs']:,} pairs), "
        f"{sizes['rows']:,} rows, {sizes['nonzeros']:,} nonzeros"
    )
    print(f"  HiGHS solves: {'; '.join(solves)}")
    print(f"  match() total       {median_of(totals)}")
    print(f"  inside HiGHS        {median_of(in_solver)}")
    print(
        f"  result: {result.slots - result.lacking} of {result.slots} slots filled "
        f"(capacity {sum(m.capacity for m in data.mentors)}), total fit {result.total_fit}, "
        f"{covered} of {needs} needs covered"
    )
    return [
        figure(f"{label}: match()", statistics.median(totals), target=TARGET),
        figure(f"{label}: inside HiGHS", statistics.median(in_solver)),
        figure(f"{label}: allowed pairs", TEAMS * EXPERTS - len(result.excluded), unit=""),
        figure(
            f"{label}: slots filled",
            f"{result.slots - result.lacking:,} of {result.slots:,}",
            unit="",
        ),
        figure(f"{label}: capacity", sum(m.capacity for m in data.mentors), unit=""),
        figure(f"{label}: total fit", result.total_fit, unit=""),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the results there (bench/report.py)")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"data: {TEAMS} teams, {EXPERTS} experts, m = {M}, {TAGS} tags, {SECTORS} sectors, "
          f"capacities 1–3, repeat {args.repeat}")  # fmt: skip
    figures = []
    for rerun in (False, True):
        figures += time_case(rerun, args.repeat)
    if args.json:
        write_results(args.json, "matching", runs=args.repeat, figures=figures)


if __name__ == "__main__":
    main()
