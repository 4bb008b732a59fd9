"""An organizer, on the pages only, has the judges assigned automatically and publishes the
assignment, closes judging once the sheets are in, advances the top 2 entries, publishes the
results and downloads the ranking workbook, which is opened and checked against the ranking
page. The round, its rubric, its panel and the entries are set up beforehand, and the judges'
sheets are stored straight after the assignment is published (the judges' pages have their
own journey)."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select

from app.db import db
from app.people.models import User
from competitions.models import Pool
from judging.models import (
    AssignmentStatus,
    JudgeAssignment,
    RoundEntry,
    RoundJudging,
    RubricCriterion,
)
from tests.factories import Factory
from tests.judging import world as jw

SHEETS_OF_THE_BOOK = ["Xếp hạng", "Điểm chi tiết", "Giám khảo", "Thông tin"]
# The total each entry gets from every judge; the rubric's maxima are its weights, so a judge's
# total is the plain sum of the criterion scores.
TOTALS = [90, 80, 70, 60]


def values_for(total: int) -> list[Decimal]:
    return [Decimal(maximum * total) / 100 for _name, maximum, _weight in jw.STANDARD_RUBRIC]


def test_an_organizer_assigns_closes_advances_publishes_and_downloads_the_ranking(
    live_server, new_context, steps, sign_in
):
    def world() -> dict:
        x = jw.build(Factory(), entries=len(TOTALS), judges=3, k=2)
        x.round.advance_top_n = 2
        x.competition.rounds[1].pools.append(Pool(name="Chung kết"))
        db.session.flush()
        return {"organizer": x.organizer.email, "round": x.round.id}

    w = live_server.setup(world)
    base = f"/judging/rounds/{w['round']}"
    organizer = new_context().new_page()

    sign_in(organizer, w["organizer"], who="organizer")
    with steps("the organizer proposes the assignment automatically", organizer):
        organizer.goto(f"{base}/assignments")
        organizer.locator("#propose-form button[type=submit]").click()
        expect(organizer.locator(".alert-success")).to_contain_text("8")
        expect(organizer.locator("#publish-form")).to_be_visible()

    with steps("the organizer publishes the assignment", organizer):
        organizer.locator("#publish-form button[type=submit]").click()
        expect(organizer.locator(".alert-success")).to_be_visible()
        expect(organizer.locator("#publish-form")).to_have_count(0)

    def published() -> list[tuple[int, int]]:
        return db.session.execute(
            select(JudgeAssignment.round_entry_id, JudgeAssignment.user_id)
            .where(JudgeAssignment.status == AssignmentStatus.PUBLISHED)
            .order_by(JudgeAssignment.round_entry_id, JudgeAssignment.user_id)
        ).all()

    pairs = live_server.query(published)
    assert len(pairs) == 2 * len(TOTALS)

    def judges_score() -> None:
        entries = db.session.scalars(
            select(RoundEntry).where(RoundEntry.round_id == w["round"]).order_by(RoundEntry.id)
        ).all()
        rubric = SimpleNamespace(
            criteria=db.session.scalars(
                select(RubricCriterion)
                .where(RubricCriterion.round_id == w["round"])
                .order_by(RubricCriterion.position)
            ).all()
        )
        for round_entry_id, user_id in pairs:
            index = next(i for i, e in enumerate(entries) if e.id == round_entry_id)
            judge = db.session.get(User, user_id)
            jw.score(rubric, judge, entries[index], values_for(TOTALS[index]))

    live_server.setup(judges_score)

    with steps("every sheet is in: the organizer closes judging", organizer):
        organizer.goto(f"{base}/progress")
        organizer.locator("#close-form button[type=submit]").click()
        expect(organizer.locator(".alert-success")).to_be_visible()
        expect(organizer.locator("#close-form")).to_have_count(0)

    with steps("the top 2 advance: the organizer confirms", organizer):
        organizer.goto(f"{base}/advancement")
        rows = organizer.locator("table.advancement tr[data-proposal]")
        expect(rows).to_have_count(len(TOTALS))
        proposals = [rows.nth(i).get_attribute("data-proposal") for i in range(len(TOTALS))]
        assert proposals == ["advance", "advance", "stop", "stop"]
        organizer.locator("#confirm button[type=submit]").click()
        expect(organizer.locator("#status")).to_have_attribute("data-confirmed", "yes")

    with steps("the organizer publishes the results", organizer):
        organizer.locator("#publish button[type=submit]").click()
        expect(organizer.locator("#status")).to_have_attribute("data-published", "yes")

    with steps("the ranking page shows the totals", organizer):
        organizer.goto(f"{base}/ranking")
        shown = organizer.locator("#ranking tbody tr[data-entry-id]")
        expect(shown).to_have_count(len(TOTALS))
        ranking = [
            (
                int(row.get_attribute("data-rank")),
                row.locator("td").nth(1).inner_text().strip(),
                Decimal(row.get_attribute("data-score")),
            )
            for row in shown.all()
        ]
        assert [score for _rank, _code, score in ranking] == [Decimal(t) for t in TOTALS]

    with steps("the organizer downloads the ranking workbook", organizer):
        with organizer.expect_download() as download_info:
            organizer.locator("#export-form button[type=submit]").click()
        download = download_info.value
        assert download.suggested_filename.endswith(".xlsx")
        data = Path(download.path()).read_bytes()

    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == SHEETS_OF_THE_BOOK
    table = list(book["Xếp hạng"].iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(table) if row[0] == "Hạng")
    header = table[header_at]
    rank_col, code_col, total_col = 0, header.index("Mã bài"), header.index("Tổng điểm")
    written = []
    for row in table[header_at + 1 :]:
        if all(value is None for value in row):
            break
        written.append((row[rank_col], row[code_col], Decimal(str(row[total_col]))))
    assert written == ranking

    def stored() -> tuple:
        settings = db.session.get(RoundJudging, w["round"])
        moved = db.session.scalars(select(RoundEntry).where(RoundEntry.source == "advanced")).all()
        return settings.results_published_at is not None, len(moved)

    assert live_server.query(stored) == (True, 2)
