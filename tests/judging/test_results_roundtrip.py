"""The numbers survive the trip: the ranking on screen, the workbook read back with openpyxl,
and the same workbook turned into CSV by LibreOffice headless (the program many offices
open it with) all say the same total for every entry.

LibreOffice is installed by .ci/run, which sets SPROUT_REQUIRE_LIBREOFFICE: there the test
fails rather than skip when soffice is missing. On a developer's machine without it, only
the LibreOffice test is skipped (the openpyxl round trip always runs)."""

from __future__ import annotations

import csv
import html
import io
import os
import re
import shutil
import subprocess  # nosec B404  (runs LibreOffice, a fixed command, on a file of the test's)
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.db import db
from competitions.models import Entry
from tests.judging import world as w
from tests.judging.test_results_export import download, rows_of

SOFFICE = shutil.which("soffice")
REQUIRED = bool(os.environ.get("SPROUT_REQUIRE_LIBREOFFICE"))

# Six criteria (max 25 20 20 15 10 10); scores that make totals with decimals.
SHEETS = (
    (23, 18, 18, 13, 9, 9.5),
    (15.5, 12, 12, 9, 5, 5),
    (16, 13, 13.5, 10, 5, 5),
    (20, 17, 16, 12, 8, 7),
    (12, 10, 9.5, 7, 4, 3),
)


@pytest.fixture()
def world(db, factory) -> w.World:
    world = w.build(factory, entries=6, judges=3, by_track=True)
    for index, entry in enumerate(world.entries):
        for offset, judge in enumerate(world.judges):
            w.assign(world, judge, entry)
            w.score(world, judge, entry, list(SHEETS[(index + offset) % len(SHEETS)]))
    db.session.get(Entry, world.entries[0].entry_id).team.name = '=HYPERLINK("x","Bấm")'
    db.session.flush()
    return world


ROW = re.compile(r"<tr data-entry-id=.*?</tr>", re.S)
CODE = re.compile(r'<td class="text-nowrap">([^<]+)</td>')
SCORE = re.compile(r'<td class="text-end fw-bold text-nowrap score">([^<]*)</td>')


def export(client, world: w.World) -> bytes:  # noqa: ANN001
    """The whole round's workbook, downloaded by the organizer, who reads Vietnamese."""
    world.organizer.locale = "vi"
    db.session.flush()
    return download(client, world, pool="overall").data


def totals_on_screen(client, world: w.World) -> dict[str, Decimal]:  # noqa: ANN001
    """Entry code → the score the ranking page shows (Vietnamese: "65,33"), to the
    organizer signed in by `export`."""
    page = client.get(f"/judging/rounds/{world.round.id}/ranking?pool=overall")
    assert page.status_code == 200
    totals = {}
    for row in ROW.findall(page.get_data(as_text=True)):
        shown = html.unescape(SCORE.search(row).group(1)).strip()
        assert re.fullmatch(r"\d+,\d\d", shown), shown  # decimal comma, two places
        totals[html.unescape(CODE.search(row).group(1))] = Decimal(shown.replace(",", "."))
    assert len(totals) == len(world.entries)
    return totals


def ranking_table(rows: list[list[str]] | list[tuple]) -> dict[str, Decimal]:
    """Entry code → total, from the "Xếp hạng" sheet's rows (header found by its first cell)."""
    header_at = next(i for i, r in enumerate(rows) if r and r[0] == "Hạng")
    header = list(rows[header_at])
    code, total = header.index("Mã bài"), header.index("Tổng điểm")
    found = {}
    for row in rows[header_at + 1 :]:
        if not row or not row[code]:
            break
        found[row[code]] = Decimal(str(row[total])).quantize(Decimal("0.01"))
    return found


def test_the_workbook_read_back_says_what_the_screen_says(client, world):
    data = export(client, world)
    screen = totals_on_screen(client, world)
    sheet = load_workbook(io.BytesIO(data))["Xếp hạng"]
    assert ranking_table(rows_of(sheet)) == screen
    assert len(set(screen.values())) > 3  # totals differ: the comparison means something


@pytest.mark.skipif(
    SOFFICE is None and not REQUIRED,
    reason="LibreOffice (soffice) is not installed here; .ci/run installs it",
)
def test_libreoffice_reads_the_same_totals_as_the_screen(client, world, tmp_path: Path):
    assert SOFFICE is not None, "soffice is required (SPROUT_REQUIRE_LIBREOFFICE is set)"
    book = tmp_path / "xep-hang.xlsx"
    book.write_bytes(export(client, world))
    screen = totals_on_screen(client, world)
    # UTF-8 (76), comma-separated, every sheet (-1) to <name>-<sheet>.csv, values not as shown.
    filter_ = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    result = subprocess.run(  # nosec B603  (fixed arguments, no shell)
        [
            SOFFICE,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--convert-to",
            filter_,
            "--outdir",
            str(tmp_path),
            str(book),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    converted = tmp_path / "xep-hang-Xếp hạng.csv"
    assert converted.exists(), result.stdout + result.stderr
    with converted.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert ranking_table(rows) == screen
    # Hostile text stays text through LibreOffice too: the team name, not a link's label.
    assert any('=HYPERLINK("x","Bấm")' in row for row in rows)
