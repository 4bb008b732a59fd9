"""The judge's dashboard and score sheets.

A sheet's address names the round entry, never a sheet: a judge only ever reaches their
own sheet. A judge who is not on the panel or not assigned the entry gets 404 (the entry's
existence is not revealed); a conflict or a window not yet open gets 403 with the reason.
Organizers do not score here (paper sheets are typed in on the organizers' pages).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.access import login_required, object_check, require
from app.arrival import arrived_at
from app.db import db, rollback_request, utcnow
from app.errors import render_error
from app.formatting import format_number
from app.localtime import format_datetime
from app.storage import StoredFile, send_stored
from competitions.entries.forms import stage_label
from judging import bp
from judging.common import JudgingError, me
from judging.models import RubricCriterion, ScoreSheet, SheetStatus
from judging.ranking import Criterion, judge_total
from judging.scoring import services
from judging.scoring.content import entry_content
from judging.scoring.dashboard import NOT_STARTED, judge_rounds
from judging.scoring.forms import SheetForm, parse_lock_version, sheet_form
from judging.scoring.services import (
    InvalidScores,
    SheetContext,
    StaleSheet,
)

Page = str | Response | tuple[str, int]


def _refusal_message(reason: str, context: SheetContext | None = None) -> str:
    round_ = context.round if context is not None else None
    opens = round_.judging_opens_at if round_ is not None else None
    return {
        services.NOT_ON_PANEL: _("You are not on the panel that judges this entry."),
        services.NOT_ASSIGNED: _("This entry is not assigned to you."),
        services.CONFLICTS_NOT_DECLARED: _(
            "Declare your conflicts of interest for this round first: until then no entry "
            "opens for you."
        ),
        services.CONFLICT: _(
            "You have a conflict of interest with this entry: you cannot see or score it."
        ),
        services.WINDOW_NOT_SET: _("The organizers have not set the judging dates yet."),
        services.WINDOW_NOT_YET: _(
            "Judging has not opened yet: it opens on %(when)s (Vietnam time).",
            when=format_datetime(opens),
        ),
        services.WINDOW_CLOSED: _(
            "Judging has closed for this round: scores can no longer be saved. Nothing was "
            "saved from this page; your values are still in the form."
        ),
        services.PAPER_SHEET: _(
            "The organizers entered your scores for this entry from a paper sheet: ask them "
            "to make any change."
        ),
        services.NO_RUBRIC: _(
            "The organizers have not set this round's rubric yet: nothing can be scored."
        ),
        "comment_too_long": _(
            "The comment for the team is longer than %(n)d characters.", n=services.MAX_TEXT
        ),
        "note_too_long": _(
            "The private note is longer than %(n)d characters.", n=services.MAX_TEXT
        ),
        "stale": _("The sheet changed in another tab. Reload it and try again."),
    }[reason]


def _score_message(reason: str, criterion: RubricCriterion, step: Any) -> str:
    return {
        services.NOT_A_NUMBER: _("Enter a number, such as 8,5 or 8.5."),
        services.BELOW_ZERO: _("A score cannot be below 0."),
        services.ABOVE_MAX: _(
            "At most %(max)s for this criterion.", max=format_number(criterion.max_score)
        ),
        services.OFF_STEP: _(
            "Scores go in steps of %(step)s (for example %(example)s).",
            step=format_number(step),
            example=format_number(criterion.max_score - step),
        ),
        services.MISSING: _("Score this criterion before submitting."),
    }[reason]


def _status_label(status: str) -> str:
    return {
        NOT_STARTED: _("not started"),
        SheetStatus.DRAFT: _("draft"),
        SheetStatus.SUBMITTED: _("submitted"),
    }[status]


def _state_label(state: str) -> str:
    return {
        "open": _("open"),
        "not_yet": _("not yet open"),
        "not_set": _("dates not set"),
        "closed": _("closed"),
    }[state]


# --- dashboard -------------------------------------------------------------------------------


@bp.route("/")
@login_required
def my() -> str:
    now = utcnow()
    return render_template(
        "judging/scoring/my.html",
        cards=judge_rounds(me(), now),
        status_label=_status_label,
        state_label=_state_label,
    )


# --- the sheet -------------------------------------------------------------------------------


def _context_or_refuse(round_entry_id: int) -> SheetContext | Response | tuple[str, int]:
    """The sheet's context, or the answer for a judge who may not see it."""
    round_entry = services.load_round_entry(round_entry_id)
    require(round_entry is not None, 404)
    context = services.sheet_context(me(), round_entry, utcnow())
    refusal = context.may_see()
    if refusal in (services.NOT_ON_PANEL, services.NOT_ASSIGNED):
        abort(404)
    if refusal == services.CONFLICTS_NOT_DECLARED:
        if request.method == "GET":
            flash(_refusal_message(refusal), "warning")
            return redirect(url_for("judging.declare", round_id=round_entry.round_id))
        return render_error(403, _refusal_message(refusal))
    if refusal is not None:
        return render_error(403, _refusal_message(refusal, context))
    if context.state in ("not_yet", "not_set"):
        reason = services.WINDOW_NOT_YET if context.state == "not_yet" else services.WINDOW_NOT_SET
        return render_error(403, _refusal_message(reason, context))
    return context


def _fresh_form(context: SheetContext, sheet: ScoreSheet | None) -> SheetForm:
    form = sheet_form(context.criteria, formdata=None)
    form.lock_version.data = sheet.lock_version if sheet is not None else 0
    if sheet is not None:
        form.comment_for_team.data = sheet.comment_for_team
        form.private_note.data = sheet.private_note
        values = {s.criterion_id: s.value for s in sheet.scores}
        for criterion in context.criteria:
            if criterion.id in values:
                form.score(criterion).data = format_number(values[criterion.id])
    return form


def _total(context: SheetContext, sheet: ScoreSheet | None) -> float | None:
    """The judge's total on the 0–100 scale, once every criterion is scored."""
    if sheet is None or not context.criteria:
        return None
    values = {s.criterion_id: float(s.value) for s in sheet.scores}
    if any(c.id not in values for c in context.criteria):
        return None
    criteria = [
        Criterion(id=c.id, max=float(c.max_score), weight=float(c.weight), priority=c.position)
        for c in context.criteria
    ]
    return judge_total(criteria, values)


def _page(
    context: SheetContext,
    sheet: ScoreSheet | None,
    form: SheetForm,
    *,
    stale: ScoreSheet | None = None,
    error: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    round_entry = context.round_entry
    no_rubric = not context.criteria
    read_only = context.state == "closed" or (sheet is not None and sheet.is_paper) or no_rubric
    html = render_template(
        "judging/scoring/sheet.html",
        context=context,
        round_entry=round_entry,
        entry=round_entry.entry,
        round=context.round,
        content=entry_content(round_entry.entry),
        sheet=sheet,
        form=form,
        stale=stale,
        stale_values=({s.criterion_id: s.value for s in stale.scores} if stale is not None else {}),
        error=error,
        read_only=read_only,
        no_rubric=no_rubric,
        total=_total(context, sheet),
        stage_label=stage_label,
        status_label=_status_label,
        decimal_separator="," if str(get_locale()) == "vi" else ".",
    )
    return html, status


@bp.route("/sheets/<int:round_entry_id>", methods=["GET", "POST"])
@object_check
def sheet(round_entry_id: int) -> Page:
    context = _context_or_refuse(round_entry_id)
    if not isinstance(context, SheetContext):
        return context
    judge = me()
    round_entry = context.round_entry
    current = services.own_sheet(judge, round_entry)
    if request.method == "GET":
        return _page(context, current, _fresh_form(context, current))

    form = sheet_form(context.criteria)
    if not form.validate_on_submit():
        return _page(context, current, form)
    submit = bool(form.submit.data)
    try:
        result = services.save_sheet(
            judge,
            round_entry,
            form.values(context.criteria),
            form.comment_for_team.data or "",
            form.private_note.data or "",
            parse_lock_version(form.lock_version.data),
            submit,
            arrived_at(),
        )
    except InvalidScores as error:
        rollback_request()
        for criterion in context.criteria:
            reason = error.problems.get(criterion.id)
            if reason:
                form.score(criterion).errors = [_score_message(reason, criterion, context.step)]
        return _page(context, current, form, error=_("Nothing was saved: check the marked scores."))
    except StaleSheet:
        rollback_request()
        stored = services.own_sheet(judge, round_entry, fresh=True)
        # Saving again from this page applies the judge's values over the stored ones.
        form.lock_version.data = stored.lock_version if stored is not None else 0
        return _page(context, stored, form, stale=stored, status=409)
    except JudgingError as error:
        rollback_request()
        return _page(
            context, current, form, error=_refusal_message(error.reason, context), status=403
        )
    title = round_entry.entry.title
    if result.action == "submit":
        flash(_("Your scores for “%(title)s” are submitted. Thank you!", title=title), "success")
        return redirect(url_for("judging.my"))
    if result.action == "unchanged":
        flash(_("Your scores for “%(title)s” were already saved.", title=title), "info")
    elif result.sheet.status == SheetStatus.SUBMITTED:
        flash(
            _("Your changes to “%(title)s” are saved; it stays submitted.", title=title), "success"
        )
    else:
        flash(_("Draft saved. Submit it when every criterion is scored."), "success")
    return redirect(url_for("judging.sheet", round_entry_id=round_entry.id))


@bp.route("/sheets/<int:round_entry_id>/files/<int:file_id>")
@object_check
def sheet_file(round_entry_id: int, file_id: int) -> Page:
    """The entry's deck or one of its images, for a judge who may open its sheet: the
    files of what the sheet page shows (the latest version), as an attachment."""
    context = _context_or_refuse(round_entry_id)
    if not isinstance(context, SheetContext):
        return context
    content = entry_content(context.round_entry.entry)
    require(file_id in content.file_ids, 404)
    stored = db.session.get(StoredFile, file_id)
    require(stored is not None and stored.path.is_file(), 404)
    return send_stored(stored)
