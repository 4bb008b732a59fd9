"""A judge on a phone (360 × 740) scores an assigned entry with decimal commas and submits.
The round, its rubric and the assignment are set up beforehand (organizers' work)."""

from __future__ import annotations

import re
from decimal import Decimal

from playwright.sync_api import expect
from sqlalchemy import select

from app.db import db
from judging.models import ScoreSheet, SheetStatus
from tests.factories import Factory
from tests.judging import world as jw

PHONE = {"width": 360, "height": 740}
# One value per criterion of the standard rubric (maxima 25, 20, 20, 15, 10, 10).
TYPED = ["8,5", "15", "12,5", "10", "7", "6,5"]


def test_a_judge_on_a_phone_scores_an_entry_with_decimal_commas(
    live_server, new_context, steps, sign_in
):
    def world() -> dict:
        x = jw.build(Factory(), entries=2, judges=1)
        jw.assign(x, x.judges[0], x.entries[0])
        return {"judge": x.judges[0].email, "round_entry": x.entries[0].id}

    w = live_server.setup(world)
    sheet = f"/judging/sheets/{w['round_entry']}"
    judge = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()

    sign_in(judge, w["judge"], who="judge")
    with steps("the judge opens the assigned entry", judge):
        judge.goto("/judging/")
        judge.locator(f"main a[href='{sheet}']").first.click()
        expect(judge).to_have_url(re.compile(re.escape(sheet) + "$"))
        width = judge.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the sheet is {width}px wide on a 360px phone"

    with steps("the judge types the scores with decimal commas", judge):
        fields = judge.locator("#score-sheet fieldset.criterion input.form-control")
        expect(fields).to_have_count(len(TYPED))
        for number, value in enumerate(TYPED):
            fields.nth(number).fill(value)
        judge.fill("[name=comment_for_team]", "Ý tưởng tốt, cần làm rõ thị trường.")

    with steps("the judge submits", judge):
        judge.locator("#score-sheet button[name=submit]").tap()
        expect(judge).to_have_url(re.compile(r"/judging/$"))
        expect(judge.locator(".alert-success")).to_be_visible()

    with steps("the sheet shows the submitted scores", judge):
        judge.goto(sheet)
        expect(judge.locator("#sheet-status")).to_have_attribute("data-status", "submitted")
        expect(judge.locator("#score-sheet fieldset.criterion input").first).to_have_value("8,5")

    def stored() -> tuple:
        found = db.session.scalar(select(ScoreSheet))
        return found.status, sorted(score.value for score in found.scores)

    status, values = live_server.query(stored)
    assert status == SheetStatus.SUBMITTED
    assert values == sorted(Decimal(v.replace(",", ".")) for v in TYPED)
