"""A training for the cohort: the open trainings of the organizer's units on the cohort's
overview, registering the whole roster at once (all or nothing, nobody twice, the event's
own capacity and mail), and the trainings the cohort is registered for with its counts.
Every refusal is a clear message with nothing changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from accelerator.cohorts import trainings
from accelerator.cohorts.errors import CohortError
from accelerator.models import Cohort, CohortTeam, MembershipStatus
from app.audit import AuditEvent
from app.db import utcnow
from app.mail.outbox import OutboxMessage
from app.people.models import Role, User
from competitions.events.models import Event, EventRegistration, EventStatus
from tests.accelerator import cohorts_world as cw
from tests.competitions.events import world as ew
from tests.helpers import csrf_token, snapshot
from tests.judging.roles import FLASH, answer, refusal

ACCESS: dict[str, dict[str, int | str]] = {}
POST_ENDPOINTS = {"accelerator.cohort_training_register"}

ROLES = ("anonymous", "participant", "organizer", "other_organizer", "admin")


@dataclass
class World:
    cohort: Cohort
    accounts: dict[str, User]
    roster: list[User]  # the people of the accepted teams, once each
    invited: User  # a member of a team that was only invited
    training: Event  # a published training of the cohort's unit, ten seats
    events: dict[str, Event]  # the trainings and events the cohort cannot be registered for

    @property
    def organizer(self) -> User:
        return self.accounts["organizer"]


@pytest.fixture()
def w(db, factory) -> World:
    owner = factory.unit(name="Tỉnh Quảng Nam")
    district = factory.unit(name="Huyện Đại Lộc", parent=owner)
    other_unit = factory.unit(name="Tỉnh Khác")
    accounts = {
        "participant": factory.user("Phạm Văn Chiến", roles=(Role.PARTICIPANT,)),
        "organizer": factory.user("Trần Thị Bình", roles=(Role.ORGANIZER,), organizer_of=owner),
        "other_organizer": factory.user(
            "Hoàng Thị Dung", roles=(Role.ORGANIZER,), organizer_of=other_unit
        ),
        "admin": factory.user("Võ Thị Sáu", roles=(Role.ADMIN,)),
    }
    cohort = cw.cohort(owner)
    first = [factory.user(f"Nguyễn Văn Một {n}") for n in range(3)]
    second = [factory.user(f"Lê Thị Hai {n}") for n in range(2)]
    invited = factory.user("Đỗ Văn Mời")
    # Someone in both accepted teams is registered once.
    teams = {
        MembershipStatus.ACCEPTED: [
            factory.team(first[0], name="Nhóm Một", members=tuple(first[1:])),
            factory.team(second[0], name="Nhóm Hai", members=(second[1], first[1])),
        ],
        MembershipStatus.INVITED: [factory.team(invited, name="Nhóm Ba")],
        MembershipStatus.WITHDRAWN: [factory.team(accounts["participant"], name="Nhóm Bốn")],
    }
    for status, status_teams in teams.items():
        for team in status_teams:
            db.session.add(CohortTeam(cohort=cohort, team=team, status=status))
    training = ew.event(owner, title="Tập huấn gọi vốn", kind="training", capacity=10)
    events = {
        "district": ew.event(district, title="Tập huấn huyện", kind="training", capacity=None),
        "other_unit": ew.event(other_unit, title="Tập huấn tỉnh bạn", kind="training"),
        "cancelled": ew.event(
            owner, title="Tập huấn đã hủy", kind="training", status=EventStatus.CANCELLED
        ),
        "past": ew.event(
            owner, title="Tập huấn đã qua", kind="training", starts=utcnow() - timedelta(days=3)
        ),
        "draft": ew.event(owner, title="Tập huấn nháp", kind="training", status="draft"),
        "festival": ew.event(owner, title="Ngày hội khởi nghiệp tỉnh", kind="festival"),
    }
    db.session.flush()
    return World(
        cohort=cohort,
        accounts=accounts,
        roster=[*first, *second],
        invited=invited,
        training=training,
        events=events,
    )


def overview(w: World) -> str:
    return f"/accelerator/cohorts/{w.cohort.id}"


def register_url(w: World, event: Event) -> str:
    return f"{overview(w)}/trainings/{event.id}/register"


def sign_in(client, w: World, role: str) -> None:  # noqa: ANN001
    cw.sign_in(client, w.accounts, role)


def click(client, w: World, event: Event):  # noqa: ANN001, ANN201
    """Press "Register the cohort" as the signed-in organizer and follow to the overview."""
    token = csrf_token(client, overview(w))
    return client.post(register_url(w, event), data={"csrf_token": token}, follow_redirects=True)


def flashes(html: str) -> list[tuple[str, str]]:
    return [(kind, " ".join(text.split())) for kind, text in FLASH.findall(html)]


def registered_ids(db, event: Event) -> set[int]:  # noqa: ANN001
    return set(
        db.session.scalars(
            select(EventRegistration.user_id).where(EventRegistration.event_id == event.id)
        )
    )


def outbox_count(db) -> int:  # noqa: ANN001
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def section(html: str, table_id: str) -> str:
    start = html.index(f'id="{table_id}"')
    return html[start : html.index("</table>", start)]


# --- the overview ---------------------------------------------------------------------------


def test_the_overview_offers_the_open_trainings_of_the_organizers_units(client, w):
    sign_in(client, w, "organizer")
    html = client.get(overview(w)).get_data(as_text=True)
    offered = section(html, "open-trainings")
    for event in (w.training, w.events["district"]):
        assert f'data-event-id="{event.id}"' in offered
        assert register_url(w, event) in offered
    for name in ("other_unit", "cancelled", "past", "draft", "festival"):
        assert f'data-event-id="{w.events[name].id}"' not in offered, name
    assert "Nobody of the cohort is registered for a training yet." in html


@pytest.mark.parametrize("role", ROLES)
def test_only_the_cohorts_organizers_may_register_it(client, w, db, role):
    sign_in(client, w, role)
    token = csrf_token(client, "/auth/login" if role == "anonymous" else "/auth/profile")
    before = snapshot(db)
    response = client.post(register_url(w, w.training), data={"csrf_token": token})
    if role in ("organizer", "admin"):
        assert response.status_code == 302
        assert registered_ids(db, w.training) == {p.id for p in w.roster}
    else:
        assert answer(response) == refusal(role)
        assert snapshot(db) == before


def test_a_missing_cohort_or_event_is_404(client, w):
    sign_in(client, w, "organizer")
    token = csrf_token(client, overview(w))
    missing_event = f"{overview(w)}/trainings/999999/register"
    missing_cohort = f"/accelerator/cohorts/999999/trainings/{w.training.id}/register"
    for url in (missing_event, missing_cohort):
        assert client.post(url, data={"csrf_token": token}).status_code == 404


# --- registering the cohort -----------------------------------------------------------------


def test_the_whole_roster_is_registered_with_its_mail(client, w, db):
    sign_in(client, w, "organizer")
    response = click(client, w, w.training)
    assert (
        "success",
        "5 people of the cohort registered for Tập huấn gọi vốn; each gets their code by mail.",
    ) in flashes(response.get_data(as_text=True))
    registrations = db.session.scalars(
        select(EventRegistration).where(EventRegistration.event_id == w.training.id)
    ).all()
    assert {r.user_id for r in registrations} == {p.id for p in w.roster}
    assert {r.registered_by_id for r in registrations} == {w.organizer.id}
    mails = db.session.scalars(select(OutboxMessage)).all()
    assert sorted(m.user_id for m in mails) == sorted(p.id for p in w.roster)
    for mail, reg in ((m, next(r for r in registrations if r.user_id == m.user_id)) for m in mails):
        assert reg.code in mail.body_text
    assert w.invited.id not in registered_ids(db, w.training)
    assert w.accounts["participant"].id not in registered_ids(db, w.training)
    logged = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "cohort.training_register")
    )
    assert logged is not None and logged.actor_id == w.organizer.id


def test_the_cohort_page_lists_its_trainings_with_counts(client, w, db):
    sign_in(client, w, "organizer")
    click(client, w, w.training)
    came = db.session.scalar(
        select(EventRegistration).where(
            EventRegistration.event_id == w.training.id,
            EventRegistration.user_id == w.roster[0].id,
        )
    )
    came.attended_at = utcnow()
    # Someone outside the cohort at the same training is not the cohort's.
    ew.registration(w.training, w.accounts["admin"], attended=True)
    db.session.flush()
    html = client.get(overview(w)).get_data(as_text=True)
    listed = section(html, "cohort-trainings")
    assert f'data-event-id="{w.training.id}" data-registered="5" data-attended="1"' in listed
    assert f'data-event-id="{w.events["district"].id}"' not in listed


def test_people_registered_already_are_skipped(client, w, db):
    ew.registration(w.training, w.roster[2])
    sign_in(client, w, "organizer")
    response = click(client, w, w.training)
    messages = flashes(response.get_data(as_text=True))
    assert ("info", "1 person was registered already and was left as they were.") in messages
    assert registered_ids(db, w.training) == {p.id for p in w.roster}
    assert outbox_count(db) == 4


def test_a_second_click_registers_nobody_twice(client, w, db):
    sign_in(client, w, "organizer")
    click(client, w, w.training)
    before = snapshot(db)
    response = click(client, w, w.training)
    messages = flashes(response.get_data(as_text=True))
    assert ("info", "5 people were registered already and were left as they were.") in messages
    assert not [m for m in messages if m[0] == "success"]
    assert snapshot(db) == before


def test_an_event_without_capacity_takes_everyone(client, w, db):
    sign_in(client, w, "organizer")
    click(client, w, w.events["district"])
    assert registered_ids(db, w.events["district"]) == {p.id for p in w.roster}


def test_exactly_enough_seats_is_enough(w, db):
    w.training.capacity = 6
    ew.registration(w.training, w.accounts["participant"])
    done = trainings.register_cohort(w.cohort, w.training, actor=w.organizer)
    assert (done.registered, done.skipped) == (5, 0)
    assert len(registered_ids(db, w.training)) == 6


@pytest.mark.parametrize(("capacity", "taken", "needed", "left"), [(4, 0, 5, 4), (5, 2, 4, 3)])
def test_too_few_seats_registers_nobody(client, w, db, capacity, taken, needed, left):
    w.training.capacity = capacity
    if taken:
        ew.registration(w.training, w.roster[0])  # one of the cohort: skipped, not counted
        ew.registration(w.training, w.accounts["participant"])
    db.session.flush()
    sign_in(client, w, "organizer")
    token = csrf_token(client, overview(w))
    before = snapshot(db)
    response = client.post(
        register_url(w, w.training), data={"csrf_token": token}, follow_redirects=True
    )
    assert (
        "danger",
        f"This training has {left} seats left for the {needed} people of the cohort not "
        "registered yet. Nobody was registered.",
    ) in flashes(response.get_data(as_text=True))
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "other_unit",
            "This training is organised by a unit you do not organise. Nobody was registered.",
        ),
        ("cancelled", "This training has been cancelled. Nobody was registered."),
        ("past", "This training is over: registration has closed. Nobody was registered."),
        ("draft", "This training is not published yet. Nobody was registered."),
        ("festival", "This event is not a training. Nobody was registered."),
    ],
)
def test_a_training_that_cannot_take_the_cohort_changes_nothing(client, w, db, name, expected):
    sign_in(client, w, "organizer")
    token = csrf_token(client, overview(w))
    before = snapshot(db)
    response = client.post(
        register_url(w, w.events[name]), data={"csrf_token": token}, follow_redirects=True
    )
    assert ("danger", expected) in flashes(response.get_data(as_text=True))
    assert snapshot(db) == before


def test_a_cohort_without_accepted_teams_registers_nobody(client, w, db):
    for row in db.session.scalars(select(CohortTeam).where(CohortTeam.cohort_id == w.cohort.id)):
        if row.status == MembershipStatus.ACCEPTED:
            row.status = MembershipStatus.WITHDRAWN
    db.session.flush()
    sign_in(client, w, "organizer")
    token = csrf_token(client, overview(w))
    before = snapshot(db)
    response = client.post(
        register_url(w, w.training), data={"csrf_token": token}, follow_redirects=True
    )
    assert (
        "danger",
        "No team has accepted its place in the cohort yet: there is nobody to register.",
    ) in flashes(response.get_data(as_text=True))
    assert snapshot(db) == before


def test_the_service_refuses_someone_who_does_not_organise_the_cohort(w, db):
    before = snapshot(db)
    with pytest.raises(CohortError) as refused:
        trainings.register_cohort(w.cohort, w.training, actor=w.accounts["other_organizer"])
    assert refused.value.reason == "cohort_not_yours"
    assert snapshot(db) == before


def test_without_a_csrf_token_nothing_is_registered(client, w, db):
    sign_in(client, w, "organizer")
    before = snapshot(db)
    response = client.post(register_url(w, w.training), data={})
    assert response.status_code == 400
    assert snapshot(db) == before
