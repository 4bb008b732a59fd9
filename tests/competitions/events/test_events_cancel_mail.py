"""Cancelling an event tells everyone registered by mail, in their own language and in the
cancellation's transaction; a refused cancellation tells nobody."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.localtime import format_datetime
from app.mail.outbox import OutboxMessage
from competitions.events import services
from competitions.events.errors import EventError
from competitions.events.models import EventStatus
from tests.competitions.events import world as ew
from tests.competitions.events.world import sign_in, snapshot
from tests.helpers import csrf_token, post_form
from tests.judging.roles import FLASH

# Declared in test_events_pages: every endpoint has its expected answer there.
ACCESS: dict[str, dict[str, int | str]] = {}
POST_ENDPOINTS: set[str] = set()


@pytest.fixture()
def w(db, factory) -> ew.World:  # noqa: ARG001
    world = ew.build(factory)
    # The participant is registered already: two more make three.
    ew.registration(world.festival, world.accounts["other_organizer"])
    ew.registration(world.festival, world.accounts["admin"])
    world.accounts["admin"].locale = "en"
    db.session.flush()
    return world


def outbox(db) -> list[OutboxMessage]:  # noqa: ANN001
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def outbox_count(db) -> int:  # noqa: ANN001
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_cancelling_mails_everyone_registered(client, w, db):
    sign_in(client, w, "organizer")
    detail = f"/events/{w.festival.id}"
    assert outbox_count(db) == 0
    response = post_form(client, f"{detail}/cancel", {}, form_page=detail)
    assert response.status_code == 302
    db.session.refresh(w.festival)
    assert w.festival.status == EventStatus.CANCELLED
    mails = outbox(db)
    registered = {w.participant, w.accounts["other_organizer"], w.accounts["admin"]}
    assert len(mails) == 3
    assert {(m.user_id, m.recipient) for m in mails} == {(p.id, p.email) for p in registered}
    when = format_datetime(w.festival.starts_at)
    for mail in mails:
        assert w.festival.title in mail.subject
        for body in (mail.body_text, mail.body_html):
            assert w.festival.title in body
            assert when in body
            assert w.festival.place in body
            assert f"/events/{w.festival.id}" in body
    # The person reading English gets it in English.
    english = next(m for m in mails if m.user_id == w.accounts["admin"].id)
    assert english.subject == f"Cancelled: {w.festival.title}"
    assert "has been cancelled" in english.body_text


def test_the_mail_is_in_the_recipient_language(app, w, db):
    """The Vietnamese reader's message is rendered in Vietnamese: its layout differs from the
    English reader's (the mail layout's own sentences are translated)."""
    services.cancel_event(w.festival, actor=w.organizer)
    by_user = {m.user_id: m for m in outbox(db)}
    vietnamese = by_user[w.participant.id].body_html
    english = by_user[w.accounts["admin"].id].body_html
    assert '<html lang="vi">' in vietnamese
    assert '<html lang="en">' in english


def test_a_cancelled_event_without_registrations_mails_nobody(w, db):
    services.cancel_event(w.draft, actor=w.organizer)
    assert w.draft.status == EventStatus.CANCELLED
    assert outbox_count(db) == 0


def test_another_units_organizer_cannot_cancel_and_nobody_is_mailed(client, w, db):
    sign_in(client, w, "other_organizer")
    before = snapshot()
    token = csrf_token(client, "/auth/profile")
    response = client.post(f"/events/{w.festival.id}/cancel", data={"csrf_token": token})
    assert response.status_code == 403
    assert snapshot() == before
    assert outbox_count(db) == 0


def test_cancelling_again_is_refused_and_nobody_is_mailed(client, w, db):
    for person in (w.participant, w.accounts["admin"]):
        ew.registration(w.cancelled, person)
    sign_in(client, w, "organizer")
    detail = f"/events/{w.cancelled.id}"
    token = csrf_token(client, detail)
    before = snapshot()
    response = client.post(f"{detail}/cancel", data={"csrf_token": token}, follow_redirects=True)
    html = response.get_data(as_text=True)
    messages = [(kind, " ".join(text.split())) for kind, text in FLASH.findall(html)]
    assert (
        "danger",
        "This change of status is not possible from the current status.",
    ) in messages
    assert snapshot() == before
    assert outbox_count(db) == 0


def test_the_service_refuses_a_second_cancel_before_queuing(w, db):
    services.cancel_event(w.festival, actor=w.organizer)
    assert outbox_count(db) == 3
    with pytest.raises(EventError) as refused:
        services.cancel_event(w.festival, actor=w.organizer)
    assert refused.value.reason == "bad_step"
    assert outbox_count(db) == 3
