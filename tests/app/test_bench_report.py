"""bench/report.py rewrites docs/performance.md from the benchmarks' JSON results.

Fed small fake results (the benchmarks themselves take minutes): the figures are formatted as
the document always showed them, each with its target and ✓/✗, a figure the run did not
produce says "not measured" instead of keeping an old number, and the prose is kept.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import report

TEMPLATE = Path(report.ROOT) / "bench" / "performance.md.in"
MACHINE = {
    "cpu": "Intel(R) Xeon(R) CPU @ 2.20GHz",
    "cores": 2,
    "python": "3.11.7",
    "sqlite": "3.40.1",
    "system": "Linux 6.1",
    "libraries": {"scipy": "1.17.1", "highspy": "1.15.1", "openpyxl": "3.1.5", "lxml": "6.1.3"},
}


def document(script: str, figures: list[dict], *, postgresql: str | None = None) -> dict:
    return {
        "script": script,
        "runs": 7,
        "measured_at": "2026-11-26T18:30:00+00:00",  # 27/11/2026 01:30 in Việt Nam
        "machine": MACHINE,
        "postgresql": postgresql,
        "figures": figures,
    }


def ranking_figures(database: str, export: float) -> list[dict]:
    f = report.figure
    return [
        f("load", 0.0764, database=database),
        f("ranking: load + rank + stats", 0.372, database=database, target=0.5),
        f("export (load + rank + stats + xlsx)", export, database=database, target=2.0),
        f(
            "export peak memory (MB, tracemalloc)",
            14.73,
            database=database,
            unit="MB",
            target=200,
        ),
        f("styled / bare openpyxl", 1.214, database=database, unit="×", target=1.5),
    ]


def rewrite(tmp_path: Path, documents: list[dict]) -> str:
    results = tmp_path / "results"
    results.mkdir()
    for doc in documents:
        (results / f"{doc['script']}.json").write_text(json.dumps(doc, ensure_ascii=False))
    output = tmp_path / "performance.md"
    output.write_text("stale: 9,999 ms measured by hand\n")
    report.main([str(results), "--output", str(output)])
    return output.read_text()


def row(markdown: str, label: str) -> list[str]:
    """The cells of the table row whose first cell is ``label`` (bold or not)."""
    for line in markdown.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("|") and cells[0].strip("*") == label:
            return cells[1:]
    raise AssertionError(f"no row {label!r}")


def test_figures_are_formatted_with_their_targets_and_the_machine(tmp_path: Path) -> None:
    f = report.figure
    markdown = rewrite(
        tmp_path,
        [
            document(
                "ranking",
                ranking_figures("SQLite", 1.7144) + ranking_figures("PostgreSQL", 2.0663),
                postgresql="15.20",
            ),
            document(
                "assignment",
                [
                    f("round-wide: plan()", 2.604, target=3.0),
                    f("round-wide: inside solve()", 2.219),
                    f(
                        "round-wide: propose_assignments + commit",
                        2.79,
                        database="SQLite",
                        target=3,
                    ),
                    f("round-wide: allowed pairs", 294_015, unit=""),
                    f("round-wide: loads per judge", "40", unit=""),
                ],
            ),
        ],
    )

    assert row(markdown, "load (7 queries, rows as tuples)") == ["76 ms", "76 ms", ""]
    assert row(markdown, "load + rank + statistics") == ["**372 ms**", "**372 ms**", "≤ 0.5 s ✓"]
    # One database over the target is enough for a ✗.
    export = "ranking workbook export (load + rank + stats + details + xlsx, 4 sheets)"
    assert row(markdown, export) == ["**1,714 ms**", "**2,066 ms**", "≤ 2 s ✗"]
    assert row(markdown, "workbook peak memory (tracemalloc)")[2] == "≤ 200 MB ✓"
    assert row(markdown, "workbook peak memory (tracemalloc)")[0] == "14.7 MB"
    ratio = "styled workbook alone / bare openpyxl writing the same cells (same run)"
    assert row(markdown, ratio) == ["**1.21 ×**", "**1.21 ×**", "≤ 1.5 × ✓"]

    wide = "one round-wide panel (150 judges × 2,000 entries)"
    assert row(markdown, wide)[:3] == ["2.60 s", "2.22 s", "2.79 s"]
    assert row(markdown, wide)[-1] == "≤ 3 s ✓"
    assert row(markdown, wide)[3] == "not measured"  # publishing: not in these results
    # The outcome table comes second: the first row with this label is the timings'.
    outcome = markdown[markdown.index("| case | allowed pairs") :]
    assert row(outcome, wide)[:4] == ["294,015", "not measured", "not measured", "40"]

    text = " ".join(markdown.split())  # the template wraps its lines anywhere
    assert "measured on 27/11/2026 on this machine: Intel(R) Xeon(R) CPU @ 2.20GHz, 2 cores" in text
    assert (
        "Python 3.11.7, SciPy 1.17.1, highspy 1.15.1 (HiGHS), openpyxl 3.1.5 with lxml 6.1.3, "
        "SQLite 3.40.1, PostgreSQL 15.20, Linux 6.1" in text
    )
    assert "Median of 7 runs." in markdown
    assert "9,999" not in markdown and "{{" not in markdown


def test_what_a_run_did_not_produce_is_not_measured(tmp_path: Path) -> None:
    """No PostgreSQL configured, the imports script failed: nothing stale survives."""
    markdown = rewrite(tmp_path, [document("ranking", ranking_figures("SQLite", 1.9))])

    assert row(markdown, "load + rank + statistics") == ["**372 ms**", "not measured", "≤ 0.5 s ✓"]
    apply = row(markdown, "check + apply, both requests together")
    assert apply == ["not measured", "not measured", "not measured"]
    assert row(markdown, "first run") == ["not measured", "not measured", "not measured"]
    assert "PostgreSQL not measured" in markdown
    assert "Not measured in this run." in markdown  # under the imports, matching, assignment


def test_the_prose_of_the_template_is_kept(tmp_path: Path) -> None:
    markdown = rewrite(tmp_path, [])
    template = TEMPLATE.read_text()
    prose = [part for part in template.split("\n\n") if "{{" not in part]

    assert len(prose) > 15
    for paragraph in prose:
        assert paragraph in markdown
    assert "lxml (adopted for this) made that a quarter faster" in markdown
    assert "the apply took 4.2–4.5 s on PostgreSQL" in markdown
    assert "on this machine: not measured The" in " ".join(markdown.split())


def test_an_unknown_placeholder_stops_the_rewrite(tmp_path: Path) -> None:
    template = tmp_path / "performance.md.in"
    template.write_text("# Performance\n\n{{rankings}}\n")
    output = tmp_path / "performance.md"
    output.write_text("kept\n")
    (tmp_path / "results").mkdir()

    with pytest.raises(SystemExit, match="rankings"):
        report.main(
            [str(tmp_path / "results"), "--template", str(template), "--output", str(output)]
        )
    assert output.read_text() == "kept\n"
