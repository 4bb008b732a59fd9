"""Mentoring sessions: a mentor or a team logs a session of a published pair, the other side
confirms or disputes it once, the author edits or deletes it while pending, the team rates
confirmed sessions, either side marks agreed actions done; hours per pair, mentor and team;
inactive pairs reminded at most once a week; who sees and does what."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from accelerator.cohorts.errors import CohortError
from accelerator.models import (
    MatchStatus,
    MentoringSession,
    PairReminder,
    SessionAction,
    SessionStatus,
)
from accelerator.sessions import services
from app.audit import AuditEvent
from app.db import utcnow
from app.localtime import local_today
from tests.accelerator import sessions_world as sw
from tests.accelerator.cohorts_world import snapshot
from tests.accelerator.sessions_world import (
    ORGANIZERS_ONLY,
    PAIR_SIDES,
    PAIR_VIEWERS,
    ROLES,
    SIGNED_IN,
    day,
)
from tests.helpers import csrf_token, post_form
from tests.judging.roles import FLASH, LOGIN, answer, sign_in, sign_in_as

# fmt: off
#                         anon part judge mentor other_m leader member other_t org other_o admin
AUTHOR_ONLY = sw.answers(LOGIN, 404, 404, 200, 404, 403, 403, 404, 403, 404, 403)
ACCESS: dict[str, dict[str, int | str]] = {
    "accelerator.my_sessions": SIGNED_IN,
    "accelerator.pair": PAIR_VIEWERS,
    "accelerator.session_log": PAIR_SIDES,
    "accelerator.session_edit": AUTHOR_ONLY,  # a session the mentor logged
    "accelerator.cohort_sessions": ORGANIZERS_ONLY,
}
POST_ENDPOINTS = {
    "accelerator.session_delete",
    "accelerator.session_answer",
    "accelerator.session_rate",
    "accelerator.action_done",
    "accelerator.pair_remind",
}
# fmt: on


@pytest.fixture()
def s(db, factory) -> sw.Setting:  # noqa: ARG001
    return sw.build(factory)


def flashes(html: str) -> list[tuple[str, str]]:
    return [(kind, " ".join(text.split())) for kind, text in FLASH.findall(html)]


def pair_url(match) -> str:  # noqa: ANN001
    return f"/accelerator/mentoring/pairs/{match.id}"


def log_url(match) -> str:  # noqa: ANN001
    return f"{pair_url(match)}/sessions/new"


def form(**changes) -> dict:  # noqa: ANN003
    data = {
        "held_on": day(local_today() - timedelta(days=2)),
        "duration": "1,5",
        "format": "in_person",
        "topics": "Định giá, khách hàng đầu tiên",
        "notes": "Nhóm cần khảo sát 20 nông hộ.",
        "actions-0-text": "Khảo sát 20 nông hộ",
        "actions-0-due_on": day(local_today() + timedelta(days=14)),
        "actions-1-text": "Sửa bảng giá",
        "actions-1-due_on": "",
        "actions-2-text": "",
        "actions-2-due_on": "",
    }
    data.update(changes)
    return data


def sessions(db) -> list[MentoringSession]:  # noqa: ANN001
    return list(db.session.scalars(select(MentoringSession).order_by(MentoringSession.id)))


def audit_actions(db) -> list[str]:  # noqa: ANN001
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.like("mentoring.%"))
            .order_by(AuditEvent.id)
        )
    )


def post(client, url: str, data: dict, page: str):  # noqa: ANN001, ANN201
    return post_form(client, url, data, form_page=page)


def answer_session(client, session, value: str, note: str = ""):  # noqa: ANN001, ANN201
    return post(
        client,
        f"/accelerator/mentoring/sessions/{session.id}/answer",
        {"answer": value, "note": note},
        pair_url(session.match),
    )


def sign_out(client) -> None:  # noqa: ANN001
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/auth/profile")})


def page_flashes(client, match) -> list[tuple[str, str]]:  # noqa: ANN001
    return flashes(client.get(pair_url(match)).get_data(as_text=True))


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_access(client, db, s, role):
    session = sw.logged(s.match, s.accounts["mentor"])
    sign_in(client, s.accounts, role)
    where = {
        "accelerator.my_sessions": "/accelerator/mentoring/",
        "accelerator.pair": pair_url(s.match),
        "accelerator.session_log": log_url(s.match),
        "accelerator.session_edit": f"/accelerator/mentoring/sessions/{session.id}/edit",
        "accelerator.cohort_sessions": f"/accelerator/cohorts/{s.cohort.id}/sessions",
    }
    wrong = {}
    for endpoint, answers in ACCESS.items():
        got = answer(client.get(where[endpoint]))
        if got != answers[role]:
            wrong[endpoint] = f"expected {answers[role]}, got {got}"
    assert wrong == {}


@pytest.mark.parametrize(
    "role",
    ["anonymous", "participant", "judge", "other_mentor", "other_team", "other_organizer"],
)
def test_strangers_change_nothing(client, db, s, role):
    pending = sw.logged(s.match, s.accounts["mentor"])
    confirmed = sw.logged(s.match, s.accounts["leader"], logged_by="team", status="confirmed")
    action = SessionAction(session=pending, text="Khảo sát")
    db.session.add(action)
    quiet = sw.pair(s.base, s.match.cohort_team, s.accounts["judge"], weeks_ago=10)
    db.session.flush()
    sign_in(client, s.accounts, role)
    token = csrf_token(client, "/auth/login" if role == "anonymous" else "/auth/profile")
    before = snapshot()
    expected = LOGIN if role == "anonymous" else 404
    posts = {
        log_url(s.match): form(),
        f"/accelerator/mentoring/sessions/{pending.id}/edit": form(),
        f"/accelerator/mentoring/sessions/{pending.id}/delete": {},
        f"/accelerator/mentoring/sessions/{pending.id}/answer": {"answer": "confirm"},
        f"/accelerator/mentoring/sessions/{confirmed.id}/rate": {"rating": 5},
        f"/accelerator/mentoring/actions/{action.id}/done": {"done": "1"},
    }
    for url, data in posts.items():
        response = client.post(url, data={"csrf_token": token, **data})
        assert answer(response) == expected, url
    remind = f"/accelerator/cohorts/{s.cohort.id}/pairs/{quiet.id}/remind"
    response = client.post(remind, data={"csrf_token": token})
    assert answer(response) == (LOGIN if role == "anonymous" else 403)
    assert snapshot() == before


def test_organizers_read_but_do_not_write(client, db, s):
    pending = sw.logged(s.match, s.accounts["leader"], logged_by="team")
    sign_in(client, s.accounts, "organizer")
    html = client.get(pair_url(s.match)).get_data(as_text=True)
    assert f'data-session-id="{pending.id}"' in html and 'class="answer-form"' not in html
    before = snapshot()
    token = csrf_token(client, pair_url(s.match))
    for url, data in {
        log_url(s.match): form(),
        f"/accelerator/mentoring/sessions/{pending.id}/answer": {"answer": "confirm"},
    }.items():
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 403
    assert snapshot() == before


def test_each_side_sees_only_its_own_pairs(client, db, s):
    mine = sw.logged(s.match, s.accounts["mentor"], status="confirmed")
    theirs = sw.logged(s.other_match, s.accounts["other_mentor"], status="confirmed")
    proposed = sw.pair(
        s.base, s.other_match.cohort_team, s.accounts["mentor"], status=MatchStatus.PROPOSED
    )
    for role, shown, hidden in (
        ("mentor", s.match, s.other_match),
        ("member", s.match, s.other_match),
        ("other_mentor", s.other_match, s.match),
        ("other_team", s.other_match, s.match),
    ):
        sign_in(client, s.accounts, role)
        html = client.get("/accelerator/mentoring/").get_data(as_text=True)
        assert f'data-match-id="{shown.id}"' in html, role
        assert f'data-match-id="{hidden.id}"' not in html, role
        assert f'data-match-id="{proposed.id}"' not in html, role
        sign_out(client)
    # The organizers of the cohort's unit see every pair and every session.
    sign_in(client, s.accounts, "organizer")
    html = client.get(f"/accelerator/cohorts/{s.cohort.id}/sessions").get_data(as_text=True)
    assert f'data-match-id="{s.match.id}"' in html and f'data-match-id="{s.other_match.id}"' in html
    assert f'data-match-id="{proposed.id}"' not in html
    for match, session in ((s.match, mine), (s.other_match, theirs)):
        assert f'data-session-id="{session.id}"' in client.get(pair_url(match)).get_data(
            as_text=True
        )
    assert client.get(pair_url(proposed)).status_code == 404


# --- logging, answering ---------------------------------------------------------------------


def test_mentor_logs_a_session_the_team_confirms_it_once(client, db, s):
    sign_in(client, s.accounts, "mentor")
    response = post(client, log_url(s.match), form(), log_url(s.match))
    assert response.status_code == 302
    [session] = sessions(db)
    assert (session.duration_minutes, session.logged_by, session.status) == (
        90,
        "mentor",
        "pending",
    )
    assert session.held_on == local_today() - timedelta(days=2)
    assert session.author_id == s.accounts["mentor"].id and session.format == "in_person"
    assert [(a.text, a.due_on) for a in session.actions] == [
        ("Khảo sát 20 nông hộ", local_today() + timedelta(days=14)),
        ("Sửa bảng giá", None),
    ]
    # The mentor cannot confirm it.
    before = snapshot()
    answer_session(client, session, "confirm")
    assert snapshot() == before
    assert (
        "danger",
        "Your side logged this session: the other side confirms or disputes it.",
    ) in page_flashes(client, s.match)
    sign_out(client)

    # Any member of the team confirms it.
    sign_in(client, s.accounts, "member")
    html = client.get(pair_url(s.match)).get_data(as_text=True)
    assert "Khảo sát 20 nông hộ" in html and 'class="answer-form"' in html
    assert answer_session(client, session, "confirm").status_code == 302
    db.session.refresh(session)
    assert session.status == "confirmed" and session.answered_by_id == s.accounts["member"].id
    sign_out(client)

    # The leader answering again is refused.
    sign_in(client, s.accounts, "leader")
    before = snapshot()
    answer_session(client, session, "dispute", "Không đúng giờ")
    assert snapshot() == before
    assert ("danger", "This session has already been answered.") in page_flashes(client, s.match)
    assert audit_actions(db) == ["mentoring.session_log", "mentoring.session_confirm"]


def test_the_same_session_sent_twice_is_logged_once(client, db, s):
    """A double click or a second tab: the second post adds nothing and says why."""
    sign_in(client, s.accounts, "mentor")
    assert post(client, log_url(s.match), form(), log_url(s.match)).status_code == 302
    before = snapshot()
    again = post(client, log_url(s.match), form(), log_url(s.match))
    assert snapshot() == before
    assert len(sessions(db)) == 1
    assert again.status_code == 200
    assert "This session is already logged (same day, length and topics): nothing was added." in (
        " ".join(unescape(again.get_data(as_text=True)).split())
    )


def test_team_logs_a_session_the_mentor_disputes_it_with_a_note(client, db, s):
    sign_in(client, s.accounts, "leader")
    assert post(client, log_url(s.match), form(duration="2"), log_url(s.match)).status_code == 302
    [session] = sessions(db)
    assert (session.logged_by, session.duration_minutes) == ("team", 120)
    # Another member is on the same side: they cannot confirm it either.
    sign_out(client)
    sign_in(client, s.accounts, "member")
    before = snapshot()
    answer_session(client, session, "confirm")
    assert snapshot() == before
    sign_out(client)

    sign_in(client, s.accounts, "mentor")
    before = snapshot()
    answer_session(client, session, "dispute", "   ")
    assert snapshot() == before
    assert ("danger", "Say why you dispute this session.") in page_flashes(client, s.match)
    answer_session(client, session, "dispute", "Buổi này chỉ kéo dài 1 giờ.")
    db.session.refresh(session)
    assert (session.status, session.dispute_note) == ("disputed", "Buổi này chỉ kéo dài 1 giờ.")
    assert "Buổi này chỉ kéo dài 1 giờ." in client.get(pair_url(s.match)).get_data(as_text=True)


def test_the_author_edits_or_deletes_only_while_pending(client, db, s):
    session = sw.logged(s.match, s.accounts["mentor"])
    db.session.add(SessionAction(session=session, text="Sửa bảng giá", done_at=utcnow()))
    db.session.flush()
    edit = f"/accelerator/mentoring/sessions/{session.id}/edit"
    sign_in(client, s.accounts, "mentor")
    html = client.get(edit).get_data(as_text=True)
    assert 'value="1,5"' in html or 'value="1.5"' in html
    data = form(
        duration="0,75",
        topics="Gọi vốn",
        **{"actions-0-text": "Sửa bảng giá", "actions-1-text": "Gửi báo giá"},
    )
    assert post(client, edit, data, edit).status_code == 302
    db.session.refresh(session)
    assert (session.duration_minutes, session.topics) == (45, "Gọi vốn")
    # The done mark stays with the action whose text did not change.
    assert [(a.text, a.done_at is not None) for a in session.actions] == [
        ("Sửa bảng giá", True),
        ("Gửi báo giá", False),
    ]

    session.status = SessionStatus.CONFIRMED
    db.session.flush()
    before = snapshot()
    post(client, edit, form(duration="3"), edit)
    post(client, f"/accelerator/mentoring/sessions/{session.id}/delete", {}, pair_url(s.match))
    assert snapshot() == before
    assert (
        "danger",
        "This session has been answered: it can no longer be changed or deleted.",
    ) in page_flashes(client, s.match)

    session.status = SessionStatus.PENDING
    db.session.flush()
    post(client, f"/accelerator/mentoring/sessions/{session.id}/delete", {}, pair_url(s.match))
    assert sessions(db) == []
    assert db.session.scalar(select(func.count()).select_from(SessionAction)) == 0
    assert audit_actions(db) == ["mentoring.session_edit", "mentoring.session_delete"]


def test_another_member_cannot_edit_what_the_leader_logged(client, db, s):
    session = sw.logged(s.match, s.accounts["leader"], logged_by="team")
    sign_in(client, s.accounts, "member")
    token = csrf_token(client, pair_url(s.match))
    before = snapshot()
    url = f"/accelerator/mentoring/sessions/{session.id}"
    assert client.post(f"{url}/edit", data={"csrf_token": token, **form()}).status_code == 403
    client.post(f"{url}/delete", data={"csrf_token": token})
    assert snapshot() == before
    assert (
        "danger",
        "Only the person who logged this session can change it.",
    ) in page_flashes(client, s.match)


# --- bad input ------------------------------------------------------------------------------

DURATION_MESSAGE = "Enter the duration in hours as a number, e.g. 1,5 for an hour and a half."
TOO_LONG = "A session lasts at most 12 hours: type the hours, e.g. 1,5 for an hour and a half."


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"duration": "-1"}, "The duration must be more than zero."),
        ({"duration": "0"}, "The duration must be more than zero."),
        ({"duration": "0,001"}, "The duration must be more than zero."),
        ({"duration": "12,5"}, TOO_LONG),
        ({"duration": "90"}, TOO_LONG),
        ({"duration": "một tiếng"}, DURATION_MESSAGE),
        ({"duration": "1h30"}, DURATION_MESSAGE),
        ({"duration": ""}, "Enter how long the session lasted, in hours."),
        (
            {"held_on": "tomorrow"},
            "The session cannot be in the future: log it once it has taken place.",
        ),
        ({"held_on": "28/02/2026"}, "The session cannot be before the cohort starts."),
        ({"held_on": "2026-05-01"}, "Enter a date as dd/mm/yyyy, e.g. 15/03/2026."),
        ({"topics": "  "}, "Say what the session was about."),
        (
            {"actions-2-due_on": "01/12/2026"},
            "Say what was agreed, or clear the date of that row.",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_stored(client, db, s, changes, message):
    if changes.get("held_on") == "tomorrow":
        changes = {"held_on": day(local_today() + timedelta(days=1))}
    sign_in(client, s.accounts, "mentor")
    before = snapshot()
    response = post(client, log_url(s.match), form(**changes), log_url(s.match))
    assert response.status_code == 200
    assert message in " ".join(response.get_data(as_text=True).split())
    assert snapshot() == before


def test_twelve_hours_is_the_longest_session(client, db, s):
    sign_in(client, s.accounts, "mentor")
    assert post(client, log_url(s.match), form(duration="12"), log_url(s.match)).status_code == 302
    assert [x.duration_minutes for x in sessions(db)] == [720]


def test_released_proposed_and_other_mentors_matches_take_no_session(client, db, s):
    released = sw.pair(
        s.base, s.other_match.cohort_team, s.accounts["mentor"], status=MatchStatus.RELEASED
    )
    sign_in(client, s.accounts, "mentor")
    before = snapshot()
    response = post(client, log_url(released), form(), log_url(released))
    assert response.status_code == 200
    assert "This match has been ended by the organizers" in response.get_data(as_text=True)
    assert snapshot() == before
    proposed = sw.pair(s.base, s.match.cohort_team, s.accounts["judge"], status="proposed")
    token = csrf_token(client, pair_url(s.match))
    before = snapshot()
    for match in (s.other_match, proposed):
        response = client.post(log_url(match), data={"csrf_token": token, **form()})
        assert response.status_code == 404
    assert snapshot() == before


def test_the_service_refuses_a_team_the_mentor_is_not_matched_with(db, s):
    data = services.SessionData(
        held_on=local_today(), duration_minutes=60, format="online", topics="Thử"
    )
    before = snapshot()
    for match, by in (
        (s.other_match, s.accounts["mentor"]),  # another mentor's match: an unmatched team
        (s.match, s.accounts["other_team"]),  # a team not in this pair
        (s.match, s.accounts["organizer"]),
    ):
        with pytest.raises(CohortError) as refused:
            services.log_session(match, data, by=by)
        assert refused.value.reasons == ["not_your_pair"]
    s.match.status = MatchStatus.PROPOSED
    with pytest.raises(CohortError) as refused:
        services.log_session(s.match, data, by=s.accounts["mentor"])
    assert refused.value.reasons == ["not_your_pair"]
    s.match.status = MatchStatus.PUBLISHED
    db.session.flush()
    assert snapshot() == before


# --- rating and actions ---------------------------------------------------------------------


def test_the_team_rates_a_confirmed_session_and_may_change_it(client, db, s):
    pending = sw.logged(s.match, s.accounts["mentor"])
    confirmed = sw.logged(s.match, s.accounts["mentor"], status="confirmed")
    rate = "/accelerator/mentoring/sessions/{}/rate"
    sign_in(client, s.accounts, "member")
    before = snapshot()
    for session, rating, message in (
        (pending, 5, "Only a confirmed session can be rated."),
        (confirmed, 6, "Choose a rating from 1 to 5."),
        (confirmed, "năm", "Choose a rating from 1 to 5."),
        (confirmed, "", "Choose a rating from 1 to 5."),
    ):
        post(client, rate.format(session.id), {"rating": rating}, pair_url(s.match))
        assert snapshot() == before
        assert ("danger", message) in page_flashes(client, s.match), rating
    post(client, rate.format(confirmed.id), {"rating": 4, "note": "Rất hữu ích"}, pair_url(s.match))
    db.session.refresh(confirmed)
    assert (confirmed.rating, confirmed.rating_note) == (4, "Rất hữu ích")
    post(client, rate.format(confirmed.id), {"rating": 5}, pair_url(s.match))
    db.session.refresh(confirmed)
    assert (confirmed.rating, confirmed.rating_note) == (5, "")
    sign_out(client)

    sign_in(client, s.accounts, "mentor")
    before = snapshot()
    post(client, rate.format(confirmed.id), {"rating": 1}, pair_url(s.match))
    assert snapshot() == before
    assert ("danger", "Only the team rates its sessions.") in page_flashes(client, s.match)
    assert audit_actions(db) == ["mentoring.session_rate", "mentoring.session_rate"]


def test_either_side_marks_an_action_done(client, db, s):
    session = sw.logged(s.match, s.accounts["mentor"], status="confirmed")
    action = SessionAction(session=session, text="Khảo sát 20 nông hộ")
    db.session.add(action)
    db.session.flush()
    url = f"/accelerator/mentoring/actions/{action.id}/done"
    sign_in(client, s.accounts, "member")
    post(client, url, {"done": "1"}, pair_url(s.match))
    db.session.refresh(action)
    assert action.done_at is not None
    sign_out(client)
    sign_in(client, s.accounts, "mentor")
    assert 'data-done="yes"' in client.get(pair_url(s.match)).get_data(as_text=True)
    post(client, url, {"done": "0"}, pair_url(s.match))
    db.session.refresh(action)
    assert action.done_at is None


# --- hours ----------------------------------------------------------------------------------


def test_hours_per_pair_mentor_and_team(client, db, s, factory):
    mentor, leader = s.accounts["mentor"], s.accounts["leader"]
    sw.logged(s.match, mentor, minutes=90, status="confirmed", rating=5, days_ago=20)
    sw.logged(s.match, leader, logged_by="team", minutes=60, status="confirmed", rating=4)
    sw.logged(s.match, mentor, minutes=30, days_ago=1)  # pending
    sw.logged(s.match, mentor, minutes=120, status="disputed", days_ago=0)  # counts for nothing
    # The mentor's second team, in the same cohort.
    third = sw.in_cohort(s.base, 3)
    second = sw.pair(s.base, third, mentor)
    sw.logged(second, mentor, minutes=45, status="confirmed")
    # The leader's team's second mentor.
    extra = sw.pair(s.base, s.match.cohort_team, factory.user("Mai Văn Ba", roles=("mentor",)))
    sw.logged(extra, leader, logged_by="team", minutes=15, status="confirmed")

    sign_in(client, s.accounts, "mentor")
    html = client.get(pair_url(s.match)).get_data(as_text=True)
    assert 'class="pair-total" data-confirmed-minutes="150" data-pending-minutes="30"' in html
    html = client.get("/accelerator/mentoring/").get_data(as_text=True)
    assert 'class="mentor-total" data-confirmed-minutes="195" data-pending-minutes="30"' in html
    sign_out(client)

    sign_in(client, s.accounts, "member")
    html = client.get("/accelerator/mentoring/").get_data(as_text=True)
    assert 'class="team-total" data-confirmed-minutes="165" data-pending-minutes="30"' in html
    assert f'data-match-id="{second.id}"' not in html
    sign_out(client)

    sign_in(client, s.accounts, "organizer")
    html = client.get(f"/accelerator/cohorts/{s.cohort.id}/sessions").get_data(as_text=True)
    assert (
        f'data-match-id="{s.match.id}" data-confirmed-minutes="150" data-pending-minutes="30" '
        f'data-sessions="2" data-inactive="no"'
    ) in html
    last = local_today() - timedelta(days=1)
    assert day(last) in html
    assert "4.5" in html  # the average rating, in English
    assert (
        f'data-user-id="{mentor.id}" data-confirmed-minutes="195" data-pending-minutes="30"'
    ) in html
    team_id = s.match.cohort_team.team_id
    assert (
        f'data-team-id="{team_id}" data-confirmed-minutes="165" data-pending-minutes="30"' in html
    )


def test_the_cohort_page_reads_in_a_fixed_number_of_queries(client, db, s, count_queries):
    sign_in(client, s.accounts, "organizer")
    url = f"/accelerator/cohorts/{s.cohort.id}/sessions"
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for n in (3, 4, 5):
        row = sw.in_cohort(s.base, n)
        match = sw.pair(s.base, row, s.accounts["other_mentor"])
        sw.logged(match, s.accounts["other_mentor"], status="confirmed")
    with count_queries() as more:
        client.get(url)
    assert more.n == few.n


# --- inactive pairs and reminders -----------------------------------------------------------


def test_inactive_pairs_are_reminded_once_a_week(client, db, s, mailbox):
    mentor, leader = s.accounts["mentor"], s.accounts["leader"]
    # Published 5 weeks ago; its only sessions are 4 weeks old (and one disputed yesterday).
    s.match.published_at = utcnow() - timedelta(weeks=5)
    sw.logged(s.match, mentor, status="confirmed", days_ago=28)
    sw.logged(s.match, mentor, status="disputed", days_ago=1)
    # The other pair had a session last week.
    sw.logged(s.other_match, s.accounts["other_mentor"], days_ago=7)
    mentor.locale, leader.locale = "en", "vi"
    db.session.flush()
    sign_in(client, s.accounts, "organizer")
    page = f"/accelerator/cohorts/{s.cohort.id}/sessions"
    html = client.get(page).get_data(as_text=True)
    assert f'inactive-pair" data-match-id="{s.match.id}"' in html
    assert f'inactive-pair" data-match-id="{s.other_match.id}"' not in html

    remind = f"/accelerator/cohorts/{s.cohort.id}/pairs/{s.match.id}/remind"
    assert post(client, remind, {}, page).status_code == 302
    [reminder] = db.session.scalars(select(PairReminder)).all()
    assert reminder.last_session_on == local_today() - timedelta(days=28)
    assert reminder.sent_by_id == s.accounts["organizer"].id
    to_mentor, to_leader = mailbox.last_to(mentor.email), mailbox.last_to(leader.email)
    assert "Hello " in mailbox.text(to_mentor)
    assert "Xin chào " in mailbox.text(to_leader)  # in the leader's language
    since = day(local_today() - timedelta(days=28))
    assert since in mailbox.text(to_mentor) and since in mailbox.text(to_leader)
    assert mailbox.link_to(leader.email, "/accelerator/mentoring/pairs/") == pair_url(s.match)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "mentoring.pair_remind")
    )
    assert event.actor_id == s.accounts["organizer"].id
    assert sorted(event.new["recipients"]) == sorted([mentor.id, leader.id])

    # Again within 7 days: refused, nothing sent.
    sent = len(mailbox)
    before = snapshot()
    post(client, remind, {}, page)
    assert snapshot() == before and len(mailbox) == sent
    assert (
        "danger",
        "A reminder was sent to this pair less than 7 days ago: wait before sending another.",
    ) in flashes(client.get(page).get_data(as_text=True))
    # An active pair needs none.
    other = f"/accelerator/cohorts/{s.cohort.id}/pairs/{s.other_match.id}/remind"
    post(client, other, {}, page)
    assert snapshot() == before and len(mailbox) == sent
    assert (
        "danger",
        "This pair had a session recently: no reminder is needed.",
    ) in flashes(client.get(page).get_data(as_text=True))

    # A week later it may be sent again.
    reminder.sent_at = utcnow() - timedelta(days=8)
    db.session.flush()
    assert post(client, remind, {}, page).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(PairReminder)) == 2


def test_a_pair_without_any_session_counts_from_its_publication(client, db, s):
    s.cohort.inactive_weeks = 2
    s.match.published_at = utcnow() - timedelta(days=13)
    s.other_match.published_at = utcnow() - timedelta(days=15)
    db.session.flush()
    sign_in(client, s.accounts, "organizer")
    html = client.get(f"/accelerator/cohorts/{s.cohort.id}/sessions").get_data(as_text=True)
    assert f'data-match-id="{s.match.id}" data-confirmed-minutes="0"' in html
    assert f'inactive-pair" data-match-id="{s.match.id}"' not in html
    assert f'inactive-pair" data-match-id="{s.other_match.id}"' in html


def test_the_other_units_organizer_cannot_remind(client, db, s):
    s.match.published_at = utcnow() - timedelta(weeks=10)
    db.session.flush()
    sign_in_as(client, s.accounts["other_organizer"])
    before = snapshot()
    token = csrf_token(client, "/auth/profile")
    remind = f"/accelerator/cohorts/{s.cohort.id}/pairs/{s.match.id}/remind"
    assert client.post(remind, data={"csrf_token": token}).status_code == 403
    assert snapshot() == before
