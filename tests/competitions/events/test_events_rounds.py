"""A competition round held at a startup festival: chosen in the round's settings among the
festivals of the organizer's units around the competition's year, and listed on the
festival's public page."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from app.audit import AuditEvent
from competitions.models import CompetitionStatus
from tests.competitions.events import world as ew
from tests.competitions.events.world import sign_in, snapshot
from tests.helpers import csrf_token, post_form

# Declared in test_events_pages: every endpoint has its expected answer there.
ACCESS: dict[str, dict[str, int | str]] = {}
POST_ENDPOINTS: set[str] = set()


@pytest.fixture()
def w(db, factory) -> ew.World:  # noqa: ARG001
    return ew.build(factory)


def festival_options(html: str) -> set[str]:
    select = re.search(r'<select[^>]*name="festival".*?</select>', html, re.S).group(0)
    return set(re.findall(r'<option[^>]*value="(\d+)"', select)) - {"0"}


def round_form(name: str, festival: int) -> dict:
    return {"name": name, "pool_mode": "single", "festival": str(festival)}


def test_the_round_form_offers_the_organizers_festivals_of_nearby_years(client, w, factory):
    competition = factory.competition(owner_unit=w.owner, year=w.festival.year)
    far = ew.event(w.owner, title="Ngày hội xa", starts=datetime(2040, 5, 1, 1, tzinfo=UTC))
    sign_in(client, w, "organizer")
    later = competition.rounds[1]
    html = client.get(f"/competitions/{competition.id}/rounds/{later.id}/edit").get_data(
        as_text=True
    )
    offered = festival_options(html)
    assert str(w.festival.id) in offered
    # Not a festival, another unit's festival, a cancelled one, one years away: not offered.
    for event in (w.draft, w.other_festival, w.cancelled, far):
        assert str(event.id) not in offered


def test_a_round_held_at_a_festival_is_listed_on_its_page(client, w, factory, db):
    competition = factory.competition(owner_unit=w.owner, year=w.festival.year)
    later = competition.rounds[1]
    sign_in(client, w, "organizer")
    url = f"/competitions/{competition.id}/rounds/{later.id}/edit"
    response = post_form(client, url, round_form("Vòng chung kết", w.festival.id))
    assert response.status_code == 302
    db.session.refresh(later)
    assert later.event_id == w.festival.id
    assert db.session.query(AuditEvent).filter_by(action="round.event").count() == 1
    page = client.get(f"/events/{w.festival.id}").get_data(as_text=True)
    assert f'data-round-id="{later.id}"' in page
    # A draft competition's round stays off the public page.
    competition.status = CompetitionStatus.DRAFT
    db.session.flush()
    page = client.get(f"/events/{w.festival.id}").get_data(as_text=True)
    assert f'data-round-id="{later.id}"' not in page
    # "—" takes the round off the festival.
    assert post_form(client, url, round_form("Vòng chung kết", 0)).status_code == 302
    db.session.refresh(later)
    assert later.event_id is None


def test_a_festival_not_offered_is_refused_and_nothing_changes(client, w, factory):
    competition = factory.competition(owner_unit=w.owner, year=w.festival.year)
    later = competition.rounds[1]
    sign_in(client, w, "organizer")
    url = f"/competitions/{competition.id}/rounds/{later.id}/edit"
    token = csrf_token(client, url)
    before = snapshot()
    for event in (w.other_festival, w.draft):
        response = client.post(
            url, data={"csrf_token": token, **round_form("Vòng chung kết", event.id)}
        )
        assert response.status_code == 200
        assert "Not a valid choice" in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_new_round_can_be_held_at_a_festival(client, w, factory, db):
    competition = factory.competition(owner_unit=w.owner, year=w.festival.year)
    sign_in(client, w, "organizer")
    response = post_form(
        client,
        f"/competitions/{competition.id}/rounds/new",
        round_form("Vòng trình diễn", w.festival.id),
    )
    assert response.status_code == 302
    db.session.refresh(competition)
    assert competition.rounds[-1].event_id == w.festival.id
