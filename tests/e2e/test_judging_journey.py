"""A judge on a phone (360 × 740) first declares a conflict with one of four assigned entries
(no entry opens before the declaration), then scores the three left with decimal commas and
submits them; the last sheet stays open for 7 hours, past any age a CSRF token could be held
to, and is still saved. The round, its rubric and the assignment are set up beforehand
(organizers' work; they have their own journey)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import time_machine
from playwright.sync_api import expect
from sqlalchemy import select

from app.db import db
from judging.models import Conflict, JudgeAssignment, ScoreSheet, SheetStatus
from tests.factories import Factory
from tests.judging import world as jw

PHONE = {"width": 360, "height": 740}
# One value per criterion of the standard rubric (maxima 25, 20, 20, 15, 10, 10), per sheet.
TYPED = [
    ["8,5", "15", "12,5", "10", "7", "6,5"],
    ["20", "17,5", "16", "12", "9", "8"],
    ["11", "9,5", "10", "7,5", "5", "4"],
]
CONFLICT_REASON = "Con gái tôi là thành viên nhóm"
# Longer than the 6 hours a sheet must survive; shorter than the 8-hour idle limit.
LEFT_OPEN = timedelta(hours=7)


def decimals(typed: list[str]) -> list[Decimal]:
    return sorted(Decimal(value.replace(",", ".")) for value in typed)


def test_a_judge_on_a_phone_declares_conflicts_then_scores_three_entries(
    live_server, new_context, steps, sign_in
):
    def world() -> dict:
        x = jw.build(Factory(), entries=4, judges=1)
        x.panel[0].conflicts_declared_at = None
        for round_entry in x.entries:
            jw.assign(x, x.judges[0], round_entry)
        return {
            "judge": x.judges[0].email,
            "round": x.round.id,
            "scored": [round_entry.id for round_entry in x.entries[:3]],
            "conflicted": x.entries[3].id,
            "conflicted_entry": x.entries[3].entry_id,
        }

    w = live_server.setup(world)
    sheets = [f"/judging/sheets/{round_entry}" for round_entry in w["scored"]]
    judge = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()

    sign_in(judge, w["judge"], who="judge")
    with steps("no entry opens before the conflicts are declared", judge):
        judge.goto("/judging/")
        expect(judge.locator(".declare-first")).to_be_visible()
        expect(judge.locator(".assigned-entry")).to_have_count(4)
        expect(judge.locator("main a[href^='/judging/sheets/']")).to_have_count(0)

    with steps("the judge declares a conflict with one entry", judge):
        judge.locator(".declare-first a").click()
        expect(judge).to_have_url(re.compile(rf"/judging/rounds/{w['round']}/declare$"))
        expect(judge.locator("#entries li[data-entry-id]")).to_have_count(4)
        width = judge.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the declaration is {width}px wide on a 360px phone"
        entry = w["conflicted_entry"]
        judge.locator(f"#tick-{entry}").tap()
        judge.fill(f"#reason-{entry}", CONFLICT_REASON)
        judge.locator("[name=confirm]").tap()
        judge.locator("#declare-form button[type=submit]").tap()
        expect(judge).to_have_url(re.compile(r"/judging/$"))
        expect(judge.locator(".alert-success")).to_be_visible()
        expect(judge.locator(".declare-first")).to_have_count(0)
        # The conflicted pair's assignment is gone; the three others open.
        expect(judge.locator(".assigned-entry")).to_have_count(3)
        expect(judge.locator("main a[href^='/judging/sheets/']")).to_have_count(3)

    for number, (sheet, typed) in enumerate(zip(sheets[:2], TYPED[:2], strict=True), start=1):
        with steps(f"the judge scores entry {number} with decimal commas", judge):
            judge.locator(f"main a[href='{sheet}']").first.tap()
            expect(judge).to_have_url(re.compile(re.escape(sheet) + "$"))
            width = judge.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"the sheet is {width}px wide on a 360px phone"
            fill_sheet(judge, typed)

        with steps(f"the judge submits entry {number}", judge):
            judge.locator("#score-sheet button[name=submit]").tap()
            expect(judge).to_have_url(re.compile(r"/judging/$"))
            expect(judge.locator(".alert-success")).to_be_visible()
            expect(judge.locator(".progress-text")).to_have_attribute("data-submitted", str(number))

    with steps("the judge fills entry 3 and leaves the sheet open", judge):
        judge.locator(f"main a[href='{sheets[2]}']").first.tap()
        expect(judge).to_have_url(re.compile(re.escape(sheets[2]) + "$"))
        fill_sheet(judge, TYPED[2])

    # The server runs in a thread of this process: the clock it reads moves too. The journey
    # stays in the future: back in the past, the session would be seen as used before it began.
    with time_machine.travel(datetime.now(UTC) + LEFT_OPEN, tick=True):
        with steps("7 hours later, the judge submits entry 3", judge):
            judge.locator("#score-sheet button[name=submit]").tap()
            expect(judge).to_have_url(re.compile(r"/judging/$"))
            expect(judge.locator(".alert-success")).to_be_visible()
            expect(judge.locator(".progress-text")).to_have_attribute("data-submitted", "3")

        with steps("the first sheet shows the submitted scores", judge):
            judge.goto(sheets[0])
            expect(judge.locator("#sheet-status")).to_have_attribute("data-status", "submitted")
            expect(judge.locator("#score-sheet fieldset.criterion input").first).to_have_value(
                "8,5"
            )

    def stored() -> tuple:
        found = {
            sheet.round_entry_id: (sheet.status, sorted(score.value for score in sheet.scores))
            for sheet in db.session.scalars(select(ScoreSheet))
        }
        submitted = dict(
            db.session.execute(select(ScoreSheet.round_entry_id, ScoreSheet.submitted_at)).all()
        )
        # The server's clock did move: the last sheet was saved 7 hours after the others.
        waited = submitted[w["scored"][2]] - submitted[w["scored"][1]]
        assignments = set(db.session.scalars(select(JudgeAssignment.round_entry_id)))
        conflicts = db.session.execute(select(Conflict.entry_id, Conflict.reason)).all()
        return found, waited, assignments, conflicts

    found, waited, assignments, conflicts = live_server.query(stored)
    assert waited >= LEFT_OPEN
    assert found == {
        round_entry: (SheetStatus.SUBMITTED, decimals(typed))
        for round_entry, typed in zip(w["scored"], TYPED, strict=True)
    }
    assert assignments == set(w["scored"])
    assert conflicts == [(w["conflicted_entry"], CONFLICT_REASON)]


def fill_sheet(judge, typed: list[str]) -> None:  # noqa: ANN001
    fields = judge.locator("#score-sheet fieldset.criterion input.form-control")
    expect(fields).to_have_count(len(typed))
    for number, value in enumerate(typed):
        fields.nth(number).fill(value)
    judge.fill("[name=comment_for_team]", "Ý tưởng tốt, cần làm rõ thị trường.")
