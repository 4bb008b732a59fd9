"""Screening: the organizers' entry list (filters, search, counts), an entry's detail with
its eligibility review, bulk review, and paper submissions typed in for a team."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.db import db
from app.localtime import to_local
from app.mail.outbox import OutboxMessage
from app.people.models import Role, User
from app.storage import StoredFile
from app.units.models import Unit
from competitions.models import (
    Competition,
    Entry,
    EntryStatus,
    EntryVersion,
    Pool,
    Team,
    TeamMember,
)
from competitions.screening.services import ReviewError, review_entry
from tests.factories import MINIMAL_PDF
from tests.helpers import login, post_form
from tests.smtp import Mailbox

ROLES = ("anonymous", "participant", "member", "organizer", "other_organizer", "admin")
LOGIN = "login"

# fmt: off
#                  anonymous participant member organizer other_organizer admin
ORGANIZERS_ONLY = dict(zip(ROLES, (LOGIN, 403, 403, 200, 403, 200), strict=True))
ACCESS: dict[str, dict[str, int | str]] = {
    "competitions.review_list":   ORGANIZERS_ONLY,
    "competitions.review_detail": ORGANIZERS_ONLY,
    "competitions.review_paper":  ORGANIZERS_ONLY,
}
POST_ENDPOINTS = {"competitions.review_bulk"}
# fmt: on

ROW = re.compile(r'data-entry-id="(\d+)"')
UNIT_COUNT = re.compile(r'data-unit-id="(\d*)" data-count="(\d+)"')
TRACK_COUNT = re.compile(r'data-track-id="(\d+)" data-count="(\d+)"')
HTML_LANG = re.compile(r'<html lang="([a-z]+)"')
REASON = "Dự án không thuộc đối tượng của bảng thi này."


@dataclass
class World:
    top: Unit  # the organizer's unit, owner of the competition
    ward: Unit
    school: Unit  # below the ward
    school2: Unit  # directly below the top
    elsewhere: Unit
    competition: Competition
    team: Team
    entry: Entry  # submitted
    accounts: dict[str, User]
    english_member: User


def submitted(factory, competition, team, title, *, track=None, status="submitted"):  # noqa: ANN001, ANN201
    """An entry as a team's submission leaves it: a code from its track's counter, a
    time, the team's unit."""
    entry = factory.entry(
        competition=competition, team=team, track=track, title=title, status=status
    )
    if status != EntryStatus.DRAFT:
        entry.track.last_number += 1
        entry.code = f"{competition.code}26-{entry.track.code}-{entry.track.last_number:04d}"
        entry.submitted_at = datetime.now(UTC) - timedelta(days=1)
    db.session.flush()  # the request reads the database, not this session
    return entry


@pytest.fixture()
def world(db, factory) -> World:
    city = factory.level("city", "Thành phố", 0)
    ward_level = factory.level("ward", "Phường", 2)
    school_level = factory.level("school", "Trường", 3)
    school_level.is_organisation = True
    top = factory.unit("Thành phố Đà Nẵng", level=city)
    ward = factory.unit("Phường Hải Châu", parent=top, level=ward_level)
    school = factory.unit("Trường THPT Phan Châu Trinh", parent=ward, level=school_level)
    school2 = factory.unit("Trường THPT Trần Phú", parent=top, level=school_level)
    elsewhere = factory.unit("Thành phố Huế", level=city)
    member = factory.user("Lê Văn An", roles=(Role.PARTICIPANT,))
    english_member = factory.user("Trần Thị Bình", roles=(Role.PARTICIPANT,))
    english_member.locale = "en"
    accounts = {
        "participant": factory.user("Phạm Văn Chiến", roles=(Role.PARTICIPANT,)),
        "member": member,
        "organizer": factory.user("Đặng Văn Hùng", roles=(Role.ORGANIZER,), organizer_of=top),
        "other_organizer": factory.user(
            "Hoàng Thị Dung", roles=(Role.ORGANIZER,), organizer_of=elsewhere
        ),
        "admin": factory.user("Võ Thị Sáu", roles=(Role.ADMIN,)),
    }
    competition = factory.competition(owner_unit=top)
    team = factory.team(leader=member, name="Nhóm Hạt Mầm", members=(english_member,), unit=school)
    entry = submitted(factory, competition, team, "Máy sấy nông sản dùng năng lượng mặt trời")
    db.session.flush()
    return World(
        top=top,
        ward=ward,
        school=school,
        school2=school2,
        elsewhere=elsewhere,
        competition=competition,
        team=team,
        entry=entry,
        accounts=accounts,
        english_member=english_member,
    )


def sign_in(client, world: World, role: str) -> None:  # noqa: ANN001
    if role != "anonymous":
        assert login(client, world.accounts[role].email).status_code == 302


def list_url(world: World, **args) -> str:  # noqa: ANN003
    from urllib.parse import urlencode

    query = urlencode(args)
    return f"/competitions/{world.competition.id}/entries" + (f"?{query}" if query else "")


def rows(response) -> list[int]:  # noqa: ANN001
    assert response.status_code == 200
    return [int(i) for i in ROW.findall(response.get_data(as_text=True))]


def entry_state(db, entry_id: int) -> tuple:  # noqa: ANN001
    entry = db.session.get(Entry, entry_id)
    return entry.status, entry.review_reason, entry.reviewed_by_id, entry.reviewed_at


def count(db, model, *where) -> int:  # noqa: ANN001
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def review_audits(db, entry_id: int) -> list[AuditEvent]:  # noqa: ANN001
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "entry.review", AuditEvent.object_id == str(entry_id))
            .order_by(AuditEvent.id)
        )
    )


# --- access ---------------------------------------------------------------------------------


def sample_url(world: World, endpoint: str) -> str:
    return {
        "competitions.review_list": f"/competitions/{world.competition.id}/entries",
        "competitions.review_detail": f"/competitions/entries/{world.entry.id}/review",
        "competitions.review_paper": f"/competitions/{world.competition.id}/entries/paper",
    }[endpoint]


@pytest.mark.parametrize("role", ROLES)
def test_access(client, world, role):
    sign_in(client, world, role)
    wrong = {}
    for endpoint, answers in ACCESS.items():
        url = sample_url(world, endpoint)
        response = client.get(url)
        got: int | str = response.status_code
        if got == 302 and "/auth/login" in response.headers["Location"]:
            got = LOGIN
        if got != answers[role]:
            wrong[endpoint] = f"expected {answers[role]}, got {got}"
    assert wrong == {}


def test_missing_competition_or_entry_is_404(client, world):
    sign_in(client, world, "organizer")
    assert client.get("/competitions/999999/entries").status_code == 404
    assert client.get("/competitions/999999/entries/paper").status_code == 404
    assert client.get("/competitions/entries/999999/review").status_code == 404


def test_an_organizer_of_a_unit_above_the_owner_manages_it(client, db, factory, world):
    """Organizers of an ancestor of the owner unit manage the competition too."""
    below = factory.competition(title="Cuộc thi cấp phường", owner_unit=world.ward, code="HC")
    sign_in(client, world, "organizer")
    assert client.get(f"/competitions/{below.id}/entries").status_code == 200


# --- the list -------------------------------------------------------------------------------


def test_drafts_are_hidden_withdrawn_entries_are_shown(client, db, factory, world):
    c, team = world.competition, world.team
    draft = submitted(factory, c, team, "Bản nháp chưa nộp", status="draft")
    withdrawn = submitted(factory, c, team, "Dự án đã rút", status="withdrawn")
    # A draft withdrawn before it was ever submitted is still only the team's business.
    abandoned = submitted(factory, c, team, "Nháp bỏ dở", status="draft")
    abandoned.status = EntryStatus.WITHDRAWN
    db.session.flush()
    sign_in(client, world, "organizer")
    shown = rows(client.get(list_url(world)))
    assert world.entry.id in shown and withdrawn.id in shown
    assert draft.id not in shown and abandoned.id not in shown
    assert client.get(f"/competitions/entries/{draft.id}/review").status_code == 404


def test_list_is_sorted_by_code_then_title_and_paginated(client, db, factory, world):
    for n in range(54):
        submitted(factory, world.competition, world.team, f"Dự án số {n}")
    sign_in(client, world, "organizer")
    first = rows(client.get(list_url(world)))
    second = rows(client.get(list_url(world, page=2)))
    assert len(first) == 50 and len(second) == 5
    assert set(first).isdisjoint(second)
    codes = [db.session.get(Entry, i).code for i in first + second]
    assert codes == sorted(codes)


def test_links_ignore_query_keys_that_are_not_the_pages(client, factory, world):
    """A key of the path or an option of url_for typed into the query (a crafted link) is
    left out of the page's links instead of breaking the page."""
    for n in range(51):
        submitted(factory, world.competition, world.team, f"Dự án số {n}")
    sign_in(client, world, "organizer")
    url = list_url(world, competition_id=1, _scheme="javascript", _anchor="x", q="Dự án")
    page = client.get(url)
    assert page.status_code == 200
    pager = re.findall(r'class="page-link" href="([^"]+)"', page.get_data(as_text=True))
    base = f"/competitions/{world.competition.id}/entries"
    assert pager == [f"{base}?q=D%E1%BB%B1+%C3%A1n&amp;page=2"]


def test_filters_by_track_status_unit_and_below(client, factory, world):
    c = world.competition
    thpt, sv = c.tracks
    other_team = factory.team(name="Nhóm Sao Mai", unit=world.school2)
    no_unit_team = factory.team(name="Nhóm Tự Do")
    in_school2 = submitted(factory, c, other_team, "Ứng dụng học tiếng Anh", track=sv)
    accepted = submitted(factory, c, other_team, "Nước mắm sạch", track=sv, status="accepted")
    loose = submitted(factory, c, no_unit_team, "Gốm Thanh Hà", track=sv)
    sign_in(client, world, "organizer")

    assert set(rows(client.get(list_url(world, track=thpt.id)))) == {world.entry.id}
    assert set(rows(client.get(list_url(world, track=sv.id)))) == {
        in_school2.id,
        accepted.id,
        loose.id,
    }
    assert set(rows(client.get(list_url(world, status="accepted")))) == {accepted.id}
    # The city holds both schools (one of them below a ward); the ward only one.
    assert set(rows(client.get(list_url(world, unit=world.top.id)))) == {
        world.entry.id, in_school2.id, accepted.id,
    }  # fmt: skip
    assert set(rows(client.get(list_url(world, unit=world.ward.id)))) == {world.entry.id}
    assert set(rows(client.get(list_url(world, unit=world.school2.id, status="submitted")))) == {
        in_school2.id
    }


def test_filters_by_round_and_pool(client, db, factory, world):
    c = world.competition
    thpt, sv = c.tracks
    first, second = c.rounds
    other_team = factory.team(name="Nhóm Sao Mai", unit=world.school2)
    in_school2 = submitted(factory, c, other_team, "Ứng dụng học tiếng Anh", track=sv)
    track_pool = Pool(round_id=first.id, name="Bảng THPT", track_id=thpt.id)
    unit_pool = Pool(round_id=first.id, name="Phường Hải Châu", unit_id=world.ward.id)
    elsewhere = factory.competition(title="Cuộc thi khác", owner_unit=world.top, code="KH")
    foreign_pool = Pool(round_id=elsewhere.rounds[0].id, name="Bảng khác", track_id=thpt.id)
    db.session.add_all([track_pool, unit_pool, foreign_pool])
    db.session.flush()
    sign_in(client, world, "organizer")

    everything = {world.entry.id, in_school2.id}
    assert set(rows(client.get(list_url(world, round=first.id)))) == everything
    assert rows(client.get(list_url(world, round=second.id))) == []
    assert set(rows(client.get(list_url(world, pool=track_pool.id)))) == {world.entry.id}
    assert set(rows(client.get(list_url(world, pool=unit_pool.id)))) == {world.entry.id}
    # Rows of another competition are no filter at all.
    assert set(rows(client.get(list_url(world, pool=foreign_pool.id)))) == everything
    assert set(rows(client.get(list_url(world, track=elsewhere.tracks[0].id)))) == everything
    assert set(rows(client.get(list_url(world, unit="abc", status="nonsense")))) == everything


def test_search_ignores_diacritics_and_case(client, factory, world):
    c = world.competition
    leader = factory.user("Nguyễn Thị Hoa")
    team = factory.team(leader=leader, name="Nhóm Đất Lành", unit=world.school2)
    other = submitted(factory, c, team, "Ứng dụng học tiếng Anh", track=c.tracks[1])
    sign_in(client, world, "organizer")
    assert rows(client.get(list_url(world, q="may say nong san"))) == [world.entry.id]
    assert rows(client.get(list_url(world, q="MÁY SẤY"))) == [world.entry.id]
    assert other.code == "QN26-SV-0001"
    assert rows(client.get(list_url(world, q="qn26-sv-0001"))) == [other.id]
    assert rows(client.get(list_url(world, q="dat lanh"))) == [other.id]
    assert rows(client.get(list_url(world, q="nguyen thi hoa"))) == [other.id]
    assert rows(client.get(list_url(world, q="le van an"))) == [world.entry.id]


def test_search_treats_sql_and_wildcards_as_text(client, factory, world):
    percent = submitted(factory, world.competition, world.team, "Giảm 50% rác thải nhựa")
    sign_in(client, world, "organizer")
    assert rows(client.get(list_url(world, q="' OR 1=1 --"))) == []
    assert rows(client.get(list_url(world, q="%"))) == [percent.id]
    assert rows(client.get(list_url(world, q="_"))) == []
    assert rows(client.get(list_url(world, q="x" * 500))) != []  # too long: no search


def test_counts_per_unit_and_track_follow_the_filters(client, factory, world):
    c = world.competition
    thpt, sv = c.tracks
    other_team = factory.team(name="Nhóm Sao Mai", unit=world.school2)
    no_unit_team = factory.team(name="Nhóm Tự Do")
    submitted(factory, c, other_team, "Ứng dụng học tiếng Anh", track=sv)
    submitted(factory, c, other_team, "Nước mắm sạch", track=sv, status="accepted")
    submitted(factory, c, other_team, "Nón lá", track=thpt)
    submitted(factory, c, no_unit_team, "Gốm Thanh Hà", track=sv)
    submitted(factory, c, other_team, "Bản nháp", track=sv, status="draft")
    sign_in(client, world, "organizer")

    html = client.get(list_url(world)).get_data(as_text=True)
    assert dict(UNIT_COUNT.findall(html)) == {
        str(world.school.id): "1",
        str(world.school2.id): "3",
        "": "1",
    }
    assert dict(TRACK_COUNT.findall(html)) == {str(thpt.id): "2", str(sv.id): "3"}

    html = client.get(list_url(world, track=sv.id)).get_data(as_text=True)
    assert dict(UNIT_COUNT.findall(html)) == {str(world.school2.id): "2", "": "1"}
    assert dict(TRACK_COUNT.findall(html)) == {str(sv.id): "3"}


def test_the_list_takes_the_same_number_of_queries_for_3_and_30_entries(
    client, factory, world, count_queries
):
    c = world.competition
    sign_in(client, world, "organizer")

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            unit = factory.unit(f"Trường số {i}", parent=world.ward, level=world.school.level)
            team = factory.team(leader=factory.user(f"Người Thứ {i}"), name=f"Nhóm {i}", unit=unit)
            submitted(factory, c, team, f"Dự án {i}", track=c.tracks[i % 2])

    add(2, 0)
    with count_queries() as few:
        assert len(rows(client.get(list_url(world)))) == 3
    add(27, 2)
    with count_queries() as many:
        assert len(rows(client.get(list_url(world)))) == 30
    assert few.n == many.n, many.statements


def test_user_text_is_escaped(client, factory, world):
    team = factory.team(name='"><img src=x onerror=alert(1)>', unit=world.school2)
    entry = submitted(factory, world.competition, team, "<script>alert(1)</script>")
    sign_in(client, world, "organizer")
    for url in (list_url(world), f"/competitions/entries/{entry.id}/review"):
        html = client.get(url).get_data(as_text=True)
        assert "<img src=x" not in html and "<script>alert(1)" not in html


# --- the detail -----------------------------------------------------------------------------


def test_detail_shows_team_members_advisor_versions_and_files(client, db, factory, world):
    advisor = factory.user("Huỳnh Thị Thu", email="thu.gv@example.vn")
    world.team.advisor = advisor
    member = db.session.scalar(
        select(TeamMember).where(TeamMember.user_id == world.english_member.id)
    )
    member.phone, member.class_or_major = "0905123456", "Lớp 11A2"
    deck = StoredFile(
        stored_name="ab/cd/abcdef", original_name="Bài thuyết trình Máy sấy.pdf",
        content_type="application/pdf", size=2048, sha256="0" * 64,
    )  # fmt: skip
    db.session.add(deck)
    db.session.flush()
    version = EntryVersion(
        entry=world.entry, number=1, submitted_by_id=world.accounts["member"].id,
        content={**world.entry.content(), "summary": "Tóm tắt đã nộp"}, deck_file_id=deck.id,
        image_file_ids=[], is_paper=False,
    )  # fmt: skip
    world.entry.summary = "Sửa đổi chưa nộp"
    db.session.add(version)
    db.session.flush()
    sign_in(client, world, "organizer")
    html = client.get(f"/competitions/entries/{world.entry.id}/review").get_data(as_text=True)
    for text in ("Nhóm Hạt Mầm", "Lê Văn An", "Trần Thị Bình", "0905123456", "Lớp 11A2",
                 "Huỳnh Thị Thu", "thu.gv@example.vn", "Trường THPT Phan Châu Trinh",
                 "Tóm tắt đã nộp", "Bài thuyết trình Máy sấy.pdf", 'data-version="1"'):  # fmt: skip
        assert text in html, text
    # The team's edits since its last submission stay the team's.
    assert "Sửa đổi chưa nộp" not in html
    link = f"/competitions/entries/{world.entry.id}/files/{deck.id}"
    assert (link in html) == ("competitions.entry_file" in client.application.view_functions)


# --- eligibility review ---------------------------------------------------------------------


def review(client, entry_id: int, decision: str, reason: str = ""):  # noqa: ANN001, ANN201
    url = f"/competitions/entries/{entry_id}/review"
    return post_form(client, url, {"decision": decision, "reason": reason}, form_page=url)


def test_accepting_records_audits_and_emails_every_member_in_their_language(
    client, db, world, mailbox
):
    sign_in(client, world, "organizer")
    response = review(client, world.entry.id, "accept")
    assert response.status_code == 302
    status, reason, reviewer, reviewed_at = entry_state(db, world.entry.id)
    assert (status, reason, reviewer) == ("accepted", None, world.accounts["organizer"].id)
    assert reviewed_at is not None
    [event] = review_audits(db, world.entry.id)
    assert event.old["status"] == "submitted" and event.new["status"] == "accepted"
    assert event.actor_id == world.accounts["organizer"].id
    vietnamese = mailbox.last_to(world.accounts["member"].email)
    english = mailbox.last_to(world.english_member.email)
    assert HTML_LANG.search(Mailbox.html(vietnamese)).group(1) == "vi"
    assert HTML_LANG.search(Mailbox.html(english)).group(1) == "en"
    assert "Máy sấy nông sản" in Mailbox.text(vietnamese)
    assert len(mailbox) == 2


def test_rejecting_needs_a_reason_and_without_one_nothing_changes(client, db, world, mailbox):
    sign_in(client, world, "organizer")
    before = entry_state(db, world.entry.id)
    for reason in ("", "   ", "quá ngắn"):
        response = review(client, world.entry.id, "reject", reason)
        assert response.status_code == 200
        assert "invalid-feedback" in response.get_data(as_text=True)
    assert entry_state(db, world.entry.id) == before
    assert review_audits(db, world.entry.id) == []
    assert count(db, OutboxMessage) == 0 and len(mailbox) == 0


def test_rejecting_with_a_reason_tells_the_team_why(client, db, world, mailbox):
    sign_in(client, world, "organizer")
    assert review(client, world.entry.id, "reject", REASON).status_code == 302
    status, reason, _, _ = entry_state(db, world.entry.id)
    assert (status, reason) == ("rejected", REASON)
    for person in (world.accounts["member"], world.english_member):
        assert REASON in Mailbox.text(mailbox.last_to(person.email))


def test_a_decision_can_be_changed_with_a_reason(client, db, world, mailbox):
    sign_in(client, world, "organizer")
    assert review(client, world.entry.id, "accept", "").status_code == 302
    # Changing it needs a reason, even towards acceptance.
    assert review(client, world.entry.id, "reject", "").status_code == 200
    assert review(client, world.entry.id, "reject", REASON).status_code == 302
    assert review(client, world.entry.id, "accept", "").status_code == 200
    assert entry_state(db, world.entry.id)[0] == "rejected"
    note = "Đã bổ sung giấy xác nhận của nhà trường."
    assert review(client, world.entry.id, "accept", note).status_code == 302
    assert entry_state(db, world.entry.id)[:2] == ("accepted", note)
    audits = [(e.old["status"], e.new["status"]) for e in review_audits(db, world.entry.id)]
    assert audits == [("submitted", "accepted"), ("accepted", "rejected"), ("rejected", "accepted")]
    assert len(mailbox) == 6  # three decisions × two members


def test_the_same_decision_twice_changes_nothing(client, db, world, mailbox):
    sign_in(client, world, "organizer")
    assert review(client, world.entry.id, "accept").status_code == 302
    before = entry_state(db, world.entry.id)
    response = review(client, world.entry.id, "accept", "Ghi chú thêm cho nhóm.")
    assert response.status_code == 200
    assert entry_state(db, world.entry.id) == before
    assert len(review_audits(db, world.entry.id)) == 1 and len(mailbox) == 2


def test_a_withdrawn_entry_cannot_be_reviewed(client, db, factory, world, mailbox):
    withdrawn = submitted(factory, world.competition, world.team, "Đã rút", status="withdrawn")
    sign_in(client, world, "organizer")
    url = f"/competitions/entries/{withdrawn.id}/review"
    page = client.get(url).get_data(as_text=True)
    assert 'id="not-reviewable"' in page and 'name="decision"' not in page
    response = post_form(
        client, url, {"decision": "reject", "reason": REASON}, form_page=list_url(world)
    )
    assert response.status_code == 200
    assert "alert-danger" in response.get_data(as_text=True)
    assert entry_state(db, withdrawn.id)[0] == "withdrawn"
    assert review_audits(db, withdrawn.id) == [] and len(mailbox) == 0


def test_a_draft_cannot_be_reviewed(client, db, factory, world, mailbox):
    draft = submitted(factory, world.competition, world.team, "Bản nháp", status="draft")
    sign_in(client, world, "organizer")
    url = f"/competitions/entries/{draft.id}/review"
    response = post_form(
        client, url, {"decision": "accept", "reason": ""}, form_page=list_url(world)
    )
    assert response.status_code == 404
    assert entry_state(db, draft.id)[0] == "draft" and len(mailbox) == 0
    with pytest.raises(ReviewError) as refused:
        review_entry(draft, EntryStatus.ACCEPTED, "", by=world.accounts["organizer"])
    assert refused.value.reason == "not_reviewable"


@pytest.mark.parametrize("role", ["other_organizer", "member", "participant"])
def test_others_cannot_review(client, db, world, mailbox, role):
    sign_in(client, world, role)
    before = entry_state(db, world.entry.id)
    url = f"/competitions/entries/{world.entry.id}/review"
    response = post_form(
        client, url, {"decision": "reject", "reason": REASON}, form_page="/dashboard"
    )
    assert response.status_code == 403
    assert entry_state(db, world.entry.id) == before
    assert review_audits(db, world.entry.id) == [] and len(mailbox) == 0


def test_a_review_without_a_csrf_token_is_refused(client, db, world):
    sign_in(client, world, "organizer")
    response = client.post(
        f"/competitions/entries/{world.entry.id}/review", data={"decision": "accept"}
    )
    assert response.status_code == 400
    assert entry_state(db, world.entry.id)[0] == "submitted"


# --- bulk review ----------------------------------------------------------------------------


def bulk(client, world: World, data: dict, **kwargs):  # noqa: ANN001, ANN003, ANN201
    return post_form(
        client,
        f"/competitions/{world.competition.id}/entries/bulk",
        data,
        form_page=list_url(world),
        **kwargs,
    )


def test_bulk_accept_skips_what_it_may_not_review_and_ignores_other_competitions(
    client, db, factory, world, mailbox
):
    c = world.competition
    solo = factory.team(leader=factory.user("Đoàn Văn Lợi"), name="Nhóm Một Mình")
    second = submitted(factory, c, solo, "Nón lá xuất khẩu")
    withdrawn = submitted(factory, c, solo, "Đã rút", status="withdrawn")
    draft = submitted(factory, c, solo, "Nháp", status="draft")
    # Managed by the same organizer, but not this competition: its id must be ignored.
    elsewhere = factory.competition(title="Cuộc thi khác", owner_unit=world.top, code="KH")
    foreign = submitted(factory, elsewhere, solo, "Dự án cuộc thi khác")
    sign_in(client, world, "organizer")
    ids = [world.entry.id, second.id, withdrawn.id, draft.id, foreign.id]
    response = bulk(client, world, {"entry_ids": ids, "decision": "accept", "reason": ""})
    assert response.status_code == 302
    assert entry_state(db, world.entry.id)[0] == "accepted"
    assert entry_state(db, second.id)[0] == "accepted"
    assert entry_state(db, withdrawn.id)[0] == "withdrawn"
    assert entry_state(db, draft.id)[0] == "draft"
    assert entry_state(db, foreign.id) == ("submitted", None, None, None)
    assert review_audits(db, foreign.id) == []
    assert len(review_audits(db, world.entry.id)) == len(review_audits(db, second.id)) == 1
    # One email per entry and member: two members, then one.
    assert sorted(m["To"] for m in mailbox) == sorted(
        [world.accounts["member"].email, world.english_member.email, solo.leader.email]
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "alert-warning" in page  # the skipped ones are counted


def test_bulk_reject_needs_a_reason(client, db, world, mailbox):
    sign_in(client, world, "organizer")
    before = entry_state(db, world.entry.id)
    response = bulk(client, world, {"entry_ids": [world.entry.id], "decision": "reject"})
    assert response.status_code == 302
    assert entry_state(db, world.entry.id) == before
    # Refused as a whole, with the form's message, not entry by entry.
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "alert-danger" in page and "alert-warning" not in page
    assert count(db, OutboxMessage) == 0 and len(mailbox) == 0
    response = bulk(
        client, world, {"entry_ids": [world.entry.id], "decision": "reject", "reason": REASON}
    )
    assert entry_state(db, world.entry.id)[:2] == ("rejected", REASON)


def test_bulk_change_of_decision_needs_a_reason(client, db, factory, world):
    sign_in(client, world, "organizer")
    bulk(client, world, {"entry_ids": [world.entry.id], "decision": "accept"})
    bulk(client, world, {"entry_ids": [world.entry.id], "decision": "reject", "reason": REASON})
    bulk(client, world, {"entry_ids": [world.entry.id], "decision": "accept", "reason": ""})
    assert entry_state(db, world.entry.id)[0] == "rejected"


@pytest.mark.parametrize("role", ["other_organizer", "member", "participant"])
def test_others_cannot_bulk_review(client, db, world, mailbox, role):
    sign_in(client, world, role)
    before = entry_state(db, world.entry.id)
    response = post_form(
        client,
        f"/competitions/{world.competition.id}/entries/bulk",
        {"entry_ids": [world.entry.id], "decision": "reject", "reason": REASON},
        form_page="/dashboard",
    )
    assert response.status_code == 403
    assert entry_state(db, world.entry.id) == before and len(mailbox) == 0


def test_anonymous_bulk_review_goes_to_sign_in(client, db, world):
    response = post_form(
        client,
        f"/competitions/{world.competition.id}/entries/bulk",
        {"entry_ids": [world.entry.id], "decision": "accept"},
        form_page="/auth/login",
    )
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert entry_state(db, world.entry.id)[0] == "submitted"


def test_bulk_returns_to_the_filtered_list_and_nowhere_else(client, world):
    sign_in(client, world, "organizer")
    response = bulk(
        client,
        world,
        {
            "entry_ids": [world.entry.id],
            "decision": "accept",
            "back": "status=submitted&q=m%C3%A1y&next=//evil.example&page=2",
        },
    )
    location = response.headers["Location"]
    assert location.startswith(f"/competitions/{world.competition.id}/entries?")
    assert "status=submitted" in location and "evil" not in location and "next" not in location


# --- paper submissions ----------------------------------------------------------------------


def local_text(moment: datetime) -> str:
    return to_local(moment).strftime("%d/%m/%Y %H:%M")


def paper_data(**overrides) -> dict:  # noqa: ANN003
    data = {
        "team_mode": "new",
        "team_name": "Nhóm Lúa Vàng",
        "leader_name": "Nguyễn Văn Bảy",
        "leader_email": "bay.lua@example.vn",
        "leader_phone": "0905 111 222",
        "team_unit": 0,
        "title": "Phân bón hữu cơ từ rơm rạ",
        "summary": "Biến rơm rạ thành phân bón.",
        "problem": "Đốt rơm gây ô nhiễm.",
        "solution": "Ủ rơm với chế phẩm vi sinh.",
        "stage": "prototype",
        "video_url": "https://www.youtube.com/watch?v=abc",
        "received_at": local_text(datetime.now(UTC) - timedelta(hours=2)),
        "deck_file": (io.BytesIO(MINIMAL_PDF), "Hồ sơ dự thi.pdf"),
    }
    data.update(overrides)
    return data


def paper_post(client, world: World, data: dict, competition: Competition | None = None):  # noqa: ANN001, ANN201
    url = f"/competitions/{(competition or world.competition).id}/entries/paper"
    data.setdefault("track_id", (competition or world.competition).tracks[0].id)
    return post_form(client, url, data, form_page=url, content_type="multipart/form-data")


def stored_rows(db) -> tuple[int, int, int, int, int]:  # noqa: ANN001
    return (
        count(db, Entry),
        count(db, Team),
        count(db, User),
        count(db, StoredFile),
        count(db, EntryVersion),
    )


def test_paper_submission_for_a_new_team_makes_the_leader_an_account(client, db, world, mailbox):
    sign_in(client, world, "organizer")
    response = paper_post(client, world, paper_data())
    assert response.status_code == 302, response.get_data(as_text=True)
    leader = db.session.scalar(select(User).where(User.email == "bay.lua@example.vn"))
    assert leader.password_hash is None and leader.has_role(Role.PARTICIPANT)
    team = db.session.scalar(select(Team).where(Team.leader_id == leader.id))
    assert [m.full_name for m in team.members] == ["Nguyễn Văn Bảy"]
    entry = db.session.scalar(select(Entry).where(Entry.team_id == team.id))
    assert entry.is_paper and entry.status == "submitted" and entry.code
    assert entry.created_by_id == world.accounts["organizer"].id
    [version] = entry.versions
    assert version.is_paper and version.submitted_by_id == world.accounts["organizer"].id
    assert entry.deck.original_name == "Hồ sơ dự thi.pdf"
    assert response.headers["Location"].endswith(f"/competitions/entries/{entry.id}/review")
    received = [Mailbox.text(m) for m in mailbox.to("bay.lua@example.vn")]
    assert len(received) == 2  # the activation link and the receipt
    assert any("/auth/activate/" in text for text in received)
    assert any(entry.code in text for text in received)


def test_paper_submission_reuses_the_account_of_a_known_email(client, db, factory, world, mailbox):
    known = factory.user("Nguyễn Văn Bảy", email="bay.lua@example.vn")
    users = count(db, User)
    sign_in(client, world, "organizer")
    assert (
        paper_post(client, world, paper_data(leader_email="Bay.Lua@Example.vn")).status_code == 302
    )
    assert count(db, User) == users
    team = db.session.scalar(select(Team).where(Team.name == "Nhóm Lúa Vàng"))
    assert team.leader_id == known.id
    assert not any("/auth/activate/" in Mailbox.text(m) for m in mailbox.to(known.email))
    assert len(mailbox.to(known.email)) == 1  # the receipt


def test_paper_submission_for_an_existing_team_found_by_search(client, db, factory, world):
    team = factory.team(name="Nhóm Đồng Xanh", unit=world.school2)
    sign_in(client, world, "organizer")
    page = client.get(
        f"/competitions/{world.competition.id}/entries/paper?team_q=dong xanh"
    ).get_data(as_text=True)
    assert f'value="{team.id}"' in page
    data = paper_data(team_mode="existing", team_id=team.id, team_q="dong xanh")
    assert paper_post(client, world, data).status_code == 302
    entry = db.session.scalar(select(Entry).where(Entry.team_id == team.id))
    assert entry.is_paper and entry.unit_id == world.school2.id


def test_paper_received_before_the_deadline_may_be_entered_after_it(client, db, factory, world):
    now = datetime.now(UTC)
    closed = factory.competition(
        title="Cuộc thi đã hết hạn", owner_unit=world.top, code="HH",
        opens=now - timedelta(days=20), closes=now - timedelta(days=1),
    )  # fmt: skip
    sign_in(client, world, "organizer")
    before = stored_rows(db)
    late = paper_data(received_at=local_text(now - timedelta(days=1) + timedelta(minutes=2)))
    response = paper_post(client, world, late, competition=closed)
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert stored_rows(db) == before
    in_time = paper_data(received_at=local_text(now - timedelta(days=2)))
    assert paper_post(client, world, in_time, competition=closed).status_code == 302
    assert count(db, Entry, Entry.competition_id == closed.id, Entry.is_paper) == 1


@pytest.mark.parametrize(
    "overrides",
    [
        {"video_url": "javascript:alert(1)"},
        {"deck_file": (io.BytesIO(b"<html><script>alert(1)</script></html>"), "deck.pdf")},
        {"deck_file": (io.BytesIO(MINIMAL_PDF), "deck.pdf.exe")},
        {"deck_file": (io.BytesIO(b""), "")},  # a paper entry needs its deck too
        {"received_at": "31/02/2026 10:00"},
        {"received_at": local_text(datetime.now(UTC) + timedelta(days=1))},
        {"leader_email": "không phải email"},
        {"team_name": ""},
        {"team_mode": "existing"},  # no team chosen
        {"title": ""},
    ],
    ids=[
        "javascript-link",
        "html-as-pdf",
        "exe",
        "no-deck",
        "bad-date",
        "future",
        "bad-email",
        "no-team-name",
        "no-team",
        "no-title",
    ],  # fmt: skip
)
def test_bad_paper_submissions_store_nothing(client, db, world, mailbox, overrides):
    sign_in(client, world, "organizer")
    before = stored_rows(db)
    response = paper_post(client, world, paper_data(**overrides))
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert stored_rows(db) == before
    assert len(mailbox) == 0


def test_a_team_with_an_active_entry_gets_no_second_one(client, db, world):
    sign_in(client, world, "organizer")
    data = paper_data(team_mode="existing", team_id=world.team.id)
    before = stored_rows(db)
    response = paper_post(client, world, data)
    assert response.status_code == 200 and "invalid-feedback" in response.get_data(as_text=True)
    assert stored_rows(db) == before


@pytest.mark.parametrize("role", ["other_organizer", "member"])
def test_others_cannot_enter_paper_submissions(client, db, world, mailbox, role):
    sign_in(client, world, role)
    before = stored_rows(db)
    url = f"/competitions/{world.competition.id}/entries/paper"
    data = paper_data(track_id=world.competition.tracks[0].id)
    response = post_form(
        client, url, data, form_page="/dashboard", content_type="multipart/form-data"
    )
    assert response.status_code == 403
    assert stored_rows(db) == before and len(mailbox) == 0
