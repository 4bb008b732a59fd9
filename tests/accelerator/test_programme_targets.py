"""The targets form: every indicator listed with its target in force (the plan's default
until one is saved), "2,5" accepted, each kind of bad input refused with its message and
nothing stored, an audit row per change, a target reset to the default."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from accelerator.programme.indicators import CATALOGUE
from accelerator.programme.models import ProgrammeTarget
from app.audit import AuditEvent
from tests.accelerator import programme_world as pw
from tests.accelerator.test_programme import ROLES, answers, people
from tests.helpers import csrf_token, snapshot
from tests.judging.roles import LOGIN, answer, sign_in

# fmt: off
#                                 anon  part org  c_org admin
ACCESS: dict[str, dict[str, int | str]] = {
    "programme.targets_form": answers(LOGIN, 403, 403, 403, 200),
}
# fmt: on
POST_ENDPOINTS = {"programme.reset_target", "programme.report"}
URL = f"/programme/targets?year={pw.YEAR}"


@pytest.fixture()
def w(db, factory) -> pw.World:  # noqa: ARG001
    return pw.build(factory)


def field(code: str, qualifier: str = "") -> str:
    return f"target:{code}:{qualifier}"


def post(client, data: dict, url: str = URL):  # noqa: ANN001, ANN201
    token = csrf_token(client, URL)
    return client.post(url, data={"csrf_token": token, **data})


def saved(db) -> dict[tuple[str, str], Decimal]:  # noqa: ANN001
    rows = db.session.scalars(select(ProgrammeTarget).where(ProgrammeTarget.year == pw.YEAR))
    return {(row.indicator, row.qualifier): row.value for row in rows}


@pytest.mark.parametrize("role", ROLES)
def test_access(client, w, role):
    sign_in(client, people(w), role)
    assert answer(client.get(URL)) == ACCESS["programme.targets_form"][role]


@pytest.mark.parametrize("role", ["participant", "organizer", "cluster_organizer"])
def test_only_admins_change_targets(client, db, w, role):
    sign_in(client, people(w), role)
    token = csrf_token(client, "/auth/profile")
    before = snapshot(db)
    data = {"csrf_token": token, field("forums"): "7", "indicator": "forums"}
    assert client.post(URL, data=data).status_code == 403
    url = f"/programme/targets/reset?year={pw.YEAR}"
    assert client.post(url, data=data).status_code == 403
    assert snapshot(db) == before


def test_every_indicator_is_listed_with_the_plans_default(client, w):
    sign_in(client, people(w), "admin")
    html = client.get(URL).get_data(as_text=True)
    for indicator in CATALOGUE:
        assert f'data-indicator="{indicator.code}"' in html
    assert 'data-indicator="forums" data-qualifier="" data-saved="" data-default="yes"' in html
    assert 'data-indicator="entries_per_track" data-qualifier="THPT"' in html
    assert 'placeholder="5"' in html  # forums, science-fair projects


def test_targets_are_saved_with_a_decimal_comma_and_audited(client, db, w):
    sign_in(client, people(w), "admin")
    response = post(client, {field("forums"): "2,5", field("entries_per_track", "SV"): "40"})
    assert response.status_code == 302
    assert saved(db) == {("forums", ""): Decimal("2.5"), ("entries_per_track", "SV"): Decimal(40)}
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("programme.%"))
    ).all()
    assert actions == ["programme.target_set", "programme.target_set"]
    html = client.get(URL).get_data(as_text=True)
    assert 'data-indicator="forums" data-qualifier="" data-saved="2.50" data-default="no"' in html
    # The same figures again change nothing and write no audit row.
    post(client, {field("forums"): "2.5"})
    assert (
        db.session.scalar(
            select(AuditEvent.id).where(AuditEvent.action == "programme.target_set").offset(2)
        )
        is None
    )


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (field("forums"), "-1", "A target cannot be negative."),
        (field("forums"), "năm", "Enter a number of zero or more, e.g. 5 or 2,5."),
        (field("forums"), "=1+1", "Enter a number of zero or more, e.g. 5 or 2,5."),
        (field("forums"), "2,555", "Use at most 2 decimal places."),
        (field("forums"), "1e99", "Enter a number of zero or more, e.g. 5 or 2,5."),
        (field("bogus"), "5", "This indicator is not in the programme's plan."),
        (field("forums", "X"), "5", "This indicator is not in the programme's plan."),
        (field("entries_per_track", "NOPE"), "5", "This indicator is not in the programme's plan."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_changes(
    client, db, w, name, text, message
):
    db.session.add(ProgrammeTarget(year=pw.YEAR, indicator="trainings", value=Decimal(2)))
    db.session.flush()
    sign_in(client, people(w), "admin")
    token = csrf_token(client, URL)
    before = snapshot(db)
    data = {"csrf_token": token, field("trainings"): "3", name: text}
    response = client.post(URL, data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Nothing was saved" in html
    if "indicator" not in message:
        assert message in html
    else:
        assert message.replace("'", "&#39;") in html
    assert snapshot(db) == before


@pytest.mark.parametrize("year", ["1800", "abc", "2101"])
def test_an_absurd_year_stores_nothing(client, db, w, year):
    sign_in(client, people(w), "admin")
    token = csrf_token(client, URL)
    before = snapshot(db)
    response = client.post(
        f"/programme/targets?year={year}",
        data={"csrf_token": token, field("forums"): "7"},
        follow_redirects=True,
    )
    assert "Choose a year between 2000 and 2100" in response.get_data(as_text=True)
    assert snapshot(db) == before


def test_a_target_is_reset_to_the_default(client, db, w):
    db.session.add(ProgrammeTarget(year=pw.YEAR, indicator="forums", value=Decimal(9)))
    db.session.flush()
    sign_in(client, people(w), "admin")
    url = f"/programme/targets/reset?year={pw.YEAR}"
    response = post(client, {"indicator": "forums", "qualifier": ""}, url)
    assert response.status_code == 302
    assert saved(db) == {}
    assert db.session.scalar(
        select(AuditEvent.old).where(AuditEvent.action == "programme.target_reset")
    )["value"] in ("9", "9.00", 9)
    html = client.get(f"/programme/?year={pw.YEAR}").get_data(as_text=True)
    assert 'data-indicator="forums" data-qualifier="" data-actual="3" data-target="5"' in html


def test_resetting_an_unknown_indicator_changes_nothing(client, db, w):
    sign_in(client, people(w), "admin")
    token = csrf_token(client, URL)
    before = snapshot(db)
    response = client.post(
        f"/programme/targets/reset?year={pw.YEAR}",
        data={"csrf_token": token, "indicator": "bogus", "qualifier": ""},
        follow_redirects=True,
    )
    assert "This indicator is not in the programme" in response.get_data(as_text=True)
    assert snapshot(db) == before


def test_an_empty_box_goes_back_to_the_default(client, db, w):
    db.session.add(ProgrammeTarget(year=pw.YEAR, indicator="forums", value=Decimal(9)))
    db.session.flush()
    sign_in(client, people(w), "admin")
    assert post(client, {field("forums"): ""}).status_code == 302
    assert saved(db) == {}
