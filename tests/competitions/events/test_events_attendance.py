"""Attendance at an event: the organizers' list with its ticks, and the scan of a
participant's QR code at the door (or a typed code). Every refusal is a clear message with
nothing changed."""

from __future__ import annotations

import pytest

from app.db import utcnow
from app.localtime import format_datetime
from tests.competitions.events import world as ew
from tests.competitions.events.world import flashes, refused, registrations_of, sign_in, snapshot
from tests.helpers import csrf_token, post_form

# Declared in test_events_pages: every endpoint has its expected answer there.
ACCESS: dict[str, dict[str, int | str]] = {}
POST_ENDPOINTS: set[str] = set()


@pytest.fixture()
def w(db, factory) -> ew.World:  # noqa: ARG001
    return ew.build(factory)


# --- attendance: the list ---------------------------------------------------------------


def test_the_list_marks_and_unmarks_and_leaves_later_scans_alone(client, w, db):
    admin = ew.registration(w.festival, w.accounts["admin"])
    scanned = ew.registration(w.festival, w.accounts["other_organizer"])
    sign_in(client, w, "organizer")
    page = f"/events/{w.festival.id}/registrations"
    html = client.get(page).get_data(as_text=True)
    assert 'data-registered="3" data-attended="0"' in html
    # The organizer ticks the participant; meanwhile someone is scanned at the door.
    scanned.attended_at, scanned.attendance_method = utcnow(), "scan"
    db.session.flush()
    data = {"attended": [str(w.participant.id)]}
    assert post_form(client, f"/events/{w.festival.id}/attendance", data, form_page=page)
    db.session.refresh(w.registration)
    assert w.registration.attendance_method == "list"
    assert w.registration.attendance_by_id == w.organizer.id
    assert registrations_of(w.festival) == sorted(
        [(w.participant.id, "list"), (admin.user_id, None), (scanned.user_id, "scan")]
    )
    # Unticking someone shown as present unmarks them.
    data = {"attended": [], "shown_attended": [str(w.participant.id)]}
    post_form(client, f"/events/{w.festival.id}/attendance", data, form_page=page)
    db.session.refresh(w.registration)
    assert w.registration.attended_at is None


@pytest.mark.parametrize(
    "data",
    [
        {"attended": ["__outsider__"]},
        {"attended": ["__participant__", "__outsider__"]},
        {"shown_attended": ["__outsider__"]},
        {"attended": ["abc"]},
    ],
)
def test_attendance_for_someone_not_registered_is_refused(client, w, data):
    outsider = w.accounts["admin"]  # registered for no event
    values = {
        key: [
            str(outsider.id)
            if v == "__outsider__"
            else str(w.participant.id)
            if v == "__participant__"
            else v
            for v in vs
        ]
        for key, vs in data.items()
    }
    sign_in(client, w, "organizer")
    page = f"/events/{w.festival.id}/registrations"
    before = snapshot()
    response = refused(client, f"/events/{w.festival.id}/attendance", values, form_page=page)
    assert (
        "danger",
        "Only people registered for this event can be marked present. Nothing was changed.",
    ) in flashes(response.get_data(as_text=True))
    assert snapshot() == before


def test_a_registration_of_another_event_cannot_be_ticked_here(client, w):
    other = ew.registration(w.other_festival, w.accounts["admin"])
    sign_in(client, w, "organizer")
    page = f"/events/{w.festival.id}/registrations"
    before = snapshot()
    refused(client, f"/events/{w.festival.id}/attendance", {"attended": [str(other.user_id)]}, page)
    assert snapshot() == before


# --- attendance: the scan at the door -------------------------------------------------------


def test_a_scan_shows_who_it_is_then_checks_in_once(client, w, db):
    sign_in(client, w, "organizer")
    url = f"/events/{w.festival.id}/check-in/{w.registration.code}"
    page = client.get(url).get_data(as_text=True)
    assert w.participant.full_name in page and 'data-attended="no"' in page
    assert post_form(client, url, {}).status_code == 302
    db.session.refresh(w.registration)
    assert w.registration.attendance_method == "scan"
    assert w.registration.attendance_by_id == w.organizer.id
    first = w.registration.attended_at
    # A second scan says when they came, and changes nothing.
    before = snapshot()
    response = post_form(client, url, {}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert f"Already checked in at {format_datetime(first)}." in html
    assert snapshot() == before


@pytest.mark.parametrize(
    ("case", "status", "expected"),
    [
        ("other_event", 409, "This code is a registration for another event."),
        ("unknown", 409, "No registration has this code."),
    ],
)
def test_a_scan_of_a_foreign_or_unknown_code_changes_nothing(client, w, case, status, expected):
    other = ew.registration(w.other_festival, w.participant)
    code = other.code if case == "other_event" else "Zz" + other.code[2:]
    sign_in(client, w, "organizer")
    url = f"/events/{w.festival.id}/check-in/{code}"
    token = csrf_token(client, f"/events/{w.festival.id}/check-in")
    before = snapshot()
    shown = client.get(url)
    assert shown.status_code == 404 and expected in shown.get_data(as_text=True)
    response = client.post(url, data={"csrf_token": token})
    assert response.status_code == status
    assert expected in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_scan_at_a_cancelled_event_changes_nothing(client, w):
    reg = ew.registration(w.cancelled, w.participant)
    sign_in(client, w, "organizer")
    url = f"/events/{w.cancelled.id}/check-in/{reg.code}"
    token = csrf_token(client, f"/events/{w.cancelled.id}/check-in")
    before = snapshot()
    response = client.post(url, data={"csrf_token": token})
    assert response.status_code == 409
    assert "This event has been cancelled." in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_typed_code_leads_to_its_check_in_page(client, w):
    sign_in(client, w, "organizer")
    start = f"/events/{w.festival.id}/check-in"
    response = client.get(f"{start}?code=+{w.registration.code}+")
    assert response.headers["Location"].endswith(f"{start}/{w.registration.code}")
    response = client.get(f"{start}?code=not/a%20code!")
    assert response.status_code == 200
    assert "No registration has this code." in response.get_data(as_text=True)
