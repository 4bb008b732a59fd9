"""Cohorts: create and edit (dates typed dd/mm/yyyy), the organizers' list, the overview with
places and statuses, milestones inside the cohort's dates; who may do it; every change
audited, every refusal a clear message with nothing changed."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from accelerator.models import Cohort, CohortTeam, MembershipStatus, Milestone, MilestoneProgress
from app.audit import AuditEvent
from tests.accelerator import cohorts_world as cw
from tests.accelerator.cohorts_world import ANY_ORGANIZER, ORGANIZERS_ONLY, ROLES, sign_in, snapshot
from tests.helpers import csrf_token, post_form
from tests.judging.roles import FLASH, answer, refusal

# fmt: off
ACCESS: dict[str, dict[str, int | str]] = {
    "accelerator.cohort_list": ANY_ORGANIZER,
    "accelerator.cohort_create": ANY_ORGANIZER,
    "accelerator.cohort_overview": ORGANIZERS_ONLY,
    "accelerator.cohort_edit": ORGANIZERS_ONLY,
    "accelerator.milestone_create": ORGANIZERS_ONLY,
    "accelerator.milestone_edit": ORGANIZERS_ONLY,
}
POST_ENDPOINTS = {"accelerator.milestone_delete"}
# fmt: on

VALID = {
    "name": "Chương trình tăng tốc 2027",
    "year": "2027",
    "capacity": "12",
    "starts_on": "01/03/2027",
    "ends_on": "30/11/2027",
    "mentors_per_team": "2",
    "inactive_weeks": "3",
    "description": "Ươm tạo các dự án xuất sắc nhất năm.",
}


@pytest.fixture()
def s(db, factory) -> cw.Setting:  # noqa: ARG001
    setting = cw.build(factory)
    setting.milestone = Milestone(
        cohort=setting.cohort, kind="training", title="Tập huấn gọi vốn", due_on=date(2026, 4, 10)
    )
    db.session.add(setting.milestone)
    db.session.flush()
    return setting


def urls(s: cw.Setting) -> dict[str, str]:
    base = f"/accelerator/cohorts/{s.cohort.id}"
    return {
        "accelerator.cohort_list": "/accelerator/cohorts/",
        "accelerator.cohort_create": "/accelerator/cohorts/new",
        "accelerator.cohort_overview": base,
        "accelerator.cohort_edit": f"{base}/edit",
        "accelerator.milestone_create": f"{base}/milestones/new",
        "accelerator.milestone_edit": f"{base}/milestones/{s.milestone.id}/edit",
        "accelerator.milestone_delete": f"{base}/milestones/{s.milestone.id}/delete",
    }


def form_data(s: cw.Setting, **changes: str) -> dict:
    return {**VALID, "owner_unit": str(s.world.owner.id), **changes}


def flashes(html: str) -> list[tuple[str, str]]:
    return [(kind, " ".join(text.split())) for kind, text in FLASH.findall(html)]


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_access(client, s, role):
    sign_in(client, s.accounts, role)
    where = urls(s)
    wrong = {}
    for endpoint, answers in ACCESS.items():
        got = answer(client.get(where[endpoint]))
        if got != answers[role]:
            wrong[endpoint] = f"expected {answers[role]}, got {got}"
    assert wrong == {}


@pytest.mark.parametrize(
    "role", ["anonymous", "participant", "judge", "mentor", "leader", "other_organizer"]
)
def test_others_change_nothing(client, s, role):
    sign_in(client, s.accounts, role)
    token = csrf_token(client, "/auth/login" if role == "anonymous" else "/auth/profile")
    where = urls(s)
    before = snapshot()
    posts = {
        "accelerator.cohort_edit": form_data(s, name="Đổi tên"),
        "accelerator.milestone_create": {"kind": "other", "title": "X", "due_on": "01/05/2026"},
        "accelerator.milestone_edit": {"kind": "other", "title": "X", "due_on": "01/05/2026"},
        "accelerator.milestone_delete": {},
    }
    for endpoint, data in posts.items():
        response = client.post(where[endpoint], data={"csrf_token": token, **data})
        assert answer(response) == refusal(role), endpoint
    assert snapshot() == before


def test_missing_cohort_or_milestone_is_404(client, s):
    sign_in(client, s.accounts, "organizer")
    assert client.get("/accelerator/cohorts/999999").status_code == 404
    other = cw.cohort(s.world.owner, name="Khóa khác")
    # A milestone of another cohort is not found under this one.
    assert (
        client.get(f"/accelerator/cohorts/{other.id}/milestones/{s.milestone.id}/edit").status_code
        == 404
    )


def test_the_nav_links_the_cohorts_for_organizers_only(client, s):
    sign_in(client, s.accounts, "organizer")
    assert 'href="/accelerator/cohorts/"' in client.get("/").get_data(as_text=True)
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/auth/profile")})
    sign_in(client, s.accounts, "participant")
    assert 'href="/accelerator/cohorts/"' not in client.get("/").get_data(as_text=True)


# --- create, edit, list -----------------------------------------------------------------------


def test_an_organizer_creates_a_cohort_with_dates_typed_day_first(client, db, s):
    sign_in(client, s.accounts, "organizer")
    response = post_form(client, "/accelerator/cohorts/new", form_data(s))
    assert response.status_code == 302
    cohort = db.session.scalar(select(Cohort).where(Cohort.year == 2027))
    assert response.headers["Location"].endswith(f"/accelerator/cohorts/{cohort.id}")
    assert (cohort.name, cohort.capacity) == ("Chương trình tăng tốc 2027", 12)
    assert (cohort.starts_on, cohort.ends_on) == (date(2027, 3, 1), date(2027, 11, 30))
    assert cohort.owner_unit_id == s.world.owner.id
    assert cohort.created_by_id == s.organizer.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cohort.create"))
    assert event.actor_id == s.organizer.id
    assert event.new["capacity"] == 12 and event.new["starts_on"] == "2027-03-01"


def test_the_list_shows_the_organizers_cohorts_newest_year_first(client, db, s, factory):
    older = cw.cohort(s.world.owner, name="Khóa 2025")
    older.year = 2025
    newer = cw.cohort(s.world.owner, name="Khóa 2027")
    newer.year = 2027
    elsewhere = cw.cohort(factory.unit(name="Tỉnh Xa"), name="Khóa nơi khác")
    db.session.flush()
    sign_in(client, s.accounts, "organizer")
    html = client.get("/accelerator/cohorts/").get_data(as_text=True)
    listed = [int(i) for i in re.findall(r'data-cohort-id="(\d+)"', html)]
    assert listed == [newer.id, s.cohort.id, older.id]
    assert elsewhere.id not in listed
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/auth/profile")})
    sign_in(client, s.accounts, "admin")
    html = client.get("/accelerator/cohorts/").get_data(as_text=True)
    assert f'data-cohort-id="{elsewhere.id}"' in html


def test_editing_is_audited_with_old_and_new(client, db, s):
    sign_in(client, s.accounts, "organizer")
    data = form_data(s, year="2026", starts_on="01/03/2026", ends_on="15/12/2026", capacity="8")
    response = post_form(client, urls(s)["accelerator.cohort_edit"], data)
    assert response.status_code == 302
    db.session.refresh(s.cohort)
    assert (s.cohort.capacity, s.cohort.ends_on) == (8, date(2026, 12, 15))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cohort.update"))
    assert event.old["capacity"] == 3 and event.new["capacity"] == 8
    assert event.old["ends_on"] == "2026-11-30" and event.new["ends_on"] == "2026-12-15"


HOSTILE = {
    "end before start": (
        {"starts_on": "30/11/2027", "ends_on": "01/03/2027"},
        "The cohort cannot end before it starts.",
    ),
    "capacity 0": ({"capacity": "0"}, "Between 1 and 500 teams."),
    "capacity as text": ({"capacity": "mười hai"}, "Enter a whole number."),
    "capacity empty": ({"capacity": ""}, "This field is required."),
    "date the wrong way round": ({"starts_on": "2027-03-01"}, "Enter a date as dd/mm/yyyy"),
    "impossible date": ({"ends_on": "31/02/2027"}, "Enter a date as dd/mm/yyyy"),
    "year as text": ({"year": "năm nay"}, "Enter a whole number."),
    "too many mentors": ({"mentors_per_team": "9"}, "Between 1 and 5."),
    "no name": ({"name": "   "}, "This field is required."),
    "someone else's unit": ({"owner_unit": "OTHER"}, "Not a valid choice"),
}


@pytest.mark.parametrize("case", HOSTILE)
@pytest.mark.parametrize("page", ["create", "edit"])
def test_hostile_cohort_input_is_refused_with_nothing_changed(client, s, case, page):
    changes, expected = HOSTILE[case]
    if changes.get("owner_unit") == "OTHER":
        changes = {"owner_unit": str(s.accounts["other_organizer"].organizer_units()[0].id)}
    sign_in(client, s.accounts, "organizer")
    url = urls(s)["accelerator.cohort_create" if page == "create" else "accelerator.cohort_edit"]
    before = snapshot()
    response = post_form(client, url, form_data(s, **changes))
    assert response.status_code == 200
    assert expected in " ".join(response.get_data(as_text=True).split())
    assert snapshot() == before


def test_a_second_cohort_with_the_same_name_the_same_year_is_refused(client, s):
    sign_in(client, s.accounts, "organizer")
    before = snapshot()
    response = post_form(
        client,
        "/accelerator/cohorts/new",
        form_data(s, name="chương trình TĂNG TỐC 2026", year="2026"),
    )
    assert "already has a cohort with this name for this year" in response.get_data(as_text=True)
    assert snapshot() == before


def test_capacity_cannot_drop_below_the_places_held(client, db, s):
    for n in range(3):
        db.session.add(
            CohortTeam(
                cohort=s.cohort,
                team=s.entries[n].entry.team,
                status=(MembershipStatus.SELECTED, MembershipStatus.INVITED, "accepted")[n],
            )
        )
    db.session.flush()
    sign_in(client, s.accounts, "organizer")
    before = snapshot()
    data = form_data(s, year="2026", starts_on="01/03/2026", ends_on="30/11/2026", capacity="2")
    response = post_form(client, urls(s)["accelerator.cohort_edit"], data)
    assert "More teams already hold a place than this capacity" in response.get_data(as_text=True)
    assert snapshot() == before


def test_dates_that_would_leave_a_milestone_outside_are_refused(client, s):
    sign_in(client, s.accounts, "organizer")
    before = snapshot()
    # The training on 10/04/2026 would fall before a start on 01/05/2026.
    data = form_data(s, year="2026", starts_on="01/05/2026", ends_on="30/11/2026")
    response = post_form(client, urls(s)["accelerator.cohort_edit"], data)
    assert "Some milestones would fall outside these dates" in response.get_data(as_text=True)
    assert snapshot() == before


# --- the overview -----------------------------------------------------------------------------


def test_the_overview_counts_places_and_statuses(client, db, s):
    statuses = ["candidate", "candidate", "selected", "invited", "accepted", "declined"]
    for round_entry, status in zip(s.entries, statuses, strict=True):
        db.session.add(CohortTeam(cohort=s.cohort, team=round_entry.entry.team, status=status))
    db.session.flush()
    sign_in(client, s.accounts, "organizer")
    html = client.get(urls(s)["accelerator.cohort_overview"]).get_data(as_text=True)
    assert 'data-places="3" data-capacity="3"' in html
    counts = dict(re.findall(r'data-status="(\w+)" data-count="(\d+)"', html))
    assert counts == {
        "candidate": "2",
        "selected": "1",
        "invited": "1",
        "accepted": "1",
        "declined": "1",
        "withdrawn": "0",
    }
    assert "Tập huấn gọi vốn" in html and "10/04/2026" in html


# --- milestones -------------------------------------------------------------------------------


def test_milestones_are_added_edited_and_deleted_with_audit(client, db, s):
    sign_in(client, s.accounts, "organizer")
    where = urls(s)
    milestone_id = s.milestone.id
    response = post_form(
        client,
        where["accelerator.milestone_create"],
        {"kind": "demo_day", "title": "Ngày trình diễn", "due_on": "30/11/2026"},
    )
    assert response.status_code == 302
    demo = db.session.scalar(select(Milestone).where(Milestone.kind == "demo_day"))
    assert (demo.title, demo.due_on) == ("Ngày trình diễn", date(2026, 11, 30))
    response = post_form(
        client,
        where["accelerator.milestone_edit"],
        {"kind": "check_in", "title": "Kiểm tra giữa kỳ", "due_on": "01/03/2026"},
    )
    assert response.status_code == 302
    db.session.refresh(s.milestone)
    assert (s.milestone.kind, s.milestone.due_on) == ("check_in", date(2026, 3, 1))
    response = post_form(
        client,
        where["accelerator.milestone_delete"],
        {},
        form_page=where["accelerator.cohort_overview"],
    )
    assert response.status_code == 302
    assert db.session.get(Milestone, milestone_id) is None
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.action.like("cohort.milestone%"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "cohort.milestone_create",
        "cohort.milestone_update",
        "cohort.milestone_delete",
    ]
    html = client.get(where["accelerator.cohort_overview"]).get_data(as_text=True)
    assert "Ngày trình diễn" in html and "Kiểm tra giữa kỳ" not in html


@pytest.mark.parametrize("due_on", ["28/02/2026", "01/12/2026", "15/06/2031"])
@pytest.mark.parametrize("page", ["create", "edit"])
def test_a_milestone_outside_the_cohort_dates_is_refused(client, s, due_on, page):
    sign_in(client, s.accounts, "organizer")
    url = urls(s)[
        "accelerator.milestone_create" if page == "create" else "accelerator.milestone_edit"
    ]
    before = snapshot()
    response = post_form(client, url, {"kind": "training", "title": "Ngoài giờ", "due_on": due_on})
    assert response.status_code == 200
    assert "The date must fall within the cohort, from its start to its end." in response.get_data(
        as_text=True
    )
    assert snapshot() == before


@pytest.mark.parametrize(
    "data, expected",
    [
        ({"kind": "training", "title": "", "due_on": "01/05/2026"}, "This field is required."),
        ({"kind": "training", "title": "Tập huấn", "due_on": ""}, "This field is required."),
        ({"kind": "training", "title": "Tập huấn", "due_on": "ngày mai"}, "dd/mm/yyyy"),
        ({"kind": "party", "title": "Tập huấn", "due_on": "01/05/2026"}, "Not a valid choice"),
    ],
)
def test_a_bad_milestone_is_refused(client, s, data, expected):
    sign_in(client, s.accounts, "organizer")
    before = snapshot()
    response = post_form(client, urls(s)["accelerator.milestone_create"], data)
    assert response.status_code == 200
    assert expected in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_milestone_a_team_completed_is_not_deleted(client, db, s):
    team = CohortTeam(cohort=s.cohort, team=s.entries[0].entry.team, status="accepted")
    db.session.add(team)
    db.session.flush()
    db.session.add(
        MilestoneProgress(
            milestone_id=s.milestone.id, cohort_team_id=team.id, completed_on=date(2026, 4, 10)
        )
    )
    db.session.flush()
    sign_in(client, s.accounts, "organizer")
    where = urls(s)
    before = snapshot()
    response = post_form(
        client,
        where["accelerator.milestone_delete"],
        {},
        form_page=where["accelerator.cohort_overview"],
    )
    assert response.status_code == 302
    assert snapshot() == before
    html = client.get(where["accelerator.cohort_overview"]).get_data(as_text=True)
    assert (
        "danger",
        "Teams have completed this milestone: it cannot be deleted. Edit it instead.",
    ) in flashes(html)
    assert db.session.get(Milestone, s.milestone.id) is not None


def test_the_service_refuses_a_unit_the_organizer_does_not_run(s, factory):
    from accelerator.cohorts import services
    from accelerator.cohorts.errors import CohortError

    data = services.CohortData(
        owner_unit=factory.unit(name="Tỉnh Lạ"),
        year=2027,
        name="Khóa lạ",
        capacity=5,
        starts_on=date(2027, 1, 1),
        ends_on=date(2026, 1, 1),
    )
    before = snapshot()
    with pytest.raises(CohortError) as refused:
        services.create_cohort(data, actor=s.organizer)
    assert set(refused.value.reasons) == {"unit_not_allowed", "dates_order"}
    assert snapshot() == before
