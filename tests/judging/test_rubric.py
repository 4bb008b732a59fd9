"""The rubric of a round (criteria, levels, templates, copies, the score step), its judging
settings, the lock once scoring has started, and the organizers' hub of the round."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.people.models import User
from competitions.models import Round
from judging.common import JudgingError
from judging.models import RoundJudging, RubricCriterion, Score
from judging.rubric import services
from judging.rubric.templates import STANDARD, TEMPLATES, level_ranges
from tests.helpers import post_form
from tests.judging import roles
from tests.judging import world as w
from tests.judging.roles import (
    FLASH,
    ORGANIZERS_ONLY,
    ROLES,
    answer,
    assert_access,
    refusal,
    sign_in,
)

# fmt: off
ACCESS: dict[str, dict[str, int | str]] = {
    "judging.round_overview":        ORGANIZERS_ONLY,
    "judging.rubric":                ORGANIZERS_ONLY,
    "judging.rubric_criterion_new":  ORGANIZERS_ONLY,
    "judging.rubric_criterion_edit": ORGANIZERS_ONLY,
    "judging.rubric_settings":       ORGANIZERS_ONLY,
    "judging.entries":               ORGANIZERS_ONLY,
}
POST_ENDPOINTS = {
    "judging.rubric_criterion_delete",
    "judging.rubric_criterion_move",
    "judging.rubric_template",
    "judging.rubric_copy",
    "judging.entries_place",
    "judging.entries_move",
}
# fmt: on


class Setup(roles.Setting):
    @property
    def round(self) -> Round:
        return self.world.round

    def url(self, suffix: str = "") -> str:
        return f"/judging/rounds/{self.round.id}{suffix}"


def make_accounts(factory, world: w.World) -> dict[str, User]:  # noqa: ANN001
    world.organizer.locale = "en"  # messages are checked in English, the msgids
    return roles.accounts(factory, world, elsewhere="Thành phố Huế")


@pytest.fixture()
def setup(db, factory) -> Setup:
    world = w.build(factory, entries=4, judges=3)
    accounts = make_accounts(factory, world)
    db.session.flush()
    return Setup(world, accounts)


def text(response) -> str:  # noqa: ANN001
    return response.get_data(as_text=True)


def flashes(response) -> str:  # noqa: ANN001
    """The alerts of a page as one unescaped string."""
    return html.unescape(" ".join(message for _kind, message in FLASH.findall(text(response))))


def rubric_state(db, round_id: int) -> tuple:  # noqa: ANN001
    """Everything a rubric change could touch, to check that nothing changed."""
    criteria = tuple(
        (c.id, c.position, c.name, c.description, c.max_score, c.weight, str(c.levels))
        for c in db.session.scalars(
            select(RubricCriterion)
            .where(RubricCriterion.round_id == round_id)
            .order_by(RubricCriterion.position)
        )
    )
    settings = db.session.get(RoundJudging, round_id)
    stored = (
        None
        if settings is None
        else tuple(getattr(settings, name) for name in services.SETTING_FIELDS)
    )
    scores = tuple(db.session.execute(select(Score.id, Score.value).order_by(Score.id)).all())
    return criteria, stored, scores, audits(db)


def audits(db, action: str = "judging.") -> int:  # noqa: ANN001
    return db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action.startswith(action))
    )


def last_audit(db, action: str) -> AuditEvent:  # noqa: ANN001
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc())
    ).first()


def criteria(db, round_id: int) -> list[RubricCriterion]:  # noqa: ANN001
    return list(
        db.session.scalars(
            select(RubricCriterion)
            .where(RubricCriterion.round_id == round_id)
            .order_by(RubricCriterion.position)
        )
    )


def msgid(lazy) -> str:  # noqa: ANN001
    """The English text of a lazy string, read without a request."""
    return lazy._args[0]


def criterion_form(**values) -> dict:  # noqa: ANN003
    data = {"name": "", "description": "", "max_score": "", "weight": "", "levels": ""}
    data.update(values)
    return data


def settings_form(settings: RoundJudging, **values) -> dict:  # noqa: ANN003
    data = {
        "mode": settings.mode,
        "score_step": str(settings.score_step),
        "judges_per_entry": str(settings.judges_per_entry),
        "default_cap": "" if settings.default_cap is None else str(settings.default_cap),
        "method": settings.method,
        "tie_breaks": settings.tie_breaks,
        "disagreement_sd": str(settings.disagreement_sd),
        "disagreement_range": str(settings.disagreement_range),
    }
    data.update(values)
    return data


def foreign_round(db, factory) -> Round:  # noqa: ANN001
    """The first round of another competition, with a one-criterion rubric."""
    competition = factory.competition(
        title="Cuộc thi Khởi nghiệp Huế", code="HU", owner_unit=factory.unit("Thành phố Huế 2")
    )
    round_ = competition.rounds[0]
    db.session.add(
        RubricCriterion(
            round=round_, position=1, name="Tính mới", max_score=Decimal(10), weight=Decimal(1)
        )
    )
    db.session.flush()
    return round_


def scored(setup: Setup, values=(20, 15, 15, 10, 8, 8.5)):  # noqa: ANN001, ANN201
    """Judging under way: one judge has scored one entry."""
    world = setup.world
    w.assign(world, world.judges[0], world.entries[0])
    return w.score(world, world.judges[0], world.entries[0], list(values), submitted=False)


def empty_round(db, setup: Setup) -> Round:  # noqa: ANN001
    """The competition's second round: no rubric, no settings."""
    return setup.world.competition.rounds[1]


# --- access ---------------------------------------------------------------------------------


def sample_urls(setup: Setup) -> dict[str, str]:
    criterion = setup.world.criteria[0]
    return {
        "judging.round_overview": setup.url(),
        "judging.rubric": setup.url("/rubric"),
        "judging.rubric_criterion_new": setup.url("/rubric/criteria/new"),
        "judging.rubric_criterion_edit": setup.url(f"/rubric/criteria/{criterion.id}/edit"),
        "judging.rubric_settings": setup.url("/settings"),
        "judging.entries": setup.url("/entries"),
    }


@pytest.mark.parametrize("role", ROLES)
def test_access(client, setup, role):
    assert_access(client, setup.accounts, role, sample_urls(setup), ACCESS)


@pytest.mark.parametrize("role", ["anonymous", "participant", "judge", "other_organizer"])
def test_post_endpoints_refuse_everyone_but_organizers(client, db, setup, role):
    criterion = setup.world.criteria[1]
    before = rubric_state(db, setup.round.id)
    sign_in(client, setup.accounts, role)
    token_page = "/auth/login" if role == "anonymous" else "/"
    posts = {
        "judging.rubric_criterion_delete": (
            setup.url(f"/rubric/criteria/{criterion.id}/delete"),
            {},
        ),
        "judging.rubric_criterion_move": (
            setup.url(f"/rubric/criteria/{criterion.id}/move"),
            {"direction": "up"},
        ),
        "judging.rubric_template": (
            setup.url("/rubric/template"),
            {"template": "pitch_final", "replace": "y"},
        ),
        "judging.rubric_copy": (setup.url("/rubric/copy"), {"source": setup.round.id}),
        "judging.entries_place": (setup.url("/entries/place"), {}),
        "judging.entries_move": (
            setup.url("/entries/move"),
            {"round_entry_ids": setup.world.entries[0].id, "pool": setup.world.pools[0].id},
        ),
    }
    assert set(posts) == POST_ENDPOINTS
    for path, data in posts.values():
        response = post_form(client, path, data, form_page=token_page)
        assert answer(response) == refusal(role)
    assert rubric_state(db, setup.round.id) == before


def test_missing_round_or_criterion_of_another_round_is_404(client, db, factory, setup):
    other = foreign_round(db, factory)
    sign_in(client, setup.accounts)
    assert client.get("/judging/rounds/999999/rubric").status_code == 404
    assert client.get("/judging/rounds/999999").status_code == 404
    foreign = criteria(db, other.id)[0]
    assert client.get(setup.url(f"/rubric/criteria/{foreign.id}/edit")).status_code == 404
    before = rubric_state(db, other.id)
    response = post_form(
        client, setup.url(f"/rubric/criteria/{foreign.id}/delete"), {}, form_page=setup.url()
    )
    assert response.status_code == 404
    assert rubric_state(db, other.id) == before
    # Its own organizers' pages are theirs: ours get 403 there.
    assert client.get(f"/judging/rounds/{other.id}/rubric").status_code == 403


def test_post_without_csrf_token_changes_nothing(client, db, setup):
    sign_in(client, setup.accounts)
    before = rubric_state(db, setup.round.id)
    criterion = setup.world.criteria[0]
    response = client.post(setup.url(f"/rubric/criteria/{criterion.id}/delete"))
    assert response.status_code == 400
    assert rubric_state(db, setup.round.id) == before


def test_reading_the_pages_writes_nothing(client, db, setup):
    round_ = empty_round(db, setup)
    sign_in(client, setup.accounts)
    for suffix in ("", "/rubric", "/settings", "/rubric/criteria/new", "/entries"):
        assert client.get(f"/judging/rounds/{round_.id}{suffix}").status_code == 200
    assert db.session.get(RoundJudging, round_.id) is None


# --- templates ------------------------------------------------------------------------------


def test_standard_template_matches_the_programme():
    assert [c.max_score for c in STANDARD.criteria] == [25, 20, 20, 15, 10, 10]
    assert STANDARD.total == 100
    assert {t.total for t in TEMPLATES.values()} == {100}
    assert len(TEMPLATES) >= 3


def test_level_ranges_cover_zero_to_the_maximum_without_gaps_on_the_step():
    step = Decimal("0.5")
    for maximum in (Decimal(10), Decimal(15), Decimal(25), Decimal(30)):
        ranges = level_ranges(maximum, step)
        assert ranges[0][0] == 0 and ranges[-1][1] == maximum
        for (_low, high), (next_low, _high) in zip(ranges, ranges[1:], strict=False):
            assert next_low == high + step
        assert all(low <= high for low, high in ranges)
    assert level_ranges(Decimal(25), step) == [
        (0, Decimal("6")),
        (Decimal("6.5"), Decimal("12.5")),
        (Decimal("13"), Decimal("18.5")),
        (Decimal("19"), Decimal("25")),
    ]


def test_template_fills_an_empty_rubric_in_the_organizers_language(client, db, setup):
    round_ = empty_round(db, setup)
    sign_in(client, setup.accounts)
    response = post_form(
        client,
        f"/judging/rounds/{round_.id}/rubric/template",
        {"template": "standard"},
        form_page=f"/judging/rounds/{round_.id}/rubric",
        follow_redirects=True,
    )
    assert response.status_code == 200
    made = criteria(db, round_.id)
    assert [c.name for c in made] == [msgid(c.name) for c in STANDARD.criteria]
    assert made[0].name == "Innovation and creativity"  # the organizer reads English
    assert [c.max_score for c in made] == [25, 20, 20, 15, 10, 10]
    assert [c.weight for c in made] == [c.max_score for c in made]
    assert [c.position for c in made] == [1, 2, 3, 4, 5, 6]
    for c in made:
        assert c.description
        assert len(c.levels) == 4 and all(level["text"] for level in c.levels)
        assert c.levels[0]["min"] == 0 and Decimal(str(c.levels[-1]["max"])) == c.max_score
    assert db.session.get(RoundJudging, round_.id).score_step == Decimal("0.5")
    event = last_audit(db, "judging.rubric.template")
    assert event.new["template"] == "standard" and event.actor_id == setup.world.organizer.id
    page = text(client.get(f"/judging/rounds/{round_.id}/rubric"))
    assert "Innovation and creativity" in page and "Social impact" in page


def test_template_in_vietnamese_uses_the_vietnamese_catalog(app, client, db, setup):
    """A Vietnamese organizer gets the names the catalog gives for "vi"."""
    round_ = empty_round(db, setup)
    sign_in(client, setup.accounts, locale="vi")
    post_form(
        client,
        f"/judging/rounds/{round_.id}/rubric/template",
        {"template": "high_school"},
        form_page=f"/judging/rounds/{round_.id}/rubric",
    )
    with app.test_request_context(), force_locale("vi"):
        expected = [gettext(msgid(c.name)) for c in TEMPLATES["high_school"].criteria]
    assert [c.name for c in criteria(db, round_.id)] == expected


def test_template_over_existing_criteria_needs_the_tick(client, db, setup):
    sign_in(client, setup.accounts)
    before = rubric_state(db, setup.round.id)
    response = post_form(
        client,
        setup.url("/rubric/template"),
        {"template": "pitch_final"},
        form_page=setup.url("/rubric"),
        follow_redirects=True,
    )
    assert "tick “Replace the current criteria”" in flashes(response)
    assert rubric_state(db, setup.round.id) == before
    post_form(
        client,
        setup.url("/rubric/template"),
        {"template": "pitch_final", "replace": "y"},
        form_page=setup.url("/rubric"),
    )
    names = [c.name for c in criteria(db, setup.round.id)]
    assert names[0] == "Problem and solution" and len(names) == 6


def test_template_never_replaces_a_rubric_judges_have_used(client, db, setup):
    scored(setup)
    sign_in(client, setup.accounts)
    before = rubric_state(db, setup.round.id)
    response = post_form(
        client,
        setup.url("/rubric/template"),
        {"template": "pitch_final", "replace": "y"},
        form_page=setup.url("/rubric"),
        follow_redirects=True,
    )
    assert "cannot be replaced" in flashes(response)
    assert rubric_state(db, setup.round.id) == before


def test_unknown_template_is_refused(db, setup):
    with pytest.raises(JudgingError) as refused:
        services.apply_template(setup.round, "nope", by=setup.world.organizer, replace=True)
    assert refused.value.reason == "unknown_template"


def test_template_keeps_a_step_that_fits_and_changes_one_that_does_not(app, db, setup):
    round_ = empty_round(db, setup)
    settings = services.current_settings(round_)
    db.session.add(settings)
    settings.score_step = Decimal("5")
    db.session.flush()
    with app.test_request_context():
        services.apply_template(round_, "standard", by=setup.world.organizer)
        assert settings.score_step == Decimal("5")  # 25, 20, 15 and 10 are multiples of 5
        settings.score_step = Decimal("2")
        services.apply_template(round_, "high_school", by=setup.world.organizer, replace=True)
    assert settings.score_step == Decimal("0.5")  # 25 and 15 are not multiples of 2


# --- copy -----------------------------------------------------------------------------------


def test_copy_the_rubric_and_step_of_another_round(client, db, setup):
    round_ = empty_round(db, setup)
    setup.world.settings.score_step = Decimal("0.25")
    db.session.flush()
    sign_in(client, setup.accounts)
    page = text(client.get(f"/judging/rounds/{round_.id}/rubric"))
    assert f'<option value="{setup.round.id}"' in page
    post_form(
        client,
        f"/judging/rounds/{round_.id}/rubric/copy",
        {"source": setup.round.id},
        form_page=f"/judging/rounds/{round_.id}/rubric",
    )
    copied = criteria(db, round_.id)
    source = criteria(db, setup.round.id)
    assert [(c.name, c.max_score, c.weight, c.position) for c in copied] == [
        (c.name, c.max_score, c.weight, c.position) for c in source
    ]
    assert {c.id for c in copied}.isdisjoint({c.id for c in source})
    assert db.session.get(RoundJudging, round_.id).score_step == Decimal("0.25")
    assert last_audit(db, "judging.rubric.copy").new["from_round_id"] == setup.round.id


def test_copy_from_another_competition_is_refused(client, db, factory, setup):
    other = foreign_round(db, factory)
    round_ = empty_round(db, setup)
    sign_in(client, setup.accounts)
    before = rubric_state(db, round_.id)
    response = post_form(
        client,
        f"/judging/rounds/{round_.id}/rubric/copy",
        {"source": other.id},
        form_page=f"/judging/rounds/{round_.id}/rubric",
        follow_redirects=True,
    )
    assert "Choose another round of this competition" in flashes(response)
    assert rubric_state(db, round_.id) == before
    with pytest.raises(JudgingError):
        services.copy_rubric(round_, other, by=setup.world.organizer)
    with pytest.raises(JudgingError):
        services.copy_rubric(round_, round_, by=setup.world.organizer)


# --- one criterion --------------------------------------------------------------------------


def test_add_a_criterion_with_decimal_commas_and_levels(client, db, setup):
    sign_in(client, setup.accounts)
    response = post_form(
        client,
        setup.url("/rubric/criteria/new"),
        criterion_form(
            name="  Khả năng   mở rộng ",
            description="Dự án có thể nhân rộng ra các xã khác không.",
            max_score="12,5",
            weight="7,5",
            levels=(
                "0–4,5: Chỉ dùng được tại chỗ.\n\n5-9: Nhân rộng trong tỉnh.\n"
                "9,5 – 12,5: Nhân rộng toàn quốc."
            ),
        ),
    )
    assert response.status_code == 302
    added = criteria(db, setup.round.id)[-1]
    assert added.name == "Khả năng mở rộng"
    assert added.position == 7
    assert added.max_score == Decimal("12.5") and added.weight == Decimal("7.5")
    assert added.levels == [
        {"min": 0, "max": 4.5, "text": "Chỉ dùng được tại chỗ."},
        {"min": 5, "max": 9, "text": "Nhân rộng trong tỉnh."},
        {"min": 9.5, "max": 12.5, "text": "Nhân rộng toàn quốc."},
    ]
    event = last_audit(db, "judging.criterion.create")
    assert event.new["name"] == "Khả năng mở rộng" and "confirmed_over_scores" not in event.new
    # Shown back with the decimal comma to a Vietnamese reader.
    setup.world.organizer.locale = "vi"
    db.session.flush()
    page = text(client.get(setup.url(f"/rubric/criteria/{added.id}/edit")))
    assert 'value="12,5"' in page and "9,5–12,5: Nhân rộng toàn quốc." in page


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"max_score": "0"}, "Enter a number above 0."),
        ({"weight": "-1"}, "Enter a number above 0."),
        ({"max_score": "12,3"}, "is not a multiple of the round's score step 0.5"),
        ({"max_score": "abc"}, "Enter a number"),
        ({"name": "tính  khả thi"}, "already has a criterion “tính khả thi”"),
        ({"levels": "0-5: Yếu\n4-10: Khá"}, "Levels overlap"),
        ({"levels": "0-25: Mọi mức"}, "above the maximum score 10"),
        ({"levels": "5-2: Ngược"}, "is not a range from a lower to a higher score"),
        ({"levels": "Yếu nếu dưới 5"}, "Line 1:"),
        ({"name": ""}, "This field is required."),
    ],
)
def test_criterion_form_refuses_bad_input(client, db, setup, values, message):
    sign_in(client, setup.accounts)
    before = rubric_state(db, setup.round.id)
    data = criterion_form(name="Tính bền vững", max_score="10", weight="10")
    data.update(values)
    response = post_form(client, setup.url("/rubric/criteria/new"), data)
    assert response.status_code == 200
    assert message in html.unescape(text(response))
    assert rubric_state(db, setup.round.id) == before


def test_edit_a_criterion(client, db, setup):
    sign_in(client, setup.accounts)
    target = setup.world.criteria[1]
    response = post_form(
        client,
        setup.url(f"/rubric/criteria/{target.id}/edit"),
        criterion_form(name="Tính khả thi", description="Mô tả mới.", max_score="30", weight="30"),
    )
    assert response.status_code == 302
    db.session.refresh(target)
    assert (target.max_score, target.weight, target.description) == (30, 30, "Mô tả mới.")
    event = last_audit(db, "judging.criterion.update")
    assert Decimal(event.old["max_score"]) == 20 and Decimal(event.new["max_score"]) == 30


def test_saving_an_unchanged_criterion_records_nothing(client, db, setup):
    sign_in(client, setup.accounts)
    target = setup.world.criteria[0]
    before = audits(db)
    response = post_form(
        client,
        setup.url(f"/rubric/criteria/{target.id}/edit"),
        criterion_form(
            name=target.name, description=target.description, max_score="25", weight="25,0"
        ),
        follow_redirects=True,
    )
    assert "Nothing was changed." in flashes(response)
    assert audits(db) == before


def test_delete_a_criterion_renumbers_the_rest(client, db, setup):
    sign_in(client, setup.accounts)
    gone = setup.world.criteria[2].id
    response = post_form(
        client, setup.url(f"/rubric/criteria/{gone}/delete"), {}, form_page=setup.url()
    )
    assert response.status_code == 302
    remaining = criteria(db, setup.round.id)
    assert [c.position for c in remaining] == [1, 2, 3, 4, 5]
    assert gone not in {c.id for c in remaining}
    assert last_audit(db, "judging.criterion.delete").old["name"] == "Thị trường"


def test_move_sets_the_tie_break_priority(client, db, setup):
    sign_in(client, setup.accounts)
    team = setup.world.criteria[3]
    post_form(
        client,
        setup.url(f"/rubric/criteria/{team.id}/move"),
        {"direction": "up"},
        form_page=setup.url(),
    )
    names = [c.name for c in criteria(db, setup.round.id)]
    assert names[2:4] == ["Đội ngũ", "Thị trường"]
    first = setup.world.criteria[0]
    before = rubric_state(db, setup.round.id)
    response = post_form(
        client,
        setup.url(f"/rubric/criteria/{first.id}/move"),
        {"direction": "up"},
        form_page=setup.url(),
        follow_redirects=True,
    )
    assert "cannot move further" in flashes(response)
    assert rubric_state(db, setup.round.id) == before
    bad = post_form(
        client,
        setup.url(f"/rubric/criteria/{first.id}/move"),
        {"direction": "sideways"},
        form_page=setup.url(),
    )
    assert bad.status_code == 400
    event = last_audit(db, "judging.criterion.move")
    assert event.new["order"][2] == "Đội ngũ"


# --- the lock once scoring has started ------------------------------------------------------


def test_rubric_change_during_scoring_is_refused_without_the_confirmation(client, db, setup):
    """The issue's hostile case: clear message, nothing changed."""
    scored(setup)
    sign_in(client, setup.accounts)
    target = setup.world.criteria[0]
    before = rubric_state(db, setup.round.id)
    response = post_form(
        client,
        setup.url(f"/rubric/criteria/{target.id}/edit"),
        criterion_form(name=target.name, max_score="25", weight="40"),
    )
    assert response.status_code == 200
    message = flashes(response)
    assert "Judges have already saved 6 scores in this round" in message
    assert "Nothing was changed." in message
    assert "I understand that 6 scores exist" in text(response)
    assert rubric_state(db, setup.round.id) == before


def test_rubric_change_during_scoring_with_the_confirmation_is_applied_and_audited(
    client, db, setup
):
    scored(setup)
    sign_in(client, setup.accounts)
    target = setup.world.criteria[0]
    response = post_form(
        client,
        setup.url(f"/rubric/criteria/{target.id}/edit"),
        criterion_form(name=target.name, max_score="25", weight="40", confirm_scores="y"),
    )
    assert response.status_code == 302
    db.session.refresh(target)
    assert target.weight == 40
    event = last_audit(db, "judging.criterion.update")
    assert event.new["confirmed_over_scores"] == 6
    assert event.actor_id == setup.world.organizer.id


@pytest.mark.parametrize("action", ["add", "move", "delete_unscored"])
def test_every_kind_of_rubric_change_is_locked(client, db, setup, action):
    scored(setup)
    sign_in(client, setup.accounts)
    if action == "delete_unscored":
        extra = services.add_criterion(
            setup.round,
            services.CriterionData("Tính bền vững", Decimal(5), Decimal(5)),
            by=setup.world.organizer,
            confirmed=True,
        )
        path, data = setup.url(f"/rubric/criteria/{extra.id}/delete"), {}
    elif action == "move":
        path, data = (
            setup.url(f"/rubric/criteria/{setup.world.criteria[1].id}/move"),
            {"direction": "up"},
        )
    else:
        path = setup.url("/rubric/criteria/new")
        data = criterion_form(name="Tính bền vững", max_score="5", weight="5")
    before = rubric_state(db, setup.round.id)
    response = post_form(client, path, data, form_page=setup.url("/rubric"), follow_redirects=True)
    assert "Tick the confirmation if you mean it." in flashes(response)
    assert rubric_state(db, setup.round.id) == before
    response = post_form(client, path, {**data, "confirm_scores": "y"}, form_page=setup.url())
    assert response.status_code == 302
    assert rubric_state(db, setup.round.id) != before


def test_a_scored_criterion_cannot_be_deleted_even_with_the_confirmation(client, db, setup):
    scored(setup)
    sign_in(client, setup.accounts)
    target = setup.world.criteria[2]
    before = rubric_state(db, setup.round.id)
    response = post_form(
        client,
        setup.url(f"/rubric/criteria/{target.id}/delete"),
        {"confirm_scores": "y"},
        form_page=setup.url(),
        follow_redirects=True,
    )
    assert "“Thị trường” cannot be deleted: judges have given 1 score on it" in flashes(response)
    assert rubric_state(db, setup.round.id) == before


def test_a_maximum_cannot_go_below_a_score_given_even_with_the_confirmation(client, db, setup):
    scored(setup)  # 20 on the first criterion
    sign_in(client, setup.accounts)
    target = setup.world.criteria[0]
    before = rubric_state(db, setup.round.id)
    response = post_form(
        client,
        setup.url(f"/rubric/criteria/{target.id}/edit"),
        criterion_form(name=target.name, max_score="15", weight="25", confirm_scores="y"),
    )
    assert "cannot go below 20: a judge has already given that score" in flashes(response)
    assert rubric_state(db, setup.round.id) == before
    # Down to the highest score given is fine, confirmed.
    response = post_form(
        client,
        setup.url(f"/rubric/criteria/{target.id}/edit"),
        criterion_form(name=target.name, max_score="20", weight="25", confirm_scores="y"),
    )
    assert response.status_code == 302


def test_the_step_cannot_leave_given_scores_off_it(client, db, setup):
    scored(setup)  # 8.5 on the last criterion
    sign_in(client, setup.accounts)
    settings = setup.world.settings
    before = rubric_state(db, setup.round.id)
    response = post_form(
        client,
        setup.url("/settings"),
        settings_form(settings, score_step="1", confirm_scores="y"),
    )
    assert response.status_code == 200
    assert "1 score already given (e.g. 8.5) is not a multiple of it" in flashes(response)
    assert rubric_state(db, setup.round.id) == before
    # A finer step keeps every score on it, but still needs the confirmation.
    response = post_form(client, setup.url("/settings"), settings_form(settings, score_step="0,25"))
    assert "Tick the confirmation" in flashes(response)
    assert rubric_state(db, setup.round.id) == before
    response = post_form(
        client,
        setup.url("/settings"),
        settings_form(settings, score_step="0,25", confirm_scores="y"),
    )
    assert response.status_code == 302
    db.session.refresh(settings)
    assert settings.score_step == Decimal("0.25")
    event = last_audit(db, "judging.settings")
    assert event.new == {"score_step": "0.25", "confirmed_over_scores": 6}


def test_the_step_must_divide_every_maximum(client, db, setup):
    sign_in(client, setup.accounts)
    before = rubric_state(db, setup.round.id)
    response = post_form(
        client, setup.url("/settings"), settings_form(setup.world.settings, score_step="2")
    )
    assert "the maximum of “Tính đổi mới sáng tạo”, “Đội ngũ” is not a multiple" in flashes(
        response
    )
    assert rubric_state(db, setup.round.id) == before


def test_require_rubric_refuses_a_round_without_criteria(db, setup):
    round_ = empty_round(db, setup)
    with pytest.raises(JudgingError) as refused:
        services.require_rubric(round_.id)
    assert refused.value.reason == "no_criteria"
    services.require_rubric(setup.round.id)


# --- settings -------------------------------------------------------------------------------


def test_settings_page_explains_each_method_and_mode(client, setup):
    sign_in(client, setup.accounts)
    page = html.unescape(text(client.get(setup.url("/settings"))))
    for phrase in (
        "The average of the judges' totals",
        "The middle one of the judges' totals",
        "Drop the highest and the lowest total",
        "each judge's totals are put on a common scale",
        "Every judge on the panel scores every entry of the pool",
        "Entries still equal share a rank: 1, 2, 2, 4.",
    ):
        assert phrase in page, phrase


def test_save_settings_with_decimal_commas(client, db, setup):
    sign_in(client, setup.accounts)
    settings = setup.world.settings
    response = post_form(
        client,
        setup.url("/settings"),
        settings_form(
            settings,
            mode="panel",
            judges_per_entry="5",
            default_cap="12",
            method="normalised",
            tie_breaks="judge_count,criteria",
            disagreement_sd="12,5",
            disagreement_range="25,5",
        ),
    )
    assert response.status_code == 302
    db.session.refresh(settings)
    assert (settings.mode, settings.judges_per_entry, settings.default_cap) == ("panel", 5, 12)
    assert (settings.method, settings.tie_breaks) == ("normalised", "judge_count,criteria")
    assert settings.disagreement_sd == Decimal("12.5")
    assert settings.disagreement_range == Decimal("25.5")
    event = last_audit(db, "judging.settings")
    assert event.old["method"] == "mean" and event.new["method"] == "normalised"
    assert "score_step" not in event.new


def test_ranking_settings_are_not_locked_by_scoring(client, db, setup):
    scored(setup)
    sign_in(client, setup.accounts)
    response = post_form(
        client, setup.url("/settings"), settings_form(setup.world.settings, method="median")
    )
    assert response.status_code == 302
    db.session.refresh(setup.world.settings)
    assert setup.world.settings.method == "median"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"judges_per_entry": "0"}, "Number must be between 1 and 50."),
        ({"score_step": "0"}, "Enter a number above 0."),
        ({"score_step": "0,001"}, "Use at most 2 decimal places."),
        ({"disagreement_sd": "0"}, "Number must be between 0.01 and 100."),
        ({"method": "best_of"}, "Not a valid choice"),
        ({"tie_breaks": "random"}, "Not a valid choice"),
        ({"default_cap": "0"}, "Number must be at least 1."),
    ],
)
def test_settings_refuse_bad_input(client, db, setup, values, message):
    sign_in(client, setup.accounts)
    before = rubric_state(db, setup.round.id)
    response = post_form(
        client, setup.url("/settings"), settings_form(setup.world.settings, **values)
    )
    assert response.status_code == 200
    assert message in text(response)
    assert rubric_state(db, setup.round.id) == before


def test_settings_service_refuses_what_the_form_would(db, setup):
    data = services.settings_data(setup.world.settings)
    data.tie_breaks = "criteria,criteria"
    data.score_step = Decimal("60")
    with pytest.raises(JudgingError) as refused:
        services.update_settings(setup.round, data, by=setup.world.organizer)
    assert set(refused.value.reasons) == {"bad_tie_breaks", "step_range"}


# --- the hub --------------------------------------------------------------------------------


def step_statuses(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-step="(\w+)" data-status="(\w+)"', html))


def test_hub_shows_each_step_with_its_status(client, db, setup):
    sign_in(client, setup.accounts)
    html = text(client.get(setup.url()))
    statuses = step_statuses(html)
    assert list(statuses) == [
        "rubric",
        "entries",
        "panel",
        "conflicts",
        "assignments",
        "scoring",
        "ranking",
        "advancement",
        "results",
    ]
    assert statuses["rubric"] == "done"
    assert statuses["entries"] == "done"
    assert statuses["panel"] == "done"  # every judge declared their conflicts
    assert statuses["assignments"] == "todo"
    assert statuses["scoring"] == "todo"
    assert "6 criteria" in html and "4 entries" in html and "3 judges" in html
    scored(setup)
    html = text(client.get(setup.url()))
    assert step_statuses(html)["assignments"] == "started"
    assert step_statuses(html)["scoring"] == "started"
    assert "0 of 1 sheets submitted" in html and "1 draft" in html


def test_hub_counts_accepted_entries_not_placed_yet(client, db, factory, setup):
    world = setup.world
    team = factory.team(name="Nhóm Đến Muộn")
    factory.entry(competition=world.competition, team=team, title="Đến muộn", status="accepted")
    factory.entry(competition=world.competition, team=team, title="Còn chờ", status="submitted")
    sign_in(client, setup.accounts)
    html = text(client.get(setup.url()))
    assert "1 accepted entry not placed yet" in html
    assert step_statuses(html)["entries"] == "started"


def test_hub_links_to_every_step_of_the_round(client, setup):
    sign_in(client, setup.accounts)
    html = text(client.get(setup.url()))
    for page in ("rubric", "entries", "panel", "conflicts", "assignments", "progress", "paper",
                 "ranking", "trust", "advancement", "awards"):  # fmt: skip
        assert f'href="/judging/rounds/{setup.round.id}/{page}"' in html, page


def test_hub_of_an_empty_round_says_what_is_missing(client, db, setup):
    round_ = empty_round(db, setup)
    sign_in(client, setup.accounts)
    html = text(client.get(f"/judging/rounds/{round_.id}"))
    assert "No criteria yet: scoring cannot start." in html
    assert set(step_statuses(html).values()) == {"todo"}


def test_hub_takes_the_same_number_of_queries_however_big_the_round(
    client, db, factory, setup, count_queries
):
    from tests.judging.test_rubric_entries import add_round_entries

    sign_in(client, setup.accounts)
    url = setup.url()
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    add_round_entries(factory, setup.world, 60)
    with count_queries() as big:
        assert client.get(url).status_code == 200
    assert big.n == small.n
