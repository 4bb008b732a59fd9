"""A mentor logs a session in hours with a decimal comma; the team leader, at another
device, confirms it; the mentor then sees the hours counted. The published match is set
up beforehand (the matching pages have their own journey in the organizers' work)."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from app.localtime import local_today
from tests.accelerator import sessions_world as sw
from tests.factories import Factory


def test_a_mentor_logs_a_session_and_the_team_confirms_it(live_server, new_context, steps, sign_in):
    def world() -> dict:
        s = sw.build(Factory())
        return {
            "match": s.match.id,
            "mentor": s.accounts["mentor"].email,
            "leader": s.accounts["leader"].email,
        }

    w = live_server.setup(world)
    pair = f"/accelerator/mentoring/pairs/{w['match']}"
    mentor = new_context().new_page()
    leader = new_context().new_page()

    sign_in(mentor, w["mentor"], who="mentor")
    with steps("the mentor opens the pair", mentor):
        mentor.goto("/accelerator/mentoring/")
        mentor.locator(f"main a[href='{pair}']").click()
        mentor.locator(f"main a[href='{pair}/sessions/new']").click()

    with steps("the mentor logs 1,5 hours", mentor):
        mentor.fill("[name=held_on]", sw.day(local_today() - timedelta(days=2)))
        mentor.fill("[name=duration]", "1,5")
        mentor.select_option("[name=format]", "in_person")
        mentor.fill("[name=topics]", "Định giá, khách hàng đầu tiên")
        mentor.fill("[name='actions-0-text']", "Khảo sát 20 nông hộ")
        mentor.locator("main form [type=submit]").click()
        logged = mentor.locator("article.session")
        expect(logged).to_have_attribute("data-status", "pending")
        expect(logged).to_have_attribute("data-minutes", "90")

    sign_in(leader, w["leader"], who="team leader")
    with steps("the leader confirms it", leader):
        leader.goto("/accelerator/mentoring/")
        leader.locator(f"main a[href='{pair}']").click()
        leader.locator("article.session button[name=answer][value=confirm]").click()
        expect(leader.locator("article.session")).to_have_attribute("data-status", "confirmed")

    with steps("the mentor sees 1,5 confirmed hours", mentor):
        mentor.goto("/accelerator/mentoring/")
        total = mentor.locator(".mentor-total")
        expect(total).to_have_attribute("data-confirmed-minutes", "90")
        expect(total).to_have_attribute("data-pending-minutes", "0")
        expect(total).to_contain_text("1,5")
        expect(
            mentor.locator(f"tr.my-pair[data-match-id='{w['match']}'] td.text-end").first
        ).to_have_text("1,5")
