"""Judging progress: per judge and per entry, missing sheets, reminders by email (never twice
within the hour), closing judging early and reopening it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.localtime import to_local
from app.people.models import User
from judging.common import JudgingError, judging_state
from judging.models import (
    Conflict,
    ConflictSource,
    ConflictStatus,
    ReminderLog,
    RoundEntry,
    RoundJudging,
    SheetOrigin,
)
from judging.monitoring import services
from tests.helpers import csrf_token, post_form
from tests.judging import roles
from tests.judging import world as w
from tests.judging.roles import (
    ORGANIZERS_ONLY,
    ROLES,
    answer,
    assert_access,
    refusal,
    sign_in,
    sign_in_as,
)

# fmt: off
ACCESS: dict[str, dict[str, int | str]] = {
    "judging.progress": ORGANIZERS_ONLY,
}
POST_ENDPOINTS = {"judging.progress_remind", "judging.progress_close", "judging.progress_reopen"}
# fmt: on

JUDGE_ROW = re.compile(
    r'data-judge-id="(\d+)" data-assigned="(\d+)" data-submitted="(\d+)" data-drafts="(\d+)" '
    r'data-missing="(\d+)" data-reminders="(\d+)"'
)
ENTRY_ROW = re.compile(
    r'data-round-entry-id="(\d+)" data-assigned="(\d+)" data-submitted="(\d+)" '
    r'data-missing="(\d+)"'
)
TOTALS = re.compile(
    r'id="totals" data-expected="(\d+)" data-submitted="(\d+)" data-missing="(\d+)" '
    r'data-entries="(\d+)"'
)
STATE = re.compile(r'id="judging-state" data-state="(\w+)"')
FULL = [20, 15, 15, 10, 8, 8]


Progress = roles.Setting


def _conflict(db, judge: User, round_entry: RoundEntry) -> None:  # noqa: ANN001
    db.session.add(
        Conflict(
            user_id=judge.id,
            entry_id=round_entry.entry_id,
            source=ConflictSource.DETECTED,
            status=ConflictStatus.ACTIVE,
            reason="same_unit",
        )
    )


@pytest.fixture()
def progress(db, factory) -> Progress:
    """Five entries in two pools (by track). Judges 1 and 2 on entries 1–4, judge 3 on
    entries 1–2 but in conflict with entry 2; entry 5 has no judge.

    judge 1: submitted 1, 2, 4, a draft on 3 → 1 missing
    judge 2: entry 1 on paper, 4 online → 2 missing
    judge 3: entry 1 → done (entry 2 excluded by the conflict)
    """
    world = w.build(factory, entries=5, judges=3, by_track=True)
    world.organizer.locale = "en"  # messages checked in English (catalog completed apart)
    one, two, three = world.judges
    e1, e2, e3, e4, _ = world.entries
    for round_entry in (e1, e2, e3, e4):
        w.assign(world, one, round_entry)
        w.assign(world, two, round_entry)
    w.assign(world, three, e1)
    w.assign(world, three, e2)
    _conflict(db, three, e2)
    w.score(world, one, e1, FULL)
    w.score(world, one, e2, FULL)
    w.score(world, one, e4, FULL)
    w.score(world, one, e3, [1, 1, 1, 1, 1, 1], submitted=False)
    w.score(world, two, e1, FULL).origin = SheetOrigin.PAPER_IMPORT
    w.score(world, two, e4, FULL)
    w.score(world, three, e1, FULL)
    accounts = roles.accounts(factory, world, elsewhere="Thành phố Huế")
    db.session.flush()
    return Progress(world=world, accounts=accounts)


def url(progress: Progress, suffix: str = "", **args) -> str:  # noqa: ANN003
    from urllib.parse import urlencode

    query = f"?{urlencode(args)}" if args else ""
    return f"/judging/rounds/{progress.world.round.id}/progress{suffix}{query}"


def snapshot(db) -> dict[str, list[tuple]]:  # noqa: ANN001
    return {
        table.name: [
            tuple(r) for r in db.session.execute(select(table).order_by(*table.primary_key.columns))
        ]
        for table in db.metadata.sorted_tables
    }


def judge_rows(html: str) -> dict[int, tuple[int, ...]]:
    return {int(m[0]): tuple(int(x) for x in m[1:]) for m in JUDGE_ROW.findall(html)}


def entry_rows(html: str) -> dict[int, tuple[int, ...]]:
    return {int(m[0]): tuple(int(x) for x in m[1:]) for m in ENTRY_ROW.findall(html)}


def post(client, progress: Progress, suffix: str, data: dict | None = None):  # noqa: ANN001, ANN201
    return post_form(client, url(progress, suffix), data or {}, form_page=url(progress))


def flashes(client, progress: Progress) -> str:  # noqa: ANN001
    return client.get(url(progress)).get_data(as_text=True)


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_access(client, progress, role):
    assert_access(client, progress.accounts, role, {"judging.progress": url(progress)}, ACCESS)


@pytest.mark.parametrize("role", ["anonymous", "judge", "other_organizer"])
def test_others_cannot_remind_close_or_reopen(client, db, progress, role):
    sign_in(client, progress.accounts, role)
    token = csrf_token(client, "/auth/login" if role == "anonymous" else "/auth/profile")
    before = snapshot(db)
    for suffix, data in (
        ("/remind", {"scope": "all"}),
        ("/close", {"confirm_missing": "y"}),
        ("/reopen", {}),
    ):
        response = client.post(url(progress, suffix), data={"csrf_token": token, **data})
        assert answer(response) == refusal(role)
    assert snapshot(db) == before


def test_a_missing_round_is_404(client, progress):
    sign_in(client, progress.accounts)
    assert client.get("/judging/rounds/999999/progress").status_code == 404


# --- progress -------------------------------------------------------------------------------


def test_progress_per_judge_per_entry_and_totals(client, progress):
    one, two, three = progress.judges
    e1, e2, e3, e4, e5 = progress.entries
    sign_in(client, progress.accounts)
    html = client.get(url(progress)).get_data(as_text=True)
    # assigned, submitted, drafts, missing, reminders
    assert judge_rows(html) == {
        one.id: (4, 3, 1, 1, 0),
        two.id: (4, 2, 0, 2, 0),
        three.id: (1, 1, 0, 0, 0),
    }
    # assigned, submitted, missing (the conflicted judge is not expected on entry 2)
    assert entry_rows(html) == {
        e1.id: (3, 3, 0),
        e2.id: (2, 1, 1),
        e3.id: (2, 0, 2),
        e4.id: (2, 2, 0),
        e5.id: (0, 0, 0),
    }
    assert TOTALS.search(html).groups() == ("9", "6", "3", "5")
    assert "1 paper" in html  # the paper sheet is marked
    assert STATE.search(html).group(1) == "open"
    # Judges in Vietnamese order, by given name: "Khảo 1" < "Khảo 2" < "Khảo 3".
    assert list(judge_rows(html)) == [one.id, two.id, three.id]


def test_only_missing_and_pool_filters(client, progress):
    one, two, _ = progress.judges
    e1, e2, e3, e4, e5 = progress.entries
    sign_in(client, progress.accounts)
    html = client.get(url(progress, only_missing="y")).get_data(as_text=True)
    assert set(judge_rows(html)) == {one.id, two.id}
    assert set(entry_rows(html)) == {e2.id, e3.id, e5.id}  # no judge counts as missing
    # Entries alternate tracks, and pools are by track.
    pool = e2.pool_id
    html = client.get(url(progress, pool=pool)).get_data(as_text=True)
    assert set(entry_rows(html)) == {e2.id, e4.id}
    html = client.get(url(progress, pool=pool, only_missing="y")).get_data(as_text=True)
    assert set(entry_rows(html)) == {e2.id}
    # A pool of another round is no filter at all.
    html = client.get(url(progress, pool=999999)).get_data(as_text=True)
    assert len(entry_rows(html)) == 5


def _page_queries(client, count_queries, round_id: int) -> int:
    with count_queries() as counted:
        response = client.get(f"/judging/rounds/{round_id}/progress")
    assert response.status_code == 200
    return counted.n


def test_the_page_takes_the_same_number_of_queries_at_20_and_200_entries(
    app, db, factory, count_queries
):
    counts = []
    for size in (20, 200):
        world = w.build(factory, entries=size, judges=3)
        w.assign_all(world)
        for n, round_entry in enumerate(world.entries):
            w.score(world, world.judges[n % 3], round_entry, FULL, submitted=n % 2 == 0)
        browser = app.test_client()
        sign_in_as(browser, world.organizer)
        counts.append(_page_queries(browser, count_queries, world.round.id))
        # Codes are unique across competitions: make way for the next, larger world.
        world.competition.code = f"C{size}"
        for round_entry in world.entries:
            round_entry.entry.code = f"C{size}-{round_entry.entry.code}"
        db.session.flush()
    assert counts[0] == counts[1]


# --- reminders ------------------------------------------------------------------------------


def test_reminders_go_to_judges_with_missing_sheets_once(client, db, progress, mailbox):
    one, two, three = progress.judges
    two.locale = "en"
    db.session.flush()
    sign_in(client, progress.accounts)
    response = post(client, progress, "/remind", {"scope": "all"})
    assert response.status_code == 302
    assert {m["To"] for m in mailbox} == {one.email, two.email}  # not the judge who is done
    deadline = to_local(progress.world.round.judging_closes_at).strftime("%d/%m/%Y %H:%M")
    english = mailbox.text(mailbox.last_to(two.email))
    assert "You still have 2 score sheets to submit" in english
    assert deadline in english
    assert "Reminder: 2 score sheets" in mailbox.last_to(two.email)["Subject"]
    assert '<html lang="en">' in mailbox.html(mailbox.last_to(two.email))
    vietnamese = mailbox.last_to(one.email)  # each in their own language
    assert '<html lang="vi">' in mailbox.html(vietnamese)
    assert deadline in mailbox.text(vietnamese)
    logs = {r.user_id: r.missing for r in db.session.scalars(select(ReminderLog))}
    assert logs == {one.id: 1, two.id: 2}
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "judging.reminders"))
    assert audit.new["sent"] == {str(one.id): 1, str(two.id): 2}
    html = client.get(url(progress)).get_data(as_text=True)
    assert "Reminders emailed to 2 judges." in html
    assert judge_rows(html)[one.id][-1] == 1  # reminders sent, shown per judge

    # A second click within the hour sends nothing and says so.
    before = snapshot(db)
    mailbox.clear()
    post(client, progress, "/remind", {"scope": "all"})
    assert len(mailbox) == 0
    assert snapshot(db) == before
    html = client.get(url(progress)).get_data(as_text=True)
    assert "were reminded less than 60 minutes ago and were not emailed again" in html

    # An hour later they may be reminded again.
    for log in db.session.scalars(select(ReminderLog)):
        log.sent_at -= timedelta(minutes=61)
    db.session.flush()
    post(client, progress, "/remind", {"scope": "all"})
    assert {m["To"] for m in mailbox} == {one.email, two.email}


def test_the_reminder_links_to_the_judges_page(client, progress, mailbox):
    sign_in(client, progress.accounts)
    post(client, progress, "/remind", {"scope": "all"})
    text = mailbox.text(mailbox.last_to(progress.judges[0].email))
    assert "http://localhost/judging/" in text


def test_reminding_selected_judges_only(client, db, progress, mailbox):
    one, two, three = progress.judges
    sign_in(client, progress.accounts)
    post(client, progress, "/remind", {"scope": "selected", "user_ids": [two.id]})
    assert [m["To"] for m in mailbox] == [two.email]
    assert [r.user_id for r in db.session.scalars(select(ReminderLog))] == [two.id]


@pytest.mark.parametrize(
    "chosen",
    ["the judge who is done", "someone not on the panel", "nobody ticked"],
)
def test_reminding_nobody_with_missing_sheets_changes_nothing(
    client, db, progress, mailbox, chosen
):
    three = progress.judges[2]
    ids = {
        "the judge who is done": [three.id],
        "someone not on the panel": [progress.accounts["organizer"].id],
        "nobody ticked": [],
    }[chosen]
    sign_in(client, progress.accounts)
    before = snapshot(db)
    post(client, progress, "/remind", {"scope": "selected", "user_ids": ids})
    assert len(mailbox) == 0
    assert snapshot(db) == before


def test_no_reminders_once_judging_is_closed(client, db, factory, mailbox):
    world = w.build(factory, entries=2, judges=2, window="closed")
    w.assign_all(world)
    progress = Progress(world=world, accounts={"organizer": world.organizer})
    sign_in(client, progress.accounts)
    before = snapshot(db)
    post(client, progress, "/remind", {"scope": "all"})
    assert len(mailbox) == 0
    assert snapshot(db) == before


# --- closing and reopening ------------------------------------------------------------------


def _settings(db, progress: Progress) -> RoundJudging:  # noqa: ANN001
    settings = db.session.get(RoundJudging, progress.world.round.id)
    db.session.refresh(settings)
    return settings


def test_closing_with_missing_sheets_needs_a_confirmation(client, db, progress):
    sign_in(client, progress.accounts)
    html = client.get(url(progress)).get_data(as_text=True)
    assert "3 sheets are still missing." in html
    before = snapshot(db)
    response = post(client, progress, "/close")
    assert response.status_code == 302
    assert snapshot(db) == before
    assert "3 sheets are still missing. Tick the box" in flashes(client, progress)

    response = post(client, progress, "/close", {"confirm_missing": "y"})
    assert response.status_code == 302
    settings = _settings(db, progress)
    organizer = progress.world.organizer
    assert settings.closed_at is not None and settings.closed_by_id == organizer.id
    assert judging_state(progress.world.round, settings) == "closed"  # judges cannot save
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "judging.close"))
    assert audit.actor_id == organizer.id and audit.new["missing"] == 3
    html = client.get(url(progress)).get_data(as_text=True)
    assert STATE.search(html).group(1) == "closed"
    assert 'id="closed-early"' in html and 'id="reopen-form"' in html

    # Closing again is refused, and changes nothing.
    before = snapshot(db)
    post(client, progress, "/close", {"confirm_missing": "y"})
    assert snapshot(db) == before

    response = post(client, progress, "/reopen")
    assert response.status_code == 302
    settings = _settings(db, progress)
    assert settings.closed_at is None and settings.closed_by_id is None
    assert judging_state(progress.world.round, settings) == "open"
    reopened = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "judging.reopen"))
    assert reopened.old["closed_at"] is not None


def test_closing_with_every_sheet_in_needs_no_confirmation(client, db, factory):
    world = w.build(factory, entries=2, judges=1)
    w.assign_all(world)
    for round_entry in world.entries:
        w.score(world, world.judges[0], round_entry, FULL)
    progress = Progress(world=world, accounts={"organizer": world.organizer})
    sign_in(client, progress.accounts)
    assert post(client, progress, "/close").status_code == 302
    assert _settings(db, progress).closed_at is not None


@pytest.mark.parametrize("case", ["window over", "results published", "never closed"])
def test_reopening_is_refused_and_changes_nothing(client, db, progress, case):
    settings = _settings(db, progress)
    now = datetime.now(UTC)
    if case != "never closed":
        settings.closed_at = now - timedelta(hours=2)
        settings.closed_by_id = progress.world.organizer.id
    if case == "window over":
        progress.world.round.judging_closes_at = now - timedelta(minutes=1)
    if case == "results published":
        settings.results_published_at = now - timedelta(hours=1)
    db.session.flush()
    sign_in(client, progress.accounts)
    html = client.get(url(progress)).get_data(as_text=True)
    assert 'id="reopen-form"' not in html
    before = snapshot(db)
    assert post(client, progress, "/reopen").status_code == 302
    assert snapshot(db) == before


@pytest.mark.parametrize("case", ["results published", "window closed", "window not open yet"])
def test_closing_is_refused_and_changes_nothing(client, db, factory, case):
    window = {"window closed": "closed", "window not open yet": "not_yet"}.get(case, "open")
    world = w.build(factory, entries=2, judges=1, window=window)
    if case == "results published":
        world.settings.results_published_at = datetime.now(UTC)
    db.session.flush()
    progress = Progress(world=world, accounts={"organizer": world.organizer})
    sign_in(client, progress.accounts)
    before = snapshot(db)
    post(client, progress, "/close", {"confirm_missing": "y"})
    assert snapshot(db) == before


def test_the_services_refuse_before_changing_anything(db, progress):
    """Called directly, as another page or a command would."""
    organizer = progress.world.organizer
    with pytest.raises(JudgingError) as refused:
        services.close_judging(progress.world.round, by=organizer)
    assert refused.value.reason == "missing_unconfirmed"
    assert _settings(db, progress).closed_at is None
    missing = services.close_judging(progress.world.round, by=organizer, confirm_missing=True)
    assert missing == 3
    assert db.session.scalar(select(func.count()).select_from(ReminderLog)) == 0
