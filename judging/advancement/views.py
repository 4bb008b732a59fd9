"""Advancement, awards, published results and what each team sees.

The organizers' pages of a round (advancement, awards, publishing) answer 404 for a round that
does not exist and 403 to anyone but the competition's organizers (admins too). The public
results page answers 404 until the round's results are published; a team's result page is its
members', its advisor's and the organizers'."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from app.access import object_check
from app.auth.forms import ConfirmForm
from app.db import rollback_request
from app.formatting import format_number
from competitions.models import Round
from judging import bp
from judging.advancement import publish, rules, services
from judging.advancement.forms import AdjustForm
from judging.common import JudgingError, managed_round, me

Page = str | Response | tuple[str, int]


def message(reason: str) -> str:
    """What a refusal means, in the reader's language."""
    return {
        "judging_open": _("Judging is still open: close it first (or wait for its end)."),
        "judging_not_started": _("Judging has not started yet in this round."),
        "published": _("The results are published: they are a public record and no longer "
                       "change."),
        "already_published": _("The results of this round are already published."),
        "final_round": _("This is the final round: there is no next round to advance to. "
                         "Give awards instead."),
        "bad_decision": _("Choose advance or stop."),
        "reason_required": _("Give a reason of at least %(n)d characters.",
                             n=services.MIN_REASON_LENGTH),
        "unchanged": _("Nothing to change."),
        "no_entry": _("This entry is not in the round."),
        "undecided": _("Some entries are tied at the cut-off and still need your decision."),
        "next_round_scored": _("An entry you stopped already has scores in the next round: it "
                               "cannot be taken out of it any more."),
        "advancement_unconfirmed": _("Confirm the advancement before publishing the results."),
        "awards_unconfirmed": _("Confirm the awards before publishing the results."),
        "ranked_exist": _("The round already has ranked prizes."),
        "name_taken": _("The round already has a prize with this name."),
        "name_required": _("Enter the prize's name."),
        "bad_kind": _("Choose the kind of prize."),
        "bad_quota": _("The number of winners must be from 1 to 100."),
        "quota_below_winners": _("More entries already hold this prize: take it back from some "
                                 "of them first."),
        "no_award": _("This prize is not one of the round's."),
        "no_ranked_awards": _("Define the ranked prizes first (the standard set is one click)."),
        "quota_full": _("Every place of this prize is taken: take it back from an entry first."),
        "not_special": _("This is a ranked prize: set it in the ranking table."),
        "no_winners": _("No entry holds a prize yet."),
    }.get(reason, reason)  # fmt: skip


def flash_refusal(error: JudgingError) -> None:
    """Undo what the request changed and say why each rule refused."""
    rollback_request()
    for reason in error.reasons:
        flash(message(reason), "danger")


def proposal_text(proposal: rules.Proposal, units: dict) -> str:
    """The rule's reason for a proposal, in words."""
    params = proposal.params
    unit = params.get("unit")
    unit_name = units[unit].name if unit in units else str(unit or "")
    mark = format_number(params["mark"]) if params.get("mark") is not None else ""
    return {
        "top_n": lambda: _("top %(n)s of the pool", n=params.get("n")),
        "passed": lambda: _("at or above the pass mark %(mark)s", mark=mark),
        "no_limit": lambda: _("scored; the round sets no limit"),
        "not_scored": lambda: _("no complete score sheet"),
        "zero_criterion": lambda: _("a criterion scored 0 (no-zero rule)"),
        "below_pass_mark": lambda: _("below the pass mark %(mark)s", mark=mark),
        "outside_top_n": lambda: _("outside the top %(n)s of the pool", n=params.get("n")),
        "unit_cap": lambda: _("unit cap %(cap)s reached (%(unit)s)", cap=params.get("cap"),
                              unit=unit_name),
        "tie_top_n": lambda: _("tied at the cut-off of the top %(n)s: your decision",
                               n=params.get("n")),
        "tie_unit_cap": lambda: _("tied for the last place of %(unit)s under the unit cap "
                                  "%(cap)s: your decision", unit=unit_name, cap=params.get("cap")),
        "depends_on_tie": lambda: _("depends on how a tie above is decided: your decision"),
    }.get(proposal.reason, lambda: proposal.reason)()  # fmt: skip


# --- advancement ---------------------------------------------------------------------------------


def _render_advancement(
    round_: Round, adjust: AdjustForm | None = None, adjust_for: int | None = None
) -> str:
    plan = services.advancement_plan(round_)
    return render_template(
        "judging/advancement/advancement.html",
        round=round_,
        competition=round_.competition,
        plan=plan,
        rule=services.rule_of(round_),
        adjust=adjust,
        adjust_for=adjust_for,
        empty_adjust=AdjustForm(formdata=None),
        confirm=ConfirmForm(formdata=None),
        publish_problems=publish.publish_problems(round_, plan.settings),
        proposal_text=lambda p: proposal_text(p, plan.units),
        stored_reason=lambda re: services.rule_reason(re),
    )


@bp.route("/rounds/<int:round_id>/advancement")
@object_check
def advancement(round_id: int) -> Page:
    return _render_advancement(managed_round(round_id))


@bp.route("/rounds/<int:round_id>/advancement/entries/<int:round_entry_id>", methods=["POST"])
@object_check
def advancement_adjust(round_id: int, round_entry_id: int) -> Page:
    round_ = managed_round(round_id)
    form = AdjustForm()
    if not form.validate_on_submit():
        return _render_advancement(round_, form, round_entry_id)
    try:
        services.adjust_decision(
            round_, round_entry_id, form.decision.data, form.reason.data, by=me()
        )
    except JudgingError as error:
        if error.reason == "no_entry":
            flash_refusal(error)
            return redirect(url_for("judging.advancement", round_id=round_.id))
        rollback_request()
        form.reason.errors.extend(message(r) for r in error.reasons)
        return _render_advancement(round_, form, round_entry_id)
    flash(_("Decision saved."), "success")
    return redirect(
        url_for("judging.advancement", round_id=round_.id, _anchor=f"entry-{round_entry_id}")
    )


@bp.route("/rounds/<int:round_id>/advancement/confirm", methods=["POST"])
@object_check
def advancement_confirm(round_id: int) -> Response:
    round_ = managed_round(round_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form expired: try again."), "danger")
        return redirect(url_for("judging.advancement", round_id=round_.id))
    try:
        result = services.confirm_advancement(round_, by=me())
    except JudgingError as error:
        flash_refusal(error)
        return redirect(url_for("judging.advancement", round_id=round_.id))
    flash(_("Advancement confirmed."), "success")
    if result.added:
        flash(
            ngettext(
                "%(num)d entry entered the next round.",
                "%(num)d entries entered the next round.",
                len(result.added),
            ),
            "info",
        )
    if result.removed:
        flash(
            ngettext(
                "%(num)d entry was taken out of the next round.",
                "%(num)d entries were taken out of the next round.",
                len(result.removed),
            ),
            "info",
        )
    return redirect(url_for("judging.advancement", round_id=round_.id))


@bp.route("/rounds/<int:round_id>/publish", methods=["POST"])
@object_check
def publish_results(round_id: int) -> Response:
    round_ = managed_round(round_id)
    back = url_for(
        "judging.awards" if services.next_round(round_) is None else "judging.advancement",
        round_id=round_.id,
    )
    if not ConfirmForm().validate_on_submit():
        flash(_("The form expired: try again."), "danger")
        return redirect(back)
    try:
        sent = publish.publish_results(round_, by=me())
    except JudgingError as error:
        flash_refusal(error)
        return redirect(back)
    flash(
        ngettext(
            "Results published; %(num)d email sent to the teams.",
            "Results published; %(num)d emails sent to the teams.",
            sent,
        ),
        "success",
    )
    return redirect(back)


# The awards pages and the public and team result pages register on the blueprint too.
from judging.advancement import award_views, result_views  # noqa: E402,F401
