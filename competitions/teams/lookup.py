"""What every team view does first: find the object in the URL and check who asks.

A team the current user may not see does not exist for them (404); a team they see
but may not manage answers 403."""

from __future__ import annotations

from flask import abort, redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.access import require
from app.auth.forms import ConfirmForm
from app.db import db
from app.people.models import User
from app.units.models import Unit
from competitions.models import Team, TeamInvitation, TeamMember
from competitions.teams import queries

Page = str | Response | tuple[str, int]


def me() -> User:
    """The signed-in User itself, not the proxy (services keep references to it)."""
    return current_user._get_current_object()


def visible_team(team_id: int) -> Team:
    """The team, if the current user may see it; otherwise it does not exist."""
    team = queries.team_for_page(team_id)
    require(team is not None and team.can_view(current_user), 404)
    return team


def led_team(team_id: int) -> Team:
    team = visible_team(team_id)
    require(team.is_leader(current_user), 403)
    return team


def member_of(team: Team, member_id: int) -> TeamMember:
    member = next((m for m in team.members if m.id == member_id), None)
    require(member is not None, 404)
    return member


def invitation_of(team: Team, invitation_id: int) -> TeamInvitation:
    invitation = db.session.get(TeamInvitation, invitation_id)
    require(invitation is not None and invitation.team_id == team.id, 404)
    return invitation


def chosen_unit(unit_id: int | None) -> Unit | None:
    return db.session.get(Unit, unit_id) if unit_id else None


def confirmed() -> None:
    """A button that changes something posts a form holding only its CSRF token."""
    if not ConfirmForm().validate_on_submit():
        abort(400)


def to_team(team: Team) -> Response:
    return redirect(url_for("competitions.team_detail", team_id=team.id))
