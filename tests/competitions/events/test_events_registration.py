"""Registration for an event (by the participant, or by an organizer on their behalf), the
QR code of a registration, and the last seat taken by several people at once. Every refusal
is a clear message with nothing changed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.db import utcnow
from app.mail.outbox import OutboxMessage
from competitions.events.models import EventRegistration
from competitions.events.pages import qr_svg
from tests.competitions.events import world as ew
from tests.competitions.events.world import flashes, refused, registrations_of, sign_in, snapshot
from tests.conftest import separate_database_app
from tests.helpers import csrf_token, post_form

# Declared in test_events_pages: every endpoint has its expected answer there.
ACCESS: dict[str, dict[str, int | str]] = {}
POST_ENDPOINTS: set[str] = set()


@pytest.fixture()
def w(db, factory) -> ew.World:  # noqa: ARG001
    return ew.build(factory)


# --- the participant registers --------------------------------------------------------------


def test_a_participant_registers_and_gets_a_code_by_mail(client, w, db):
    person = w.accounts["other_organizer"]
    sign_in(client, w, "other_organizer")
    detail = f"/events/{w.festival.id}"
    response = post_form(client, f"{detail}/register", {}, form_page=detail)
    assert response.headers["Location"].endswith(f"{detail}/registration")
    mine = db.session.scalar(
        select(EventRegistration).where(
            EventRegistration.event_id == w.festival.id, EventRegistration.user_id == person.id
        )
    )
    assert len(mine.code) == 16 and re.fullmatch(r"[A-Za-z0-9_-]{16}", mine.code)
    assert mine.code != w.registration.code
    assert mine.registered_by_id is None
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == person.id))
    assert mail.recipient == person.email
    assert mine.code in mail.body_text
    assert f"/events/{w.festival.id}/registration" in mail.body_text


def test_the_registration_page_shows_the_qr_of_the_check_in_address(client, w, app):
    sign_in(client, w, "participant")
    html = client.get(f"/events/{w.festival.id}/registration").get_data(as_text=True)
    url = f"http://localhost/events/{w.festival.id}/check-in/{w.registration.code}"
    assert f'data-check-in-url="{url}"' in html
    assert f'<code class="registration-code fs-5">{w.registration.code}</code>' in html
    with app.test_request_context(), force_locale("en"):  # the page's: the title is translated
        expected = str(qr_svg(url))
    assert expected.startswith("<svg") and expected in html
    assert "<script" not in expected and "<style" not in expected


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("twice", "This person is already registered for this event."),
        ("full", "This event is full: every seat has been taken."),
        ("cancelled", "This event has been cancelled."),
        ("over", "This event is over: registration has closed."),
    ],
)
def test_a_refused_registration_changes_nothing(client, w, db, case, expected):
    event = w.festival
    if case == "full":
        ew.registration(w.festival, w.accounts["admin"])
        ew.registration(w.festival, w.accounts["organizer"])
    elif case == "cancelled":
        event = w.cancelled
    elif case == "over":
        event = ew.event(w.owner, starts=utcnow() - timedelta(days=2))
    sign_in(client, w, "participant" if case == "twice" else "other_organizer")
    before = snapshot()
    detail = f"/events/{event.id}"
    response = refused(client, f"{detail}/register", {}, form_page=detail)
    assert ("danger", expected) in flashes(response.get_data(as_text=True))
    assert snapshot() == before


def test_a_draft_takes_no_registration(client, w):
    sign_in(client, w, "participant")
    before = snapshot()
    token = csrf_token(client, "/auth/profile")
    response = client.post(f"/events/{w.draft.id}/register", data={"csrf_token": token})
    assert response.status_code == 404
    assert snapshot() == before


def test_a_participant_cancels_but_not_once_checked_in(client, w, db):
    sign_in(client, w, "participant")
    page = f"/events/{w.festival.id}/registration"
    w.registration.attended_at = utcnow()
    db.session.flush()
    before = snapshot()
    response = refused(client, f"/events/{w.festival.id}/unregister", {}, form_page=page)
    assert (
        "danger",
        "You have been checked in already: the registration cannot be cancelled.",
    ) in flashes(response.get_data(as_text=True))
    assert snapshot() == before
    w.registration.attended_at = None
    db.session.flush()
    response = refused(client, f"/events/{w.festival.id}/unregister", {}, form_page=page)
    assert registrations_of(w.festival) == []


# --- an organizer registers someone -----------------------------------------------------


def test_an_organizer_registers_someone_by_email(client, w, db):
    sign_in(client, w, "organizer")
    page = f"/events/{w.festival.id}/registrations"
    admin = w.accounts["admin"]
    response = post_form(client, f"{page}/add", {"email": admin.email.upper()}, form_page=page)
    assert response.status_code == 302
    reg = db.session.scalar(select(EventRegistration).where(EventRegistration.user_id == admin.id))
    assert reg.registered_by_id == w.organizer.id
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == admin.id))


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("nobody@example.vn", "No active account has this email address."),
        (None, "This person is already registered for this event."),
    ],
)
def test_registering_someone_refused_changes_nothing(client, w, email, expected):
    sign_in(client, w, "organizer")
    page = f"/events/{w.festival.id}/registrations"
    token = csrf_token(client, page)
    before = snapshot()
    response = client.post(
        f"{page}/add",
        data={"csrf_token": token, "email": email or w.participant.email},
    )
    assert response.status_code == 200
    assert expected in response.get_data(as_text=True)
    assert snapshot() == before


# --- the last seat, taken by two people at once ---------------------------------------------


@pytest.fixture()
def separate_app(smtp_server, tmp_path):  # noqa: ANN001, ANN201
    """An app on a database of its own whose rows are committed for real, so that requests in
    threads meet on real connections (PostgreSQL when TEST_DATABASE_URL is set)."""
    with separate_database_app(smtp_server.port, tmp_path, MAIL_SEND_ON_COMMIT=False) as separate:
        yield separate


def test_six_people_at_once_for_two_seats_take_two(separate_app):
    import threading

    from app.db import db as database
    from app.people.models import Role
    from tests.factories import Factory
    from tests.helpers import login

    with separate_app.app_context():
        factory = Factory()
        unit = factory.unit(name="Tỉnh Quảng Nam")
        event = ew.event(unit, capacity=2)
        event_id = event.id
        people = [factory.user(f"Người Thứ {n}", roles=(Role.PARTICIPANT,)) for n in range(6)]
        emails = [person.email for person in people]
        database.session.commit()
        database.session.remove()

    clients, tokens = [], []
    for email in emails:
        browser = separate_app.test_client()
        assert login(browser, email).status_code == 302
        tokens.append(csrf_token(browser, f"/events/{event_id}"))
        clients.append(browser)
    barrier = threading.Barrier(len(clients))
    answers: list[int | str] = []

    def post(browser, token) -> None:  # noqa: ANN001
        try:
            barrier.wait(timeout=30)
            response = browser.post(f"/events/{event_id}/register", data={"csrf_token": token})
            answers.append(response.status_code)
        except Exception as error:  # noqa: BLE001  (reported below, not swallowed)
            answers.append(repr(error))

    pairs = zip(clients, tokens, strict=True)
    threads = [threading.Thread(target=post, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert answers == [302] * 6

    with separate_app.app_context():
        taken = database.session.scalars(
            select(EventRegistration).where(EventRegistration.event_id == event_id)
        ).all()
        assert len(taken) == 2
        assert len({r.code for r in taken}) == 2
        database.session.remove()


def test_the_list_and_the_public_pages_take_the_same_queries_at_2_and_8_people(
    client, w, factory, count_queries
):
    sign_in(client, w, "organizer")
    ew.registration(w.festival, w.accounts["admin"])
    pages = ("/events/", f"/events/{w.festival.id}/registrations")

    def counts() -> list[int]:
        found = []
        for page in pages:
            with count_queries() as counted:
                assert client.get(page).status_code == 200
            found.append(counted.n)
        return found

    few = counts()
    for n in range(6):
        person = factory.user(f"Người Dự {n}")
        ew.registration(w.festival, person, attended=n % 2 == 0)
        ew.event(w.other_unit, title=f"Ngày hội {n}")
    assert counts() == few
