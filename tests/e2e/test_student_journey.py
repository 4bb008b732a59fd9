"""A student, from registering to a submitted entry with its confirmation code, through the
real pages in a real browser. Only the competition is set up beforehand (an organizer's
work, not the student's)."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from app.db import db
from competitions.models import Entry, EntryStatus
from tests.factories import MINIMAL_PDF, Factory

PASSWORD = "Hạt giống nảy mầm giữa mùa xuân 2026"
STUDENT = "hoa.student@example.vn"
TEAMMATE = "minh.teammate@example.vn"


def test_a_student_registers_builds_a_team_and_submits_an_entry(
    live_server, page, steps, sign_in, smtp_server
):
    mailbox = smtp_server.mailbox
    competition_id = live_server.setup(lambda: Factory().competition().id)

    with steps("register", page):
        page.goto("/auth/register")
        page.fill("[name=full_name]", "Trần Thị Hoa")
        page.fill("[name=email]", STUDENT)
        page.fill("[name=password]", PASSWORD)
        page.fill("[name=confirm]", PASSWORD)
        page.locator("form [type=submit]").last.click()
        page.wait_for_load_state()

    with steps("follow the link in the email", page):
        page.goto(mailbox.link_to(STUDENT, "/auth/verify/"))
        page.locator("main form [type=submit]").click()
        expect(page).to_have_url(re.compile(r"/auth/login$"))

    sign_in(page, STUDENT, PASSWORD, who="the student")

    with steps("create a team", page):
        page.goto("/competitions/teams/new")
        page.fill("[name=name]", "Nhóm Nắng Mai")
        page.fill("[name=date_of_birth]", "14/03/2008")
        page.fill("[name=school]", "THPT Trần Phú")
        page.locator("main form [type=submit]").click()
        expect(page).to_have_url(re.compile(r"/competitions/teams/\d+$"))
        expect(page.locator(".alert-success")).to_be_visible()

    with steps("invite a member", page):
        page.locator("main a[href$='/invite']").first.click()
        page.fill("[name=email]", TEAMMATE)
        page.locator("main form [type=submit]").click()
        expect(page).to_have_url(re.compile(r"/competitions/teams/\d+$"))
        expect(page.locator("main")).to_contain_text(TEAMMATE)
        assert "/competitions/teams/invitations/" in mailbox.text(mailbox.last_to(TEAMMATE))

    with steps("start an entry", page):
        page.goto(f"/competitions/{competition_id}/enter")
        page.select_option("[name=team_id]", label="Nhóm Nắng Mai")
        page.fill("[name=title]", "Máy sấy nông sản dùng năng lượng mặt trời")
        page.locator("main form [type=submit]").click()
        expect(page).to_have_url(re.compile(r"/competitions/entries/\d+/edit$"))

    with steps("fill in the entry and attach the deck", page):
        page.fill("[name=summary]", "Máy sấy nông sản cho hộ nông dân miền núi.")
        page.fill("[name=problem]", "Nông sản bị hỏng vì phơi nắng phụ thuộc thời tiết.")
        page.fill("[name=solution]", "Buồng sấy kính với quạt chạy pin mặt trời.")
        page.set_input_files(
            "[name=deck_file]",
            files=[{"name": "Kế hoạch.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}],
        )
        page.click("[name=save]")
        expect(page.locator(".alert-success")).to_be_visible()
        expect(page.locator("main")).to_contain_text("Kế hoạch.pdf")

    with steps("submit", page):
        page.click("[name=submit]")
        expect(page.locator(".entry-code")).to_have_text(re.compile(r"^QN26-THPT-\d{4}$"))

    shown = page.locator(".entry-code").inner_text()
    stored = live_server.query(
        lambda: [
            (e.status, e.code, e.deck.original_name) for e in db.session.scalars(select(Entry))
        ]
    )
    assert stored == [(EntryStatus.SUBMITTED, shown, "Kế hoạch.pdf")]
    assert shown in mailbox.last_to(STUDENT)["Subject"]
