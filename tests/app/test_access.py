"""Every endpoint × every role has an expected answer (ASVS 8.2.1), object rules hold
(8.2.2), and a GET never changes anything (3.5.3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import url_for
from sqlalchemy import select

from app.access import declared_rules
from app.auth.models import TokenPurpose, UserSession, token_digest
from app.auth.tokens import issue_token
from app.db import utcnow
from app.people.models import Role, RoleGrant, User
from app.units.models import Unit, UnitLevel
from app.vietnamese import fold
from tests.helpers import csrf_token, login, post_form

# What an answer looks like: a status code, or one of these redirects.
LOGIN = "302 → /auth/login?next=<the page>"
DASH = "302 → /dashboard"
HOME = "302 → /"

ROLES = ("anonymous", "participant", "judge", "mentor", "other_organizer", "organizer", "admin")


def row(*answers: int | str) -> dict[str, int | str]:
    assert len(answers) == len(ROLES)
    return dict(zip(ROLES, answers, strict=True))


# Every endpoint that answers GET, with the answer each role gets on the sample URL built by
# `sample_url` (units.edit: a unit below the organizer's unit; units.create: below it too).
# fmt: off
#                               anon    part   judge  mentor other  org    admin
EXPECTED: dict[str, dict[str, int | str]] = {
    "static":                   row(200,    200,   200,   200,   200,   200,   200),
    "bootstrap.static":         row(200,    200,   200,   200,   200,   200,   200),
    "main.index":               row(200,    200,   200,   200,   200,   200,   200),
    "main.healthz":             row(200,    200,   200,   200,   200,   200,   200),
    "main.dashboard":           row(LOGIN,  200,   200,   200,   200,   200,   200),
    "auth.register":            row(200,    DASH,  DASH,  DASH,  DASH,  DASH,  DASH),
    "auth.login":               row(200,    DASH,  DASH,  DASH,  DASH,  DASH,  DASH),
    "auth.verify_email":        row(200,    200,   200,   200,   200,   200,   200),
    "auth.resend_verification": row(200,    200,   200,   200,   200,   200,   200),
    "auth.forgot_password":     row(200,    200,   200,   200,   200,   200,   200),
    "auth.reset_password":      row(200,    200,   200,   200,   200,   200,   200),
    "auth.activate":            row(200,    200,   200,   200,   200,   200,   200),
    "auth.change_password":     row(LOGIN,  200,   200,   200,   200,   200,   200),
    "auth.profile":             row(LOGIN,  200,   200,   200,   200,   200,   200),
    "admin.users":              row(LOGIN,  403,   403,   403,   403,   403,   200),
    "admin.create_user":        row(LOGIN,  403,   403,   403,   403,   403,   200),
    "admin.user_detail":        row(LOGIN,  403,   403,   403,   403,   403,   200),
    "admin.outbox":             row(LOGIN,  403,   403,   403,   403,   403,   200),
    "admin.audit_log":          row(LOGIN,  403,   403,   403,   403,   403,   200),
    "admin.import_experts":     row(LOGIN,  403,   403,   403,   200,   200,   200),
    "admin.import_experts_template": row(LOGIN, 403, 403, 403,   200,   200,   200),
    "units.index":              row(LOGIN,  403,   403,   403,   200,   200,   200),
    "units.create":             row(LOGIN,  403,   403,   403,   403,   200,   200),
    "units.edit":               row(LOGIN,  403,   403,   403,   403,   200,   200),
    "units.levels":             row(LOGIN,  403,   403,   403,   403,   403,   200),
    "units.edit_level":         row(LOGIN,  403,   403,   403,   403,   403,   200),
}

# Endpoints that only answer POST: what an anonymous visitor with a valid CSRF token gets.
POST_ONLY_ANONYMOUS: dict[str, int | str] = {
    "main.set_language":   HOME,   # public: the language is kept in the session
    "auth.logout":         HOME,   # public: signing out twice is harmless
    "auth.revoke_session": LOGIN,
    "admin.grant_role":    LOGIN,
    "admin.revoke_role":   LOGIN,
    "admin.disable_user":  LOGIN,
    "admin.enable_user":   LOGIN,
    "admin.resend_activation": LOGIN,
    "admin.import_experts_apply": LOGIN,
}
# fmt: on

KNOWN_RULE_KINDS = ("public", "login", "object")


@dataclass
class World:
    """Rows the sample URLs point at, and one account per role."""

    top: Unit  # the organizer's unit
    below: Unit  # a unit below it: the unit under test
    elsewhere: Unit  # the other organizer's unit
    level: UnitLevel
    accounts: dict[str, User]
    target: User  # a person the admin pages show
    target_grant: RoleGrant
    disabled: User
    verify_token: str
    reset_token: str
    activation_token: str
    session_row: UserSession


@pytest.fixture()
def world(app, db, factory) -> World:
    city_level = factory.level("city", "Thành phố", 0)
    ward_level = factory.level("ward", "Phường", 2)
    top = factory.unit("Thành phố Đà Nẵng", level=city_level)
    below = factory.unit("Phường Hải Châu", parent=top, level=ward_level)
    elsewhere = factory.unit("Thành phố Huế", level=city_level)
    accounts = {
        "participant": factory.user("Lê Văn An", roles=(Role.PARTICIPANT,)),
        "judge": factory.user("Trần Thị Bình", roles=(Role.JUDGE,)),
        "mentor": factory.user("Phạm Văn Chiến", roles=(Role.MENTOR,)),
        "other_organizer": factory.user(
            "Hoàng Thị Dung", roles=(Role.ORGANIZER,), organizer_of=elsewhere
        ),
        "organizer": factory.user("Đặng Văn Hùng", roles=(Role.ORGANIZER,), organizer_of=top),
        "admin": factory.user("Võ Thị Sáu", roles=(Role.ADMIN,)),
    }
    target = factory.user("Bùi Văn Tâm", roles=(Role.JUDGE, Role.MENTOR), password=None)
    disabled = factory.user("Ngô Thị Lan", roles=(Role.PARTICIPANT,))
    disabled.disabled_at = utcnow()
    unverified = factory.user("Đỗ Văn Minh", verified=False)
    verify_token = issue_token(unverified, TokenPurpose.VERIFY_EMAIL)
    reset_token = issue_token(accounts["participant"], TokenPurpose.RESET_PASSWORD)
    activation_token = issue_token(target, TokenPurpose.ACTIVATE)
    session_row = UserSession(
        user_id=accounts["participant"].id,
        token_hash=token_digest("a-session-of-the-participant"),
        expires_at=utcnow() + timedelta(hours=1),
    )
    db.session.add(session_row)
    db.session.flush()
    return World(
        top=top,
        below=below,
        elsewhere=elsewhere,
        level=ward_level,
        accounts=accounts,
        target=target,
        target_grant=target.roles[0],
        disabled=disabled,
        verify_token=verify_token,
        reset_token=reset_token,
        activation_token=activation_token,
        session_row=session_row,
    )


def url_arguments(world: World) -> dict[str, dict]:
    """The URL arguments each endpoint is tried with (none for the others)."""
    return {
        "static": {"filename": "css/sprout.css"},
        "bootstrap.static": {"filename": "css/bootstrap.min.css"},
        "auth.verify_email": {"token": world.verify_token},
        "auth.reset_password": {"token": world.reset_token},
        "auth.activate": {"token": world.activation_token},
        "auth.revoke_session": {"session_id": world.session_row.id},
        "admin.user_detail": {"user_id": world.target.id},
        "admin.grant_role": {"user_id": world.target.id},
        "admin.revoke_role": {"user_id": world.target.id, "grant_id": world.target_grant.id},
        "admin.disable_user": {"user_id": world.target.id},
        "admin.enable_user": {"user_id": world.disabled.id},
        "admin.resend_activation": {"user_id": world.target.id},
        "units.create": {"parent": world.top.id},
        "units.edit": {"unit_id": world.below.id},
        "units.edit_level": {"level_id": world.level.id},
    }


def sample_url(app, world: World, endpoint: str) -> str:
    with app.test_request_context():
        return url_for(endpoint, **url_arguments(world).get(endpoint, {}))


def _endpoints(app, method: str) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if method in rule.methods}


def _get_endpoints(app) -> set[str]:
    return _endpoints(app, "GET")


def _post_only_endpoints(app) -> set[str]:
    return _endpoints(app, "POST") - _get_endpoints(app)


def answer_of(response, url: str) -> int | str:
    """The response in the vocabulary of EXPECTED."""
    if response.status_code != 302:
        return response.status_code
    location = urlsplit(response.headers["Location"])
    if location.netloc:
        return f"302 → {response.headers['Location']}"
    if location.path == "/auth/login":
        next_target = parse_qs(location.query).get("next", [None])[0]
        return LOGIN if next_target == url else f"302 → /auth/login, next={next_target}"
    if location.path == "/dashboard":
        return DASH
    if location.path == "/":
        return HOME
    return f"302 → {response.headers['Location']}"


def sign_in_as(client, world: World, role: str) -> None:
    if role != "anonymous":
        response = login(client, world.accounts[role].email)
        assert response.status_code == 302, f"{role} could not sign in"


def snapshot(db) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    tables = {}
    for table in db.metadata.sorted_tables:
        query = select(table).order_by(*table.primary_key.columns)
        tables[table.name] = [tuple(r) for r in db.session.execute(query)]
    return tables


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


# --- every endpoint declares a rule and has an expected answer ------------------------------


def test_every_endpoint_declares_an_access_rule(app):
    missing = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if not declared_rules(rule.endpoint, app.view_functions[rule.endpoint])
    )
    assert missing == [], (
        f"endpoints without @public/@login_required/@roles_required/...: {missing}"
    )


def test_declared_rules_are_known_and_consistent(app):
    problems = {}
    for endpoint, view in app.view_functions.items():
        rules = declared_rules(endpoint, view)
        unknown = [r for r in rules if r not in KNOWN_RULE_KINDS and not r.startswith("role:")]
        if unknown:
            problems[endpoint] = f"unknown rules {unknown}"
        elif "public" in rules and len(set(rules)) > 1:
            problems[endpoint] = f"public and restricted at once: {rules}"
    assert problems == {}


FEATURE_PREFIXES = ("competitions.", "judging.", "accelerator.", "events.", "programme.")


def test_the_table_covers_exactly_the_endpoints_of_the_url_map(app):
    """The core's endpoints; each feature package's tests hold the table of its own."""
    get_endpoints = {e for e in _get_endpoints(app) if not e.startswith(FEATURE_PREFIXES)}
    assert set(EXPECTED) == get_endpoints, (
        f"GET endpoints without an expected answer: {sorted(get_endpoints - set(EXPECTED))}; "
        f"answers for endpoints that do not exist: {sorted(set(EXPECTED) - get_endpoints)}"
    )
    post_only = {e for e in _post_only_endpoints(app) if not e.startswith(FEATURE_PREFIXES)}
    assert set(POST_ONLY_ANONYMOUS) == post_only, (
        f"POST-only endpoints without an expected answer: "
        f"{sorted(post_only - set(POST_ONLY_ANONYMOUS))}; "
        f"answers for endpoints that do not exist: {sorted(set(POST_ONLY_ANONYMOUS) - post_only)}"
    )
    every_endpoint = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if not rule.endpoint.startswith(FEATURE_PREFIXES)
    }
    assert set(EXPECTED) | set(POST_ONLY_ANONYMOUS) == every_endpoint


def test_sample_urls_reach_their_endpoints(app, world):
    adapter = app.url_map.bind("localhost")
    for endpoint in [*EXPECTED, *POST_ONLY_ANONYMOUS]:
        path = urlsplit(sample_url(app, world, endpoint)).path
        method = "GET" if endpoint in EXPECTED else "POST"
        assert adapter.match(path, method=method)[0] == endpoint


# --- the matrix -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_get_matrix(app, client, world, role):
    sign_in_as(client, world, role)
    wrong = {}
    for endpoint, answers in sorted(EXPECTED.items()):
        url = sample_url(app, world, endpoint)
        response = client.get(url)
        response.close()
        got = answer_of(response, url)
        if got != answers[role]:
            wrong[endpoint] = f"{url}: expected {answers[role]}, got {got}"
    assert wrong == {}, f"as {role}"


def test_static_files_are_served_to_anonymous_visitors(client):
    for path in ("/static/css/sprout.css", "/bootstrap/static/css/bootstrap.min.css"):
        response = client.get(path)
        response.close()
        assert response.status_code == 200, path
        assert response.mimetype == "text/css", path


def test_units_create_at_the_top_is_for_admins_only(app, client, world):
    """A top-level unit (no parent) is the admins' to add."""
    for role, status in (("organizer", 403), ("other_organizer", 403), ("admin", 200)):
        browser = app.test_client()
        sign_in_as(browser, world, role)
        assert browser.get("/units/new").status_code == status, role


def test_an_organizer_cannot_edit_their_own_top_unit(client, db, world):
    """Only admins change the unit an organizer is scoped to."""
    sign_in_as(client, world, "organizer")
    url = f"/units/{world.top.id}/edit"
    assert client.get(url).status_code == 403
    response = post_form(
        client,
        url,
        {"name": "Thành phố Đổi Tên", "level": world.top.level_id, "successor": 0},
        form_page="/units/",
    )
    assert response.status_code == 403
    assert db.session.scalar(select(Unit.name).where(Unit.id == world.top.id)) == (
        "Thành phố Đà Nẵng"
    )


def test_a_missing_unit_is_404_for_those_who_may_edit_units(client, world):
    sign_in_as(client, world, "admin")
    assert client.get("/units/999999/edit").status_code == 404
    assert client.get("/admin/users/999999").status_code == 404
    assert client.get("/units/levels/999999").status_code == 404


# --- POST-only endpoints --------------------------------------------------------------------


def test_anonymous_posts_with_a_valid_token(app, client, db, world):
    token = csrf_token(client, "/auth/login")
    wrong = {}
    for endpoint, expected in sorted(POST_ONLY_ANONYMOUS.items()):
        url = sample_url(app, world, endpoint)
        before = snapshot(db)
        response = client.post(
            url, data={"csrf_token": token, "lang": "en", "next": "/", "role": "admin"}
        )
        got = answer_of(response, url)
        if expected == LOGIN and got == 403:
            got = LOGIN  # a refusal is as good as a login redirect
        if got != expected:
            wrong[endpoint] = f"expected {expected}, got {got}"
        if changed := changed_tables(before, snapshot(db)):
            wrong[endpoint] = f"changed {changed}"
    assert wrong == {}


def _admin_only_post_endpoints(app) -> list[str]:
    return sorted(
        endpoint
        for endpoint in _endpoints(app, "POST")
        if [
            rule
            for rule in declared_rules(endpoint, app.view_functions[endpoint])
            if rule != "login"
        ]
        == ["role:admin"]
    )


def test_admin_endpoints_taking_posts_are_known(app):
    """The endpoints the next test attacks are those the admin pages offer."""
    assert set(_admin_only_post_endpoints(app)) >= {
        "admin.create_user",
        "admin.grant_role",
        "admin.revoke_role",
        "admin.disable_user",
        "admin.enable_user",
        "admin.resend_activation",
        "units.edit_level",
    }


def test_a_participant_posting_to_admin_endpoints_is_refused_and_nothing_changes(
    app, client, db, world
):
    sign_in_as(client, world, "participant")
    token = csrf_token(client, "/auth/profile")
    participant = world.accounts["participant"]
    # What an attacker would send: every field any of these forms reads.
    data = {
        "csrf_token": token,
        "full_name": "Kẻ Tấn Công",
        "email": "attacker@example.vn",
        "roles": ["admin"],
        "role": "admin",
        "organizer_unit": 0,
        "unit": 0,
        "name_vi": "Đã bị sửa",
        "name_en": "Hacked",
        "rank": 1,
    }
    wrong = {}
    for endpoint in _admin_only_post_endpoints(app):
        url = sample_url(app, world, endpoint)
        if endpoint == "admin.grant_role":
            url = url_for_user(app, endpoint, participant.id)
        before = snapshot(db)
        response = client.post(url, data=data)
        if response.status_code != 403:
            wrong[endpoint] = f"status {response.status_code}"
        if changed := changed_tables(before, snapshot(db)):
            wrong[endpoint] = f"changed {changed}"
    assert wrong == {}
    assert not db.session.get(User, participant.id).is_admin


def url_for_user(app, endpoint: str, user_id: int) -> str:
    with app.test_request_context():
        return url_for(endpoint, user_id=user_id)


# --- object-level rules ---------------------------------------------------------------------


def test_another_units_organizer_cannot_edit_a_unit(client, db, world):
    sign_in_as(client, world, "other_organizer")
    response = post_form(
        client,
        f"/units/{world.below.id}/edit",
        {"name": "Phường Bị Đổi", "level": world.below.level_id, "successor": 0},
        form_page="/units/",
    )
    assert response.status_code == 403
    assert db.session.scalar(select(Unit.name).where(Unit.id == world.below.id)) == (
        "Phường Hải Châu"
    )
    assert client.get(f"/units/new?parent={world.below.id}").status_code == 403


def test_extra_form_fields_on_the_unit_form_are_ignored(client, db, world):
    below = world.below
    before = (below.id, below.parent_id, below.path, below.level_id)
    sign_in_as(client, world, "organizer")
    response = post_form(
        client,
        f"/units/{below.id}/edit",
        {
            "name": "Phường Hải Châu 1",
            "level": below.level_id,
            "successor": 0,
            # Not fields of the form: must not reach the row.
            "id": 999_999,
            "parent_id": world.elsewhere.id,
            "path": f"/{world.elsewhere.id}/",
            "name_folded": "something else",
            "level_id": world.top.level_id,
        },
    )
    assert response.status_code == 302
    stored = db.session.get(Unit, below.id)
    assert stored.name == "Phường Hải Châu 1"
    assert stored.name_folded == fold("Phường Hải Châu 1")
    assert (stored.id, stored.parent_id, stored.path, stored.level_id) == before
    assert db.session.get(Unit, 999_999) is None


def test_an_organizer_edits_a_unit_below_their_own(client, db, world):
    sign_in_as(client, world, "organizer")
    response = post_form(
        client,
        f"/units/{world.below.id}/edit",
        {"name": "Phường Hải Châu 2", "level": world.below.level_id, "successor": 0},
    )
    assert response.status_code == 302
    assert db.session.get(Unit, world.below.id).name == "Phường Hải Châu 2"


# --- GET never changes anything -------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "anonymous"])
def test_get_changes_nothing(app, client, db, world, role):
    sign_in_as(client, world, role)  # signing in writes a session row: before the snapshot
    tables = {t.name for t in db.metadata.sorted_tables}
    assert {
        "users",
        "role_grants",
        "units",
        "audit_events",
        "outbox_messages",
        "account_tokens",
    } <= tables
    changed = {}
    before = snapshot(db)
    for endpoint in sorted(EXPECTED):
        url = sample_url(app, world, endpoint)
        response = client.get(url)
        response.close()
        assert response.status_code < 500, url
        after = snapshot(db)
        if diff := changed_tables(before, after):
            changed[endpoint] = diff
        before = after
    assert changed == {}
