"""Publishing results: refused while judging is open or before the outcome is confirmed;
frozen scores and ranks; the public results page; each team's own result with the judges'
comments but never their names or private notes; emails; fixed query count."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.db import db
from app.mail.outbox import OutboxMessage
from app.people.models import Role
from competitions.models import CompetitionStatus, TeamMember
from judging.advancement import services
from judging.advancement.publish import publish_results
from judging.common import JudgingError
from judging.models import RoundEntry, RoundJudging, ScoreSheet
from tests.helpers import post_form
from tests.judging import world as w
from tests.judging.roles import sign_in_as
from tests.judging.test_advancement import (
    REASON,
    entry_of,
    judge_round,
    set_rule,
    snapshot,
    with_final,
)
from tests.smtp import Mailbox

RESULT_ROW = re.compile(
    r'<tr class="result" data-entry="(\d+)" data-rank="(\d*)" data-advanced="(\w+)"'
)
HTML_LANG = re.compile(r'<html lang="([a-z]+)"')
COMMENTS = ("Ý tưởng rất mới, cần số liệu thị trường.", "Đội ngũ mạnh.", "Cần làm rõ giá thành.")
PRIVATE = "Ghi chú riêng: nghi ngờ sao chép ý tưởng."


@pytest.fixture()
def judged(db, factory) -> w.World:
    """Round 1 closed, top 2 advance to the final; entry 0's team has three members, one of
    them reading English, and an advisor; its judges left comments and private notes."""
    world = w.build(factory, entries=4, judges=3, window="closed")
    with_final(world)
    judge_round(world, [85, 75, 65, 55])
    set_rule(world, advance_top_n=2)
    team = entry_of(world, 0).team
    team.leader.full_name = "Nguyễn Văn An"
    english = factory.user("Lê Thị Bình", roles=(Role.PARTICIPANT,))
    english.locale = "en"
    third = factory.user("Trần Minh Anh", roles=(Role.PARTICIPANT,))
    team.members[0].full_name = "Nguyễn Văn An"
    for person in (english, third):
        team.members.append(TeamMember(user=person, full_name=person.full_name))
    team.advisor = factory.user("Phạm Thị Cô Giáo", roles=(Role.PARTICIPANT,))
    sheets = db.session.scalars(
        select(ScoreSheet)
        .where(ScoreSheet.round_entry_id == world.entries[0].id)
        .order_by(ScoreSheet.id)
    ).all()
    for sheet, comment in zip(sheets, COMMENTS, strict=True):
        sheet.comment_for_team = comment
        sheet.private_note = PRIVATE
    db.session.flush()
    return world


def publish_url(world: w.World) -> str:
    return f"/judging/rounds/{world.round.id}/publish"


def advancement_url(world: w.World) -> str:
    return f"/judging/rounds/{world.round.id}/advancement"


def outbox() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_publishing_while_judging_is_open_is_refused_and_changes_nothing(
    client, db, factory, mailbox
):
    world = w.build(factory, entries=2, judges=3, window="open")
    with_final(world)
    judge_round(world, [80, 70])
    sign_in_as(client, world.organizer)
    before = snapshot(world.round.id)
    response = post_form(client, publish_url(world), {}, form_page=advancement_url(world))
    assert response.status_code == 302
    assert "Judging is still open" in client.get(advancement_url(world)).text
    assert snapshot(world.round.id) == before
    assert outbox() == 0 and len(mailbox) == 0
    assert client.get(f"/judging/results/{world.round.id}").status_code == 404


def test_publishing_before_the_advancement_is_confirmed_is_refused(client, db, judged, mailbox):
    world = judged
    sign_in_as(client, world.organizer)
    before = snapshot(world.round.id)
    post_form(client, publish_url(world), {}, form_page=advancement_url(world))
    assert "Confirm the advancement before publishing" in client.get(advancement_url(world)).text
    assert snapshot(world.round.id) == before and outbox() == 0


def test_nothing_is_public_before_publishing(client, db, judged):
    world = judged
    services.confirm_advancement(world.round, by=world.organizer)
    db.session.flush()
    member = entry_of(world, 0).team.leader
    assert client.get(f"/judging/results/{world.round.id}").status_code == 404
    sign_in_as(client, member)
    assert client.get(f"/judging/results/{world.round.id}").status_code == 404
    assert client.get(f"/judging/entries/{world.entries[0].entry_id}/result").status_code == 404
    organizer = client.application.test_client()
    sign_in_as(organizer, world.organizer)
    assert organizer.get(f"/judging/results/{world.round.id}").status_code == 404


def test_publishing_freezes_scores_and_ranks_and_emails_every_member_and_advisor(
    client, db, judged, mailbox
):
    world = judged
    services.confirm_advancement(world.round, by=world.organizer)
    db.session.flush()
    sign_in_as(client, world.organizer)
    response = post_form(client, publish_url(world), {}, form_page=advancement_url(world))
    assert response.status_code == 302
    settings = db.session.get(RoundJudging, world.round.id)
    assert settings.results_published_at is not None
    assert settings.results_published_by_id == world.organizer.id
    frozen = db.session.execute(
        select(RoundEntry.published_score, RoundEntry.published_rank)
        .where(RoundEntry.round_id == world.round.id)
        .order_by(RoundEntry.id)
    ).all()
    assert frozen == [
        (Decimal("85.00"), 1),
        (Decimal("75.00"), 2),
        (Decimal("65.00"), 3),
        (Decimal("55.00"), 4),
    ]
    # Entry 0: three members and the advisor; entries 1–3: their leader. One email each.
    team = entry_of(world, 0).team
    assert len(mailbox) == 4 + 3
    english = next(m.user for m in team.members if m.user.locale == "en")
    for person in [m.user for m in team.members] + [team.advisor]:
        assert len(mailbox.to(person.email)) == 1
        message = mailbox.last_to(person.email)
        expected = "en" if person is english else "vi"
        assert HTML_LANG.search(Mailbox.html(message)).group(1) == expected
        path = mailbox.link_to(person.email, "/result")
        assert path == f"/judging/entries/{world.entries[0].entry_id}/result"
    text = Mailbox.text(mailbox.last_to(english.email))
    assert "Score: 85 / 100" in text and "Rank: 1 of 4" in text
    assert "advances to the next round" in text
    assert "85 / 100" in Mailbox.text(mailbox.last_to(team.leader.email))
    for message in mailbox:
        body = Mailbox.text(message) + Mailbox.html(message)
        assert PRIVATE not in body and "Giám Khảo" not in body


def test_published_results_are_public_and_listed_by_pool_in_rank_order(client, db, judged):
    world = judged
    services.confirm_advancement(world.round, by=world.organizer)
    publish_results(world.round, by=world.organizer)
    db.session.flush()
    html = client.get(f"/judging/results/{world.round.id}").text
    rows = RESULT_ROW.findall(html)
    assert [(int(e), r, a) for e, r, a in rows] == [
        (world.entries[0].entry_id, "1", "yes"),
        (world.entries[1].entry_id, "2", "yes"),
        (world.entries[2].entry_id, "3", "no"),
        (world.entries[3].entry_id, "4", "no"),
    ]
    entry = entry_of(world, 0)
    assert entry.code in html and entry.title in html and entry.team.name in html
    assert entry.unit.name in html and "85" in html
    # Members in Vietnamese order: by given name (An, Anh, Bình), not by family name.
    assert "Nguyễn Văn An, Trần Minh Anh, Lê Thị Bình" in html
    for judge in world.judges:
        assert judge.full_name not in html


def test_a_draft_competition_shows_no_results(client, db, judged):
    world = judged
    services.confirm_advancement(world.round, by=world.organizer)
    publish_results(world.round, by=world.organizer)
    world.competition.status = CompetitionStatus.DRAFT
    db.session.flush()
    assert client.get(f"/judging/results/{world.round.id}").status_code == 404


def test_the_team_reads_its_result_and_comments_without_judges_names(client, db, judged):
    world = judged
    services.confirm_advancement(world.round, by=world.organizer)
    publish_results(world.round, by=world.organizer)
    db.session.flush()
    team = entry_of(world, 0).team
    url = f"/judging/entries/{world.entries[0].entry_id}/result"
    for person in (team.leader, team.advisor):
        client = client.application.test_client()
        sign_in_as(client, person)
        response = client.get(url)
        assert response.status_code == 200
        html = response.text
        assert "85 / 100" in html and "1 of 4" in html and 'data-advanced="yes"' in html
        for number, comment in enumerate(COMMENTS, start=1):
            assert f"Judge {number}" in html or f"Giám khảo {number}" in html
            assert comment in html
        assert PRIVATE not in html
        for judge in world.judges:
            assert judge.full_name not in html and judge.email not in html
    # Stable order: the same numbering on every visit.
    first = re.findall(r"(?:Judge|Giám khảo) \d+</figcaption>\s*<blockquote[^>]*>([^<]+)", html)
    assert first == list(COMMENTS)


def test_another_team_cannot_read_the_result(client, db, judged):
    world = judged
    services.confirm_advancement(world.round, by=world.organizer)
    publish_results(world.round, by=world.organizer)
    db.session.flush()
    other = entry_of(world, 1).team.leader
    sign_in_as(client, other)
    before = snapshot(world.round.id)
    response = client.get(f"/judging/entries/{world.entries[0].entry_id}/result")
    assert response.status_code == 403
    assert COMMENTS[0] not in response.text
    assert snapshot(world.round.id) == before
    # Their own is theirs to read.
    assert client.get(f"/judging/entries/{world.entries[1].entry_id}/result").status_code == 200


def test_published_results_cannot_be_changed_or_published_again(client, db, judged, mailbox):
    world = judged
    services.confirm_advancement(world.round, by=world.organizer)
    publish_results(world.round, by=world.organizer)
    db.session.flush()
    sign_in_as(client, world.organizer)
    sent = outbox()
    before = snapshot(world.round.id)
    with pytest.raises(JudgingError) as refused:
        services.adjust_decision(
            world.round, world.entries[3].id, "advance", REASON, by=world.organizer
        )
    assert "published" in refused.value.reasons
    post_form(client, publish_url(world), {}, form_page=advancement_url(world))
    assert snapshot(world.round.id) == before and outbox() == sent


def add_published_entries(factory, world: w.World, count: int, start: int) -> None:  # noqa: ANN001
    """Entries with a published score and rank and three members each, straight in the round."""
    pool = world.pools[0]
    for n in range(start, start + count):
        school = factory.unit(f"Trường THCS Số {n}", parent=world.owner)
        team = factory.team(
            leader=factory.user(f"Võ Văn Hải {n}"),
            name=f"Nhóm Sáng Tạo {n}",
            members=(factory.user(f"Đỗ Thị Hà {n}"), factory.user(f"Bùi Minh Khôi {n}")),
            unit=school,
        )
        entry = factory.entry(
            competition=world.competition, team=team, title=f"Dự án {n}", status="accepted"
        )
        entry.code = f"QN26-THCS-{n:04d}"
        db.session.add(
            RoundEntry(
                round=world.round,
                entry=entry,
                pool=pool,
                published_score=Decimal(50),
                published_rank=n,
            )
        )
    db.session.flush()


def test_the_public_page_takes_the_same_number_of_queries_for_20_and_200_entries(
    client, db, factory, count_queries
):
    world = w.build(factory, entries=2, judges=3, window="closed")
    with_final(world)
    judge_round(world, [80, 70])
    services.confirm_advancement(world.round, by=world.organizer)
    publish_results(world.round, by=world.organizer)
    add_published_entries(factory, world, 18, 3)
    with count_queries() as few:
        assert len(RESULT_ROW.findall(client.get(f"/judging/results/{world.round.id}").text)) == 20
    add_published_entries(factory, world, 180, 21)
    with count_queries() as many:
        assert len(RESULT_ROW.findall(client.get(f"/judging/results/{world.round.id}").text)) == 200
    assert few.n == many.n, many.statements


def test_the_team_s_entry_page_links_to_the_result_once_published(client, db, judged):
    world = judged
    entry_id = world.entries[0].entry_id
    sign_in_as(client, entry_of(world, 0).team.leader)
    link = f'href="/judging/entries/{entry_id}/result"'
    assert link not in client.get(f"/competitions/entries/{entry_id}").text
    services.confirm_advancement(world.round, by=world.organizer)
    publish_results(world.round, by=world.organizer)
    db.session.flush()
    html = client.get(f"/competitions/entries/{entry_id}").text
    assert 'id="entry-result-link"' in html and link in html
