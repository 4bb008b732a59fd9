"""Judge assignment: the automatic proposal (k judges per entry, caps, conflicts, even loads,
expertise, kept assignments), its preview with what is missing, publishing with one email per
judge, discarding, changes by hand, panel mode, and the page's query count."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.mail.outbox import OutboxMessage
from app.people.models import ExpertiseTag, Role, User
from competitions.models import Sector
from judging.assignment import services
from judging.models import (
    AssignmentSource,
    Conflict,
    JudgeAssignment,
    JudgingMode,
    PanelMember,
    PanelStatus,
)
from tests.helpers import csrf_token
from tests.judging import roles
from tests.judging import world as w
from tests.judging.roles import (
    FLASH,
    ORGANIZERS_ONLY,
    ROLES,
    assert_access,
    sign_in,
)
from tests.smtp import Mailbox

# fmt: off
ACCESS: dict[str, dict[str, int | str]] = {
    "judging.assignments": ORGANIZERS_ONLY,
}
POST_ENDPOINTS = {
    "judging.assignments_propose",
    "judging.assignments_publish",
    "judging.assignments_discard",
    "judging.assignment_add",
    "judging.assignment_remove",
    "judging.assignments_whole_panel",
}
# fmt: on

SEAT = re.compile(r'data-user-id="(\d+)" data-status="(\w+)"')


class Setting(roles.Setting):
    @property
    def url(self) -> str:
        return f"/judging/rounds/{self.round_id}/assignments"


def make_setting(factory, world: w.World) -> Setting:  # noqa: ANN001
    # A world without judges still has someone to sign in as "judge".
    stand_in = {} if world.judges else {"judge": factory.user("Lê Văn Khác")}
    return Setting(world=world, accounts=roles.accounts(factory, world, **stand_in))


@pytest.fixture()
def s(db, factory) -> Setting:
    """Two pools (one per track), three entries each, four round-wide judges, k = 2."""
    return make_setting(factory, w.build(factory, entries=6, judges=4, by_track=True, k=2))


def post(client, s: Setting, action: str, data: dict | None = None, **kwargs):  # noqa: ANN001, ANN003, ANN201
    token = csrf_token(client, s.url)
    return client.post(f"{s.url}/{action}", data={"csrf_token": token, **(data or {})}, **kwargs)


def flashes(response) -> list[tuple[str, str]]:  # noqa: ANN001
    html = response.get_data(as_text=True)
    return [(kind, " ".join(unescape(text).split())) for kind, text in FLASH.findall(html)]


def rows(db, s: Setting) -> list[tuple[int, int, str, str]]:  # noqa: ANN001
    """Every assignment of the round: (round entry, judge, status, source), sorted."""
    ids = [e.id for e in s.world.entries]
    return sorted(
        tuple(row)
        for row in db.session.execute(
            select(
                JudgeAssignment.round_entry_id,
                JudgeAssignment.user_id,
                JudgeAssignment.status,
                JudgeAssignment.source,
            ).where(JudgeAssignment.round_entry_id.in_(ids))
        )
    )


def state(db, s: Setting) -> tuple:  # noqa: ANN001
    """What a refused change must leave alone: assignments, audit rows, outbox."""
    audits = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action.like("judging.assign%"))
    )
    mails = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    published_at = [
        tuple(row)
        for row in db.session.execute(
            select(JudgeAssignment.id, JudgeAssignment.published_at).order_by(JudgeAssignment.id)
        )
    ]
    return rows(db, s), audits, mails, published_at


def conflict(db, judge: User, round_entry, status: str = "active") -> Conflict:  # noqa: ANN001
    row = Conflict(
        user_id=judge.id,
        entry_id=round_entry.entry_id,
        source="declared",
        status=status,
        reason="Con gái tôi là thành viên nhóm.",
    )
    db.session.add(row)
    db.session.flush()
    return row


def member(s: Setting, judge: User) -> PanelMember:
    return next(m for m in s.world.panel if m.user_id == judge.id)


def per_entry(found: list[tuple]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for entry_id, *_ in found:
        counts[entry_id] = counts.get(entry_id, 0) + 1
    return counts


def per_judge(found: list[tuple]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for _, user_id, *_ in found:
        counts[user_id] = counts.get(user_id, 0) + 1
    return counts


# --- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_access(client, s, role):
    assert_access(client, s.accounts, role, {"judging.assignments": s.url}, ACCESS)


def test_missing_round_is_404(client, s):
    sign_in(client, s.accounts)
    assert client.get("/judging/rounds/999999/assignments").status_code == 404


@pytest.mark.parametrize("role", ["judge", "other_organizer"])
@pytest.mark.parametrize(
    "action", ["propose", "publish", "discard", "add", "panel", "{assignment}/remove"]
)
def test_posts_by_non_organizers_are_refused_and_change_nothing(client, db, s, role, action):
    judge, entry = s.world.judges[1], s.world.entries[0]
    row = w.assign(s.world, judge, entry, published=False)
    before = state(db, s)
    sign_in(client, s.accounts, role)
    # The judge's own page gives them a CSRF token: a real session's token, not a forged one.
    token = csrf_token(client, "/auth/profile")
    response = client.post(
        f"{s.url}/{action.format(assignment=row.id)}",
        data={"csrf_token": token, "round_entry_id": entry.id, "user_id": judge.id},
    )
    assert response.status_code == 403
    assert state(db, s) == before


def test_a_post_without_csrf_token_changes_nothing(client, db, s):
    sign_in(client, s.accounts)
    before = state(db, s)
    response = client.post(f"{s.url}/propose")
    assert response.status_code == 400
    assert state(db, s) == before


def set_aside(world: w.World, code: str) -> None:
    """Give a world's competition and entries codes of their own, so that another world
    (whose codes are fixed) can be built in the same test."""
    world.competition.code = code
    for round_entry in world.entries:
        round_entry.entry.code = round_entry.entry.code.replace("QN26", f"{code}26")
    w.db.session.flush()


def another_world(factory, **kwargs) -> w.World:  # noqa: ANN001, ANN003
    world = w.build(factory, **kwargs)
    set_aside(world, f"K{world.competition.id}")
    return world


def test_removing_an_assignment_of_another_round_is_404_and_changes_nothing(client, db, factory, s):
    set_aside(s.world, "TN")
    other = w.build(factory, entries=1, judges=1)
    row = w.assign(other, other.judges[0], other.entries[0])
    before = state(db, s)
    sign_in(client, s.accounts)
    response = post(client, s, f"{row.id}/remove")
    assert response.status_code == 404
    assert state(db, s) == before
    assert db.session.get(JudgeAssignment, row.id) is not None


# --- the automatic proposal --------------------------------------------------------------------


def test_proposal_gives_every_entry_k_judges_with_even_loads_and_emails_nobody(client, db, s):
    sign_in(client, s.accounts)
    response = post(client, s, "propose", follow_redirects=True)
    assert response.status_code == 200
    assert ("success", "12 assignments proposed. Check them below, then publish them.") in (
        flashes(response)
    )
    found = rows(db, s)
    assert {(status, source) for *_, status, source in found} == {("proposed", "auto")}
    assert set(per_entry(found).values()) == {2}
    assert sorted(per_judge(found).values()) == [3, 3, 3, 3]
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "judging.assignments_proposed")
    ).all()
    assert event.actor_id == s.world.organizer.id
    assert len(event.new["proposed"]) == 12
    # The page shows every seat as proposed, and no shortfall.
    html = client.get(s.url).get_data(as_text=True)
    assert 'id="shortfall"' not in html
    assert {status for _, status in SEAT.findall(html)} == {"proposed"}


def test_conflicts_are_never_proposed_and_each_entry_gets_the_judges_it_can(client, db, s):
    entry = s.world.entries[0]
    for judge in s.world.judges[:3]:  # only the fourth judge may judge this entry
        conflict(db, judge, entry)
    # An overridden conflict is no exclusion.
    conflict(db, s.world.judges[0], s.world.entries[1], status="overridden")
    sign_in(client, s.accounts)
    post(client, s, "propose")
    found = rows(db, s)
    assert [j for e, j, *_ in found if e == entry.id] == [s.world.judges[3].id]
    assert not any(e == entry.id and j in {x.id for x in s.world.judges[:3]} for e, j, *_ in found)
    assert per_entry(found)[s.world.entries[1].id] == 2
    html = client.get(s.url).get_data(as_text=True)
    assert "Pool Bảng Học sinh THPT lacks 1 judge slot: 1 entry has 1 of 2 judges." in " ".join(
        html.split()
    )


def test_published_and_hand_proposed_assignments_are_kept_auto_proposals_replaced(client, db, s):
    a, b, c, d = s.world.judges
    first, second = s.world.entries[0], s.world.entries[1]
    w.assign(s.world, a, first)  # published
    hand = services.add_assignment(s.world.round, second.id, b.id, s.world.organizer)
    stale_auto = JudgeAssignment(
        round_entry_id=first.id, user_id=c.id, status="proposed", source="auto"
    )
    db.session.add(stale_auto)
    db.session.flush()
    sign_in(client, s.accounts)
    post(client, s, "propose")
    found = rows(db, s)
    assert (first.id, a.id, "published", "manual") in found
    assert (second.id, b.id, "proposed", "manual") in found
    assert db.session.get(JudgeAssignment, hand.id) is not None
    assert set(per_entry(found).values()) == {2}
    # Proposing again replaces the automatic rows only, and gives the same answer.
    post(client, s, "propose")
    assert rows(db, s) == found


def test_proposal_prefers_judges_whose_expertise_matches_the_sectors(client, db, factory):
    world = w.build(factory, entries=2, judges=2, k=1)
    s = make_setting(factory, world)
    farming = ExpertiseTag(code="agriculture", name_vi="Nông nghiệp", name_en="Agriculture")
    tech = ExpertiseTag(code="technology", name_vi="Công nghệ", name_en="Technology")
    db.session.add_all([farming, tech])
    sectors = {x.code: x for x in db.session.scalars(select(Sector))}
    world.entries[0].entry.sectors = [sectors["technology"]]
    world.entries[1].entry.sectors = [sectors["agriculture"], sectors["food"]]
    world.judges[0].expertise = [farming]
    world.judges[1].expertise = [tech]
    db.session.flush()
    sign_in(client, s.accounts)
    post(client, s, "propose")
    assigned = {
        (r.round_entry_id, r.user_id): r.reasons
        for r in db.session.scalars(select(JudgeAssignment))
    }
    assert assigned == {
        (world.entries[0].id, world.judges[1].id): [
            ["expertise:technology/sector:technology", -2.0]
        ],
        (world.entries[1].id, world.judges[0].id): [
            ["expertise:agriculture/sector:agriculture", -2.0],
            ["expertise:agriculture/sector:food", -1.0],
        ],
    }
    html = client.get(s.url).get_data(as_text=True)
    assert 'data-match="technology"' in html and 'data-match="agriculture"' in html


def test_caps_hold_over_the_whole_round_and_a_zero_cap_gets_nothing(client, db, s):
    a, b, c, d = s.world.judges
    member(s, a).cap = 0
    member(s, b).cap = 2
    db.session.flush()
    sign_in(client, s.accounts)
    post(client, s, "propose")
    loads = per_judge(rows(db, s))
    assert a.id not in loads
    assert loads[b.id] == 2
    assert loads[c.id] + loads[d.id] == 10
    assert abs(loads[c.id] - loads[d.id]) <= 1


def test_infeasible_round_previews_what_is_missing_and_publishes_nothing(client, db, factory):
    """Three judges capped at 2 for a pool of three entries wanting 3 judges each."""
    world = w.build(factory, entries=6, judges=3, by_track=True, k=3)
    s = make_setting(factory, world)
    thpt = world.pools[0]
    for m in world.panel:
        m.pool_id, m.cap = thpt.id, 2
    extra = factory.user("Đỗ Thị Sinh Viên", roles=(Role.JUDGE,))
    db.session.add(PanelMember(round=world.round, user=extra, pool_id=world.pools[1].id))
    db.session.flush()
    sign_in(client, s.accounts)
    response = post(client, s, "propose", follow_redirects=True)
    assert (
        "warning",
        "The round lacks 9 judge slots: nothing can be published without your consent. "
        "See what is missing below.",
    ) in flashes(response)
    text = " ".join(response.get_data(as_text=True).split())
    # The missing judges are spread: every entry has 2 of 3, none is left with nobody.
    assert "Pool Bảng Học sinh THPT lacks 3 judge slots: 3 entries have 2 of 3 judges." in text
    assert "Pool Bảng Sinh viên lacks 6 judge slots: 3 entries have 1 of 3 judges." in text
    saturated = re.search(r'id="saturated">(.*?)</p>', text).group(1)
    for judge in world.judges:
        assert f"{judge.full_name} (cap 2)" in saturated
    assert extra.full_name not in saturated  # the cap is not what stops the second pool
    assert all(status == "proposed" for *_, status, _ in rows(db, s))

    before = state(db, s)
    response = post(client, s, "publish", follow_redirects=True)
    assert any("would still lack judges" in text for _, text in flashes(response))
    assert state(db, s) == before

    response = post(client, s, "publish", {"accept_shortfall": "y"}, follow_redirects=True)
    assert all(status == "published" for *_, status, _ in rows(db, s))


def test_round_without_entries_or_judges_is_refused_with_nothing_changed(client, db, factory):
    world = w.build(factory, entries=0, judges=0)
    s = make_setting(factory, world)
    before = state(db, s)
    sign_in(client, s.accounts)
    response = post(client, s, "propose", follow_redirects=True)
    assert ("danger", "The round has no entries yet.") in flashes(response)
    assert ("danger", "The round has no active judges on its panel yet.") in flashes(response)
    assert state(db, s) == before


# --- publish and discard -----------------------------------------------------------------------


def test_publishing_tells_each_judge_once_how_many_entries_they_have(client, db, s, mailbox):
    a = s.world.judges[0]
    w.assign(s.world, a, s.world.entries[5])  # published earlier: counted, not new
    sign_in(client, s.accounts)
    post(client, s, "propose")
    proposed = rows(db, s)
    response = post(client, s, "publish", follow_redirects=True)
    assert ("success", "11 assignments published. 4 judges have been told by email.") in flashes(
        response
    )
    published = db.session.scalars(select(JudgeAssignment)).all()
    assert {r.status for r in published} == {"published"}
    were_proposed = {(e, j) for e, j, status, _ in proposed if status == "proposed"}
    just_now = [r for r in published if (r.round_entry_id, r.user_id) in were_proposed]
    assert len(just_now) == 11 and all(r.published_at is not None for r in just_now)
    assert [(e, j) for e, j, *_ in rows(db, s)] == [(e, j) for e, j, *_ in proposed]
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "judging.assignments_published")
    ).all()
    assert len(event.new["published"]) == 11
    assert len(mailbox) == 4
    for judge in s.world.judges:
        [message] = mailbox.to(judge.email)
        body = " ".join(Mailbox.text(message).split())
        assert "đã phân công bạn chấm 3 hồ sơ trong Vòng sơ khảo." in body  # their language
        assert mailbox.link_to(judge.email, "/judging/") == "/judging/"
        assert ("Trong đó có 2 hồ sơ mới." in body) == (judge is a)  # a had one already

    # Publishing again has nothing to do and sends nothing.
    response = post(client, s, "publish", follow_redirects=True)
    assert ("danger", "There is no proposal to publish or discard.") in flashes(response)
    assert len(mailbox) == 4


def test_discarding_drops_the_proposal_and_keeps_published_rows(client, db, s):
    kept = w.assign(s.world, s.world.judges[0], s.world.entries[0])
    sign_in(client, s.accounts)
    post(client, s, "propose")
    response = post(client, s, "discard", follow_redirects=True)
    assert ("info", "11 proposed assignments discarded.") in flashes(response)
    assert rows(db, s) == [(kept.round_entry_id, kept.user_id, "published", "manual")]
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "judging.assignments_discarded")
        )
        == 1
    )
    before = state(db, s)
    response = post(client, s, "discard", follow_redirects=True)
    assert ("danger", "There is no proposal to publish or discard.") in flashes(response)
    assert state(db, s) == before


def test_a_conflict_declared_after_the_proposal_stops_its_publication(client, db, s):
    sign_in(client, s.accounts)
    post(client, s, "propose")
    entry_id, user_id, *_ = rows(db, s)[0]
    round_entry = next(e for e in s.world.entries if e.id == entry_id)
    conflict(db, db.session.get(User, user_id), round_entry)
    before = state(db, s)
    response = post(client, s, "publish", {"accept_shortfall": "y"}, follow_redirects=True)
    assert any("may no longer judge their entry" in text for _, text in flashes(response))
    assert state(db, s) == before
    html = response.get_data(as_text=True)
    assert 'id="stale"' in html


# --- by hand -----------------------------------------------------------------------------------


def add(client, s: Setting, round_entry_id, user_id):  # noqa: ANN001, ANN201
    return post(
        client,
        s,
        "add",
        {"round_entry_id": round_entry_id, "user_id": user_id},
        follow_redirects=True,
    )


def test_adding_a_judge_by_hand_proposes_them(client, db, s):
    judge, entry = s.world.judges[2], s.world.entries[1]
    sign_in(client, s.accounts)
    response = add(client, s, entry.id, judge.id)
    assert (
        "success",
        f"{judge.full_name} proposed for “{entry.entry.title}”: publish the proposal to tell them.",
    ) in flashes(response)
    assert rows(db, s) == [(entry.id, judge.id, "proposed", "manual")]
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "judging.assignment_added")
    ).all()
    assert event.new == {"round_entry_id": entry.id, "user_id": judge.id, "status": "proposed"}


def test_adding_a_judge_by_hand_refuses_what_the_rules_forbid(client, db, factory, s):
    a, b, c, d = s.world.judges
    thpt_entry, sv_entry = s.world.entries[0], s.world.entries[1]
    assert thpt_entry.pool_id != sv_entry.pool_id
    conflict(db, a, thpt_entry)
    member(s, b).pool_id = sv_entry.pool_id  # b judges the other pool only
    w.assign(s.world, c, thpt_entry)
    member(s, d).cap = 1
    w.assign(s.world, d, sv_entry)
    outsider = factory.user("Hoàng Văn Ngoài", roles=(Role.JUDGE,))
    removed = factory.user("Lý Thị Rời", roles=(Role.JUDGE,))
    db.session.add(PanelMember(round=s.world.round, user=removed, status=PanelStatus.REMOVED))
    set_aside(s.world, "TN")
    other = w.build(factory, entries=1, judges=0)
    db.session.flush()
    cases = [
        (thpt_entry.id, a.id, "This judge has a conflict of interest with this entry."),
        (thpt_entry.id, b.id, "This entry is outside the judge's scope (their pool or track)."),
        (thpt_entry.id, c.id, "This judge is already assigned to this entry."),
        (thpt_entry.id, d.id, "This judge already holds as many entries as their cap allows."),
        (thpt_entry.id, outsider.id, "This person is not an active judge of the round's panel."),
        (thpt_entry.id, removed.id, "This person is not an active judge of the round's panel."),
        (other.entries[0].id, c.id, "This entry is not in the round."),
    ]
    sign_in(client, s.accounts)
    for entry_id, user_id, message in cases:
        before = state(db, s)
        response = add(client, s, entry_id, user_id)
        assert ("danger", message) in flashes(response), (entry_id, user_id)
        assert state(db, s) == before


def test_removing_an_assignment_takes_the_judge_off_unless_they_saved_scores(client, db, s):
    judge, entry = s.world.judges[0], s.world.entries[0]
    row = w.assign(s.world, judge, entry)
    sign_in(client, s.accounts)
    response = post(client, s, f"{row.id}/remove", follow_redirects=True)
    assert ("info", f"{judge.full_name} no longer judges “{entry.entry.title}”.") in flashes(
        response
    )
    assert rows(db, s) == []
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "judging.assignment_removed")
    ).all()
    assert event.old["user_id"] == judge.id and event.old["status"] == "published"

    scored = w.assign(s.world, judge, s.world.entries[1])
    w.score(s.world, judge, s.world.entries[1], [20, 15, 15, 10, 8, 8.5], submitted=False)
    before = state(db, s)
    response = post(client, s, f"{scored.id}/remove", follow_redirects=True)
    assert (
        "danger",
        "This judge has already saved scores for this entry: the assignment stays.",
    ) in flashes(response)
    assert state(db, s) == before


def test_by_hand_changes_then_publish_email_only_the_newly_assigned_judge(client, db, s, mailbox):
    a, b = s.world.judges[:2]
    w.assign(s.world, a, s.world.entries[0])
    w.assign(s.world, a, s.world.entries[1])
    sign_in(client, s.accounts)
    add(client, s, s.world.entries[2].id, a.id)
    post(client, s, "publish", {"accept_shortfall": "y"})
    assert len(mailbox) == 1
    body = " ".join(Mailbox.text(mailbox.last_to(a.email)).split())
    assert "đã phân công bạn chấm 3 hồ sơ" in body
    assert "Trong đó có 1 hồ sơ mới." in body


# --- panel mode --------------------------------------------------------------------------------


def test_panel_mode_assigns_the_whole_panel_skipping_conflicts(client, db, s, mailbox):
    s.world.settings.mode = JudgingMode.PANEL
    a, b, c, d = s.world.judges
    member(s, d).pool_id = s.world.pools[1].id  # d judges one pool only
    conflict(db, a, s.world.entries[0])
    w.assign(s.world, b, s.world.entries[0], published=False)  # proposed by hand: published now
    db.session.flush()
    sign_in(client, s.accounts)
    before = state(db, s)
    response = post(client, s, "propose", follow_redirects=True)
    assert any("panel mode" in text for _, text in flashes(response))
    assert state(db, s) == before

    response = post(client, s, "panel", follow_redirects=True)
    messages = flashes(response)
    assert (
        "success",
        "20 assignments made for the whole panel. 4 judges have been told by email.",
    ) in messages
    [skipped] = [text for kind, text in messages if kind == "warning"]
    assert skipped.startswith("1 pair skipped for a conflict of interest:")
    assert a.full_name in skipped and s.world.entries[0].entry.code in skipped
    found = rows(db, s)
    assert {status for *_, status, _ in found} == {"published"}
    expected = {
        (e.id, j.id)
        for e in s.world.entries
        for j in s.world.judges
        if not (j is a and e is s.world.entries[0])
        and not (j is d and e.pool_id != s.world.pools[1].id)
    }
    assert {(e, j) for e, j, *_ in found} == expected
    assert {source for e, j, _, source in found if (e, j) != (s.world.entries[0].id, b.id)} == {
        AssignmentSource.PANEL
    }
    assert len(mailbox) == 4
    # Once more: nothing new, no email.
    post(client, s, "panel")
    assert rows(db, s) == found
    assert len(mailbox) == 4


def test_whole_panel_is_refused_outside_panel_mode(client, db, s):
    sign_in(client, s.accounts)
    before = state(db, s)
    response = post(client, s, "panel", follow_redirects=True)
    assert any("only in panel mode" in text for _, text in flashes(response))
    assert state(db, s) == before


# --- the page ----------------------------------------------------------------------------------


def test_page_shows_proposed_and_published_seats_distinctly_and_loads(client, db, s):
    a, b = s.world.judges[:2]
    w.assign(s.world, a, s.world.entries[0])
    w.assign(s.world, b, s.world.entries[0], published=False)
    sign_in(client, s.accounts)
    html = client.get(f"{s.url}?pool={s.world.entries[0].pool_id}").get_data(as_text=True)
    seats = SEAT.findall(html)
    assert (str(a.id), "published") in seats and (str(b.id), "proposed") in seats
    assert 'id="publish-form"' in html and 'id="discard-form"' in html
    pool_row = re.search(
        rf'data-pool-key="{s.world.entries[0].pool_id}" data-missing="(\d+)" '
        r'data-load-min="(\d+)" data-load-max="(\d+)"',
        html,
    )
    assert pool_row.groups() == ("4", "0", "1")
    assert 'id="overall-load" data-load-min="0" data-load-max="1"' in html


def test_page_query_count_does_not_grow_with_the_round(client, db, factory, count_queries):
    """Judges, scopes, expertise, conflicts, published and proposed rows, rows of judges taken
    off the panel and score sheets all grow with the round; the page's queries do not."""
    counts = {}
    tags = [
        ExpertiseTag(code="agriculture", name_vi="Nông nghiệp", name_en="Agriculture"),
        ExpertiseTag(code="technology", name_vi="Công nghệ", name_en="Technology"),
        ExpertiseTag(code="tourism", name_vi="Du lịch", name_en="Tourism"),
    ]
    db.session.add_all(tags)
    sectors = list(
        db.session.scalars(select(Sector).where(Sector.code.in_([t.code for t in tags])))
    )
    for n in (20, 200):
        world = another_world(factory, entries=n, judges=n // 5, by_track=True, k=3)
        for i, round_entry in enumerate(world.entries):
            round_entry.entry.sectors = [sectors[i % len(sectors)]]
        for i, (judge, panel_member) in enumerate(zip(world.judges, world.panel, strict=True)):
            judge.expertise = [tags[i % 3]]
            if i % 4 == 1:
                panel_member.pool_id = world.pools[i % 2].id
            elif i % 4 == 2:
                panel_member.track_id = world.competition.tracks[i % 2].id
        for round_entry in world.entries[: n // 10]:
            conflict(db, world.judges[0], round_entry)
        services.propose_assignments(world.round, world.organizer)
        services.publish_proposal(world.round, world.organizer, accept_shortfall=True)
        for round_entry in world.entries[: n // 10]:
            leaver = factory.user("Lý Thị Rời", roles=(Role.JUDGE,))
            db.session.add(PanelMember(round=world.round, user=leaver, status=PanelStatus.REMOVED))
            w.assign(world, leaver, round_entry)
        for round_entry in world.entries[n // 10 : n // 5]:
            judge = next(
                j for j in world.judges
                if services.load(world.round).row(round_entry.id, j.id) is None
            )  # fmt: skip
            w.assign(world, judge, round_entry, published=False)
        for round_entry in world.entries[: n // 10]:
            judge = next(
                j for j in world.judges
                if services.load(world.round).row(round_entry.id, j.id) is not None
            )  # fmt: skip
            w.score(world, judge, round_entry, [20, 15, 15, 10, 8, 8.5])
        s = make_setting(factory, world)
        sign_in(client, s.accounts)
        html = client.get(s.url).get_data(as_text=True)
        assert 'id="stale"' in html and 'data-status="proposed"' in html
        assert "has scores" in html and "data-match=" in html
        with count_queries() as counted:
            response = client.get(s.url)
        assert response.status_code == 200
        counts[n] = counted.n
        client.post("/auth/logout", data={"csrf_token": csrf_token(client, s.url)})
    assert counts[20] == counts[200]


def test_proposing_loads_and_writes_in_a_fixed_number_of_queries(db, factory, count_queries):
    counts = {}
    for n in (20, 200):
        world = another_world(factory, entries=n, judges=n // 5, by_track=True, k=3)
        for round_entry in world.entries[: n // 10]:
            conflict(db, world.judges[0], round_entry)
            w.assign(world, world.judges[1], round_entry)
        services.propose_assignments(world.round, world.organizer)  # rows to replace
        db.session.expire_all()
        with count_queries() as counted:
            result = services.propose_assignments(world.round, world.organizer)
        assert result.added == 3 * n - n // 10 and result.dropped == result.added
        counts[n] = counted.n
    assert counts[20] == counts[200]


def test_a_cap_lowered_after_the_proposal_stops_its_publication(client, db, s):
    sign_in(client, s.accounts)
    post(client, s, "propose")
    member(s, s.world.judges[0]).cap = 1
    db.session.flush()
    before = state(db, s)
    response = post(client, s, "publish", {"accept_shortfall": "y"}, follow_redirects=True)
    assert (
        "danger",
        "Some judges would hold more entries than their cap: propose again or remove some by "
        "hand. Nothing was published.",
    ) in flashes(response)
    assert state(db, s) == before


def test_a_tampered_add_form_is_refused_with_nothing_changed(client, db, s):
    sign_in(client, s.accounts)
    before = state(db, s)
    response = add(client, s, "một", s.world.judges[0].id)
    assert [kind for kind, _ in flashes(response)] == ["danger"]
    assert state(db, s) == before
