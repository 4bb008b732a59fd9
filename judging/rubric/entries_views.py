"""The entries a round judges: the organizers' list by pool, placing the first round's
accepted entries, and moving entries to another pool before scoring starts."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from app.access import object_check
from app.db import rollback_request
from competitions.models import Round
from judging import bp
from judging.common import (
    JudgingError,
    flash_form_errors,
    managed_round,
    me,
    pools_of,
    scoring_started,
)
from judging.rubric import placement
from judging.rubric.forms import MoveEntriesForm, PlaceForm

SHOWN_UNMATCHED = 5


def entries_message(reason: str) -> str:
    return {
        "not_first_round": _("Only the first round takes the accepted entries: later rounds "
                             "are filled by the advancement of the round before."),
        "no_pools": _("The round has no pools yet: make them on the pools page of the "
                      "competition first, then place the entries."),
        "bad_pool": _("Choose one of the round's pools."),
        "nothing_chosen": _("Tick at least one entry of this round."),
        "scoring_started": _("Judges have started scoring this round: its entries stay in "
                             "their pools. Nothing was changed."),
        "entries_assigned": _("Some of the chosen entries already have judges assigned: "
                              "remove those assignments first, then move the entries. "
                              "Nothing was changed."),
    }[reason]  # fmt: skip


def _entries_url(round_: Round, back: str | None = None) -> str:
    """Back to the list with its pool filter and page; only those keys are kept, so the
    address is always ours."""
    args = {
        key: int(value)
        for key, value in parse_qsl(back or "")
        if key in ("pool", "page") and value.lstrip("-").isdigit()
    }
    return url_for("judging.entries", round_id=round_.id, **args)


@bp.route("/rounds/<int:round_id>/entries")
@object_check
def entries(round_id: int) -> str:
    round_ = managed_round(round_id)
    pools = pools_of(round_)
    pool_filter = request.args.get("pool", type=int)
    if pool_filter not in (None, placement.NO_POOL) and pool_filter not in {p.id for p in pools}:
        pool_filter = None
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows, total = placement.entry_page(round_, pool_filter, page)
    counts = placement.pool_counts(round_)
    move_form = MoveEntriesForm(formdata=None, back=request.query_string.decode("latin-1"))
    move_form.pool.choices = [(pool.id, pool.name) for pool in pools]
    return render_template(
        "judging/rubric/entries.html",
        round=round_,
        competition=round_.competition,
        pools=pools,
        rows=rows,
        total=total,
        all_total=sum(counts.values()),
        counts=counts,
        pool_filter=pool_filter,
        no_pool=placement.NO_POOL,
        page=page,
        per_page=placement.PER_PAGE,
        unplaced=placement.unplaced_count(round_),
        locked=scoring_started(round_.id),
        place_form=PlaceForm(formdata=None),
        move_form=move_form,
    )


@bp.route("/rounds/<int:round_id>/entries/place", methods=["POST"])
@object_check
def entries_place(round_id: int) -> Response:
    round_ = managed_round(round_id)
    if not PlaceForm().validate_on_submit():
        abort(400)
    try:
        result = placement.place_entries(round_, by=me())
    except JudgingError as error:
        rollback_request()
        flash(entries_message(error.reason), "danger")
        return redirect(url_for("judging.entries", round_id=round_.id))
    if result.changed:
        flash(
            _(
                "Entries placed: %(added)d added, %(moved)d moved to their new pool, "
                "%(removed)d taken out (no longer accepted).",
                added=result.added,
                moved=result.repooled,
                removed=result.removed,
            ),
            "success",
        )
    else:
        flash(_("Every accepted entry was already in its pool: nothing changed."), "info")
    if result.kept:
        flash(
            ngettext(
                "%(num)d entry stays where it is although its pool or status changed: a judge "
                "is already assigned to it or has scored it.",
                "%(num)d entries stay where they are although their pool or status changed: "
                "judges are already assigned to them or have scored them.",
                len(result.kept),
            ),
            "warning",
        )
    if result.unmatched:
        titles = ", ".join(f"“{entry.title}”" for entry in result.unmatched[:SHOWN_UNMATCHED])
        flash(
            ngettext(
                "%(num)d accepted entry fits no pool of the round and was not placed "
                "(%(titles)s): make the pools again on the pools page.",
                "%(num)d accepted entries fit no pool of the round and were not placed "
                "(%(titles)s): make the pools again on the pools page.",
                len(result.unmatched),
                titles=titles + ("…" if len(result.unmatched) > SHOWN_UNMATCHED else ""),
            ),
            "warning",
        )
    return redirect(url_for("judging.entries", round_id=round_.id))


@bp.route("/rounds/<int:round_id>/entries/move", methods=["POST"])
@object_check
def entries_move(round_id: int) -> Response:
    round_ = managed_round(round_id)
    form = MoveEntriesForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(_entries_url(round_, form.back.data))
    try:
        moved = placement.move_entries(
            round_, form.round_entry_ids.data, form.pool.data or 0, by=me()
        )
    except JudgingError as error:
        rollback_request()
        flash(entries_message(error.reason), "danger")
    else:
        flash(
            ngettext(
                "%(num)d entry moved to another pool.",
                "%(num)d entries moved to another pool.",
                moved,
            ),
            "success" if moved else "info",
        )
    return redirect(_entries_url(round_, form.back.data))
