"""Mentor matching pages: preview with explanations, adjust, publish, release; and each
person's own side — a mentor's teams, a team's mentors.

Organizers of the cohort's unit and administrators manage (404 for a cohort that does not
exist, 403 for anyone else); the own pages show the signed-in person's published pairs only."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from accelerator import bp
from accelerator.cohorts.errors import CohortError
from accelerator.cohorts.forms import ConfirmForm
from accelerator.cohorts.pages import managed_cohort
from accelerator.matches import labels, loading, pages, services
from accelerator.matches.forms import AddPairForm, ReleaseForm
from accelerator.models import Cohort
from app.access import login_required, object_check
from app.db import rollback_request
from app.forms_common import choices
from app.people.models import User


def _me() -> User:
    return current_user._get_current_object()


def _page(cohort: Cohort) -> Response:
    return redirect(url_for("accelerator.matches", cohort_id=cohort.id))


def _flash_form_errors(form: object) -> None:
    for errors in form.errors.values():  # type: ignore[attr-defined]
        for error in errors:
            flash(str(error), "danger")


@bp.route("/cohorts/<int:cohort_id>/matches", endpoint="matches")
@object_check
def matches_page(cohort_id: int) -> str:
    cohort = managed_cohort(cohort_id)
    preview = pages.preview(loading.load_matching_data(cohort))
    add_form = AddPairForm()
    add_form.cohort_team.choices = choices(
        [(t.membership.id, t.membership.team.name) for t in preview.teams]
    )
    add_form.mentor.choices = choices(
        [
            (
                load.mentor.id,
                f"{load.mentor.full_name}"
                + (f" — {load.organisation}" if load.organisation else "")
                + f" ({load.load}/{load.capacity})",
            )
            for load in preview.loads
            if load.mentor.id in preview.panel.assignable
        ]
    )
    return render_template(
        "accelerator/matches/preview.html",
        cohort=cohort,
        preview=preview,
        add_form=add_form,
        release_form=ReleaseForm(),
        confirm=ConfirmForm(),
        status_label=labels.status_label,
        status_badge=labels.status_badge,
        source_label=labels.source_label,
    )


@bp.route("/cohorts/<int:cohort_id>/matches/propose", methods=["POST"])
@object_check
def match_propose(cohort_id: int) -> Response:
    cohort = managed_cohort(cohort_id)
    if ConfirmForm().validate_on_submit():
        try:
            result = services.propose(cohort, actor=_me())
        except CohortError as error:
            rollback_request()
            pages.show_refusal(error)
        else:
            proposed = len(result.proposed())
            flash(
                ngettext("%(num)d pair proposed.", "%(num)d pairs proposed.", proposed),
                "success",
            )
            if result.lacking:
                flash(
                    ngettext(
                        "%(num)d mentor slot could not be filled (capacities and conflicts).",
                        "%(num)d mentor slots could not be filled (capacities and conflicts).",
                        result.lacking,
                    ),
                    "warning",
                )
    return _page(cohort)


@bp.route("/cohorts/<int:cohort_id>/matches/add", methods=["POST"])
@object_check
def match_add(cohort_id: int) -> Response:
    cohort = managed_cohort(cohort_id)
    form = AddPairForm()
    if form.validate_on_submit():
        try:
            row = services.add_pair(cohort, form.cohort_team.data, form.mentor.data, actor=_me())
        except CohortError as error:
            rollback_request()
            pages.show_refusal(error)
        else:
            flash(
                _(
                    "%(mentor)s proposed for %(team)s.",
                    mentor=row.mentor.full_name,
                    team=row.cohort_team.team.name,
                ),
                "success",
            )
    else:
        _flash_form_errors(form)
    return _page(cohort)


@bp.route("/cohorts/<int:cohort_id>/matches/<int:match_id>/remove", methods=["POST"])
@object_check
def match_remove(cohort_id: int, match_id: int) -> Response:
    cohort = managed_cohort(cohort_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.remove_pair(cohort, match_id, actor=_me())
        except CohortError as error:
            rollback_request()
            pages.show_refusal(error)
        else:
            flash(_("The pair is taken out of the proposal."), "success")
    return _page(cohort)


@bp.route("/cohorts/<int:cohort_id>/matches/publish", methods=["POST"])
@object_check
def match_publish(cohort_id: int) -> Response:
    cohort = managed_cohort(cohort_id)
    if ConfirmForm().validate_on_submit():
        try:
            published = services.publish(cohort, actor=_me())
        except CohortError as error:
            rollback_request()
            pages.show_refusal(error)
        else:
            flash(
                ngettext(
                    "%(num)d pair published: the mentor and the team members are told by email.",
                    "%(num)d pairs published: the mentors and the team members are told by email.",
                    len(published),
                ),
                "success",
            )
    return _page(cohort)


@bp.route("/cohorts/<int:cohort_id>/matches/<int:match_id>/release", methods=["POST"])
@object_check
def match_release(cohort_id: int, match_id: int) -> Response:
    cohort = managed_cohort(cohort_id)
    form = ReleaseForm()
    if form.validate_on_submit():
        try:
            services.release(cohort, match_id, form.reason.data or "", actor=_me())
        except CohortError as error:
            rollback_request()
            pages.show_refusal(error)
        else:
            flash(_("The pair is released; the mentor and the team are told."), "success")
    else:
        _flash_form_errors(form)
    return _page(cohort)


# --- each person's side ---------------------------------------------------------------------


@bp.route("/matches/my-teams")
@login_required
def my_matched_teams() -> str:
    """The teams the signed-in mentor is matched with (published pairs only)."""
    matches = services.mentor_matches(_me())
    tags, sectors = services.lookups(matches)
    return render_template(
        "accelerator/matches/my_teams.html",
        matches=matches,
        explain=lambda row: labels.explanation(row.reasons or [], tags, sectors),
    )


@bp.route("/matches/my-mentors")
@login_required
def my_mentors() -> str:
    """The published mentors of the signed-in person's teams, with how to reach them."""
    matches = services.team_matches(_me())
    tags, sectors = services.lookups(matches)
    return render_template(
        "accelerator/matches/my_mentors.html",
        matches=matches,
        profiles=services.profiles_of({m.mentor_id for m in matches}),
        explain=lambda row: labels.explanation(row.reasons or [], tags, sectors),
    )
