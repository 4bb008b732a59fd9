"""Judge panels: organizers list the panel, invite existing accounts (found by name or email,
accents or not) or new people by email (an account without a password and a single-use,
expiring activation link), set each judge's scope, cap and expertise, and take judges off
the panel."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.auth.models import AccountToken
from app.mail.outbox import OutboxMessage
from app.people.models import ExpertiseTag, Role, RoleGrant, User
from competitions.models import Pool
from judging.common import JudgingError
from judging.models import (
    Conflict,
    JudgeAssignment,
    PanelMember,
    PanelStatus,
)
from judging.panels import queries, services
from tests.helpers import csrf_token, login, post_form
from tests.judging import roles
from tests.judging import world as w
from tests.judging.roles import answer, assert_access, refusal, sign_in
from tests.smtp import Mailbox

ROLES = (*roles.ROLES, "outsider_judge")  # a judge, not on this round's panel
ORGANIZERS_ONLY = roles.ORGANIZERS_ONLY | {"outsider_judge": 403}

# fmt: off
ACCESS: dict[str, dict[str, int | str]] = {
    "judging.panel":        ORGANIZERS_ONLY,
    "judging.panel_member": ORGANIZERS_ONLY,
}
POST_ENDPOINTS = {"judging.panel_invite", "judging.panel_invite_new", "judging.panel_remove"}
# fmt: on

MEMBER_ROW = re.compile(r'data-member-id="(\d+)" data-user-id="(\d+)" data-status="(\w+)"')
HTML_LANG = re.compile(r'<html lang="([a-z]+)"')


@dataclass
class Setting(roles.Setting):
    finance: ExpertiseTag
    farming: ExpertiseTag


@pytest.fixture()
def s(db, factory) -> Setting:
    world = w.build(factory, entries=4, judges=2, by_track=True)
    finance = ExpertiseTag(code="finance", name_vi="Tài chính", name_en="Finance")
    farming = ExpertiseTag(code="agriculture", name_vi="Nông nghiệp", name_en="Agriculture")
    db.session.add_all([finance, farming])
    outsider = factory.user("Hoàng Văn Ngoài", roles=(Role.JUDGE,))
    accounts = roles.accounts(factory, world, outsider_judge=outsider)
    db.session.flush()
    return Setting(world=world, accounts=accounts, finance=finance, farming=farming)


def other_round(db, factory):  # noqa: ANN001, ANN201
    """A round of another competition, with a pool and a judge on its panel."""
    competition = factory.competition(title="Cuộc thi cấp thành phố", code="DN")
    round_ = competition.rounds[0]
    pool = Pool(name="Bảng chung")
    round_.pools.append(pool)
    member = PanelMember(round=round_, user=factory.user("Mai Văn Khác", roles=(Role.JUDGE,)))
    db.session.add(member)
    db.session.flush()
    return round_, pool, member


def panel_url(s: Setting, q: str | None = None) -> str:
    return f"/judging/rounds/{s.round_id}/panel" + (f"?q={q}" if q else "")


def count(db, model, *where) -> int:  # noqa: ANN001
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def state(db) -> tuple:  # noqa: ANN001
    """Everything a panel action may change."""
    members = db.session.execute(
        select(
            PanelMember.id,
            PanelMember.user_id,
            PanelMember.status,
            PanelMember.pool_id,
            PanelMember.track_id,
            PanelMember.cap,
            PanelMember.conflicts_declared_at,
        ).order_by(PanelMember.id)
    ).all()
    assignments = db.session.execute(
        select(JudgeAssignment.id, JudgeAssignment.status).order_by(JudgeAssignment.id)
    ).all()
    return (
        members,
        assignments,
        count(db, User),
        count(db, RoleGrant),
        count(db, Conflict),
        count(db, OutboxMessage),
        count(db, AccountToken),
        count(db, AuditEvent, AuditEvent.action.like("judging.%")),
        db.session.execute(
            select(func.count()).select_from(User.expertise.prop.secondary)
        ).scalar(),
    )


def members_of(db, s: Setting) -> dict[int, PanelMember]:  # noqa: ANN001
    rows = db.session.scalars(select(PanelMember).where(PanelMember.round_id == s.round_id))
    return {m.user_id: m for m in rows}


def invite(client, s: Setting, user_ids, **extra):  # noqa: ANN001, ANN003, ANN201
    data = {"user_ids": list(user_ids), "scope": "round", "cap": "", **extra}
    return post_form(
        client, f"/judging/rounds/{s.round_id}/panel/invite", data, form_page=panel_url(s)
    )


def invite_new(client, s: Setting, **data):  # noqa: ANN001, ANN003, ANN201
    data = {"scope": "round", "cap": "", **data}
    return post_form(
        client, f"/judging/rounds/{s.round_id}/panel/new", data, form_page=panel_url(s)
    )


def flashes(client) -> str:  # noqa: ANN001
    """The page after a redirect, where the flashed messages show."""
    return client.get("/dashboard").get_data(as_text=True)


# --- access ---------------------------------------------------------------------------------


def sample_urls(s: Setting) -> dict[str, str]:
    return {
        "judging.panel": panel_url(s),
        "judging.panel_member": f"/judging/rounds/{s.round_id}/panel/{s.world.panel[0].id}",
    }


@pytest.mark.parametrize("role", ROLES)
def test_access(client, s, role):
    assert_access(client, s.accounts, role, sample_urls(s), ACCESS)


def test_missing_round_or_member_is_404(client, db, s, factory):
    sign_in(client, s.accounts, "organizer")
    assert client.get("/judging/rounds/999999/panel").status_code == 404
    assert client.get(f"/judging/rounds/{s.round_id}/panel/999999").status_code == 404
    # A panel row of another round is not found through this round.
    _, _, member = other_round(db, factory)
    url = f"/judging/rounds/{s.round_id}/panel/{member.id}"
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("role", ["anonymous", "judge", "other_organizer"])
def test_posts_by_others_change_nothing(client, db, s, role):
    """Invitations, edits and removals are the round's organizers' only."""
    target = s.accounts["outsider_judge"]
    member = s.world.panel[1]
    sign_in(client, s.accounts, role)
    before = state(db)
    token = csrf_token(client, "/")
    base = f"/judging/rounds/{s.round_id}/panel"
    posts = [
        (f"{base}/invite", {"user_ids": [target.id], "scope": "round"}),
        (f"{base}/new", {"full_name": "Ngô Văn Lạ", "email": "la@example.vn", "scope": "round"}),
        (f"{base}/{member.id}/remove", {}),
        (f"{base}/{member.id}", {"scope": "round", "cap": "1"}),
    ]
    for url, data in posts:
        response = client.post(url, data={"csrf_token": token, **data})
        assert answer(response) == refusal(role)
    assert state(db) == before


def test_a_post_without_csrf_token_changes_nothing(client, db, s):
    sign_in(client, s.accounts, "organizer")
    before = state(db)
    target = s.accounts["outsider_judge"]
    response = client.post(
        f"/judging/rounds/{s.round_id}/panel/invite",
        data={"user_ids": [target.id], "scope": "round"},
    )
    assert response.status_code == 400  # the app's CSRF protection
    member = s.world.panel[1]
    response = client.post(f"/judging/rounds/{s.round_id}/panel/{member.id}/remove")
    assert response.status_code == 400
    assert state(db) == before


# --- the list -------------------------------------------------------------------------------


def test_the_panel_lists_judges_in_vietnamese_order_with_their_settings(client, db, s, factory):
    world = s.world
    # Vietnamese lists go by given name: An before Bình before Giám Khảo 1.
    an = factory.user("Trần Văn An", roles=(Role.JUDGE,), unit=world.entries[0].entry.team.unit)
    binh = factory.user("Nguyễn Thị Bình", roles=(Role.JUDGE,))
    binh.expertise.append(s.finance)
    db.session.add_all(
        [
            PanelMember(round=world.round, user=an, pool=world.pools[0], cap=7),
            PanelMember(round=world.round, user=binh, track=world.competition.tracks[1]),
        ]
    )
    w.assign(world, world.judges[0], world.entries[0])
    w.assign(world, world.judges[0], world.entries[1])
    w.assign(world, world.judges[0], world.entries[2], published=False)
    db.session.flush()
    sign_in(client, s.accounts, "organizer")
    page = client.get(panel_url(s)).get_data(as_text=True)
    order = [int(user_id) for _, user_id, _ in MEMBER_ROW.findall(page)]
    # Given name first ("1" < "2" < "An" < "Bình"), so Trần Văn An comes before Nguyễn Thị Bình.
    assert order == [world.judges[0].id, world.judges[1].id, an.id, binh.id]
    rows = {int(user_id): row for user_id, row in re.findall(
        r'data-user-id="(\d+)"(.*?)</tr>', page, flags=re.S)}  # fmt: skip
    assert "Trường THPT Số 1" in rows[an.id] and "<td>7</td>" in rows[an.id]
    assert f"Pool: {world.pools[0].name}" in rows[an.id]
    assert s.finance.name("en") in rows[binh.id]
    assert f"Track: {world.competition.tracks[1].name}" in rows[binh.id]
    assert 'data-declared="no"' in rows[an.id] and 'data-declared="yes"' in rows[world.judges[0].id]
    assert 'data-assigned="2"' in rows[world.judges[0].id]


def test_the_panel_page_loads_in_a_fixed_number_of_queries(client, db, s, factory, count_queries):
    sign_in(client, s.accounts, "organizer")

    url = panel_url(s)

    def queries() -> int:
        with count_queries() as counted:
            assert client.get(url).status_code == 200
        return counted.n

    few = queries()
    for n in range(25):
        judge = factory.user(f"Đỗ Văn Thêm {n}", roles=(Role.JUDGE,), unit=factory.unit())
        judge.expertise.append(s.farming)
        db.session.add(PanelMember(round=s.world.round, user=judge, pool=s.world.pools[n % 2]))
        w.assign(s.world, judge, s.world.entries[n % 4])
    db.session.flush()
    assert queries() == few


def test_search_ignores_accents_and_finds_by_email(client, db, s, factory):
    hoa = factory.user("Nguyễn Thị Hoà", email="hoa.nguyen@truong.edu.vn")
    factory.user("Nguyễn Văn Hùng")
    disabled = factory.user("Nguyễn Thị Hoàn")
    disabled.disabled_at = datetime.now(UTC)
    db.session.flush()
    sign_in(client, s.accounts, "organizer")
    found = re.findall(
        r'data-found-id="(\d+)"', client.get(panel_url(s, "nguyen thi hoa")).get_data(as_text=True)
    )
    assert found == [str(hoa.id)]
    found = re.findall(
        r'data-found-id="(\d+)"',
        client.get(panel_url(s, "hoa.nguyen@truong")).get_data(as_text=True),
    )
    assert found == [str(hoa.id)]
    # Someone already on the panel is shown as such, with nothing to tick.
    judge = s.world.judges[0]
    page = client.get(panel_url(s, "giam khao 1")).get_data(as_text=True)
    assert (
        f'id="pick-{judge.id}"' in page and f'value="{judge.id}" id="pick-{judge.id}"' not in page
    )


# --- inviting existing accounts -------------------------------------------------------------


def test_inviting_an_existing_account_grants_the_role_and_emails_them_in_their_language(
    client, db, s, factory, mailbox
):
    world = s.world
    expert = factory.user("Lý Thị Chuyên Gia", email="chuyengia@example.vn")
    expert.locale = "en"
    colleague = factory.user("Đinh Văn Đồng Nghiệp", email="dongnghiep@example.vn")
    db.session.flush()
    sign_in(client, s.accounts, "organizer")
    pool = world.pools[1]
    response = invite(
        client, s, [expert.id, colleague.id], scope=f"pool-{pool.id}", cap="12", tags=[s.finance.id]
    )
    assert response.status_code == 302
    assert "2 judges invited" in flashes(client)
    members = members_of(db, s)
    for person in (expert, colleague):
        member = members[person.id]
        assert (member.status, member.pool_id, member.track_id, member.cap) == (
            "active", pool.id, None, 12
        )  # fmt: skip
        assert member.conflicts_declared_at is None
        assert member.invited_by_id == world.organizer.id
        assert db.session.get(User, person.id).has_role(Role.JUDGE)
        assert [t.code for t in db.session.get(User, person.id).expertise] == ["finance"]
    english = mailbox.last_to("chuyengia@example.vn")
    vietnamese = mailbox.last_to("dongnghiep@example.vn")
    assert HTML_LANG.search(Mailbox.html(english)).group(1) == "en"
    assert HTML_LANG.search(Mailbox.html(vietnamese)).group(1) == "vi"
    assert "invite you to judge" in Mailbox.text(english)
    declare = mailbox.link_to("dongnghiep@example.vn", "/declare")
    assert declare == f"/judging/rounds/{s.round_id}/declare"
    assert "/auth/activate/" not in Mailbox.text(english)
    audits = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "judging.panel_invite")
    ).all()
    assert {a.new["user_id"] for a in audits} == {expert.id, colleague.id}
    assert all(a.actor_id == world.organizer.id for a in audits)
    grants = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "role.grant")).all()
    assert sorted(int(g.object_id) for g in grants if g.new["role"] == "judge") == sorted(
        [expert.id, colleague.id]
    )


def test_inviting_someone_already_on_the_panel_says_so_and_doubles_nothing(client, db, s, mailbox):
    sign_in(client, s.accounts, "organizer")
    judge = s.world.judges[0]
    before = state(db)
    response = invite(client, s, [judge.id], cap="3")
    assert response.status_code == 302
    assert "Already on the panel, nothing changed: Lê Văn Giám Khảo 1." in flashes(client)
    assert state(db) == before
    assert len(mailbox) == 0
    # The same new person twice: one account, one panel row, one email.
    for _ in range(2):
        invite_new(client, s, full_name="Ngô Thị Mới", email="moi@example.vn")
    assert count(db, User, User.email == "moi@example.vn") == 1
    user = db.session.scalar(select(User).where(User.email == "moi@example.vn"))
    assert count(db, PanelMember, PanelMember.user_id == user.id) == 1
    assert len(mailbox.to("moi@example.vn")) == 1
    assert "Already on the panel" in flashes(client)


def test_a_disabled_or_unknown_account_is_not_invited(client, db, s, factory):
    gone = factory.user("Trương Văn Nghỉ")
    gone.disabled_at = datetime.now(UTC)
    db.session.flush()
    sign_in(client, s.accounts, "organizer")
    before = state(db)
    for ids in ([gone.id], [999999]):
        response = invite(client, s, ids)
        assert response.status_code == 200
        assert "Tick at least one person." in response.get_data(as_text=True)
    assert state(db) == before


def test_an_invitation_with_an_error_keeps_the_search_and_the_ticks(client, db, s, factory):
    expert = factory.user("Lý Thị Chuyên Gia")
    sign_in(client, s.accounts, "organizer")
    response = invite(client, s, [expert.id], cap="-3", q="chuyen gia")
    page = response.get_data(as_text=True)
    assert f'value="{expert.id}" id="pick-{expert.id}" checked' in page
    assert count(db, PanelMember, PanelMember.user_id == expert.id) == 0


@pytest.mark.parametrize(
    "field, value",
    [("scope", "pool-999999"), ("scope", "everything"), ("cap", "-1"), ("cap", "nhiều")],
)
def test_a_bad_scope_or_cap_is_refused_and_nothing_changes(client, db, s, factory, field, value):
    expert = factory.user("Lý Thị Chuyên Gia")
    sign_in(client, s.accounts, "organizer")
    before = state(db)
    response = invite(client, s, [expert.id], **{field: value})
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert state(db) == before


def test_a_pool_of_another_round_is_no_scope(client, db, s, factory):
    """A tampered form naming another round's pool is refused by the service too."""
    _, pool, _ = other_round(db, factory)
    expert = factory.user("Lý Thị Chuyên Gia")
    before = state(db)
    with pytest.raises(JudgingError) as refused:
        services.invite_existing(
            s.world.round,
            [expert],
            scope=services.Scope(pool_id=pool.id),
            cap=None,
            by=s.world.organizer,
        )
    assert refused.value.reason == "bad_scope"
    assert state(db) == before


# --- inviting new people --------------------------------------------------------------------


def test_a_new_person_gets_an_account_and_a_single_use_activation_link(client, db, s, mailbox):
    sign_in(client, s.accounts, "organizer")
    track = s.world.competition.tracks[0]
    response = invite_new(
        client,
        s,
        full_name="  Võ   Thị  Thẩm Định ",
        email="ThamDinh@Example.vn",
        scope=f"track-{track.id}",
        tags=[s.farming.id, s.finance.id],
    )
    assert response.status_code == 302
    assert "An account was made for Võ Thị Thẩm Định" in flashes(client)
    user = db.session.scalar(select(User).where(User.email == "thamdinh@example.vn"))
    assert user.full_name == "Võ Thị Thẩm Định"
    assert user.password_hash is None and user.role_names() == {"judge"}
    assert sorted(t.code for t in user.expertise) == ["agriculture", "finance"]
    member = members_of(db, s)[user.id]
    assert (member.track_id, member.pool_id, member.status) == (track.id, None, "active")
    assert len(mailbox.to("thamdinh@example.vn")) == 1  # one email: invitation and activation
    text = Mailbox.text(mailbox.last_to("thamdinh@example.vn"))
    assert "Vòng sơ khảo" in text and f"/judging/rounds/{s.round_id}/declare" in text
    link = mailbox.link_to("thamdinh@example.vn", "/auth/activate/")

    post_form(client, "/auth/logout", {}, form_page="/dashboard")
    password = "Giám khảo công tâm 2026"
    response = post_form(client, link, {"password": password, "confirm": password})
    assert response.status_code == 302
    assert login(client, "thamdinh@example.vn", password).status_code == 302
    # The link worked once.
    assert client.get(link).status_code == 410
    # Signed in, the judge reaches the declaration page the mail links to.
    assert client.get(f"/judging/rounds/{s.round_id}/declare").status_code == 200


def test_the_activation_link_expires(app, client, db, s, mailbox):
    sign_in(client, s.accounts, "organizer")
    invite_new(client, s, full_name="Phan Văn Muộn", email="muon@example.vn")
    link = mailbox.link_to("muon@example.vn", "/auth/activate/")
    post_form(client, "/auth/logout", {}, form_page="/dashboard")
    later = datetime.now(UTC) + app.config["ACTIVATION_TOKEN_TTL"] + timedelta(minutes=1)
    with time_machine.travel(later):
        assert client.get(link).status_code == 410
        password = "Giám khảo công tâm 2026"
        data = {"password": password, "confirm": password}
        assert post_form(client, link, data, form_page="/").status_code == 410
    assert (
        db.session.scalar(select(User).where(User.email == "muon@example.vn")).password_hash is None
    )


def test_a_new_persons_email_that_has_an_account_invites_that_account(
    client, db, s, factory, mailbox
):
    known = factory.user("Đoàn Văn Cũ", email="cu@example.vn")
    users = count(db, User)
    sign_in(client, s.accounts, "organizer")
    response = invite_new(client, s, full_name="Đoàn Văn Cũ", email="CU@example.vn")
    assert response.status_code == 302
    assert "This email belongs to an existing account: Đoàn Văn Cũ was invited." in flashes(client)
    assert count(db, User) == users
    assert members_of(db, s)[known.id].status == "active"
    assert "/auth/activate/" not in Mailbox.text(mailbox.last_to("cu@example.vn"))


@pytest.mark.parametrize(
    "email, name",
    [("khong-phai-email", "Ngô Văn Sai"), ("a@b", "Ngô Văn Sai"), ("", "Ngô Văn Sai"),
     ("dung@example.vn", ""), ("x\r\nBcc: evil@example.com@example.vn", "Ngô Văn Sai")],
)  # fmt: skip
def test_a_bad_email_or_missing_name_is_refused_and_nothing_changes(
    client, db, s, mailbox, email, name
):
    sign_in(client, s.accounts, "organizer")
    before = state(db)
    response = invite_new(client, s, full_name=name, email=email)
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert state(db) == before
    assert len(mailbox) == 0


def test_inviting_runs_detection_for_the_new_judge(client, db, s, factory):
    """The advisor of a team, invited as a judge, gets a detected conflict at once."""
    world = s.world
    teacher = factory.user("Cao Thị Cố Vấn")
    world.entries[1].entry.team.advisor = teacher
    db.session.flush()
    sign_in(client, s.accounts, "organizer")
    assert invite(client, s, [teacher.id]).status_code == 302
    conflict = db.session.scalar(select(Conflict).where(Conflict.user_id == teacher.id))
    assert (conflict.entry_id, conflict.source, conflict.reason, conflict.status) == (
        world.entries[1].entry_id, "detected", "advisor", "active"
    )  # fmt: skip


# --- changing a judge -----------------------------------------------------------------------


def member_url(s: Setting, member: PanelMember) -> str:
    return f"/judging/rounds/{s.round_id}/panel/{member.id}"


def test_an_organizer_changes_scope_cap_and_expertise(client, db, s):
    world = s.world
    judge, member = world.judges[0], world.panel[0]
    judge.expertise.append(s.finance)
    pool_a, pool_b = world.pools
    in_a = [re for re in world.entries if re.pool_id == pool_a.id]
    in_b = [re for re in world.entries if re.pool_id == pool_b.id]
    w.assign(world, judge, in_a[0])
    w.assign(world, judge, in_b[0])
    w.assign(world, judge, in_b[1], published=False)
    db.session.flush()
    sign_in(client, s.accounts, "organizer")
    page = client.get(member_url(s, member)).get_data(as_text=True)
    assert 'value="round" selected' in page or 'selected value="round"' in page
    response = post_form(
        client,
        member_url(s, member),
        {"scope": f"pool-{pool_a.id}", "cap": "5", "tags": [s.farming.id]},
    )
    assert response.status_code == 302
    row = db.session.get(PanelMember, member.id)
    assert (row.pool_id, row.track_id, row.cap) == (pool_a.id, None, 5)
    # The new scope shows new entries: the judge declares again before opening any.
    assert row.conflicts_declared_at is None
    assert [t.code for t in db.session.get(User, judge.id).expertise] == ["agriculture"]
    left = db.session.scalars(
        select(JudgeAssignment.round_entry_id).where(JudgeAssignment.user_id == judge.id)
    ).all()
    assert left == [in_a[0].id]
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.count("judging.assignment_drop") == 2
    assert "judging.panel_update" in actions and "user.expertise" in actions


def test_changing_only_the_cap_keeps_the_declaration(client, db, s):
    member = s.world.panel[0]
    sign_in(client, s.accounts, "organizer")
    response = post_form(client, member_url(s, member), {"scope": "round", "cap": "9"})
    assert response.status_code == 302
    row = db.session.get(PanelMember, member.id)
    assert row.cap == 9 and row.conflicts_declared_at is not None


def test_a_scope_leaving_out_a_scored_entry_is_refused(client, db, s):
    world = s.world
    judge, member = world.judges[0], world.panel[0]
    pool_a, pool_b = world.pools
    in_b = next(re for re in world.entries if re.pool_id == pool_b.id)
    w.assign(world, judge, in_b)
    w.score(world, judge, in_b, [20, 15, 15, 10, 8, 8.5])
    sign_in(client, s.accounts, "organizer")
    before = state(db)
    response = post_form(client, member_url(s, member), {"scope": f"pool-{pool_a.id}", "cap": ""})
    assert response.status_code == 200
    assert "has score sheets outside the new scope" in response.get_data(as_text=True)
    assert state(db) == before


# --- taking a judge off ---------------------------------------------------------------------


def test_removing_a_judge_drops_their_assignments(client, db, s):
    world = s.world
    judge, member = world.judges[1], world.panel[1]
    w.assign(world, judge, world.entries[0])
    w.assign(world, judge, world.entries[1], published=False)
    other = w.assign(world, world.judges[0], world.entries[0])
    sign_in(client, s.accounts, "organizer")
    response = post_form(
        client, member_url(s, member) + "/remove", {}, form_page=member_url(s, member)
    )
    assert response.status_code == 302
    assert "is off the panel; 2 assignments were removed." in flashes(client)
    assert db.session.get(PanelMember, member.id).status == PanelStatus.REMOVED
    assert db.session.scalars(select(JudgeAssignment.id)).all() == [other.id]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "judging.panel_remove"))
    assert event.old["status"] == "active" and event.new["status"] == "removed"
    assert event.new["assignments_dropped"] == 2
    # The page still lists them, marked removed; they may be invited back.
    page = client.get(panel_url(s)).get_data(as_text=True)
    assert f'data-user-id="{judge.id}" data-status="removed"' in page
    assert invite(client, s, [judge.id]).status_code == 302
    back = db.session.get(PanelMember, member.id)
    assert back.status == "active" and back.conflicts_declared_at is None


def test_a_judge_with_a_score_sheet_stays_on_the_panel(client, db, s):
    world = s.world
    judge, member = world.judges[1], world.panel[1]
    w.assign(world, judge, world.entries[0])
    w.score(world, judge, world.entries[0], [20, 15, 15, 10, 8, 8.5], submitted=False)
    sign_in(client, s.accounts, "organizer")
    before = state(db)
    response = post_form(
        client, member_url(s, member) + "/remove", {}, form_page=member_url(s, member)
    )
    assert response.status_code == 302
    assert "has score sheets in this round and stays on the panel" in flashes(client)
    assert state(db) == before
    assert db.session.get(PanelMember, member.id).status == "active"


def test_removed_judges_show_no_form_and_cannot_be_removed_twice(client, db, s):
    member = s.world.panel[1]
    member.status = PanelStatus.REMOVED
    db.session.flush()
    sign_in(client, s.accounts, "organizer")
    page = client.get(member_url(s, member)).get_data(as_text=True)
    assert 'id="remove-form"' not in page and 'id="member-form"' not in page
    before = state(db)
    post_form(client, member_url(s, member) + "/remove", {}, form_page=panel_url(s))
    assert "no longer on the panel" in flashes(client)
    assert state(db) == before


def test_proposed_and_published_assignment_counts_are_per_status(db, s):
    world = s.world
    w.assign(world, world.judges[0], world.entries[0])
    w.assign(world, world.judges[0], world.entries[1], published=False)
    counts = queries.panel_counts(world.round)[world.judges[0].id]
    assert (counts.published, counts.proposed, counts.sheets) == (1, 1, 0)
