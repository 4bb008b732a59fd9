"""Every endpoint × every role, across the features (Sprout issue 7, point 6).

The feature modules declare what their own roles get on a GET (`ACCESS`) and which endpoints
only take POSTs (`POST_ENDPOINTS`); the foundation's matrix (tests/app/test_access.py) covers
the core's GETs. Here every endpoint of the blueprints (events and the programme included)
that takes a POST meets all of ROLES in one world (tests/access_world.py): each role not in
its `ACTORS` sends a forged request with a valid CSRF token and is refused (the login page, 403
or 404) with no row of any table changed. Every page of the features meets all of ROLES too:
those in `VIEWERS` see it, the others are refused, and no GET changes a row."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.access_world import (
    ANY_ORGANIZER,
    EXPERT_PANEL,
    FORGED,
    ORGANIZERS,
    PAIR,
    ROLES,
    SIGNED_IN,
    TEAM,
    WITNESSES,
    Setting,
    argument,
    build,
    changed_tables,
    is_public,
    post_endpoints,
    refused,
    row_counts,
    sample_url,
    sign_in,
)
from tests.helpers import snapshot


@pytest.fixture()
def s(db, factory) -> Setting:
    return build(factory, db)


# Who may act at the sample URL (not attacked); every other role is refused. Endpoints not
# named here are the organizers' (ORGANIZERS).
# fmt: off
ACTORS: dict[str, frozenset[str]] = {
    "auth.change_password":             SIGNED_IN,
    "auth.profile":                     SIGNED_IN,
    "auth.revoke_session":              frozenset({"member"}),  # the member's own session
    "admin.create_user":                frozenset({"admin"}),
    "admin.grant_role":                 frozenset({"admin"}),
    "admin.revoke_role":                frozenset({"admin"}),
    "admin.disable_user":               frozenset({"admin"}),
    "admin.enable_user":                frozenset({"admin"}),
    "admin.resend_activation":          frozenset({"admin"}),
    "admin.import_experts":             ANY_ORGANIZER,
    "admin.import_experts_apply":       ANY_ORGANIZER,
    "units.create":                     frozenset({"admin"}),  # at the top: no parent
    "units.edit_level":                 frozenset({"admin"}),
    "competitions.call_create":         ANY_ORGANIZER,
    "competitions.import_teams":        ANY_ORGANIZER,
    "competitions.import_teams_apply":  ANY_ORGANIZER,
    "competitions.team_create":         SIGNED_IN,
    "competitions.entry_start":         SIGNED_IN,  # a closed call: each is sent back
    "competitions.entry_edit":          TEAM,
    "competitions.entry_submit":        TEAM,
    "competitions.entry_withdraw":      TEAM,
    "competitions.team_edit":           frozenset({"leader"}),
    "competitions.team_invite":         frozenset({"leader"}),
    "competitions.team_transfer":       frozenset({"leader"}),
    "competitions.team_remove_member":  frozenset({"leader"}),
    "competitions.team_cancel_invitation": frozenset({"leader"}),
    "competitions.team_resend_invitation": frozenset({"leader"}),
    "competitions.team_remove_advisor": frozenset({"leader", "advisor"}),  # or steps down
    "competitions.team_leave":          TEAM,  # the leader is told to hand over first
    "competitions.team_my_details":     TEAM,
    "judging.declare":                  frozenset({"judge"}),
    "judging.sheet":                    frozenset({"judge"}),  # assigned to the entry
    "accelerator.cohort_create":        ANY_ORGANIZER,
    "accelerator.expert_edit":          ANY_ORGANIZER | {"mentor"},  # the mentor's profile
    "accelerator.session_log":          PAIR,
    "accelerator.session_edit":         frozenset({"mentor"}),  # who wrote it
    "accelerator.session_delete":       PAIR,
    "accelerator.session_answer":       PAIR,
    "accelerator.session_rate":         PAIR,
    "accelerator.action_done":          PAIR,
    "accelerator.team_needs":           TEAM | ORGANIZERS,
    "accelerator.team_progress":        TEAM | ORGANIZERS,  # the mentor only reads it
    "accelerator.milestone_done":       TEAM | ORGANIZERS,
    "accelerator.milestone_undo":       TEAM | ORGANIZERS,
    "events.create":                    ANY_ORGANIZER,
    "events.register":                  SIGNED_IN,  # anyone may take a seat of a public event
    "events.unregister":                SIGNED_IN,  # a message if not registered
    "programme.targets_form":           frozenset({"admin"}),
    "programme.reset_target":           frozenset({"admin"}),
}
# fmt: on


def attacked(app: Flask) -> dict[str, list[str]]:
    """Endpoint → the roles that must be refused on it."""
    return {
        endpoint: [r for r in ROLES if r not in ACTORS.get(endpoint, ORGANIZERS)]
        for endpoint in sorted(post_endpoints(app))
    }


# --- the table is complete and every sample URL reaches its endpoint ------------------------


def test_every_endpoint_has_a_sample_url_and_known_roles(app, s):
    endpoints = post_endpoints(app)
    adapter = app.url_map.bind("localhost")
    missing = {
        endpoint: [a for a in arguments if argument(s.ids, endpoint, a) is None]
        for endpoint, arguments in endpoints.items()
    }
    assert {e: a for e, a in missing.items() if a} == {}
    for endpoint, arguments in endpoints.items():
        path = sample_url(app, endpoint, arguments, s.ids)
        assert adapter.match(path.split("?")[0], method="POST")[0] == endpoint
    assert set(ACTORS) <= set(endpoints), sorted(set(ACTORS) - set(endpoints))
    assert not [e for e in ACTORS if is_public(app, e)]
    for endpoint, roles in ACTORS.items():
        assert roles <= set(ROLES), endpoint
    pages = get_endpoints(app)
    assert set(VIEWERS) <= set(pages), sorted(set(VIEWERS) - set(pages))
    assert set(VIEWERS) >= REDIRECTED
    assert {rule.endpoint for rule in app.url_map.iter_rules()} >= NOT_HERE
    for endpoint, arguments in pages.items():
        path = sample_url(app, endpoint, arguments, s.ids)
        assert adapter.match(path.split("?")[0], method="GET")[0] == endpoint


# --- the matrix -----------------------------------------------------------------------------


def test_forged_posts_are_refused_and_change_nothing(app, client, db, s):
    """One world for all the roles (each in a browser of its own): building it is the
    slow part."""
    endpoints = post_endpoints(app)
    wrong = {}
    for role in ROLES:
        browser = app.test_client()  # of the `client` fixture's kind
        token = sign_in(browser, s, role)
        before, counts = snapshot(db), row_counts(db, WITNESSES)
        for endpoint, roles in attacked(app).items():
            if role not in roles:
                continue
            url = sample_url(app, endpoint, endpoints[endpoint], s.ids)
            response = browser.post(url, data={"csrf_token": token, **FORGED})
            response.close()
            if not refused(response, role):
                location = response.headers.get("Location")
                wrong[f"{endpoint} as {role}"] = f"{url}: {response.status_code} {location}"
            if changed := changed_tables(counts, after := row_counts(db, WITNESSES)):
                wrong[f"{endpoint} as {role}"] = f"{url}: rows added to {changed}"
                counts = after
        if changed := changed_tables(before, snapshot(db)):
            wrong[f"(every request as {role})"] = f"rows changed in {changed}"
    assert wrong == {}, "\n".join(f"{e}: {w}" for e, w in wrong.items())


# --- GET across the features, with the same roles -------------------------------------------

# the core's: tests/app/test_access.py
FEATURES = ("competitions", "judging", "accelerator", "events", "programme")

# Who may see each page at its sample URL; every other role is refused. Pages not named here
# are the organizers' (ORGANIZERS). The feature modules check the same pages with roles of
# their own; here every page meets all of ROLES.
# fmt: off
VIEWERS: dict[str, frozenset[str]] = {
    "competitions.my":                  SIGNED_IN,
    "competitions.team_index":          SIGNED_IN,
    "competitions.team_create":         SIGNED_IN,
    "competitions.entry_start":         SIGNED_IN,  # sent back to their page: a closed call
    "competitions.call_mine":           ANY_ORGANIZER,
    "competitions.call_create":         ANY_ORGANIZER,
    "competitions.import_teams":        ANY_ORGANIZER,
    "competitions.import_teams_template": ANY_ORGANIZER,
    "competitions.team_detail":         TEAM | {"advisor"},
    "competitions.entry_detail":        TEAM | {"advisor"} | ORGANIZERS,
    "competitions.entry_edit":          TEAM,  # sent back: the entry is no longer a draft
    "competitions.entry_withdraw":      TEAM,
    "competitions.team_my_details":     TEAM,
    "competitions.team_leave":          TEAM,
    "competitions.team_edit":           frozenset({"leader"}),
    "competitions.team_invite":         frozenset({"leader"}),
    "competitions.team_transfer":       frozenset({"leader"}),
    "competitions.team_remove_member":  frozenset({"leader"}),
    "competitions.team_remove_advisor": frozenset({"leader", "advisor"}),
    "judging.my":                       SIGNED_IN,
    "judging.declare":                  frozenset({"judge"}),
    "judging.sheet":                    frozenset({"judge"}),
    "judging.entry_result":             TEAM | {"advisor"} | ORGANIZERS,
    "accelerator.my_cohorts":           SIGNED_IN,
    "accelerator.my_matched_teams":     SIGNED_IN,
    "accelerator.my_mentors":           SIGNED_IN,
    "accelerator.my_progress":          SIGNED_IN,
    "accelerator.my_sessions":          SIGNED_IN,
    "accelerator.cohort_list":          ANY_ORGANIZER,
    "accelerator.cohort_create":        ANY_ORGANIZER,
    "accelerator.expert_directory":     EXPERT_PANEL,
    "accelerator.expert_profile":       EXPERT_PANEL,
    "accelerator.expert_edit":          ANY_ORGANIZER | {"mentor"},  # the mentor's own
    "accelerator.pair":                 PAIR | ORGANIZERS,
    "accelerator.session_log":          PAIR,
    "accelerator.session_edit":         frozenset({"mentor"}),  # who wrote it
    "accelerator.team_needs":           TEAM | ORGANIZERS,
    "accelerator.team_progress":        PAIR | ORGANIZERS,
    "events.mine":                      SIGNED_IN,
    "events.my_registration":           frozenset({"participant"}),  # the one registered
    "events.manage_list":               ANY_ORGANIZER,
    "events.create":                    ANY_ORGANIZER,
    "programme.targets_form":           frozenset({"admin"}),
    # programme.dashboard: the organizers' at ?unit= of the organizer's unit (QUERY)
}
# fmt: on
# A redirect, not a page, for those who may: see the comments above.
REDIRECTED = frozenset({"competitions.entry_start", "competitions.entry_edit"})
# Pages that need rows this world does not have (a stored file, a version, an invitation to
# answer): tests/competitions/test_files.py, test_entries.py, tests/judging/test_paper.py and
# tests/accelerator/test_selection.py try them on the rows they need.
NOT_HERE = frozenset({
    "competitions.entry_file", "competitions.entry_version", "judging.sheet_file",
    "accelerator.invitation",
})  # fmt: skip


def get_endpoints(app: Flask) -> dict[str, list[str]]:
    return {
        rule.endpoint: sorted(rule.arguments)
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and rule.endpoint.rsplit(".", 1)[0] in FEATURES
        and not is_public(app, rule.endpoint)
        and rule.endpoint not in NOT_HERE
    }


def test_pages_answer_each_role_and_change_nothing(app, client, db, s):
    endpoints = get_endpoints(app)
    wrong = {}
    for role in ROLES:
        browser = app.test_client()  # of the `client` fixture's kind
        sign_in(browser, s, role)
        before = snapshot(db)
        for endpoint, arguments in sorted(endpoints.items()):
            url = sample_url(app, endpoint, arguments, s.ids)
            response = browser.get(url)
            response.close()
            allowed = role in VIEWERS.get(endpoint, ORGANIZERS)
            page = 302 if endpoint in REDIRECTED else 200
            if allowed and response.status_code != page:
                wrong[f"{endpoint} as {role}"] = f"{url}: {response.status_code}, not {page}"
            elif not allowed and not refused(response, role):
                wrong[f"{endpoint} as {role}"] = f"{url}: {response.status_code}, not refused"
        if changed := changed_tables(before, snapshot(db)):
            wrong[f"(every page as {role})"] = f"rows changed in {changed}"
    assert wrong == {}, "\n".join(f"{e}: {w}" for e, w in wrong.items())
