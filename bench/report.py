"""Rewrite docs/performance.md from the benchmarks' results.

    .venv/bin/python bench/report.py RESULTS_DIR [--template PATH] [--output PATH]

`make bench` runs every bench script with ``--json RESULTS_DIR/<name>.json`` and then this.
Hand-copied numbers went stale and lost the machine they came from; here the prose that explains
the figures stays in bench/performance.md.in, and each ``{{placeholder}}`` is replaced by a table
of the figures just measured, each against its target, with the date and the machine. A figure
the run did not produce (a script failed, no PostgreSQL configured) is written "not measured",
so no number survives from an older run.

The JSON format lives here too: the scripts write it with ``write_results``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sqlite3
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.localtime import to_local  # noqa: E402

SCRIPTS = ("ranking", "assignment", "imports", "matching")
SQLITE, POSTGRESQL = "SQLite", "PostgreSQL"
NOT_MEASURED = "not measured"
LIBRARIES = ("scipy", "highspy", "openpyxl", "lxml")


# --- what the scripts write ------------------------------------------------------------------


def machine_facts() -> dict[str, object]:
    """The machine a figure means nothing without."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    libraries = {}
    for name in LIBRARIES:
        try:
            libraries[name] = version(name)
        except PackageNotFoundError:
            libraries[name] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "system": f"{platform.system()} {platform.release()}",
        "libraries": libraries,
    }


def figure(
    name: str,
    value: float | str,
    *,
    database: str | None = None,
    unit: str = "s",
    target: float | None = None,
) -> dict[str, object]:
    """One measured figure: seconds (unit "s", a median), "MB", "×", or "" for a count or text;
    a target is an upper bound in the figure's unit."""
    return {"name": name, "database": database, "value": value, "unit": unit, "target": target}


def write_results(
    path: str | Path,
    script: str,
    *,
    runs: int,
    figures: list[dict[str, object]],
    postgresql: str | None = None,
) -> None:
    document = {
        "script": script,
        "runs": runs,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_facts(),
        "postgresql": postgresql,
        "figures": figures,
    }
    Path(path).write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


# --- reading them back -----------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    value: float | str
    unit: str
    target: float | None


class Results:
    """The documents of one `make bench`, by script name (bench_ranking.py → "ranking")."""

    def __init__(self, documents: dict[str, dict]) -> None:
        self.documents = documents
        self.figures = {
            (script, f["database"], f["name"]): Figure(f["value"], f["unit"], f["target"])
            for script, document in documents.items()
            for f in document["figures"]
        }

    @classmethod
    def load(cls, folder: Path) -> Results:
        documents = {}
        for path in sorted(folder.glob("*.json")):
            document = json.loads(path.read_text())
            documents[document["script"]] = document
        return cls(documents)

    def get(self, script: str, name: str, database: str | None) -> Figure | None:
        return self.figures.get((script, database, name))

    def runs(self, script: str) -> str:
        document = self.documents.get(script)
        if not document:
            return "Not measured in this run."
        runs = document["runs"]
        return f"Median of {runs} runs." if runs > 1 else "One run only (no median)."

    def date(self) -> str:
        days = sorted(
            {
                to_local(datetime.fromisoformat(d["measured_at"])).strftime("%d/%m/%Y")
                for d in self.documents.values()
            },
            key=lambda day: day[6:] + day[3:5] + day[:2],
        )
        return " and ".join(days) if days else NOT_MEASURED

    def machine(self) -> str:
        if not self.documents:
            return NOT_MEASURED
        facts = next(iter(self.documents.values()))["machine"]
        libraries = {name: v or "not installed" for name, v in facts["libraries"].items()}
        postgres = next((d["postgresql"] for d in self.documents.values() if d["postgresql"]), None)
        return (
            f"{facts['cpu']}, {facts['cores']} cores, Python {facts['python']}, "
            f"SciPy {libraries['scipy']}, highspy {libraries['highspy']} (HiGHS), "
            f"openpyxl {libraries['openpyxl']} with lxml {libraries['lxml']}, "
            f"SQLite {facts['sqlite']}, "
            + (f"PostgreSQL {postgres}" if postgres else f"PostgreSQL {NOT_MEASURED}")
            + f", {facts['system']}"
        )


# --- formatting ------------------------------------------------------------------------------


def shown(item: Figure | None, seconds_as: str) -> str:
    if item is None:
        return NOT_MEASURED
    value = item.value
    if isinstance(value, str):
        return value
    if item.unit == "s":
        return f"{value * 1000:,.0f} ms" if seconds_as == "ms" else f"{value:,.2f} s"
    if item.unit == "MB":
        return f"{value:,.1f} MB"
    if item.unit == "×":
        return f"{value:.2f} ×"
    return f"{value:,}"


def target_cell(items: list[Figure | None]) -> str:
    """The row's bound and whether every figure of the row measured against it meets it."""
    bounded = [item for item in items if item is not None and item.target is not None]
    if not bounded:
        return "" if any(items) else NOT_MEASURED
    bound = bounded[0]
    mark = "✓" if all(item.value <= item.target for item in bounded) else "✗"
    return f"≤ {bound.target:g} {bound.unit} {mark}"


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[tuple[str, str, str | None], ...]  # (script, figure name, database)
    bold: bool = False


def table(
    results: Results,
    header: tuple[str, ...],
    rows: list[Row],
    *,
    seconds_as: str = "ms",
    with_target: bool = True,
) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for row in rows:
        items = [results.get(*cell) for cell in row.cells]
        cells = [shown(item, seconds_as) for item in items]
        label = row.label
        if row.bold:
            label = f"**{label}**"
            cells = [cell if cell == NOT_MEASURED else f"**{cell}**" for cell in cells]
        if with_target:
            cells.append(target_cell(items))
        lines.append("| " + " | ".join([label, *cells]) + " |")
    return "\n".join(lines)


def both_databases(script: str, label: str, name: str, *, bold: bool = False) -> Row:
    return Row(label, ((script, name, SQLITE), (script, name, POSTGRESQL)), bold)


# --- the tables ------------------------------------------------------------------------------


def ranking(results: Results) -> str:
    rows = [
        both_databases("ranking", "load (7 queries, rows as tuples)", "load"),
        both_databases("ranking", "rank per pool and overall", "rank (pools + overall)"),
        both_databases(
            "ranking",
            "statistics (judge profiles, ICC, Kendall's W, leave-one-judge-out)",
            "stats (profiles, ICC, W, leave-one-out)",
        ),
        both_databases(
            "ranking", "load + rank + statistics", "ranking: load + rank + stats", bold=True
        ),
        both_databases(
            "ranking",
            "ranking workbook export (load + rank + stats + details + xlsx, 4 sheets)",
            "export (load + rank + stats + xlsx)",
            bold=True,
        ),
        both_databases(
            "ranking", "workbook peak memory (tracemalloc)", "export peak memory (MB, tracemalloc)"
        ),
        both_databases(
            "ranking",
            "styled workbook alone / bare openpyxl writing the same cells (same run)",
            "styled / bare openpyxl",
            bold=True,
        ),
        both_databases("ranking", "ranking page, largest pool", "page: ranking, largest pool"),
        both_databases("ranking", "ranking page, whole round", "page: ranking, whole round"),
        both_databases("ranking", "trust page", "page: trust"),
    ]
    header = ("step", SQLITE, POSTGRESQL, "target")
    return results.runs("ranking") + "\n\n" + table(results, header, rows)


ASSIGNMENT_CASES = {
    "per pool": "a panel per pool (7–8 judges each)",
    "round-wide": "one round-wide panel (150 judges × 2,000 entries)",
}


def assignment(results: Results) -> str:
    def cells(case: str, names: list[tuple[str, str | None]]) -> tuple:
        return tuple(("assignment", f"{case}: {name}", database) for name, database in names)

    timings = [
        Row(
            label,
            cells(
                case,
                [
                    ("plan()", None),
                    ("inside solve()", None),
                    ("propose_assignments + commit", SQLITE),
                    ("publish_proposal + commit", SQLITE),
                    ("assignment page (GET)", SQLITE),
                ],
            ),
        )
        for case, label in ASSIGNMENT_CASES.items()
    ]
    outcome = [
        Row(
            label,
            cells(
                case,
                [
                    ("allowed pairs", None),
                    ("assignments", None),
                    ("judge slots missing", None),
                    ("loads per judge", None),
                    ("emails queued", SQLITE),
                ],
            ),
        )
        for case, label in ASSIGNMENT_CASES.items()
    ]
    return "\n\n".join(
        [
            results.runs("assignment"),
            table(
                results,
                (
                    "case",
                    "planner (pure)",
                    "of which inside the solver",
                    "propose + commit (SQLite)",
                    "publish + commit (SQLite)",
                    "assignment page (SQLite)",
                    "target",
                ),
                timings,
                seconds_as="s",
            ),
            table(
                results,
                (
                    "case",
                    "allowed pairs",
                    "assignments",
                    "judge slots missing",
                    "loads per judge",
                    "emails queued on publishing",
                ),
                outcome,
                with_target=False,
            ),
        ]
    )


def imports(results: Results) -> str:
    rows = [
        both_databases(
            "imports",
            "check (the preview: read, check every row against the database)",
            "check (the preview)",
        ),
        both_databases(
            "imports",
            "apply (the confirmation: read the kept file, check again, 1,800 accounts with "
            "their activation emails, 500 teams, 2,000 members, audit)",
            "apply (check again + write)",
            bold=True,
        ),
        both_databases("imports", "check + apply, both requests together", "check + apply"),
    ]
    header = ("step", SQLITE, POSTGRESQL, "target")
    return results.runs("imports") + "\n\n" + table(results, header, rows)


MATCHING_CASES = {
    "first run": "first run",
    "re-run": "re-run keeping 120 published pairs, 30 released",
}


def matching(results: Results) -> str:
    def row(case: str, label: str, names: tuple[str, ...], bold: bool = False) -> Row:
        return Row(label, tuple(("matching", f"{case}: {n}", None) for n in names), bold)

    timings = [
        row(case, label, ("match()", "inside HiGHS")) for case, label in MATCHING_CASES.items()
    ]
    outcome = [
        row(case, label, ("allowed pairs", "slots filled", "capacity", "total fit"))
        for case, label in MATCHING_CASES.items()
    ]
    return "\n\n".join(
        [
            results.runs("matching"),
            table(results, ("case", "match()", "inside HiGHS", "target"), timings, seconds_as="s"),
            table(
                results,
                ("case", "allowed pairs", "slots filled", "experts' capacity", "total fit"),
                outcome,
                with_target=False,
            ),
        ]
    )


# --- the document ----------------------------------------------------------------------------


def render(template: str, results: Results) -> str:
    fill = {
        "date": results.date,
        "machine": results.machine,
        "ranking": lambda: ranking(results),
        "assignment": lambda: assignment(results),
        "imports": lambda: imports(results),
        "matching": lambda: matching(results),
    }

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in fill:
            raise SystemExit(f"unknown placeholder {{{{{name}}}}} in the template")
        return fill[name]()

    return re.sub(r"\{\{\s*(\w+)\s*\}\}", replace, template)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="folder of the scripts' --json files")
    parser.add_argument("--template", type=Path, default=ROOT / "bench" / "performance.md.in")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args(argv)
    results = Results.load(args.results)
    missing = [script for script in SCRIPTS if script not in results.documents]
    args.output.write_text(render(args.template.read_text(), results))
    print(f"wrote {args.output}" + (f" (not measured: {', '.join(missing)})" if missing else ""))


if __name__ == "__main__":
    main()
