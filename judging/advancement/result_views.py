"""Published results: the public page of a round, and a team's own result page."""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.access import object_check, public, require
from app.db import db
from competitions.models import Entry, Team
from judging import bp
from judging.advancement import publish
from judging.models import RoundEntry, RoundJudging


@bp.route("/results/<int:round_id>")
@public
def results(round_id: int) -> str:
    round_ = publish.published_round(round_id)
    require(round_ is not None, 404)
    return render_template(
        "judging/advancement/results.html",
        results=publish.public_results(round_),
        round=round_,
        competition=round_.competition,
    )


@bp.route("/entries/<int:entry_id>/result")
@object_check
def entry_result(entry_id: int) -> str:
    entry = db.session.scalar(
        select(Entry)
        .where(Entry.id == entry_id)
        .options(
            joinedload(Entry.competition),
            joinedload(Entry.team).selectinload(Team.members),
        )
    )
    require(entry is not None, 404)
    require(entry.can_view(current_user))
    rounds = publish.entry_results(entry)
    require(bool(rounds), 404)
    return render_template(
        "judging/advancement/entry_result.html",
        entry=entry,
        competition=entry.competition,
        rounds=rounds,
    )


def published_result_url(entry: Entry) -> str | None:
    """The team's result page once a round of the entry is published (one query)."""
    published = db.session.scalar(
        select(RoundEntry.id)
        .join(RoundJudging, RoundJudging.round_id == RoundEntry.round_id)
        .where(RoundEntry.entry_id == entry.id, RoundJudging.results_published_at.is_not(None))
        .limit(1)
    )
    return url_for("judging.entry_result", entry_id=entry.id) if published else None


@bp.app_context_processor
def _result_link() -> dict:
    # The entries feature's page links to the result without importing judging.
    return {"published_result_url": published_result_url}
