"""Selection: candidates from published results (award winners first, then the top ranks),
teams added by hand with a reason, selection up to capacity, the leader's invitation and
answer, withdrawal, the roster; a team is never in a cohort twice; who may do what."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from accelerator.cohorts.services import places_held
from accelerator.models import CohortTeam, MembershipStatus
from accelerator.selection import services
from accelerator.selection.candidates import proposals
from app.audit import AuditEvent
from competitions.models import CompetitionStatus, TeamMember
from judging.models import RoundEntry, RoundJudging
from tests.accelerator import cohorts_world as cw
from tests.accelerator.cohorts_world import (
    LEADER_ONLY,
    ORGANIZERS_ONLY,
    ROLES,
    SIGNED_IN,
    sign_in,
    snapshot,
)
from tests.conftest import separate_database_app
from tests.helpers import csrf_token, post_form
from tests.judging import world as w
from tests.judging.roles import FLASH, answer, refusal

# fmt: off
ACCESS: dict[str, dict[str, int | str]] = {
    "accelerator.candidates": ORGANIZERS_ONLY,
    "accelerator.manual_add": ORGANIZERS_ONLY,
    "accelerator.cohort_teams": ORGANIZERS_ONLY,
    "accelerator.roster": ORGANIZERS_ONLY,
    "accelerator.invitation": LEADER_ONLY,
    "accelerator.my_cohorts": SIGNED_IN,
}
POST_ENDPOINTS = {
    "accelerator.candidate_add",
    "accelerator.teams_select",
    "accelerator.team_deselect",
    "accelerator.teams_invite",
    "accelerator.team_withdraw",
}
# fmt: on

PROPOSAL = re.compile(
    r'class="proposal" data-team-id="(\d+)" data-source="(\w+)" data-round-entry-id="(\d+)" '
    r'data-award-id="(\d*)" data-rank="(\d*)" data-in-cohort="(\w*)"'
)
MEMBERSHIP = re.compile(r'data-membership-id="(\d+)" data-team-id="(\d+)" data-status="(\w+)"')


@pytest.fixture()
def s(db, factory) -> cw.Setting:  # noqa: ARG001
    return cw.build(factory)


def base(s: cw.Setting) -> str:
    return f"/accelerator/cohorts/{s.cohort.id}"


def candidates_url(s: cw.Setting, *competitions: int, top: int | None = None) -> str:
    query = [("competition", c) for c in competitions or (s.world.competition.id,)]
    if top is not None:
        query.append(("top", top))
    return f"{base(s)}/candidates?{urlencode(query)}"


def member(db, s: cw.Setting, n: int, status: str = "candidate") -> CohortTeam:  # noqa: ANN001
    """Entry n's team in the cohort with `status`."""
    row = CohortTeam(
        cohort=s.cohort,
        team=s.entries[n].entry.team,
        entry=s.entries[n].entry,
        status=status,
        reason="Thêm trong bài kiểm thử",
    )
    db.session.add(row)
    db.session.flush()
    return row


def flashes(html: str) -> list[tuple[str, str]]:
    return [(kind, " ".join(text.split())) for kind, text in FLASH.findall(html)]


def rows(db, s: cw.Setting) -> list[tuple[int, str]]:  # noqa: ANN001
    return list(
        db.session.execute(
            select(CohortTeam.team_id, CohortTeam.status)
            .where(CohortTeam.cohort_id == s.cohort.id)
            .order_by(CohortTeam.id)
        ).all()
    )


def actions(db, prefix: str = "cohort.team") -> list[str]:  # noqa: ANN001
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.like(f"{prefix}%"))
            .order_by(AuditEvent.id)
        )
    )


def add_result(client, s: cw.Setting, round_entry_id: int, award_id: int = 0):  # noqa: ANN001, ANN201
    return post_form(
        client,
        f"{base(s)}/candidates/add",
        {
            "round_entry_id": round_entry_id,
            "award_id": award_id,
            "competition": s.world.competition.id,
            "top": 10,
        },
        form_page=candidates_url(s),
    )


def post_ids(client, s: cw.Setting, action: str, ids: list[int]):  # noqa: ANN001, ANN201
    return post_form(
        client, f"{base(s)}/teams/{action}", {"ids": ids}, form_page=f"{base(s)}/teams"
    )


def teams_page(client, s: cw.Setting) -> str:  # noqa: ANN001
    return client.get(f"{base(s)}/teams").get_data(as_text=True)


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_access(client, db, s, role):
    invited = member(db, s, 1, MembershipStatus.INVITED)  # entry 2: the leader's team
    invited.invited_at = s.cohort.created_at
    db.session.flush()
    sign_in(client, s.accounts, role)
    where = {
        "accelerator.candidates": candidates_url(s),
        "accelerator.manual_add": f"{base(s)}/candidates/manual?q=nhom",
        "accelerator.cohort_teams": f"{base(s)}/teams",
        "accelerator.roster": f"{base(s)}/roster",
        "accelerator.invitation": f"/accelerator/invitations/{invited.id}",
        "accelerator.my_cohorts": "/accelerator/mine",
    }
    wrong = {}
    for endpoint, answers in ACCESS.items():
        got = answer(client.get(where[endpoint]))
        if got != answers[role]:
            wrong[endpoint] = f"expected {answers[role]}, got {got}"
    assert wrong == {}


@pytest.mark.parametrize(
    "role", ["anonymous", "participant", "judge", "mentor", "leader", "other_organizer"]
)
def test_others_change_nothing(client, db, s, role):
    candidate = member(db, s, 0)
    selected = member(db, s, 3, MembershipStatus.SELECTED)
    sign_in(client, s.accounts, role)
    token = csrf_token(client, "/auth/login" if role == "anonymous" else "/auth/profile")
    before = snapshot()
    posts = {
        f"{base(s)}/candidates/add": {"round_entry_id": s.entries[1].id, "award_id": 0},
        f"{base(s)}/candidates/manual": {"team_id": s.entries[4].entry.team_id, "reason": "x"},
        f"{base(s)}/teams/select": {"ids": [candidate.id]},
        f"{base(s)}/teams/invite": {"ids": [selected.id]},
        f"{base(s)}/teams/{selected.id}/deselect": {},
        f"{base(s)}/teams/{candidate.id}/withdraw": {"reason": "x"},
    }
    for url, data in posts.items():
        response = client.post(url, data={"csrf_token": token, **data})
        assert answer(response) == refusal(role), url
    assert snapshot() == before


def test_only_the_leader_answers_and_sees_the_invitation(client, db, s, factory):
    invited = member(db, s, 1, MembershipStatus.INVITED)
    invited.invited_at = s.cohort.created_at
    team = invited.team
    teammate = factory.user("Lý Thị Thành Viên")
    team.members.append(TeamMember(user=teammate, full_name=teammate.full_name))
    db.session.flush()
    cw.sign_in_as(client, teammate)
    url = f"/accelerator/invitations/{invited.id}"
    before = snapshot()
    response = post_form(client, url, {"answer": "accept"}, form_page="/auth/profile")
    assert response.status_code == 404
    assert snapshot() == before
    # The member sees the cohort among theirs, without the answer link.
    html = client.get("/accelerator/mine").get_data(as_text=True)
    assert f'data-membership-id="{invited.id}" data-status="invited"' in html
    assert url not in html


def test_a_candidate_not_invited_yet_has_no_invitation_page(client, db, s):
    candidate = member(db, s, 1)
    sign_in(client, s.accounts, "leader")
    assert client.get(f"/accelerator/invitations/{candidate.id}").status_code == 404
    assert 'data-membership-id="' not in client.get("/accelerator/mine").get_data(as_text=True)


# --- candidates from published results --------------------------------------------------------


def test_award_winners_come_first_then_the_top_ranks_each_team_once(client, s):
    sign_in(client, s.accounts, "organizer")
    html = client.get(candidates_url(s)).get_data(as_text=True)
    found = PROPOSAL.findall(html)
    teams = [int(row[0]) for row in found]
    e = [round_entry.entry for round_entry in s.entries]
    # Entry 2 (first prize, ranked 2) and entry 3 (second prize) are not proposed again.
    assert teams == [e[1].team_id, e[2].team_id, e[0].team_id, e[3].team_id, e[4].team_id,
                     e[5].team_id]  # fmt: skip
    assert [row[1] for row in found] == ["award", "award", "rank", "rank", "rank", "rank"]
    assert found[0][3] == str(s.first_prize.id) and found[1][3] == str(s.second_prize.id)
    assert [row[4] for row in found] == ["2", "3", "1", "4", "5", "6"]
    assert "Giải Nhất" in html and "Trường THPT Số 2" in html and "Dự án số 2" in html
    assert "91,5" in html or "91.5" in html


def make_way(s: cw.Setting) -> None:
    """Codes are unique: the setting's competition steps aside for another built world."""
    s.world.competition.code = "ONE"
    for n, round_entry in enumerate(s.entries):
        round_entry.entry.code = f"ONE-{n}"


def test_top_n_limits_the_ranks_and_is_ten_by_default(client, db, s, factory):
    make_way(s)
    big = w.build(factory, entries=12, judges=1)
    cw.publish(big)
    sign_in(client, s.accounts, "organizer")
    html = client.get(candidates_url(s, big.competition.id)).get_data(as_text=True)
    assert [row[4] for row in PROPOSAL.findall(html)] == [str(n) for n in range(1, 11)]
    assert 'value="10"' in html
    html = client.get(candidates_url(s, big.competition.id, top=3)).get_data(as_text=True)
    assert [row[4] for row in PROPOSAL.findall(html)] == ["1", "2", "3"]


def test_candidates_come_from_several_competitions_and_only_published_ones(client, db, s, factory):
    make_way(s)
    second = w.build(factory, entries=2, judges=1)
    cw.publish(second)
    draft = factory.competition(title="Cuộc thi chưa công bố", code="DRAFT")
    draft.status = CompetitionStatus.JUDGING
    db.session.flush()
    sign_in(client, s.accounts, "organizer")
    page = client.get(f"{base(s)}/candidates").get_data(as_text=True)
    assert "Cuộc thi chưa công bố" not in page  # not offered
    html = client.get(
        candidates_url(s, s.world.competition.id, second.competition.id, draft.id)
    ).get_data(as_text=True)
    teams = {int(row[0]) for row in PROPOSAL.findall(html)}
    assert teams == {re.entry.team_id for re in s.entries + second.entries}
    # Results withdrawn from view (the competition is judging again): no candidates from it.
    second.competition.status = CompetitionStatus.JUDGING
    db.session.flush()
    assert len(proposals(s.cohort.id, [second.competition.id], 10)) == 0


def test_the_last_published_round_gives_the_ranks(db, s):
    final = s.world.competition.rounds[1]
    finalist = RoundEntry(round=final, entry=s.entries[5].entry, published_rank=1)
    db.session.add_all([finalist, RoundJudging(round=final)])
    db.session.flush()
    # The final is not published yet: the first round's ranks are read.
    assert [p.rank for p in proposals(s.cohort.id, [s.world.competition.id], 10)][2:] == [
        1,
        4,
        5,
        6,
    ]
    db.session.get(RoundJudging, final.id).results_published_at = s.cohort.created_at
    db.session.flush()
    ranked = [p for p in proposals(s.cohort.id, [s.world.competition.id], 10) if p.source == "rank"]
    assert [(p.team_id, p.rank, p.round_name) for p in ranked] == [
        (s.entries[5].entry.team_id, 1, "Vòng chung kết")
    ]


def test_adding_an_award_winner_and_a_ranked_entry_records_why(client, db, s):
    sign_in(client, s.accounts, "organizer")
    winner, ranked = s.entries[1], s.entries[0]
    response = add_result(client, s, winner.id, s.first_prize.id)
    assert response.status_code == 302
    assert "competition=" in response.headers["Location"]
    add_result(client, s, ranked.id)
    memberships = db.session.scalars(
        select(CohortTeam).where(CohortTeam.cohort_id == s.cohort.id).order_by(CohortTeam.id)
    ).all()
    title = s.world.competition.title
    assert [(m.team_id, m.entry_id, m.source, m.reason, m.status) for m in memberships] == [
        (winner.entry.team_id, winner.entry_id, "award", f"Giải Nhất — {title}", "candidate"),
        (ranked.entry.team_id, ranked.entry_id, "rank", f"Hạng 1 — Vòng sơ khảo — {title}",
         "candidate"),
    ]  # fmt: skip
    assert memberships[0].sector.code == "agriculture"  # the entry's sector comes along
    assert memberships[0].added_by_id == s.organizer.id
    assert actions(db) == ["cohort.team_add", "cohort.team_add"]
    html = client.get(candidates_url(s)).get_data(as_text=True)
    marked = {int(row[0]): row[5] for row in PROPOSAL.findall(html)}
    assert marked[winner.entry.team_id] == "candidate"
    assert html.count("Add as candidate") == 4


@pytest.mark.parametrize("forgery", ["award of another entry", "unpublished round", "no entry"])
def test_a_forged_proposal_is_refused(client, db, s, forgery):
    sign_in(client, s.accounts, "organizer")
    if forgery == "award of another entry":
        round_entry_id, award_id, expected = s.entries[0].id, s.first_prize.id, "did not receive"
    elif forgery == "no entry":
        round_entry_id, award_id, expected = 999999, 0, "not published"
    else:
        s.world.settings.results_published_at = None
        db.session.flush()
        round_entry_id, award_id, expected = s.entries[0].id, 0, "not published"
    before = snapshot()
    response = add_result(client, s, round_entry_id, award_id)
    assert response.status_code == 302
    assert snapshot() == before
    assert any(
        expected in text
        for _, text in flashes(client.get(candidates_url(s)).get_data(as_text=True))
    )


# --- a team selected twice ----------------------------------------------------------------------


def test_a_team_added_twice_from_two_tabs_is_told_and_stays_once(client, db, s):
    sign_in(client, s.accounts, "organizer")
    page = candidates_url(s)
    token = csrf_token(client, page)
    data = {"csrf_token": token, "round_entry_id": s.entries[1].id, "award_id": s.first_prize.id}
    assert client.post(f"{base(s)}/candidates/add", data=data).status_code == 302
    before = snapshot()
    # The second tab still shows the button; it posts the same proposal, then the rank.
    assert client.post(f"{base(s)}/candidates/add", data=data).status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert (
        "danger",
        "This team is already in this cohort: a team is proposed and selected only once.",
    ) in flashes(html)
    data["award_id"] = 0
    client.post(f"{base(s)}/candidates/add", data=data)
    assert snapshot() == before
    assert rows(db, s) == [(s.entries[1].entry.team_id, "candidate")]


def test_a_team_added_by_hand_when_already_in_is_told(client, db, s):
    member(db, s, 1, MembershipStatus.ACCEPTED)
    sign_in(client, s.accounts, "organizer")
    before = snapshot()
    response = post_form(
        client,
        f"{base(s)}/candidates/manual",
        {"team_id": s.entries[1].entry.team_id, "reason": "Đội mạnh"},
    )
    assert response.status_code == 200
    assert "This team is already in this cohort" in response.get_data(as_text=True)
    assert snapshot() == before


def test_two_requests_racing_meet_the_unique_key_and_get_a_message(db, s, monkeypatch):
    """The check before the insert passed for both; the database's key decides."""
    member(db, s, 1)
    monkeypatch.setattr(services, "membership_of", lambda cohort, team_id: None)
    before = snapshot()
    with pytest.raises(services.CohortError) as refused:
        services.add_from_results(s.cohort, s.entries[1].id, None, actor=s.organizer)
    assert refused.value.reasons == ["already_in_cohort"]
    assert snapshot() == before  # the savepoint took the failed insert back, nothing else


# --- added by hand --------------------------------------------------------------------------


def test_teams_are_found_without_accents_and_added_with_a_reason(client, db, s, factory):
    hat_mam = factory.team(
        name="Nhóm Hạt Mầm Xanh", unit=factory.unit(name="Trường Đại học Đà Nẵng")
    )
    sign_in(client, s.accounts, "organizer")
    url = f"{base(s)}/candidates/manual"
    html = client.get(f"{url}?q=HAT+MAM").get_data(as_text=True)
    assert f'data-team-id="{hat_mam.id}"' in html and "Trường Đại học Đà Nẵng" in html
    assert "Nhóm 1" not in html
    response = post_form(
        client,
        url,
        {"team_id": hat_mam.id, "reason": "  Sản phẩm đã có khách hàng  "},
        form_page=f"{url}?q=hat",
    )
    assert response.status_code == 302
    row = db.session.scalar(select(CohortTeam).where(CohortTeam.team_id == hat_mam.id))
    assert (row.source, row.reason, row.entry_id, row.status) == (
        "manual",
        "Sản phẩm đã có khách hàng",
        None,
        "candidate",
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cohort.team_add"))
    assert event.new["reason"] == "Sản phẩm đã có khách hàng"
    html = client.get(f"{url}?q=hat mam").get_data(as_text=True)
    assert "In this cohort: Candidate" in html


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_team_by_hand_needs_a_reason(client, s, factory, reason):
    team = factory.team(name="Nhóm Không Lý Do")
    sign_in(client, s.accounts, "organizer")
    before = snapshot()
    response = post_form(
        client, f"{base(s)}/candidates/manual", {"team_id": team.id, "reason": reason}
    )
    assert response.status_code == 200
    assert "Say why this team is added." in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_search_with_sql_is_just_text(client, s):
    sign_in(client, s.accounts, "organizer")
    response = client.get(f"{base(s)}/candidates/manual?q=%27+OR+1%3D1+--")
    assert response.status_code == 200
    assert "No team has this name." in response.get_data(as_text=True)


# --- selection, capacity, invitations ----------------------------------------------------------


def test_selecting_beyond_capacity_is_refused_naming_the_capacity(client, db, s):
    first, second, third, fourth = (member(db, s, n) for n in range(4))
    sign_in(client, s.accounts, "organizer")
    assert post_ids(client, s, "select", [first.id, second.id]).status_code == 302
    assert [m[2] for m in MEMBERSHIP.findall(teams_page(client, s))].count("selected") == 2
    before = snapshot()
    post_ids(client, s, "select", [third.id, fourth.id])
    html = teams_page(client, s)
    assert (
        "danger",
        "The cohort takes 3 teams and 2 places are already held (selected, invited or accepted):"
        " at most 1 more can be selected. Nothing was changed.",
    ) in flashes(html)
    assert snapshot() == before
    assert post_ids(client, s, "select", [third.id]).status_code == 302
    db.session.refresh(third)
    assert third.status == "selected" and third.decided_by_id == s.organizer.id
    assert actions(db) == ["cohort.team_select"] * 3


def test_invited_and_accepted_teams_hold_places_declined_and_withdrawn_do_not(client, db, s):
    member(db, s, 0, MembershipStatus.INVITED)
    member(db, s, 1, MembershipStatus.ACCEPTED)
    member(db, s, 2, MembershipStatus.DECLINED)
    member(db, s, 3, MembershipStatus.WITHDRAWN)
    one, two = member(db, s, 4), member(db, s, 5)
    sign_in(client, s.accounts, "organizer")
    post_ids(client, s, "select", [one.id])
    before = snapshot()
    post_ids(client, s, "select", [two.id])
    assert "The cohort takes 3 teams and 3 places are already held" in teams_page(client, s)
    assert snapshot() == before


def test_a_stale_or_empty_selection_changes_nothing(client, db, s):
    selected = member(db, s, 0, MembershipStatus.SELECTED)
    candidate = member(db, s, 1)
    sign_in(client, s.accounts, "organizer")
    before = snapshot()
    expected = {
        (candidate.id, selected.id): "Only candidates can be selected, and one of these teams no "
        "longer is one (the page was out of date). Nothing was changed.",
        (): "Tick at least one team.",
        (999999,): "One of these teams is not in this cohort: reload the page.",
    }
    for ids, text in expected.items():
        post_ids(client, s, "select", list(ids))
        assert ("danger", text) in flashes(teams_page(client, s))
    assert snapshot() == before


def test_invitation_email_then_the_leader_accepts_once(client, db, s, mailbox):
    selected = member(db, s, 1, MembershipStatus.SELECTED)
    leader = s.accounts["leader"]
    sign_in(client, s.accounts, "organizer")
    assert post_ids(client, s, "invite", [selected.id]).status_code == 302
    db.session.refresh(selected)
    assert selected.status == "invited" and selected.invited_at is not None
    message = mailbox.last_to(leader.email)
    assert s.cohort.name in message["Subject"]
    assert "01/03/2026" in mailbox.text(message)
    link = mailbox.link_to(leader.email, "/accelerator/invitations/")
    assert link == f"/accelerator/invitations/{selected.id}"

    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/auth/profile")})
    sign_in(client, s.accounts, "leader")
    html = client.get(link).get_data(as_text=True)
    assert 'data-status="invited"' in html and "Tập huấn" not in html
    response = post_form(client, link, {"answer": "accept", "note": "Cả nhóm rất vui!"})
    assert response.status_code == 302
    db.session.refresh(selected)
    assert (selected.status, selected.response_note) == ("accepted", "Cả nhóm rất vui!")
    assert selected.responded_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cohort.team_accept"))
    assert event.actor_id == leader.id and event.new["note"] == "Cả nhóm rất vui!"

    before = snapshot()
    token = csrf_token(client, "/auth/profile")
    client.post(link, data={"csrf_token": token, "answer": "decline", "note": "Đổi ý"})
    assert snapshot() == before
    html = client.get(link).get_data(as_text=True)
    assert ("danger", "Your team has already answered this invitation. To change the answer, "
            "contact the organizers.") in flashes(html)  # fmt: skip
    assert 'data-status="accepted"' in client.get("/accelerator/mine").get_data(as_text=True)


def test_the_leader_may_decline_and_the_place_is_freed(client, db, s):
    invited = member(db, s, 1, MembershipStatus.INVITED)
    invited.invited_at = s.cohort.created_at
    db.session.flush()
    sign_in(client, s.accounts, "leader")
    url = f"/accelerator/invitations/{invited.id}"
    before = snapshot()
    response = post_form(client, url, {"note": "Chưa chọn"})
    assert "Choose whether your team accepts." in response.get_data(as_text=True)
    assert snapshot() == before
    post_form(client, url, {"answer": "decline"})
    db.session.refresh(invited)
    assert invited.status == "declined"
    assert places_held(s.cohort) == 0
    assert actions(db) == ["cohort.team_decline"]


def test_only_selected_teams_are_invited(client, db, s, mailbox):
    candidate = member(db, s, 0)
    sign_in(client, s.accounts, "organizer")
    before = snapshot()
    post_ids(client, s, "invite", [candidate.id])
    assert snapshot() == before
    assert len(mailbox) == 0


def test_deselect_and_withdraw_are_audited(client, db, s):
    selected = member(db, s, 0, MembershipStatus.SELECTED)
    accepted = member(db, s, 1, MembershipStatus.ACCEPTED)
    sign_in(client, s.accounts, "organizer")
    post_form(client, f"{base(s)}/teams/{selected.id}/deselect", {}, form_page=f"{base(s)}/teams")
    post_form(
        client,
        f"{base(s)}/teams/{accepted.id}/withdraw",
        {"reason": "Nhóm giải thể"},
        form_page=f"{base(s)}/teams",
    )
    assert rows(db, s) == [
        (s.entries[0].entry.team_id, "candidate"),
        (s.entries[1].entry.team_id, "withdrawn"),
    ]
    assert actions(db) == ["cohort.team_deselect", "cohort.team_withdraw"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cohort.team_withdraw"))
    assert event.old["status"] == "accepted" and event.new["why"] == "Nhóm giải thể"
    before = snapshot()
    post_form(client, f"{base(s)}/teams/{accepted.id}/withdraw", {}, form_page=f"{base(s)}/teams")
    assert "This team has already left or declined." in teams_page(client, s)
    assert snapshot() == before


def test_a_membership_of_another_cohort_cannot_be_moved_from_this_one(client, db, s):
    other = cw.cohort(s.world.owner, name="Khóa khác")
    elsewhere = CohortTeam(cohort=other, team=s.entries[0].entry.team)
    db.session.add(elsewhere)
    db.session.flush()
    sign_in(client, s.accounts, "organizer")
    before = snapshot()
    post_ids(client, s, "select", [elsewhere.id])
    post_form(client, f"{base(s)}/teams/{elsewhere.id}/withdraw", {}, form_page=f"{base(s)}/teams")
    assert snapshot() == before


# --- the roster -------------------------------------------------------------------------------


def test_the_roster_lists_accepted_teams_with_members_unit_sector_and_entry(client, db, s, factory):
    accepted = member(db, s, 1, MembershipStatus.ACCEPTED)
    member(db, s, 0, MembershipStatus.INVITED)
    accepted.team.members[0].phone = "0905123456"
    db.session.flush()
    sign_in(client, s.accounts, "organizer")
    html = client.get(f"{base(s)}/roster").get_data(as_text=True)
    assert re.findall(r'class="roster-team" data-team-id="(\d+)"', html) == [str(accepted.team_id)]
    assert "Trường THPT Số 2" in html and "Agriculture" in html and "Dự án số 2" in html
    assert accepted.team.leader.full_name in html and "0905123456" in html
    assert "Nhóm 1" not in html


def test_the_roster_takes_the_same_number_of_queries_for_one_team_or_five(
    client, db, s, count_queries
):
    counts = []
    for n in (1, 5):
        for index in range(n):
            if index < len(rows(db, s)):
                continue
            member(db, s, index, MembershipStatus.ACCEPTED)
        if n == 1:
            sign_in(client, s.accounts, "organizer")
            client.get(f"{base(s)}/roster")  # the first page after signing in does more
        url = f"{base(s)}/roster"
        with count_queries() as counted:
            assert client.get(url).status_code == 200
        counts.append(counted.n)
    assert counts[0] == counts[1]


@pytest.mark.parametrize("top", ["0", "mười", "1000"])
def test_a_bad_top_n_says_so_and_keeps_ten(client, s, top):
    sign_in(client, s.accounts, "organizer")
    html = client.get(
        f"{base(s)}/candidates?competition={s.world.competition.id}&competition=abc&top={top}"
    ).get_data(as_text=True)
    assert "Between 1 and 100." in html or "Enter a whole number." in html
    assert len(PROPOSAL.findall(html)) == 6


# --- parallel posts on real connections --------------------------------------------------------


@pytest.fixture()
def separate_app(smtp_server, tmp_path):  # noqa: ANN001, ANN201
    """An app on a database of its own whose rows are committed for real, so that requests in
    threads meet on real connections (PostgreSQL when TEST_DATABASE_URL is set)."""
    with separate_database_app(smtp_server.port, tmp_path) as separate:
        yield separate


def test_eight_tabs_adding_the_same_team_at_once_make_one_row_and_no_error(separate_app):
    import threading

    from app.db import db as database
    from tests.factories import Factory
    from tests.helpers import login

    with separate_app.app_context():
        setting = cw.build(Factory())
        cohort_id, team_id = setting.cohort.id, setting.entries[1].entry.team_id
        round_entry_id, award_id = setting.entries[1].id, setting.first_prize.id
        email = setting.organizer.email
        database.session.commit()
        database.session.remove()

    first = separate_app.test_client()
    assert login(first, email).status_code == 302
    url = f"/accelerator/cohorts/{cohort_id}/candidates/add"
    token = csrf_token(first, f"/accelerator/cohorts/{cohort_id}/candidates/manual")
    data = {"csrf_token": token, "round_entry_id": round_entry_id, "award_id": award_id}
    cookie = first.get_cookie("sprout_session")
    clients = []
    for _ in range(8):
        other = separate_app.test_client()
        other.set_cookie("sprout_session", cookie.value)
        clients.append(other)
    barrier = threading.Barrier(len(clients))
    answers: list[int | str] = []

    def post(browser) -> None:  # noqa: ANN001
        try:
            barrier.wait(timeout=30)
            answers.append(browser.post(url, data=data).status_code)
        except Exception as error:  # noqa: BLE001  (reported below, not swallowed)
            answers.append(repr(error))

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert answers == [302] * 8

    with separate_app.app_context():
        memberships = database.session.scalars(
            select(CohortTeam).where(CohortTeam.cohort_id == cohort_id)
        ).all()
        assert [(m.team_id, m.source) for m in memberships] == [(team_id, "award")]
        added = database.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "cohort.team_add")
        ).all()
        assert added == ["cohort.team_add"]
        database.session.remove()


def test_the_candidates_page_takes_the_same_number_of_queries_at_6_and_16_entries(
    client, s, factory, count_queries
):
    make_way(s)
    big = w.build(factory, entries=16, judges=1)
    cw.publish(big)
    cw.award(big, "Giải Nhất", "first", 1, big.entries[3])
    cw.award(big, "Giải Ba", "third", 3, big.entries[5], big.entries[7])
    sign_in(client, s.accounts, "organizer")
    counts, proposed = [], []
    for competition in (s.world.competition, big.competition):
        url = candidates_url(s, competition.id, top=20)
        client.get(url)
        with count_queries() as counted:
            html = client.get(url).get_data(as_text=True)
        counts.append(counted.n)
        proposed.append(len(PROPOSAL.findall(html)))
    assert proposed == [6, 16]
    assert counts[0] == counts[1]


def test_the_pages_read_in_vietnamese_with_day_first_dates(client, db, s):
    invited = member(db, s, 1, MembershipStatus.INVITED)
    invited.invited_at = s.cohort.created_at
    member(db, s, 0, MembershipStatus.ACCEPTED)
    cw.sign_in_as(client, s.organizer, locale="vi")
    for url in (
        base(s),
        candidates_url(s),
        f"{base(s)}/candidates/manual?q=nhom",
        f"{base(s)}/teams",
        f"{base(s)}/roster",
        f"{base(s)}/edit",
    ):
        html = client.get(url).get_data(as_text=True)
        assert '<html lang="vi">' in html, url
    assert "01/03/2026" in client.get(f"{base(s)}/edit").get_data(as_text=True)
    assert "Giải Nhất" in client.get(candidates_url(s)).get_data(as_text=True)
