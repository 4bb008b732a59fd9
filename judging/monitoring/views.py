"""Judging progress per judge and per entry (and its Excel download), reminders, and
closing judging.

Organizers of the round's competition only (403 for everyone else, 404 for a round that
does not exist)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from app import audit, spreadsheets
from app.access import object_check
from app.db import rollback_request
from app.downloads import xlsx_download
from app.forms_common import choices
from app.localtime import local_today, wall_clock_now
from competitions.models import Pool
from judging import bp
from judging.common import (
    JudgingError,
    judging_state,
    managed_round,
    me,
    pools_of,
    settings_or_none,
)
from judging.monitoring import export, services
from judging.monitoring import progress as listing
from judging.monitoring.forms import CloseForm, ProgressFilterForm, RemindForm, ReopenForm


def _message(reason: str) -> str:
    return {
        "not_open": _("Judging is not open: reminders and closing are for a round being judged."),
        "nobody_missing": _("No chosen judge has a missing sheet: no reminder sent."),
        "results_published": _("The results of this round are published: judging stays closed."),
        "already_closed": _("Judging is already closed."),
        "not_closed": _("Judging was not closed early: there is nothing to reopen."),
        "window_over": _("The judging window has ended: judging cannot be reopened. Change "
                         "the round's judging dates first."),
    }[reason]  # fmt: skip


FILTER_KEYS = ("only_missing", "pool")  # what the download keeps of the page's query string


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def _filters(pools: list[Pool]) -> tuple[ProgressFilterForm, listing.EntryFilters]:
    """The filters of the query string; a pool of another round is no filter at all."""
    form = ProgressFilterForm(request.args)
    form.pool.choices = choices([(0, _("All pools")), *[(p.id, p.name) for p in pools]])
    form.validate()
    pool_id = form.pool.data if not form.pool.errors else None
    filters = listing.EntryFilters(
        only_missing=bool(form.only_missing.data),
        pool_id=pool_id if any(p.id == pool_id for p in pools) else None,
    )
    return form, filters


@bp.route("/rounds/<int:round_id>/progress")
@object_check
def progress(round_id: int) -> str:
    round_ = managed_round(round_id)
    settings = settings_or_none(round_)
    form, filters = _filters(pools_of(round_))
    judges = listing.judge_progress(round_)
    totals = listing.totals(round_, judges)
    entries, matching = listing.entry_page(round_, filters, _page())
    shown_judges = [j for j in judges if j.missing] if filters.only_missing else judges
    return render_template(
        "judging/monitoring/progress.html",
        round=round_,
        competition=round_.competition,
        settings=settings,
        state=judging_state(round_, settings),
        closed_by=listing.closed_by(settings),
        can_reopen=services.can_reopen(round_, settings),
        form=form,
        judges=shown_judges,
        totals=totals,
        entries=entries,
        total=matching,
        page=_page(),
        per_page=listing.ENTRIES_PER_PAGE,
        remind=RemindForm(formdata=None),
        close=CloseForm(formdata=None),
        reopen=ReopenForm(formdata=None),
        pause_minutes=int(services.REMINDER_PAUSE.total_seconds() // 60),
        export_url=url_for(
            "judging.progress_export",
            round_id=round_.id,
            **{k: v for k, v in request.args.items() if k in FILTER_KEYS},
        ),
    )


@bp.route("/rounds/<int:round_id>/progress/export", methods=["POST"])
@object_check
def progress_export(round_id: int) -> Response:
    """The progress per judge and per entry, with the page's filters of the query string
    (every entry, not one page), as a workbook. A POST, like the ranking download: it
    writes the audit row, and on SQLite a write transaction takes its lock at the start."""
    round_ = managed_round(round_id)
    pools = pools_of(round_)
    _form, filters = _filters(pools)
    judges = listing.judge_progress(round_)
    if filters.only_missing:
        judges = [j for j in judges if j.missing]
    entries = listing.all_entries(round_, filters)
    user = me()
    competition = round_.competition
    facts = export.ProgressExport(
        competition=f"{competition.title} ({competition.edition_year})",
        round_name=round_.name,
        pool_name=next((p.name for p in pools if p.id == filters.pool_id), None),
        only_missing=filters.only_missing,
        exported_at=wall_clock_now(),
        exported_by=f"{user.full_name} <{user.email}>",
    )
    content = export.progress_workbook(judges, entries, facts)
    audit.record(
        "judging.export",
        round_,
        new={
            "format": "xlsx",
            "what": "progress",
            "filters": {"pool": filters.pool_id, "only_missing": filters.only_missing},
            "judges": len(judges),
            "entries": len(entries),
            "destination": "download",
        },
        actor=user,
    )
    name = spreadsheets.download_name(
        competition.title, round_.name, export.FILE_PART, date=local_today()
    )
    return xlsx_download(content, name)


def _back(round_id: int) -> Response:
    return redirect(url_for("judging.progress", round_id=round_id))


def _expired(round_id: int) -> Response:
    flash(_("The form expired or was incomplete: try again."), "warning")
    return _back(round_id)


@bp.route("/rounds/<int:round_id>/progress/remind", methods=["POST"])
@object_check
def progress_remind(round_id: int) -> Response:
    round_ = managed_round(round_id)
    form = RemindForm()
    if not form.validate_on_submit():
        return _expired(round_.id)
    user_ids = None if form.scope.data == "all" else form.user_ids.data
    if user_ids is not None and not user_ids:
        flash(_("Tick at least one judge, or remind all judges with missing sheets."), "warning")
        return _back(round_.id)
    try:
        result = services.send_reminders(round_, by=me(), user_ids=user_ids)
    except JudgingError as error:
        rollback_request()
        flash(_message(error.reason), "danger")
        return _back(round_.id)
    if result.sent:
        flash(
            ngettext("Reminder emailed to %(num)d judge.", "Reminders emailed to %(num)d judges.",
                     len(result.sent)),
            "success",
        )  # fmt: skip
    if result.recent:
        flash(
            ngettext(
                "%(num)d judge was reminded less than %(minutes)d minutes ago and was not "
                "emailed again: %(names)s.",
                "%(num)d judges were reminded less than %(minutes)d minutes ago and were not "
                "emailed again: %(names)s.",
                len(result.recent),
                minutes=int(services.REMINDER_PAUSE.total_seconds() // 60),
                names=", ".join(j.user.full_name for j in result.recent),
            ),
            "info",
        )
    return _back(round_.id)


@bp.route("/rounds/<int:round_id>/progress/close", methods=["POST"])
@object_check
def progress_close(round_id: int) -> Response:
    round_ = managed_round(round_id)
    form = CloseForm()
    if not form.validate_on_submit():
        return _expired(round_.id)
    try:
        missing = services.close_judging(
            round_, by=me(), confirm_missing=bool(form.confirm_missing.data)
        )
    except JudgingError as error:
        rollback_request()
        if error.reason == "missing_unconfirmed":
            flash(
                ngettext(
                    "%(num)d sheet is still missing. Tick the box to confirm that judging "
                    "closes anyway.",
                    "%(num)d sheets are still missing. Tick the box to confirm that judging "
                    "closes anyway.",
                    listing.missing_count(round_),
                ),
                "warning",
            )
        else:
            flash(_message(error.reason), "danger")
        return _back(round_.id)
    message = _("Judging is closed: judges can no longer save scores.")
    if missing:
        message += " " + ngettext(
            "%(num)d sheet was missing.", "%(num)d sheets were missing.", missing
        )
    flash(message, "success")
    return _back(round_.id)


@bp.route("/rounds/<int:round_id>/progress/reopen", methods=["POST"])
@object_check
def progress_reopen(round_id: int) -> Response:
    round_ = managed_round(round_id)
    form = ReopenForm()
    if not form.validate_on_submit():
        return _expired(round_.id)
    try:
        services.reopen_judging(round_, by=me())
    except JudgingError as error:
        rollback_request()
        flash(_message(error.reason), "danger")
        return _back(round_.id)
    flash(_("Judging is open again until the end of its window."), "success")
    return _back(round_.id)
