"""Accelerator workbooks: sessions per mentor for a period, and the cohort report.

For the organizers of the cohort's unit (403 for anyone else, 404 for a cohort that does not
exist). Each download is a POST: it writes its audit row, and on SQLite a write transaction
takes its lock at the start instead of failing at the end of a long export."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from accelerator import bp
from accelerator.cohorts.errors import CohortError
from accelerator.cohorts.forms import ConfirmForm
from accelerator.cohorts.pages import managed_cohort
from accelerator.reports import services
from accelerator.reports.forms import PeriodForm
from app.access import object_check
from app.db import rollback_request
from app.downloads import xlsx_download
from app.forms_common import show_reasons

MESSAGES = {
    "period_reversed": ("ends_on", _l("The end of the period is before its start.")),
    "period_too_long": ("ends_on", _l("A period is at most one year long.")),
}


def period_form() -> PeriodForm:
    """The period form filled with last month, the usual stipend period."""
    starts_on, ends_on = services.last_month()
    return PeriodForm(formdata=None, starts_on=starts_on, ends_on=ends_on)


@bp.context_processor
def _report_forms() -> dict:
    # The cohort's sessions page carries the export form without its view knowing about it.
    return {"sessions_period_form": period_form}


@bp.route("/cohorts/<int:cohort_id>/reports/sessions", methods=["GET", "POST"])
@object_check
def sessions_report(cohort_id: int) -> str | Response:
    """Choose a period (last month by default) and download the sessions per mentor."""
    cohort = managed_cohort(cohort_id)
    form = PeriodForm()
    if form.validate_on_submit():
        try:
            content, name = services.export_sessions(
                cohort,
                form.starts_on.data,
                form.ends_on.data,
                actor=current_user._get_current_object(),
            )
        except CohortError as error:
            rollback_request()
            show_reasons(error.reasons, MESSAGES, form)
        else:
            return xlsx_download(content, name)
    elif not form.is_submitted():
        form = period_form()
    return render_template("accelerator/reports/sessions.html", cohort=cohort, form=form)


@bp.route("/cohorts/<int:cohort_id>/reports/cohort", methods=["POST"])
@object_check
def cohort_report(cohort_id: int) -> Response:
    """The cohort report workbook: overview, teams, pairs, KPIs and milestones."""
    cohort = managed_cohort(cohort_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form has expired: try again."), "danger")
        return redirect(url_for("accelerator.cohort_overview", cohort_id=cohort.id))
    content, name = services.export_cohort(cohort, actor=current_user._get_current_object())
    return xlsx_download(content, name)
