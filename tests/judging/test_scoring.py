"""Scoring: the judge's dashboard and score sheets, the save service and its refusals,
blind judging, two tabs, a sheet left open for hours, the 360 px page."""

from __future__ import annotations

import gzip
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.db import db as database
from app.localtime import format_datetime
from app.people.models import Role, User
from app.storage import IMAGE, PDF, store_upload
from competitions.models import EntryVersion
from judging.common import JudgingError
from judging.models import (
    AssignmentStatus,
    Conflict,
    ConflictSource,
    ConflictStatus,
    JudgeAssignment,
    PanelStatus,
    RubricCriterion,
    Score,
    ScoreSheet,
    SheetOrigin,
    SheetStatus,
)
from judging.scoring import services
from judging.scoring.services import InvalidScores, StaleSheet, save_sheet
from tests.conftest import separate_database_app
from tests.factories import MINIMAL_PDF, MINIMAL_PNG
from tests.helpers import csrf_token, login
from tests.judging import world as w
from tests.judging.roles import LOGIN, assert_access, sign_in_as

ROLES = ("anonymous", "participant", "judge", "other_judge", "organizer", "admin")

# fmt: off
#                 anonymous participant judge other_judge organizer admin
ACCESS: dict[str, dict[str, int | str]] = {
    "judging.my":         dict(zip(ROLES, (LOGIN, 200, 200, 200, 200, 200), strict=True)),
    # Only the assigned judge: everyone else gets 404, so the entry's existence is not revealed.
    "judging.sheet":      dict(zip(ROLES, (LOGIN, 404, 200, 404, 404, 404), strict=True)),
    "judging.sheet_file": dict(zip(ROLES, (LOGIN, 404, 200, 404, 404, 404), strict=True)),
}
POST_ENDPOINTS: set[str] = set()
# fmt: on

# The six criteria of the standard rubric: maxima 25, 20, 20, 15, 10, 10; step 0.5.
FULL = ["20,5", "15", "16.5", "12", "8", "7,5"]
FULL_DECIMALS = [Decimal(v.replace(",", ".")) for v in FULL]
SECRET_COMMENT = "Nhận xét bí mật của giám khảo Bình về đội ngũ XYZ-42"
SECRET_NOTE = "Ghi chú riêng của giám khảo Bình: nghi trùng ý tưởng QWE-77"


@pytest.fixture()
def world(db, factory):
    """Four entries, three judges; judges 1 and 2 are assigned entries 1 and 2, judge 3
    entry 3 only."""
    x = w.build(factory, entries=4, judges=3)
    for judge in x.judges[:2]:
        for round_entry in x.entries[:2]:
            w.assign(x, judge, round_entry)
    w.assign(x, x.judges[2], x.entries[2])
    return x


def sheet_url(round_entry) -> str:  # noqa: ANN001
    return f"/judging/sheets/{round_entry.id}"


def form_data(world, values, *, comment="", note="", lock=None, submit=False) -> dict:  # noqa: ANN001
    data = {f"score_{c.id}": v for c, v in zip(world.criteria, values, strict=False)}
    data["comment_for_team"] = comment
    data["private_note"] = note
    if lock is not None:
        data["lock_version"] = str(lock)
    data["submit" if submit else "save"] = "1"
    return data


def page_lock(html: str) -> str:
    match = re.search(r'name="lock_version" type="hidden" value="(\d*)"', html)
    assert match, "no lock_version on the page"
    return match.group(1)


def post_sheet(client, world, round_entry, values, follow_redirects=False, **kwargs):  # noqa: ANN001, ANN003, ANN201
    """POST like a browser: read the page (its token and version) and send the form."""
    html = client.get(sheet_url(round_entry)).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    kwargs.setdefault("lock", page_lock(html))
    return client.post(
        sheet_url(round_entry),
        data={"csrf_token": token, **form_data(world, values, **kwargs)},
        follow_redirects=follow_redirects,
    )


def sheet_of(judge: User, round_entry) -> ScoreSheet | None:  # noqa: ANN001
    database.session.expire_all()
    return database.session.scalar(
        select(ScoreSheet).where(
            ScoreSheet.user_id == judge.id, ScoreSheet.round_entry_id == round_entry.id
        )
    )


def values_of(sheet: ScoreSheet | None) -> dict[int, Decimal]:
    return {s.criterion_id: s.value for s in sheet.scores} if sheet is not None else {}


def count(model, *where) -> int:  # noqa: ANN001
    return database.session.scalar(select(func.count()).select_from(model).where(*where))


def audit_rows(action: str) -> list[AuditEvent]:
    return list(
        database.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def state(world) -> tuple:  # noqa: ANN001
    """Everything a save could change: sheets, scores, audit rows of sheets."""
    database.session.expire_all()
    sheets = database.session.execute(
        select(
            ScoreSheet.id,
            ScoreSheet.status,
            ScoreSheet.lock_version,
            ScoreSheet.comment_for_team,
            ScoreSheet.private_note,
        ).order_by(ScoreSheet.id)
    ).all()
    scores = database.session.execute(
        select(Score.sheet_id, Score.criterion_id, Score.value).order_by(Score.id)
    ).all()
    audits = count(AuditEvent, AuditEvent.action.like("judging.sheet.%"))
    return sheets, scores, audits


def with_deck_and_version(world, round_entry, judge):  # noqa: ANN001
    """The entry as submitted in a version with a deck and an image, then edited by the
    team (the edit is not what judges see)."""
    entry = round_entry.entry
    deck = store_upload(io.BytesIO(MINIMAL_PDF), "Bài thuyết trình Máy sấy.pdf", PDF, judge.id)
    image = store_upload(io.BytesIO(MINIMAL_PNG), "Ảnh sản phẩm.png", IMAGE, judge.id)
    database.session.flush()
    version = EntryVersion(
        entry=entry,
        number=1,
        content={
            "title": entry.title,
            "summary": "Tóm tắt đã nộp: máy sấy nông sản dùng năng lượng mặt trời.",
            "problem": "Nông dân mất 30% sản lượng vì sấy chậm.",
            "solution": "Máy sấy lai năng lượng mặt trời và sinh khối.",
            "customers": "Hợp tác xã nông nghiệp Quảng Nam.",
            "business_model": "Bán máy và thu phí bảo trì.",
            "stage": "prototype",
            "traction": "Ba hợp tác xã dùng thử.",
            "video_url": "https://video.example.vn/xem?v=may-say",
        },
        deck_file_id=deck.id,
        image_file_ids=[image.id],
    )
    database.session.add(version)
    entry.summary = "Bản nháp mới của đội, chưa nộp."
    database.session.flush()
    return deck, image


# --- access ------------------------------------------------------------------------------------


@pytest.fixture()
def accounts(world, factory) -> dict[str, User | None]:
    return {
        "anonymous": None,
        "participant": factory.user("Phạm Văn Chiến", roles=(Role.PARTICIPANT,)),
        "judge": world.judges[0],
        "other_judge": world.judges[2],  # on the panel, not assigned entry 1
        "organizer": world.organizer,
        "admin": factory.user("Võ Thị Sáu", roles=(Role.ADMIN,)),
    }


@pytest.mark.parametrize("role", ROLES)
def test_access(client, world, accounts, role):
    deck, _image = with_deck_and_version(world, world.entries[0], world.judges[0])
    urls = {
        "judging.my": "/judging/",
        "judging.sheet": sheet_url(world.entries[0]),
        "judging.sheet_file": f"{sheet_url(world.entries[0])}/files/{deck.id}",
    }
    assert_access(client, accounts, role, urls, ACCESS)


def test_a_missing_entry_and_an_organizer_get_404_and_organizers_cannot_score(client, world):
    before = state(world)
    sign_in_as(client, world.judges[0])
    assert client.get("/judging/sheets/999999").status_code == 404
    assert client.get("/judging/sheets/999999/files/1").status_code == 404
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/judging/")})
    sign_in_as(client, world.organizer)
    token = csrf_token(client, "/judging/")
    response = client.post(
        sheet_url(world.entries[0]),
        data={"csrf_token": token, **form_data(world, FULL, lock=0, submit=True)},
    )
    assert response.status_code == 404
    assert state(world) == before


# --- dashboard ---------------------------------------------------------------------------------


def test_the_dashboard_shows_each_round_its_window_progress_and_entries(client, world):
    judge = world.judges[0]
    w.score(world, judge, world.entries[0], [20, 15, 15, 10, 8, 8.5])  # submitted
    second_round_entry = world.entries[1]
    draft = w.score(world, judge, second_round_entry, [20, 15, 15, 10, 8, 8.5], submitted=False)
    assert draft.status == SheetStatus.DRAFT
    sign_in_as(client, judge)
    html = client.get("/judging/").get_data(as_text=True)
    assert world.competition.title in html and world.round.name in html
    assert format_datetime(world.round.judging_opens_at) in html
    assert format_datetime(world.round.judging_closes_at) in html
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", html)
    assert 'data-state="open"' in html
    assert re.search(r'class="badge text-bg-warning days-left">(5|6) ', html)
    assert 'data-submitted="1" data-assigned="2"' in html
    rows = dict(re.findall(r'data-round-entry-id="(\d+)" data-status="(\w+)"', html))
    assert rows == {str(world.entries[0].id): "submitted", str(world.entries[1].id): "draft"}
    assert f'href="/judging/sheets/{world.entries[0].id}"' in html
    assert world.entries[0].entry.code in html
    # Entries of other judges are not listed.
    assert f"/judging/sheets/{world.entries[2].id}" not in html


def test_a_new_assignment_is_not_started_and_an_unpublished_one_is_not_shown(client, world):
    judge = world.judges[2]
    w.assign(world, judge, world.entries[3], published=False)
    sign_in_as(client, judge)
    html = client.get("/judging/").get_data(as_text=True)
    rows = dict(re.findall(r'data-round-entry-id="(\d+)" data-status="(\w+)"', html))
    assert rows == {str(world.entries[2].id): "not_started"}
    assert 'data-submitted="0" data-assigned="1"' in html


def test_the_dashboard_asks_to_declare_conflicts_first(client, world):
    judge = world.judges[0]
    world.panel[0].conflicts_declared_at = None
    database.session.flush()
    sign_in_as(client, judge)
    html = client.get("/judging/").get_data(as_text=True)
    assert "declare-first" in html
    # Until then the entries are listed without links to their sheets.
    assert f'href="/judging/sheets/{world.entries[0].id}"' not in html
    assert f'href="/judging/rounds/{world.round.id}/declare"' in html
    other = world.judges[1]
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/judging/")})
    sign_in_as(client, other)
    assert "declare-first" not in client.get("/judging/").get_data(as_text=True)


def test_a_conflicted_entry_is_marked_and_not_linked(client, world):
    judge = world.judges[0]
    database.session.add(
        Conflict(
            user_id=judge.id,
            entry_id=world.entries[1].entry_id,
            source=ConflictSource.ORGANIZER,
            reason="Giám khảo là cố vấn của đội",
        )
    )
    database.session.flush()
    sign_in_as(client, judge)
    html = client.get("/judging/").get_data(as_text=True)
    assert f'href="/judging/sheets/{world.entries[1].id}"' not in html
    assert f'href="/judging/sheets/{world.entries[0].id}"' in html
    assert 'data-submitted="0" data-assigned="1"' in html


def test_the_main_dashboard_links_judges_here(client, factory, world):
    sign_in_as(client, world.judges[0])
    assert 'href="/judging/"' in client.get("/dashboard").get_data(as_text=True)
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    sign_in_as(client, factory.user("Đỗ Văn Khoa", roles=(Role.PARTICIPANT,)))
    assert 'href="/judging/"' not in client.get("/dashboard").get_data(as_text=True)


def test_someone_with_nothing_to_judge_sees_an_empty_state(client, factory, world):
    sign_in_as(client, factory.user("Ngô Thị Mai", roles=(Role.PARTICIPANT,)))
    html = client.get("/judging/").get_data(as_text=True)
    assert 'id="nothing-to-judge"' in html
    assert "judging-round" not in html


@pytest.mark.parametrize("window", ["not_yet", "closed"])
def test_the_dashboard_tells_a_round_not_yet_open_or_closed(client, factory, window):
    x = w.build(factory, entries=2, judges=1, window=window)
    w.assign(x, x.judges[0], x.entries[0])
    sign_in_as(client, x.judges[0])
    html = client.get("/judging/").get_data(as_text=True)
    assert f'data-state="{window}"' in html
    assert "days-left" not in html
    linked = f'href="/judging/sheets/{x.entries[0].id}"' in html
    assert linked == (window == "closed")  # a closed round's sheets open read-only


def test_the_dashboard_uses_the_same_number_of_queries_at_20_and_200_assignments(
    client, factory, count_queries
):
    x = w.build(factory, entries=200, judges=1)
    judge = x.judges[0]
    for round_entry in x.entries[:20]:
        w.assign(x, judge, round_entry)
    for round_entry in x.entries[:10]:
        w.score(x, judge, round_entry, [20, 15, 15, 10, 8, 8.5], submitted=round_entry.id % 2 == 0)
    sign_in_as(client, judge)
    client.get("/judging/")
    with count_queries() as small:
        html = client.get("/judging/").get_data(as_text=True)
    assert html.count('class="list-group-item') == 20
    for round_entry in x.entries[20:]:
        w.assign(x, judge, round_entry)
    for round_entry in x.entries[20:150]:
        w.score(x, judge, round_entry, [20, 15, 15, 10, 8, 8.5])
    with count_queries() as large:
        html = client.get("/judging/").get_data(as_text=True)
    assert html.count('class="list-group-item') == 200
    assert large.n == small.n, large.statements


# --- the sheet page ----------------------------------------------------------------------------


def test_the_sheet_shows_the_submitted_version_beside_the_rubric(client, world):
    judge = world.judges[0]
    round_entry = world.entries[0]
    deck, image = with_deck_and_version(world, round_entry, judge)
    world.criteria[0].levels = [
        {"min": 0, "max": 10, "text": "Ý tưởng đã có nhiều trên thị trường"},
        {"min": 10.5, "max": 25, "text": "Ý tưởng mới, có bằng chứng"},
    ]
    database.session.flush()
    sign_in_as(client, judge)
    response = client.get(sheet_url(round_entry))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Tóm tắt đã nộp: máy sấy nông sản" in html
    assert "Bản nháp mới của đội" not in html  # the team's unsubmitted edit
    for text in ("Nông dân mất 30%", "Máy sấy lai", "Hợp tác xã nông nghiệp", "thu phí bảo trì"):
        assert text in html
    assert "Ba hợp tác xã dùng thử." in html
    assert f'href="/judging/sheets/{round_entry.id}/files/{deck.id}"' in html
    assert f'href="/judging/sheets/{round_entry.id}/files/{image.id}"' in html
    assert re.search(
        r'<a href="https://video.example.vn/xem\?v=may-say" rel="noopener noreferrer" '
        r'target="_blank"',
        html,
    )
    for criterion in world.criteria:
        assert criterion.name in html
        assert criterion.description in html
        assert f'name="score_{criterion.id}"' in html
    assert "Ý tưởng mới, có bằng chứng" in html
    assert "Tối đa" in html or "Maximum" in html
    assert html.count('inputmode="decimal"') == 6
    assert 'name="comment_for_team"' in html and 'name="private_note"' in html
    assert 'name="save"' in html and 'name="submit"' in html
    assert response.headers["Cache-Control"] == "no-store"


def test_without_a_version_the_sheet_shows_the_entry_itself(client, world):
    round_entry = world.entries[0]
    round_entry.entry.problem = "Vấn đề ghi trực tiếp trên bài dự thi"
    database.session.flush()
    sign_in_as(client, world.judges[0])
    html = client.get(sheet_url(round_entry)).get_data(as_text=True)
    assert "Vấn đề ghi trực tiếp trên bài dự thi" in html
    assert "Giúp nông dân sấy nông sản nhanh" in html


def test_a_dangerous_video_link_in_a_version_is_not_a_link(client, world):
    round_entry = world.entries[0]
    database.session.add(
        EntryVersion(
            entry=round_entry.entry,
            number=1,
            content={"title": '"><img src=x onerror=alert(1)>', "video_url": "javascript:alert(1)"},
        )
    )
    database.session.flush()
    sign_in_as(client, world.judges[0])
    html = client.get(sheet_url(round_entry)).get_data(as_text=True)
    assert "javascript:alert" not in html
    assert "<img src=x" not in html and "&lt;img src=x" in html


def test_the_judge_downloads_the_deck_and_nothing_else(client, factory, world):
    round_entry = world.entries[0]
    deck, image = with_deck_and_version(world, round_entry, world.judges[0])
    other_deck, _ = with_deck_and_version(world, world.entries[1], world.judges[0])
    sign_in_as(client, world.judges[0])
    response = client.get(f"{sheet_url(round_entry)}/files/{deck.id}")
    assert response.status_code == 200
    assert response.data == MINIMAL_PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    response.close()
    response = client.get(f"{sheet_url(round_entry)}/files/{image.id}")
    assert response.status_code == 200
    response.close()
    # Another entry's file through this entry's address: 404.
    assert client.get(f"{sheet_url(round_entry)}/files/{other_deck.id}").status_code == 404
    # The team's current deck, replaced since the version, is not what judges read.
    newer = store_upload(io.BytesIO(MINIMAL_PDF), "Bản mới.pdf", PDF, world.judges[0].id)
    round_entry.entry.deck = newer
    database.session.flush()
    assert client.get(f"{sheet_url(round_entry)}/files/{newer.id}").status_code == 404
    # A judge of another entry gets 404 for this entry's deck.
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/judging/")})
    sign_in_as(client, world.judges[2])
    assert client.get(f"{sheet_url(round_entry)}/files/{deck.id}").status_code == 404


def test_the_sheet_uses_the_same_number_of_queries_at_20_and_200_assignments(
    client, factory, count_queries
):
    x = w.build(factory, entries=200, judges=2)
    judge = x.judges[0]
    for round_entry in x.entries[:20]:
        w.assign(x, judge, round_entry)
        w.assign(x, x.judges[1], round_entry)
    target = x.entries[0]
    w.score(x, judge, target, [20, 15, 15, 10, 8, 8.5], submitted=False)
    with_deck_and_version(x, target, judge)
    sign_in_as(client, judge)
    client.get(sheet_url(target))
    with count_queries() as small:
        assert client.get(sheet_url(target)).status_code == 200
    for round_entry in x.entries[20:]:
        w.assign(x, judge, round_entry)
        w.assign(x, x.judges[1], round_entry)
    for round_entry in x.entries[1:150]:
        w.score(x, judge, round_entry, [20, 15, 15, 10, 8, 8.5])
        w.score(x, x.judges[1], round_entry, [20, 15, 15, 10, 8, 8.5])
    with count_queries() as large:
        assert client.get(sheet_url(target)).status_code == 200
    assert large.n == small.n, large.statements


# --- saving -----------------------------------------------------------------------------------


def test_a_draft_takes_decimal_commas_and_points_and_may_be_partial(client, world):
    judge, round_entry = world.judges[0], world.entries[0]
    sign_in_as(client, judge, locale="vi")
    response = post_sheet(client, world, round_entry, ["8,5", "7.5", "", ""], comment="Tốt")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(sheet_url(round_entry))
    sheet = sheet_of(judge, round_entry)
    assert sheet.status == SheetStatus.DRAFT and sheet.submitted_at is None
    assert sheet.origin == SheetOrigin.ONLINE
    assert values_of(sheet) == {
        world.criteria[0].id: Decimal("8.5"),
        world.criteria[1].id: Decimal("7.5"),
    }
    assert sheet.comment_for_team == "Tốt"
    [row] = audit_rows("judging.sheet.save")
    assert row.actor_id == judge.id
    assert row.object_id == str(sheet.id)
    assert row.old["scores"] == {} and row.old["status"] is None
    assert row.new["scores"] == {
        str(world.criteria[0].id): "8.50",
        str(world.criteria[1].id): "7.50",
    }
    assert row.new["status"] == "draft"
    # The page shows the values with a decimal comma (Vietnamese), ready to edit.
    html = client.get(sheet_url(round_entry)).get_data(as_text=True)
    assert 'value="8,5"' in html and 'value="7,5"' in html


def test_submit_then_edit_until_the_window_closes(client, world):
    judge, round_entry = world.judges[0], world.entries[0]
    sign_in_as(client, judge)
    response = post_sheet(client, world, round_entry, FULL, comment="Ý tưởng tốt", submit=True)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/judging/")
    sheet = sheet_of(judge, round_entry)
    assert sheet.status == SheetStatus.SUBMITTED and sheet.submitted_at is not None
    first_submitted_at = sheet.submitted_at
    assert [values_of(sheet)[c.id] for c in world.criteria] == FULL_DECIMALS
    [submitted] = audit_rows("judging.sheet.submit")
    assert submitted.new["status"] == "submitted"
    # Edit after submit: stays submitted, old → new audited.
    edited = ["25", *FULL[1:]]
    response = post_sheet(client, world, round_entry, edited, comment="Ý tưởng rất tốt")
    assert response.status_code == 302
    sheet = sheet_of(judge, round_entry)
    assert sheet.status == SheetStatus.SUBMITTED
    assert sheet.submitted_at == first_submitted_at
    assert values_of(sheet)[world.criteria[0].id] == Decimal("25")
    [change] = audit_rows("judging.sheet.save")
    key = str(world.criteria[0].id)
    assert (change.old["scores"][key], change.new["scores"][key]) == ("20.50", "25.00")
    assert (change.old["comment_for_team"], change.new["comment_for_team"]) == (
        "Ý tưởng tốt",
        "Ý tưởng rất tốt",
    )
    # Still a submission: a criterion cannot be emptied.
    before = state(world)
    response = post_sheet(client, world, round_entry, ["", *FULL[1:]])
    assert response.status_code == 200
    assert "Score this criterion before submitting." in response.get_data(as_text=True)
    assert state(world) == before


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("25,5", "At most 25 for this criterion."),
        ("26", "At most 25 for this criterion."),
        ("-1", "A score cannot be below 0."),
        ("8,25", "Scores go in steps of 0.5"),
        ("8.3", "Scores go in steps of 0.5"),
        ("abc", "Enter a number"),
        ("NaN", "Enter a number"),
        ("inf", "Enter a number"),
        ("Infinity", "Enter a number"),
        ("1e1", "Enter a number"),
        ("8,5,5", "Enter a number"),
        ("１０", "Enter a number"),
    ],
)
def test_a_bad_score_is_refused_with_its_message_and_nothing_changes(client, world, typed, message):
    judge, round_entry = world.judges[0], world.entries[0]
    judge.locale = "en"
    database.session.flush()
    sign_in_as(client, judge)
    post_sheet(client, world, round_entry, ["10", "10"])  # an earlier draft
    before = state(world)
    response = post_sheet(client, world, round_entry, [typed, *FULL[1:]], submit=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Nothing was saved" in html
    block = re.search(
        rf'data-criterion-id="{world.criteria[0].id}">(.*?)</fieldset>', html, re.S
    ).group(1)
    assert message in block and "is-invalid" in block
    # The other criteria carry no error, and what the judge typed is still in the form.
    assert html.count("invalid-feedback") == 1
    assert 'value="16.5"' in html
    assert state(world) == before


def test_submitting_with_a_criterion_missing_is_refused_but_a_draft_is_not(client, world):
    judge, round_entry = world.judges[0], world.entries[0]
    judge.locale = "en"
    database.session.flush()
    sign_in_as(client, judge)
    before = state(world)
    response = post_sheet(client, world, round_entry, FULL[:5], submit=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("Score this criterion before submitting.") == 1
    assert state(world) == before
    assert post_sheet(client, world, round_entry, FULL[:5]).status_code == 302
    assert sheet_of(judge, round_entry).status == SheetStatus.DRAFT


def test_a_draft_value_can_be_cleared(client, world):
    judge, round_entry = world.judges[0], world.entries[0]
    sign_in_as(client, judge)
    post_sheet(client, world, round_entry, ["10", "10"])
    post_sheet(client, world, round_entry, ["10", ""])
    assert values_of(sheet_of(judge, round_entry)) == {world.criteria[0].id: Decimal("10")}


def test_the_step_comes_from_the_round(client, factory):
    x = w.build(factory, entries=1, judges=1, step="0.25")
    w.assign(x, x.judges[0], x.entries[0])
    sign_in_as(client, x.judges[0])
    assert post_sheet(client, x, x.entries[0], ["8,25", "7,75"]).status_code == 302
    assert values_of(sheet_of(x.judges[0], x.entries[0]))[x.criteria[0].id] == Decimal("8.25")


# --- refusals ----------------------------------------------------------------------------------


def _post_with_token(client, url, data):  # noqa: ANN001, ANN201
    return client.post(url, data={"csrf_token": csrf_token(client, "/judging/"), **data})


def test_an_unassigned_judge_is_refused_with_404_and_nothing_changes(client, world):
    judge = world.judges[2]  # on the panel, assigned entry 3 only
    w.score(world, world.judges[0], world.entries[0], [20, 15, 15, 10, 8, 8.5])
    before = state(world)
    sign_in_as(client, judge)
    assert client.get(sheet_url(world.entries[0])).status_code == 404
    response = _post_with_token(
        client, sheet_url(world.entries[0]), form_data(world, FULL, lock=1, submit=True)
    )
    assert response.status_code == 404
    assert state(world) == before


def test_a_proposed_assignment_or_a_removed_panel_member_is_refused(client, world):
    judge = world.judges[2]
    w.assign(world, judge, world.entries[3], published=False)
    before = state(world)
    sign_in_as(client, judge)
    assert client.get(sheet_url(world.entries[3])).status_code == 404
    url = sheet_url(world.entries[3])
    assert _post_with_token(client, url, form_data(world, FULL, lock=0)).status_code == 404
    world.panel[2].status = PanelStatus.REMOVED
    database.session.flush()
    assert client.get(sheet_url(world.entries[2])).status_code == 404
    url = sheet_url(world.entries[2])
    assert _post_with_token(client, url, form_data(world, FULL, lock=0)).status_code == 404
    assert state(world) == before


def test_a_judge_outside_the_panel_scope_is_refused(client, factory):
    x = w.build(factory, entries=2, judges=1, by_track=True)
    judge = x.judges[0]
    x.panel[0].pool_id = x.entries[1].pool_id  # scope: the other pool only
    database.session.flush()
    w.assign(x, judge, x.entries[0])  # an assignment outside the scope
    before = state(x)
    sign_in_as(client, judge)
    assert client.get(sheet_url(x.entries[0])).status_code == 404
    assert (
        _post_with_token(client, sheet_url(x.entries[0]), form_data(x, FULL, lock=0)).status_code
        == 404
    )
    assert state(x) == before


def test_a_conflicted_judge_is_refused_and_nothing_changes(client, world):
    judge, round_entry = world.judges[0], world.entries[0]
    sign_in_as(client, judge)
    post_sheet(client, world, round_entry, ["10"])
    conflict = Conflict(
        user_id=judge.id,
        entry_id=round_entry.entry_id,
        source=ConflictSource.DETECTED,
        reason="same_unit",
    )
    database.session.add(conflict)
    database.session.flush()
    before = state(world)
    response = client.get(sheet_url(round_entry))
    assert response.status_code == 403
    assert "Giúp nông dân" not in response.get_data(as_text=True)  # the entry is not shown
    response = _post_with_token(client, sheet_url(round_entry), form_data(world, FULL, lock=1))
    assert response.status_code == 403
    assert state(world) == before
    # An organizer's override lifts the exclusion.
    conflict.status = ConflictStatus.OVERRIDDEN
    database.session.flush()
    assert client.get(sheet_url(round_entry)).status_code == 200


def test_a_judge_who_has_not_declared_conflicts_is_refused(client, world):
    judge, round_entry = world.judges[0], world.entries[0]
    world.panel[0].conflicts_declared_at = None
    database.session.flush()
    before = state(world)
    sign_in_as(client, judge)
    response = client.get(sheet_url(round_entry))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/judging/rounds/{world.round.id}/declare")
    response = _post_with_token(client, sheet_url(round_entry), form_data(world, FULL, lock=0))
    assert response.status_code == 403
    assert state(world) == before


def test_a_save_one_second_after_the_window_closes_is_refused(client, world):
    judge, round_entry = world.judges[0], world.entries[0]
    closes = datetime.now(UTC) + timedelta(hours=2)
    world.round.judging_closes_at = closes
    database.session.flush()
    sign_in_as(client, judge)
    post_sheet(client, world, round_entry, FULL, submit=True)
    html = client.get(sheet_url(round_entry)).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    # At the closing second itself a save is still on time.
    with time_machine.travel(closes, tick=False):
        response = client.post(
            sheet_url(round_entry),
            data={"csrf_token": token, **form_data(world, ["24", *FULL[1:]], lock=page_lock(html))},
        )
        assert response.status_code == 302
        html = client.get(sheet_url(round_entry)).get_data(as_text=True)
    before = state(world)
    changed = ["10", *FULL[1:]]
    with time_machine.travel(closes + timedelta(seconds=1), tick=False):
        response = client.post(
            sheet_url(round_entry),
            data={"csrf_token": token, **form_data(world, changed, lock=page_lock(html))},
        )
        assert response.status_code == 403
        page = response.get_data(as_text=True)
        assert 'value="10"' in page  # what the judge typed is still on the page
        # The sheet still opens, read-only.
        html = client.get(sheet_url(round_entry)).get_data(as_text=True)
        assert 'id="read-only"' in html and 'name="submit"' not in html
        assert 'value="24"' in html
    assert state(world) == before
    assert values_of(sheet_of(judge, round_entry))[world.criteria[0].id] == Decimal("24")


def test_an_organizer_closing_early_stops_saves(client, world):
    judge, round_entry = world.judges[0], world.entries[0]
    sign_in_as(client, judge)
    html = client.get(sheet_url(round_entry)).get_data(as_text=True)
    world.settings.closed_at = datetime.now(UTC) - timedelta(minutes=1)
    database.session.flush()
    before = state(world)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post(
        sheet_url(round_entry), data={"csrf_token": token, **form_data(world, FULL, lock=0)}
    )
    assert response.status_code == 403
    assert state(world) == before


def test_a_window_not_yet_open_refuses_the_sheet(client, factory):
    x = w.build(factory, entries=1, judges=1, window="not_yet")
    w.assign(x, x.judges[0], x.entries[0])
    sign_in_as(client, x.judges[0])
    before = state(x)
    response = client.get(sheet_url(x.entries[0]))
    assert response.status_code == 403
    assert format_datetime(x.round.judging_opens_at) in response.get_data(as_text=True)
    response = _post_with_token(client, sheet_url(x.entries[0]), form_data(x, FULL, lock=0))
    assert response.status_code == 403
    assert state(x) == before


def test_a_paper_sheet_is_not_changed_online(client, world):
    judge, round_entry = world.judges[0], world.entries[0]
    sheet = w.score(world, judge, round_entry, [20, 15, 15, 10, 8, 8.5])
    sheet.origin = SheetOrigin.PAPER_MANUAL
    sheet.entered_by_id = world.organizer.id
    database.session.flush()
    before = state(world)
    sign_in_as(client, judge)
    html = client.get(sheet_url(round_entry)).get_data(as_text=True)
    assert 'id="read-only"' in html and 'name="submit"' not in html
    response = _post_with_token(client, sheet_url(round_entry), form_data(world, FULL, lock=1))
    assert response.status_code == 403
    assert state(world) == before


def test_a_round_without_a_rubric_scores_nothing(client, world):
    judge, round_entry = world.judges[0], world.entries[0]
    for criterion in world.criteria:
        database.session.delete(criterion)
    database.session.flush()
    before = state(world)
    sign_in_as(client, judge)
    html = client.get(sheet_url(round_entry)).get_data(as_text=True)
    assert 'id="read-only"' in html and 'name="submit"' not in html
    response = _post_with_token(
        client, sheet_url(round_entry), {"lock_version": "0", "submit": "1"}
    )
    assert response.status_code == 403
    assert state(world) == before


def test_extra_fields_reach_no_other_criterion_or_sheet(client, world):
    judge, round_entry = world.judges[0], world.entries[0]
    final = world.competition.rounds[1]
    elsewhere = RubricCriterion(round=final, position=1, name="Khác", max_score=10, weight=1)
    database.session.add(elsewhere)
    database.session.flush()
    sign_in_as(client, judge)
    html = client.get(sheet_url(round_entry)).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    data = {
        "csrf_token": token,
        **form_data(world, FULL, lock=0),
        f"score_{elsewhere.id}": "3",
        "user_id": str(world.judges[1].id),
        "status": "submitted",
        "origin": "import",
        "sheet_id": "1",
    }
    assert client.post(sheet_url(round_entry), data=data).status_code == 302
    sheet = sheet_of(judge, round_entry)
    assert sheet.status == SheetStatus.DRAFT and sheet.origin == SheetOrigin.ONLINE
    assert set(values_of(sheet)) == {c.id for c in world.criteria}
    assert sheet_of(world.judges[1], round_entry) is None


def test_a_post_without_a_token_changes_nothing(client, world):
    sign_in_as(client, world.judges[0])
    before = state(world)
    response = client.post(sheet_url(world.entries[0]), data=form_data(world, FULL, lock=0))
    assert response.status_code == 400
    assert state(world) == before


# --- blind -------------------------------------------------------------------------------------


def test_a_judge_never_sees_another_judges_scores_or_comments(client, world):
    round_entry = world.entries[0]
    bob = world.judges[1]
    sign_in_as(client, bob)
    post_sheet(
        client,
        world,
        round_entry,
        ["24,5", "19,5", "19,5", "14,5", "9,5", "9,5"],
        comment=SECRET_COMMENT,
        note=SECRET_NOTE,
        submit=True,
    )
    assert sheet_of(bob, round_entry).comment_for_team == SECRET_COMMENT
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/judging/")})
    alice = world.judges[0]
    sign_in_as(client, alice)
    pages = [client.get("/judging/"), client.get(sheet_url(round_entry))]
    # A refused save, a save and the two-tab page are answers too.
    pages.append(post_sheet(client, world, round_entry, ["99"]))
    html = client.get(sheet_url(round_entry)).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    pages.append(post_sheet(client, world, round_entry, ["10"], follow_redirects=True))
    pages.append(
        client.post(
            sheet_url(round_entry),
            data={"csrf_token": token, **form_data(world, ["11"], lock=page_lock(html))},
        )
    )
    assert pages[-1].status_code == 409
    for response in pages:
        text = response.get_data(as_text=True)
        assert "XYZ-42" not in text and "QWE-77" not in text
        assert "24,5" not in text and "24.5" not in text and "19,5" not in text
        assert bob.full_name not in text


# --- two tabs and double clicks ----------------------------------------------------------------


def test_two_tabs_the_later_save_is_told_and_nothing_is_lost(client, world):
    judge, round_entry = world.judges[0], world.entries[0]
    judge.locale = "en"
    database.session.flush()
    sign_in_as(client, judge)
    post_sheet(client, world, round_entry, FULL, comment="Bản đầu")
    first_tab = client.get(sheet_url(round_entry)).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', first_tab).group(1)
    lock = page_lock(first_tab)
    tab_one = ["21", *FULL[1:]]
    response = client.post(
        sheet_url(round_entry),
        data={"csrf_token": token, **form_data(world, tab_one, comment="Tab một", lock=lock)},
    )
    assert response.status_code == 302
    saved = state(world)
    tab_two = ["22,5", *FULL[1:]]
    response = client.post(
        sheet_url(round_entry),
        data={
            "csrf_token": token,
            **form_data(world, tab_two, comment="Tab hai", note="Ghi chú tab hai", lock=lock),
        },
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'id="stale-sheet"' in html
    # The judge's unsaved values are in the form, the saved ones beside them.
    block = re.search(
        rf'data-criterion-id="{world.criteria[0].id}">(.*?)</fieldset>', html, re.S
    ).group(1)
    assert 'value="22,5"' in block
    assert re.search(r"Saved:\s*<strong>21</strong>", block)
    assert "Tab hai" in html and "Ghi chú tab hai" in html
    assert re.search(r'class="small mb-3 saved-comment">.*Tab một', html, re.S)
    assert state(world) == saved
    assert values_of(sheet_of(judge, round_entry))[world.criteria[0].id] == Decimal("21")
    # Saving from this page keeps the judge's choice.
    assert page_lock(html) != lock
    response = client.post(
        sheet_url(round_entry),
        data={
            "csrf_token": token,
            **form_data(world, tab_two, comment="Tab hai", lock=page_lock(html)),
        },
    )
    assert response.status_code == 302
    sheet = sheet_of(judge, round_entry)
    assert values_of(sheet)[world.criteria[0].id] == Decimal("22.5")
    assert sheet.comment_for_team == "Tab hai"


def test_a_double_click_makes_one_sheet_and_one_audit_row(client, world):
    judge, round_entry = world.judges[0], world.entries[0]
    sign_in_as(client, judge)
    html = client.get(sheet_url(round_entry)).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    data = {"csrf_token": token, **form_data(world, FULL, comment="Một lần", lock=0, submit=True)}
    first = client.post(sheet_url(round_entry), data=data)
    second = client.post(sheet_url(round_entry), data=data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert count(ScoreSheet, ScoreSheet.user_id == judge.id) == 1
    assert count(Score, Score.sheet_id == sheet_of(judge, round_entry).id) == 6
    assert len(audit_rows("judging.sheet.submit")) == 1
    assert audit_rows("judging.sheet.save") == []


def test_a_missing_lock_version_on_an_existing_sheet_is_stale(client, world):
    judge, round_entry = world.judges[0], world.entries[0]
    sign_in_as(client, judge)
    post_sheet(client, world, round_entry, ["10"])
    before = state(world)
    html = client.get(sheet_url(round_entry)).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    data = {"csrf_token": token, **form_data(world, ["12"])}  # no lock_version
    assert client.post(sheet_url(round_entry), data=data).status_code == 409
    assert state(world) == before


# --- the service directly ----------------------------------------------------------------------


def test_the_service_refuses_before_changing_anything(app, world):
    judge, round_entry = world.judges[0], world.entries[0]
    values = {c.id: v for c, v in zip(world.criteria, FULL, strict=True)}
    before = state(world)
    with pytest.raises(JudgingError) as refused:
        save_sheet(world.judges[2], round_entry, values, "", "", 0, True)
    assert refused.value.reason == services.NOT_ASSIGNED
    with pytest.raises(InvalidScores) as invalid:
        save_sheet(judge, round_entry, {**values, world.criteria[1].id: "20,5"}, "", "", 0, True)
    assert invalid.value.problems == {world.criteria[1].id: services.ABOVE_MAX}
    with pytest.raises(JudgingError) as refused:
        save_sheet(judge, round_entry, values, "x" * 5001, "", 0, False)
    assert refused.value.reason == "comment_too_long"
    after_close = world.round.judging_closes_at + timedelta(seconds=1)
    with pytest.raises(JudgingError) as refused:
        save_sheet(judge, round_entry, values, "", "", 0, False, now=after_close)
    assert refused.value.reason == services.WINDOW_CLOSED
    assert state(world) == before


def test_a_concurrent_first_save_is_caught_by_the_unique_constraint(app, world, monkeypatch):
    """Two requests both found no sheet; the second's INSERT hits the constraint and, as it
    asks for what the first stored, succeeds without a second sheet."""
    judge, round_entry = world.judges[0], world.entries[0]
    values = {c.id: v for c, v in zip(world.criteria, FULL, strict=True)}
    first = save_sheet(judge, round_entry, values, "Nhận xét", "", 0, True)
    assert first.action == "submit"
    real_own_sheet = services.own_sheet
    calls = []

    def as_if_not_yet_there(judge_, round_entry_, *, fresh=False):  # noqa: ANN001, ANN202
        calls.append(fresh)
        return None if not fresh else real_own_sheet(judge_, round_entry_, fresh=True)

    monkeypatch.setattr(services, "own_sheet", as_if_not_yet_there)
    again = save_sheet(judge, round_entry, values, "Nhận xét", "", 0, True)
    assert again.action == "unchanged" and again.sheet.id == first.sheet.id
    assert calls == [False, True]
    with pytest.raises(StaleSheet) as stale:
        save_sheet(judge, round_entry, {**values, world.criteria[0].id: "1"}, "Khác", "", 0, True)
    assert stale.value.current.comment_for_team == "Nhận xét"
    assert count(ScoreSheet, ScoreSheet.user_id == judge.id) == 1
    assert count(JudgeAssignment, JudgeAssignment.status == AssignmentStatus.PUBLISHED) == 5


# --- a sheet left open for hours ---------------------------------------------------------------


def test_a_token_issued_six_hours_earlier_still_saves(client, app, world):
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None
    judge, round_entry = world.judges[0], world.entries[0]
    sign_in_as(client, judge)
    html = client.get(sheet_url(round_entry)).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=6), tick=False):
        response = client.post(
            sheet_url(round_entry),
            data={"csrf_token": token, **form_data(world, FULL, lock=0, submit=True)},
        )
    assert response.status_code == 302
    assert sheet_of(judge, round_entry).status == SheetStatus.SUBMITTED


def test_after_the_idle_limit_the_judge_signs_in_again_and_the_page_keeps_the_input(
    client, app, world
):
    """Past the 8-hour idle limit the post is not applied (the session has ended): the
    judge is sent to sign in and back to the sheet. The page's script keeps the values
    in the tab (sessionStorage) when the form is sent and puts them back when the sheet
    comes back at the same version; here we check the server's part of that contract."""
    judge, round_entry = world.judges[0], world.entries[0]
    sign_in_as(client, judge)
    html = client.get(sheet_url(round_entry)).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    before = state(world)
    idle = app.config["SESSION_IDLE_TIMEOUT"] + timedelta(minutes=1)
    with time_machine.travel(datetime.now(UTC) + idle, tick=False):
        response = client.post(
            sheet_url(round_entry),
            data={"csrf_token": token, **form_data(world, FULL, lock=0, submit=True)},
        )
        assert response.status_code == 302
        location = response.headers["Location"]
        assert "/auth/login" in location and "expired=1" in location
        assert f"next=/judging/sheets/{round_entry.id}" in location.replace("%2F", "/")
        assert state(world) == before
        login_page = client.get(location).get_data(as_text=True)
        assert "Vui lòng đăng nhập lại" in login_page
    # The sheet carries what the script needs: its key, its version, the notice.
    sign_in_as(client, judge)
    html = client.get(sheet_url(round_entry)).get_data(as_text=True)
    assert f'data-sheet-key="{judge.id}-{round_entry.id}"' in html
    assert 'data-lock-version="0"' in html
    assert 'id="restored-notice"' in html and " hidden>" in html
    assert '<script src="/static/judging/scoring.js"></script>' in html
    response = client.get("/static/judging/scoring.js")
    script = response.get_data(as_text=True)
    response.close()
    assert "sessionStorage" in script and "restored-notice" in script


# --- phones ------------------------------------------------------------------------------------


def test_the_sheet_fits_a_phone_and_weighs_little(client, world):
    judge, round_entry = world.judges[0], world.entries[0]
    with_deck_and_version(world, round_entry, judge)
    sign_in_as(client, judge)
    post_sheet(client, world, round_entry, FULL, comment="Nhận xét " * 50)
    html = client.get(sheet_url(round_entry)).get_data(as_text=True)
    # The entry and the rubric stack below the lg breakpoint; no fixed widths, no inline
    # style (CSP), no table that could overflow, no image inlined.
    assert '<section class="col-lg-6" id="entry">' in html
    assert '<section class="col-lg-6" id="score-form">' in html
    assert "style=" not in html and "<table" not in html and "<img " not in html.split("<main")[1]
    assert not re.search(r'\bwidth="\d{3,}"', html)
    assert not re.search(r"<script>", html)
    assets = re.findall(r'(?:href|src)="(/[^"]+\.(?:css|js|svg))"', html)
    assert any("bootstrap.min.css" in a for a in assets)
    transferred = len(gzip.compress(html.encode()))
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200
        transferred += len(gzip.compress(response.data))
        response.close()
    assert transferred < 150 * 1024, transferred


# --- parallel posts on real connections --------------------------------------------------------


@pytest.fixture()
def separate_app(smtp_server, tmp_path):  # noqa: ANN001, ANN201
    """An app on a database of its own whose rows are committed for real, so that requests
    in threads meet on real connections: PostgreSQL when TEST_DATABASE_URL is set, a SQLite
    file otherwise (WAL, immediate write transactions)."""
    with separate_database_app(smtp_server.port, tmp_path) as separate:
        yield separate


def test_twenty_parallel_identical_submits_make_one_sheet(separate_app):
    import threading

    from tests.factories import Factory

    with separate_app.app_context():
        x = w.build(Factory(), entries=1, judges=1)
        w.assign(x, x.judges[0], x.entries[0])
        criteria = [c.id for c in x.criteria]
        judge_id, email, round_entry_id = x.judges[0].id, x.judges[0].email, x.entries[0].id
        database.session.commit()
        database.session.remove()

    first = separate_app.test_client()
    assert login(first, email).status_code == 302
    url = f"/judging/sheets/{round_entry_id}"
    html = first.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    data = {f"score_{cid}": value for cid, value in zip(criteria, FULL, strict=True)}
    data |= {"csrf_token": token, "lock_version": page_lock(html), "submit": "1"}
    data |= {"comment_for_team": "Gửi hai mươi lần cùng lúc", "private_note": ""}
    cookie = first.get_cookie("sprout_session")

    clients = []
    for _ in range(20):
        other = separate_app.test_client()
        other.set_cookie("sprout_session", cookie.value)
        clients.append(other)
    barrier = threading.Barrier(len(clients))
    answers: list[int | str] = []

    def post(browser) -> None:  # noqa: ANN001
        try:
            barrier.wait(timeout=30)
            answers.append(browser.post(url, data=data).status_code)
        except Exception as error:  # noqa: BLE001  (reported below, not swallowed)
            answers.append(repr(error))

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(answers, key=str) == [302] * 20

    with separate_app.app_context():
        sheets = database.session.scalars(
            select(ScoreSheet).where(ScoreSheet.user_id == judge_id)
        ).all()
        assert len(sheets) == 1
        assert sheets[0].status == SheetStatus.SUBMITTED
        assert sorted(s.value for s in sheets[0].scores) == sorted(FULL_DECIMALS)
        assert count(Score, Score.sheet_id == sheets[0].id) == 6
        actions = database.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("judging.sheet.%"))
        ).all()
        assert actions == ["judging.sheet.submit"]
        database.session.remove()
