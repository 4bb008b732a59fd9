"""Team progress: KPI reports, milestone completion and the cohort dashboard.

A team's progress page is for the team (its leader and every member), its mentors (who read
only) and the organizers of the cohort's unit (who may correct it); anyone else gets 404. The
cohort dashboard is the organizers'. Charts are inline SVG drawn on the server."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from accelerator import bp
from accelerator.cohorts.errors import CohortError
from accelerator.cohorts.forms import ConfirmForm
from accelerator.cohorts.pages import managed_cohort
from accelerator.models import CohortTeam, Milestone
from accelerator.progress import dashboard, services
from accelerator.progress.charts import month_label
from accelerator.progress.forms import KpiForm, MilestoneDoneForm
from accelerator.progress.pages import reporting_team, show_refusal, viewable_team
from accelerator.sessions import hours
from app.access import login_required, object_check
from app.db import db, rollback_request
from app.localtime import local_today
from app.people.models import User
from competitions.entries.forms import stage_label


def _me() -> User:
    return current_user._get_current_object()


def _team_url(cohort_team: CohortTeam) -> str:
    return url_for("accelerator.team_progress", cohort_team_id=cohort_team.id)


def _period(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None


def _kpi_form(cohort_team: CohortTeam) -> KpiForm:
    form = KpiForm()
    months = services.cohort_months(cohort_team.cohort)
    form.period.choices = [(m.isoformat(), month_label(m)) for m in months]
    if request.method == "GET":
        chosen = _period(request.args.get("period")) or (months[0] if months else None)
        report = services.report_for(cohort_team, chosen) if chosen else None
        if report is not None:
            form.process(obj=report)
            form.revenue.process_data(report.revenue_vnd)
            form.funding.process_data(report.funding_vnd)
        form.period.data = chosen.isoformat() if chosen else None
    return form


@bp.route("/progress/")
@login_required
def my_progress() -> str:
    """The cohort teams the signed-in person belongs to, and those they mentor."""
    own, mentored = dashboard.teams_of(_me())
    return render_template("accelerator/progress/mine.html", own=own, mentored=mentored)


@bp.route("/progress/teams/<int:cohort_team_id>", methods=["GET", "POST"])
@object_check
def team_progress(cohort_team_id: int) -> str | Response:
    """The team's KPI history and milestones; the team (or an organizer) reports here."""
    cohort_team = viewable_team(cohort_team_id)
    if request.method == "POST":
        cohort_team = reporting_team(cohort_team_id)
    writer = services.can_report(cohort_team, current_user)
    form = _kpi_form(cohort_team)
    if form.validate_on_submit():
        data = services.KpiData(
            period=_period(form.period.data),
            customers=form.customers.value,
            revenue_vnd=form.revenue.value,
            funding_vnd=form.funding.value,
            jobs=form.jobs.value,
            product_stage=form.product_stage.data or "",
            note=form.note.data or "",
        )
        try:
            report = services.report_kpis(cohort_team, data, by=_me())
        except CohortError as error:
            rollback_request()
            show_refusal(error, form)
        else:
            flash(_("Figures saved for %(month)s.", month=month_label(report.period)), "success")
            return redirect(_team_url(cohort_team))
    reports = dashboard.reports_of(cohort_team)
    months = services.cohort_months(cohort_team.cohort)[::-1]
    series = [(cohort_team.team.name, reports)]
    return render_template(
        "accelerator/progress/team.html",
        cohort_team=cohort_team,
        cohort=cohort_team.cohort,
        reports=reports[::-1],
        writer=writer,
        form=form,
        done_form=MilestoneDoneForm(formdata=None, completed_on=local_today()),
        confirm=ConfirmForm(),
        completions=dashboard.completions(cohort_team),
        revenue_chart=dashboard.revenue_chart("team-revenue", months, series),
        customers_chart=dashboard.customers_chart("team-customers", months, series),
        stage_label=stage_label,
        month_label=month_label,
        in_millions=dashboard.in_millions,
    )


def _milestone(cohort_team_id: int, milestone_id: int) -> tuple[CohortTeam, Milestone | None]:
    return reporting_team(cohort_team_id), db.session.get(Milestone, milestone_id)


@bp.route(
    "/progress/teams/<int:cohort_team_id>/milestones/<int:milestone_id>/done", methods=["POST"]
)
@object_check
def milestone_done(cohort_team_id: int, milestone_id: int) -> Response:
    cohort_team, milestone = _milestone(cohort_team_id, milestone_id)
    form = MilestoneDoneForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "danger")
        return redirect(_team_url(cohort_team) + "#milestones")
    try:
        if milestone is None:
            raise CohortError("not_cohort_milestone")
        services.complete_milestone(
            cohort_team, milestone, form.completed_on.data, form.note.data or "", by=_me()
        )
    except CohortError as error:
        rollback_request()
        show_refusal(error)
    else:
        flash(_("Milestone marked completed."), "success")
    return redirect(_team_url(cohort_team) + "#milestones")


@bp.route(
    "/progress/teams/<int:cohort_team_id>/milestones/<int:milestone_id>/undo", methods=["POST"]
)
@object_check
def milestone_undo(cohort_team_id: int, milestone_id: int) -> Response:
    cohort_team, milestone = _milestone(cohort_team_id, milestone_id)
    if ConfirmForm().validate_on_submit():
        try:
            if milestone is None:
                raise CohortError("not_cohort_milestone")
            services.uncomplete_milestone(cohort_team, milestone, by=_me())
        except CohortError as error:
            rollback_request()
            show_refusal(error)
        else:
            flash(_("Milestone marked not completed."), "success")
    return redirect(_team_url(cohort_team) + "#milestones")


@bp.route("/cohorts/<int:cohort_id>/progress")
@object_check
def cohort_progress(cohort_id: int) -> str:
    """Every team's milestones, KPIs, sessions and mentors, with the charts."""
    cohort = managed_cohort(cohort_id)
    board = dashboard.cohort_dashboard(cohort)
    series = dashboard.team_series(board.teams)
    return render_template(
        "accelerator/progress/cohort.html",
        cohort=cohort,
        board=board,
        revenue_chart=dashboard.revenue_chart("cohort-revenue", board.months, series),
        customers_chart=dashboard.customers_chart("cohort-customers", board.months, series),
        sessions_chart=dashboard.sessions_chart("cohort-sessions", board.activities),
        stage_label=stage_label,
        month_label=month_label,
        in_millions=dashboard.in_millions,
        as_hours=hours.as_hours,
    )
