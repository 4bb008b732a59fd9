"""Conflicts of interest: a judge's declaration page (judges on the round's panel only;
anyone else gets 403, a missing round 404), and the organizers' conflicts page with
recusals, overrides, re-activations and detection on demand."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.access import object_check, require
from app.auth.forms import ConfirmForm
from app.db import db, rollback_request
from app.forms_common import choices
from app.people.models import User
from competitions.models import Entry, Round
from judging import bp
from judging.common import JudgingError, flash_form_errors, managed_round, me
from judging.panels import conflicts, detection, queries
from judging.panels.conflicts import (
    DETECTED_REASONS,
    MAX_REASON_LENGTH,
    MIN_DECLARE_REASON_LENGTH,
    MIN_REASON_LENGTH,
    SOURCE_LABELS,
    STATUS_LABELS,
    ConflictFilters,
    Pair,
    SheetInTheWay,
)
from judging.panels.forms import ConflictFilterForm, DeclareForm, OverrideForm, RecuseForm

FILTER_KEYS = ("judge", "source", "status")


def _pairs_text(pairs: list[Pair]) -> str:
    """ "Lê Văn Giám Khảo 1 – QN26-THPT-0001, …" for the pairs a refusal names."""
    users = {
        u.id: u for u in db.session.scalars(select(User).where(User.id.in_({u for u, _ in pairs})))
    }
    entries = {
        e.id: e
        for e in db.session.scalars(select(Entry).where(Entry.id.in_({e for _, e in pairs})))
    }
    return ", ".join(
        f"{users[u].full_name} – {entries[e].code or entries[e].title}" for u, e in pairs
    )


def conflict_message(error: JudgingError) -> str:
    if isinstance(error, SheetInTheWay):
        return _("A score sheet is in the way (%(pairs)s): deal with the sheet first. "
                 "Nothing was changed.", pairs=_pairs_text(error.pairs))  # fmt: skip
    return {
        "not_on_panel": _("You are not on this round's panel."),
        "not_in_scope": _("One of the ticked entries is not among the entries you judge in "
                          "this round. Nothing was recorded."),
        "reason_required": _("Give a reason for each conflict: at least %(n)d characters.",
                             n=MIN_DECLARE_REASON_LENGTH),
        "reason_too_long": _("A reason may have at most %(n)d characters.",
                             n=MAX_REASON_LENGTH),
        "already_active": _("This conflict is already active."),
        "not_active": _("Only an active conflict can be overridden."),
        "entry_not_in_round": _("This entry is not in the round."),
    }[error.reason]  # fmt: skip


# --- a judge declares -----------------------------------------------------------------------


@bp.route("/rounds/<int:round_id>/declare", methods=["GET", "POST"])
@object_check
def declare(round_id: int) -> str | Response:
    round_ = db.session.get(Round, round_id)
    require(round_ is not None, 404)
    member = queries.active_member(round_.id, current_user.id)
    require(member is not None, 403)
    entries = conflicts.entries_in_scope(member)
    existing = conflicts.conflicts_of(member.user_id, [row.entry_id for row in entries])
    form = DeclareForm()
    ticked: set[int] = set()
    typed: dict[int, str] = {}
    if request.method == "POST":
        ticked = set(form.entry_ids.data or [])
        typed = {
            entry_id: (request.form.get(f"reason-{entry_id}") or "")[: MAX_REASON_LENGTH + 1]
            for entry_id in ticked
        }
        if form.validate_on_submit():
            try:
                conflicts.declare_conflicts(member, typed, by=me())
            except JudgingError as error:
                rollback_request()
                flash(conflict_message(error), "danger")
            else:
                flash(_("Your declaration is recorded. You can declare more conflicts here "
                        "at any time."), "success")  # fmt: skip
                return redirect(url_for("judging.my"))
    missing = {
        entry_id
        for entry_id, text in typed.items()
        if len(" ".join(text.split())) < MIN_DECLARE_REASON_LENGTH
        and not (entry_id in existing and existing[entry_id].is_active)
    }
    return render_template(
        "judging/panels/declare.html",
        round=round_,
        competition=round_.competition,
        member=member,
        entries=entries,
        existing=existing,
        form=form,
        ticked=ticked,
        typed=typed,
        missing=missing,
        reason_text=conflicts.reason_text,
        source_labels=SOURCE_LABELS,
    )


# --- organizers -----------------------------------------------------------------------------


def _filters(round_: Round, form: ConflictFilterForm, judges: list[User]) -> ConflictFilters:
    form.judge.choices = choices([(0, _("All judges")), *[(u.id, u.full_name) for u in judges]])
    form.validate()  # a value that is not a choice is no filter

    def valid(field):  # noqa: ANN001, ANN202
        return field.data if not field.errors else None

    return ConflictFilters(
        user_id=valid(form.judge) or None,
        source=valid(form.source) or None,
        status=valid(form.status) or None,
    )


def _back(round_: Round) -> Response:
    """Back to the conflicts page with the filters it had (only its own keys)."""
    kept = {k: v for k, v in parse_qsl(request.form.get("back") or "") if k in FILTER_KEYS}
    return redirect(url_for("judging.conflicts", round_id=round_.id, **kept))


def _render_conflicts(round_: Round, recuse_form: RecuseForm | None = None) -> str:
    judges = queries.panel_users(round_)
    form = ConflictFilterForm(request.args)
    filters = _filters(round_, form, judges)
    if recuse_form is None:
        recuse_form = RecuseForm(formdata=None)
    active_judges = queries.panel_users(round_, active_only=True)
    recuse_form.judge_id.choices = choices([(u.id, u.full_name) for u in active_judges])
    return render_template(
        "judging/panels/conflicts.html",
        round=round_,
        competition=round_.competition,
        rows=conflicts.round_conflicts(round_, filters),
        form=form,
        recuse=recuse_form,
        override=OverrideForm(formdata=None),
        confirm=ConfirmForm(formdata=None),
        back=request.query_string.decode("latin-1"),
        reason_text=conflicts.reason_text,
        source_labels=SOURCE_LABELS,
        status_labels=STATUS_LABELS,
        detected_reasons=DETECTED_REASONS,
        min_reason=MIN_REASON_LENGTH,
    )


@bp.route("/rounds/<int:round_id>/conflicts", endpoint="conflicts")
@object_check
def conflicts_page(round_id: int) -> str:
    return _render_conflicts(managed_round(round_id))


@bp.route("/rounds/<int:round_id>/conflicts/recuse", methods=["POST"])
@object_check
def conflict_recuse(round_id: int) -> str | Response:
    round_ = managed_round(round_id)
    form = RecuseForm()
    active_judges = queries.panel_users(round_, active_only=True)
    form.judge_id.choices = choices([(u.id, u.full_name) for u in active_judges])
    if not form.validate_on_submit():
        return _render_conflicts(round_, form)
    entry = conflicts.entry_by_code(round_, form.entry_code.data)
    if entry is None:
        form.entry_code.errors.append(_("No entry of this round has this code."))
        return _render_conflicts(round_, form)
    judge = db.session.get(User, form.judge_id.data)
    try:
        conflicts.recuse(round_, judge, entry, form.reason.data, by=me())
    except JudgingError as error:
        rollback_request()
        form.reason.errors.append(conflict_message(error))
        return _render_conflicts(round_, form)
    flash(_("%(name)s is recused from %(code)s.", name=judge.full_name, code=entry.code),
          "success")  # fmt: skip
    return redirect(url_for("judging.conflicts", round_id=round_.id))


def _conflict_of(round_: Round, conflict_id: int):  # noqa: ANN202
    conflict = conflicts.round_conflict(round_, conflict_id)
    require(conflict is not None, 404)
    return conflict


@bp.route("/rounds/<int:round_id>/conflicts/<int:conflict_id>/override", methods=["POST"])
@object_check
def conflict_override(round_id: int, conflict_id: int) -> Response:
    round_ = managed_round(round_id)
    conflict = _conflict_of(round_, conflict_id)
    form = OverrideForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back(round_)
    try:
        conflicts.override(conflict, form.reason.data, by=me())
    except JudgingError as error:
        rollback_request()
        flash(conflict_message(error), "danger")
    else:
        flash(_("Conflict overridden: %(name)s may judge %(code)s.",
                name=conflict.user.full_name, code=conflict.entry.code), "success")  # fmt: skip
    return _back(round_)


@bp.route("/rounds/<int:round_id>/conflicts/<int:conflict_id>/reactivate", methods=["POST"])
@object_check
def conflict_reactivate(round_id: int, conflict_id: int) -> Response:
    round_ = managed_round(round_id)
    conflict = _conflict_of(round_, conflict_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form expired: try again."), "danger")
        return _back(round_)
    try:
        conflicts.reactivate(conflict, by=me())
    except JudgingError as error:
        rollback_request()
        flash(conflict_message(error), "danger")
    else:
        flash(_("The conflict is active again: %(name)s is kept away from %(code)s.",
                name=conflict.user.full_name, code=conflict.entry.code), "success")  # fmt: skip
    return _back(round_)


@bp.route("/rounds/<int:round_id>/conflicts/detect", methods=["POST"])
@object_check
def conflicts_detect(round_id: int) -> Response:
    round_ = managed_round(round_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form expired: try again."), "danger")
        return _back(round_)
    result = detection.detect_conflicts(round_, by=me())
    flash(
        ngettext(
            "%(num)d likely conflict found and recorded.",
            "%(num)d likely conflicts found and recorded.",
            len(result.created),
        ),
        "success" if result.created else "info",
    )
    if result.blocked:
        flash(_("Not recorded because the judge already has a score sheet for the entry: "
                "%(pairs)s. Deal with these sheets, then recuse the judges by hand.",
                pairs=_pairs_text(result.blocked)), "warning")  # fmt: skip
    return _back(round_)
