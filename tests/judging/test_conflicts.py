"""Conflicts of interest: judges declare theirs before they can open entries, the system
detects likely ones (member, advisor, same unit, a member's school by name), organizers
recuse, override with a reason and re-activate; an active conflict removes the pair's
assignments, and is refused while the judge has a score sheet for the entry."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.people.models import Role, User
from competitions.models import TeamMember
from judging.common import JudgingError
from judging.models import (
    Conflict,
    ConflictSource,
    ConflictStatus,
    JudgeAssignment,
    PanelMember,
    PanelStatus,
    ScoreSheet,
)
from judging.panels import conflicts, detection
from tests.helpers import csrf_token, login, post_form
from tests.judging import roles
from tests.judging import world as w
from tests.judging.roles import LOGIN, ORGANIZERS_ONLY, answer, assert_access, refusal, sign_in

ROLES = (*roles.ROLES, "outsider_judge")  # a judge, not on this round's panel

# fmt: off
#                  anonymous participant judge organizer other_organizer admin outsider
ACCESS: dict[str, dict[str, int | str]] = {
    "judging.declare":   dict(zip(ROLES, (LOGIN, 403, 200, 403, 403, 403, 403), strict=True)),
    "judging.conflicts": ORGANIZERS_ONLY | {"outsider_judge": 403},
}
POST_ENDPOINTS = {
    "judging.conflict_recuse",
    "judging.conflict_override",
    "judging.conflict_reactivate",
    "judging.conflicts_detect",
}
# fmt: on

ENTRY_CARD = re.compile(r'data-entry-id="(\d+)" data-conflict="(\w+)"')
CONFLICT_ROW = re.compile(r'data-conflict-id="(\d+)" data-status="(\w+)" data-source="(\w+)"')
REASON = "Thẩm định viên là đồng nghiệp cùng khoa với giáo viên hướng dẫn."


class Setting(roles.Setting):
    @property
    def judge(self) -> User:
        return self.world.judges[0]

    @property
    def member(self) -> PanelMember:
        return self.world.panel[0]


@pytest.fixture()
def s(db, factory) -> Setting:
    world = w.build(factory, entries=4, judges=2, by_track=True)
    outsider = factory.user("Hoàng Văn Ngoài", roles=(Role.JUDGE,))
    return Setting(world=world, accounts=roles.accounts(factory, world, outsider_judge=outsider))


def declare_url(s: Setting) -> str:
    return f"/judging/rounds/{s.round_id}/declare"


def conflicts_url(s: Setting, **args) -> str:  # noqa: ANN003
    from urllib.parse import urlencode

    return f"/judging/rounds/{s.round_id}/conflicts" + (f"?{urlencode(args)}" if args else "")


def count(db, model, *where) -> int:  # noqa: ANN001
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def state(db) -> tuple:  # noqa: ANN001
    """Everything a conflict action may change."""
    return (
        db.session.execute(
            select(
                Conflict.id,
                Conflict.user_id,
                Conflict.entry_id,
                Conflict.source,
                Conflict.status,
                Conflict.reason,
                Conflict.override_reason,
            ).order_by(Conflict.id)
        ).all(),
        db.session.execute(
            select(JudgeAssignment.id, JudgeAssignment.status).order_by(JudgeAssignment.id)
        ).all(),
        db.session.execute(
            select(PanelMember.id, PanelMember.status, PanelMember.conflicts_declared_at).order_by(
                PanelMember.id
            )
        ).all(),
        count(db, ScoreSheet),
        count(db, AuditEvent, AuditEvent.action.like("judging.%")),
    )


def conflict_of(db, user: User, round_entry) -> Conflict | None:  # noqa: ANN001
    return db.session.scalar(
        select(Conflict).where(
            Conflict.user_id == user.id, Conflict.entry_id == round_entry.entry_id
        )
    )


def flashes(client) -> str:  # noqa: ANN001
    return client.get("/dashboard").get_data(as_text=True)


def undeclared(db, s: Setting) -> None:  # noqa: ANN001
    s.member.conflicts_declared_at = None
    db.session.flush()


def declare(client, s: Setting, reasons: dict[int, str], confirm: bool = True, **extra):  # noqa: ANN001, ANN003, ANN201
    data = {"entry_ids": list(reasons), **{f"reason-{k}": v for k, v in reasons.items()}, **extra}
    if confirm:
        data["confirm"] = "y"
    return post_form(client, declare_url(s), data)


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_access(client, s, role):
    urls = {"judging.declare": declare_url(s), "judging.conflicts": conflicts_url(s)}
    assert_access(client, s.accounts, role, urls, ACCESS)


def test_missing_round_is_404_and_a_removed_judge_is_403(client, db, s):
    sign_in(client, s.accounts, "judge")
    assert client.get("/judging/rounds/999999/declare").status_code == 404
    s.member.status = PanelStatus.REMOVED
    db.session.flush()
    assert client.get(declare_url(s)).status_code == 403
    before = state(db)
    token = csrf_token(client, "/")
    entry_id = s.world.entries[0].entry_id
    data = {
        "csrf_token": token,
        "entry_ids": [entry_id],
        f"reason-{entry_id}": "Con tôi",
        "confirm": "y",
    }
    assert client.post(declare_url(s), data=data).status_code == 403
    assert state(db) == before


@pytest.mark.parametrize("role", ["anonymous", "judge", "other_organizer"])
def test_organizer_posts_by_others_change_nothing(client, db, s, role):
    world = s.world
    conflict = Conflict(
        user_id=world.judges[1].id,
        entry_id=world.entries[0].entry_id,
        source=ConflictSource.DETECTED,
        reason="same_unit",
    )
    db.session.add(conflict)
    db.session.flush()
    sign_in(client, s.accounts, role)
    token = csrf_token(client, "/")
    before = state(db)
    base = conflicts_url(s)
    posts = [
        (
            f"{base}/recuse",
            {
                "judge_id": world.judges[1].id,
                "entry_code": world.entries[1].entry.code,
                "reason": REASON,
            },
        ),
        (f"{base}/{conflict.id}/override", {"reason": REASON}),
        (f"{base}/{conflict.id}/reactivate", {}),
        (f"{base}/detect", {}),
    ]
    for url, data in posts:
        response = client.post(url, data={"csrf_token": token, **data})
        assert answer(response) == refusal(role)
    assert state(db) == before


# --- a judge declares -----------------------------------------------------------------------


def test_the_judge_sees_the_entries_of_their_scope_with_team_and_advisor_but_no_scores(
    client, db, s, factory
):
    world = s.world
    pool = world.pools[0]
    s.member.pool = pool
    teacher = factory.user("Cao Thị Cố Vấn")
    in_pool = [re for re in world.entries if re.pool_id == pool.id]
    out_of_pool = [re for re in world.entries if re.pool_id != pool.id]
    in_pool[0].entry.team.advisor = teacher
    w.assign(world, world.judges[1], in_pool[0])
    sheet = w.score(world, world.judges[1], in_pool[0], [20, 15, 15, 10, 8, 8.5])
    sheet.comment_for_team = "Nhận xét bí mật của giám khảo khác"
    db.session.flush()
    sign_in(client, s.accounts, "judge")
    page = client.get(declare_url(s)).get_data(as_text=True)
    shown = [int(e) for e, _ in ENTRY_CARD.findall(page)]
    assert shown == sorted((re.entry_id for re in in_pool), key=lambda i: next(
        r.entry.code for r in in_pool if r.entry_id == i))  # fmt: skip
    assert all(re.entry.title not in page for re in out_of_pool)
    first = in_pool[0].entry
    assert first.code in page and first.title in page and first.team.name in page
    assert first.team.unit.name in page
    assert first.team.leader.full_name in page and "Cao Thị Cố Vấn" in page
    assert "Nhận xét bí mật" not in page and "8,5" not in page


def test_declaring_records_conflicts_and_opens_the_round(client, db, s):
    world = s.world
    undeclared(db, s)
    first, second, third = world.entries[0], world.entries[1], world.entries[2]
    w.assign(world, s.judge, first, published=False)
    w.assign(world, s.judge, second)
    kept = w.assign(world, s.judge, third).id
    sign_in(client, s.accounts, "judge")
    response = declare(
        client, s, {first.entry_id: "Học sinh lớp tôi chủ nhiệm", second.entry_id: "Con gái tôi"}
    )
    assert response.status_code == 302
    assert "Your declaration is recorded" in flashes(client)
    member = db.session.get(PanelMember, s.member.id)
    assert member.conflicts_declared_at is not None
    rows = {c.entry_id: c for c in db.session.scalars(select(Conflict))}
    assert set(rows) == {first.entry_id, second.entry_id}
    assert rows[second.entry_id].reason == "Con gái tôi"
    assert all(
        (c.source, c.status, c.user_id, c.created_by_id)
        == ("declared", "active", s.judge.id, s.judge.id)
        for c in rows.values()
    )
    # The hard exclusion: both assignments of conflicted pairs are gone, the other stays.
    assert db.session.scalars(select(JudgeAssignment.id)).all() == [kept]
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("judging.conflict_declare") == 2
    assert actions.count("judging.assignment_drop") == 2
    assert "judging.conflicts_declared" in actions
    assert conflicts.has_conflict(s.judge.id, first.entry_id)
    assert not conflicts.has_conflict(s.judge.id, third.entry_id)
    assert conflicts.active_conflict_pairs(s.round_id) == {
        (s.judge.id, first.entry_id),
        (s.judge.id, second.entry_id),
    }


def test_declaring_no_conflict_is_a_declaration_too(client, db, s):
    undeclared(db, s)
    sign_in(client, s.accounts, "judge")
    assert declare(client, s, {}).status_code == 302
    assert db.session.get(PanelMember, s.member.id).conflicts_declared_at is not None
    assert count(db, Conflict) == 0


@pytest.mark.parametrize(
    "case", ["no_confirm", "no_reason", "blank_reason", "outside_scope", "unknown_entry"]
)
def test_a_bad_declaration_changes_nothing(client, db, s, case):
    world = s.world
    undeclared(db, s)
    s.member.pool = world.pools[0]
    inside = next(re for re in world.entries if re.pool_id == world.pools[0].id)
    outside = next(re for re in world.entries if re.pool_id != world.pools[0].id)
    w.assign(world, s.judge, inside, published=False)
    sign_in(client, s.accounts, "judge")
    before = state(db)
    reasons, confirm = {
        "no_confirm": ({inside.entry_id: "Con tôi"}, False),
        "no_reason": ({inside.entry_id: ""}, True),
        "blank_reason": ({inside.entry_id: "    "}, True),
        "outside_scope": ({inside.entry_id: "Con tôi", outside.entry_id: "Cháu tôi"}, True),
        "unknown_entry": ({999999: "Cháu tôi"}, True),
    }[case]
    response = declare(client, s, reasons, confirm=confirm)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "invalid-feedback" in page or "alert-danger" in page
    assert state(db) == before


def test_a_judge_cannot_declare_for_another_judge(client, db, s):
    """Only the signed-in judge's own row changes, whatever the form names."""
    world = s.world
    other_member = world.panel[1]
    undeclared(db, s)
    other_member.conflicts_declared_at = None
    db.session.flush()
    sign_in(client, s.accounts, "judge")
    entry_id = world.entries[0].entry_id
    response = declare(
        client,
        s,
        {entry_id: "Con tôi"},
        user_id=world.judges[1].id,
        member_id=other_member.id,
    )
    assert response.status_code == 302
    assert db.session.get(PanelMember, other_member.id).conflicts_declared_at is None
    [conflict] = db.session.scalars(select(Conflict)).all()
    assert conflict.user_id == s.judge.id


def test_a_judge_cannot_lift_their_own_active_conflict(client, db, s):
    entry = s.world.entries[0]
    sign_in(client, s.accounts, "judge")
    assert declare(client, s, {entry.entry_id: "Con tôi"}).status_code == 302
    page = client.get(declare_url(s)).get_data(as_text=True)
    assert f'data-entry-id="{entry.entry_id}" data-conflict="active"' in page
    assert f'id="tick-{entry.entry_id}"' not in page  # nothing to untick
    # Confirming again without it ticked leaves it active.
    assert declare(client, s, {}).status_code == 302
    assert conflict_of(db, s.judge, entry).status == "active"


def test_a_judge_may_declare_more_later_and_restate_an_overridden_link(client, db, s):
    world = s.world
    first, second = world.entries[0], world.entries[1]
    cleared = Conflict(
        user_id=s.judge.id,
        entry_id=second.entry_id,
        source=ConflictSource.DETECTED,
        reason="same_school",
        status=ConflictStatus.OVERRIDDEN,
        override_reason="Trùng tên trường nhưng khác tỉnh.",
    )
    db.session.add(cleared)
    db.session.flush()
    sign_in(client, s.accounts, "judge")
    assert declare(client, s, {first.entry_id: "Con tôi"}).status_code == 302
    page = client.get(declare_url(s)).get_data(as_text=True)
    assert "Trùng tên trường nhưng khác tỉnh." in page
    assert declare(client, s, {second.entry_id: "Tôi từng dạy nhóm này"}).status_code == 302
    restated = conflict_of(db, s.judge, second)
    assert (restated.status, restated.source, restated.reason) == (
        "active", "declared", "Tôi từng dạy nhóm này"
    )  # fmt: skip
    assert restated.override_reason is None
    assert conflict_of(db, s.judge, first).status == "active"


def test_declaring_an_entry_the_judge_has_scored_is_refused(client, db, s):
    world = s.world
    entry = world.entries[0]
    w.assign(world, s.judge, entry)
    w.score(world, s.judge, entry, [20, 15, 15, 10, 8, 8.5], submitted=False)
    sign_in(client, s.accounts, "judge")
    before = state(db)
    response = declare(client, s, {entry.entry_id: "Mới nhận ra là cháu tôi"})
    assert response.status_code == 200
    assert "A score sheet is in the way" in response.get_data(as_text=True)
    assert entry.entry.code in response.get_data(as_text=True)
    assert state(db) == before


# --- detection ------------------------------------------------------------------------------


def test_detection_finds_members_advisors_and_same_units(app, db, s, factory):
    world = s.world
    member_judge, advisor_judge, unit_judge, entry_unit_judge, school_judge = world.judges[:2] + [
        factory.user(name, roles=(Role.JUDGE,))
        for name in ("Đặng Thị Cùng Trường", "Lương Văn Cùng Đơn Vị", "Kiều Thị Trùng Tên")
    ]
    for judge in (unit_judge, entry_unit_judge, school_judge):
        db.session.add(PanelMember(round=world.round, user=judge))
    e0, e1, e2, e3 = (re.entry for re in world.entries)
    e0.team.members.append(TeamMember(user=member_judge, full_name=member_judge.full_name))
    e1.team.advisor = advisor_judge
    unit_judge.unit = e2.team.unit
    other_unit = factory.unit(name="Hội Doanh nhân trẻ", parent=world.owner)
    e3.unit = other_unit
    entry_unit_judge.unit = other_unit
    school_judge.unit = factory.unit(name="TRƯỜNG THPT CHU VĂN AN", parent=world.owner)
    e0.team.members[0].school = "Trường THPT Chu Văn An"
    db.session.flush()
    result = detection.detect_conflicts(world.round, by=world.organizer)
    found = {(c.user_id, c.entry_id, c.reason) for c in db.session.scalars(select(Conflict))}
    assert found == {
        (member_judge.id, e0.id, "member"),
        (advisor_judge.id, e1.id, "advisor"),
        (unit_judge.id, e2.id, "same_unit"),
        (entry_unit_judge.id, e3.id, "same_unit"),
        (school_judge.id, e0.id, "same_school"),
    }
    assert len(result.created) == 5 and result.blocked == []
    assert all(c.source == "detected" and c.status == "active" for c in result.created)
    school = next(c for c in result.created if c.reason == "same_school")
    with app.test_request_context():
        assert "phỏng đoán" in conflicts.reason_text(school)  # outside a request: Vietnamese
    assert count(db, AuditEvent, AuditEvent.action == "judging.conflict_detect") == 5


def test_detection_never_doubles_nor_revives_an_overridden_conflict(db, s):
    world = s.world
    judge = world.judges[1]
    world.entries[0].entry.team.advisor = judge
    world.entries[1].entry.team.advisor = judge
    db.session.flush()
    assert len(detection.detect_conflicts(world.round).created) == 2
    first = conflict_of(db, judge, world.entries[0])
    conflicts.override(first, "Chỉ là cố vấn danh nghĩa, không hướng dẫn.", by=world.organizer)
    before = state(db)
    again = detection.detect_conflicts(world.round)
    assert again.created == [] and again.blocked == []
    assert state(db) == before
    assert conflict_of(db, judge, world.entries[0]).status == "overridden"


def test_detection_skips_and_reports_pairs_the_judge_has_scored(db, s):
    world = s.world
    judge = world.judges[1]
    scored, fresh = world.entries[0], world.entries[1]
    scored.entry.team.advisor = judge
    fresh.entry.team.advisor = judge
    w.assign(world, judge, scored)
    w.score(world, judge, scored, [20, 15, 15, 10, 8, 8.5])
    assignment = w.assign(world, judge, fresh).id
    result = detection.detect_conflicts(world.round)
    assert result.blocked == [(judge.id, scored.entry_id)]
    assert [(c.user_id, c.entry_id) for c in result.created] == [(judge.id, fresh.entry_id)]
    assert conflict_of(db, judge, scored) is None
    assert db.session.get(JudgeAssignment, assignment) is None


def test_detection_on_demand_from_the_conflicts_page(client, db, s):
    world = s.world
    world.entries[2].entry.team.advisor = world.judges[1]
    db.session.flush()
    sign_in(client, s.accounts, "organizer")
    response = post_form(client, conflicts_url(s) + "/detect", {}, form_page=conflicts_url(s))
    assert response.status_code == 302
    assert "1 likely conflict found and recorded." in flashes(client)
    rows = CONFLICT_ROW.findall(client.get(conflicts_url(s)).get_data(as_text=True))
    assert [(status, source) for _, status, source in rows] == [("active", "detected")]


# --- organizers -----------------------------------------------------------------------------


def recuse(client, s: Setting, judge: User, code: str, reason: str = REASON):  # noqa: ANN001, ANN201
    return post_form(
        client,
        conflicts_url(s) + "/recuse",
        {"judge_id": judge.id, "entry_code": code, "reason": reason},
        form_page=conflicts_url(s),
    )


def test_an_organizer_recuses_a_judge_and_the_assignment_goes(client, db, s):
    world = s.world
    entry = world.entries[1]
    assignment = w.assign(world, world.judges[1], entry).id
    sign_in(client, s.accounts, "organizer")
    response = recuse(client, s, world.judges[1], entry.entry.code.lower())
    assert response.status_code == 302
    conflict = conflict_of(db, world.judges[1], entry)
    assert (conflict.source, conflict.status, conflict.reason, conflict.created_by_id) == (
        "organizer", "active", REASON, world.organizer.id
    )  # fmt: skip
    assert db.session.get(JudgeAssignment, assignment) is None
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "judging.conflict_recuse")
    )
    assert event.actor_id == world.organizer.id and event.new["reason"] == REASON


@pytest.mark.parametrize(
    "case", ["short_reason", "unknown_code", "not_on_panel", "already", "scored"]
)
def test_a_bad_recusal_changes_nothing(client, db, s, case):
    world = s.world
    judge, entry = world.judges[1], world.entries[0]
    w.assign(world, judge, entry)
    if case == "already":
        db.session.add(
            Conflict(user_id=judge.id, entry_id=entry.entry_id, source="declared", reason="Con tôi")
        )
    if case == "scored":
        w.score(world, judge, entry, [20, 15, 15, 10, 8, 8.5])
    db.session.flush()
    sign_in(client, s.accounts, "organizer")
    before = state(db)
    target = s.accounts["outsider_judge"] if case == "not_on_panel" else judge
    code = "QN26-XX-9999" if case == "unknown_code" else entry.entry.code
    reason = "ngắn" if case == "short_reason" else REASON
    response = recuse(client, s, target, code, reason)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "invalid-feedback" in page
    if case == "scored":
        assert "A score sheet is in the way" in page
    if case == "already":
        assert "already active" in page
    assert state(db) == before


def test_override_needs_a_reason_then_reactivation_restores_the_exclusion(client, db, s):
    world = s.world
    judge, entry = world.judges[1], world.entries[0]
    conflict = Conflict(
        user_id=judge.id, entry_id=entry.entry_id, source="detected", reason="same_unit"
    )
    db.session.add(conflict)
    db.session.flush()
    sign_in(client, s.accounts, "organizer")
    url = f"{conflicts_url(s)}/{conflict.id}"
    before = state(db)
    for reason in ("", "ngắn quá"):
        post_form(client, f"{url}/override", {"reason": reason}, form_page=conflicts_url(s))
        assert state(db) == before
    reason = "Trường lớn, giám khảo dạy khác khối, không quen nhóm."
    response = post_form(
        client, f"{url}/override", {"reason": reason, "back": "status=active&next=//evil.example"},
        form_page=conflicts_url(s),
    )  # fmt: skip
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/judging/rounds/{s.round_id}/conflicts?status=active"
    )
    row = db.session.get(Conflict, conflict.id)
    assert (row.status, row.override_reason, row.overridden_by_id) == (
        "overridden", reason, world.organizer.id
    )  # fmt: skip
    assert not conflicts.has_conflict(judge.id, entry.entry_id)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "judging.conflict_override")
    )
    assert (event.old["status"], event.new["status"], event.new["override_reason"]) == (
        "active", "overridden", reason
    )  # fmt: skip
    # Overriding twice is refused.
    before = state(db)
    post_form(client, f"{url}/override", {"reason": reason}, form_page=conflicts_url(s))
    assert "Only an active conflict can be overridden." in flashes(client)
    assert state(db) == before
    # Active again: a fresh assignment of the pair goes.
    assignment = w.assign(world, judge, entry, published=False).id
    assert post_form(client, f"{url}/reactivate", {}, form_page=conflicts_url(s)).status_code == 302
    assert db.session.get(Conflict, conflict.id).status == "active"
    assert db.session.get(JudgeAssignment, assignment) is None
    assert conflicts.has_conflict(judge.id, entry.entry_id)


def test_reactivating_over_a_score_sheet_is_refused(client, db, s):
    world = s.world
    judge, entry = world.judges[1], world.entries[0]
    conflict = Conflict(
        user_id=judge.id,
        entry_id=entry.entry_id,
        source="declared",
        reason="Con tôi",
        status="overridden",
        override_reason="Đã xác minh: không phải con ruột.",
    )
    db.session.add(conflict)
    w.assign(world, judge, entry)
    w.score(world, judge, entry, [20, 15, 15, 10, 8, 8.5])
    sign_in(client, s.accounts, "organizer")
    before = state(db)
    url = f"{conflicts_url(s)}/{conflict.id}/reactivate"
    assert post_form(client, url, {}, form_page=conflicts_url(s)).status_code == 302
    assert "A score sheet is in the way" in flashes(client)
    assert state(db) == before


def test_a_conflict_of_another_round_is_404(client, db, s, factory):
    competition = factory.competition(title="Cuộc thi khác", code="DN")
    team = factory.team(name="Nhóm Khác")
    entry = factory.entry(competition=competition, team=team)
    conflict = Conflict(user_id=s.judge.id, entry_id=entry.id, source="declared", reason="Con tôi")
    db.session.add(conflict)
    db.session.flush()
    sign_in(client, s.accounts, "organizer")
    before = state(db)
    url = f"{conflicts_url(s)}/{conflict.id}/override"
    response = post_form(client, url, {"reason": REASON}, form_page=conflicts_url(s))
    assert response.status_code == 404
    assert state(db) == before


def test_the_conflicts_page_filters_by_judge_source_and_status(client, db, s):
    world = s.world
    a, b = world.judges

    def row(judge, n, source, reason, **more):  # noqa: ANN001, ANN003, ANN202
        return Conflict(
            user_id=judge.id,
            entry_id=world.entries[n].entry_id,
            source=source,
            reason=reason,
            **more,
        )

    rows = [
        row(a, 0, "declared", "Con tôi"),
        row(a, 1, "detected", "same_unit", status="overridden", override_reason="Khác khối."),
        row(b, 2, "organizer", REASON),
    ]
    db.session.add_all(rows)
    db.session.flush()
    sign_in(client, s.accounts, "organizer")

    def ids(**args) -> list[int]:  # noqa: ANN003
        page = client.get(conflicts_url(s, **args)).get_data(as_text=True)
        return sorted(int(i) for i, _, _ in CONFLICT_ROW.findall(page))

    assert ids() == [r.id for r in rows]
    assert ids(judge=a.id) == [rows[0].id, rows[1].id]
    assert ids(source="organizer") == [rows[2].id]
    assert ids(status="overridden") == [rows[1].id]
    assert ids(judge=a.id, status="active") == [rows[0].id]
    # A value that is not a choice is no filter.
    assert ids(judge=999999, source="' OR 1=1 --") == [r.id for r in rows]
    page = client.get(conflicts_url(s)).get_data(as_text=True)
    assert "school or organisation is the team" in page  # the detected link, in words


def test_the_conflicts_and_declaration_pages_load_in_a_fixed_number_of_queries(
    client, db, factory, count_queries
):
    def measure(entries: int) -> tuple[int, int]:
        world = w.build(factory, entries=entries, judges=3)
        for n, round_entry in enumerate(world.entries):
            judge = world.judges[n % 3]
            db.session.add(
                Conflict(
                    user_id=judge.id,
                    entry_id=round_entry.entry_id,
                    source="detected",
                    reason="same_unit",
                )
            )
        db.session.flush()
        login(client, world.organizer.email)
        with count_queries() as organizer:
            assert client.get(f"/judging/rounds/{world.round.id}/conflicts").status_code == 200
        post_form(client, "/auth/logout", {}, form_page="/dashboard")
        login(client, world.judges[0].email)
        with count_queries() as judge:
            assert client.get(f"/judging/rounds/{world.round.id}/declare").status_code == 200
        post_form(client, "/auth/logout", {}, form_page="/dashboard")
        return organizer.n, judge.n

    small = measure(20)
    # A second competition needs its own code: rename the first out of the way.
    from competitions.models import Competition, Entry

    for competition in db.session.scalars(select(Competition)):
        competition.code = "CU"
    for entry in db.session.scalars(select(Entry)):
        entry.code = f"CU-{entry.code}"
    db.session.flush()
    assert measure(200) == small


def test_pool_scoped_judges_do_not_see_other_pools(db, s):
    world = s.world
    s.member.pool = world.pools[1]
    db.session.flush()
    shown = {re.entry_id for re in conflicts.entries_in_scope(s.member)}
    assert shown == {re.entry_id for re in world.entries if re.pool_id == world.pools[1].id}
    outside = next(re for re in world.entries if re.pool_id != world.pools[1].id)
    before = state(db)
    with pytest.raises(JudgingError) as refused:
        conflicts.declare_conflicts(s.member, {outside.entry_id: "Con tôi"}, by=s.judge)
    assert refused.value.reason == "not_in_scope"
    assert state(db) == before
    # Nor may anyone declare on a judge's behalf.
    with pytest.raises(JudgingError) as refused:
        conflicts.declare_conflicts(s.member, {}, by=world.judges[1])
    assert refused.value.reason == "not_on_panel"
    assert state(db) == before
