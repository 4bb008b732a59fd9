"""Organizer pages of a cohort: the list, create and edit, the overview, milestones.

Organizers of the cohort's owner unit (or of a unit above it) and administrators; a cohort
that does not exist is 404, someone else's is 403."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from accelerator import bp
from accelerator.cohorts import services, trainings
from accelerator.cohorts.errors import CohortError
from accelerator.cohorts.forms import CohortForm, ConfirmForm, MilestoneForm
from accelerator.cohorts.labels import milestone_kind_label
from accelerator.cohorts.pages import managed_cohort, managed_milestone, show_refusal
from accelerator.models import MembershipStatus
from accelerator.selection.labels import status_label
from app.access import object_check, roles_required
from app.db import db, rollback_request
from app.localtime import local_today
from app.people.models import Role, User
from app.units.models import Unit
from competitions.calls.pages import owner_unit_choices
from competitions.events import labels as event_labels


def _me() -> User:
    return current_user._get_current_object()


def _cohort_data(form: CohortForm) -> services.CohortData:
    return services.CohortData(
        owner_unit=db.session.get(Unit, form.owner_unit.data or 0),
        year=form.year.data,
        name=" ".join((form.name.data or "").split()),
        capacity=form.capacity.data,
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        description=form.description.data or "",
        mentors_per_team=form.mentors_per_team.data,
        inactive_weeks=form.inactive_weeks.data,
    )


@bp.route("/cohorts/")
@roles_required(Role.ADMIN, Role.ORGANIZER)
def cohort_list() -> str:
    cohorts = services.managed_cohorts(_me())
    return render_template(
        "accelerator/cohorts/list.html",
        cohorts=cohorts,
        places=services.places_by_cohort(cohorts),
    )


@bp.route("/cohorts/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.ORGANIZER)
def cohort_create() -> str | Response:
    form = CohortForm()
    form.owner_unit.choices = owner_unit_choices(_me())
    if request.method == "GET":
        form.year.data = local_today().year
    if form.validate_on_submit():
        try:
            cohort = services.create_cohort(_cohort_data(form), actor=_me())
        except CohortError as error:
            rollback_request()
            show_refusal(error, form)
        else:
            flash(_("Cohort created: add its milestones, then choose its teams."), "success")
            return redirect(url_for("accelerator.cohort_overview", cohort_id=cohort.id))
    return render_template("accelerator/cohorts/form.html", form=form, cohort=None)


@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@object_check
def cohort_edit(cohort_id: int) -> str | Response:
    cohort = managed_cohort(cohort_id)
    form = CohortForm(obj=cohort)
    form.owner_unit.choices = owner_unit_choices(_me(), keep=cohort.owner_unit)
    if request.method == "GET":
        form.owner_unit.data = cohort.owner_unit_id
    if form.validate_on_submit():
        try:
            services.update_cohort(cohort, _cohort_data(form), actor=_me())
        except CohortError as error:
            rollback_request()
            show_refusal(error, form)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("accelerator.cohort_overview", cohort_id=cohort.id))
    return render_template("accelerator/cohorts/form.html", form=form, cohort=cohort)


@bp.route("/cohorts/<int:cohort_id>")
@object_check
def cohort_overview(cohort_id: int) -> str:
    """Capacity used, the teams per status, the programme's milestones and the trainings of
    the cohort, on one page."""
    cohort = managed_cohort(cohort_id)
    open_trainings = trainings.open_trainings(_me())
    return render_template(
        "accelerator/cohorts/overview.html",
        cohort=cohort,
        places=services.places_held(cohort),
        counts=services.status_counts(cohort),
        statuses=list(MembershipStatus),
        status_label=status_label,
        kind_label=milestone_kind_label,
        confirm=ConfirmForm(),
        open_trainings=open_trainings,
        registered_counts=trainings.registration_counts(open_trainings),
        cohort_trainings=trainings.cohort_trainings(cohort),
        event_labels=event_labels,
    )


@bp.route("/cohorts/<int:cohort_id>/milestones/new", methods=["GET", "POST"])
@object_check
def milestone_create(cohort_id: int) -> str | Response:
    cohort = managed_cohort(cohort_id)
    form = MilestoneForm()
    if form.validate_on_submit():
        try:
            services.add_milestone(cohort, _milestone_data(form), actor=_me())
        except CohortError as error:
            rollback_request()
            show_refusal(error, form)
        else:
            flash(_("Milestone added."), "success")
            return redirect(url_for("accelerator.cohort_overview", cohort_id=cohort.id))
    return render_template(
        "accelerator/cohorts/milestone_form.html", form=form, cohort=cohort, milestone=None
    )


@bp.route("/cohorts/<int:cohort_id>/milestones/<int:milestone_id>/edit", methods=["GET", "POST"])
@object_check
def milestone_edit(cohort_id: int, milestone_id: int) -> str | Response:
    milestone = managed_milestone(cohort_id, milestone_id)
    form = MilestoneForm(obj=milestone)
    if form.validate_on_submit():
        try:
            services.update_milestone(milestone, _milestone_data(form), actor=_me())
        except CohortError as error:
            rollback_request()
            show_refusal(error, form)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("accelerator.cohort_overview", cohort_id=cohort_id))
    return render_template(
        "accelerator/cohorts/milestone_form.html",
        form=form,
        cohort=milestone.cohort,
        milestone=milestone,
    )


@bp.route("/cohorts/<int:cohort_id>/milestones/<int:milestone_id>/delete", methods=["POST"])
@object_check
def milestone_delete(cohort_id: int, milestone_id: int) -> Response:
    milestone = managed_milestone(cohort_id, milestone_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.delete_milestone(milestone, actor=_me())
        except CohortError as error:
            rollback_request()
            show_refusal(error)
        else:
            flash(_("Milestone deleted."), "success")
    return redirect(url_for("accelerator.cohort_overview", cohort_id=cohort_id))


def _milestone_data(form: MilestoneForm) -> services.MilestoneData:
    return services.MilestoneData(
        kind=form.kind.data or "",
        title=form.title.data or "",
        due_on=form.due_on.data,
        description=form.description.data or "",
    )


from accelerator.cohorts import training_views  # noqa: E402,F401
