"""Importing judges and mentors from a workbook, for administrators and organizers:
download the template, upload it filled in, read the report row by row, confirm the
preview. The confirmation carries only the kept file's id; the file is checked again
against the database before anything is applied, all rows or none."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.access import roles_required
from app.admin import bp
from app.downloads import xlsx_download
from app.localtime import local_today
from app.people.imports import checks, flow, services
from app.people.imports.checks import ExpertReport
from app.people.imports.forms import ConfirmForm, UploadForm
from app.people.imports.messages import file_message, problem_message
from app.people.labels import role_label
from app.people.models import Role, User
from app.spreadsheets import download_name


def _me() -> User:
    return current_user._get_current_object()


def expert_problem_message(problem) -> str:  # noqa: ANN001
    if problem.code == "unknown_tag":
        return _("No expertise field has the code or name “%(value)s”.", value=problem.value)
    return problem_message(problem)


def _page(form: UploadForm, report: ExpertReport | None = None,
          confirm: ConfirmForm | None = None) -> str:  # fmt: skip
    return render_template(
        "people/imports/experts.html",
        form=form,
        report=report,
        confirm=confirm,
        columns=checks.COLUMNS,
        file_message=file_message,
        problem_message=expert_problem_message,
        roles_text=lambda roles: ", ".join(role_label(role) for role in roles),
        tags_text=lambda tags: ", ".join(tag.name(str(get_locale())) for tag in tags),
    )


@bp.route("/imports/experts", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.ORGANIZER)
def import_experts() -> str:
    form = UploadForm()
    report, confirm = flow.check_upload(
        form,
        checks.check_experts,
        lambda reason: ExpertReport(file_problem=reason),
        kind=checks.KIND,
        by=_me(),
    )
    return _page(form, report, confirm)


@bp.route("/imports/experts/apply", methods=["POST"])
@roles_required(Role.ADMIN, Role.ORGANIZER)
def import_experts_apply() -> str | Response:
    back = redirect(url_for("admin.import_experts"))
    applied = flow.apply_confirmed(
        lambda stored: services.apply_experts(stored, by=_me()),
        by=_me(),
        back=back,
        refused=lambda report: _page(UploadForm(formdata=None), report),
        message=file_message,
    )
    if not isinstance(applied, services.Applied):
        return applied
    if applied.created or applied.updated:
        flash(
            _("Import done: %(created)d new accounts (each gets an activation email), "
              "%(updated)d existing accounts completed, %(unchanged)d unchanged.",
              created=applied.created, updated=applied.updated, unchanged=applied.unchanged),
            "success",
        )  # fmt: skip
    else:
        flash(_("Nothing changed: every row of the file was already in place."), "info")
    return back


@bp.route("/imports/experts/template.xlsx")
@roles_required(Role.ADMIN, Role.ORGANIZER)
def import_experts_template() -> Response:
    return xlsx_download(
        checks.template_bytes(), download_name("Mẫu nhập chuyên gia", date=local_today())
    )
