"""A cohort team's needs: its leader, its members and the cohort's organizers state what the
team needs, its sector, up to three preferred mentors and a note; anyone else is refused;
bad input changes nothing; the organizers' list of every chosen team's needs."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from accelerator.cohorts.errors import CohortError
from accelerator.experts import services
from accelerator.models import CohortTeam, MembershipStatus
from app.audit import AuditEvent
from app.db import db as database
from app.people.models import Role, User
from competitions.models import TeamMember
from tests.accelerator import cohorts_world as cw
from tests.accelerator import experts_world as ew
from tests.accelerator.cohorts_world import ORGANIZERS_ONLY, ROLES, sign_in, snapshot
from tests.helpers import post_form
from tests.judging.roles import LOGIN, assert_access, sign_in_as

# fmt: off
#           anonymous participant judge mentor leader organizer other_organizer admin
THE_TEAM = dict(zip(ROLES, (LOGIN, 404, 404, 404, 200, 200, 404, 200), strict=True))
ACCESS: dict[str, dict[str, int | str]] = {
    "accelerator.cohort_needs": ORGANIZERS_ONLY,
    "accelerator.team_needs": THE_TEAM,
}
POST_ENDPOINTS: set[str] = set()
# fmt: on

NEEDS_ROW = re.compile(r'class="team-needs" data-membership-id="(\d+)" data-needs="([\w,]*)"')


@pytest.fixture()
def s(db, factory) -> cw.Setting:  # noqa: ARG001
    return cw.build(factory)


@pytest.fixture()
def membership(s) -> CohortTeam:
    """The first-prize team (its leader is the "leader" account), accepted in the cohort."""
    return ew.chosen(s, 1)


@pytest.fixture()
def mentors(factory) -> list[User]:
    return [
        ew.expert(factory, name, organisation="Công ty Luật TNHH Minh Tín")
        for name in ("Nguyễn Văn Bình", "Trần Thị Ánh", "Lê Văn Bảo", "Phạm Thị Dung")
    ]


def url(membership: CohortTeam) -> str:
    return f"/accelerator/cohorts/{membership.cohort_id}/teams/{membership.id}/needs"


def needs_form(mentors: list[User], **changes: object) -> dict:
    data = {
        "needs": [ew.tag("finance").id, ew.tag("marketing").id],
        "sector": ew.sector("agriculture").id,
        "preferred_mentors": [mentors[1].id, mentors[0].id],
        "note": "Cần gọi vốn vòng hạt giống và đăng ký nhãn hiệu.",
    }
    data.update(changes)
    return data


def needs_audit() -> list[int | None]:
    return list(
        database.session.scalars(
            select(AuditEvent.actor_id)
            .where(AuditEvent.action == "cohort.team_needs")
            .order_by(AuditEvent.id)
        )
    )


def team_member(factory, membership: CohortTeam) -> User:  # noqa: ANN001
    person = factory.user("Bùi Thị Thành Viên", roles=(Role.PARTICIPANT,))
    membership.team.members.append(TeamMember(user=person, full_name=person.full_name))
    database.session.flush()
    return person


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_access(client, s, membership, role):
    urls = {
        "accelerator.cohort_needs": f"/accelerator/cohorts/{s.cohort.id}/needs",
        "accelerator.team_needs": url(membership),
    }
    assert_access(client, s.accounts, role, urls, ACCESS)


@pytest.mark.parametrize(
    ("status", "answer"),
    [
        (MembershipStatus.SELECTED, 200),
        (MembershipStatus.INVITED, 200),
        (MembershipStatus.ACCEPTED, 200),
        (MembershipStatus.CANDIDATE, 404),
        (MembershipStatus.DECLINED, 404),
        (MembershipStatus.WITHDRAWN, 404),
    ],
)
def test_needs_are_stated_once_the_team_is_chosen(client, s, status, answer):
    membership = ew.chosen(s, 1, status)
    for role in ("leader", "organizer"):
        sign_in(client, s.accounts, role)
        assert client.get(url(membership)).status_code == answer
        ew.sign_out(client)


def test_a_team_of_another_cohort_is_not_found_under_this_one(client, s, membership):
    sign_in(client, s.accounts, "organizer")
    other = cw.cohort(s.world.owner, name="Chương trình tăng tốc 2027")
    path = f"/accelerator/cohorts/{other.id}/teams/{membership.id}/needs"
    assert client.get(path).status_code == 404


# --- editing --------------------------------------------------------------------------------


def test_the_leader_states_the_teams_needs(client, s, membership, mentors):
    sign_in(client, s.accounts, "leader")
    response = post_form(client, url(membership), needs_form(mentors))
    assert response.status_code == 302
    assert [tag.code for tag in membership.needs] == ["finance", "marketing"]
    assert membership.sector.code == "agriculture"
    assert {u.id for u in membership.preferred_mentors} == {mentors[1].id, mentors[0].id}
    assert membership.needs_note.startswith("Cần gọi vốn")
    assert needs_audit() == [s.accounts["leader"].id]
    html = client.get(url(membership)).get_data(as_text=True)
    assert "The team&#39;s needs are saved." in html or "The team's needs are saved." in html
    assert re.search(rf'<option selected value="{mentors[1].id}">Trần Thị Ánh — ', html)

    # Saving the same again writes no audit row; emptying everything is allowed.
    post_form(client, url(membership), needs_form(mentors))
    response = post_form(
        client, url(membership), {"needs": [], "sector": 0, "preferred_mentors": [], "note": ""}
    )
    assert response.status_code == 302
    assert membership.needs == [] and membership.sector is None
    assert membership.preferred_mentors == [] and membership.needs_note == ""
    assert needs_audit() == [s.accounts["leader"].id] * 2


def test_a_member_edits_too(client, s, factory, membership, mentors):
    person = team_member(factory, membership)
    sign_in_as(client, person)
    response = post_form(client, url(membership), needs_form(mentors, needs=[ew.tag("legal").id]))
    assert response.status_code == 302
    assert [tag.code for tag in membership.needs] == ["legal"]
    assert needs_audit() == [person.id]


@pytest.mark.parametrize("role", ["organizer", "admin"])
def test_organizers_edit_while_preparing_the_cohort(client, s, mentors, role):
    membership = ew.chosen(s, 2, MembershipStatus.SELECTED)
    sign_in(client, s.accounts, role)
    response = post_form(client, url(membership), needs_form(mentors, note="Do BTC ghi."))
    assert response.status_code == 302
    assert membership.needs_note == "Do BTC ghi."
    assert needs_audit() == [s.accounts[role].id]


@pytest.mark.parametrize("role", ["other_team", "mentor", "judge", "other_organizer", "advisor"])
def test_others_are_refused_and_nothing_changes(client, s, factory, membership, mentors, role):
    people = dict(s.accounts)
    people["other_team"] = s.entries[2].entry.team.leader
    people["advisor"] = factory.user("Ngô Văn Cố Vấn Trường", roles=(Role.PARTICIPANT,))
    membership.team.advisor = people["advisor"]
    ew.chosen(s, 2)  # the other team is in the cohort too
    data = needs_form(mentors)
    sign_in(client, people, role)
    before = snapshot()
    # A valid token from a page of their own: the refusal is the rule, not the token.
    response = post_form(client, url(membership), data, form_page="/auth/profile")
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ("four_mentors", "Choose at most 3 mentors."),
        ("a_judge", "Choose among the mentors of the list: one of these is not a mentor."),
        ("no_such_mentor", "Choose among the mentors of the list: one of these is not a mentor."),
        ({"needs": ["999999"]}, "One of these fields does not exist: reload the page."),
        ({"needs": ["tài chính"]}, "One of these fields does not exist: reload the page."),
        ({"sector": "999999"}, "One of these sectors does not exist: reload the page."),
        ({"note": "x" * (services.MAX_NEEDS_NOTE_LENGTH + 1)}, "At most 2000 characters."),
    ],
)
def test_bad_needs_are_refused_and_change_nothing(client, s, membership, mentors, changes, message):
    sign_in(client, s.accounts, "leader")
    post_form(client, url(membership), needs_form(mentors))  # what must stay
    if changes == "four_mentors":
        changes = {"preferred_mentors": [m.id for m in mentors]}
    elif changes == "a_judge":
        changes = {"preferred_mentors": [mentors[0].id, s.accounts["judge"].id]}
    elif changes == "no_such_mentor":
        changes = {"preferred_mentors": ["999999"]}
    data = needs_form(mentors, **changes)
    before = snapshot()
    response = post_form(client, url(membership), data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert snapshot() == before


def test_the_service_refuses_a_closed_membership_and_a_stranger(s, membership, mentors):
    data = services.NeedsData(tag_ids=[ew.tag("finance").id])
    with pytest.raises(CohortError) as refused:
        services.update_needs(membership, data, actor=s.accounts["mentor"])
    assert refused.value.reasons == ["not_allowed"]
    membership.status = MembershipStatus.WITHDRAWN
    with pytest.raises(CohortError) as refused:
        services.update_needs(membership, data, actor=s.accounts["organizer"])
    assert refused.value.reasons == ["needs_closed"]
    assert membership.needs == []


def test_only_mentors_are_offered_as_preferred(client, s, membership, mentors):
    sign_in(client, s.accounts, "leader")
    html = client.get(url(membership)).get_data(as_text=True)
    select_box = re.search(r'<select[^>]*name="preferred_mentors".*?</select>', html, re.S)
    offered = {int(i) for i in re.findall(r'value="(\d+)"', select_box.group(0))}
    assert {m.id for m in mentors} | {s.accounts["mentor"].id} <= offered
    assert s.accounts["judge"].id not in offered


# --- the organizers' list -------------------------------------------------------------------


def test_the_organizers_list_shows_every_chosen_teams_needs(client, s, membership, mentors):
    membership.needs = [ew.tag("finance"), ew.tag("export")]
    membership.preferred_mentors = [mentors[0]]
    invited = ew.chosen(s, 2, MembershipStatus.INVITED)
    ew.chosen(s, 3, MembershipStatus.CANDIDATE)
    ew.chosen(s, 4, MembershipStatus.WITHDRAWN)
    database.session.flush()
    sign_in(client, s.accounts, "organizer")
    overview = client.get(f"/accelerator/cohorts/{s.cohort.id}").get_data(as_text=True)
    assert f"/accelerator/cohorts/{s.cohort.id}/needs" in overview
    html = client.get(f"/accelerator/cohorts/{s.cohort.id}/needs").get_data(as_text=True)
    rows = dict(NEEDS_ROW.findall(html))
    assert rows == {str(membership.id): "export,finance", str(invited.id): ""}
    assert "Nguyễn Văn Bình" in html and url(membership) in html


def test_the_list_takes_as_many_queries_for_five_teams_as_for_one(
    client, s, mentors, count_queries
):
    page = f"/accelerator/cohorts/{s.cohort.id}/needs"
    counts: list[int] = []
    made = 0
    for n in (1, 5):
        for index in range(made, n):
            row = ew.chosen(s, index)
            row.needs = [ew.tag("finance"), ew.tag("legal")]
            row.preferred_mentors = mentors[:2]
        made = n
        database.session.flush()
        if not counts:
            sign_in(client, s.accounts, "organizer")
            client.get(page)
        with count_queries() as counted:
            assert client.get(page).status_code == 200
        counts.append(counted.n)
    assert counts[0] == counts[1]
