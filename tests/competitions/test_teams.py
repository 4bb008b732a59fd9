"""Teams: a participant creates one and leads it, invites members and the advisor by
email (single-use, expiring links), members fill in their details, the leader hands
over the leadership or removes someone, members leave. Only the team and its advisor
see it; to everyone else it does not exist."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from flask import url_for
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.auth.models import token_digest
from app.db import utcnow
from app.localtime import local_today
from app.mail.outbox import OutboxMessage
from app.people.models import Role, User
from app.units.models import Unit, UnitLevel
from competitions.models import InvitationRole, Team, TeamInvitation, TeamMember
from competitions.teams.services import MAX_TEAM_SIZE, team_size
from tests.helpers import csrf_token, login, post_form

ROLES = ("anonymous", "participant", "member", "organizer", "other_organizer", "admin")
LOGIN = "login"


def row(*answers: int | str) -> dict[str, int | str]:
    assert len(answers) == len(ROLES)
    return dict(zip(ROLES, answers, strict=True))


# Every GET endpoint of this topic × role, on the sample URLs of `sample_urls` (the
# team of the `world` fixture; "member" is a member who does not lead it).
# fmt: off
#                                               anon   part  member org  other admin
ACCESS: dict[str, dict[str, int | str]] = {
    "competitions.team_index":          row(LOGIN, 200,  200,   200, 200,  200),
    "competitions.team_create":         row(LOGIN, 200,  200,   200, 200,  200),
    "competitions.team_detail":         row(LOGIN, 404,  200,   404, 404,  404),
    "competitions.team_edit":           row(LOGIN, 404,  403,   404, 404,  404),
    "competitions.team_my_details":     row(LOGIN, 404,  200,   404, 404,  404),
    "competitions.team_invite":         row(LOGIN, 404,  403,   404, 404,  404),
    "competitions.team_transfer":       row(LOGIN, 404,  403,   404, 404,  404),
    "competitions.team_remove_member":  row(LOGIN, 404,  403,   404, 404,  404),
    "competitions.team_leave":          row(LOGIN, 404,  200,   404, 404,  404),
    "competitions.team_remove_advisor": row(LOGIN, 404,  403,   404, 404,  404),
    # The link is the key: whoever holds it sees the invitation (accepting needs the account).
    "competitions.team_invitation":     row(200,   200,  200,   200, 200,  200),
}
# fmt: on

POST_ENDPOINTS = {
    "competitions.team_invitation_accept",
    "competitions.team_invitation_decline",
    "competitions.team_cancel_invitation",
    "competitions.team_resend_invitation",
}

INVITEE = "khach.moi@example.vn"
XSS = '"><img src=x onerror=alert(1)>'


@dataclass
class World:
    leader: User
    member: User
    advisor: User
    accounts: dict[str, User]
    school: Unit
    team: Team
    invitation: TeamInvitation
    token: str


def _school_level(factory) -> UnitLevel:  # noqa: ANN001
    level = factory.level("school", "Trường", 5)
    level.is_organisation = True
    return level


def make_invitation(
    db, team: Team, email: str, token: str, role: str = InvitationRole.MEMBER, **kw
) -> TeamInvitation:  # noqa: ANN001
    invitation = TeamInvitation(
        team=team,
        email=email,
        role=role,
        token_hash=token_digest(token),
        invited_by_id=team.leader_id,
        expires_at=kw.pop("expires_at", utcnow() + timedelta(days=7)),
        **kw,
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation


@pytest.fixture()
def world(db, factory) -> World:
    province = factory.unit("Thành phố Đà Nẵng", level=factory.level("city", "Thành phố", 0))
    ward = factory.unit("Phường Hải Châu", parent=province, level=factory.level("ward", "Phường"))
    elsewhere = factory.unit("Thành phố Huế", level=factory.level("city", "Thành phố", 0))
    school = factory.unit("Trường THPT Phan Châu Trinh", parent=ward, level=_school_level(factory))
    leader = factory.user("Trần Minh Khoa", email="khoa@example.vn")
    member = factory.user("Lê Thị Hoa", email="hoa@example.vn")
    advisor = factory.user("Nguyễn Văn Thầy", email="thay@example.vn")
    accounts = {
        "participant": factory.user("Phạm Văn Lạ", email="la@example.vn"),
        "member": member,
        "organizer": factory.user("Đặng Văn Hùng", roles=(Role.ORGANIZER,), organizer_of=province),
        "other_organizer": factory.user(
            "Hoàng Thị Dung", roles=(Role.ORGANIZER,), organizer_of=elsewhere
        ),
        "admin": factory.user("Võ Thị Sáu", roles=(Role.ADMIN,)),
    }
    team = factory.team(leader=leader, members=(member,), unit=school, advisor=advisor)
    # The team has an entry in the organizer's competition: organizers still do not see
    # the team page (they see entries, in the entries topic).
    factory.entry(competition=factory.competition(owner_unit=province), team=team)
    token = "a-pending-invitation-token"
    invitation = make_invitation(db, team, INVITEE, token)
    return World(leader, member, advisor, accounts, school, team, invitation, token)


def sample_urls(app, world: World) -> dict[str, str]:
    team_id = world.team.id
    member_row = world.team.member_for(world.member)
    arguments = {
        "competitions.team_index": {},
        "competitions.team_create": {},
        "competitions.team_detail": {"team_id": team_id},
        "competitions.team_edit": {"team_id": team_id},
        "competitions.team_my_details": {"team_id": team_id},
        "competitions.team_invite": {"team_id": team_id},
        "competitions.team_transfer": {"team_id": team_id},
        "competitions.team_remove_member": {"team_id": team_id, "member_id": member_row.id},
        "competitions.team_leave": {"team_id": team_id},
        "competitions.team_remove_advisor": {"team_id": team_id},
        "competitions.team_invitation": {"token": world.token},
        "competitions.team_invitation_accept": {"token": world.token},
        "competitions.team_invitation_decline": {"token": world.token},
        "competitions.team_cancel_invitation": {
            "team_id": team_id,
            "invitation_id": world.invitation.id,
        },
        "competitions.team_resend_invitation": {
            "team_id": team_id,
            "invitation_id": world.invitation.id,
        },
    }
    with app.test_request_context():
        return {endpoint: url_for(endpoint, **args) for endpoint, args in arguments.items()}


def answer(response) -> int | str:  # noqa: ANN001
    if response.status_code == 302 and urlsplit(response.headers["Location"]).path == (
        "/auth/login"
    ):
        return LOGIN
    return response.status_code


def sign_in(client, user: User) -> None:  # noqa: ANN001
    assert login(client, user.email).status_code == 302, user.email


def snapshot(db) -> dict[str, list[tuple]]:  # noqa: ANN001
    """What this topic writes: teams, members, invitations, mail and the audit log."""
    tables = ("teams", "team_members", "team_invitations", "outbox_messages", "audit_events")
    found = {}
    for table in db.metadata.sorted_tables:
        if table.name in tables:
            query = select(table).order_by(*table.primary_key.columns)
            found[table.name] = [tuple(r) for r in db.session.execute(query)]
    return found


def audit_actions(db, action: str) -> list[AuditEvent]:  # noqa: ANN001
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def members_of(db, team: Team) -> set[int]:  # noqa: ANN001
    return set(db.session.scalars(select(TeamMember.user_id).where(TeamMember.team_id == team.id)))


def invitation_count(db, team: Team) -> int:  # noqa: ANN001
    return db.session.scalar(
        select(func.count()).select_from(TeamInvitation).where(TeamInvitation.team_id == team.id)
    )


# --- access -----------------------------------------------------------------------------------


def test_the_tables_name_every_endpoint_of_the_topic(app):
    ours = {
        r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("competitions.team_")
    }
    assert set(ACCESS) | POST_ENDPOINTS == ours
    get_endpoints = {
        r.endpoint for r in app.url_map.iter_rules() if r.endpoint in ours and "GET" in r.methods
    }
    assert set(ACCESS) == get_endpoints


@pytest.mark.parametrize("role", ROLES)
def test_get_matrix_and_gets_change_nothing(app, client, db, world, role):
    if role != "anonymous":
        sign_in(client, world.accounts[role])
    urls = sample_urls(app, world)
    before = snapshot(db)
    wrong = {}
    for endpoint, answers in ACCESS.items():
        response = client.get(urls[endpoint])
        if (got := answer(response)) != answers[role]:
            wrong[endpoint] = f"expected {answers[role]}, got {got}"
    assert wrong == {}, f"as {role}"
    assert snapshot(db) == before


def test_the_leader_and_the_advisor(app, client, world):
    urls = sample_urls(app, world)
    sign_in(client, world.leader)
    for endpoint in ACCESS:
        if endpoint != "competitions.team_leave":  # the leader must hand over first: a notice
            assert client.get(urls[endpoint]).status_code == 200, endpoint
    assert "refusal" in client.get(urls["competitions.team_leave"]).get_data(as_text=True)

    advisor = app.test_client()
    sign_in(advisor, world.advisor)
    expected = {
        "competitions.team_detail": 200,
        "competitions.team_remove_advisor": 200,  # stepping down
        "competitions.team_edit": 403,
        "competitions.team_my_details": 403,
        "competitions.team_invite": 403,
        "competitions.team_transfer": 403,
        "competitions.team_remove_member": 403,
        "competitions.team_leave": 403,
    }
    got = {endpoint: advisor.get(urls[endpoint]).status_code for endpoint in expected}
    assert got == expected


def test_a_missing_team_is_404(client, world):
    sign_in(client, world.leader)
    assert client.get("/competitions/teams/999999").status_code == 404
    assert (
        client.get(f"/competitions/teams/{world.team.id}/members/999999/remove").status_code == 404
    )


def _attack(client, url: str, data: dict | None = None):  # noqa: ANN202
    token = csrf_token(client, "/competitions/teams/")
    return client.post(url, data={"csrf_token": token, **(data or {})})


@pytest.mark.parametrize(
    ("who", "status"),
    [("member", 403), ("advisor", 403), ("participant", 404), ("organizer", 404), ("admin", 404)],
)
def test_only_the_leader_manages_invitations(app, client, db, world, who, status):
    user = {"member": world.member, "advisor": world.advisor}.get(who) or world.accounts[who]
    sign_in(client, user)
    urls = sample_urls(app, world)
    before = snapshot(db)
    for endpoint in ("competitions.team_cancel_invitation", "competitions.team_resend_invitation"):
        assert _attack(client, urls[endpoint]).status_code == status, endpoint
    assert snapshot(db) == before


def test_anonymous_posts_change_nothing(app, client, db, world):
    urls = sample_urls(app, world)
    token = csrf_token(client, "/auth/login")
    before = snapshot(db)
    for endpoint in ("competitions.team_cancel_invitation", "competitions.team_resend_invitation"):
        response = client.post(urls[endpoint], data={"csrf_token": token})
        assert answer(response) == LOGIN, endpoint
    # Accepting needs an account: sign in first, then back to the invitation page.
    response = client.post(urls["competitions.team_invitation_accept"], data={"csrf_token": token})
    location = urlsplit(response.headers["Location"])
    assert location.path == "/auth/login"
    assert parse_qs(location.query)["next"] == [urls["competitions.team_invitation"]]
    assert snapshot(db) == before


@pytest.mark.parametrize("who", ["member", "advisor", "participant"])
def test_a_non_leader_cannot_invite_remove_transfer_or_rename(app, client, db, world, who):
    user = {"member": world.member, "advisor": world.advisor}.get(who) or world.accounts[who]
    status = 404 if who == "participant" else 403
    sign_in(client, user)
    urls = sample_urls(app, world)
    member_row = world.team.member_for(world.member)
    before = snapshot(db)
    attempts = {
        "competitions.team_invite": {"email": "ke.la@example.vn", "role": "member"},
        "competitions.team_transfer": {"new_leader": member_row.id, "confirm": "y"},
        "competitions.team_remove_member": {},
        "competitions.team_edit": {"name": "Đã bị đổi", "unit": 0},
    }
    for endpoint, data in attempts.items():
        assert _attack(client, urls[endpoint], data).status_code == status, endpoint
    assert snapshot(db) == before
    team = db.session.get(Team, world.team.id)
    assert (team.leader_id, team.name) == (world.leader.id, "Nhóm Hạt Mầm")


def test_a_stranger_cannot_edit_details_or_leave(app, client, db, world):
    sign_in(client, world.accounts["participant"])
    urls = sample_urls(app, world)
    before = snapshot(db)
    data = {"full_name": "Kẻ Lạ", "date_of_birth": "01/01/2008"}
    assert _attack(client, urls["competitions.team_my_details"], data).status_code == 404
    assert _attack(client, urls["competitions.team_leave"]).status_code == 404
    assert _attack(client, urls["competitions.team_remove_advisor"]).status_code == 404
    assert snapshot(db) == before


# --- creating a team --------------------------------------------------------------------------


def test_a_participant_creates_a_team_and_leads_it(client, db, factory, world):
    user = world.accounts["participant"]
    roles_before = user.role_names()
    sign_in(client, user)
    response = post_form(
        client,
        "/competitions/teams/new",
        {
            "name": "  Nhóm   Nông Nghiệp Xanh ",
            "unit": world.school.id,
            "full_name": "Phạm Văn Lạ",
            "date_of_birth": "15/03/2008",
            "school": "",
            "class_or_major": "11A2",
            "phone": "0905 123 456",
        },
    )
    assert response.status_code == 302
    team = db.session.scalar(select(Team).where(Team.leader_id == user.id))
    assert team.name == "Nhóm Nông Nghiệp Xanh"
    assert team.unit_id == world.school.id
    assert response.headers["Location"].endswith(f"/competitions/teams/{team.id}")
    [member] = team.members
    assert (member.user_id, member.full_name, member.date_of_birth) == (
        user.id,
        "Phạm Văn Lạ",
        date(2008, 3, 15),
    )
    assert (member.school, member.class_or_major, member.phone) == (
        "Trường THPT Phan Châu Trinh",  # the team's school when left empty
        "11A2",
        "0905123456",
    )
    assert audit_actions(db, "team.create")[0].actor_id == user.id
    assert db.session.get(User, user.id).role_names() == roles_before  # grants nothing
    assert client.get(f"/competitions/teams/{team.id}").status_code == 200


def test_the_unit_select_offers_current_schools_in_tree_order(client, db, factory, world):
    level = _school_level(factory)
    ward = world.school.parent
    factory.unit("Trường THCS Lê Lợi", parent=ward, level=level)
    closed = factory.unit(
        "Trường Đã Giải Thể", parent=ward, level=level, valid_until=date(2020, 1, 1)
    )
    sign_in(client, world.accounts["participant"])
    html = client.get("/competitions/teams/new").get_data(as_text=True)
    select_html = html[
        html.index('name="unit"') : html.index("</select>", html.index('name="unit"'))
    ]
    assert closed.name not in select_html
    # The ward and the city are shown for context, and cannot be chosen.
    assert f'<option disabled value="{ward.id}">' in select_html
    positions = [
        select_html.index(name)
        for name in (
            "Thành phố Đà Nẵng",
            "· Phường Hải Châu",
            "· · Trường THCS Lê Lợi",
            "· · Trường THPT Phan Châu Trinh",
        )
    ]
    assert positions == sorted(positions)


BAD_TEAM_INPUT = [
    ("name", "   "),
    ("name", "N" * 121),
    ("unit", "ward"),  # an administrative unit, not a school
    ("unit", "999999"),
    ("full_name", ""),
    ("date_of_birth", "future"),
    ("date_of_birth", "toddler"),
    ("date_of_birth", "31/02/2008"),
    ("date_of_birth", "2008-03-15"),
    ("phone", "12345"),
]


def test_bad_input_when_creating_a_team_stores_nothing(client, db, world):
    today = local_today()
    special = {
        "future": (today + timedelta(days=1)).strftime("%d/%m/%Y"),
        "toddler": today.replace(year=today.year - 3).strftime("%d/%m/%Y"),
        "ward": str(world.school.parent_id),
    }
    sign_in(client, world.accounts["participant"])
    before = snapshot(db)
    wrong = {}
    for field, value in BAD_TEAM_INPUT:
        data = {
            "name": "Nhóm Mới",
            "unit": world.school.id,
            "full_name": "Phạm Văn Lạ",
            "date_of_birth": "15/03/2008",
            "phone": "",
            field: special.get(value, value),
        }
        response = post_form(client, "/competitions/teams/new", data)
        html = response.get_data(as_text=True)
        if response.status_code != 200 or f'id="{field}-errors"' not in html:
            wrong[(field, value)] = response.status_code
    assert wrong == {}
    assert snapshot(db) == before


def test_the_leader_renames_the_team(client, db, world):
    sign_in(client, world.leader)
    url = f"/competitions/teams/{world.team.id}/edit"
    response = post_form(client, url, {"name": "Nhóm Hạt Giống", "unit": 0})
    assert response.status_code == 302
    team = db.session.get(Team, world.team.id)
    assert (team.name, team.unit_id) == ("Nhóm Hạt Giống", None)
    [event] = audit_actions(db, "team.update")
    assert event.old == {"name": "Nhóm Hạt Mầm", "unit_id": world.school.id}


# --- members' details ---------------------------------------------------------------------------


def test_a_member_fills_in_their_own_details(client, db, world):
    sign_in(client, world.member)
    url = f"/competitions/teams/{world.team.id}/my-details"
    response = post_form(
        client,
        url,
        {
            "full_name": "Lê Thị Hoa",
            "date_of_birth": "02/09/2007",
            "school": "Trường THPT Phan Châu Trinh",
            "class_or_major": "12A1",
            "phone": "+84905111222",
            "gender": "female",
        },
    )
    assert response.status_code == 302
    row_ = world.team.member_for(world.member)
    db.session.refresh(row_)
    assert (row_.date_of_birth, row_.class_or_major, row_.phone, row_.gender) == (
        date(2007, 9, 2),
        "12A1",
        "+84905111222",
        "female",
    )
    [event] = audit_actions(db, "team.member_details")
    # Which fields changed, not their values: no birth dates of minors in the log.
    assert set(event.new["fields"]) == {
        "date_of_birth",
        "gender",
        "school",
        "class_or_major",
        "phone",
    }
    assert "2007" not in str(event.new)
    # Shown back as dd/mm/yyyy.
    assert 'value="02/09/2007"' in client.get(url).get_data(as_text=True)


def test_a_gender_outside_the_list_is_refused(client, db, world):
    sign_in(client, world.member)
    url = f"/competitions/teams/{world.team.id}/my-details"
    response = post_form(client, url, {"full_name": "Lê Thị Hoa", "gender": "F"})
    assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)
    row_ = world.team.member_for(world.member)
    db.session.refresh(row_)
    assert row_.gender is None and audit_actions(db, "team.member_details") == []


def test_a_date_of_birth_in_the_future_is_refused(client, db, world):
    sign_in(client, world.member)
    url = f"/competitions/teams/{world.team.id}/my-details"
    tomorrow = (local_today() + timedelta(days=1)).strftime("%d/%m/%Y")
    before = snapshot(db)
    response = post_form(client, url, {"full_name": "Lê Thị Hoa", "date_of_birth": tomorrow})
    assert response.status_code == 200
    assert 'id="date_of_birth-errors"' in response.get_data(as_text=True)
    assert snapshot(db) == before


def test_only_the_leader_sees_everyones_details(app, client, db, world):
    member_row = world.team.member_for(world.member)
    member_row.phone = "0905999888"
    leader_row = world.team.member_for(world.leader)
    leader_row.phone = "0905777666"
    db.session.flush()
    url = f"/competitions/teams/{world.team.id}"

    sign_in(client, world.leader)
    html = client.get(url).get_data(as_text=True)
    assert "0905999888" in html and "0905777666" in html

    other = app.test_client()
    sign_in(other, world.member)
    html = other.get(url).get_data(as_text=True)
    assert "0905999888" in html  # their own
    assert "0905777666" not in html
    assert world.leader.full_name in html  # everyone sees who is in the team
    assert INVITEE in html  # and the pending invitations


# --- invitations ---------------------------------------------------------------------------------


def _invite(client, team: Team, email: str, role: str = "member"):  # noqa: ANN202
    return post_form(
        client, f"/competitions/teams/{team.id}/invite", {"email": email, "role": role}
    )


def test_invite_then_accept(app, client, db, factory, world, mailbox):
    newcomer = factory.user("Võ Văn Mới", email="moi@example.vn")
    newcomer.phone = "0905000111"
    db.session.flush()
    sign_in(client, world.leader)
    response = _invite(client, world.team, " Moi@Example.vn ")
    assert response.status_code == 302
    invitation = db.session.scalar(
        select(TeamInvitation).where(TeamInvitation.email == "moi@example.vn")
    )
    assert invitation.response is None
    assert invitation.expires_at - utcnow() > timedelta(days=6, hours=23)
    assert audit_actions(db, "team.invite")[0].new["email"] == "moi@example.vn"

    link = mailbox.link_to("moi@example.vn", "/competitions/teams/invitations/")
    token = link.rsplit("/", 1)[-1]
    # Only the digest is stored.
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(snapshot(db)["team_invitations"])
    assert world.team.name in mailbox.text(mailbox.last_to("moi@example.vn"))

    invitee = app.test_client()
    page = invitee.get(link)
    assert page.status_code == 200
    assert 'id="sign-in-needed"' in page.get_data(as_text=True)
    sign_in(invitee, newcomer)
    html = invitee.get(link).get_data(as_text=True)
    assert 'id="accept"' in html
    response = post_form(invitee, link + "/accept", {}, form_page=link)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/competitions/teams/{world.team.id}")
    assert newcomer.id in members_of(db, world.team)
    member_row = db.session.scalar(select(TeamMember).where(TeamMember.user_id == newcomer.id))
    assert (member_row.full_name, member_row.phone) == ("Võ Văn Mới", "0905000111")
    db.session.refresh(invitation)
    assert invitation.response == "accepted" and invitation.responded_at is not None
    assert audit_actions(db, "team.invitation_accept")[0].actor_id == newcomer.id
    assert invitee.get(f"/competitions/teams/{world.team.id}").status_code == 200


def test_the_invitation_email_is_in_the_invitees_language(client, db, factory, world, mailbox):
    english = factory.user("Mary Smith", email="mary@example.vn")
    english.locale = "en"
    db.session.flush()
    sign_in(client, world.leader)
    _invite(client, world.team, "mary@example.vn")
    _invite(client, world.team, "chua.co.tai.khoan@example.vn")
    assert 'lang="en"' in mailbox.html(mailbox.last_to("mary@example.vn"))
    assert 'lang="vi"' in mailbox.html(mailbox.last_to("chua.co.tai.khoan@example.vn"))
    messages = {m.recipient: m for m in db.session.scalars(select(OutboxMessage))}
    assert messages["mary@example.vn"].user_id == english.id
    assert messages["chua.co.tai.khoan@example.vn"].user_id is None


def test_a_member_invited_twice_is_refused(client, db, world, mailbox):
    sign_in(client, world.leader)
    assert _invite(client, world.team, "hai.lan@example.vn").status_code == 302
    before = snapshot(db)
    for email in ("hai.lan@example.vn", " HAI.LAN@example.vn"):
        response = _invite(client, world.team, email)
        assert response.status_code == 200
        assert 'id="email-errors"' in response.get_data(as_text=True)
    # Also as the advisor: one pending invitation per address.
    assert _invite(client, world.team, "hai.lan@example.vn", "advisor").status_code == 200
    assert snapshot(db) == before
    assert len(mailbox.to("hai.lan@example.vn")) == 1


REFUSED_INVITATIONS = [
    ("hoa@example.vn", "member"),  # already a member
    ("HOA@example.vn", "advisor"),
    ("thay@example.vn", "member"),  # already the advisor
    ("co.giao@example.vn", "advisor"),  # the team has an advisor already
    ("not an email", "member"),
    ("a@example.vn\r\nBcc: evil@example.com", "member"),
    ("moi@example.vn", "leader"),  # not a role one can invite to
]


def test_invitations_that_are_refused(client, db, world, mailbox):
    sign_in(client, world.leader)
    before = snapshot(db)
    wrong = {}
    for email, role in REFUSED_INVITATIONS:
        response = _invite(client, world.team, email, role)
        if response.status_code != 200 or "invalid-feedback" not in response.get_data(as_text=True):
            wrong[(email, role)] = response.status_code
    assert wrong == {}
    assert snapshot(db) == before
    assert len(mailbox) == 0


def test_the_team_size_cap_counts_pending_invitations(client, db, factory, world):
    # 2 members + 1 pending invitation (the world's) + 7 more members = 10.
    for number in range(7):
        person = factory.user(f"Thành Viên {number}", email=f"tv{number}@example.vn")
        world.team.members.append(TeamMember(user=person, full_name=person.full_name))
    db.session.flush()
    assert team_size(world.team) == 9
    sign_in(client, world.leader)
    before = invitation_count(db, world.team)
    response = _invite(client, world.team, "thu.muoi.mot@example.vn")
    assert response.status_code == 200
    assert invitation_count(db, world.team) == before
    # Once the pending one is cancelled there is room again.
    post_form(
        client,
        f"/competitions/teams/{world.team.id}/invitations/{world.invitation.id}/cancel",
        {},
        form_page=f"/competitions/teams/{world.team.id}",
    )
    assert _invite(client, world.team, "thu.muoi.mot@example.vn").status_code == 302
    assert MAX_TEAM_SIZE == 10


def test_an_invitation_accepted_by_another_account_changes_nothing(app, client, db, world):
    intruder = world.accounts["participant"]
    sign_in(client, intruder)
    link = f"/competitions/teams/invitations/{world.token}"
    html = client.get(link).get_data(as_text=True)
    assert 'id="refusal"' in html and 'id="accept"' not in html
    before = snapshot(db)
    response = post_form(client, link + "/accept", {}, form_page=link)
    assert response.status_code == 403
    assert 'id="refusal"' in response.get_data(as_text=True)
    assert snapshot(db) == before
    assert intruder.id not in members_of(db, world.team)
    assert db.session.get(TeamInvitation, world.invitation.id).response is None


def _invitee(factory, world) -> User:  # noqa: ANN001
    return factory.user("Khách Mời", email=INVITEE)


def test_a_used_link_cannot_be_used_again(app, client, db, factory, world):
    invitee = _invitee(factory, world)
    sign_in(client, invitee)
    link = f"/competitions/teams/invitations/{world.token}"
    assert post_form(client, link + "/accept", {}, form_page=link).status_code == 302
    before = snapshot(db)
    token = csrf_token(client, "/competitions/teams/")
    assert client.get(link).status_code == 410
    assert client.post(link + "/accept", data={"csrf_token": token}).status_code == 410
    assert client.post(link + "/decline", data={"csrf_token": token}).status_code == 410
    assert snapshot(db) == before


def test_an_expired_link_changes_nothing(app, client, db, factory, world):
    invitee = _invitee(factory, world)
    link = f"/competitions/teams/invitations/{world.token}"
    with time_machine.travel(datetime.now(UTC) + timedelta(days=7, minutes=1), tick=False):
        sign_in(client, invitee)
        assert client.get(link).status_code == 410
        before = snapshot(db)
        token = csrf_token(client, "/competitions/teams/")
        assert client.post(link + "/accept", data={"csrf_token": token}).status_code == 410
        assert client.post(link + "/decline", data={"csrf_token": token}).status_code == 410
        assert snapshot(db) == before
        # The leader sees it as expired and may send it again.
        leader = app.test_client()
        sign_in(leader, world.leader)
        page = leader.get(f"/competitions/teams/{world.team.id}").get_data(as_text=True)
        assert INVITEE in page
    assert invitee.id not in members_of(db, world.team)


def test_a_link_works_until_it_expires(client, db, factory, world):
    invitee = _invitee(factory, world)
    link = f"/competitions/teams/invitations/{world.token}"
    with time_machine.travel(datetime.now(UTC) + timedelta(days=6, hours=23), tick=False):
        sign_in(client, invitee)
        assert post_form(client, link + "/accept", {}, form_page=link).status_code == 302
    assert invitee.id in members_of(db, world.team)


def test_an_unknown_link_is_404(client, db, world):
    link = "/competitions/teams/invitations/not-a-real-token"
    assert client.get(link).status_code == 404
    before = snapshot(db)
    token = csrf_token(client, "/auth/login")
    assert client.post(link + "/decline", data={"csrf_token": token}).status_code == 404
    assert snapshot(db) == before


def test_declining_needs_no_account(client, db, world):
    link = f"/competitions/teams/invitations/{world.token}"
    response = post_form(client, link + "/decline", {}, form_page=link)
    assert response.status_code == 302
    assert db.session.get(TeamInvitation, world.invitation.id).response == "declined"
    assert audit_actions(db, "team.invitation_decline")
    assert client.get(link).status_code == 410
    assert members_of(db, world.team) == {world.leader.id, world.member.id}


def test_resend_kills_the_old_link_and_cancel_kills_the_link(client, db, factory, world, mailbox):
    invitee = _invitee(factory, world)
    team_page = f"/competitions/teams/{world.team.id}"
    old_link = f"/competitions/teams/invitations/{world.token}"
    sign_in(client, world.leader)
    response = post_form(
        client,
        f"{team_page}/invitations/{world.invitation.id}/resend",
        {},
        form_page=team_page,
    )
    assert response.status_code == 302
    assert client.get(old_link).status_code == 410
    new_link = mailbox.link_to(INVITEE, "/competitions/teams/invitations/")
    assert new_link != old_link and client.get(new_link).status_code == 200
    fresh = db.session.scalar(
        select(TeamInvitation).where(
            TeamInvitation.email == INVITEE, TeamInvitation.response.is_(None)
        )
    )
    assert fresh.id != world.invitation.id
    assert audit_actions(db, "team.invitation_resend")

    response = post_form(
        client, f"{team_page}/invitations/{fresh.id}/cancel", {}, form_page=team_page
    )
    assert response.status_code == 302
    assert db.session.get(TeamInvitation, fresh.id).response == "cancelled"
    assert audit_actions(db, "team.invitation_cancel")
    # Neither link lets the invitee in.
    browser = client.application.test_client()
    sign_in(browser, invitee)
    for link in (old_link, new_link):
        assert browser.get(link).status_code == 410
        assert post_form(browser, link + "/accept", {}, form_page="/").status_code == 410
    assert invitee.id not in members_of(db, world.team)


def test_an_answered_invitation_cannot_be_cancelled_or_resent(client, db, world):
    world.invitation.response = "declined"
    world.invitation.responded_at = utcnow()
    db.session.flush()
    team_page = f"/competitions/teams/{world.team.id}"
    sign_in(client, world.leader)
    before = snapshot(db)
    for action in ("cancel", "resend"):
        url = f"{team_page}/invitations/{world.invitation.id}/{action}"
        assert post_form(client, url, {}, form_page=team_page).status_code == 302
    assert snapshot(db) == before


def test_an_invitation_of_another_team_is_404_for_this_leader(client, db, factory, world):
    other = factory.team(leader=factory.user("Ai Khác"), name="Nhóm Khác")
    invitation = make_invitation(db, other, "x@example.vn", "other-team-token")
    team_page = f"/competitions/teams/{world.team.id}"
    sign_in(client, world.leader)
    before = snapshot(db)
    url = f"{team_page}/invitations/{invitation.id}/cancel"
    assert post_form(client, url, {}, form_page=team_page).status_code == 404
    # Nor does another team's page exist for them.
    assert client.get(f"/competitions/teams/{other.id}").status_code == 404
    url = f"/competitions/teams/{other.id}/invite"
    assert (
        post_form(client, url, {"email": "x2@example.vn"}, form_page=team_page).status_code == 404
    )
    assert snapshot(db) == before


def test_the_advisor_accepts_and_sees_the_team_read_only(app, client, db, factory, world):
    world.team.advisor = None
    db.session.flush()
    teacher = factory.user("Nguyễn Thị Cô", email="co.giao@example.vn")
    make_invitation(db, world.team, "co.giao@example.vn", "advisor-token", InvitationRole.ADVISOR)
    sign_in(client, teacher)
    link = "/competitions/teams/invitations/advisor-token"
    assert post_form(client, link + "/accept", {}, form_page=link).status_code == 302
    team = db.session.get(Team, world.team.id)
    assert team.advisor_id == teacher.id
    assert teacher.id not in members_of(db, team)  # the advisor is not a member
    html = client.get(f"/competitions/teams/{team.id}").get_data(as_text=True)
    assert 'id="my-details"' not in html
    assert client.get(f"/competitions/teams/{team.id}/invite").status_code == 403
    assert world.team.name in client.get("/competitions/teams/").get_data(as_text=True)


def test_a_member_cannot_also_become_the_advisor(client, db, world):
    world.team.advisor = None
    make_invitation(db, world.team, "hoa@example.vn", "member-as-advisor", InvitationRole.ADVISOR)
    sign_in(client, world.member)
    link = "/competitions/teams/invitations/member-as-advisor"
    before = snapshot(db)
    assert post_form(client, link + "/accept", {}, form_page=link).status_code == 409
    assert snapshot(db) == before


# --- leadership, removal, leaving --------------------------------------------------------------


def test_leadership_is_handed_over_with_confirmation(client, db, world, mailbox):
    url = f"/competitions/teams/{world.team.id}/transfer"
    member_row = world.team.member_for(world.member)
    sign_in(client, world.leader)
    before = snapshot(db)
    response = post_form(client, url, {"new_leader": member_row.id})
    assert response.status_code == 200
    assert 'id="confirm-errors"' in response.get_data(as_text=True)
    assert snapshot(db) == before

    response = post_form(client, url, {"new_leader": member_row.id, "confirm": "y"})
    assert response.status_code == 302
    assert db.session.get(Team, world.team.id).leader_id == world.member.id
    [event] = audit_actions(db, "team.leader_transfer")
    assert (event.old, event.new, event.actor_id) == (
        {"leader_id": world.leader.id},
        {"leader_id": world.member.id},
        world.leader.id,
    )
    assert f"/competitions/teams/{world.team.id}" in mailbox.text(mailbox.last_to("hoa@example.vn"))
    # The former leader is a member now: no more leader pages.
    assert client.get(f"/competitions/teams/{world.team.id}/invite").status_code == 403
    assert world.leader.id in members_of(db, world.team)


def test_leadership_goes_only_to_a_member_of_the_team(client, db, factory, world):
    other = factory.team(leader=factory.user("Ai Khác"), name="Nhóm Khác")
    sign_in(client, world.leader)
    before = snapshot(db)
    url = f"/competitions/teams/{world.team.id}/transfer"
    response = post_form(client, url, {"new_leader": other.members[0].id, "confirm": "y"})
    assert response.status_code == 200
    assert snapshot(db) == before


def test_the_leader_removes_a_member_but_not_themself(client, db, world, mailbox):
    team_id = world.team.id
    leader_row = world.team.member_for(world.leader)
    member_row = world.team.member_for(world.member)
    sign_in(client, world.leader)
    before = snapshot(db)
    url = f"/competitions/teams/{team_id}/members/{leader_row.id}/remove"
    response = post_form(client, url, {}, form_page=f"/competitions/teams/{team_id}")
    assert response.status_code == 200
    assert 'id="refusal"' in response.get_data(as_text=True)
    assert snapshot(db) == before

    url = f"/competitions/teams/{team_id}/members/{member_row.id}/remove"
    assert post_form(client, url, {}).status_code == 302
    assert members_of(db, world.team) == {world.leader.id}
    [event] = audit_actions(db, "team.member_remove")
    assert event.old["user_id"] == world.member.id and event.actor_id == world.leader.id
    assert mailbox.last_to("hoa@example.vn")
    removed = client.application.test_client()
    sign_in(removed, world.member)
    assert removed.get(f"/competitions/teams/{team_id}").status_code == 404


def test_a_member_leaves_but_the_leader_hands_over_first(app, client, db, world):
    team_id = world.team.id
    url = f"/competitions/teams/{team_id}/leave"
    sign_in(client, world.leader)
    before = snapshot(db)
    response = post_form(client, url, {})
    assert response.status_code == 200
    assert 'id="refusal"' in response.get_data(as_text=True)
    assert snapshot(db) == before

    member = app.test_client()
    sign_in(member, world.member)
    response = post_form(member, url, {})
    assert response.status_code == 302
    assert members_of(db, world.team) == {world.leader.id}
    assert audit_actions(db, "team.member_leave")[0].actor_id == world.member.id


def test_the_leader_removes_the_advisor(client, db, world):
    sign_in(client, world.leader)
    url = f"/competitions/teams/{world.team.id}/advisor/remove"
    assert post_form(client, url, {}).status_code == 302
    assert db.session.get(Team, world.team.id).advisor_id is None
    assert audit_actions(db, "team.advisor_remove")[0].old == {"advisor_id": world.advisor.id}
    assert client.get(url).status_code == 404  # no advisor any more


def test_the_advisor_steps_down(client, db, world):
    sign_in(client, world.advisor)
    url = f"/competitions/teams/{world.team.id}/advisor/remove"
    assert post_form(client, url, {}).status_code == 302
    assert db.session.get(Team, world.team.id).advisor_id is None
    assert client.get(f"/competitions/teams/{world.team.id}").status_code == 404


# --- my teams -------------------------------------------------------------------------------------


def test_one_person_in_several_teams(client, db, factory, world):
    person = world.member
    factory.team(leader=person, name="Nhóm Ánh Dương")
    factory.team(leader=factory.user("Ai Đó"), name="Nhóm Bình Minh", advisor=person)
    factory.team(leader=factory.user("Ai Khác"), name="Nhóm Không Liên Quan")
    make_invitation(db, factory.team(name="Nhóm Mời"), person.email, "invite-to-hoa")
    sign_in(client, person)
    html = client.get("/competitions/teams/").get_data(as_text=True)
    table = html[html.index('id="my-teams"') :]
    names = ["Nhóm Ánh Dương", "Nhóm Bình Minh", "Nhóm Hạt Mầm"]
    assert [table.index(name) for name in names] == sorted(table.index(name) for name in names)
    assert "Nhóm Không Liên Quan" not in html
    assert "Nhóm Mời" in html[html.index('id="my-invitations"') :]


def _many_teams(factory, user: User, count: int) -> None:  # noqa: ANN001
    for number in range(count):
        others = tuple(factory.user(f"Bạn {number} {k}") for k in range(2))
        factory.team(leader=user, name=f"Nhóm số {number}", members=others)


def test_my_teams_takes_the_same_number_of_queries_for_3_and_30(app, db, factory, count_queries):
    counts = []
    for size in (3, 30):
        user = factory.user(f"Người Dùng {size}", email=f"nguoi{size}@example.vn")
        _many_teams(factory, user, size)
        browser = app.test_client()
        sign_in(browser, user)
        with count_queries() as counted:
            response = browser.get("/competitions/teams/")
        assert response.status_code == 200
        assert response.get_data(as_text=True).count("/competitions/teams/") >= size
        counts.append(counted.n)
    assert counts[0] == counts[1]


def test_the_team_page_takes_the_same_number_of_queries_for_3_and_9_members(
    app, db, factory, count_queries
):
    counts = []
    for size in (3, 9):
        leader = factory.user(f"Trưởng Nhóm {size}", email=f"truong{size}@example.vn")
        others = tuple(factory.user(f"Thành Viên {size} {k}") for k in range(size - 1))
        team = factory.team(leader=leader, members=others, name=f"Nhóm {size}")
        for k in range(size):
            make_invitation(db, team, f"m{size}.{k}@example.vn", f"token-{size}-{k}")
        browser = app.test_client()
        sign_in(browser, leader)
        with count_queries() as counted:
            assert browser.get(f"/competitions/teams/{team.id}").status_code == 200
        counts.append(counted.n)
    assert counts[0] == counts[1]


# --- hostile text ---------------------------------------------------------------------------------


def test_a_team_name_with_html_is_shown_escaped(app, client, db, factory, world, mailbox):
    world.team.name = XSS
    db.session.flush()
    escaped = "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"
    sign_in(client, world.leader)
    for page in (f"/competitions/teams/{world.team.id}", "/competitions/teams/"):
        html = client.get(page).get_data(as_text=True)
        assert XSS not in html and "<img src=x" not in html, page
        assert escaped in html, page
    visitor = app.test_client()
    html = visitor.get(f"/competitions/teams/invitations/{world.token}").get_data(as_text=True)
    assert "<img src=x" not in html
    _invite(client, world.team, "xss@example.vn")
    assert "<img src=x" not in mailbox.html(mailbox.last_to("xss@example.vn"))


def test_crlf_in_a_team_name_does_not_reach_the_mail_headers(client, db, world, mailbox):
    sign_in(client, world.accounts["participant"])
    response = post_form(
        client,
        "/competitions/teams/new",
        {
            "name": "Nhóm A\r\nBcc: evil@example.com\r\nSubject: spam",
            "unit": 0,
            "full_name": "Phạm Văn Lạ",
        },
    )
    assert response.status_code == 302
    team = db.session.scalar(select(Team).where(Team.leader_id == world.accounts["participant"].id))
    assert "\n" not in team.name and "\r" not in team.name
    assert _invite(client, team, "nan.nhan@example.vn").status_code == 302
    message = mailbox.last_to("nan.nhan@example.vn")
    assert message["Bcc"] is None
    assert message.get_all("Subject") == [message["Subject"]]
    assert "\n" not in message["Subject"] and "Nhóm A Bcc: evil@example.com" in message["Subject"]
    assert not mailbox.to("evil@example.com")
    stored = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient == "nan.nhan@example.vn")
    )
    assert "\n" not in stored.subject and "\r" not in stored.subject


def test_team_size_counts_members_only(db, world):
    assert team_size(world.team) == 2  # the leader and the member; not the advisor
    assert world.team.advisor_id is not None
