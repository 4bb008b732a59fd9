"""The local expert panel: the directory (diacritic-insensitive search by name and
organisation, filters by expertise, sector and role, Vietnamese name order, pages of 50, a
fixed number of queries), who sees contact details, the profile page, and editing a profile
by the expert or an organizer — bad input refused with nothing changed."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from accelerator.cohorts.errors import CohortError
from accelerator.experts import services
from accelerator.models import ExpertProfile, MatchStatus
from app.audit import AuditEvent
from app.db import db as database
from app.db import utcnow
from app.people.models import Role, User
from app.vietnamese import name_sort_key
from tests.accelerator import cohorts_world as cw
from tests.accelerator import experts_world as ew
from tests.accelerator.cohorts_world import ROLES, sign_in, snapshot
from tests.helpers import post_form
from tests.judging.roles import LOGIN, assert_access, sign_in_as

# fmt: off
#         anonymous participant judge mentor leader organizer other_organizer admin
PANEL = dict(zip(ROLES, (LOGIN, 403, 200, 200, 403, 200, 200, 200), strict=True))
# The judge's own profile: the judge, and every organizer and administrator.
OWN_OR_ORGANIZER = dict(zip(ROLES, (LOGIN, 403, 200, 403, 403, 200, 200, 200), strict=True))
ACCESS: dict[str, dict[str, int | str]] = {
    "accelerator.expert_directory": PANEL,
    "accelerator.expert_profile": PANEL,
    "accelerator.expert_edit": OWN_OR_ORGANIZER,
}
POST_ENDPOINTS: set[str] = set()
# fmt: on

EXPERT = re.compile(r'class="expert" data-user-id="(\d+)"')
DIRECTORY = "/accelerator/experts/"


@pytest.fixture()
def s(db, factory) -> cw.Setting:  # noqa: ARG001
    return cw.build(factory)


def listed(client, query: str = "") -> list[int]:  # noqa: ANN001
    response = client.get(DIRECTORY + query)
    assert response.status_code == 200
    return [int(i) for i in EXPERT.findall(response.get_data(as_text=True))]


def edit_url(user: User) -> str:
    return f"/accelerator/experts/{user.id}/edit"


def profile_form(**changes: object) -> dict:
    data = {
        "title": "Phó Giám đốc",
        "organisation": "Công ty Luật TNHH Minh Tín",
        "phone": "0905 123 456",
        "bio": "Mười năm tư vấn pháp lý cho doanh nghiệp nhỏ.",
        "mentoring_capacity": "3",
        "availability": "Tối thứ Năm",
        "expertise": [ew.tag("legal").id, ew.tag("finance").id],
        "sectors": [ew.sector("agriculture").id],
    }
    data.update(changes)
    return data


def audit_actions(prefix: str = "expert.") -> list[tuple[str, int | None]]:
    return list(
        database.session.execute(
            select(AuditEvent.action, AuditEvent.actor_id)
            .where(AuditEvent.action.like(f"{prefix}%"))
            .order_by(AuditEvent.id)
        ).all()
    )


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_access(client, s, role):
    judge = s.accounts["judge"]
    urls = {
        "accelerator.expert_directory": DIRECTORY,
        "accelerator.expert_profile": f"/accelerator/experts/{judge.id}",
        "accelerator.expert_edit": edit_url(judge),
    }
    assert_access(client, s.accounts, role, urls, ACCESS)


def test_only_panel_members_have_a_profile_page(client, s, factory):
    sign_in(client, s.accounts, "organizer")
    disabled = ew.expert(factory, "Trương Văn Nghỉ")
    disabled.disabled_at = utcnow()
    database.session.flush()
    for user in (s.accounts["participant"], s.accounts["leader"], disabled):
        assert client.get(f"/accelerator/experts/{user.id}").status_code == 404
        assert client.get(edit_url(user)).status_code == 404
    assert client.get("/accelerator/experts/999999").status_code == 404


# --- the directory --------------------------------------------------------------------------


def test_search_ignores_accents_and_case_by_name_and_organisation(client, s, factory):
    binh = ew.expert(factory, "Nguyễn Văn Bình", organisation="Công ty Luật TNHH Minh Tín")
    cuong = ew.expert(factory, "NGUYỄN VĂN CƯỜNG", roles=(Role.JUDGE,))
    hoa = ew.expert(factory, "Trần Thị Hoa", organisation="Hợp tác xã Rau hữu cơ Trà Quế")
    school = factory.unit(name="Trường Đại học Quảng Nam")
    # Without an organisation of their own, the unit is what the directory shows and searches.
    from_unit = ew.expert(factory, "Lê Thị Mai", unit=school)
    elsewhere = ew.expert(factory, "Phan Văn Tú", organisation="Sở Công Thương", unit=school)
    sign_in(client, s.accounts, "organizer")

    assert set(listed(client, "?q=nguyen+van")) == {binh.id, cuong.id}
    assert listed(client, "?q=  NGUYEN   van  ") == listed(client, "?q=nguyen+van")
    assert listed(client, "?q=minh+tin") == [binh.id]
    assert listed(client, "?q=tra que") == [hoa.id]
    assert listed(client, "?q=dai hoc quang nam") == [from_unit.id]
    assert listed(client, "?q=so cong thuong") == [elsewhere.id]
    # LIKE wildcards are searched for as themselves.
    assert listed(client, "?q=%25") == []
    assert listed(client, "?q=_") == []
    html = client.get(DIRECTORY + "?q=mai").get_data(as_text=True)
    assert "Trường Đại học Quảng Nam" in html


def test_filters_by_expertise_sector_and_role(client, s, factory):
    judge, mentor = s.accounts["judge"], s.accounts["mentor"]
    both = ew.expert(
        factory,
        "Võ Văn Cả Hai",
        roles=(Role.JUDGE, Role.MENTOR),
        organisation="",
        tags=("finance",),
        sectors=("agriculture",),
    )
    marketer = ew.expert(
        factory, "Huỳnh Thị Lan", organisation="", tags=("marketing",), sectors=("tourism",)
    )
    sign_in(client, s.accounts, "organizer")
    everyone = {judge.id, mentor.id, both.id, marketer.id}
    assert set(listed(client)) == everyone
    assert listed(client, f"?tag={ew.tag('finance').id}") == [both.id]
    assert listed(client, f"?sector={ew.sector('tourism').id}") == [marketer.id]
    assert set(listed(client, "?role=judge")) == {judge.id, both.id}
    assert set(listed(client, "?role=mentor")) == {mentor.id, both.id, marketer.id}
    assert listed(client, "?role=both") == [both.id]
    assert listed(client, f"?role=mentor&tag={ew.tag('marketing').id}&q=lan") == [marketer.id]
    # A filter that makes no sense in the address is no filter, not an error.
    assert set(listed(client, "?tag=abc&sector=-1&role=admin&page=x")) == everyone


def test_participants_organizers_and_disabled_experts_are_not_listed(client, s, factory):
    gone = ew.expert(factory, "Trương Văn Nghỉ")
    gone.disabled_at = utcnow()
    database.session.flush()
    sign_in(client, s.accounts, "admin")
    assert set(listed(client)) == {s.accounts["judge"].id, s.accounts["mentor"].id}


def test_experts_are_in_vietnamese_name_order(client, s, factory):
    names = ["Nguyễn Văn Bình", "Trần Thị Ánh", "Lê Văn Bảo", "Đặng Thị Dung", "Phạm Văn Anh"]
    for name in names:
        ew.expert(factory, name)
    sign_in(client, s.accounts, "organizer")
    users = {u.id: u.full_name for u in database.session.scalars(select(User))}
    shown = [users[i] for i in listed(client) if users[i] in names]
    assert shown == sorted(shown, key=name_sort_key)
    # Given names first: Anh, Ánh, Bảo, Bình…
    assert shown[:4] == ["Phạm Văn Anh", "Trần Thị Ánh", "Lê Văn Bảo", "Nguyễn Văn Bình"]


def test_the_directory_shows_fifty_a_page(client, s, factory):
    for n in range(50):
        ew.expert(factory, f"Chuyên Gia Số {n:02d}")
    sign_in(client, s.accounts, "organizer")
    first = listed(client)
    second = listed(client, "?page=2")
    assert len(first) == 50 and len(second) == 2  # 50 + the world's judge and mentor
    assert not set(first) & set(second)
    html = client.get(DIRECTORY + "?page=2").get_data(as_text=True)
    assert 'data-total="52"' in html and "2 / 2" in html
    assert listed(client, "?page=3") == []


def test_the_directory_takes_as_many_queries_for_40_experts_as_for_5(
    client, s, factory, count_queries
):
    membership = ew.chosen(s, 1)
    counts = []
    made = 0
    for wanted in (5, 40):
        while made < wanted:
            person = ew.expert(
                factory,
                f"Chuyên Gia {made:02d}",
                roles=(Role.MENTOR, Role.JUDGE) if made % 2 else (Role.MENTOR,),
                organisation="" if made % 3 else f"Công ty {made}",
                tags=("finance", "legal"),
                sectors=("agriculture", "tourism"),
                unit=s.world.owner,
            )
            if made % 4 == 0:
                ew.match(membership, person)
            made += 1
        if not counts:
            sign_in(client, s.accounts, "organizer")
            client.get(DIRECTORY)  # the first page after signing in does more
        with count_queries() as counted:
            assert client.get(DIRECTORY).status_code == 200
        counts.append(counted.n)
    assert counts[0] == counts[1]


def test_organizers_see_contacts_and_experts_see_fields_only(client, s, factory):
    ew.expert(factory, "Nguyễn Văn Bình", organisation="Công ty Luật TNHH Minh Tín")
    binh = database.session.scalar(select(User).where(User.full_name == "Nguyễn Văn Bình"))
    binh.phone = "0905123456"
    database.session.flush()
    sign_in(client, s.accounts, "organizer")
    html = client.get(DIRECTORY).get_data(as_text=True)
    assert binh.email in html and "0905123456" in html
    profile = client.get(f"/accelerator/experts/{binh.id}").get_data(as_text=True)
    assert binh.email in profile and "0905123456" in profile

    ew.sign_out(client)
    sign_in(client, s.accounts, "mentor")
    html = client.get(DIRECTORY).get_data(as_text=True)
    assert "Nguyễn Văn Bình" in html and "Công ty Luật TNHH Minh Tín" in html
    assert binh.email not in html and "0905123456" not in html
    profile = client.get(f"/accelerator/experts/{binh.id}").get_data(as_text=True)
    assert binh.email not in profile and "0905123456" not in profile
    assert 'id="edit-profile"' not in profile
    own = client.get(f"/accelerator/experts/{s.accounts['mentor'].id}").get_data(as_text=True)
    assert s.accounts["mentor"].email in own and 'id="edit-profile"' in own


def test_mentoring_counts_published_matches_across_cohorts(client, s, factory):
    mentor = ew.expert(factory, "Nguyễn Văn Bình", organisation="", capacity=3)
    first, second, third = ew.chosen(s, 1), ew.chosen(s, 2), ew.chosen(s, 3)
    other_cohort = cw.cohort(s.world.owner, name="Chương trình tăng tốc 2027")
    elsewhere = ew.chosen(s, 4)
    elsewhere.cohort = other_cohort
    database.session.flush()
    ew.match(first, mentor)
    ew.match(elsewhere, mentor)
    ew.match(second, mentor, MatchStatus.PROPOSED)
    ew.match(third, mentor, MatchStatus.RELEASED)
    sign_in(client, s.accounts, "organizer")
    html = client.get(DIRECTORY + "?q=binh").get_data(as_text=True)
    assert 'data-mentoring="2" data-capacity="3"' in html and "2 of 3 teams" in html
    profile = client.get(f"/accelerator/experts/{mentor.id}").get_data(as_text=True)
    teams = re.findall(r'class="mentored-team" data-team-id="(\d+)"', profile)
    assert sorted(int(t) for t in teams) == sorted([first.team_id, elsewhere.team_id])


# --- editing a profile ----------------------------------------------------------------------


def test_an_expert_fills_in_their_profile_which_is_created_on_first_save(client, s):
    judge = s.accounts["judge"]
    assert database.session.get(ExpertProfile, judge.id) is None
    sign_in(client, s.accounts, "judge")
    response = post_form(client, edit_url(judge), profile_form())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/accelerator/experts/{judge.id}")
    profile = database.session.get(ExpertProfile, judge.id)
    assert profile.organisation == "Công ty Luật TNHH Minh Tín"
    assert profile.organisation_folded == "cong ty luat tnhh minh tin"
    assert profile.mentoring_capacity == 3 and profile.availability == "Tối thứ Năm"
    assert profile.bio.startswith("Mười năm") and [x.code for x in profile.sectors] == [
        "agriculture"
    ]
    assert judge.title == "Phó Giám đốc" and judge.phone == "0905123456"
    assert [t.code for t in judge.expertise] == ["finance", "legal"]
    assert audit_actions() == [("expert.profile_create", judge.id)]

    # Saved again with a change: updated, one more audit row; the same again: no row.
    post_form(client, edit_url(judge), profile_form(mentoring_capacity="0", sectors=[]))
    assert profile.mentoring_capacity == 0 and profile.sectors == []
    post_form(client, edit_url(judge), profile_form(mentoring_capacity="0", sectors=[]))
    assert audit_actions() == [
        ("expert.profile_create", judge.id),
        ("expert.profile_update", judge.id),
    ]
    html = client.get(f"/accelerator/experts/{judge.id}").get_data(as_text=True)
    assert "Công ty Luật TNHH Minh Tín" in html and "Legal" in html


def test_an_organizer_edits_any_experts_profile(client, s):
    mentor = s.accounts["mentor"]
    sign_in(client, s.accounts, "other_organizer")
    form_page = client.get(edit_url(mentor)).get_data(as_text=True)
    assert 'name="mentoring_capacity"' in form_page
    response = post_form(client, edit_url(mentor), profile_form(organisation="Sở Công Thương"))
    assert response.status_code == 302
    assert database.session.get(ExpertProfile, mentor.id).organisation == "Sở Công Thương"
    assert audit_actions() == [("expert.profile_create", s.accounts["other_organizer"].id)]


def test_the_edit_form_shows_what_is_saved(client, s, factory):
    person = ew.expert(
        factory,
        "Nguyễn Văn Bình",
        organisation="Công ty Luật TNHH Minh Tín",
        tags=("legal",),
        sectors=("tourism",),
        capacity=4,
        password=True,
    )
    sign_in_as(client, person)
    html = client.get(edit_url(person)).get_data(as_text=True)
    assert 'value="Công ty Luật TNHH Minh Tín"' in html and 'value="4"' in html
    legal, tourism = ew.tag("legal").id, ew.sector("tourism").id
    assert re.search(
        rf'<input checked id="expertise-\d+" name="expertise" type="checkbox" value="{legal}">',
        html,
    )
    assert re.search(
        rf'<input checked id="sectors-\d+" name="sectors" type="checkbox" value="{tourism}">', html
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"mentoring_capacity": "-1"}, "Between 0 and 20 teams."),
        ({"mentoring_capacity": "21"}, "Between 0 and 20 teams."),
        ({"mentoring_capacity": "hai"}, "Enter a whole number."),
        ({"mentoring_capacity": ""}, "This field is required."),
        ({"sectors": ["999999"]}, "One of these sectors does not exist: reload the page."),
        ({"sectors": ["nông nghiệp"]}, "One of these sectors does not exist: reload the page."),
        ({"expertise": ["999999"]}, "One of these fields does not exist: reload the page."),
        ({"bio": "x" * (services.MAX_BIO_LENGTH + 1)}, "At most 5000 characters."),
        ({"organisation": "x" * 201}, "At most 200 characters."),
        ({"phone": "12345"}, "Enter a Vietnamese phone number, e.g. 0905 123 456."),
    ],
)
def test_bad_profile_input_is_refused_and_changes_nothing(client, s, changes, message):
    judge = s.accounts["judge"]
    sign_in(client, s.accounts, "judge")
    # A first good save, so that the refusal must also leave an existing profile alone.
    post_form(client, edit_url(judge), profile_form())
    before = snapshot()
    response = post_form(client, edit_url(judge), profile_form(**changes))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert snapshot() == before


def test_other_people_cannot_edit_a_profile(client, s):
    judge = s.accounts["judge"]
    data = profile_form()
    for role in ("mentor", "participant", "leader"):
        sign_in(client, s.accounts, role)
        before = snapshot()
        # A valid token from a page of their own: the refusal is the rule, not the token.
        response = post_form(client, edit_url(judge), data, form_page="/auth/profile")
        assert response.status_code == 403
        assert snapshot() == before
        ew.sign_out(client)


def test_the_service_refuses_whoever_calls_it(s):
    judge, mentor = s.accounts["judge"], s.accounts["mentor"]
    data = services.ProfileData(organisation="Sở Công Thương", mentoring_capacity=3)
    with pytest.raises(CohortError) as refused:
        services.update_profile(judge, data, actor=mentor)
    assert refused.value.reasons == ["not_allowed"]
    with pytest.raises(CohortError) as refused:
        services.update_profile(s.accounts["participant"], data, actor=s.accounts["admin"])
    assert refused.value.reasons == ["not_an_expert"]
    bad = services.ProfileData(mentoring_capacity=21, sector_ids=[999999], phone="12")
    with pytest.raises(CohortError) as refused:
        services.update_profile(judge, bad, actor=judge)
    assert refused.value.reasons == ["bad_phone", "bad_capacity", "unknown_sector"]
    assert database.session.get(ExpertProfile, judge.id) is None
