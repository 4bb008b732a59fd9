"""Invitations: the leader invites by email, sends again or cancels; the invitee opens
the emailed link, then accepts (signed in with the invited address) or declines."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.access import object_check, public
from app.db import rollback_request
from competitions import bp
from competitions.models import TeamInvitation
from competitions.teams import invitations, services
from competitions.teams.forms import InviteForm
from competitions.teams.lookup import Page, confirmed, invitation_of, led_team, me, to_team
from competitions.teams.messages import MESSAGES
from competitions.teams.services import TeamError

# How a link that cannot be used answers: gone for good, or never existed.
INVITATION_STATUS = {
    "invalid": 404,
    "accepted": 410,
    "declined": 410,
    "cancelled": 410,
    "expired": 410,
    "not_pending": 410,
    "wrong_account": 403,
}


# --- invitations, from the leader's side --------------------------------------------------


@bp.route("/teams/<int:team_id>/invite", methods=["GET", "POST"])
@object_check
def team_invite(team_id: int) -> Page:
    team = led_team(team_id)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitation = invitations.invite(team, form.email.data, form.role.data, actor=me())
        except TeamError as error:
            rollback_request()
            field = form.role if error.reason == "bad_role" else form.email
            field.errors.append(MESSAGES[error.reason])
        else:
            flash(_("An invitation was emailed to %(email)s.", email=invitation.email), "success")
            return to_team(team)
    return render_template(
        "competitions/teams/invite.html",
        form=form,
        team=team,
        max_size=services.MAX_TEAM_SIZE,
    )


@bp.route("/teams/<int:team_id>/invitations/<int:invitation_id>/cancel", methods=["POST"])
@object_check
def team_cancel_invitation(team_id: int, invitation_id: int) -> Response:
    team = led_team(team_id)
    invitation = invitation_of(team, invitation_id)
    confirmed()
    try:
        invitations.cancel_invitation(invitation, actor=me())
    except TeamError as error:
        rollback_request()
        flash(MESSAGES[error.reason], "danger")
    else:
        flash(_("The invitation is cancelled: its link no longer works."), "info")
    return to_team(team)


@bp.route("/teams/<int:team_id>/invitations/<int:invitation_id>/resend", methods=["POST"])
@object_check
def team_resend_invitation(team_id: int, invitation_id: int) -> Response:
    team = led_team(team_id)
    invitation = invitation_of(team, invitation_id)
    confirmed()
    try:
        fresh = invitations.resend_invitation(invitation, actor=me())
    except TeamError as error:
        rollback_request()
        flash(MESSAGES[error.reason], "danger")
    else:
        flash(
            _(
                "A new invitation was emailed to %(email)s; the old link no longer works.",
                email=fresh.email,
            ),
            "success",
        )
    return to_team(team)


# --- invitations, from the invitee's side ------------------------------------------------


def _invitation_problem(reason: str, invitation: TeamInvitation | None = None) -> Page:
    status = INVITATION_STATUS.get(reason, 409)
    return render_template(
        "competitions/teams/invitation_problem.html",
        message=MESSAGES[reason],
        invitation=invitation if reason == "wrong_account" else None,
    ), status


@bp.route("/teams/invitations/<token>")
@public
def team_invitation(token: str) -> Page:
    """Shows the invitation and its buttons; only the POSTs answer it (mail scanners
    and link previews follow GETs)."""
    try:
        invitation = invitations.peek_invitation(token)
    except TeamError as error:
        return _invitation_problem(error.reason)
    problem = (
        invitations.acceptance_problem(invitation, current_user)
        if current_user.is_authenticated
        else None
    )
    return render_template(
        "competitions/teams/invitation.html",
        invitation=invitation,
        team=invitation.team,
        token=token,
        problem=MESSAGES[problem] if problem else None,
        wrong_account=problem == "wrong_account",
        here=url_for("competitions.team_invitation", token=token),
    )


@bp.route("/teams/invitations/<token>/accept", methods=["POST"])
@public
def team_invitation_accept(token: str) -> Page:
    """Public so that a visitor who is not signed in is sent to sign in and then back
    to the invitation, not to a POST-only address."""
    confirmed()
    if not current_user.is_authenticated:
        here = url_for("competitions.team_invitation", token=token)
        return redirect(url_for("auth.login", next=here))
    try:
        invitation = invitations.respond_to_invitation(token, me(), accept=True)
    except TeamError as error:
        rollback_request()
        invitation = None
        if error.reason == "wrong_account":
            invitation = invitations.peek_invitation(token)
        return _invitation_problem(error.reason, invitation)
    flash(_("Welcome to the team %(team)s.", team=invitation.team.name), "success")
    return to_team(invitation.team)


@bp.route("/teams/invitations/<token>/decline", methods=["POST"])
@public
def team_invitation_decline(token: str) -> Page:
    """Whoever holds the link may decline: the invitee need not have an account to say no."""
    confirmed()
    user = me() if current_user.is_authenticated else None
    try:
        invitations.respond_to_invitation(token, user, accept=False)
    except TeamError as error:
        rollback_request()
        return _invitation_problem(error.reason)
    flash(_("You declined the invitation."), "info")
    return redirect(url_for("competitions.team_index" if user else "main.index"))
