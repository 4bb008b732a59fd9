"""Entries: the participant's journey from a draft to submitted versions, the rules a
submission must pass (window, track limits, double posts), withdrawal, who sees what,
and the participant dashboard."""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from flask import g, url_for
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.db import UNDO_KEY, utcnow
from app.db import db as database
from app.localtime import format_datetime
from app.mail.outbox import OutboxMessage
from app.people.models import Role, User
from app.storage import PDF, StoredFile, store_upload
from competitions.entries.services import EntryError, claim
from competitions.entries.submission import next_number, submit_entry
from competitions.models import (
    Competition,
    Entry,
    EntryStatus,
    EntryVersion,
    Sector,
    Team,
    Track,
)
from tests.factories import MINIMAL_PDF, MINIMAL_PNG, Factory
from tests.helpers import csrf_token, login, post_form

LOGIN = "login"
ROLES = ("anonymous", "participant", "member", "organizer", "other_organizer", "admin")


def row(*answers: int | str) -> dict[str, int | str]:
    return dict(zip(ROLES, answers, strict=True))


# Every GET endpoint of this topic (entry_file is in test_files.py), on the sample URLs of
# `sample_url`: a submitted entry of an open competition, with one version.
# fmt: off
#                                            anon   part  member org   other  admin
ACCESS: dict[str, dict[str, int | str]] = {
    "competitions.my":             row(LOGIN, 200,  200,   200,  200,   200),
    "competitions.entry_start":    row(LOGIN, 200,  200,   200,  200,   200),
    "competitions.entry_detail":   row(LOGIN, 404,  200,   200,  404,   200),
    "competitions.entry_version":  row(LOGIN, 404,  200,   200,  404,   200),
    "competitions.entry_edit":     row(LOGIN, 404,  200,   403,  404,   403),
    "competitions.entry_withdraw": row(LOGIN, 404,  200,   403,  404,   403),
}
# fmt: on
POST_ENDPOINTS = {"competitions.entry_submit"}

TEXT = {
    "summary": "Máy sấy nông sản dùng năng lượng mặt trời cho hộ nông dân miền núi.",
    "problem": "Nông sản sau thu hoạch bị hỏng vì phơi nắng phụ thuộc thời tiết.",
    "solution": "Buồng sấy kính với quạt chạy pin mặt trời, giá dưới 3 triệu đồng.",
}


# --- the world ------------------------------------------------------------------------------


@dataclass
class World:
    competition: Competition
    track: Track
    accounts: dict[str, User]
    team: Team
    entry: Entry  # submitted once, with a deck
    advisor: User


@contextmanager
def in_request(app) -> Iterator[None]:  # noqa: ANN001
    """Call services as a request would (they build links and queue mail). The test's
    transaction is never committed, so the undo work its uploads registered (delete the
    file) is dropped here, before the request context's teardown would run it; so is the
    after-commit work, left on a `g` that outlives the test."""
    with app.test_request_context():
        try:
            yield
        finally:
            database.session().info.pop(UNDO_KEY, None)
            g.pop("after_commit", None)


def stored_pdf(user: User, name: str = "Kế hoạch kinh doanh.pdf") -> StoredFile:
    return store_upload(io.BytesIO(MINIMAL_PDF), name, PDF, user.id)


def complete(entry: Entry, deck: StoredFile) -> Entry:
    for name, value in TEXT.items():
        setattr(entry, name, value)
    entry.deck = deck
    return entry


@pytest.fixture()
def world(app, client, db, factory: Factory) -> World:
    """(`client` sets the test client class that gives each request its own context.)"""
    return build_world(app, db, factory)


def build_world(app, db, factory: Factory) -> World:  # noqa: ANN001
    """Two units, one account per role, a team with an advisor and its submitted entry."""
    city = factory.level("city", "Thành phố", 0)
    owner = factory.unit("Sở Khoa học và Công nghệ Đà Nẵng", level=city)
    elsewhere = factory.unit("Sở Khoa học và Công nghệ Huế", level=city)
    competition = factory.competition(owner_unit=owner)
    member = factory.user("Nguyễn Thị Mai")
    advisor = factory.user("Trần Văn Thầy")
    accounts = {
        "participant": factory.user("Lê Văn Khách"),
        "member": member,
        "organizer": factory.user("Phạm Văn Tổ", roles=(Role.ORGANIZER,), organizer_of=owner),
        "other_organizer": factory.user(
            "Hoàng Thị Khác", roles=(Role.ORGANIZER,), organizer_of=elsewhere
        ),
        "admin": factory.user("Võ Văn Quản", roles=(Role.ADMIN,)),
    }
    team = factory.team(leader=member, advisor=advisor)
    with in_request(app):
        entry = complete(factory.entry(competition=competition, team=team), stored_pdf(member))
        db.session.flush()
        submit_entry(entry, by=member)
    db.session.flush()
    return World(competition, competition.tracks[0], accounts, team, entry, advisor)


def sample_url(app, world: World, endpoint: str) -> str:
    arguments = {
        "competitions.entry_start": {"competition_id": world.competition.id},
        "competitions.entry_version": {"entry_id": world.entry.id, "number": 1},
        "competitions.entry_file": {
            "entry_id": world.entry.id,
            "file_id": world.entry.deck_file_id,
        },
    }
    with app.test_request_context():
        return url_for(endpoint, **arguments.get(endpoint, {"entry_id": world.entry.id}))


def sign_in(app, world: World, role: str):  # noqa: ANN201
    browser = app.test_client()
    if role != "anonymous":
        assert login(browser, world.accounts[role].email).status_code == 302
    return browser


def answer(response) -> int | str:  # noqa: ANN001
    if response.status_code == 302 and "/auth/login" in response.headers["Location"]:
        return LOGIN
    return response.status_code


def check_access(app, world: World, table: dict) -> None:
    wrong = {}
    for role in ROLES:
        browser = sign_in(app, world, role)
        for endpoint, expected in table.items():
            response = browser.get(sample_url(app, world, endpoint))
            response.close()
            if answer(response) != expected[role]:
                wrong[f"{endpoint} as {role}"] = answer(response)
    assert wrong == {}


def entry_page(entry: Entry) -> str:
    return f"/competitions/entries/{entry.id}"


def form_data(entry: Entry, **overrides: object) -> dict:
    """The edit form as the browser sends it for the entry as stored now."""
    data: dict = {
        "lock_version": str(entry.lock_version),
        "title": entry.title,
        "summary": entry.summary,
        "problem": entry.problem,
        "solution": entry.solution,
        "customers": entry.customers,
        "business_model": entry.business_model,
        "stage": entry.stage,
        "traction": entry.traction,
        "funding_needs": entry.funding_needs,
        "video_url": entry.video_url or "",
        "science_fair_note": entry.science_fair_note or "",
        "sector_ids": [str(s.id) for s in entry.sectors],
    }
    if entry.code is None:
        data["track_id"] = str(entry.track_id)
    if entry.from_science_fair:
        data["from_science_fair"] = "y"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_edit(client, entry: Entry, *, submit: bool = False, **overrides: object):  # noqa: ANN001, ANN201
    database.session.flush()
    data = form_data(entry, **overrides)
    data["submit" if submit else "save"] = "1"
    return post_form(
        client,
        entry_page(entry) + "/edit",
        data,
        form_page="/competitions/my",
        content_type="multipart/form-data",
    )


def versions(db, entry: Entry) -> list[EntryVersion]:
    return list(
        db.session.scalars(
            select(EntryVersion)
            .where(EntryVersion.entry_id == entry.id)
            .order_by(EntryVersion.number)
        )
    )


def fresh(db, entry: Entry) -> Entry:
    db.session.expire_all()
    return db.session.get(Entry, entry.id)


# --- access ---------------------------------------------------------------------------------


def test_access_table(app, world):
    check_access(app, world, ACCESS)


def test_the_advisor_reads_but_does_not_edit(app, client, world):
    login(client, world.advisor.email)
    page = client.get(entry_page(world.entry))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert world.entry.code in html
    assert f"/competitions/entries/{world.entry.id}/edit" not in html
    assert client.get(entry_page(world.entry) + "/edit").status_code == 403
    assert client.get(entry_page(world.entry) + "/withdraw").status_code == 403


def test_a_draft_is_invisible_to_another_team_and_another_units_organizer(app, db, factory, world):
    with in_request(app):
        draft = complete(
            factory.entry(competition=world.competition, team=factory.team(name="Nhóm Sao Mai")),
            stored_pdf(world.accounts["member"]),
        )
    outsider_team = factory.team(leader=factory.user("Đỗ Văn Ngoài"), name="Nhóm Ngoài")
    factory.entry(competition=world.competition, team=outsider_team, title="Dự án khác")
    db.session.flush()
    paths = [
        entry_page(draft),
        entry_page(draft) + "/edit",
        entry_page(draft) + "/withdraw",
        entry_page(draft) + f"/files/{draft.deck_file_id}",
    ]
    for person in (outsider_team.leader, world.accounts["other_organizer"]):
        browser = app.test_client()
        login(browser, person.email)
        for path in paths:
            assert browser.get(path).status_code == 404, (person.full_name, path)
        assert draft.title not in browser.get("/competitions/my").get_data(as_text=True)
    organizer = app.test_client()
    login(organizer, world.accounts["organizer"].email)
    assert organizer.get(entry_page(draft)).status_code == 200


@pytest.mark.parametrize(
    ("role", "status"),
    [("participant", 404), ("other_organizer", 404), ("organizer", 403), ("admin", 403)],
)
def test_wrong_users_cannot_submit_edit_or_withdraw(app, db, world, role, status):
    entry = world.entry
    entry_id, lock, title = entry.id, entry.lock_version, entry.title
    browser = sign_in(app, world, role)
    token = csrf_token(browser, "/competitions/my")
    base = entry_page(entry)
    submit = browser.post(base + "/submit", data={"csrf_token": token, "lock_version": lock})
    assert submit.status_code == status
    edit = browser.post(
        base + "/edit",
        data={**form_data(entry, title="Bị sửa trộm"), "csrf_token": token, "submit": "1"},
        content_type="multipart/form-data",
    )
    assert edit.status_code == status
    withdraw = browser.post(base + "/withdraw", data={"csrf_token": token, "reason": "x"})
    assert withdraw.status_code == status
    stored = fresh(db, entry)
    assert (stored.title, stored.lock_version, stored.status) == (
        title,
        lock,
        EntryStatus.SUBMITTED,
    )
    assert len(versions(db, stored)) == 1
    assert db.session.get(Entry, entry_id).withdrawn_at is None


def test_submit_needs_a_csrf_token(app, db, world):
    browser = sign_in(app, world, "member")
    response = browser.post(
        entry_page(world.entry) + "/submit", data={"lock_version": world.entry.lock_version}
    )
    assert response.status_code == 400
    assert len(versions(db, world.entry)) == 1


# --- the journey ----------------------------------------------------------------------------


def test_the_participant_journey(app, client, db, factory, mailbox):
    competition = factory.competition()
    track = competition.tracks[0]
    leader = factory.user("Nguyễn Văn Trưởng")
    teammate = factory.user("Lê Thị Bạn")
    teammate.locale = "en"
    team = factory.team(leader=leader, members=(teammate,), name="Nhóm Nắng Mai")
    login(client, leader.email)

    dashboard = client.get("/competitions/my").get_data(as_text=True)
    assert f"/competitions/{competition.id}/enter" in dashboard
    assert "Nhóm Nắng Mai" in dashboard

    response = post_form(
        client,
        f"/competitions/{competition.id}/enter",
        {"team_id": team.id, "track_id": track.id, "title": "Máy sấy nông sản"},
    )
    assert response.status_code == 302
    entry = db.session.scalar(select(Entry).where(Entry.team_id == team.id))
    assert response.headers["Location"].endswith(f"/competitions/entries/{entry.id}/edit")
    assert entry.status == EntryStatus.DRAFT and entry.code is None

    sectors = db.session.scalars(select(Sector).where(Sector.code.in_(["agriculture", "energy"])))
    response = post_edit(
        client,
        entry,
        **TEXT,
        stage="prototype",
        sector_ids=[str(s.id) for s in sectors],
        video_url="HTTPS://YouTube.com/watch?v=abc123",
        from_science_fair="y",
        science_fair_note="Cuộc thi KHKT cấp tỉnh Quảng Nam 2024",
        deck_file=(io.BytesIO(MINIMAL_PDF), "Kế hoạch kinh doanh.pdf"),
        new_images=[(io.BytesIO(MINIMAL_PNG), "máy sấy.png")],
    )
    assert response.status_code == 302
    entry = fresh(db, entry)
    assert entry.status == EntryStatus.DRAFT
    assert entry.deck.original_name == "Kế hoạch kinh doanh.pdf"
    assert [image.file.original_name for image in entry.images] == ["máy sấy.png"]
    assert entry.video_url == "https://youtube.com/watch?v=abc123"
    assert {s.code for s in entry.sectors} == {"agriculture", "energy"}
    assert entry.from_science_fair and entry.science_fair_note.endswith("2024")
    assert versions(db, entry) == []

    response = post_edit(client, entry, submit=True)
    assert response.status_code == 302
    entry = fresh(db, entry)
    assert entry.status == EntryStatus.SUBMITTED
    assert re.fullmatch(r"QN26-THPT-\d{4}", entry.code)
    assert entry.code == "QN26-THPT-0001"
    [first] = versions(db, entry)
    assert (first.number, first.submitted_by_id, first.is_paper) == (1, leader.id, False)
    assert first.content == entry.content()
    assert first.deck_file_id == entry.deck_file_id
    assert first.image_file_ids == [entry.images[0].file_id]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "entry.submit"))
    assert (event.actor_id, event.object_id) == (leader.id, str(entry.id))
    assert event.new == {"code": entry.code, "version": 1, "paper": False}
    for person in (leader, teammate):
        receipt = mailbox.last_to(person.email)
        assert entry.code in receipt["Subject"]
        assert entry.code in mailbox.text(receipt)
        assert mailbox.link_to(person.email, "/competitions/entries/") == entry_page(entry)
    assert '<html lang="en"' in mailbox.html(mailbox.last_to(teammate.email))
    assert '<html lang="vi"' in mailbox.html(mailbox.last_to(leader.email))

    # Editing after submission keeps it submitted; submitting again makes version 2.
    response = post_edit(client, entry, summary="Phiên bản hai: thêm cảm biến độ ẩm.")
    assert response.status_code == 302
    entry = fresh(db, entry)
    assert entry.status == EntryStatus.SUBMITTED
    detail = client.get(entry_page(entry)).get_data(as_text=True)
    assert "unsubmitted-changes" in detail
    mailbox.clear()
    response = post_form(
        client,
        entry_page(entry) + "/submit",
        {"lock_version": entry.lock_version},
        form_page=entry_page(entry),
    )
    assert response.status_code == 302
    entry = fresh(db, entry)
    assert [v.number for v in versions(db, entry)] == [1, 2]
    assert versions(db, entry)[1].content["summary"].startswith("Phiên bản hai")
    assert versions(db, entry)[0].content["summary"] == TEXT["summary"]
    assert entry.code == "QN26-THPT-0001"
    assert len(mailbox.to(teammate.email)) == 1

    # An identical resubmission makes no version.
    response = post_edit(client, entry, submit=True)
    assert response.status_code == 200
    assert len(versions(db, entry)) == 2

    dashboard = client.get("/competitions/my").get_data(as_text=True)
    assert "QN26-THPT-0001" in dashboard
    [steps] = re.findall(r'class="list-unstyled small mb-0 timeline">(.*?)</ol>', dashboard, re.S)
    assert steps.count("<li>") == 3  # started, version 1, version 2


def test_the_main_dashboard_links_here(client, factory):
    user = factory.user()
    login(client, user.email)
    assert 'href="/competitions/my"' in client.get("/dashboard").get_data(as_text=True)


def test_codes_count_up_per_track(app, db, factory):
    competition = factory.competition(code="DN", year=2027)
    first, second = competition.tracks
    codes = []
    for track in (first, first, second):
        team = factory.team(leader=factory.user())
        with in_request(app):
            entry = factory.entry(competition=competition, team=team, track=track)
            submit_entry(complete(entry, stored_pdf(team.leader)), by=team.leader)
        codes.append(entry.code)
    assert codes == ["DN27-THPT-0001", "DN27-THPT-0002", "DN27-SV-0001"]
    assert db.session.get(Track, first.id).last_number == 2


def test_parallel_writers_never_share_a_number_or_a_lock_version(_app):
    """Two real connections at once (not the test's rolled-back one): the track's
    counter and the entry's lock_version are each taken by one of them only. The rows
    are committed for the purpose, and removed after."""
    from app.units.models import Unit, UnitLevel

    with _app.app_context():
        level = UnitLevel(code="parallel-test", name_vi="Thử", name_en="Test")
        unit = Unit(name="Đơn vị thử song song", level=level)
        user = User(full_name="Người Thử Song Song", email="parallel-test@example.vn")
        competition = Competition(title="Thử song song", code="PX", edition_year=2099)
        competition.owner_unit = unit
        track = Track(code="T", name="Bảng thử")
        competition.tracks.append(track)
        team = Team(name="Nhóm thử song song", leader=user)
        entry = Entry(competition=competition, track=track, team=team, title="Thử")
        database.session.add_all([level, unit, user, competition, team, entry])
        database.session.commit()
        track_id, entry_id = track.id, entry.id
        rows = [entry, team, competition, user, unit, level]
    try:
        numbers = _in_parallel(_app, lambda: next_number(database.session.get(Track, track_id)))
        assert sorted(numbers) == [1, 2]
        claims = _in_parallel(_app, lambda: claim(database.session.get(Entry, entry_id), 1))
        assert sorted(map(repr, claims)) == ["EntryError('stale')", "None"]
    finally:
        with _app.app_context():
            for obj in rows:
                database.session.delete(database.session.merge(obj))
                database.session.flush()
            database.session.commit()


def _in_parallel(app, work) -> list:  # noqa: ANN001
    """Run `work` in two threads at once, each in its own app context (its own session and
    connection), holding its transaction a moment before committing."""
    barrier = threading.Barrier(2)
    results: list = []

    def worker() -> None:
        with app.app_context():
            try:
                barrier.wait()
                result = work()
                time.sleep(0.2)
                database.session.commit()
            except EntryError as error:
                database.session.rollback()
                result = error
            finally:
                database.session.remove()
            results.append(result)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert len(results) == 2
    return results


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "youtube.com/watch?v=abc",
        "//evil.example/video",
        "https://youtube.com@evil.example/",
        "https:///no-host",
        "https://example.vn/a b",
    ],
)
def test_a_bad_video_link_is_refused_and_nothing_is_stored(client, db, world, link):
    entry = world.entry
    login(client, world.accounts["member"].email)
    before = (entry.video_url, entry.lock_version, entry.summary)
    response = post_edit(client, entry, video_url=link, summary="Đổi nội dung")
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    entry = fresh(db, entry)
    assert (entry.video_url, entry.lock_version, entry.summary) == before


def test_fields_outside_the_form_are_ignored(client, db, world):
    entry = world.entry
    before = (entry.status, entry.code, entry.team_id, entry.track_id, entry.is_paper)
    login(client, world.accounts["member"].email)
    response = post_edit(
        client,
        entry,
        title="Tên mới",
        status="accepted",
        code="QN26-THPT-9999",
        team_id="999",
        track_id=str(world.competition.tracks[1].id),  # fixed once the code is given
        is_paper="y",
        review_reason="Tự duyệt",
    )
    assert response.status_code == 302
    entry = fresh(db, entry)
    assert entry.title == "Tên mới"
    assert (entry.status, entry.code, entry.team_id, entry.track_id, entry.is_paper) == before
    assert entry.review_reason is None


def test_user_text_is_escaped(client, db, world):
    payload = '"><img src=x onerror=alert(1)>'
    login(client, world.accounts["member"].email)
    assert post_edit(client, world.entry, title=payload, summary=payload).status_code == 302
    for path in (entry_page(world.entry), "/competitions/my", entry_page(world.entry) + "/edit"):
        html = client.get(path).get_data(as_text=True)
        assert "<img src=x" not in html, path
        assert "&lt;img src=x onerror=alert(1)&gt;" in html, path


def test_a_science_fair_origin_needs_its_note(client, db, world):
    login(client, world.accounts["member"].email)
    response = post_edit(client, world.entry, from_science_fair="y", science_fair_note="")
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert not fresh(db, world.entry).from_science_fair


def test_a_form_posted_twice_makes_one_version(app, client, db, factory, mailbox):
    competition = factory.competition()
    leader = factory.user()
    team = factory.team(leader=leader)
    with in_request(app):
        entry = complete(factory.entry(competition=competition, team=team), stored_pdf(leader))
    db.session.flush()
    login(client, leader.email)
    token = csrf_token(client, "/competitions/my")
    data = {**form_data(entry), "csrf_token": token, "submit": "1"}
    path = entry_page(entry) + "/edit"
    first = client.post(path, data=data, content_type="multipart/form-data")
    second = client.post(path, data=data, content_type="multipart/form-data")
    assert first.status_code == 302 and second.status_code == 302
    assert second.headers["Location"].endswith(entry_page(entry))
    assert len(versions(db, entry)) == 1
    assert len(mailbox.to(leader.email)) == 1

    # The same from the entry page's submit button.
    entry = fresh(db, entry)
    post_edit(client, entry, summary="Bản sửa")
    entry = fresh(db, entry)
    data = {"csrf_token": token, "lock_version": entry.lock_version}
    for _ in range(2):
        assert client.post(entry_page(entry) + "/submit", data=data).status_code == 302
    assert [v.number for v in versions(db, entry)] == [1, 2]


def test_a_save_from_a_stale_tab_is_refused(client, db, world):
    entry = world.entry
    login(client, world.accounts["member"].email)
    old_tab = form_data(entry, summary="Từ tab cũ")
    assert post_edit(client, entry, summary="Từ tab mới").status_code == 302
    token = csrf_token(client, "/competitions/my")
    response = client.post(
        entry_page(entry) + "/edit",
        data={**old_tab, "csrf_token": token, "save": "1"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert fresh(db, entry).summary == "Từ tab mới"
    tampered = client.post(
        entry_page(entry) + "/edit",
        data={**form_data(fresh(db, entry), lock_version="abc"), "csrf_token": token, "save": "1"},
        content_type="multipart/form-data",
    )
    assert tampered.status_code == 302
    assert fresh(db, entry).summary == "Từ tab mới"


def test_an_incomplete_entry_is_saved_but_not_submitted(client, db, factory):
    competition = factory.competition()
    leader = factory.user()
    entry = factory.entry(competition=competition, team=factory.team(leader=leader))
    entry.summary = ""
    db.session.flush()
    login(client, leader.email)
    response = post_edit(client, entry, submit=True, problem="Chỉ có vấn đề")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("invalid-feedback") == 3  # summary, solution, deck
    entry = fresh(db, entry)
    assert entry.problem == "Chỉ có vấn đề"
    assert entry.status == EntryStatus.DRAFT and entry.code is None
    assert versions(db, entry) == []


# --- the window -----------------------------------------------------------------------------


def _window_world(app, factory, opens: datetime, closes: datetime):  # noqa: ANN001, ANN202
    competition = factory.competition(opens=opens, closes=closes)
    leader = factory.user()
    with in_request(app):
        entry = complete(
            factory.entry(competition=competition, team=factory.team(leader=leader)),
            stored_pdf(leader),
        )
    database.session.flush()
    return entry, leader


FLASH_WARNING = re.compile(r'<div class="alert alert-warning" role="alert">([^<]*)</div>')


def test_a_submission_one_second_after_the_deadline_is_refused(app, client, db, factory, mailbox):
    now = datetime(2026, 3, 31, 10, 0, tzinfo=UTC)
    deadline = datetime(2026, 3, 31, 16, 59, tzinfo=UTC)  # 23:59 in Vietnam
    with time_machine.travel(now, tick=False):
        entry, leader = _window_world(app, factory, now - timedelta(days=30), deadline)
        login(client, leader.email)
        page = client.get(entry_page(entry) + "/edit").get_data(as_text=True)
        assert "31/03/2026 23:59" in page
        before = (entry.lock_version, entry.summary)
        tab = form_data(entry, summary="Nộp muộn")
        token = csrf_token(client, "/competitions/my")
    with time_machine.travel(deadline + timedelta(seconds=1), tick=False):
        mailbox.clear()
        response = client.post(
            entry_page(entry) + "/edit",
            data={**tab, "csrf_token": token, "submit": "1"},
            content_type="multipart/form-data",
            follow_redirects=True,
        )
        [message] = FLASH_WARNING.findall(response.get_data(as_text=True))
        assert "31/03/2026 23:59" in message  # the deadline, in local time
        response = client.post(
            entry_page(entry) + "/submit",
            data={"csrf_token": token, "lock_version": before[0]},
            follow_redirects=True,
        )
        [message] = FLASH_WARNING.findall(response.get_data(as_text=True))
        assert "31/03/2026 23:59" in message
    entry = fresh(db, entry)
    assert (entry.lock_version, entry.summary) == before
    assert entry.status == EntryStatus.DRAFT and entry.code is None
    assert versions(db, entry) == []
    assert len(mailbox) == 0


def test_a_submission_at_the_deadline_itself_counts(app, client, db, factory):
    now = datetime(2026, 3, 31, 10, 0, tzinfo=UTC)
    deadline = datetime(2026, 3, 31, 16, 59, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        entry, leader = _window_world(app, factory, now - timedelta(days=30), deadline)
        login(client, leader.email)
        token = csrf_token(client, "/competitions/my")
    with time_machine.travel(deadline, tick=False):
        response = client.post(
            entry_page(entry) + "/submit", data={"csrf_token": token, "lock_version": 1}
        )
    assert response.status_code == 302
    assert [v.submitted_at for v in versions(db, entry)] == [deadline]


def test_before_the_window_opens_a_draft_saves_but_does_not_submit(app, client, db, factory):
    opens = utcnow() + timedelta(days=2)
    entry, leader = _window_world(app, factory, opens, opens + timedelta(days=10))
    login(client, leader.email)
    response = post_edit(client, entry, submit=True, traction="50 hộ dùng thử")
    assert response.status_code == 200
    [message] = FLASH_WARNING.findall(response.get_data(as_text=True))
    assert format_datetime(opens) in message  # when it opens, in local time
    entry = fresh(db, entry)
    assert entry.traction == "50 hộ dùng thử"
    assert entry.status == EntryStatus.DRAFT and versions(db, entry) == []


def test_the_dashboard_shows_the_deadline_in_local_time_and_the_time_left(app, client, factory):
    now = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    deadline = datetime(2026, 3, 31, 16, 59, tzinfo=UTC)  # 3 days 4 hours 59 minutes later
    with time_machine.travel(now, tick=False):
        entry, leader = _window_world(app, factory, now - timedelta(days=5), deadline)
        login(client, leader.email)
        html = client.get("/competitions/my").get_data(as_text=True)
    assert "31/03/2026 23:59" in html
    assert re.search(r'time-left">[^<]*\b3\b[^<]*\b4\b[^<]*<', html)


def test_paper_submissions_use_the_receipt_time(app, db, factory):
    opens = utcnow() - timedelta(days=10)
    closes = utcnow() - timedelta(days=1)
    entry, leader = _window_world(app, factory, opens, closes)
    organizer = factory.user(roles=(Role.ORGANIZER,), organizer_of=entry.competition.owner_unit)
    with in_request(app):
        with pytest.raises(EntryError) as refused:
            submit_entry(entry, by=organizer, paper=True, now=closes + timedelta(minutes=1))
        assert refused.value.reason == "late"
        version = submit_entry(entry, by=organizer, paper=True, now=closes - timedelta(hours=2))
    assert version.is_paper and version.submitted_by_id == organizer.id
    assert version.submitted_at == closes - timedelta(hours=2)
    assert entry.is_paper and entry.code.endswith("-0001")
    with pytest.raises(ValueError):
        submit_entry(entry, by=organizer, paper=True, now=datetime(2026, 1, 1))


def test_a_submission_outside_any_request_links_to_the_site(app, db, factory):
    """Commands (the demo seed, imports) submit without a request: the receipt's link
    comes from SITE_URL."""
    leader = factory.user()
    entry = complete(factory.entry(team=factory.team(leader=leader)), stored_pdf(leader))
    try:
        submit_entry(entry, by=leader)
    finally:
        g.pop("after_commit", None)
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == leader.id))
    assert f"{app.config['SITE_URL']}/competitions/entries/{entry.id}" in message.body_text
    assert entry.code in message.subject


# --- track limits ---------------------------------------------------------------------------


CLOSING = datetime(2036, 6, 15, 10, 0, tzinfo=UTC)  # 15/06/2036 17:00 in Vietnam


def _limited(app, db, factory, **limits: int | None) -> tuple[Entry, Team]:  # noqa: ANN001
    competition = factory.competition(closes=CLOSING)
    track = competition.tracks[0]
    for name, value in limits.items():
        setattr(track, name, value)
    leader = factory.user("Trần Văn Một")
    team = factory.team(leader=leader, members=(factory.user("Lê Thị Hai"),))
    with in_request(app):
        entry = complete(factory.entry(competition=competition, team=team), stored_pdf(leader))
    db.session.flush()
    return entry, team


def _submit(app, entry: Entry, user: User) -> EntryError | EntryVersion:  # noqa: ANN001
    with in_request(app):
        try:
            return submit_entry(entry, by=user)
        except EntryError as error:
            return error


def test_team_size_limits(app, db, factory):
    entry, team = _limited(app, db, factory, min_team_size=3, max_team_size=5)
    refused = _submit(app, entry, team.leader)
    assert isinstance(refused, EntryError) and refused.reason == "team_size"
    entry.track.min_team_size, entry.track.max_team_size = 1, 1
    refused = _submit(app, entry, team.leader)
    assert isinstance(refused, EntryError) and refused.reason == "team_size"
    entry.track.max_team_size = 2
    assert isinstance(_submit(app, entry, team.leader), EntryVersion)


def test_age_limits_on_the_closing_date(app, db, factory):
    entry, team = _limited(app, db, factory, min_age=15, max_age=18)
    refused = _submit(app, entry, team.leader)
    assert isinstance(refused, EntryError) and refused.reason == "birth_dates"
    assert set(refused.details["names"]) == {"Trần Văn Một", "Lê Thị Hai"}

    one, two = team.members
    one.date_of_birth = date(2020, 6, 16)  # 15 on the closing day
    two.date_of_birth = date(2017, 6, 15)  # turns 19 on the closing day: too old that day
    refused = _submit(app, entry, team.leader)
    assert isinstance(refused, EntryError) and refused.reason == "age"
    assert refused.details["names"] == ["Lê Thị Hai"]
    two.date_of_birth = date(2017, 6, 16)  # still 18 on the closing day
    one.date_of_birth = date(2021, 6, 16)  # 14 on the closing day, 15 the day after
    refused = _submit(app, entry, team.leader)
    assert isinstance(refused, EntryError) and refused.reason == "age"
    assert refused.details["names"] == ["Trần Văn Một"]
    one.date_of_birth = date(2021, 6, 15)  # 15 on the closing day
    assert isinstance(_submit(app, entry, team.leader), EntryVersion)


def test_a_refused_team_submission_shows_a_message_and_stores_no_version(app, client, db, factory):
    entry, team = _limited(app, db, factory, min_team_size=3)
    login(client, team.leader.email)
    response = post_form(
        client,
        entry_page(entry) + "/submit",
        {"lock_version": entry.lock_version},
        form_page=entry_page(entry),
        follow_redirects=True,
    )
    assert FLASH_WARNING.search(response.get_data(as_text=True))
    entry = fresh(db, entry)
    assert versions(db, entry) == [] and entry.status == EntryStatus.DRAFT and entry.code is None
    assert db.session.get(Track, entry.track_id).last_number == 0


# --- one entry per team, withdrawal ---------------------------------------------------------


def test_one_standing_entry_per_team_and_a_new_one_after_withdrawal(client, db, world):
    member = world.accounts["member"]
    login(client, member.email)
    start = f"/competitions/{world.competition.id}/enter"
    data = {"team_id": world.team.id, "track_id": world.track.id, "title": "Dự án thứ hai"}
    response = post_form(client, start, data)
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    count = select(func.count()).select_from(Entry).where(Entry.team_id == world.team.id)
    assert db.session.scalar(count) == 1

    response = post_form(
        client, entry_page(world.entry) + "/withdraw", {"reason": "Nhóm đổi hướng dự án"}
    )
    assert response.status_code == 302
    entry = fresh(db, world.entry)
    assert entry.status == EntryStatus.WITHDRAWN and entry.withdrawn_at is not None
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "entry.withdraw", AuditEvent.object_id == str(entry.id)
        )
    )
    assert event.actor_id == member.id and event.new["reason"] == "Nhóm đổi hướng dự án"
    assert len(versions(db, entry)) == 1  # kept

    # Withdrawn: no editing, no submitting, no second withdrawal.
    assert client.get(entry_page(entry) + "/edit").status_code == 302
    lock = entry.lock_version
    response = post_edit(client, entry, title="Sửa sau khi rút", **{"track_id": None})
    assert response.status_code == 302
    response = post_form(
        client,
        entry_page(entry) + "/submit",
        {"lock_version": lock},
        form_page="/competitions/my",
    )
    assert response.status_code == 302
    entry = fresh(db, entry)
    assert entry.title != "Sửa sau khi rút" and entry.status == EntryStatus.WITHDRAWN
    assert len(versions(db, entry)) == 1
    assert client.get(entry_page(entry) + "/withdraw").status_code == 302

    response = post_form(client, start, data)
    assert response.status_code == 302
    assert db.session.scalar(count) == 2


def test_only_a_member_may_start_an_entry_for_a_team(client, db, world, factory):
    stranger = world.accounts["participant"]
    own = factory.team(leader=stranger, name="Nhóm Của Khách")
    db.session.flush()
    login(client, stranger.email)
    response = post_form(
        client,
        f"/competitions/{world.competition.id}/enter",
        {"team_id": world.team.id, "track_id": world.track.id, "title": "Mạo danh"},
    )
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert db.session.scalar(select(Entry).where(Entry.title == "Mạo danh")) is None
    assert own.id != world.team.id


def test_a_closed_or_draft_competition_takes_no_new_entry(client, db, factory):
    leader = factory.user()
    team = factory.team(leader=leader)
    closed = factory.competition(
        opens=utcnow() - timedelta(days=20), closes=utcnow() - timedelta(seconds=1)
    )
    draft = factory.competition(status="draft", code="QD")
    db.session.flush()
    login(client, leader.email)
    for competition, status in ((closed, 302), (draft, 404)):
        response = post_form(
            client,
            f"/competitions/{competition.id}/enter",
            {"team_id": team.id, "track_id": competition.tracks[0].id, "title": "Muộn"},
            form_page="/competitions/my",
        )
        assert response.status_code == status
    assert db.session.scalar(select(Entry).where(Entry.title == "Muộn")) is None


# --- the dashboard --------------------------------------------------------------------------


def _dashboard_world(db, factory, user: User, n: int) -> None:  # noqa: ANN001
    """n entries of `user`, each in a competition of its own, in every state."""
    for i in range(n):
        competition = factory.competition(code=f"C{n}X{i}", title=f"Cuộc thi số {i}")
        team = factory.team(leader=user, name=f"Nhóm {i}", members=(factory.user(),))
        entry = complete(factory.entry(competition=competition, team=team), stored_pdf(user))
        if i % 3:
            submit_entry(entry, by=user)
        if i % 3 == 2:
            entry.summary += " (sửa)"
            submit_entry(entry, by=user)
        if i % 5 == 4:
            entry.status = EntryStatus.WITHDRAWN
            entry.withdrawn_at = utcnow()
    db.session.flush()


def test_the_dashboard_query_count_does_not_grow_with_entries(
    app, client, db, factory, count_queries
):
    counts = []
    for n in (3, 20):
        user = factory.user(f"Người Dùng {n}")
        with in_request(app):
            _dashboard_world(db, factory, user, n)
        browser = app.test_client()
        login(browser, user.email)
        with count_queries() as counted:
            response = browser.get("/competitions/my")
        assert response.status_code == 200
        assert response.get_data(as_text=True).count('class="card mb-3 entry-card"') == n
        counts.append(counted.n)
    assert counts[0] == counts[1], counts


def test_the_dashboard_lists_teams_entries_and_open_competitions(app, client, db, world):
    member = world.accounts["member"]
    login(client, member.email)
    html = client.get("/competitions/my").get_data(as_text=True)
    assert world.team.name in html
    assert world.entry.code in html
    # The team page is another topic's: linked when it exists, plain text otherwise.
    if "competitions.team_detail" in app.view_functions:
        assert f'href="/competitions/teams/{world.team.id}"' in html
    else:
        assert 'class="team-name"' in html
    # The only team already entered this competition: no start button for it.
    assert f"/competitions/{world.competition.id}/enter" not in html
    advisor = app.test_client()
    login(advisor, world.advisor.email)
    html = advisor.get("/competitions/my").get_data(as_text=True)
    assert world.entry.code in html and "role-advisor" in html
