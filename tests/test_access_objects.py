"""Ids of another competition or cohort in the URL (IDOR), across the features.

For every endpoint whose URL names several rows, the one who may act on the first world's
rows (tests/access_world.py) tries it with each id in turn replaced by the id of a row of a
second world (its own unit, organizer, competition, cohort and team): refused, and no row
changes. The events and the programme name a single row (an event, with a registration code
at the door; a unit in the programme's query string): each is swapped too, for the second
world's and for the other organizer's of the first world, on their POSTs and their pages. A
control proves that the forged request does act with the right ids."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from competitions.models import Competition, Entry
from tests.access_world import (
    FORGED,
    ORGANIZERS,
    QUERY,
    REFUSALS,
    ROLES,
    Setting,
    argument,
    argument_key,
    build,
    changed_tables,
    post_endpoints,
    row_counts,
    sample_url,
    sign_in,
)
from tests.helpers import snapshot
from tests.test_access_matrix import ACTORS, VIEWERS, get_endpoints


@pytest.fixture()
def s(db, factory) -> Setting:
    return build(factory, db)


# --- ids of another competition or cohort in the URL (IDOR) --------------------------------

URL_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")

# Blueprints whose URLs name one row each: that row is swapped too.
ONE_ROW = ("events", "programme")
# Any signed-in person may register for any published event: no row of theirs to guard.
OPEN_TO_ALL = frozenset({"events.register", "events.unregister"})
# The code of another event at an event's door: "not this event's" (409), nothing marked.
CONFLICTS = frozenset({"events.check_in"})


def id_arguments(rule_text: str, endpoint: str) -> list[str]:
    """The arguments that name a row: the integers of the path, a registration code and
    the unit of the query string (QUERY)."""
    path = [
        name
        for kind, name in URL_ARGUMENT.findall(rule_text)
        if kind == "int" or (not kind and name == "code")
    ]
    return [*path, *QUERY.get(endpoint, ())]


def nested_endpoints(app: Flask, candidates: dict | None = None) -> dict[str, list[str]]:
    """Endpoint → its id arguments, for the endpoints whose URL names several rows (or one
    row, in ONE_ROW); those that take a POST unless `candidates` says otherwise."""
    found = {}
    candidates = post_endpoints(app) if candidates is None else candidates
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in candidates or rule.endpoint in OPEN_TO_ALL:
            continue
        ids = id_arguments(rule.rule, rule.endpoint)
        if len(ids) > 1 or (ids and rule.endpoint.split(".")[0] in ONE_ROW):
            found[rule.endpoint] = ids
    return found


def pages_naming_one_row(app: Flask) -> dict[str, list[str]]:
    """The pages of ONE_ROW whose URL names a row."""
    pages = {e: a for e, a in get_endpoints(app).items() if e.split(".")[0] in ONE_ROW}
    return nested_endpoints(app, pages)


# These refuse an id of another round or cohort with a message and a redirect (the service's
# "no such award here"), not a 404: nothing changes, which is what matters.
SOFT_REFUSALS = frozenset({
    "accelerator.match_release", "accelerator.match_remove", "accelerator.milestone_done",
    "accelerator.milestone_undo", "accelerator.pair_remind", "accelerator.team_deselect",
    "accelerator.team_withdraw", "admin.revoke_role", "judging.advancement_adjust",
    "judging.award_delete", "judging.award_revoke", "judging.award_update",
    "accelerator.cohort_training_register",
})  # fmt: skip

# With the first world's own ids, FORGED is enough for these to act: proof that the refusals
# above are the checks' doing, not the form's.
ACTS_WITH_FORGED = frozenset({
    "accelerator.match_release", "accelerator.milestone_delete", "accelerator.milestone_done",
    "accelerator.team_withdraw", "admin.revoke_role", "competitions.team_cancel_invitation",
    "competitions.team_remove_member", "competitions.team_resend_invitation",
    "judging.assignment_remove", "judging.conflict_override", "judging.panel_remove",
    "judging.rubric_criterion_delete", "judging.rubric_criterion_move", "events.cancel",
    "events.check_in", "events.publish", "programme.report",
})  # fmt: skip


def actor_of(endpoint: str, method: str = "POST") -> str:
    """Who tries the foreign ids: the organizer where they may act, else the first actor."""
    actors = (ACTORS if method == "POST" else VIEWERS).get(endpoint, ORGANIZERS)
    return "organizer" if "organizer" in actors else next(r for r in ROLES if r in actors)


def swapped_urls(
    app: Flask, endpoint: str, arguments: list[str], names: list[str], s: Setting, foreign: Setting
) -> Iterator[tuple[str, str]]:
    """(argument, URL) with each id in turn taken from the second world, and, in ONE_ROW,
    from the other organizer's rows of the first world."""
    sources = [foreign.ids]
    if endpoint.split(".")[0] in ONE_ROW:
        sources.append(s.elsewhere)
    for name in names:
        for source in sources:
            ids = dict(s.ids)
            ids[argument_key(ids, endpoint, name)] = argument(source, endpoint, name)
            yield name, sample_url(app, endpoint, arguments, ids)


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
    nested = nested_endpoints(app)
    pages = pages_naming_one_row(app)
    assert len(nested) >= 40, sorted(nested)
    assert len(pages) >= 6, sorted(pages)
    browsers, tokens = {}, {}
    actors = {actor_of(e) for e in nested} | {actor_of(e, "GET") for e in pages}
    for role in actors:
        browsers[role] = app.test_client()  # of the `client` fixture's kind
        tokens[role] = sign_in(browsers[role], s, role)
    wrong = {}
    before, counts = snapshot(db), row_counts(db)  # after signing in, which writes a session
    tried = 0
    arguments = {"POST": post_endpoints(app), "GET": get_endpoints(app)}
    tries = [("POST", e, names) for e, names in sorted(nested.items())]
    tries += [("GET", e, names) for e, names in sorted(pages.items())]
    for method, endpoint, names in tries:
        role = actor_of(endpoint, method)
        path_arguments = arguments[method][endpoint]
        for name, url in swapped_urls(app, endpoint, path_arguments, names, s, foreign):
            if method == "POST":
                data = {"csrf_token": tokens[role], **FORGED}
                response = browsers[role].post(url, data=data)
            else:
                response = browsers[role].get(url)
            response.close()
            tried += 1
            refusals = (*REFUSALS, 409) if endpoint in CONFLICTS else REFUSALS
            if response.status_code not in refusals and endpoint not in SOFT_REFUSALS:
                wrong[f"{method} {endpoint} ({name})"] = f"as {role}, {url}: {response.status_code}"
            if changed := changed_tables(counts, after := row_counts(db)):
                wrong[f"{method} {endpoint} ({name})"] = f"as {role}, {url}: rows in {changed}"
                counts = after
    if changed := changed_tables(before, snapshot(db)):
        wrong["(all the requests)"] = f"rows changed in {changed}"
    assert wrong == {}, "\n".join(f"{e}: {w}" for e, w in wrong.items())
    assert tried >= 90


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
