"""What every judging topic shares: the refusal exception, the round an organizer manages,
a round's judging settings, pools and rubric, and where its judging window stands."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask import flash
from flask_login import current_user
from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload

from app.access import require
from app.db import db, utcnow
from app.forms_common import Form
from app.people.models import User
from app.refusals import Refusal
from competitions.models import Pool, Round
from judging.models import RoundEntry, RoundJudging, RubricCriterion, Score, ScoreSheet


class JudgingError(Refusal):
    """A change the judging rules refuse."""


refuse_if = JudgingError.refuse_if


def flash_form_errors(form: Form) -> None:
    """Every error of a form that has no page of its own to show them on."""
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "danger")


def me() -> User:
    """The signed-in User itself: services keep it, so not the request-bound proxy."""
    return current_user._get_current_object()


def managed_round(round_id: int) -> Round:
    """The round, for an organizer of its competition: 404 when it does not exist, else 403."""
    round_ = db.session.get(Round, round_id)
    require(round_ is not None, 404)
    require(round_.competition.can_manage(current_user))
    return round_


def settings_or_none(round_: Round) -> RoundJudging | None:
    """The round's judging settings without making them: None until first saved."""
    return db.session.get(RoundJudging, round_.id)


def settings_for(round_: Round) -> RoundJudging:
    """The round's judging settings, made with the defaults on first use."""
    settings = settings_or_none(round_)
    if settings is None:
        settings = RoundJudging(round_id=round_.id)
        db.session.add(settings)
        db.session.flush()
    return settings


def pools_of(round_: Round) -> list[Pool]:
    """The round's pools by name, each with its unit."""
    return list(
        db.session.scalars(
            select(Pool)
            .where(Pool.round_id == round_.id)
            .options(joinedload(Pool.unit))
            .order_by(Pool.name, Pool.id)
        )
    )


def criteria_of(round_id: int) -> list[RubricCriterion]:
    return list(
        db.session.scalars(
            select(RubricCriterion)
            .where(RubricCriterion.round_id == round_id)
            .order_by(RubricCriterion.position)
        )
    )


def scoring_started(round_id: int) -> bool:
    """Whether any judge has saved a score in the round (drafts count)."""
    return bool(
        db.session.scalar(
            select(
                exists()
                .where(Score.sheet_id == ScoreSheet.id)
                .where(ScoreSheet.round_entry_id == RoundEntry.id)
                .where(RoundEntry.round_id == round_id)
            )
        )
    )


def plain_number(value: Decimal | None) -> int | float | None:
    """A number for JSON or a spreadsheet cell: 5 rather than 5.00, 12.5 rather than 12.50."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def score_problem(value: Decimal, criterion: RubricCriterion, step: Decimal) -> str | None:
    """Why a score does not fit the rubric ("below_zero", "above_max", "off_step"), or None.
    Online sheets, paper imports and sheets typed from paper all ask this one question."""
    if not value.is_finite():
        return "not_a_number"
    if value < 0:
        return "below_zero"
    if value > criterion.max_score:
        return "above_max"
    try:
        on_step = step > 0 and value % step == 0
    except InvalidOperation:  # a value too large for the step's precision
        on_step = False
    return None if on_step else "off_step"


def judging_state(round_: Round, settings: RoundJudging | None, now: datetime | None = None) -> str:
    """ "not_set", "not_yet", "open" or "closed": judges may save scores only when "open".

    The window is the round's judging_opens_at..judging_closes_at; an organizer may close it
    earlier (settings.closed_at)."""
    now = now or utcnow()
    if settings is not None and settings.closed_at is not None and now >= settings.closed_at:
        return "closed"
    if round_.judging_opens_at is None or round_.judging_closes_at is None:
        return "not_set"
    if now < round_.judging_opens_at:
        return "not_yet"
    return "open" if now <= round_.judging_closes_at else "closed"
