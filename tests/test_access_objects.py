"""Ids of another competition or cohort in the URL (IDOR), across the features.

For every endpoint whose URL names several rows, the one who may act on the first world's
rows (tests/access_world.py) tries it with each id in turn replaced by the id of a row of a
second world (its own unit, organizer, competition, cohort and team): refused, and no row
changes. A control proves that the forged request does act with the right ids."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from competitions.models import Competition, Entry
from tests.access_world import (
    FORGED,
    ORGANIZERS,
    REFUSALS,
    ROLES,
    Setting,
    argument,
    build,
    changed_tables,
    post_endpoints,
    row_counts,
    sample_url,
    sign_in,
)
from tests.helpers import snapshot
from tests.test_access_matrix import ACTORS


@pytest.fixture()
def s(db, factory) -> Setting:
    return build(factory, db)


# --- ids of another competition or cohort in the URL (IDOR) --------------------------------

URL_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def nested_endpoints(app: Flask) -> dict[str, list[str]]:
    """Endpoint → its id arguments, for the endpoints whose URL names several rows."""
    found = {}
    candidates = post_endpoints(app)
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in candidates:
            continue
        ids = [name for kind, name in URL_ARGUMENT.findall(rule.rule) if kind == "int"]
        if len(ids) > 1:
            found[rule.endpoint] = ids
    return found


# These refuse an id of another round or cohort with a message and a redirect (the service's
# "no such award here"), not a 404: nothing changes, which is what matters.
SOFT_REFUSALS = frozenset({
    "accelerator.match_release", "accelerator.match_remove", "accelerator.milestone_done",
    "accelerator.milestone_undo", "accelerator.pair_remind", "accelerator.team_deselect",
    "accelerator.team_withdraw", "admin.revoke_role", "judging.advancement_adjust",
    "judging.award_delete", "judging.award_revoke", "judging.award_update",
})  # fmt: skip

# With the first world's own ids, FORGED is enough for these to act: proof that the refusals
# above are the checks' doing, not the form's.
ACTS_WITH_FORGED = frozenset({
    "accelerator.match_release", "accelerator.milestone_delete", "accelerator.milestone_done",
    "accelerator.team_withdraw", "admin.revoke_role", "competitions.team_cancel_invitation",
    "competitions.team_remove_member", "competitions.team_resend_invitation",
    "judging.assignment_remove", "judging.conflict_override", "judging.panel_remove",
    "judging.rubric_criterion_delete", "judging.rubric_criterion_move",
})  # fmt: skip


def actor_of(endpoint: str) -> str:
    """Who tries the foreign ids: the organizer where they may act, else the first actor."""
    actors = ACTORS.get(endpoint, ORGANIZERS)
    return "organizer" if "organizer" in actors else next(r for r in ROLES if r in actors)


def test_an_id_of_another_competition_or_cohort_is_not_found(app, client, db, factory, s):
    """Each id of a nested URL in turn replaced by the id of a row of a second world (its own
    unit, organizer, competition, cohort, team): the one who may act on the first world's
    rows is refused (404 or 403; a message for SOFT_REFUSALS) and nothing changes."""
    # The second world's competition and entries take the usual codes.
    for competition in db.session.scalars(select(Competition)):
        competition.code = "DN"
    for entry in db.session.scalars(select(Entry).where(Entry.code.is_not(None))):
        entry.code = entry.code.replace("QN", "DN")
    db.session.flush()
    foreign = build(factory, db, prefix="B ")
    endpoints = post_endpoints(app)
    nested = nested_endpoints(app)
    assert len(nested) >= 30, sorted(nested)
    browsers, tokens = {}, {}
    for role in {actor_of(endpoint) for endpoint in nested}:
        browsers[role] = app.test_client()  # of the `client` fixture's kind
        tokens[role] = sign_in(browsers[role], s, role)
    wrong = {}
    before, counts = snapshot(db), row_counts(db)  # after signing in, which writes a session
    tried = 0
    for endpoint, names in sorted(nested.items()):
        role = actor_of(endpoint)
        for name in names:
            ids = dict(s.ids)
            key = f"{endpoint.split('.')[0]}.{name}"
            ids[key if key in ids else name] = argument(foreign.ids, endpoint, name)
            url = sample_url(app, endpoint, endpoints[endpoint], ids)
            response = browsers[role].post(url, data={"csrf_token": tokens[role], **FORGED})
            response.close()
            tried += 1
            if response.status_code not in REFUSALS and endpoint not in SOFT_REFUSALS:
                wrong[f"{endpoint} ({name})"] = f"as {role}, {url}: {response.status_code}"
            if changed := changed_tables(counts, after := row_counts(db)):
                wrong[f"{endpoint} ({name})"] = f"as {role}, {url}: rows in {changed}"
                counts = after
    if changed := changed_tables(before, snapshot(db)):
        wrong["(all the requests)"] = f"rows changed in {changed}"
    assert wrong == {}, "\n".join(f"{e}: {w}" for e, w in wrong.items())
    assert tried >= 60


def test_the_forged_request_acts_with_the_right_ids(app, client, db, s):
    """The control: by the one who may, with the first world's ids, the same request
    changes rows (rolled back after each)."""
    endpoints = post_endpoints(app)
    browsers, tokens = {}, {}
    idle = []
    for endpoint in sorted(ACTS_WITH_FORGED):
        role = actor_of(endpoint)
        if role not in browsers:
            browsers[role] = app.test_client()  # of the `client` fixture's kind
            tokens[role] = sign_in(browsers[role], s, role)
        url = sample_url(app, endpoint, endpoints[endpoint], s.ids)
        savepoint = db.session.connection().begin_nested()
        before = snapshot(db)
        browsers[role].post(url, data={"csrf_token": tokens[role], **FORGED}).close()
        acted = changed_tables(before, snapshot(db))
        savepoint.rollback()
        db.session.expire_all()
        if not acted:
            idle.append(endpoint)
    assert idle == []
