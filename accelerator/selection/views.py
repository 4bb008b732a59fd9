"""Selection pages: candidates from published results, teams added by hand, the cohort's
teams with their selection and invitations, the roster; the leader's invitation page and
each participant's own cohorts.

Organizers of the cohort's unit and administrators manage (404 for a cohort that does not
exist, 403 for anyone else); an invitation is its team leader's alone (404 for everyone else,
so its existence is not revealed)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from accelerator import bp
from accelerator.cohorts.errors import CohortError
from accelerator.cohorts.forms import ConfirmForm
from accelerator.cohorts.labels import milestone_kind_label
from accelerator.cohorts.pages import managed_cohort
from accelerator.cohorts.services import places_held
from accelerator.models import Cohort, CohortTeam, MembershipStatus
from accelerator.selection import candidates, labels, services
from accelerator.selection.forms import (
    AddFromResultsForm,
    CandidatesQueryForm,
    ManualAddForm,
    ResponseForm,
    TeamSearchForm,
    WithdrawForm,
)
from accelerator.selection.pages import show_refusal
from app.access import login_required, object_check, require
from app.db import db, rollback_request
from app.forms_common import choices
from app.people.models import User
from app.vietnamese import fold, name_sort_key
from competitions.models import Entry, Team, TeamMember

SEARCH_LIMIT = 30
# The order of the teams page: who needs a decision first.
STATUS_ORDER = {
    status: n
    for n, status in enumerate(
        (
            MembershipStatus.ACCEPTED,
            MembershipStatus.INVITED,
            MembershipStatus.SELECTED,
            MembershipStatus.CANDIDATE,
            MembershipStatus.DECLINED,
            MembershipStatus.WITHDRAWN,
        )
    )
}


def _me() -> User:
    return current_user._get_current_object()


def _ids(values: list[str]) -> list[int] | None:
    """The ticked ids; None when one is not a number (a forged form)."""
    try:
        return [int(value) for value in values]
    except ValueError:
        return None


# --- candidates from published results ------------------------------------------------------


def _candidates_url(cohort: Cohort, competition_ids: list[int], top: int) -> str:
    return url_for(
        "accelerator.candidates", cohort_id=cohort.id, competition=competition_ids, top=top
    )


@bp.route("/cohorts/<int:cohort_id>/candidates", endpoint="candidates")
@object_check
def candidates_page(cohort_id: int) -> str:
    cohort = managed_cohort(cohort_id)
    form = CandidatesQueryForm(request.args)
    available = candidates.result_competitions()
    form.competition.choices = choices([(c.id, f"{c.title} ({c.edition_year})") for c in available])
    known = {c.id for c in available}
    # Read leniently: a stray value in the address is ignored rather than emptying the page.
    asked = [int(v) for v in request.args.getlist("competition") if v.isdecimal()]
    chosen = [i for i in dict.fromkeys(asked) if i in known]
    form.competition.data = chosen
    top = candidates.DEFAULT_TOP_N
    if form.top.raw_data and form.top.raw_data[0].strip():
        if form.top.validate(form) and form.top.data:
            top = form.top.data
    else:
        form.top.data = top
    return render_template(
        "accelerator/selection/candidates.html",
        cohort=cohort,
        form=form,
        chosen=chosen,
        top=top,
        proposals=candidates.proposals(cohort.id, chosen, top),
        add_form=AddFromResultsForm(),
        places=places_held(cohort),
        status_label=labels.status_label,
        status_badge=labels.status_badge,
    )


@bp.route("/cohorts/<int:cohort_id>/candidates/add", methods=["POST"])
@object_check
def candidate_add(cohort_id: int) -> Response:
    cohort = managed_cohort(cohort_id)
    form = AddFromResultsForm()
    competition_ids = _ids(request.form.getlist("competition")) or []
    top = request.form.get("top", type=int) or candidates.DEFAULT_TOP_N
    back = _candidates_url(cohort, competition_ids, top)
    round_entry_id = _ids([form.round_entry_id.data or ""])
    award_id = _ids([form.award_id.data or "0"])
    if not form.validate_on_submit() or round_entry_id is None or award_id is None:
        flash(_("This proposal could not be read: reload the page."), "danger")
        return redirect(back)
    try:
        membership = services.add_from_results(
            cohort, round_entry_id[0], award_id[0] or None, actor=_me()
        )
    except CohortError as error:
        rollback_request()
        show_refusal(error, cohort)
    else:
        flash(_("%(team)s is now a candidate.", team=membership.team.name), "success")
    return redirect(back)


# --- a team added by hand -------------------------------------------------------------------


@bp.route("/cohorts/<int:cohort_id>/candidates/manual", methods=["GET", "POST"])
@object_check
def manual_add(cohort_id: int) -> str | Response:
    """Search teams by name (without accents as well as with), then add one with a reason."""
    cohort = managed_cohort(cohort_id)
    search = TeamSearchForm(request.args)
    form = ManualAddForm()
    if form.validate_on_submit():
        team_id = _ids([form.team_id.data or ""])
        team = db.session.get(Team, team_id[0]) if team_id else None
        try:
            membership = services.add_by_hand(cohort, team, form.reason.data or "", actor=_me())
        except CohortError as error:
            rollback_request()
            show_refusal(error, cohort)
        else:
            flash(_("%(team)s is now a candidate.", team=membership.team.name), "success")
            return redirect(url_for("accelerator.cohort_teams", cohort_id=cohort.id))
    elif request.method == "POST":
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "danger")
    needle = fold(search.q.data or "")
    found: list[Team] = []
    if needle:
        found = list(
            db.session.scalars(
                select(Team)
                .where(Team.name_folded.contains(needle, autoescape=True))
                .options(joinedload(Team.unit), joinedload(Team.leader))
                .order_by(Team.name_folded, Team.id)
                .limit(SEARCH_LIMIT)
            )
        )
    in_cohort = dict(
        db.session.execute(
            select(CohortTeam.team_id, CohortTeam.status).where(
                CohortTeam.cohort_id == cohort.id, CohortTeam.team_id.in_([t.id for t in found])
            )
        ).all()
    )
    return render_template(
        "accelerator/selection/manual.html",
        cohort=cohort,
        search=search,
        form=form,
        teams=found,
        in_cohort=in_cohort,
        searched=bool(needle),
        limit=SEARCH_LIMIT,
        places=places_held(cohort),
        status_label=labels.status_label,
    )


# --- the cohort's teams: select, invite, withdraw -------------------------------------------


@bp.route("/cohorts/<int:cohort_id>/teams")
@object_check
def cohort_teams(cohort_id: int) -> str:
    cohort = managed_cohort(cohort_id)
    memberships = list(
        db.session.scalars(
            select(CohortTeam)
            .where(CohortTeam.cohort_id == cohort.id)
            .options(
                joinedload(CohortTeam.team).joinedload(Team.leader),
                joinedload(CohortTeam.team).joinedload(Team.unit),
                joinedload(CohortTeam.entry),
            )
        )
    )
    memberships.sort(key=lambda m: (STATUS_ORDER[m.status], m.team.name_folded, m.id))
    return render_template(
        "accelerator/selection/teams.html",
        cohort=cohort,
        memberships=memberships,
        places=places_held(cohort),
        selected_ids=[m.id for m in memberships if m.status == MembershipStatus.SELECTED],
        confirm=ConfirmForm(),
        withdraw_form=WithdrawForm(),
        withdrawable=services.WITHDRAWABLE,
        status_label=labels.status_label,
        status_badge=labels.status_badge,
        source_label=labels.source_label,
    )


def _teams_url(cohort: Cohort) -> str:
    return url_for("accelerator.cohort_teams", cohort_id=cohort.id)


@bp.route("/cohorts/<int:cohort_id>/teams/select", methods=["POST"])
@object_check
def teams_select(cohort_id: int) -> Response:
    cohort = managed_cohort(cohort_id)
    if ConfirmForm().validate_on_submit():
        try:
            chosen = services.select_teams(
                cohort, _ids(request.form.getlist("ids")) or [], actor=_me()
            )
        except CohortError as error:
            rollback_request()
            show_refusal(error, cohort)
        else:
            flash(
                ngettext("%(num)d team selected.", "%(num)d teams selected.", len(chosen)),
                "success",
            )
    return redirect(_teams_url(cohort))


@bp.route("/cohorts/<int:cohort_id>/teams/<int:membership_id>/deselect", methods=["POST"])
@object_check
def team_deselect(cohort_id: int, membership_id: int) -> Response:
    cohort = managed_cohort(cohort_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.deselect(cohort, membership_id, actor=_me())
        except CohortError as error:
            rollback_request()
            show_refusal(error, cohort)
        else:
            flash(_("The team is a candidate again."), "success")
    return redirect(_teams_url(cohort))


@bp.route("/cohorts/<int:cohort_id>/teams/invite", methods=["POST"])
@object_check
def teams_invite(cohort_id: int) -> Response:
    cohort = managed_cohort(cohort_id)
    if ConfirmForm().validate_on_submit():
        try:
            sent = services.invite(cohort, _ids(request.form.getlist("ids")) or [], actor=_me())
        except CohortError as error:
            rollback_request()
            show_refusal(error, cohort)
        else:
            flash(
                ngettext(
                    "%(num)d invitation sent to the team leader.",
                    "%(num)d invitations sent to the team leaders.",
                    sent,
                ),
                "success",
            )
    return redirect(_teams_url(cohort))


@bp.route("/cohorts/<int:cohort_id>/teams/<int:membership_id>/withdraw", methods=["POST"])
@object_check
def team_withdraw(cohort_id: int, membership_id: int) -> Response:
    cohort = managed_cohort(cohort_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw(cohort, membership_id, form.reason.data or "", actor=_me())
        except CohortError as error:
            rollback_request()
            show_refusal(error, cohort)
        else:
            flash(_("The team is withdrawn from the cohort."), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "danger")
    return redirect(_teams_url(cohort))


# --- the roster -----------------------------------------------------------------------------


@bp.route("/cohorts/<int:cohort_id>/roster")
@object_check
def roster(cohort_id: int) -> str:
    """The teams that accepted, with their members, unit, sector and entry."""
    cohort = managed_cohort(cohort_id)
    memberships = list(
        db.session.scalars(
            select(CohortTeam)
            .where(
                CohortTeam.cohort_id == cohort.id,
                CohortTeam.status == MembershipStatus.ACCEPTED,
            )
            .options(
                joinedload(CohortTeam.team).joinedload(Team.leader),
                joinedload(CohortTeam.team).joinedload(Team.unit),
                joinedload(CohortTeam.team).selectinload(Team.members),
                joinedload(CohortTeam.entry).selectinload(Entry.sectors),
                joinedload(CohortTeam.sector),
            )
        ).unique()
    )
    memberships.sort(key=lambda m: (m.team.name_folded, m.id))
    members = {
        m.id: sorted(m.team.members, key=lambda member: name_sort_key(member.full_name))
        for m in memberships
    }
    return render_template(
        "accelerator/selection/roster.html", cohort=cohort, memberships=memberships, members=members
    )


# --- the team's side ------------------------------------------------------------------------


@bp.route("/invitations/<int:membership_id>", methods=["GET", "POST"])
@object_check
def invitation(membership_id: int) -> str | Response:
    """The invitation, for the team's leader alone, who accepts or declines once."""
    membership = db.session.get(CohortTeam, membership_id)
    require(
        membership is not None
        and membership.invited_at is not None
        and membership.team.is_leader(current_user),
        404,
    )
    form = ResponseForm()
    if form.validate_on_submit():
        try:
            services.respond(
                membership,
                accept=form.answer.data == "accept",
                note=form.note.data or "",
                by=_me(),
            )
        except CohortError as error:
            rollback_request()
            show_refusal(error)
        else:
            if membership.status == MembershipStatus.ACCEPTED:
                flash(_("Welcome to the cohort! The organizers have been told."), "success")
            else:
                flash(_("Your answer has been recorded."), "success")
        return redirect(url_for("accelerator.invitation", membership_id=membership.id))
    return render_template(
        "accelerator/selection/invitation.html",
        membership=membership,
        cohort=membership.cohort,
        form=form,
        status_label=labels.status_label,
        status_badge=labels.status_badge,
        kind_label=milestone_kind_label,
    )


@bp.route("/mine")
@login_required
def my_cohorts() -> str:
    """The cohorts the signed-in person's teams were invited to, and their status there."""
    me = _me()
    mine = select(TeamMember.team_id).where(TeamMember.user_id == me.id)
    memberships = list(
        db.session.scalars(
            select(CohortTeam)
            .join(Team, CohortTeam.team_id == Team.id)
            .where(
                CohortTeam.invited_at.is_not(None),
                or_(Team.leader_id == me.id, Team.id.in_(mine)),
            )
            .options(joinedload(CohortTeam.cohort), joinedload(CohortTeam.team))
            .order_by(CohortTeam.invited_at.desc(), CohortTeam.id.desc())
        )
    )
    return render_template(
        "accelerator/selection/mine.html",
        memberships=memberships,
        status_label=labels.status_label,
        status_badge=labels.status_badge,
    )
