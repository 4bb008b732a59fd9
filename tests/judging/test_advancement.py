"""Advancement: the round's rule proposes (top N, pass mark, no-zero, per-unit cap, ties left
to the organizer), organizers adjust with a reason and confirm, advanced entries enter the next
round; access to every page of the advancement helper (advancement, awards, results)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.db import db
from app.people.models import User
from competitions.models import Entry, Pool, Round
from judging.advancement import services
from judging.advancement.publish import publish_results
from judging.common import JudgingError
from judging.models import EntrySource, RoundEntry, RoundJudging, ScoreSheet
from tests.helpers import csrf_token, post_form
from tests.judging import roles
from tests.judging import world as w
from tests.judging.roles import LOGIN, assert_access, sign_in, sign_in_as

ROLES = (*roles.ROLES, "member")  # a member of the entry's team

# fmt: off
#                     anonymous participant judge organizer other_organizer admin member
ORGANIZERS_ONLY = roles.ORGANIZERS_ONLY | {"member": 403}
EVERYONE = dict(zip(ROLES, (200, 200, 200, 200, 200, 200, 200), strict=True))
TEAM = dict(zip(ROLES, (LOGIN, 403, 403, 200, 403, 200, 200), strict=True))
ACCESS: dict[str, dict[str, int | str]] = {
    "judging.advancement":  ORGANIZERS_ONLY,
    "judging.awards":       ORGANIZERS_ONLY,
    "judging.results":      EVERYONE,  # once published; 404 before (tested below)
    "judging.entry_result": TEAM,      # the team's members and advisor, and the organizers
}
POST_ENDPOINTS = {
    "judging.advancement_adjust", "judging.advancement_confirm", "judging.publish_results",
    "judging.awards_standard", "judging.award_add", "judging.award_update",
    "judging.award_delete", "judging.awards_propose", "judging.award_ranked",
    "judging.award_special", "judging.award_revoke", "judging.awards_confirm",
}
# fmt: on

REASON = "Ban tổ chức xem lại hồ sơ và thống nhất."
ROW = re.compile(
    r'<tr id="entry-(\d+)" data-round-entry="\d+" data-entry="\d+" '
    r'data-proposal="(\w+)" data-reason="(\w+)" data-decision="(\w*)"'
)


# --- building a judged round -----------------------------------------------------------------


def values_for(total: float) -> list[float]:
    """Criterion scores giving a judge total of `total` on the standard rubric (maxima =
    weights, so the total is the plain sum), none of them 0 unless the total is."""
    maxima = [m for _name, m, _weight in w.STANDARD_RUBRIC]
    return [m * total / 100 for m in maxima]


def judge_round(world: w.World, totals: list[float], *, judges: int = 3) -> None:
    """Each entry i scored `totals[i]` by the first `judges` judges (assigned, submitted)."""
    for round_entry, total in zip(world.entries, totals, strict=True):
        for judge in world.judges[:judges]:
            w.assign(world, judge, round_entry)
            w.score(world, judge, round_entry, values_for(total))


def with_final(world: w.World, *, carry: str = "0.30") -> Round:
    """The competition's second round as the final: one pool, carrying scores over."""
    final = world.competition.rounds[1]
    final.carry_over_weight = Decimal(carry)
    final.pools.append(Pool(name="Chung kết"))
    db.session.flush()
    return final


def only_round(world: w.World) -> w.World:
    """Make round 1 the competition's final round (no next round)."""
    db.session.delete(world.competition.rounds[1])
    db.session.flush()
    db.session.expire(world.competition, ["rounds"])
    return world


def set_rule(world: w.World, **rule) -> None:  # noqa: ANN003
    for name, value in rule.items():
        setattr(world.round, name, value)
    db.session.flush()


def entry_of(world: w.World, index: int) -> Entry:
    return db.session.get(Entry, world.entries[index].entry_id)


def accounts(factory, world: w.World) -> dict[str, User]:  # noqa: ANN001
    """The member leads the first entry's team, the participant the second's."""
    return roles.accounts(
        factory,
        world,
        participant=entry_of(world, 1).team.leader,
        member=entry_of(world, 0).team.leader,
    )


def page_rows(html: str) -> dict[int, tuple[str, str, str]]:
    return {int(i): (p, r, d) for i, p, r, d in ROW.findall(html)}


def snapshot(round_id: int) -> tuple:
    """What advancement and publishing may change, to check that a refusal changed nothing."""
    entries = db.session.execute(
        select(
            RoundEntry.id,
            RoundEntry.round_id,
            RoundEntry.decision,
            RoundEntry.decision_reason,
            RoundEntry.published_score,
            RoundEntry.published_rank,
        ).order_by(RoundEntry.id)
    ).all()
    settings = db.session.execute(
        select(
            RoundJudging.advancement_confirmed_at,
            RoundJudging.awards_confirmed_at,
            RoundJudging.results_published_at,
        ).where(RoundJudging.round_id == round_id)
    ).all()
    audits = db.session.scalar(select(func.count()).select_from(AuditEvent))
    return entries, settings, audits


def adjust_url(world: w.World, index: int) -> str:
    return f"/judging/rounds/{world.round.id}/advancement/entries/{world.entries[index].id}"


def page(world: w.World) -> str:
    return f"/judging/rounds/{world.round.id}/advancement"


# --- access -----------------------------------------------------------------------------------


@pytest.fixture()
def published(db, factory) -> tuple[w.World, dict[str, User]]:
    world = w.build(factory, entries=4, judges=3, window="closed")
    with_final(world)
    judge_round(world, [80, 70, 60, 50])
    set_rule(world, advance_top_n=2)
    services.confirm_advancement(world.round, by=world.organizer)
    publish_results(world.round, by=world.organizer)
    db.session.flush()
    return world, accounts(factory, world)


def sample_urls(world: w.World) -> dict[str, str]:
    return {
        "judging.advancement": f"/judging/rounds/{world.round.id}/advancement",
        "judging.awards": f"/judging/rounds/{world.round.id}/awards",
        "judging.results": f"/judging/results/{world.round.id}",
        "judging.entry_result": f"/judging/entries/{world.entries[0].entry_id}/result",
    }


@pytest.mark.parametrize("role", ROLES)
def test_access(client, published, role):
    world, people = published
    assert_access(client, people, role, sample_urls(world), ACCESS)


def test_missing_round_or_entry_is_404(client, published):
    world, people = published
    sign_in(client, people)
    for url in (
        "/judging/rounds/999999/advancement",
        "/judging/rounds/999999/awards",
        "/judging/results/999999",
        "/judging/entries/999999/result",
    ):
        assert client.get(url).status_code == 404, url


def post_samples(world: w.World) -> dict[str, str]:
    base = f"/judging/rounds/{world.round.id}"
    return {
        "judging.advancement_adjust": adjust_url(world, 0),
        "judging.advancement_confirm": f"{base}/advancement/confirm",
        "judging.publish_results": f"{base}/publish",
        "judging.awards_standard": f"{base}/awards/standard",
        "judging.award_add": f"{base}/awards/add",
        "judging.award_update": f"{base}/awards/1",
        "judging.award_delete": f"{base}/awards/1/delete",
        "judging.awards_propose": f"{base}/awards/propose",
        "judging.award_ranked": f"{base}/awards/ranked",
        "judging.award_special": f"{base}/awards/special",
        "judging.award_revoke": f"{base}/awards/winners/1/revoke",
        "judging.awards_confirm": f"{base}/awards/confirm",
    }


@pytest.mark.parametrize("role", ["member", "judge", "other_organizer"])
def test_no_one_but_the_organizers_may_post(client, db, factory, role):
    world = w.build(factory, entries=3, judges=3, window="closed")
    with_final(world)
    judge_round(world, [80, 70, 60])
    people = accounts(factory, world)
    sign_in(client, people, role)
    before = snapshot(world.round.id)
    samples = post_samples(world)
    assert set(samples) == POST_ENDPOINTS
    data = {
        "csrf_token": csrf_token(client, "/"),
        "decision": "advance",
        "reason": REASON,
        "name": "Giải Ý tưởng",
        "quota": "1",
        "kind": "special",
        "round_entry": str(world.entries[0].id),
        "award": "1",
    }
    for endpoint, url in samples.items():
        assert client.post(url, data=data).status_code == 403, endpoint
    assert snapshot(world.round.id) == before


# --- the proposal ------------------------------------------------------------------------------


def test_the_page_shows_each_pools_ranking_with_the_rule_s_proposal(client, db, factory):
    world = w.build(factory, entries=6, judges=3, window="closed", by_track=True)
    with_final(world)
    # Pools by track: entries 0, 2, 4 in THPT; 1, 3, 5 in SV.
    judge_round(world, [90, 85, 80, 55, 58, 75])
    set_rule(world, advance_top_n=2, pass_mark=Decimal("60"))
    sign_in_as(client, world.organizer)
    html = client.get(page(world)).text
    rows = page_rows(html)
    ids = [re_.id for re_ in world.entries]
    assert rows[ids[0]] == ("advance", "top_n", "advance")
    assert rows[ids[2]] == ("advance", "top_n", "advance")
    assert rows[ids[4]] == ("stop", "below_pass_mark", "stop")
    # SV: 85 and 75 advance; 55 is below the pass mark.
    assert rows[ids[1]][:2] == ("advance", "top_n") and rows[ids[5]][:2] == ("advance", "top_n")
    assert rows[ids[3]][:2] == ("stop", "below_pass_mark")
    assert "below the pass mark 60" in html and "top 2 of the pool" in html
    # Ranked order inside each pool: THPT lists 90, 80, 58.
    thpt = [i for i in rows if i in (ids[0], ids[2], ids[4])]
    assert thpt == [ids[0], ids[2], ids[4]]


def test_no_zero_rule_stops_an_entry_with_a_criterion_at_0(client, db, factory):
    world = w.build(factory, entries=3, judges=3, window="closed")
    with_final(world)
    for index, values in enumerate(
        [[25, 20, 20, 15, 10, 0], values_for(70), values_for(60)]  # 90 with a 0, then 70, 60
    ):
        for judge in world.judges:
            w.assign(world, judge, world.entries[index])
            w.score(world, judge, world.entries[index], values)
    set_rule(world, advance_top_n=2, no_zero_criterion=True)
    plan = services.advancement_plan(world.round)
    got = {row.round_entry.id: (row.decision, row.proposal.reason) for row in plan.rows}
    assert got == {
        world.entries[0].id: ("stop", "zero_criterion"),
        world.entries[1].id: ("advance", "top_n"),
        world.entries[2].id: ("advance", "top_n"),
    }


def test_the_cap_counts_entries_by_the_ward_of_their_school(db, factory):
    world = w.build(factory, entries=4, judges=3, window="closed")
    with_final(world)
    ward_level = factory.level("ward", "Phường", 2)
    school_level = factory.level("high_school", "Trường THPT", 3)
    school_level.is_organisation = True
    ward = factory.unit("Phường Hải Châu", parent=world.owner, level=ward_level)
    other_ward = factory.unit("Phường Sơn Trà", parent=world.owner, level=ward_level)
    schools = [
        factory.unit("Trường THPT Phan Châu Trinh", parent=ward, level=school_level),
        factory.unit("Trường THPT Trần Phú", parent=ward, level=school_level),
        factory.unit("Trường THPT Hoàng Hoa Thám", parent=other_ward, level=school_level),
        # Directly under the province: counts for itself.
        factory.unit("Trường THPT chuyên Lê Quý Đôn", parent=world.owner, level=school_level),
    ]
    for index, school in enumerate(schools):
        entry_of(world, index).unit = school
    db.session.flush()
    judge_round(world, [90, 85, 80, 75])
    set_rule(world, advance_top_n=4, per_unit_cap=1)
    plan = services.advancement_plan(world.round)
    got = {row.round_entry.id: (row.decision, row.proposal.reason) for row in plan.rows}
    ids = [re_.id for re_ in world.entries]
    assert got[ids[0]] == ("advance", "top_n")
    assert got[ids[1]] == ("stop", "unit_cap")  # the second school of Phường Hải Châu
    assert got[ids[2]] == ("advance", "top_n")
    assert got[ids[3]] == ("advance", "top_n")
    row = next(r for r in plan.rows if r.round_entry.id == ids[1])
    assert plan.units[row.proposal.params["unit"]].name == "Phường Hải Châu"
    assert services.cap_units(world.round, {1: schools[3].id, 2: None}) == {
        1: schools[3].id,
        2: None,
    }


def test_no_proposal_and_no_decision_while_judging_is_open(client, db, factory):
    world = w.build(factory, entries=3, judges=3, window="open")
    with_final(world)
    judge_round(world, [80, 70, 60])
    set_rule(world, advance_top_n=1)
    sign_in_as(client, world.organizer)
    html = client.get(page(world)).text
    assert 'data-problem="judging_open"' in html and page_rows(html) == {}
    before = snapshot(world.round.id)
    response = post_form(
        client, adjust_url(world, 2), {"decision": "advance", "reason": REASON}, form_page="/"
    )
    assert "Judging is still open" in response.text
    confirm = post_form(client, f"{page(world)}/confirm", {}, form_page="/", follow_redirects=True)
    assert "Judging is still open" in confirm.text
    assert snapshot(world.round.id) == before
    assert (
        db.session.scalar(
            select(func.count()).where(RoundEntry.round_id == world.competition.rounds[1].id)
        )
        == 0
    )


def test_closing_judging_early_allows_the_proposal(db, factory):
    world = w.build(factory, entries=2, judges=3, window="open")
    with_final(world)
    judge_round(world, [80, 70])
    world.settings.closed_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.flush()
    assert services.advancement_plan(world.round).problems == []


# --- ties, adjustments, confirmation --------------------------------------------------------------


@pytest.fixture()
def tied(db, factory) -> w.World:
    """Top 2 advance; entries 1 and 2 tie for the second place."""
    world = w.build(factory, entries=4, judges=3, window="closed")
    with_final(world)
    judge_round(world, [90, 80, 80, 70])
    set_rule(world, advance_top_n=2)
    return world


def test_a_tie_at_the_cut_off_is_shown_and_confirmation_waits_for_the_organizer(client, db, tied):
    world = tied
    sign_in_as(client, world.organizer)
    html = client.get(page(world)).text
    rows = page_rows(html)
    ids = [re_.id for re_ in world.entries]
    assert rows[ids[1]] == ("tie", "tie_top_n", "") and rows[ids[2]] == ("tie", "tie_top_n", "")
    assert rows[ids[3]] == ("stop", "outside_top_n", "stop")
    assert 'id="undecided"' in html
    before = snapshot(world.round.id)
    response = post_form(client, f"{page(world)}/confirm", {}, form_page=page(world))
    assert response.status_code == 302
    assert "still need your decision" in client.get(page(world)).text
    assert snapshot(world.round.id) == before


def test_adjusting_without_a_reason_changes_nothing(client, db, tied):
    world = tied
    sign_in_as(client, world.organizer)
    before = snapshot(world.round.id)
    for reason in ("", "   ", "quá ngắn"):
        response = post_form(
            client, adjust_url(world, 1), {"decision": "advance", "reason": reason},
            form_page=page(world),
        )  # fmt: skip
        assert response.status_code == 200 and "invalid-feedback" in response.text
    # Straight to the service too: refused before anything changes.
    with pytest.raises(JudgingError) as refused:
        services.adjust_decision(
            world.round, world.entries[1].id, "advance", "", by=world.organizer
        )
    assert refused.value.reasons == ["reason_required"]
    assert snapshot(world.round.id) == before


def test_settling_a_tie_with_a_reason_is_audited_and_confirmation_fills_the_next_round(
    client, db, tied
):
    world = tied
    final = world.competition.rounds[1]
    sign_in_as(client, world.organizer)
    for index, decision in ((1, "advance"), (2, "stop")):
        response = post_form(
            client, adjust_url(world, index), {"decision": decision, "reason": REASON},
            form_page=page(world),
        )  # fmt: skip
        assert response.status_code == 302
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "judging.advancement_adjust")
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.old["decision"], e.new["decision"], e.new["reason"]) for e in events] == [
        (None, "advance", REASON),
        (None, "stop", REASON),
    ]
    assert events[0].actor_id == world.organizer.id
    assert post_form(client, f"{page(world)}/confirm", {}, form_page=page(world)).status_code == 302

    settings = db.session.get(RoundJudging, world.round.id)
    assert settings.advancement_confirmed_at is not None
    decisions = {
        re_.id: (re_.decision, re_.decision_reason)
        for re_ in db.session.scalars(
            select(RoundEntry).where(RoundEntry.round_id == world.round.id)
        )
    }
    ids = [re_.id for re_ in world.entries]
    assert decisions[ids[1]] == ("advance", REASON) and decisions[ids[2]] == ("stop", REASON)
    assert decisions[ids[0]][0] == "advance" and decisions[ids[0]][1].startswith("rule:")
    assert decisions[ids[3]][0] == "stop"
    moved = db.session.scalars(
        select(RoundEntry).where(RoundEntry.round_id == final.id).order_by(RoundEntry.entry_id)
    ).all()
    assert [m.entry_id for m in moved] == [world.entries[0].entry_id, world.entries[1].entry_id]
    assert {m.source for m in moved} == {EntrySource.ADVANCED}
    assert [m.carried_score for m in moved] == [Decimal("90.00"), Decimal("80.00")]
    assert {m.pool.name for m in moved} == {"Chung kết"}
    page_html = client.get(page(world)).text
    assert 'data-confirmed="yes"' in page_html and "adjusted" in page_html


def test_confirming_twice_changes_nothing_the_second_time(db, tied):
    world = tied
    services.adjust_decision(
        world.round, world.entries[1].id, "advance", REASON, by=world.organizer
    )
    services.adjust_decision(world.round, world.entries[2].id, "stop", REASON, by=world.organizer)
    first = services.confirm_advancement(world.round, by=world.organizer)
    rows_before = db.session.execute(
        select(RoundEntry.id, RoundEntry.entry_id, RoundEntry.carried_score).where(
            RoundEntry.round_id == world.competition.rounds[1].id
        )
    ).all()
    second = services.confirm_advancement(world.round, by=world.organizer)
    rows_after = db.session.execute(
        select(RoundEntry.id, RoundEntry.entry_id, RoundEntry.carried_score).where(
            RoundEntry.round_id == world.competition.rounds[1].id
        )
    ).all()
    assert len(first.added) == 2 and second.added == [] and second.removed == []
    assert sorted(rows_before) == sorted(rows_after)


def test_no_carried_score_when_the_next_round_carries_nothing(db, factory):
    world = w.build(factory, entries=2, judges=3, window="closed")
    final = with_final(world, carry="0")
    judge_round(world, [80, 70])
    services.confirm_advancement(world.round, by=world.organizer)
    carried = db.session.scalars(
        select(RoundEntry.carried_score).where(RoundEntry.round_id == final.id)
    ).all()
    assert carried == [None, None]


def test_a_change_after_confirmation_takes_it_back_and_reconfirming_removes_the_entry(db, tied):
    world = tied
    final = world.competition.rounds[1]
    services.adjust_decision(
        world.round, world.entries[1].id, "advance", REASON, by=world.organizer
    )
    services.adjust_decision(world.round, world.entries[2].id, "stop", REASON, by=world.organizer)
    services.confirm_advancement(world.round, by=world.organizer)
    services.adjust_decision(
        world.round, world.entries[1].id, "stop", "Hồ sơ vi phạm quy chế.", by=world.organizer
    )
    assert db.session.get(RoundJudging, world.round.id).advancement_confirmed_at is None
    result = services.confirm_advancement(world.round, by=world.organizer)
    assert result.removed == [world.entries[1].entry_id]
    left = db.session.scalars(select(RoundEntry.entry_id).where(RoundEntry.round_id == final.id))
    assert list(left) == [world.entries[0].entry_id]


def test_an_entry_already_scored_in_the_next_round_cannot_be_taken_out(db, tied):
    world = tied
    final = world.competition.rounds[1]
    services.adjust_decision(
        world.round, world.entries[1].id, "advance", REASON, by=world.organizer
    )
    services.adjust_decision(world.round, world.entries[2].id, "stop", REASON, by=world.organizer)
    services.confirm_advancement(world.round, by=world.organizer)
    moved = db.session.scalar(
        select(RoundEntry).where(
            RoundEntry.round_id == final.id, RoundEntry.entry_id == world.entries[1].entry_id
        )
    )
    db.session.add(ScoreSheet(round_entry_id=moved.id, user_id=world.judges[0].id))
    services.adjust_decision(
        world.round, world.entries[1].id, "stop", "Hồ sơ vi phạm quy chế.", by=world.organizer
    )
    db.session.flush()
    before = snapshot(world.round.id)
    with pytest.raises(JudgingError) as refused:
        services.confirm_advancement(world.round, by=world.organizer)
    assert refused.value.reasons == ["next_round_scored"]
    assert snapshot(world.round.id) == before
    assert db.session.get(RoundEntry, moved.id) is not None


def test_the_final_round_offers_awards_not_advancement(client, db, factory):
    world = only_round(w.build(factory, entries=2, judges=3, window="closed"))
    judge_round(world, [80, 70])
    sign_in_as(client, world.organizer)
    html = client.get(page(world)).text
    assert 'id="final-round"' in html and 'id="confirm"' not in html
    before = snapshot(world.round.id)
    with pytest.raises(JudgingError) as refused:
        services.confirm_advancement(world.round, by=world.organizer)
    assert "final_round" in refused.value.reasons
    with pytest.raises(JudgingError):
        services.adjust_decision(
            world.round, world.entries[0].id, "stop", REASON, by=world.organizer
        )
    assert snapshot(world.round.id) == before


def test_an_entry_of_another_round_cannot_be_adjusted_through_this_one(client, db, tied):
    world = tied
    other = RoundEntry(round=world.competition.rounds[1], entry=entry_of(world, 0))
    db.session.add(other)
    db.session.flush()
    sign_in_as(client, world.organizer)
    before = snapshot(world.round.id)
    url = f"/judging/rounds/{world.round.id}/advancement/entries/{other.id}"
    response = post_form(
        client, url, {"decision": "advance", "reason": REASON}, form_page=page(world)
    )
    assert response.status_code == 302
    assert snapshot(world.round.id) == before
