"""Paper score sheets: xlsx import with a per-row report, and entry by hand.

Organizers of the round's competition only (403 for everyone else, 404 for a round that
does not exist). The import goes in two steps: the upload is checked and the report shown
(the file is kept on the server when every row passes), then the confirmation imports the
kept file, all rows or none."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from app import spreadsheets
from app.access import object_check, require
from app.db import rollback_request
from app.downloads import xlsx_download
from app.formatting import format_number
from app.forms_common import choices
from app.spreadsheet_messages import refusal_message
from app.storage import UploadError
from competitions.models import Round
from judging import bp
from judging.common import JudgingError, criteria_of, managed_round, me
from judging.paper import checks, listing, services, template, uploads
from judging.paper.checks import ImportRefused, ImportReport, Problem, SheetRefused
from judging.paper.forms import (
    ConfirmForm,
    JudgePickForm,
    UploadForm,
    criterion_field_name,
    manual_form,
)

GENERIC_REFUSALS = ("too_large", "not_xlsx", "unsafe", "empty", "too_many_rows")


def file_message(reason: str) -> str:
    if reason in GENERIC_REFUSALS:
        return refusal_message(reason)
    return {
        "no_rows": _("The workbook has no filled-in rows: nothing to import."),
        "bad_header": _("The column headings do not match this round's rubric: download the "
                        "template again (the rubric may have changed) and copy the scores "
                        "into it."),
        "no_rubric": _("This round has no rubric yet: paper sheets need its criteria."),
        "results_published": _("The results of this round are published: paper sheets can "
                               "no longer be imported or entered."),
        "upload_gone": _("The previewed file is no longer available: upload it again."),
        "row_errors": _("The workbook no longer passes the checks (assignments or sheets "
                        "changed since the preview). Nothing was imported."),
    }[reason]  # fmt: skip


def problem_message(problem: Problem) -> str:
    """One problem of a row, in words: the column is shown beside it."""
    criterion = problem.header or ""
    value = problem.value or ""
    reason = problem.reason
    if reason == "missing_judge":
        return _("No judge email.")
    if reason == "unknown_judge":
        if problem.value:
            return _("No account has the email %(email)s.", email=value)
        return _("Choose a judge of this round.")
    if reason == "missing_entry":
        return _("No entry code.")
    if reason == "unknown_entry":
        if problem.value:
            return _("No entry of this round has the code %(code)s.", code=value)
        return _("Choose an entry of this round.")
    if reason == "not_assigned":
        return _("This judge is not assigned to this entry (published assignments only).")
    if reason == "conflict":
        return _("This judge has a conflict of interest with this entry: no sheet.")
    if reason == "online_sheet":
        return _("The judge has already submitted this sheet online; it is not overwritten.")
    if reason == "duplicate":
        return _("The same judge and entry as row %(row)d.", row=problem.first_row)
    if reason == "formula":
        return _("A formula: type the value itself.")
    if reason == "too_long":
        return _("The comment is longer than %(n)d characters.", n=checks.MAX_COMMENT)
    messages = {
        "missing": _("%(criterion)s: no score.", criterion=criterion),
        "not_a_number": _("%(criterion)s: “%(value)s” is not a number.",
                          criterion=criterion, value=value),
        "below_zero": _("%(criterion)s: a score cannot be negative.", criterion=criterion),
        "above_max": _("%(criterion)s: %(value)s is above the maximum, %(max)s.",
                       criterion=criterion, value=value, max=format_number(problem.limit)),
        "off_step": _("%(criterion)s: %(value)s is not a multiple of %(step)s.",
                      criterion=criterion, value=value, step=format_number(problem.limit)),
    }  # fmt: skip
    return messages[reason]


def _page(
    round_: Round,
    *,
    form: UploadForm,
    report: ImportReport | None = None,
    confirm: ConfirmForm | None = None,
) -> str:
    sheets, total = listing.paper_sheets(round_)
    return render_template(
        "judging/paper/index.html",
        round=round_,
        competition=round_.competition,
        form=form,
        report=report,
        confirm=confirm,
        sheets=sheets,
        total=total,
        limit=listing.PAPER_LIST_LIMIT,
        published=checks.results_published(round_),
        file_message=file_message,
        problem_message=problem_message,
    )


@bp.route("/rounds/<int:round_id>/paper", methods=["GET", "POST"])
@object_check
def paper(round_id: int) -> str:
    round_ = managed_round(round_id)
    form = UploadForm()
    report = confirm = None
    if form.validate_on_submit():
        upload = form.workbook.data
        name = upload.filename or ""
        if not name.lower().endswith(".xlsx"):
            report = ImportReport(file_problem="not_xlsx")
        else:
            data = upload.stream.read(spreadsheets.MAX_FILE_BYTES + 1)
            report = checks.check_workbook(round_, data)
            if report.importable:
                try:
                    stored = uploads.keep_upload(round_, data, name, by=me())
                except UploadError as error:
                    form.workbook.errors = [*form.workbook.errors, error.message]
                    report = None
                else:
                    confirm = ConfirmForm(formdata=None, upload_id=stored.id)
    return _page(round_, form=form, report=report, confirm=confirm)


@bp.route("/rounds/<int:round_id>/paper/import", methods=["POST"])
@object_check
def paper_import(round_id: int) -> str | Response:
    round_ = managed_round(round_id)
    form = ConfirmForm()
    back = redirect(url_for("judging.paper", round_id=round_.id))
    if not form.validate_on_submit() or not str(form.upload_id.data).isdigit():
        flash(_("The confirmation expired: upload the workbook again."), "warning")
        return back
    stored = uploads.kept_upload(int(form.upload_id.data), by=me())
    require(stored is not None, 404)
    try:
        imported = services.import_workbook(round_, stored, by=me())
    except ImportRefused as error:
        rollback_request()
        flash(file_message(error.reason), "danger")
        return _page(round_, form=UploadForm(formdata=None), report=error.report)
    except JudgingError as error:
        rollback_request()
        flash(file_message(error.reason), "danger")
        return back
    flash(
        ngettext("%(num)d paper sheet imported.", "%(num)d paper sheets imported.", imported),
        "success",
    )
    return back


@bp.route("/rounds/<int:round_id>/paper/template.xlsx")
@object_check
def paper_template(round_id: int) -> Response:
    round_ = managed_round(round_id)
    data = template.template_bytes(round_)
    name = _("Paper score sheets - %(round)s.xlsx", round=round_.name).replace("/", "-")
    return xlsx_download(data, name)


# --- one sheet typed by hand -------------------------------------------------------------

# Where a refusal of the service is shown on the form.
PAIR_REASONS = {"not_assigned", "conflict", "online_sheet", "unknown_entry"}


def _show_problems(form, problems: list[Problem]) -> None:  # noqa: ANN001
    for problem in problems:
        if problem.criterion_id is not None:
            field = form[f"score_{problem.criterion_id}"]
        elif problem.reason in PAIR_REASONS:
            field = form.round_entry
        elif problem.reason == "too_long" or problem.reason == "formula":
            field = form.comment_for_team
        else:
            flash(problem_message(problem), "danger")
            continue
        field.errors = [*field.errors, problem_message(problem)]


@bp.route("/rounds/<int:round_id>/paper/manual", methods=["GET", "POST"])
@object_check
def paper_manual(round_id: int) -> str | Response:
    round_ = managed_round(round_id)
    published = checks.results_published(round_)
    judges = services.judges_to_enter(round_)
    judge_id = request.values.get("judge", type=int)
    judge = next((j for j in judges if j.id == judge_id), None)
    pick = JudgePickForm(request.args if request.method == "GET" else None, judge=judge_id)
    pick.judge.choices = choices(
        [(0, "—"), *[(j.id, f"{j.full_name} ({j.email})") for j in judges]]
    )
    criteria = criteria_of(round_.id)
    step_text = format_number(checks.score_step(round_))
    form = pairs = None
    if judge is not None:
        form = manual_form(
            criteria,
            step_text,
            judge=judge.id,
            round_entry=request.args.get("entry", type=int),
        )
        pairs = services.pairs_to_enter(round_, judge)
        form.round_entry.choices = choices(
            [(0, "—"), *[(p.round_entry_id, _pair_label(p)) for p in pairs]]
        )
        if request.method == "POST" and form.validate_on_submit():
            try:
                sheet = services.enter_sheet(
                    round_,
                    judge_id=judge.id,
                    round_entry_id=form.round_entry.data,
                    values={c.id: form[criterion_field_name(c)].data for c in criteria},
                    comment=(form.comment_for_team.data or "").strip(),
                    by=me(),
                )
            except SheetRefused as error:
                rollback_request()
                _show_problems(form, error.problems)
            except JudgingError as error:
                rollback_request()
                flash(file_message(error.reason), "danger")
            else:
                flash(
                    _("Paper sheet of %(judge)s for %(code)s saved.",
                      judge=judge.full_name, code=sheet.round_entry.entry.code),
                    "success",
                )  # fmt: skip
                return redirect(url_for("judging.paper_manual", round_id=round_.id, judge=judge.id))
    elif request.method == "POST":
        flash(_("Choose a judge of this round."), "danger")
    return render_template(
        "judging/paper/manual.html",
        round=round_,
        competition=round_.competition,
        pick=pick,
        judge=judge,
        form=form,
        pairs=pairs,
        criteria=criteria,
        field_name=criterion_field_name,
        published=published,
    )


def _pair_label(pair: services.Pair) -> str:
    label = f"{pair.code} — {pair.title}"
    if pair.replaces == "draft":
        return label + " " + _("(replaces the judge's online draft)")
    if pair.replaces == "paper":
        return label + " " + _("(corrects the paper sheet entered before)")
    return label
