"""Importing participants and their teams from a workbook, for organizers and
administrators: download the template, upload it filled in, read the report row by row,
confirm the preview. The confirmation carries only the kept file's id; the file is checked
again against the database before anything is applied, all rows or none."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.access import roles_required
from app.downloads import xlsx_download
from app.localtime import local_today
from app.people.imports import flow
from app.people.imports.forms import ConfirmForm, UploadForm
from app.people.imports.messages import file_message
from app.people.imports.messages import problem_message as people_problem_message
from app.people.models import Role, User
from app.spreadsheet_imports import Problem
from app.spreadsheets import download_name
from competitions import bp
from competitions.teams import imports, imports_services
from competitions.teams.imports import TeamReport
from competitions.teams.messages import MESSAGES
from competitions.teams.services import MAX_TEAM_SIZE


def _me() -> User:
    return current_user._get_current_object()


def problem_message(problem: Problem) -> str:
    value = problem.value or ""
    code = problem.code
    if code in ("birth_date_future", "birth_date_age", "unit_not_organisation"):
        return str(MESSAGES[code])
    if code == "no_leader":
        return _("The team “%(team)s” has no leader row: mark one member “Trưởng nhóm”.",
                 team=value)  # fmt: skip
    if code == "second_leader":
        return _("The team “%(team)s” already has its leader on row %(row)d: a team has one "
                 "leader.", team=value, row=problem.first_row)  # fmt: skip
    if code == "unit_conflict":
        return _("Another unit than on row %(row)d for the same team.", row=problem.first_row)
    if code == "unit_not_yours":
        return _("“%(value)s” is not a unit you organise.", value=value)
    if code == "team_not_yours":
        return _("The team “%(team)s” exists already and does not belong to a unit you "
                 "organise: members cannot be added to it.", team=value)  # fmt: skip
    if code == "team_unit_differs":
        return _("The team exists already with the unit %(unit)s: an import does not change a "
                 "team's unit.", unit=problem.detail or "")  # fmt: skip
    if code == "team_too_large":
        return _("The team would have %(n)s members: at most %(max)d.",
                 n=problem.detail or "", max=MAX_TEAM_SIZE)  # fmt: skip
    return people_problem_message(problem)


def _page(form: UploadForm, report: TeamReport | None = None,
          confirm: ConfirmForm | None = None) -> str:  # fmt: skip
    return render_template(
        "competitions/teams/import.html",
        form=form,
        report=report,
        confirm=confirm,
        file_message=file_message,
        problem_message=problem_message,
    )


@bp.route("/teams/import", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.ORGANIZER)
def import_teams() -> str:
    form = UploadForm()
    report, confirm = flow.check_upload(
        form,
        lambda data: imports.check_teams(data, actor=_me()),
        lambda reason: TeamReport(file_problem=reason),
        kind=imports.KIND,
        by=_me(),
    )
    return _page(form, report, confirm)


@bp.route("/teams/import/apply", methods=["POST"])
@roles_required(Role.ADMIN, Role.ORGANIZER)
def import_teams_apply() -> str | Response:
    back = redirect(url_for("competitions.import_teams"))
    applied = flow.apply_confirmed(
        lambda stored: imports_services.apply_teams(stored, by=_me()),
        by=_me(),
        back=back,
        refused=lambda report: _page(UploadForm(formdata=None), report),
        message=file_message,
    )
    if not isinstance(applied, imports_services.Applied):
        return applied
    if applied.accounts_created or applied.members_added or applied.role_grants:
        flash(
            _("Import done: %(teams)d new teams, %(members)d members added, %(accounts)d new "
              "accounts (each gets an activation email), %(unchanged)d rows unchanged.",
              teams=applied.teams_created, members=applied.members_added,
              accounts=applied.accounts_created, unchanged=applied.unchanged),
            "success",
        )  # fmt: skip
    else:
        flash(_("Nothing changed: every row of the file was already in place."), "info")
    return back


@bp.route("/teams/import/template.xlsx")
@roles_required(Role.ADMIN, Role.ORGANIZER)
def import_teams_template() -> Response:
    return xlsx_download(
        imports.template_bytes(), download_name("Mẫu nhập thí sinh", date=local_today())
    )
