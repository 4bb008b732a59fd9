"""Awards of the final round: the standard set in one click, prizes proposed by the overall
ranking, ties at a boundary flagged, quotas, one ranked prize plus special prizes per entry,
adjustments with a reason, confirmation, and nothing once judging is open or results public."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit import AuditEvent
from app.db import db
from judging.advancement import awards
from judging.advancement.publish import publish_results
from judging.common import JudgingError
from judging.models import Award, AwardWinner, RoundJudging
from tests.helpers import post_form
from tests.judging import world as w
from tests.judging.roles import sign_in_as
from tests.judging.test_advancement import (
    REASON,
    judge_round,
    only_round,
    snapshot,
)


def winners(world: w.World) -> dict[str, list[int]]:
    """Prize name → indexes of the world's entries holding it."""
    index = {re_.id: n for n, re_ in enumerate(world.entries)}
    result: dict[str, list[int]] = {}
    for name, re_id in db.session.execute(
        select(Award.name, AwardWinner.round_entry_id)
        .join(AwardWinner, AwardWinner.award_id == Award.id)
        .where(Award.round_id == world.round.id)
        .order_by(Award.position, AwardWinner.round_entry_id)
    ):
        result.setdefault(name, []).append(index[re_id])
    return result


def award(world: w.World, name: str) -> Award:
    return db.session.scalar(
        select(Award).where(Award.round_id == world.round.id, Award.name == name)
    )


def url(world: w.World, tail: str = "") -> str:
    return f"/judging/rounds/{world.round.id}/awards{tail}"


@pytest.fixture()
def final(db, factory) -> w.World:
    """A final round of 12 entries scored 95, 90, … 40 (no ties)."""
    world = only_round(w.build(factory, entries=12, judges=3, window="closed"))
    judge_round(world, [95 - 5 * n for n in range(12)])
    return world


def test_the_standard_set_in_one_click_then_prizes_follow_the_ranking(client, db, final):
    world = final
    sign_in_as(client, world.organizer)
    assert post_form(client, url(world, "/standard"), {}, form_page=url(world)).status_code == 302
    defined = db.session.execute(
        select(Award.kind, Award.name, Award.quota)
        .where(Award.round_id == world.round.id)
        .order_by(Award.position)
    ).all()
    assert defined == [
        ("first", "Giải Nhất", 1),
        ("second", "Giải Nhì", 2),
        ("third", "Giải Ba", 3),
        ("consolation", "Giải Khuyến khích", 4),
    ]
    # A second click adds nothing.
    before = snapshot(world.round.id)
    post_form(client, url(world, "/standard"), {}, form_page=url(world))
    assert len(db.session.scalars(select(Award).where(Award.round_id == world.round.id)).all()) == 4
    assert snapshot(world.round.id) == before
    assert post_form(client, url(world, "/propose"), {}, form_page=url(world)).status_code == 302
    assert winners(world) == {
        "Giải Nhất": [0],
        "Giải Nhì": [1, 2],
        "Giải Ba": [3, 4, 5],
        "Giải Khuyến khích": [6, 7, 8, 9],
    }
    assert db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.action.like("judging.award%"))
        .order_by(AuditEvent.id)
    ).all() == ["judging.awards_standard", "judging.awards_propose"]


def test_a_tie_at_a_prize_boundary_is_flagged_and_left_empty(client, db, factory):
    world = only_round(w.build(factory, entries=4, judges=3, window="closed"))
    judge_round(world, [90, 90, 80, 70])  # two entries tie for the single Giải Nhất
    awards.add_standard_awards(world.round, by=world.organizer)
    awards.apply_award_proposal(world.round, by=world.organizer)
    assert winners(world) == {"Giải Nhì": [2], "Giải Ba": [3]}
    sign_in_as(client, world.organizer)
    html = client.get(url(world)).text
    assert 'id="prize-ties"' in html and html.count('data-tied="yes"') == 2
    assert "Giải Nhất, Giải Nhì" in html
    # The organizer decides, with a reason.
    first, second = award(world, "Giải Nhất"), award(world, "Giải Nhì")
    awards.set_ranked_prize(world.round, world.entries[0].id, first.id, REASON, by=world.organizer)
    awards.set_ranked_prize(world.round, world.entries[1].id, second.id, REASON, by=world.organizer)
    assert winners(world) == {"Giải Nhất": [0], "Giải Nhì": [1, 2], "Giải Ba": [3]}


def test_adjusting_a_prize_needs_a_reason_and_respects_the_quota(client, db, final):
    world = final
    awards.add_standard_awards(world.round, by=world.organizer)
    awards.apply_award_proposal(world.round, by=world.organizer)
    first = award(world, "Giải Nhất")
    sign_in_as(client, world.organizer)
    before = snapshot(world.round.id), winners(world)
    # Without a reason: refused, nothing changed.
    response = post_form(
        client, url(world, "/ranked"),
        {"round_entry": str(world.entries[11].id), "award": str(first.id), "reason": "ngắn"},
        form_page=url(world),
    )  # fmt: skip
    assert response.status_code == 200 and "invalid-feedback" in response.text
    # With a reason but Giải Nhất is full.
    response = post_form(
        client, url(world, "/ranked"),
        {"round_entry": str(world.entries[11].id), "award": str(first.id), "reason": REASON},
        form_page=url(world),
    )  # fmt: skip
    assert "Every place of this prize is taken" in response.text
    assert (snapshot(world.round.id), winners(world)) == before
    # Move entry 1 from Nhì to Ba's … no: Ba is full too; take entry 9's prize away instead.
    response = post_form(
        client, url(world, "/ranked"),
        {"round_entry": str(world.entries[9].id), "award": "0", "reason": REASON},
        form_page=url(world),
    )  # fmt: skip
    assert response.status_code == 302
    assert winners(world)["Giải Khuyến khích"] == [6, 7, 8]
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "judging.award_grant")
    ).all()
    assert event.old == {"award": "Giải Khuyến khích"}
    assert event.new == {"award": None, "reason": REASON}


def test_an_entry_holds_one_ranked_prize_and_any_special_prizes(db, final):
    world = final
    awards.add_standard_awards(world.round, by=world.organizer)
    awards.apply_award_proposal(world.round, by=world.organizer)
    impact = awards.add_award(
        world.round, "special", "Giải Dự án có tác động xã hội", 2, by=world.organizer
    )
    awards.grant_special(world.round, world.entries[0].id, impact.id, REASON, by=world.organizer)
    awards.grant_special(world.round, world.entries[11].id, impact.id, REASON, by=world.organizer)
    # Changing the ranked prize of entry 0 replaces it; its special prize stays.
    third = award(world, "Giải Ba")
    third.quota = 4
    db.session.flush()
    awards.set_ranked_prize(world.round, world.entries[0].id, third.id, REASON, by=world.organizer)
    got = winners(world)
    assert 0 not in got.get("Giải Nhất", [])
    assert 0 in got["Giải Ba"] and got["Giải Dự án có tác động xã hội"] == [0, 11]
    # The special prize's quota is full; the same entry twice is refused too.
    before = winners(world)
    for index in (5, 0):
        with pytest.raises(JudgingError):
            awards.grant_special(
                world.round, world.entries[index].id, impact.id, REASON, by=world.organizer
            )
    assert winners(world) == before
    # Taking a special prize back needs a reason.
    winner = impact.winners[0]
    with pytest.raises(JudgingError) as refused:
        awards.revoke_special(world.round, winner.id, "", by=world.organizer)
    assert refused.value.reasons == ["reason_required"]
    awards.revoke_special(world.round, winner.id, REASON, by=world.organizer)
    assert winners(world)["Giải Dự án có tác động xã hội"] == [11]


def test_special_prizes_through_the_page(client, db, final):
    world = final
    sign_in_as(client, world.organizer)
    response = post_form(
        client, url(world, "/add"),
        {"kind": "special", "name": "Giải Ý tưởng xanh", "quota": "1"}, form_page=url(world),
    )  # fmt: skip
    assert response.status_code == 302
    green = award(world, "Giải Ý tưởng xanh")
    response = post_form(
        client, url(world, "/special"),
        {"award": str(green.id), "round_entry": str(world.entries[4].id), "reason": REASON},
        form_page=url(world),
    )  # fmt: skip
    assert response.status_code == 302
    assert winners(world) == {"Giải Ý tưởng xanh": [4]}
    html = client.get(url(world)).text
    assert 'class="mb-2 special-winner"' in html
    # The same name twice is refused.
    response = post_form(
        client, url(world, "/add"),
        {"kind": "special", "name": "Giải Ý tưởng xanh", "quota": "1"}, form_page=url(world),
    )  # fmt: skip
    assert "already has a prize with this name" in response.text


def test_quota_cannot_go_below_the_winners_and_a_change_takes_the_confirmation_back(db, final):
    world = final
    awards.add_standard_awards(world.round, by=world.organizer)
    awards.apply_award_proposal(world.round, by=world.organizer)
    awards.confirm_awards(world.round, by=world.organizer)
    third = award(world, "Giải Ba")
    with pytest.raises(JudgingError) as refused:
        awards.update_award(world.round, third.id, "Giải Ba", 2, by=world.organizer)
    assert refused.value.reasons == ["quota_below_winners"]
    assert db.session.get(RoundJudging, world.round.id).awards_confirmed_at is not None
    awards.update_award(world.round, third.id, "Giải Ba", 5, by=world.organizer)
    assert db.session.get(RoundJudging, world.round.id).awards_confirmed_at is None


def test_nothing_changes_while_judging_is_open(db, factory):
    world = only_round(w.build(factory, entries=3, judges=3, window="open"))
    judge_round(world, [90, 80, 70])
    before = snapshot(world.round.id)
    for attempt in (
        lambda: awards.add_standard_awards(world.round, by=world.organizer),
        lambda: awards.add_award(world.round, "special", "Giải Ý tưởng", 1, by=world.organizer),
        lambda: awards.confirm_awards(world.round, by=world.organizer),
    ):
        with pytest.raises(JudgingError) as refused:
            attempt()
        assert "judging_open" in refused.value.reasons
    assert snapshot(world.round.id) == before
    assert db.session.scalars(select(Award)).all() == []


def test_publishing_the_final_needs_confirmed_awards_and_then_freezes_them(client, db, final):
    world = final
    awards.add_standard_awards(world.round, by=world.organizer)
    awards.apply_award_proposal(world.round, by=world.organizer)
    sign_in_as(client, world.organizer)
    before = snapshot(world.round.id)
    response = post_form(
        client, f"/judging/rounds/{world.round.id}/publish", {}, form_page=url(world)
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(url(world))
    assert "Confirm the awards before publishing" in client.get(url(world)).text
    assert snapshot(world.round.id) == before
    assert post_form(client, url(world, "/confirm"), {}, form_page=url(world)).status_code == 302
    response = post_form(
        client, f"/judging/rounds/{world.round.id}/publish", {}, form_page=url(world)
    )
    assert db.session.get(RoundJudging, world.round.id).results_published_at is not None
    results = client.get(f"/judging/results/{world.round.id}").text
    assert "Giải Nhất" in results and "Giải Khuyến khích" in results
    # Published: the awards no longer change.
    with pytest.raises(JudgingError) as refused:
        awards.apply_award_proposal(world.round, by=world.organizer)
    assert "published" in refused.value.reasons
    with pytest.raises(JudgingError):
        publish_results(world.round, by=world.organizer)
