"""Events: the public list and page, and the organizers' create, edit, publish and cancel;
who may do what; every refusal a clear message with nothing changed."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from competitions.events.models import Event, EventStatus
from tests.competitions.events import world as ew
from tests.competitions.events.world import (
    ANY_ORGANIZER,
    DRAFT_PAGE,
    ORGANIZERS_ONLY,
    PUBLIC,
    REGISTERED_ONLY,
    ROLES,
    SIGNED_IN,
    sign_in,
    snapshot,
)
from tests.helpers import csrf_token, post_form
from tests.judging.roles import FLASH, answer, refusal

# fmt: off
ACCESS: dict[str, dict[str, int | str]] = {
    "events.index": PUBLIC,
    "events.detail": PUBLIC,
    "events.mine": SIGNED_IN,
    "events.my_registration": REGISTERED_ONLY,
    "events.manage_list": ANY_ORGANIZER,
    "events.create": ANY_ORGANIZER,
    "events.edit": ORGANIZERS_ONLY,
    "events.registrations_page": ORGANIZERS_ONLY,
    "events.check_in_start": ORGANIZERS_ONLY,
    "events.check_in": ORGANIZERS_ONLY,
}
POST_ENDPOINTS = {
    "events.publish",
    "events.cancel",
    "events.register",
    "events.unregister",
    "events.register_other",
    "events.attendance",
}
# fmt: on

VALID = {
    "kind": "festival",
    "level": "cluster",
    "title": "Ngày hội Khởi nghiệp cụm Tam Kỳ",
    "sector": "0",
    "starts_at": "01/01/2027 00:30",
    "ends_at": "01/01/2027 17:00",
    "place": "Quảng trường 24/3, Tam Kỳ",
    "capacity": "200",
    "description": "Gian hàng dự án, vòng chung kết cuộc thi.",
}


@pytest.fixture()
def w(db, factory) -> ew.World:  # noqa: ARG001
    return ew.build(factory)


def urls(w: ew.World) -> dict[str, str]:
    base = f"/events/{w.festival.id}"
    return {
        "events.index": "/events/",
        "events.detail": base,
        "events.mine": "/events/mine",
        "events.my_registration": f"{base}/registration",
        "events.manage_list": "/events/manage",
        "events.create": "/events/new",
        "events.edit": f"{base}/edit",
        "events.registrations_page": f"{base}/registrations",
        "events.check_in_start": f"{base}/check-in",
        "events.check_in": f"{base}/check-in/{w.registration.code}",
        "events.publish": f"/events/{w.draft.id}/publish",
        "events.cancel": f"{base}/cancel",
        "events.register": f"{base}/register",
        "events.unregister": f"{base}/unregister",
        "events.register_other": f"{base}/registrations/add",
        "events.attendance": f"{base}/attendance",
    }


def form_data(w: ew.World, **changes: str) -> dict:
    return {**VALID, "organizer_unit": str(w.owner.id), **changes}


def flashes(html: str) -> list[tuple[str, str]]:
    return [(kind, " ".join(text.split())) for kind, text in FLASH.findall(html)]


def event_count(db) -> int:  # noqa: ANN001
    return db.session.scalar(select(func.count()).select_from(Event))


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_access(client, w, role):
    sign_in(client, w, role)
    where = urls(w)
    wrong = {}
    for endpoint, answers in ACCESS.items():
        got = answer(client.get(where[endpoint]))
        if got != answers[role]:
            wrong[endpoint] = f"expected {answers[role]}, got {got}"
    assert wrong == {}


@pytest.mark.parametrize("role", ROLES)
def test_a_draft_is_seen_by_its_organizers_only(client, w, role):
    sign_in(client, w, role)
    assert answer(client.get(f"/events/{w.draft.id}")) == DRAFT_PAGE[role]
    listed = client.get("/events/").get_data(as_text=True)
    assert f'data-event-id="{w.draft.id}"' not in listed
    assert f'data-event-id="{w.festival.id}"' in listed
    assert f'data-event-id="{w.cancelled.id}"' in listed


@pytest.mark.parametrize("role", ["anonymous", "participant", "other_organizer"])
def test_others_change_nothing(client, w, role):
    sign_in(client, w, role)
    token = csrf_token(client, "/auth/login" if role == "anonymous" else "/auth/profile")
    where = urls(w)
    before = snapshot()
    posts = {
        "events.edit": form_data(w, title="Đổi tên"),
        "events.publish": {},
        "events.cancel": {},
        "events.register_other": {"email": w.participant.email},
        "events.attendance": {"attended": str(w.participant.id)},
        "events.check_in": {},
    }
    for endpoint, data in posts.items():
        response = client.post(where[endpoint], data={"csrf_token": token, **data})
        # Publishing is tried on the draft, which does not exist for them.
        expected = 404 if endpoint == "events.publish" and role != "anonymous" else refusal(role)
        assert answer(response) == expected, endpoint
    assert snapshot() == before


def test_a_missing_event_is_404(client, w):
    sign_in(client, w, "organizer")
    for path in ("/events/999999", "/events/999999/edit", "/events/999999/registrations"):
        assert client.get(path).status_code == 404


# --- public list and page -------------------------------------------------------------------


def test_the_list_filters_by_year_kind_and_title_without_diacritics(client, w, db):
    later = ew.event(
        w.owner,
        title="Tập huấn gọi vốn cho khóa ươm tạo",
        kind="training",
        starts=datetime(2030, 3, 1, 1, 0, tzinfo=UTC),
    )

    def listed(query: str) -> set[int]:
        html = client.get(f"/events/?{query}").get_data(as_text=True)
        ids = {w.festival.id, w.cancelled.id, w.other_festival.id, later.id, w.draft.id}
        return {i for i in ids if f'data-event-id="{i}"' in html}

    assert listed("q=ngay+hoi+khoi+nghiep") == {w.festival.id, w.other_festival.id}
    assert listed("q=NGÀY+HỘI+khởi+nghiệp+tỉnh+bạn") == {w.other_festival.id}
    assert listed("year=2030") == {later.id}
    assert listed("kind=forum") == {w.cancelled.id}
    assert listed("kind=training&year=2030&q=goi+von") == {later.id}
    assert listed("q=hoi+thao") == set()  # the draft workshop stays hidden


def test_the_page_shows_the_facts_and_seats_left(client, w):
    html = client.get(f"/events/{w.festival.id}").get_data(as_text=True)
    assert w.festival.place in html
    assert "Tỉnh Quảng Nam" in html
    assert 'data-registered="1" data-seats-left="2"' in html
    assert 'data-level="province"' in html
    forum = client.get(f"/events/{w.cancelled.id}").get_data(as_text=True)
    assert "Agriculture" in forum or "Nông nghiệp" in forum
    assert "event-cancelled" in forum
    assert f"/events/{w.cancelled.id}/register" not in forum


# --- create, edit, publish, cancel ----------------------------------------------------------


def test_an_organizer_creates_a_draft_counted_in_the_local_year(client, w, db):
    sign_in(client, w, "organizer")
    response = post_form(client, "/events/new", form_data(w))
    assert response.status_code == 302
    made = db.session.scalar(select(Event).where(Event.title == VALID["title"]))
    assert made.status == EventStatus.DRAFT
    assert made.level == "cluster" and made.sector_id is None and made.capacity == 200
    # 00:30 on 1 January in Việt Nam is still 31 December in UTC: the year is the local one.
    assert made.starts_at.replace(tzinfo=UTC) == datetime(2026, 12, 31, 17, 30, tzinfo=UTC)
    assert made.year == 2027
    assert made.created_by_id == w.organizer.id
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == str(made.id))
    ).all()
    assert "event.create" in actions


@pytest.mark.parametrize(
    ("changes", "field_message"),
    [
        ({"ends_at": "31/12/2026 23:00"}, "The event must end after it starts."),
        ({"ends_at": "01/01/2027 00:30"}, "The event must end after it starts."),
        ({"kind": "forum", "sector": "0"}, "A specialised forum or workshop needs its sector."),
        ({"kind": "workshop", "sector": "0"}, "A specialised forum or workshop needs its sector."),
        ({"level": ""}, "Say whether the festival is local, cluster or province."),
        ({"capacity": "0"}, "Between 1 and 100000 people."),
        ({"starts_at": "32/01/2027 08:00"}, "Enter a date and time as dd/mm/yyyy HH:MM"),
    ],
)
def test_a_bad_event_is_refused_with_a_message_and_nothing_stored(
    client, w, changes, field_message
):
    sign_in(client, w, "organizer")
    token = csrf_token(client, "/events/new")
    before = snapshot()
    response = client.post("/events/new", data={"csrf_token": token, **form_data(w, **changes)})
    assert response.status_code == 200
    assert field_message in " ".join(response.get_data(as_text=True).split())
    assert snapshot() == before


def test_a_forum_keeps_its_sector_and_a_training_drops_level_and_sector(client, w, db):
    sign_in(client, w, "organizer")
    forum = form_data(w, kind="forum", title="Diễn đàn nông nghiệp", sector=str(w.sector.id))
    assert post_form(client, "/events/new", forum).status_code == 302
    made = db.session.scalar(select(Event).where(Event.title == "Diễn đàn nông nghiệp"))
    assert made.sector_id == w.sector.id
    training = form_data(w, kind="training", title="Tập huấn", sector=str(w.sector.id))
    assert post_form(client, "/events/new", training).status_code == 302
    made = db.session.scalar(select(Event).where(Event.title == "Tập huấn"))
    assert made.sector_id is None


def test_the_organizer_unit_is_one_the_user_organises(client, w, db):
    sign_in(client, w, "organizer")
    page = client.get("/events/new").get_data(as_text=True)
    units = re.search(r'<select[^>]*name="organizer_unit".*?</select>', page, re.S).group(0)
    assert f'value="{w.owner.id}"' in units
    assert f'value="{w.other_unit.id}"' not in units
    before = snapshot()
    token = csrf_token(client, "/events/new")
    response = client.post(
        "/events/new",
        data={"csrf_token": token, **form_data(w, organizer_unit=str(w.other_unit.id))},
    )
    assert response.status_code == 200
    assert snapshot() == before


def test_edit_publish_and_cancel(client, w, db):
    sign_in(client, w, "organizer")
    edit = f"/events/{w.draft.id}/edit"
    data = form_data(w, kind="workshop", sector=str(w.sector.id), title="Hội thảo số hóa", level="")
    assert post_form(client, edit, data).status_code == 302
    db.session.refresh(w.draft)
    assert w.draft.title == "Hội thảo số hóa" and w.draft.year == 2027
    detail = f"/events/{w.draft.id}"
    assert post_form(client, f"{detail}/publish", {}, form_page=detail).status_code == 302
    db.session.refresh(w.draft)
    assert w.draft.status == EventStatus.PUBLISHED and w.draft.published_at is not None
    assert post_form(client, f"{detail}/cancel", {}, form_page=detail).status_code == 302
    db.session.refresh(w.draft)
    assert w.draft.status == EventStatus.CANCELLED
    actions = set(
        db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(w.draft.id)))
    )
    assert {"event.update", "event.published", "event.cancelled"} <= actions


def test_a_second_publish_or_a_cancelled_edit_changes_nothing(client, w):
    sign_in(client, w, "organizer")
    detail = f"/events/{w.festival.id}"
    token = csrf_token(client, detail)
    before = snapshot()
    response = client.post(f"{detail}/publish", data={"csrf_token": token}, follow_redirects=True)
    assert (
        "danger",
        "This change of status is not possible from the current status.",
    ) in flashes(response.get_data(as_text=True))
    edit = f"/events/{w.cancelled.id}/edit"
    response = client.post(edit, data={"csrf_token": token, **form_data(w)})
    assert "This event has been cancelled." in response.get_data(as_text=True)
    assert snapshot() == before


def test_capacity_cannot_go_below_the_registrations(client, w):
    ew.registration(w.festival, w.accounts["admin"])
    sign_in(client, w, "organizer")
    token = csrf_token(client, f"/events/{w.festival.id}/edit")
    before = snapshot()
    response = client.post(
        f"/events/{w.festival.id}/edit",
        data={"csrf_token": token, **form_data(w, capacity="1")},
    )
    assert "More people have already registered than this capacity." in response.get_data(
        as_text=True
    )
    assert snapshot() == before


def test_the_organizers_list_shows_their_units_events_only(client, w):
    sign_in(client, w, "other_organizer")
    html = client.get("/events/manage").get_data(as_text=True)
    assert f'data-event-id="{w.other_festival.id}"' in html
    assert f'data-event-id="{w.festival.id}"' not in html


def test_the_nav_links_to_events(client, w):
    html = client.get("/events/").get_data(as_text=True)
    assert 'href="/events/"' in html
