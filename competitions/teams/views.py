"""Team pages. Members (and the advisor, read only) see their team; to everyone else a
team does not exist (404). The leader manages it; each member edits their own details."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.access import login_required, object_check, require
from app.auth.forms import ConfirmForm
from app.db import rollback_request
from competitions import bp
from competitions.models import Team
from competitions.teams import (
    invitation_views,  # noqa: F401  (registers the invitation pages)
    queries,
    services,
)
from competitions.teams.forms import CreateTeamForm, MemberDetailsForm, TeamForm, TransferForm
from competitions.teams.labels import GENDER_LABELS
from competitions.teams.lookup import (
    Page,
    chosen_unit,
    confirmed,
    led_team,
    me,
    member_of,
    to_team,
    visible_team,
)
from competitions.teams.messages import MESSAGES
from competitions.teams.services import TeamError

# --- my teams, a new team, the team page -------------------------------------------------


@bp.route("/teams/")
@login_required
def team_index() -> str:
    return render_template(
        "competitions/teams/index.html",
        teams=queries.teams_of(current_user),
        invitations=queries.invitations_to(current_user),
    )


@bp.route("/teams/new", methods=["GET", "POST"])
@login_required
def team_create() -> Page:
    form = CreateTeamForm(unit_options=queries.organisation_units())
    if request.method == "GET":
        form.full_name.data = current_user.full_name
        form.phone.data = current_user.phone
    if form.validate_on_submit():
        try:
            team = services.create_team(
                me(), name=form.name.data, unit=chosen_unit(form.unit.data), details=form.details()
            )
        except TeamError as error:
            rollback_request()
            form.name.errors.append(MESSAGES[error.reason])
        else:
            flash(_("Your team is created. Invite its members now."), "success")
            return to_team(team)
    return render_template("competitions/teams/create.html", form=form)


@bp.route("/teams/<int:team_id>")
@object_check
def team_detail(team_id: int) -> str:
    team = visible_team(team_id)
    return render_template(
        "competitions/teams/detail.html",
        team=team,
        # The leader first, then in the order they joined.
        members=sorted(team.members, key=lambda m: (m.user_id != team.leader_id, m.id)),
        invitations=queries.open_invitations(team),
        size=len(team.members),
        max_size=services.MAX_TEAM_SIZE,
        is_leader=team.is_leader(current_user),
        me=team.member_for(current_user),
        gender_labels=GENDER_LABELS,
    )


@bp.route("/teams/<int:team_id>/edit", methods=["GET", "POST"])
@object_check
def team_edit(team_id: int) -> Page:
    team = led_team(team_id)
    form = TeamForm(
        unit_options=queries.organisation_units(keep=team.unit),
        data={"name": team.name, "unit": team.unit_id or 0},
    )
    if form.validate_on_submit():
        try:
            services.update_team(
                team, name=form.name.data, unit=chosen_unit(form.unit.data), actor=me()
            )
        except TeamError as error:
            rollback_request()
            form.unit.errors.append(MESSAGES[error.reason])
        else:
            flash(_("The team is saved."), "success")
            return to_team(team)
    return render_template("competitions/teams/edit.html", form=form, team=team)


@bp.route("/teams/<int:team_id>/my-details", methods=["GET", "POST"])
@object_check
def team_my_details(team_id: int) -> Page:
    """Each member fills in their own details (the advisor has none to fill in)."""
    team = visible_team(team_id)
    member = team.member_for(current_user)
    require(member is not None, 403)
    form = MemberDetailsForm(obj=member)
    if form.validate_on_submit():
        try:
            services.update_member_details(member, form.details(), actor=me())
        except TeamError as error:
            rollback_request()
            form.date_of_birth.errors.append(MESSAGES[error.reason])
        else:
            flash(_("Your details are saved."), "success")
            return to_team(team)
    return render_template("competitions/teams/my_details.html", form=form, team=team)


# --- leadership, removal, leaving ---------------------------------------------------------


@bp.route("/teams/<int:team_id>/transfer", methods=["GET", "POST"])
@object_check
def team_transfer(team_id: int) -> Page:
    team = led_team(team_id)
    others = [m for m in team.members if m.user_id != team.leader_id]
    form = TransferForm()
    form.new_leader.choices = [(m.id, m.full_name) for m in others]
    if others and form.validate_on_submit():
        member = member_of(team, form.new_leader.data)
        try:
            services.transfer_leadership(team, member, actor=me())
        except TeamError as error:
            rollback_request()
            form.new_leader.errors.append(MESSAGES[error.reason])
        else:
            flash(_("%(name)s now leads the team.", name=member.full_name), "success")
            return to_team(team)
    return render_template("competitions/teams/transfer.html", form=form, team=team, others=others)


def _confirm_page(team: Team, **context: object) -> str:
    return render_template(
        "competitions/teams/confirm.html", team=team, form=ConfirmForm(), **context
    )


@bp.route("/teams/<int:team_id>/members/<int:member_id>/remove", methods=["GET", "POST"])
@object_check
def team_remove_member(team_id: int, member_id: int) -> Page:
    team = led_team(team_id)
    member = member_of(team, member_id)
    problem = MESSAGES["cannot_remove_leader"] if member.user_id == team.leader_id else None
    if request.method == "POST" and problem is None:
        confirmed()
        name = member.full_name
        try:
            services.remove_member(team, member, actor=me())
        except TeamError as error:
            rollback_request()
            problem = MESSAGES[error.reason]
        else:
            flash(_("%(name)s is no longer a member of the team.", name=name), "info")
            return to_team(team)
    return _confirm_page(
        team,
        title=_("Remove %(name)s from the team?", name=member.full_name),
        explanation=_(
            "They will no longer see the team or its entries. You can invite them again."
        ),
        button=_("Remove from the team"),
        problem=problem,
    )


@bp.route("/teams/<int:team_id>/leave", methods=["GET", "POST"])
@object_check
def team_leave(team_id: int) -> Page:
    team = visible_team(team_id)
    require(team.is_member(current_user), 403)
    problem = MESSAGES["leader_must_transfer"] if team.is_leader(current_user) else None
    if request.method == "POST" and problem is None:
        confirmed()
        try:
            services.leave_team(team, me())
        except TeamError as error:
            rollback_request()
            problem = MESSAGES[error.reason]
        else:
            flash(_("You have left the team %(team)s.", team=team.name), "info")
            return redirect(url_for("competitions.team_index"))
    return _confirm_page(
        team,
        title=_("Leave the team %(team)s?", team=team.name),
        explanation=_("You will no longer see the team or its entries, unless invited again."),
        button=_("Leave the team"),
        problem=problem,
        transfer_link=problem is not None,
    )


@bp.route("/teams/<int:team_id>/advisor/remove", methods=["GET", "POST"])
@object_check
def team_remove_advisor(team_id: int) -> Page:
    """The leader removes the advisor, or the advisor steps down."""
    team = visible_team(team_id)
    require(team.advisor is not None, 404)
    stepping_down = team.is_advisor(current_user)
    require(stepping_down or team.is_leader(current_user), 403)
    if request.method == "POST":
        confirmed()
        services.remove_advisor(team, actor=me())
        if stepping_down:
            flash(_("You are no longer the advisor of %(team)s.", team=team.name), "info")
            return redirect(url_for("competitions.team_index"))
        flash(_("The team no longer has an advisor."), "info")
        return to_team(team)
    if stepping_down:
        title = _("Stop being the advisor of %(team)s?", team=team.name)
    else:
        title = _("Remove %(name)s as the advisor?", name=team.advisor.full_name)
    return _confirm_page(
        team,
        title=title,
        explanation=_("The advisor will no longer see the team or its entries."),
        button=_("Remove the advisor"),
        problem=None,
    )
