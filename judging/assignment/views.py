"""Organizer pages that assign judges to entries: by hand, automatically through
app.optimiser (preview, publish, discard), and panel mode. Organizers of the competition
only (admins too); a round or assignment that does not exist is 404."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from app.access import object_check, require
from app.db import db, rollback_request
from competitions.models import Round
from judging import bp
from judging.assignment import page, services
from judging.assignment.forms import ActionForm, AddJudgeForm, PublishForm
from judging.common import JudgingError, flash_form_errors, managed_round, me
from judging.models import JudgeAssignment, RoundEntry

SKIPPED_SHOWN = 20  # conflicted pairs listed by name after "assign the whole panel"


def assignment_message(reason: str) -> str:
    return {
        "panel_mode": _("This round is judged in panel mode: every panel judge scores every "
                        "entry of their pools. Use “Assign the whole panel”."),
        "not_panel_mode": _("The whole panel is assigned only in panel mode; this round gives "
                            "each entry its own judges."),
        "no_entries": _("The round has no entries yet."),
        "no_judges": _("The round has no active judges on its panel yet."),
        "nothing_proposed": _("There is no proposal to publish or discard."),
        "stale_proposal": _("Some proposed judges may no longer judge their entry (a conflict "
                            "of interest declared since, or a change of panel): propose again "
                            "or remove them by hand. Nothing was published."),
        "proposal_over_cap": _("Some judges would hold more entries than their cap: propose "
                               "again or remove some by hand. Nothing was published."),
        "shortfall": _("Some entries would still lack judges (see above). Tick the box to "
                       "publish anyway, or add judges first. Nothing was published."),
        "unknown_entry": _("This entry is not in the round."),
        "not_on_panel": _("This person is not an active judge of the round's panel."),
        "out_of_scope": _("This entry is outside the judge's scope (their pool or track)."),
        "conflicted": _("This judge has a conflict of interest with this entry."),
        "already_assigned": _("This judge is already assigned to this entry."),
        "over_cap": _("This judge already holds as many entries as their cap allows."),
        "has_scores": _("This judge has already saved scores for this entry: the assignment "
                        "stays."),
    }[reason]  # fmt: skip


def _back(round_: Round, pool: int | None = None) -> Response:
    return redirect(url_for("judging.assignments", round_id=round_.id, pool=pool))


def _expired(round_: Round, pool: int | None = None) -> Response:
    flash(_("The form has expired: try again."), "danger")
    return _back(round_, pool)


def _refused(error: JudgingError, round_: Round, pool: int | None = None) -> Response:
    rollback_request()  # loading the round may have made its settings row
    for reason in error.reasons:
        flash(assignment_message(reason), "danger")
    return _back(round_, pool)


def _pool_arg() -> int | None:
    return request.args.get("pool", type=int)


# --- the page ----------------------------------------------------------------------------------


@bp.route("/rounds/<int:round_id>/assignments")
@object_check
def assignments(round_id: int) -> str:
    round_ = managed_round(round_id)
    snap = services.load(round_)
    view = page.build(snap, _pool_arg())
    add = AddJudgeForm(formdata=None)
    add.round_entry_id.choices = [
        (
            line.round_entry.id,
            f"{line.round_entry.entry.code or '—'} · {line.round_entry.entry.title}",
        )
        for line in view.entries
    ]
    add.user_id.choices = [
        (j.user.id, f"{j.user.full_name} ({j.total}/{j.cap})" if j.cap is not None
         else f"{j.user.full_name} ({j.total})")
        for j in view.pool_judges
    ]  # fmt: skip
    return render_template(
        "judging/assignment/page.html",
        round=round_,
        competition=round_.competition,
        view=view,
        add=add,
        publish=PublishForm(formdata=None),
        action=ActionForm(formdata=None),
        no_pool=page.NO_POOL,
    )


# --- the automatic proposal --------------------------------------------------------------------


@bp.route("/rounds/<int:round_id>/assignments/propose", methods=["POST"])
@object_check
def assignments_propose(round_id: int) -> Response:
    round_ = managed_round(round_id)
    if not ActionForm().validate_on_submit():
        return _expired(round_)
    try:
        result = services.propose_assignments(round_, me())
    except JudgingError as error:
        return _refused(error, round_)
    flash(
        ngettext(
            "%(num)d assignment proposed. Check it below, then publish it.",
            "%(num)d assignments proposed. Check them below, then publish them.",
            result.added,
        ),
        "success",
    )
    if not result.feasible:
        flash(
            ngettext(
                "The round lacks %(num)d judge slot: nothing can be published without your "
                "consent. See what is missing below.",
                "The round lacks %(num)d judge slots: nothing can be published without your "
                "consent. See what is missing below.",
                result.diagnosis.missing,
            ),
            "warning",
        )
    return _back(round_)


@bp.route("/rounds/<int:round_id>/assignments/publish", methods=["POST"])
@object_check
def assignments_publish(round_id: int) -> Response:
    round_ = managed_round(round_id)
    form = PublishForm()
    if not form.validate_on_submit():
        return _expired(round_)
    try:
        result = services.publish_proposal(
            round_, me(), accept_shortfall=bool(form.accept_shortfall.data)
        )
    except JudgingError as error:
        return _refused(error, round_)
    flash(
        ngettext(
            "%(num)d assignment published.", "%(num)d assignments published.", result.published
        )
        + " "
        + ngettext(
            "%(num)d judge has been told by email.",
            "%(num)d judges have been told by email.",
            len(result.notified),
        ),
        "success",
    )
    return _back(round_)


@bp.route("/rounds/<int:round_id>/assignments/discard", methods=["POST"])
@object_check
def assignments_discard(round_id: int) -> Response:
    round_ = managed_round(round_id)
    if not ActionForm().validate_on_submit():
        return _expired(round_)
    try:
        removed = services.discard_proposal(round_, me())
    except JudgingError as error:
        return _refused(error, round_)
    flash(
        ngettext(
            "%(num)d proposed assignment discarded.",
            "%(num)d proposed assignments discarded.",
            removed,
        ),
        "info",
    )
    return _back(round_)


# --- by hand -----------------------------------------------------------------------------------


@bp.route("/rounds/<int:round_id>/assignments/add", methods=["POST"])
@object_check
def assignment_add(round_id: int) -> Response:
    round_ = managed_round(round_id)
    form = AddJudgeForm()
    pool = _pool_arg()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back(round_, pool)
    try:
        row = services.add_assignment(round_, form.round_entry_id.data, form.user_id.data, me())
    except JudgingError as error:
        return _refused(error, round_, pool)
    flash(
        _("%(judge)s proposed for “%(title)s”: publish the proposal to tell them.",
          judge=row.user.full_name, title=row.round_entry.entry.title),
        "success",
    )  # fmt: skip
    return _back(round_, pool)


@bp.route("/rounds/<int:round_id>/assignments/<int:assignment_id>/remove", methods=["POST"])
@object_check
def assignment_remove(round_id: int, assignment_id: int) -> Response:
    round_ = managed_round(round_id)
    row = db.session.get(JudgeAssignment, assignment_id)
    require(row is not None and row.round_entry.round_id == round_.id, 404)
    pool = _pool_arg()
    if not ActionForm().validate_on_submit():
        return _expired(round_, pool)
    name, title = row.user.full_name, row.round_entry.entry.title
    try:
        services.remove_assignment(row, me())
    except JudgingError as error:
        return _refused(error, round_, pool)
    flash(_("%(judge)s no longer judges “%(title)s”.", judge=name, title=title), "info")
    return _back(round_, pool)


# --- panel mode --------------------------------------------------------------------------------


def _pair_label(round_entry: RoundEntry, user_name: str) -> str:
    entry = round_entry.entry
    return f"{user_name} — {entry.code or entry.title}"


@bp.route("/rounds/<int:round_id>/assignments/panel", methods=["POST"])
@object_check
def assignments_whole_panel(round_id: int) -> Response:
    round_ = managed_round(round_id)
    if not ActionForm().validate_on_submit():
        return _expired(round_)
    try:
        result = services.assign_whole_panel(round_, me())
    except JudgingError as error:
        return _refused(error, round_)
    flash(
        ngettext(
            "%(num)d assignment made for the whole panel.",
            "%(num)d assignments made for the whole panel.",
            result.created + result.published,
        )
        + " "
        + ngettext(
            "%(num)d judge has been told by email.",
            "%(num)d judges have been told by email.",
            len(result.notified),
        ),
        "success",
    )
    if result.skipped:
        shown = [_pair_label(e, m.user.full_name) for e, m in result.skipped[:SKIPPED_SHOWN]]
        more = len(result.skipped) - len(shown)
        message = (
            ngettext(
                "%(num)d pair skipped for a conflict of interest:",
                "%(num)d pairs skipped for a conflict of interest:",
                len(result.skipped),
            )
            + " "
            + "; ".join(shown)
        )
        if more:
            message += " " + ngettext("and %(num)d more.", "and %(num)d more.", more)
        flash(message, "warning")
    return _back(round_)
