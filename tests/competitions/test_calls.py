"""Calls: public pages, the organizers' set-up of a competition (tracks, rounds, pools)
and its lifecycle, with the hostile cases of issue 3."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from flask import url_for
from sqlalchemy import select, update

from app.audit import AuditEvent
from app.db import utcnow
from app.localtime import format_datetime
from app.people.models import Role, User
from app.units.models import Unit
from competitions.calls import services
from competitions.calls.errors import CallError
from competitions.calls.pages import remaining_text
from competitions.calls.timeline import CLOSED, NOT_SET, NOT_YET, OPEN, submission_window, window
from competitions.models import (
    Audience,
    Competition,
    CompetitionStatus,
    Entry,
    Pool,
    PoolMode,
    Round,
    Track,
)
from tests.helpers import login, post_form

ROLES = ("anonymous", "participant", "member", "organizer", "other_organizer", "admin")
LOGIN = "login"


def row(*answers: int | str) -> dict[str, int | str]:
    assert len(answers) == len(ROLES)
    return dict(zip(ROLES, answers, strict=True))


EVERYONE = row(200, 200, 200, 200, 200, 200)
ORGANIZERS = row(LOGIN, 403, 403, 200, 200, 200)
MANAGERS = row(LOGIN, 403, 403, 200, 403, 200)

# The sample competition is open (public); drafts are tested on their own below.
# fmt: off
ACCESS: dict[str, dict[str, int | str]] = {
    "competitions.index":           EVERYONE,
    "competitions.detail":          EVERYONE,
    "competitions.call_mine":       ORGANIZERS,
    "competitions.call_create":     ORGANIZERS,
    "competitions.call_manage":     MANAGERS,
    "competitions.call_edit":       MANAGERS,
    "competitions.call_status":     MANAGERS,
    "competitions.call_track_new":  MANAGERS,
    "competitions.call_track_edit": MANAGERS,
    "competitions.call_round_new":  MANAGERS,
    "competitions.call_round_edit": MANAGERS,
    "competitions.call_pools":      MANAGERS,
}
POST_ENDPOINTS = {
    "competitions.call_track_delete",
    "competitions.call_round_delete",
    "competitions.call_round_move",
    "competitions.call_pools_regenerate",
}
# fmt: on

# Tables the call pages write: a refused request leaves every one of them as it was.
CALL_TABLES = ("competitions", "tracks", "rounds", "pools", "audit_events")


@dataclass
class World:
    city: Unit  # an ancestor of the owner unit
    owner: Unit  # the competition's owner unit
    elsewhere: Unit
    accounts: dict[str, User]
    competition: Competition  # open, with two tracks and two rounds
    entry: Entry  # the member's team's submitted entry

    @property
    def spare_track(self) -> Track:
        """The track nobody entered (deletable)."""
        return self.competition.tracks[1]


@pytest.fixture()
def world(db, factory) -> World:
    city_level = factory.level("city", "Thành phố", 0)
    ward_level = factory.level("ward", "Phường", 2)
    city = factory.unit("Thành phố Đà Nẵng", level=city_level)
    owner = factory.unit("Phường Hải Châu", parent=city, level=ward_level)
    elsewhere = factory.unit("Thành phố Huế", level=city_level)
    member = factory.user("Lê Thị Mai")
    accounts = {
        "participant": factory.user("Trần Văn Bình"),
        "member": member,
        "organizer": factory.user("Đặng Văn Hùng", roles=(Role.ORGANIZER,), organizer_of=owner),
        "other_organizer": factory.user(
            "Hoàng Thị Dung", roles=(Role.ORGANIZER,), organizer_of=elsewhere
        ),
        "admin": factory.user("Võ Thị Sáu", roles=(Role.ADMIN,)),
    }
    competition = factory.competition(owner_unit=owner, code="DN")
    team = factory.team(leader=member, unit=owner)
    entry = factory.entry(competition=competition, team=team, status="submitted")
    return World(city, owner, elsewhere, accounts, competition, entry)


def sign_in(client, world: World, role: str) -> None:
    if role != "anonymous":
        assert login(client, world.accounts[role].email).status_code == 302, role


def url_arguments(world: World, competition: Competition | None = None) -> dict[str, dict]:
    competition = competition or world.competition
    ids = {"competition_id": competition.id}
    first_round = {**ids, "round_id": competition.rounds[0].id}
    return {
        "competitions.detail": ids,
        "competitions.call_manage": ids,
        "competitions.call_edit": ids,
        "competitions.call_status": {**ids, "target": CompetitionStatus.JUDGING},
        "competitions.call_track_new": ids,
        "competitions.call_track_edit": {**ids, "track_id": competition.tracks[0].id},
        "competitions.call_track_delete": {**ids, "track_id": competition.tracks[-1].id},
        "competitions.call_round_new": ids,
        "competitions.call_round_edit": first_round,
        "competitions.call_round_delete": {**ids, "round_id": competition.rounds[-1].id},
        "competitions.call_round_move": {**ids, "round_id": competition.rounds[-1].id},
        "competitions.call_pools": first_round,
        "competitions.call_pools_regenerate": first_round,
    }


def sample_url(app, world: World, endpoint: str, competition: Competition | None = None) -> str:
    with app.test_request_context():
        return url_for(endpoint, **url_arguments(world, competition).get(endpoint, {}))


def answer_of(response) -> int | str:
    if response.status_code == 302 and urlsplit(response.headers["Location"]).path == (
        "/auth/login"
    ):
        return LOGIN
    return response.status_code


def snapshot(db) -> dict[str, list[tuple]]:
    tables = {table.name: table for table in db.metadata.sorted_tables}
    return {
        name: [
            tuple(r)
            for r in db.session.execute(
                select(tables[name]).order_by(*tables[name].primary_key.columns)
            )
        ]
        for name in CALL_TABLES
    }


def local(value: datetime) -> str:
    """How a person types this instant: dd/mm/yyyy HH:MM, Vietnam time."""
    return format_datetime(value)


def audit_rows(db, action: str, obj_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == action, AuditEvent.object_id == str(obj_id)
            )
        )
    )


def refusals(client, db, url: str, cases: list[tuple[dict, str]], make) -> dict:  # noqa: ANN001
    """Post each bad case; what went wrong for those not refused beside their field with
    nothing stored."""
    wrong = {}
    for bad, field in cases:
        before = snapshot(db)
        response = post_form(client, url, make(**bad))
        html = response.get_data(as_text=True)
        if response.status_code != 200 or f'id="{field}-errors"' not in html:
            wrong[repr(bad)] = f"status {response.status_code}, no error beside {field}"
        elif snapshot(db) != before:
            wrong[repr(bad)] = "changed the database"
    return wrong


def round_form(**overrides: object) -> dict:
    data = {
        "name": "Vòng sơ khảo",
        "submission_opens_at": "",
        "submission_closes_at": "",
        "judging_opens_at": "",
        "judging_closes_at": "",
        "pool_mode": PoolMode.SINGLE,
        "advance_top_n": "",
        "pass_mark": "",
        "carry_over_weight": "",
        "per_unit_cap": "",
    }
    data.update(overrides)
    return data


def track_form(**overrides: object) -> dict:
    data = {
        "code": "TN",
        "name": "Bảng Thanh niên",
        "audience": Audience.YOUTH,
        "eligibility": "Thanh niên từ 18 đến 35 tuổi.",
        "min_team_size": 1,
        "max_team_size": 5,
        "min_age": 18,
        "max_age": 35,
    }
    data.update(overrides)
    return data


def partial_form(unit: Unit):  # noqa: ANN201
    return lambda **overrides: competition_form(unit, **overrides)


def competition_form(unit: Unit, **overrides: object) -> dict:
    data = {
        "title": "Cuộc thi Ý tưởng khởi nghiệp",
        "code": "HC",
        "edition_year": 2026,
        "owner_unit": unit.id,
        "description": "Dành cho thanh niên.",
        "rules": "Điều 1.\nĐiều 2.",
    }
    data.update(overrides)
    return data


# --- access -------------------------------------------------------------------------------


def test_sample_urls_reach_their_endpoints(app, world):
    adapter = app.url_map.bind("localhost")
    for endpoint in [*ACCESS, *POST_ENDPOINTS]:
        method = "GET" if endpoint in ACCESS else "POST"
        path = urlsplit(sample_url(app, world, endpoint)).path
        assert adapter.match(path, method=method)[0] == endpoint


@pytest.mark.parametrize("role", ROLES)
def test_get_matrix(app, client, world, role):
    sign_in(client, world, role)
    wrong = {}
    for endpoint, answers in sorted(ACCESS.items()):
        url = sample_url(app, world, endpoint)
        got = answer_of(client.get(url))
        if got != answers[role]:
            wrong[endpoint] = f"{url}: expected {answers[role]}, got {got}"
    assert wrong == {}, role


@pytest.mark.parametrize("role", ["participant", "member", "other_organizer"])
def test_a_draft_does_not_exist_for_outsiders(app, client, db, world, role):
    world.competition.status = CompetitionStatus.DRAFT
    db.session.flush()
    sign_in(client, world, role)
    for endpoint in ACCESS:
        if endpoint in ("competitions.index", "competitions.call_mine", "competitions.call_create"):
            continue
        url = sample_url(app, world, endpoint)
        assert client.get(url).status_code == 404, url
    assert world.competition.title not in client.get("/competitions/").get_data(as_text=True)


def test_a_draft_is_404_for_anonymous_visitors_and_absent_from_the_list(client, db, world):
    world.competition.status = CompetitionStatus.DRAFT
    db.session.flush()
    assert client.get(f"/competitions/{world.competition.id}").status_code == 404
    assert world.competition.title not in client.get("/competitions/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["organizer", "admin", "city_organizer"])
def test_a_draft_is_shown_to_its_organizers(client, db, factory, world, role):
    """Organizers of the owner unit, of a unit above it, and admins."""
    world.competition.status = CompetitionStatus.DRAFT
    db.session.flush()
    if role == "city_organizer":
        user = factory.user("Phan Văn Long", roles=(Role.ORGANIZER,), organizer_of=world.city)
        login(client, user.email)
    else:
        sign_in(client, world, role)
    page = client.get(f"/competitions/{world.competition.id}")
    assert page.status_code == 200
    assert 'data-status="draft"' in page.get_data(as_text=True)
    assert client.get(f"/competitions/{world.competition.id}/manage").status_code == 200


def _attack_data(world: World) -> dict:
    """Every field any call form reads, as an attacker would send them."""
    return {
        **competition_form(world.elsewhere, title="Bị chiếm", code="XX"),
        **track_form(code="XX", name="Bị chiếm"),
        **round_form(name="Bị chiếm", judging_opens_at="01/01/2027 08:00"),
        "direction": "up",
        "seen": world.competition.status,
        "reason": "tấn công",
        "status": CompetitionStatus.ARCHIVED,
    }


def _writing_endpoints() -> list[str]:
    """GET+POST form pages of a competition, and the POST-only endpoints."""
    forms = [
        endpoint
        for endpoint, answers in ACCESS.items()
        if answers is MANAGERS
        and endpoint not in ("competitions.call_manage", "competitions.call_pools")
    ]
    return sorted([*forms, *POST_ENDPOINTS])


@pytest.mark.parametrize(
    ("role", "draft", "expected"),
    [
        ("other_organizer", False, 403),
        ("participant", False, 403),
        ("member", False, 403),
        ("other_organizer", True, 404),
        ("participant", True, 404),
    ],
)
def test_outsiders_posting_to_a_competition_are_refused_and_nothing_changes(
    app, client, db, world, role, draft, expected
):
    if draft:
        world.competition.status = CompetitionStatus.DRAFT
        db.session.flush()
    sign_in(client, world, role)
    wrong = {}
    for endpoint in _writing_endpoints():
        url = sample_url(app, world, endpoint)
        before = snapshot(db)
        response = post_form(client, url, _attack_data(world), form_page="/competitions/")
        if response.status_code != expected:
            wrong[endpoint] = f"status {response.status_code}"
        if snapshot(db) != before:
            wrong[endpoint] = "changed the database"
    assert wrong == {}
    assert db.session.get(Competition, world.competition.id).title != "Bị chiếm"


def test_anonymous_posts_go_to_the_login_page(app, client, db, world):
    before = snapshot(db)
    for endpoint in _writing_endpoints():
        url = sample_url(app, world, endpoint)
        response = post_form(client, url, _attack_data(world), form_page="/competitions/")
        assert answer_of(response) == LOGIN, endpoint
    assert snapshot(db) == before


def test_objects_of_another_competition_are_404_under_this_one(app, client, db, factory, world):
    other = factory.competition(owner_unit=world.elsewhere, code="HUE")
    sign_in(client, world, "organizer")
    mine = world.competition.id
    for path in (
        f"/competitions/{mine}/tracks/{other.tracks[0].id}/edit",
        f"/competitions/{mine}/rounds/{other.rounds[0].id}/edit",
        f"/competitions/{mine}/rounds/{other.rounds[0].id}/pools",
    ):
        assert client.get(path).status_code == 404, path
    before = snapshot(db)
    for path in (
        f"/competitions/{mine}/tracks/{other.tracks[1].id}/delete",
        f"/competitions/{mine}/rounds/{other.rounds[1].id}/delete",
        f"/competitions/{mine}/rounds/{other.rounds[1].id}/move",
    ):
        response = post_form(client, path, {"direction": "up"}, form_page="/competitions/")
        assert response.status_code == 404, path
    assert snapshot(db) == before


def test_a_missing_competition_is_404(client, world):
    sign_in(client, world, "admin")
    for path in (
        "/competitions/999999",
        "/competitions/999999/manage",
        "/competitions/999999/edit",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/competitions/{world.competition.id}/status/closed").status_code == 404


def test_get_pages_change_nothing(app, client, db, world):
    sign_in(client, world, "admin")
    before = snapshot(db)
    for endpoint in ACCESS:
        assert client.get(sample_url(app, world, endpoint)).status_code == 200, endpoint
    assert snapshot(db) == before


# --- public pages --------------------------------------------------------------------------


def test_the_list_shows_every_call_but_drafts_newest_edition_first(client, factory, world):
    factory.competition(
        title="Cuộc thi năm 2024",
        owner_unit=world.owner,
        year=2024,
        status=CompetitionStatus.ARCHIVED,
    )
    factory.competition(
        title="Cuộc thi năm 2025",
        owner_unit=world.owner,
        year=2025,
        status=CompetitionStatus.PUBLISHED,
    )
    factory.competition(
        title="Bản nháp bí mật", owner_unit=world.owner, year=2027, status=CompetitionStatus.DRAFT
    )
    page = client.get("/competitions/").get_data(as_text=True)
    assert "Bản nháp bí mật" not in page
    titles = [world.competition.title, "Cuộc thi năm 2025", "Cuộc thi năm 2024"]
    positions = [page.index(title) for title in titles]
    assert positions == sorted(positions)
    for status in ("open", "published", "archived"):
        assert f'data-status="{status}"' in page
    assert 'data-status="draft"' not in page


def test_the_list_takes_the_same_number_of_queries_for_3_and_30(
    client, factory, world, count_queries
):
    def measure() -> int:
        with count_queries() as counted:
            assert client.get("/competitions/").status_code == 200
        return counted.n

    for i in range(2):
        factory.competition(title=f"Cuộc thi {i}", owner_unit=factory.unit(), code=f"A{i}")
    few = measure()
    for i in range(27):
        factory.competition(title=f"Cuộc thi khác {i}", owner_unit=factory.unit(), code=f"B{i}")
    assert measure() == few


def test_the_public_page_shows_the_call(client, db, factory, world):
    competition = world.competition
    competition.description = "Dòng một\nDòng hai\n\nĐoạn hai"
    competition.rules = "Điều 1: <b>không</b> đạo văn."
    track = competition.tracks[0]
    track.min_age, track.max_age = 15, 18
    track.min_team_size, track.max_team_size = 2, 4
    track.eligibility = "Học sinh THPT trên địa bàn thành phố."
    first = competition.rounds[0]
    first.submission_opens_at = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
    first.submission_closes_at = datetime(2026, 4, 30, 10, 0, tzinfo=UTC)
    first.judging_opens_at = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)
    first.judging_closes_at = datetime(2026, 5, 15, 10, 0, tzinfo=UTC)
    db.session.flush()
    page = client.get(f"/competitions/{competition.id}").get_data(as_text=True)
    assert competition.title in page
    assert "2026" in page and world.owner.name in page
    assert "Dòng một<br>Dòng hai" in page
    assert "<p>Đoạn hai</p>" in page
    assert "&lt;b&gt;không&lt;/b&gt;" in page
    assert "Học sinh THPT trên địa bàn thành phố." in page
    assert "15" in page and "18" in page
    # Shown in Vietnam time (UTC+7), day first.
    assert "01/03/2026 08:00" in page
    assert "30/04/2026 17:00" in page
    assert "01/05/2026 08:00" in page
    assert "15/05/2026 17:00" in page
    for track in competition.tracks:
        assert track.name in page


def test_a_script_in_the_title_is_shown_escaped(client, db, world):
    world.competition.title = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    world.competition.tracks[0].name = "<script>alert(3)</script>"
    world.competition.rules = "<script>alert(4)</script>"
    db.session.flush()
    for path in ("/competitions/", f"/competitions/{world.competition.id}"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page, path
        assert "<img src=x" not in page, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, path


def _window_states(page: str) -> list[str]:
    import re

    return re.findall(r'class="badge [^"]*window-state" data-state="(\w+)"', page)


def test_window_states_are_computed_on_the_server(client, db, world):
    now = utcnow()
    first, final = world.competition.rounds
    first.submission_opens_at = now - timedelta(days=3)
    first.submission_closes_at = now + timedelta(days=2, hours=5)
    first.judging_opens_at = now + timedelta(days=3)
    first.judging_closes_at = now + timedelta(days=10)
    final.judging_opens_at = now - timedelta(days=30)
    final.judging_closes_at = now - timedelta(days=20)
    db.session.flush()
    page = client.get(f"/competitions/{world.competition.id}").get_data(as_text=True)
    assert _window_states(page) == [OPEN, NOT_YET, CLOSED]

    world.competition.status = CompetitionStatus.JUDGING
    db.session.flush()
    page = client.get(f"/competitions/{world.competition.id}").get_data(as_text=True)
    assert _window_states(page)[0] == CLOSED


def test_window_state_rules():
    now = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)
    hour = timedelta(hours=1)
    assert window(None, now, now).state == NOT_SET
    assert window(now + hour, now + 2 * hour, now).state == NOT_YET
    assert window(now + hour, now + 2 * hour, now).remaining == hour
    assert window(now - hour, now, now).state == OPEN  # the closing minute still counts
    assert window(now - 2 * hour, now - hour, now).state == CLOSED
    competition = Competition(status=CompetitionStatus.PUBLISHED)
    round_ = Round(position=1, submission_opens_at=now - hour, submission_closes_at=now + hour)
    assert submission_window(competition, round_, now).state == CLOSED
    competition.status = CompetitionStatus.OPEN
    assert submission_window(competition, round_, now).state == OPEN


def test_time_left_is_precise_near_a_deadline(app):
    with app.test_request_context():
        from flask_babel import force_locale

        with force_locale("en"):
            assert remaining_text(timedelta(days=10, hours=3)) == "10 days"
            assert remaining_text(timedelta(days=1, hours=5, minutes=9)) == "1 day 5 hours"
            assert remaining_text(timedelta(hours=2, minutes=30)) == "2 hours 30 minutes"
            assert remaining_text(timedelta(seconds=20)) == "1 minute"


# --- competitions ----------------------------------------------------------------------------


def test_an_organizer_creates_a_draft(client, db, world):
    sign_in(client, world, "organizer")
    response = post_form(client, "/competitions/new", competition_form(world.owner))
    assert response.status_code == 302
    competition = db.session.scalar(select(Competition).where(Competition.code == "HC"))
    assert competition.status == CompetitionStatus.DRAFT
    assert competition.owner_unit_id == world.owner.id
    assert competition.created_by_id == world.accounts["organizer"].id
    assert competition.rules == "Điều 1.\nĐiều 2."
    assert response.headers["Location"].endswith(f"/competitions/{competition.id}/manage")
    (event,) = audit_rows(db, "competition.create", competition.id)
    assert event.actor_id == world.accounts["organizer"].id
    assert event.new["code"] == "HC"


def test_an_organizer_may_give_a_competition_to_a_unit_below_their_own(client, db, factory, world):
    school = factory.unit("Trường THPT Phan Châu Trinh", parent=world.owner)
    db.session.flush()  # the factory sets the unit's path after its first flush
    sign_in(client, world, "organizer")
    response = post_form(client, "/competitions/new", competition_form(school))
    assert response.status_code == 302
    assert db.session.scalar(select(Competition.owner_unit_id).where(Competition.code == "HC")) == (
        school.id
    )


def test_a_bad_competition_code_is_refused(client, db, world):
    codes = ["hc", "Hc", "H-C", "H C", "<s>", "H", "ABCDEFG", "ĐN", "HC!", "", "Ｈ１", "' OR 1=1"]
    sign_in(client, world, "organizer")
    cases = [({"code": code}, "code") for code in codes]
    assert refusals(client, db, "/competitions/new", cases, partial_form(world.owner)) == {}


def test_a_code_already_used_the_same_year_is_refused(client, db, world):
    sign_in(client, world, "organizer")
    before = snapshot(db)
    response = post_form(client, "/competitions/new", competition_form(world.owner, code="DN"))
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert snapshot(db) == before
    # Another year may use it.
    response = post_form(
        client, "/competitions/new", competition_form(world.owner, code="DN", edition_year=2027)
    )
    assert response.status_code == 302


def test_an_organizer_cannot_give_a_competition_to_another_unit(client, db, world):
    sign_in(client, world, "organizer")
    before = snapshot(db)
    for unit in (world.elsewhere, world.city):
        response = post_form(client, "/competitions/new", competition_form(unit))
        assert response.status_code == 200
        assert "invalid-feedback" in response.get_data(as_text=True)
    assert snapshot(db) == before


def test_the_service_refuses_a_unit_the_actor_does_not_organise(db, world):
    with pytest.raises(CallError) as refused:
        services.create_competition(
            actor=world.accounts["organizer"],
            title="Cuộc thi",
            code="ZZ",
            edition_year=2026,
            owner_unit=world.elsewhere,
        )
    assert refused.value.reasons == ["unit_not_allowed"]


def test_a_new_competition_needs_a_unit_that_still_exists(client, db, factory, world):
    from datetime import date

    old_district = factory.unit("Huyện Hòa Vang", parent=world.owner, valid_until=date(2025, 7, 1))
    db.session.flush()
    sign_in(client, world, "admin")
    assert f'value="{old_district.id}"' not in client.get("/competitions/new").get_data(
        as_text=True
    )
    with pytest.raises(CallError) as refused:
        services.create_competition(
            actor=world.accounts["admin"],
            title="Cuộc thi",
            code="ZZ",
            edition_year=2026,
            owner_unit=old_district,
        )
    assert refused.value.reasons == ["unit_not_current"]


def test_a_participant_cannot_create_a_competition(client, db, world):
    sign_in(client, world, "participant")
    before = snapshot(db)
    response = post_form(
        client, "/competitions/new", competition_form(world.owner), form_page="/competitions/"
    )
    assert response.status_code == 403
    assert snapshot(db) == before


def test_an_admin_may_give_a_competition_to_any_current_unit(client, db, world):
    sign_in(client, world, "admin")
    response = post_form(client, "/competitions/new", competition_form(world.elsewhere))
    assert response.status_code == 302


def test_an_organizer_edits_the_details(client, db, world):
    competition = world.competition
    sign_in(client, world, "organizer")
    data = competition_form(world.owner, title="Cuộc thi mới", code="DN", rules="Luật mới")
    data["status"] = CompetitionStatus.ARCHIVED  # not a field of the form: ignored
    data["created_by_id"] = world.accounts["admin"].id
    response = post_form(client, f"/competitions/{competition.id}/edit", data)
    assert response.status_code == 302
    stored = db.session.get(Competition, competition.id)
    assert (stored.title, stored.rules, stored.status) == ("Cuộc thi mới", "Luật mới", "open")
    assert stored.created_by_id is None
    (event,) = audit_rows(db, "competition.update", competition.id)
    assert event.old["title"] != event.new["title"] == "Cuộc thi mới"


def test_an_organizer_of_a_unit_above_manages_the_competition(client, db, factory, world):
    user = factory.user("Phan Văn Long", roles=(Role.ORGANIZER,), organizer_of=world.city)
    login(client, user.email)
    response = post_form(
        client,
        f"/competitions/{world.competition.id}/edit",
        competition_form(world.owner, title="Sửa từ thành phố", code="DN"),
    )
    assert response.status_code == 302
    assert db.session.get(Competition, world.competition.id).title == "Sửa từ thành phố"


def test_another_units_organizer_cannot_edit_the_competition(client, db, world):
    sign_in(client, world, "other_organizer")
    before = snapshot(db)
    response = post_form(
        client,
        f"/competitions/{world.competition.id}/edit",
        competition_form(world.elsewhere, title="Bị chiếm", code="DN"),
        form_page="/competitions/",
    )
    assert response.status_code == 403
    assert snapshot(db) == before


def test_the_code_and_year_are_fixed_once_confirmation_codes_are_given(client, db, world):
    world.competition.tracks[0].last_number = 1
    db.session.flush()
    sign_in(client, world, "organizer")
    before = snapshot(db)
    response = post_form(
        client,
        f"/competitions/{world.competition.id}/edit",
        competition_form(world.owner, code="QN"),
    )
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert snapshot(db) == before


# --- tracks ----------------------------------------------------------------------------------


def test_an_organizer_adds_a_track(client, db, world):
    sign_in(client, world, "organizer")
    response = post_form(client, f"/competitions/{world.competition.id}/tracks/new", track_form())
    assert response.status_code == 302
    track = db.session.scalar(
        select(Track).where(Track.competition_id == world.competition.id, Track.code == "TN")
    )
    assert (track.audience, track.min_age, track.max_age, track.position) == ("youth", 18, 35, 3)
    assert audit_rows(db, "track.create", track.id)


def test_a_bad_track_is_refused_and_nothing_stored(client, db, world):
    cases = [
        ({"min_team_size": 5, "max_team_size": 2}, "max_team_size"),
        ({"min_team_size": 0}, "min_team_size"),
        ({"max_team_size": ""}, "max_team_size"),
        ({"min_age": 30, "max_age": 18}, "max_age"),
        ({"min_age": "mười"}, "min_age"),
        ({"code": "tn"}, "code"),
        ({"code": "T-N"}, "code"),
        ({"code": "THPT"}, "code"),  # taken in this competition
        ({"code": "T"}, "code"),
        ({"code": "ABCDEFGHIJK"}, "code"),
        ({"code": "<script>"}, "code"),
        ({"audience": "aliens"}, "audience"),
        ({"name": ""}, "name"),
    ]
    sign_in(client, world, "organizer")
    url = f"/competitions/{world.competition.id}/tracks/new"
    assert refusals(client, db, url, cases, track_form) == {}


def test_an_organizer_edits_a_track(client, db, world):
    track = world.competition.tracks[0]
    sign_in(client, world, "organizer")
    response = post_form(
        client,
        f"/competitions/{world.competition.id}/tracks/{track.id}/edit",
        track_form(code="THPT", name="Bảng THPT", audience=Audience.HIGH_SCHOOL, max_age=19),
    )
    assert response.status_code == 302
    stored = db.session.get(Track, track.id)
    assert (stored.name, stored.max_age) == ("Bảng THPT", 19)
    (event,) = audit_rows(db, "track.update", track.id)
    assert event.new["max_age"] == 19


def test_editing_a_track_to_min_above_max_is_refused(client, db, world):
    track = world.competition.tracks[0]
    sign_in(client, world, "organizer")
    before = snapshot(db)
    response = post_form(
        client,
        f"/competitions/{world.competition.id}/tracks/{track.id}/edit",
        track_form(code="THPT", min_team_size=6, max_team_size=3),
    )
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert snapshot(db) == before


def test_a_track_with_entries_cannot_be_deleted(client, db, world):
    track = world.entry.track
    sign_in(client, world, "organizer")
    before = snapshot(db)
    response = post_form(
        client,
        f"/competitions/{world.competition.id}/tracks/{track.id}/delete",
        {},
        form_page=f"/competitions/{world.competition.id}/manage",
    )
    assert response.status_code == 302
    assert snapshot(db) == before
    assert db.session.get(Track, track.id) is not None


def test_a_track_without_entries_is_deleted(client, db, world):
    track_id = world.spare_track.id
    sign_in(client, world, "organizer")
    response = post_form(
        client,
        f"/competitions/{world.competition.id}/tracks/{track_id}/delete",
        {},
        form_page=f"/competitions/{world.competition.id}/manage",
    )
    assert response.status_code == 302
    assert db.session.get(Track, track_id) is None
    assert audit_rows(db, "track.delete", track_id)


# --- rounds ----------------------------------------------------------------------------------


@pytest.fixture()
def draft(db, factory, world) -> Competition:
    """A draft without rounds, of the organizer's unit."""
    competition = factory.competition(
        owner_unit=world.owner, status=CompetitionStatus.DRAFT, code="NH"
    )
    for round_ in list(competition.rounds):
        competition.rounds.remove(round_)
    db.session.flush()
    return competition


def test_the_first_round_takes_a_submission_window_in_vietnam_time(client, db, world, draft):
    sign_in(client, world, "organizer")
    response = post_form(
        client,
        f"/competitions/{draft.id}/rounds/new",
        round_form(
            submission_opens_at="01/03/2026 08:00",
            submission_closes_at="30/04/2026 17:00",
            judging_opens_at="01/05/2026 08:00",
            judging_closes_at="15/05/2026 17:00",
            pool_mode=PoolMode.BY_TRACK,
            advance_top_n="5",
            pass_mark="62,5",
            no_zero_criterion="y",
            per_unit_cap="3",
        ),
    )
    assert response.status_code == 302
    (round_,) = db.session.get(Competition, draft.id).rounds
    assert round_.position == 1
    assert round_.submission_opens_at == datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
    assert round_.submission_closes_at == datetime(2026, 4, 30, 10, 0, tzinfo=UTC)
    assert round_.judging_opens_at == datetime(2026, 5, 1, 1, 0, tzinfo=UTC)
    assert (round_.pool_mode, round_.advance_top_n, round_.per_unit_cap) == ("by_track", 5, 3)
    assert round_.pass_mark == Decimal("62.5")
    assert round_.no_zero_criterion is True
    assert audit_rows(db, "round.create", round_.id)


def test_a_later_round_has_no_submission_window_and_carries_a_weight(client, db, world):
    competition = world.competition
    sign_in(client, world, "organizer")
    response = post_form(
        client,
        f"/competitions/{competition.id}/rounds/new",
        round_form(
            name="Vòng trao giải",
            # Not offered for a later round: ignored.
            submission_opens_at="01/03/2026 08:00",
            submission_closes_at="30/04/2026 17:00",
            carry_over_weight="0,3",
            pass_mark="50",
        ),
    )
    assert response.status_code == 302
    stored = db.session.scalar(select(Round).where(Round.name == "Vòng trao giải"))
    assert stored.position == 3
    assert (stored.submission_opens_at, stored.submission_closes_at) == (None, None)
    assert stored.carry_over_weight == Decimal("0.3")
    assert stored.pass_mark == Decimal("50")


WINDOW = {"submission_opens_at": "01/03/2026 08:00", "submission_closes_at": "30/04/2026 17:00"}


def test_a_bad_round_is_refused_and_nothing_stored(client, db, world, draft):
    cases = [
        # closes before it opens, or as it opens
        ({**WINDOW, "submission_closes_at": "01/03/2026 07:59"}, "submission_closes_at"),
        ({**WINDOW, "submission_closes_at": "01/03/2026 08:00"}, "submission_closes_at"),
        # a day that does not exist, and other malformed times
        ({**WINDOW, "submission_opens_at": "31/02/2026 10:00"}, "submission_opens_at"),
        ({**WINDOW, "submission_opens_at": "2026-03-01 08:00"}, "submission_opens_at"),
        ({**WINDOW, "submission_opens_at": "01/03/2026 25:00"}, "submission_opens_at"),
        ({**WINDOW, "submission_opens_at": "01/03/2026"}, "submission_opens_at"),
        ({**WINDOW, "submission_opens_at": "01/03/0001 08:00"}, "submission_opens_at"),
        ({**WINDOW, "submission_opens_at": "mai"}, "submission_opens_at"),
        # only one end of a window
        ({"submission_opens_at": "01/03/2026 08:00"}, "submission_closes_at"),
        ({"judging_closes_at": "15/05/2026 17:00"}, "judging_closes_at"),
        (
            {"judging_opens_at": "15/05/2026 17:00", "judging_closes_at": "01/05/2026 08:00"},
            "judging_closes_at",
        ),
        # judging of the first round before its submissions close
        (
            {
                **WINDOW,
                "judging_opens_at": "30/04/2026 16:59",
                "judging_closes_at": "15/05/2026 17:00",
            },
            "judging_opens_at",
        ),
        ({"pass_mark": "101"}, "pass_mark"),
        ({"pass_mark": "-1"}, "pass_mark"),
        ({"pass_mark": "5O"}, "pass_mark"),
        ({"pass_mark": "1e2"}, "pass_mark"),
        ({"pass_mark": "NaN"}, "pass_mark"),
        ({"pass_mark": "50,125"}, "pass_mark"),
        ({"advance_top_n": "0"}, "advance_top_n"),
        ({"advance_top_n": "2,5"}, "advance_top_n"),
        ({"per_unit_cap": "0"}, "per_unit_cap"),
        ({"pool_mode": "by_mood"}, "pool_mode"),
        ({"name": "   "}, "name"),
    ]
    sign_in(client, world, "organizer")
    url = f"/competitions/{draft.id}/rounds/new"
    assert refusals(client, db, url, cases, round_form) == {}


def test_the_first_round_carries_no_weight(client, db, world, draft):
    """Nothing comes before it: the form does not offer the weight, the service refuses it."""
    sign_in(client, world, "organizer")
    url = f"/competitions/{draft.id}/rounds/new"
    assert 'name="carry_over_weight"' not in client.get(url).get_data(as_text=True)
    assert post_form(client, url, round_form(carry_over_weight="0,3")).status_code == 302
    assert (
        db.session.scalar(select(Round.carry_over_weight).where(Round.competition_id == draft.id))
        == 0
    )
    with pytest.raises(CallError) as refused:
        services.update_round(
            draft.rounds[0], services.RoundData(name="Vòng 1", carry_over_weight=Decimal("0.3"))
        )
    assert refused.value.reasons == ["carry_over_first"]


def test_a_later_round_refuses_a_bad_weight(client, db, world):
    sign_in(client, world, "organizer")
    url = f"/competitions/{world.competition.id}/rounds/new"
    cases = [
        ({"carry_over_weight": "1,5"}, "carry_over_weight"),
        ({"carry_over_weight": "1,01"}, "carry_over_weight"),
        ({"carry_over_weight": "-0,1"}, "carry_over_weight"),
        ({"carry_over_weight": "0,333"}, "carry_over_weight"),
    ]
    assert refusals(client, db, url, cases, round_form) == {}


def test_date_fields_say_how_to_type_them(client, world, draft):
    sign_in(client, world, "organizer")
    page = client.get(f"/competitions/{draft.id}/rounds/new").get_data(as_text=True)
    assert 'placeholder="dd/mm/yyyy HH:MM"' in page
    assert 'type="datetime-local"' not in page


def test_saving_a_round_unchanged_keeps_its_exact_times(client, db, world):
    """The form shows minutes; a stored instant with seconds survives a save untouched."""
    first = world.competition.rounds[0]
    opens, closes = first.submission_opens_at, first.submission_closes_at
    assert opens.second or opens.microsecond  # the factory's times carry seconds
    sign_in(client, world, "organizer")
    response = post_form(
        client,
        f"/competitions/{world.competition.id}/rounds/{first.id}/edit",
        round_form(
            name="Vòng sơ khảo cấp phường",
            submission_opens_at=local(opens),
            submission_closes_at=local(closes),
            judging_opens_at=local(first.judging_opens_at),
            judging_closes_at=local(first.judging_closes_at),
        ),
    )
    assert response.status_code == 302
    stored = db.session.get(Round, first.id)
    assert stored.name == "Vòng sơ khảo cấp phường"
    assert (stored.submission_opens_at, stored.submission_closes_at) == (opens, closes)


def test_past_the_open_call_the_submission_window_cannot_change(client, db, world):
    competition = world.competition
    competition.status = CompetitionStatus.JUDGING
    db.session.flush()
    first = competition.rounds[0]
    sign_in(client, world, "organizer")
    url = f"/competitions/{competition.id}/rounds/{first.id}/edit"
    assert "readonly" in client.get(url).get_data(as_text=True)
    before = snapshot(db)
    response = post_form(
        client,
        url,
        round_form(
            submission_opens_at=local(first.submission_opens_at),
            submission_closes_at=local(first.submission_closes_at + timedelta(days=7)),
            judging_opens_at=local(first.judging_opens_at + timedelta(days=7)),
            judging_closes_at=local(first.judging_closes_at + timedelta(days=7)),
        ),
    )
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert snapshot(db) == before


def test_while_open_the_deadline_may_be_extended(client, db, world):
    first = world.competition.rounds[0]
    new_close = first.submission_closes_at + timedelta(days=3)
    sign_in(client, world, "organizer")
    response = post_form(
        client,
        f"/competitions/{world.competition.id}/rounds/{first.id}/edit",
        round_form(
            submission_opens_at=local(first.submission_opens_at),
            submission_closes_at=local(new_close),
            judging_opens_at=local(new_close + timedelta(days=1)),
            judging_closes_at=local(new_close + timedelta(days=9)),
        ),
    )
    assert response.status_code == 302
    stored = db.session.get(Round, first.id)
    assert local(stored.submission_closes_at) == local(new_close)
    (event,) = audit_rows(db, "round.update", first.id)
    assert event.old["submission_closes_at"] != event.new["submission_closes_at"]


def _move(client, competition: Competition, round_: Round, direction: str):  # noqa: ANN202
    return post_form(
        client,
        f"/competitions/{competition.id}/rounds/{round_.id}/move",
        {"direction": direction},
        form_page=f"/competitions/{competition.id}/manage",
    )


def _names(db, competition_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(Round.name)
            .where(Round.competition_id == competition_id)
            .order_by(Round.position)
        )
    )


def test_rounds_are_reordered_and_the_submission_window_stays_first(client, db, factory, world):
    competition = factory.competition(
        owner_unit=world.owner, status=CompetitionStatus.DRAFT, code="RO"
    )
    first, final = competition.rounds
    window_ = (first.submission_opens_at, first.submission_closes_at)
    final.judging_opens_at = first.submission_closes_at + timedelta(days=20)
    final.judging_closes_at = final.judging_opens_at + timedelta(days=2)
    competition.rounds.append(Round(position=3, name="Vòng trao giải"))
    db.session.flush()
    sign_in(client, world, "organizer")
    assert _move(client, competition, final, "up").status_code == 302
    assert _names(db, competition.id) == ["Vòng chung kết", "Vòng sơ khảo", "Vòng trao giải"]
    moved = db.session.get(Round, final.id)
    assert (moved.submission_opens_at, moved.submission_closes_at) == window_
    assert db.session.get(Round, first.id).submission_opens_at is None
    assert audit_rows(db, "round.move", final.id)

    third = competition.rounds[2]
    assert _move(client, competition, third, "up").status_code == 302
    assert _names(db, competition.id) == ["Vòng chung kết", "Vòng trao giải", "Vòng sơ khảo"]
    # No further than the ends.
    before = snapshot(db)
    assert _move(client, competition, db.session.get(Round, final.id), "up").status_code == 302
    assert _move(client, competition, db.session.get(Round, first.id), "down").status_code == 302
    assert snapshot(db) == before


def test_a_round_judged_before_submissions_close_cannot_become_first(client, db, factory, world):
    competition = factory.competition(
        owner_unit=world.owner, status=CompetitionStatus.DRAFT, code="RJ"
    )
    first, final = competition.rounds
    final.judging_opens_at = first.submission_closes_at - timedelta(days=1)
    final.judging_closes_at = first.submission_closes_at + timedelta(days=1)
    db.session.flush()
    sign_in(client, world, "organizer")
    before = snapshot(db)
    assert _move(client, competition, final, "up").status_code == 302
    assert snapshot(db) == before


def test_once_opened_the_first_round_neither_moves_nor_goes(client, db, world):
    competition = world.competition
    first, final = competition.rounds
    sign_in(client, world, "organizer")
    page = client.get(f"/competitions/{competition.id}/manage").get_data(as_text=True)
    assert f"/rounds/{first.id}/delete" not in page
    assert f"/rounds/{final.id}/move" not in page  # its only move would be up, to first
    assert f"/rounds/{final.id}/delete" in page
    before = snapshot(db)
    assert _move(client, competition, final, "up").status_code == 302
    response = post_form(
        client,
        f"/competitions/{competition.id}/rounds/{first.id}/delete",
        {},
        form_page=f"/competitions/{competition.id}/manage",
    )
    assert response.status_code == 302
    assert snapshot(db) == before


def test_deleting_a_round_renumbers_the_others(client, db, factory, world):
    competition = factory.competition(
        owner_unit=world.owner, status=CompetitionStatus.DRAFT, code="RD"
    )
    competition.rounds.append(Round(position=3, name="Vòng trao giải"))
    db.session.flush()
    first = competition.rounds[0]
    first_id = first.id
    window_ = (first.submission_opens_at, first.submission_closes_at)
    sign_in(client, world, "organizer")
    response = post_form(
        client,
        f"/competitions/{competition.id}/rounds/{first.id}/delete",
        {},
        form_page=f"/competitions/{competition.id}/manage",
    )
    assert response.status_code == 302
    rounds = db.session.scalars(
        select(Round).where(Round.competition_id == competition.id).order_by(Round.position)
    ).all()
    assert [(r.position, r.name) for r in rounds] == [(1, "Vòng chung kết"), (2, "Vòng trao giải")]
    assert (rounds[0].submission_opens_at, rounds[0].submission_closes_at) == window_
    assert audit_rows(db, "round.delete", first_id)


# --- pools -----------------------------------------------------------------------------------


def _regenerate(client, competition: Competition, round_: Round):  # noqa: ANN202
    return post_form(
        client,
        f"/competitions/{competition.id}/rounds/{round_.id}/pools/regenerate",
        {},
        form_page=f"/competitions/{competition.id}/rounds/{round_.id}/pools",
    )


def _pools(db, round_: Round) -> list[tuple[int | None, int | None]]:
    return sorted(
        (pool.unit_id, pool.track_id)
        for pool in db.session.scalars(select(Pool).where(Pool.round_id == round_.id))
    )


def test_pools_follow_the_round_mode(client, db, factory, world):
    competition = world.competition
    first = competition.rounds[0]
    school = factory.unit("Trường THPT Lê Lợi", parent=world.owner)
    twin = factory.unit("Trường THPT Lê Lợi", parent=world.city)  # same name elsewhere
    for unit, status in ((school, "accepted"), (twin, "submitted"), (world.elsewhere, "draft")):
        factory.entry(
            competition=competition,
            team=factory.team(unit=unit, name=f"Nhóm {unit.id}"),
            status=status,
        )
    factory.entry(competition=competition, team=factory.team(unit=world.city), status="withdrawn")
    sign_in(client, world, "organizer")

    assert _regenerate(client, competition, first).status_code == 302
    assert _pools(db, first) == [(None, None)]

    first.pool_mode = PoolMode.BY_TRACK
    db.session.flush()
    assert _regenerate(client, competition, first).status_code == 302
    assert _pools(db, first) == sorted((None, t.id) for t in competition.tracks)

    first.pool_mode = PoolMode.BY_UNIT
    db.session.flush()
    assert _regenerate(client, competition, first).status_code == 302
    # The world's submitted entry (owner unit), and the two schools; not drafts or withdrawn.
    assert _pools(db, first) == sorted((u.id, None) for u in (world.owner, school, twin))
    names = db.session.scalars(select(Pool.name).where(Pool.round_id == first.id)).all()
    assert len(set(names)) == 3
    page = client.get(f"/competitions/{competition.id}/rounds/{first.id}/pools")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('class="pool"') == 3
    assert len(audit_rows(db, "round.pools", first.id)) == 3


def test_pools_stay_once_judging_has_opened(client, db, world):
    competition = world.competition
    first = competition.rounds[0]
    sign_in(client, world, "organizer")
    assert _regenerate(client, competition, first).status_code == 302
    first.judging_opens_at = utcnow() - timedelta(minutes=1)
    first.pool_mode = PoolMode.BY_TRACK
    db.session.flush()
    before = snapshot(db)
    assert _regenerate(client, competition, first).status_code == 302
    assert snapshot(db) == before
    assert _pools(db, first) == [(None, None)]


def test_the_pools_page_takes_the_same_number_of_queries_for_3_and_30_units(
    client, db, factory, world, count_queries
):
    competition = world.competition
    first = competition.rounds[0]
    first.pool_mode = PoolMode.BY_UNIT
    db.session.flush()
    sign_in(client, world, "organizer")
    url = f"/competitions/{competition.id}/rounds/{first.id}/pools"

    def grow_to(n: int) -> int:
        while len(first.pools) < n:
            unit = factory.unit()
            factory.entry(competition=competition, team=factory.team(unit=unit), status="submitted")
            services.regenerate_pools(first)
            db.session.flush()
        with count_queries() as counted:
            assert client.get(url).status_code == 200
        return counted.n

    assert grow_to(3) == grow_to(30)


# --- lifecycle -------------------------------------------------------------------------------


def _step(client, competition: Competition, target: str, seen: str, reason: str = ""):  # noqa: ANN202
    return post_form(
        client,
        f"/competitions/{competition.id}/status/{target}",
        {"seen": seen, "reason": reason},
        form_page=f"/competitions/{competition.id}/manage",
    )


def _status(db, competition: Competition) -> str:
    return db.session.scalar(select(Competition.status).where(Competition.id == competition.id))


def test_a_call_cannot_open_without_tracks_and_a_submission_window(client, db, world, draft):
    for track in list(draft.tracks):
        draft.tracks.remove(track)
    db.session.flush()
    sign_in(client, world, "organizer")
    page = client.get(f"/competitions/{draft.id}/status/open").get_data(as_text=True)
    assert page.count('class="missing-item"') == 2  # a track, a first round
    before = snapshot(db)
    response = _step(client, draft, "open", "draft")
    assert response.status_code == 200
    assert snapshot(db) == before
    assert _status(db, draft) == "draft"


def test_a_first_round_without_its_window_keeps_the_call_closed(client, db, world, draft):
    draft.rounds.append(Round(position=1, name="Vòng sơ khảo"))
    db.session.flush()
    sign_in(client, world, "organizer")
    assert _step(client, draft, "open", "draft").status_code == 200
    assert _status(db, draft) == "draft"
    with pytest.raises(CallError) as refused:
        services.change_status(draft, "open", seen_status="draft")
    assert refused.value.reasons == ["no_submission_window"]


def test_the_lifecycle_moves_forward_one_audited_step_at_a_time(client, db, world):
    competition = world.competition
    competition.status = CompetitionStatus.DRAFT
    db.session.flush()
    sign_in(client, world, "organizer")
    steps = ["open", "judging", "published", "archived"]
    seen = "draft"
    for target in steps:
        assert client.get(f"/competitions/{competition.id}/status/{target}").status_code == 200
        response = _step(client, competition, target, seen)
        assert response.status_code == 302, target
        assert _status(db, competition) == target
        seen = target
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.action == "competition.status",
            AuditEvent.object_id == str(competition.id),
        )
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.old["status"], e.new["status"]) for e in events] == [
        ("draft", "open"),
        ("open", "judging"),
        ("judging", "published"),
        ("published", "archived"),
    ]
    assert all(e.actor_id == world.accounts["organizer"].id for e in events)


def test_a_double_click_moves_one_step_only(client, db, world):
    competition = world.competition
    sign_in(client, world, "organizer")
    assert _step(client, competition, "judging", "open").status_code == 302
    # The same form, posted again: the page it came from showed "open".
    assert _step(client, competition, "judging", "open").status_code == 302
    assert _step(client, competition, "published", "open").status_code == 302
    assert _status(db, competition) == "judging"
    assert len(audit_rows(db, "competition.status", competition.id)) == 1


def test_no_step_skips_a_state(client, db, world):
    competition = world.competition
    sign_in(client, world, "organizer")
    before = snapshot(db)
    for target in ("published", "archived"):
        assert _step(client, competition, target, "open", "lý do").status_code == 302
    assert snapshot(db) == before


def test_a_racing_second_request_is_told_the_status_moved(db, world):
    """Two organizers click at once: both read "open", only the first moves it."""
    competition = world.competition
    db.session.execute(
        update(Competition)
        .where(Competition.id == competition.id)
        .values(status=CompetitionStatus.JUDGING)
        .execution_options(synchronize_session=False)
    )
    assert competition.status == CompetitionStatus.OPEN  # as this request read it
    with pytest.raises(CallError) as refused:
        services.change_status(competition, "judging", seen_status="open")
    assert refused.value.reasons == ["stale"]
    assert audit_rows(db, "competition.status", competition.id) == []


def test_a_step_back_needs_a_reason(client, db, world):
    competition = world.competition
    competition.status = CompetitionStatus.JUDGING
    db.session.flush()
    sign_in(client, world, "organizer")
    before = snapshot(db)
    response = _step(client, competition, "open", "judging", "  ")
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert snapshot(db) == before

    reason = "Gia hạn nộp bài do mưa bão"
    assert _step(client, competition, "open", "judging", reason).status_code == 302
    assert _status(db, competition) == "open"
    (event,) = audit_rows(db, "competition.status", competition.id)
    assert (event.old, event.new) == ({"status": "judging"}, {"status": "open", "reason": reason})


def test_nothing_comes_out_of_the_archive(client, db, world):
    competition = world.competition
    competition.status = CompetitionStatus.ARCHIVED
    db.session.flush()
    sign_in(client, world, "admin")
    before = snapshot(db)
    assert _step(client, competition, "published", "archived", "lý do").status_code == 302
    assert snapshot(db) == before


def test_a_call_with_submitted_entries_cannot_go_back_to_draft(client, db, world):
    competition = world.competition
    sign_in(client, world, "organizer")
    before = snapshot(db)
    response = _step(client, competition, "draft", "open", "Mở nhầm")
    assert response.status_code == 200
    assert snapshot(db) == before


def test_another_units_organizer_cannot_change_the_status(client, db, world):
    sign_in(client, world, "other_organizer")
    before = snapshot(db)
    response = post_form(
        client,
        f"/competitions/{world.competition.id}/status/judging",
        {"seen": "open"},
        form_page="/competitions/",
    )
    assert response.status_code == 403
    assert snapshot(db) == before


# --- my competitions -------------------------------------------------------------------------


def test_my_competitions_lists_those_of_my_units_and_below(client, db, factory, world):
    school = factory.unit("Trường THPT Phan Châu Trinh", parent=world.owner)
    factory.competition(
        title="Cuộc thi của trường", owner_unit=school, code="PCT", status=CompetitionStatus.DRAFT
    )
    factory.competition(title="Cuộc thi của Huế", owner_unit=world.elsewhere, code="HUE")
    factory.competition(title="Cuộc thi của thành phố", owner_unit=world.city, code="TP")
    sign_in(client, world, "organizer")
    page = client.get("/competitions/mine").get_data(as_text=True)
    assert world.competition.title in page
    assert "Cuộc thi của trường" in page
    assert "Cuộc thi của Huế" not in page
    assert "Cuộc thi của thành phố" not in page
    assert f"/competitions/{world.competition.id}/manage" in page

    admin = client.application.test_client()
    sign_in(admin, world, "admin")
    page = admin.get("/competitions/mine").get_data(as_text=True)
    for title in ("Cuộc thi của trường", "Cuộc thi của Huế", "Cuộc thi của thành phố"):
        assert title in page


def test_the_manage_page_shows_what_opening_needs(client, db, world, draft):
    sign_in(client, world, "organizer")
    page = client.get(f"/competitions/{draft.id}/manage").get_data(as_text=True)
    assert f"/competitions/{draft.id}/status/open" in page
    assert page.count('class="missing-item"') == 1  # the first round
    draft.rounds.append(
        Round(
            position=1,
            name="Vòng sơ khảo",
            submission_opens_at=utcnow(),
            submission_closes_at=utcnow() + timedelta(days=30),
        )
    )
    db.session.flush()
    page = client.get(f"/competitions/{draft.id}/manage").get_data(as_text=True)
    assert 'class="missing-item"' not in page
