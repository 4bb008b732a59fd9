"""The organizers' awards page of a round: define the prizes, apply the ranking's proposal,
adjust winners with a reason, confirm, publish (the publish button posts to
``judging.publish_results``)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.access import object_check
from app.auth.forms import ConfirmForm
from app.db import rollback_request
from app.forms_common import choices
from competitions.models import Round
from judging import bp
from judging.advancement import awards as prizes
from judging.advancement import publish, services
from judging.advancement.forms import (
    KIND_LABELS,
    AwardForm,
    AwardUpdateForm,
    RankedPrizeForm,
    RevokeForm,
    SpecialPrizeForm,
)
from judging.advancement.views import Page, flash_refusal, message
from judging.common import JudgingError, flash_form_errors, managed_round, me


def _fill(plan: prizes.AwardsPlan, ranked: RankedPrizeForm, special: SpecialPrizeForm) -> None:
    ranked.award.choices = choices(
        [(0, _("No ranked prize")), *[(a.id, a.name) for a in plan.ranked_awards]]
    )
    special.award.choices = choices([(a.id, a.name) for a in plan.special_awards])
    special.round_entry.choices = choices(
        [
            (
                row.round_entry.id,
                f"{row.round_entry.entry.code or '—'} · {row.round_entry.entry.title}",
            )
            for row in plan.rows
        ]
    )


def _render(
    round_: Round,
    *,
    add: AwardForm | None = None,
    ranked: RankedPrizeForm | None = None,
    ranked_for: int | None = None,
    special: SpecialPrizeForm | None = None,
) -> str:
    plan = prizes.awards_plan(round_)
    empty_ranked = RankedPrizeForm(formdata=None)
    special = special or SpecialPrizeForm(formdata=None)
    _fill(plan, empty_ranked, special)
    if ranked is not None:
        _fill(plan, ranked, SpecialPrizeForm(formdata=None))
    settings = plan.settings
    return render_template(
        "judging/advancement/awards.html",
        round=round_,
        competition=round_.competition,
        plan=plan,
        is_final=services.next_round(round_) is None,
        add=add or AwardForm(formdata=None),
        ranked=ranked,
        ranked_for=ranked_for,
        empty_ranked=empty_ranked,
        special=special,
        update_form=lambda award: AwardUpdateForm(formdata=None, obj=award),
        revoke=RevokeForm(formdata=None),
        confirm=ConfirmForm(formdata=None),
        publish_problems=publish.publish_problems(round_, settings),
        kind_label=lambda kind: KIND_LABELS.get(kind, kind),
        awards_by_id={a.id: a for a in plan.awards},
    )


def _back(round_: Round, anchor: str | None = None) -> Response:
    return redirect(url_for("judging.awards", round_id=round_.id, _anchor=anchor))


def _checked() -> bool:
    """Whether the CSRF-only form is valid; else a message."""
    if not ConfirmForm().validate_on_submit():
        flash(_("The form expired: try again."), "danger")
        return False
    return True


@bp.route("/rounds/<int:round_id>/awards")
@object_check
def awards(round_id: int) -> Page:
    return _render(managed_round(round_id))


@bp.route("/rounds/<int:round_id>/awards/standard", methods=["POST"])
@object_check
def awards_standard(round_id: int) -> Response:
    round_ = managed_round(round_id)
    if not _checked():
        return _back(round_)
    try:
        prizes.add_standard_awards(round_, by=me())
    except JudgingError as error:
        flash_refusal(error)
    else:
        flash(_("The standard prizes were added: Nhất 1, Nhì 2, Ba 3, Khuyến khích 4."), "success")
    return _back(round_, "prizes")


@bp.route("/rounds/<int:round_id>/awards/add", methods=["POST"])
@object_check
def award_add(round_id: int) -> Page:
    round_ = managed_round(round_id)
    form = AwardForm()
    if not form.validate_on_submit():
        return _render(round_, add=form)
    try:
        prizes.add_award(round_, form.kind.data, form.name.data, form.quota.data, by=me())
    except JudgingError as error:
        rollback_request()
        form.name.errors.extend(message(r) for r in error.reasons)
        return _render(round_, add=form)
    flash(_("Prize added."), "success")
    return _back(round_, "prizes")


@bp.route("/rounds/<int:round_id>/awards/<int:award_id>", methods=["POST"])
@object_check
def award_update(round_id: int, award_id: int) -> Response:
    round_ = managed_round(round_id)
    form = AwardUpdateForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back(round_, "prizes")
    try:
        prizes.update_award(round_, award_id, form.name.data, form.quota.data, by=me())
    except JudgingError as error:
        flash_refusal(error)
    else:
        flash(_("Prize saved."), "success")
    return _back(round_, "prizes")


@bp.route("/rounds/<int:round_id>/awards/<int:award_id>/delete", methods=["POST"])
@object_check
def award_delete(round_id: int, award_id: int) -> Response:
    round_ = managed_round(round_id)
    if not _checked():
        return _back(round_)
    try:
        prizes.delete_award(round_, award_id, by=me())
    except JudgingError as error:
        flash_refusal(error)
    else:
        flash(_("Prize deleted."), "success")
    return _back(round_, "prizes")


@bp.route("/rounds/<int:round_id>/awards/propose", methods=["POST"])
@object_check
def awards_propose(round_id: int) -> Response:
    round_ = managed_round(round_id)
    if not _checked():
        return _back(round_)
    try:
        prizes.apply_award_proposal(round_, by=me())
    except JudgingError as error:
        flash_refusal(error)
    else:
        flash(_("The ranked prizes now follow the ranking."), "success")
    return _back(round_, "winners")


@bp.route("/rounds/<int:round_id>/awards/ranked", methods=["POST"])
@object_check
def award_ranked(round_id: int) -> Page:
    round_ = managed_round(round_id)
    form = RankedPrizeForm()
    round_entry_id = int(form.round_entry.data) if (form.round_entry.data or "").isdigit() else 0
    if not form.validate_on_submit():
        return _render(round_, ranked=form, ranked_for=round_entry_id)
    try:
        prizes.set_ranked_prize(
            round_, round_entry_id, form.award.data or None, form.reason.data, by=me()
        )
    except JudgingError as error:
        rollback_request()
        form.reason.errors.extend(message(r) for r in error.reasons)
        return _render(round_, ranked=form, ranked_for=round_entry_id)
    flash(_("Prize saved."), "success")
    return _back(round_, f"entry-{round_entry_id}")


@bp.route("/rounds/<int:round_id>/awards/special", methods=["POST"])
@object_check
def award_special(round_id: int) -> Page:
    round_ = managed_round(round_id)
    form = SpecialPrizeForm()
    if not form.validate_on_submit():
        return _render(round_, special=form)
    try:
        prizes.grant_special(
            round_, form.round_entry.data or 0, form.award.data or 0, form.reason.data, by=me()
        )
    except JudgingError as error:
        rollback_request()
        form.reason.errors.extend(message(r) for r in error.reasons)
        return _render(round_, special=form)
    flash(_("Special prize granted."), "success")
    return _back(round_, "special")


@bp.route("/rounds/<int:round_id>/awards/winners/<int:winner_id>/revoke", methods=["POST"])
@object_check
def award_revoke(round_id: int, winner_id: int) -> Response:
    round_ = managed_round(round_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back(round_, "special")
    try:
        prizes.revoke_special(round_, winner_id, form.reason.data, by=me())
    except JudgingError as error:
        flash_refusal(error)
    else:
        flash(_("Prize taken back."), "success")
    return _back(round_, "special")


@bp.route("/rounds/<int:round_id>/awards/confirm", methods=["POST"])
@object_check
def awards_confirm(round_id: int) -> Response:
    round_ = managed_round(round_id)
    if not _checked():
        return _back(round_)
    try:
        prizes.confirm_awards(round_, by=me())
    except JudgingError as error:
        flash_refusal(error)
    else:
        flash(_("Awards confirmed."), "success")
    return _back(round_)
