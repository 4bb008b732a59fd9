"""The public pages of the calls, and the organizers' list of their competitions.

The management pages are in `manage_views` (the competition and its lifecycle) and
`stage_views` (tracks, rounds, pools); importing them here registers their routes.
"""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.access import public, require, roles_required
from app.db import db, utcnow
from app.people.models import Role
from app.units.models import Unit
from competitions import bp
from competitions.calls import labels
from competitions.calls.pages import remaining_text
from competitions.calls.timeline import submission_window, timeline
from competitions.models import Competition, CompetitionStatus

PER_PAGE = 30

# "opens in 3 days 4 hours" on every call page.
bp.add_app_template_filter(remaining_text, "call_remaining")


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


@bp.route("/")
@public
def index() -> str:
    """Every call that is not a draft, newest edition first."""
    query = select(Competition).where(Competition.status != CompetitionStatus.DRAFT)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = _page()
    competitions = db.session.scalars(
        query.options(joinedload(Competition.owner_unit), selectinload(Competition.rounds))
        .order_by(Competition.edition_year.desc(), Competition.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    now = utcnow()
    windows = {
        competition.id: submission_window(competition, competition.first_round, now)
        for competition in competitions
        if competition.first_round is not None
    }
    return render_template(
        "competitions/calls/index.html",
        competitions=competitions,
        windows=windows,
        labels=labels,
        page=page,
        per_page=PER_PAGE,
        total=total,
    )


@bp.route("/<int:competition_id>")
@public
def detail(competition_id: int) -> str:
    """The public page; a draft is shown only to its organizers."""
    competition = db.session.scalar(
        select(Competition)
        .where(Competition.id == competition_id)
        .options(
            joinedload(Competition.owner_unit),
            selectinload(Competition.tracks),
            selectinload(Competition.rounds),
        )
    )
    require(competition is not None and competition.can_view(current_user), 404)
    return render_template(
        "competitions/calls/detail.html",
        competition=competition,
        timeline=timeline(competition, utcnow()),
        labels=labels,
        can_manage=competition.can_manage(current_user),
    )


@bp.route("/mine")
@roles_required(Role.ADMIN, Role.ORGANIZER)
def call_mine() -> str:
    """The competitions of the units an organizer runs (and of the units below them)."""
    query = select(Competition).options(joinedload(Competition.owner_unit))
    if not current_user.is_admin:
        paths = [unit.path for unit in current_user.organizer_units() if unit.path]
        within = [Unit.path.startswith(path, autoescape=True) for path in paths]
        query = query.join(Unit, Competition.owner_unit_id == Unit.id).where(
            or_(*within) if within else false()
        )
    competitions = db.session.scalars(
        query.order_by(Competition.edition_year.desc(), Competition.id.desc())
    ).all()
    return render_template("competitions/calls/mine.html", competitions=competitions, labels=labels)


from competitions.calls import manage_views, stage_views  # noqa: E402,F401
