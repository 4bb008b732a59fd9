"""Mentor matching pages: the cohort read into the engine, the proposal and its explanation in
words, pairs by hand (and every refusal), publishing with the emails of both sides, releasing
with a reason; each person's own side; who may do what."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from accelerator.matches import loading
from accelerator.models import (
    CohortTeam,
    ExpertProfile,
    MatchSource,
    MatchStatus,
    MembershipStatus,
    MentorMatch,
)
from app.audit import AuditEvent
from tests.accelerator import cohorts_world as cw
from tests.accelerator import matches_world as mw
from tests.accelerator.cohorts_world import ORGANIZERS_ONLY, ROLES, SIGNED_IN, sign_in, snapshot
from tests.helpers import csrf_token, post_form
from tests.judging.roles import FLASH, answer, refusal

# fmt: off
ACCESS: dict[str, dict[str, int | str]] = {
    "accelerator.matches": ORGANIZERS_ONLY,
    "accelerator.my_matched_teams": SIGNED_IN,
    "accelerator.my_mentors": SIGNED_IN,
}
POST_ENDPOINTS = {
    "accelerator.match_propose",
    "accelerator.match_add",
    "accelerator.match_remove",
    "accelerator.match_publish",
    "accelerator.match_release",
}
# fmt: on

PAIR = re.compile(
    r'class="pair mb-1" data-match-id="(\d+)" data-mentor-id="(\d+)" data-status="(\w+)" '
    r'data-source="(\w+)">.*?<div class="small explanation">(.*?)</div>',
    re.S,
)


@pytest.fixture()
def ms(db, factory) -> mw.MatchSetting:  # noqa: ARG001
    return mw.build(factory)


def url(ms: mw.MatchSetting, tail: str = "") -> str:
    return f"/accelerator/cohorts/{ms.cohort.id}/matches{tail}"


def flashes(html: str) -> list[str]:
    return [" ".join(text.split()) for _kind, text in FLASH.findall(html)]


def pairs(db) -> set[tuple[int, int, str, str]]:  # noqa: ANN001
    return {
        (m.cohort_team_id, m.mentor_id, m.status, m.source)
        for m in db.session.scalars(select(MentorMatch))
    }


def match(db, ms, team: CohortTeam, who: str, status=MatchStatus.PUBLISHED, cohort=None):  # noqa: ANN001, ANN201
    row = MentorMatch(
        cohort=cohort or ms.cohort,
        cohort_team=team,
        mentor=ms.mentors[who],
        status=status,
        published_at=ms.cohort.created_at if status != MatchStatus.PROPOSED else None,
    )
    db.session.add(row)
    db.session.flush()
    return row


def sign_out(client) -> None:  # noqa: ANN001
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/auth/profile")})


def organizer_post(client, ms, tail: str, data: dict | None = None):  # noqa: ANN001, ANN201
    response = post_form(client, url(ms, tail), data or {}, form_page=url(ms))
    assert response.status_code == 302
    return client.get(url(ms)).get_data(as_text=True)


def propose(client, ms) -> str:  # noqa: ANN001
    return organizer_post(client, ms, "/propose")


def audit_actions(db) -> list[str]:  # noqa: ANN001
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.like("matches.%"))
            .order_by(AuditEvent.id)
        )
    )


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_access(client, ms, role):
    sign_in(client, ms.accounts, role)
    where = {
        "accelerator.matches": url(ms),
        "accelerator.my_matched_teams": "/accelerator/matches/my-teams",
        "accelerator.my_mentors": "/accelerator/matches/my-mentors",
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
def test_others_change_nothing(client, db, ms, role):
    first, second = ms.teams
    proposed = match(db, ms, first, "anh", MatchStatus.PROPOSED)
    published = match(db, ms, second, "cuong")
    sign_in(client, ms.accounts, role)
    token = csrf_token(client, "/auth/login" if role == "anonymous" else "/auth/profile")
    before = snapshot()
    posts = {
        url(ms, "/propose"): {},
        url(ms, "/publish"): {},
        url(ms, f"/{published.id}/release"): {"reason": "Không còn thời gian"},
        url(ms, "/add"): {"cohort_team": second.id, "mentor": ms.mentors["binh"].id},
        url(ms, f"/{proposed.id}/remove"): {},
    }
    for target, data in posts.items():
        response = client.post(target, data={"csrf_token": token, **data})
        assert answer(response) == refusal(role), target
    assert snapshot() == before


# --- loading --------------------------------------------------------------------------------


def test_the_cohort_is_read_as_the_engine_sees_it(db, factory, ms):
    first, second = ms.teams
    anh, cuong = ms.mentors["anh"], ms.mentors["cuong"]
    # Anh holds a published team in another cohort: one place less here.
    other = cw.cohort(ms.s.world.owner, name="Chương trình khác")
    elsewhere = mw.accept(ms.s, 4, needs=("legal",), cohort=other)
    match(db, ms, elsewhere, "anh", cohort=other)
    # Not mentors: a disabled one, a judge; a team that did not accept.
    gone = mw.mentor(factory, "Hồ Văn Nghỉ", expertise=("finance",))
    gone.disabled_at = ms.cohort.created_at
    candidate = mw.accept(ms.s, 3, needs=("finance",))
    candidate.status = MembershipStatus.CANDIDATE
    kept = match(db, ms, second, "cuong")
    released = match(db, ms, first, "binh", MatchStatus.RELEASED)
    member_unit = factory.unit(name="Phường Thành Viên")
    mw.add_member(factory, first, "Đặng Thị Đơn Vị", unit=member_unit)
    db.session.flush()

    panel = loading.load_matching_data(ms.cohort)
    data = panel.data
    assert data.mentors_per_team == 2
    assert [t.id for t in data.teams] == [second.id, first.id]  # Nhóm 1, Nhóm 2 by name
    team = panel.team_data[first.id]
    assert team.needs == (ms.tags["finance"].id, ms.tags["marketing"].id)
    assert team.sector_id == ms.agriculture.id
    assert team.preferred == frozenset({anh.id})
    assert team.unit_ids == {first.team.unit_id, member_unit.id}
    assert panel.team_data[second.id].organisations == {"Dai hoc Duy Tan"}
    assert team.organisations == frozenset()  # nobody of Nhóm 2 has an expert profile
    mentors = {m.id: m for m in data.mentors}
    assert set(mentors) == {*(m.id for m in ms.mentors.values()), ms.accounts["mentor"].id}
    assert mentors[anh.id].capacity == 1  # 2 offered, 1 published elsewhere
    assert mentors[anh.id].sectors == {ms.agriculture.id}
    assert mentors[anh.id].organisation == "Công ty Alpha"
    assert mentors[cuong.id].expertise == {ms.tags["technology"].id, ms.tags["finance"].id}
    assert mentors[ms.accounts["mentor"].id].capacity == 2  # no profile: the default
    assert data.kept == {(second.id, cuong.id)}
    assert data.released == {(first.id, ms.mentors["binh"].id)}
    assert kept.id and released.id


@pytest.mark.parametrize("size", [5, 30])
def test_loading_takes_the_same_queries_whatever_the_size(db, factory, ms, count_queries, size):
    counts = {}
    for n in (size, size + 3):
        cohort = cw.cohort(ms.s.world.owner, capacity=60, name=f"Khóa {n}")
        for i in range(n):
            team = factory.team(name=f"Đội {n}-{i}", unit=ms.teams[0].team.unit)
            row = CohortTeam(
                cohort=cohort,
                team=team,
                status=MembershipStatus.ACCEPTED,
                needs=[ms.tags["finance"], ms.tags["legal"]],
                sector=ms.agriculture,
                preferred_mentors=[ms.mentors["anh"]],
            )
            db.session.add(row)
            db.session.flush()
            mentor = mw.mentor(factory, f"Cố Vấn {n}-{i}", expertise=("legal",))
            db.session.add(MentorMatch(cohort=cohort, cohort_team=row, mentor=mentor))
        db.session.flush()
        db.session.expire_all()
        with count_queries() as counted:
            panel = loading.load_matching_data(cohort)
        assert len(panel.teams) == n
        counts[n] = counted.n
    assert counts[size] == counts[size + 3] <= 16, counts


# --- the proposal and its explanation ----------------------------------------------------------


def test_propose_then_preview_explains_each_pair_in_words(client, db, ms):
    first, second = ms.teams
    sign_in(client, ms.accounts, "organizer")
    html = propose(client, ms)
    assert "2 pairs proposed." not in flashes(html)  # four pairs in all
    assert "4 pairs proposed." in flashes(html)
    rows = {(m.cohort_team_id, m.mentor_id): m for m in db.session.scalars(select(MentorMatch))}
    anh, binh, cuong = (ms.mentors[k].id for k in ("anh", "binh", "cuong"))
    assert {pair for pair in rows if pair[0] == first.id} == {(first.id, anh), (first.id, binh)}
    assert (second.id, cuong) in rows and (second.id, ms.mentors["dung"].id) not in rows
    assert rows[(first.id, anh)].reasons == [
        {"kind": "need", "tag_id": ms.tags["finance"].id},
        {"kind": "sector", "sector_id": ms.agriculture.id},
        {"kind": "preferred"},
    ]
    assert rows[(first.id, anh)].fit == 20
    assert all(r.status == MatchStatus.PROPOSED for r in rows.values())
    explained = {int(mentor): " ".join(text.split()) for _, mentor, *_, text in PAIR.findall(html)}
    assert explained[anh] == "covers finance; same sector: agriculture; preferred by the team"
    assert explained[binh] == "covers marketing"
    # The conflict is named; loads against capacities are shown.
    assert re.search(
        rf'class="exclusion" data-mentor-id="{ms.mentors["dung"].id}">Phạm Văn Dũng: '
        r"same organisation as a member<",
        html,
    )
    assert f'data-mentor-id="{binh}" data-load="1" data-capacity="1"' in html
    assert audit_actions(db) == ["matches.proposed"]


def test_the_explanation_reads_in_the_readers_language(client, db, ms):
    cw.sign_in_as(client, ms.s.organizer, locale="vi")
    html = propose(client, ms)
    explained = {int(m): " ".join(t.split()) for _, m, *_, t in PAIR.findall(html)}
    sentence = explained[ms.mentors["anh"].id]
    assert "tài chính" in sentence and "nông nghiệp" in sentence
    assert "Finance" not in sentence and "finance" not in sentence


def test_a_team_short_of_mentors_and_its_uncovered_needs_are_shown(client, db, ms):
    _first, second = ms.teams
    second.needs.append(mw.tag("legal"))  # nobody knows law
    ms.cohort.mentors_per_team = 5  # five mentors, one of them in conflict with Nhóm 1
    db.session.get(ExpertProfile, ms.mentors["binh"].id).mentoring_capacity = 2
    db.session.flush()
    sign_in(client, ms.accounts, "organizer")
    html = propose(client, ms)
    found = re.search(
        rf'data-team-id="{second.id}" data-lacks="(\d+)"(.*?)class="card mb-3 team"', html, re.S
    )
    lacks, card = int(found.group(1)), found.group(2)
    assert lacks == 1
    assert "Lacks 1 mentor." in card
    assert "Needs no mentor covers: Legal" in card


def test_proposing_again_keeps_published_pairs_and_replaces_proposed_ones(client, db, ms):
    first, second = ms.teams
    kept = match(db, ms, first, "cuong")  # published: kept, counts against m
    sign_in(client, ms.accounts, "organizer")
    propose(client, ms)
    propose(client, ms)
    rows = [r for r in db.session.scalars(select(MentorMatch)) if r.cohort_team_id == first.id]
    assert {(r.mentor_id, r.status) for r in rows} == {
        (ms.mentors["cuong"].id, MatchStatus.PUBLISHED),
        (ms.mentors["anh"].id, MatchStatus.PROPOSED),
    }
    assert db.session.get(MentorMatch, kept.id).status == MatchStatus.PUBLISHED
    assert audit_actions(db) == ["matches.proposed", "matches.proposed"]
    assert second.id


def test_proposing_again_keeps_the_pairs_added_by_hand(client, db, ms):
    first, _ = ms.teams
    sign_in(client, ms.accounts, "organizer")
    propose(client, ms)
    organizer_post(client, ms, "/add", {"cohort_team": first.id, "mentor": ms.mentors["cuong"].id})
    hand = (first.id, ms.mentors["cuong"].id, MatchStatus.PROPOSED, MatchSource.HAND)
    assert hand in pairs(db)
    propose(client, ms)
    assert hand in pairs(db)
    # The hand pair counts against the team's m: no more mentors than m.
    mine = [p for p in pairs(db) if p[0] == first.id and p[2] != MatchStatus.RELEASED]
    assert len(mine) <= ms.cohort.mentors_per_team


# --- by hand --------------------------------------------------------------------------------


def test_a_pair_by_hand_is_explained_like_the_engines(client, db, ms):
    first, _ = ms.teams
    sign_in(client, ms.accounts, "organizer")
    propose(client, ms)
    html = organizer_post(
        client, ms, "/add", {"cohort_team": first.id, "mentor": ms.mentors["cuong"].id}
    )
    assert "Lê Văn Cường proposed for Nhóm 2." in flashes(html)
    row = db.session.scalar(
        select(MentorMatch).where(
            MentorMatch.cohort_team_id == first.id, MentorMatch.mentor_id == ms.mentors["cuong"].id
        )
    )
    assert (row.status, row.source) == (MatchStatus.PROPOSED, MatchSource.HAND)
    # Anh already covers finance: Cường only also knows it.
    assert row.reasons == [{"kind": "also_covers", "tag_id": ms.tags["finance"].id}]
    assert row.fit == 0
    explained = {int(m): " ".join(t.split()) for _, m, *_, t in PAIR.findall(html)}
    assert explained[ms.mentors["cuong"].id] == "also knows finance"
    # Anh removed: Cường now covers finance himself.
    anh_row = db.session.scalar(
        select(MentorMatch).where(
            MentorMatch.cohort_team_id == first.id, MentorMatch.mentor_id == ms.mentors["anh"].id
        )
    )
    html = organizer_post(client, ms, f"/{anh_row.id}/remove")
    assert "The pair is taken out of the proposal." in flashes(html)
    db.session.refresh(row)
    assert row.reasons == [{"kind": "need", "tag_id": ms.tags["finance"].id}]
    assert audit_actions(db) == ["matches.proposed", "matches.pair_added", "matches.pair_removed"]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (
            "over_capacity",
            "Trần Văn Bình offered to mentor 1 teams at once and already has 1 in this cohort "
            "(proposed or published) and 0 in other cohorts: one more would pass the capacity. "
            "Nothing was changed.",
        ),
        (
            "conflict",
            "Conflict of interest: Phạm Văn Dũng cannot mentor Nhóm 1 (same organisation as a "
            "member). Nothing was changed.",
        ),
        ("twice", "Nguyễn Thị Anh is already matched with Nhóm 2. Nothing was changed."),
        (
            "not_accepted",
            "This team is not among the teams that accepted this cohort: only they get mentors. "
            "Nothing was changed.",
        ),
        (
            "released",
            "Trần Văn Bình and Nhóm 2 were released: a released pair is not matched again. "
            "Nothing was changed.",
        ),
    ],
)
def test_a_pair_by_hand_is_refused_with_a_clear_message(client, db, ms, case, expected):
    first, second = ms.teams
    team, who = {
        "over_capacity": (second, "binh"),
        "conflict": (second, "dung"),
        "twice": (first, "anh"),
        "not_accepted": (None, "cuong"),
        "released": (first, "binh"),
    }[case]
    match(db, ms, first, "binh", MatchStatus.PROPOSED if case != "released" else "released")
    match(db, ms, first, "anh", MatchStatus.PROPOSED)
    if team is None:
        team = mw.accept(ms.s, 3, needs=("finance",))
        team.status = MembershipStatus.INVITED
        db.session.flush()
    sign_in(client, ms.accounts, "organizer")
    before = snapshot()
    html = organizer_post(
        client, ms, "/add", {"cohort_team": team.id, "mentor": ms.mentors[who].id}
    )
    assert expected in flashes(html)
    assert snapshot() == before


def test_capacity_counts_published_pairs_in_other_cohorts(client, db, ms):
    first, second = ms.teams
    other = cw.cohort(ms.s.world.owner, name="Chương trình khác")
    elsewhere = mw.accept(ms.s, 4, cohort=other)
    match(db, ms, elsewhere, "anh", cohort=other)
    match(db, ms, first, "anh", MatchStatus.PROPOSED)
    sign_in(client, ms.accounts, "organizer")
    before = snapshot()
    html = organizer_post(
        client, ms, "/add", {"cohort_team": second.id, "mentor": ms.mentors["anh"].id}
    )
    assert (
        "Nguyễn Thị Anh offered to mentor 2 teams at once and already has 1 in this cohort "
        "(proposed or published) and 1 in other cohorts: one more would pass the capacity. "
        "Nothing was changed."
    ) in flashes(html)
    assert snapshot() == before


def test_a_published_pair_is_not_removed_but_released(client, db, ms):
    published = match(db, ms, ms.teams[0], "anh")
    sign_in(client, ms.accounts, "organizer")
    before = snapshot()
    html = organizer_post(client, ms, f"/{published.id}/remove")
    assert (
        "Only a proposed pair can be removed; a published one is released with a reason."
        in flashes(html)
    )
    assert snapshot() == before


# --- publishing and releasing ---------------------------------------------------------------


def test_publish_tells_both_sides_in_their_language(client, db, ms, mailbox):
    first, _ = ms.teams
    anh = ms.mentors["anh"]
    anh.locale = "vi"
    leader = first.team.leader
    leader.phone = "0911222333"
    db.session.flush()
    sign_in(client, ms.accounts, "organizer")
    propose(client, ms)
    proposed = {(m.cohort_team_id, m.mentor_id) for m in db.session.scalars(select(MentorMatch))}
    html = organizer_post(client, ms, "/publish")
    assert any(text.startswith("4 pairs published") for text in flashes(html))
    rows = list(db.session.scalars(select(MentorMatch)))
    assert {(r.cohort_team_id, r.mentor_id) for r in rows} == proposed
    assert all(r.status == MatchStatus.PUBLISHED and r.published_at for r in rows)
    assert audit_actions(db) == ["matches.proposed", "matches.published"]
    # The mentor, in Vietnamese: the team, its needs, the leader's contact.
    to_mentor = mailbox.text(mailbox.last_to(anh.email))
    assert "Nhóm 2" in to_mentor and "Tài chính, Tiếp thị" in to_mentor
    assert leader.email in to_mentor and "0911222333" in to_mentor
    assert "/accelerator/matches/my-teams" in to_mentor
    # Each member: the mentor's name, organisation, email and phone.
    for member in first.team.members:
        texts = [mailbox.text(m) for m in mailbox.to(member.user.email)]
        about_anh = [t for t in texts if "Nguyễn Thị Anh" in t]
        assert about_anh, member.user.email
        assert "Công ty Alpha" in about_anh[0] and anh.email in about_anh[0]
        assert "0905123456" in about_anh[0]


def test_publishing_nothing_is_refused(client, db, ms):
    sign_in(client, ms.accounts, "organizer")
    before = snapshot()
    html = organizer_post(client, ms, "/publish")
    assert "Nothing is proposed: propose mentors or add pairs first." in flashes(html)
    assert snapshot() == before


def test_release_needs_a_reason_then_tells_both_sides(client, db, ms, mailbox):
    first, _ = ms.teams
    published = match(db, ms, first, "anh")
    sign_in(client, ms.accounts, "organizer")
    before = snapshot()
    html = organizer_post(client, ms, f"/{published.id}/release", {"reason": "   "})
    assert "Say why this pair is released. Nothing was changed." in flashes(html)
    assert snapshot() == before
    assert len(mailbox) == 0

    html = organizer_post(client, ms, f"/{published.id}/release", {"reason": "Chuyển công tác"})
    assert "The pair is released; the mentor and the team are told." in flashes(html)
    row = db.session.get(MentorMatch, published.id)
    assert row.status == MatchStatus.RELEASED and row.released_at
    assert row.released_reason == "Chuyển công tác"
    assert audit_actions(db) == ["matches.released"]
    assert "Nhóm 2" in mailbox.text(mailbox.last_to(ms.mentors["anh"].email))
    assert "Nguyễn Thị Anh" in mailbox.text(mailbox.last_to(first.team.leader.email))
    # Never proposed again.
    propose(client, ms)
    assert (first.id, ms.mentors["anh"].id, "released", "optimiser") in pairs(db)
    assert not any(
        p[:2] == (first.id, ms.mentors["anh"].id) and p[2] != "released" for p in pairs(db)
    )


# --- each person's side ---------------------------------------------------------------------


def test_a_mentor_sees_only_their_published_teams(client, db, ms):
    first, second = ms.teams
    match(db, ms, first, "anh")
    match(db, ms, second, "anh", MatchStatus.PROPOSED)
    match(db, ms, second, "cuong")
    cw.sign_in_as(client, ms.mentors["anh"])
    html = client.get("/accelerator/matches/my-teams").get_data(as_text=True)
    shown = set(
        re.findall(r'class="card mb-3 my-team" data-match-id="\d+" data-team-id="(\d+)"', html)
    )
    assert shown == {str(first.team_id)}
    assert first.team.leader.email in html


def test_a_team_sees_only_its_own_mentors(client, db, factory, ms):
    first, second = ms.teams
    match(db, ms, first, "anh")
    match(db, ms, first, "binh", MatchStatus.PROPOSED)
    match(db, ms, second, "cuong")
    cw.sign_in_as(client, first.team.leader)
    html = client.get("/accelerator/matches/my-mentors").get_data(as_text=True)
    shown = set(
        re.findall(r'class="card mb-3 my-mentor" data-match-id="\d+" data-mentor-id="(\d+)"', html)
    )
    assert shown == {str(ms.mentors["anh"].id)}
    assert "Công ty Alpha" in html and ms.mentors["anh"].email in html
    # A member of the other team sees Cường only; someone of no team, nobody.
    sign_out(client)
    cw.sign_in_as(client, ms.colleague)
    html = client.get("/accelerator/matches/my-mentors").get_data(as_text=True)
    shown = set(
        re.findall(r'class="card mb-3 my-mentor" data-match-id="\d+" data-mentor-id="(\d+)"', html)
    )
    assert shown == {str(ms.mentors["cuong"].id)}
    sign_out(client)
    cw.sign_in_as(client, ms.accounts["participant"])
    html = client.get("/accelerator/matches/my-mentors").get_data(as_text=True)
    assert 'class="card mb-3 my-mentor"' not in html
