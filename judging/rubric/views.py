"""Organizer pages of a round's rubric and judging settings; the round's entries and hub
page register from their own modules at the end.

Every page is for the organizers of the round's competition (`managed_round`: 404 for a
round that does not exist, 403 for anyone else; admins pass)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from app.access import object_check, require
from app.db import db, rollback_request
from app.formatting import format_number
from competitions.models import Round
from judging import bp
from judging.common import criteria_of, managed_round, me
from judging.models import RubricCriterion
from judging.rubric import services
from judging.rubric.forms import (
    METHOD_HELP,
    METHOD_LABELS,
    MODE_HELP,
    MODE_LABELS,
    TIE_BREAK_LABELS,
    CopyForm,
    CriterionForm,
    DeleteForm,
    MoveForm,
    SettingsForm,
    TemplateForm,
)
from judging.rubric.services import CriterionData, RubricError, SettingsData, current_settings
from judging.rubric.templates import TEMPLATES


def _names(names: list[str]) -> str:
    return ", ".join(f"“{name}”" for name in names)


def rubric_message(reason: str, values: dict | None = None) -> str:
    """The organizer's words for a refusal of the rubric services."""
    v = dict(values or {})
    for key in ("max", "step", "highest", "low", "high", "example", "n"):
        if key in v and not isinstance(v[key], int):
            v[key] = format_number(v[key])
    messages = {
        "scoring_started": lambda: ngettext(
            "Judges have already saved %(num)d score in this round: this change would alter "
            "what it means. Nothing was changed. Tick the confirmation if you mean it.",
            "Judges have already saved %(num)d scores in this round: this change would alter "
            "what they mean. Nothing was changed. Tick the confirmation if you mean it.",
            v["n"],
        ),
        "criterion_has_scores": lambda: ngettext(
            "“%(name)s” cannot be deleted: judges have given %(num)d score on it, and it "
            "would be lost.",
            "“%(name)s” cannot be deleted: judges have given %(num)d scores on it, and they "
            "would be lost.",
            v["n"],
            name=v["name"],
        ),
        "max_below_scores": lambda: _(
            "The maximum of “%(name)s” cannot go below %(highest)s: a judge has already "
            "given that score.",
            name=v["name"],
            highest=v["highest"],
        ),
        "scores_off_step": lambda: ngettext(
            "The step cannot become %(step)s: %(num)d score already given (e.g. %(example)s) "
            "is not a multiple of it.",
            "The step cannot become %(step)s: %(num)d scores already given (e.g. "
            "%(example)s) are not multiples of it.",
            v["n"],
            step=v["step"],
            example=v["example"],
        ),
        "step_max": lambda: _(
            "The step cannot become %(step)s: the maximum of %(names)s is not a multiple of it.",
            step=v["step"],
            names=_names(v["names"]),
        ),
        "rubric_in_use": lambda: _(
            "Judges have already scored with this rubric: it cannot be replaced, or their "
            "scores would be lost. Change its criteria one by one instead."
        ),
        "replace_needed": lambda: ngettext(
            "The round already has %(num)d criterion: tick “Replace the current criteria” "
            "to use another rubric instead.",
            "The round already has %(num)d criteria: tick “Replace the current criteria” "
            "to use another rubric instead.",
            v["n"],
        ),
        "name_required": lambda: _("Give the criterion a name."),
        "name_long": lambda: _("Use at most %(n)s characters for the name.", n=v["n"]),
        "name_taken": lambda: _("The rubric already has a criterion “%(name)s”.", name=v["name"]),
        "description_long": lambda: _(
            "Use at most %(n)s characters for the description.", n=v["n"]
        ),
        "max_positive": lambda: _("The maximum score must be above 0."),
        "max_large": lambda: _("The maximum score can be at most %(n)s.", n=v["n"]),
        "max_off_step": lambda: _(
            "The maximum %(max)s is not a multiple of the round's score step %(step)s.",
            max=v["max"],
            step=v["step"],
        ),
        "weight_positive": lambda: _("The weight must be above 0."),
        "weight_large": lambda: _("The weight can be at most %(n)s.", n=v["n"]),
        "too_many_criteria": lambda: _("A rubric has at most %(n)s criteria.", n=v["n"]),
        "too_many_levels": lambda: _("Give at most %(n)s levels.", n=v["n"]),
        "level_text": lambda: _("Say what each level means."),
        "level_text_long": lambda: _("Use at most %(n)s characters for each level.", n=v["n"]),
        "level_order": lambda: _(
            "The level %(low)s–%(high)s is not a range from a lower to a higher score.",
            low=v["low"],
            high=v["high"],
        ),
        "level_above_max": lambda: _(
            "A level goes up to %(high)s, above the maximum score %(max)s.",
            high=v["high"],
            max=v["max"],
        ),
        "levels_overlap": lambda: _(
            "Levels overlap: one starts at %(low)s before the previous ends at %(high)s.",
            low=v["low"],
            high=v["high"],
        ),
        "cannot_move": lambda: _("This criterion cannot move further that way."),
        "unknown_template": lambda: _("Choose one of the rubric templates."),
        "bad_source": lambda: _("Choose another round of this competition."),
        "source_empty": lambda: _("“%(round)s” has no criteria to copy.", round=v["round"]),
        "bad_mode": lambda: _("Choose how entries are judged."),
        "bad_method": lambda: _("Choose a ranking method."),
        "bad_tie_breaks": lambda: _("Choose how ties are broken."),
        "step_positive": lambda: _("The score step must be above 0."),
        "step_range": lambda: _(
            "The score step must be at most %(n)s, with at most 2 decimal places.", n=v["n"]
        ),
        "judges_per_entry": lambda: _("Judges per entry must be between 1 and %(n)s.", n=v["n"]),
        "default_cap": lambda: _("The most entries per judge must be at least 1."),
        "disagreement_sd": lambda: _(
            "The standard deviation threshold must be above 0 and at most 100."
        ),
        "disagreement_range": lambda: _(
            "The difference threshold must be above 0 and at most 100."
        ),
        "no_criteria": lambda: _("The round has no criteria yet."),
    }
    return messages[reason]()


def show_refusal(error: RubricError) -> None:
    """Undo what the request changed and say why each rule refused."""
    rollback_request()
    details = getattr(error, "details", {})
    for reason in error.reasons:
        flash(rubric_message(reason, details.get(reason)), "danger")


def _rubric_url(round_: Round) -> str:
    return url_for("judging.rubric", round_id=round_.id)


def _managed_criterion(round_id: int, criterion_id: int) -> tuple[Round, RubricCriterion]:
    round_ = managed_round(round_id)
    criterion = db.session.get(RubricCriterion, criterion_id)
    require(criterion is not None and criterion.round_id == round_.id, 404)
    return round_, criterion


# --- the rubric page --------------------------------------------------------------------------


@bp.route("/rounds/<int:round_id>/rubric")
@object_check
def rubric(round_id: int) -> str:
    round_ = managed_round(round_id)
    settings = current_settings(round_)
    criteria = criteria_of(round_.id)
    given = services.scores_by_criterion(round_.id)
    scores = sum(item.count for item in given.values())
    sources = services.copy_sources(round_)
    copy_form = CopyForm(formdata=None)
    copy_form.source.choices = [(other.id, other.name) for other in sources]
    return render_template(
        "judging/rubric/rubric.html",
        round=round_,
        competition=round_.competition,
        settings=settings,
        criteria=criteria,
        given=given,
        scores=scores,
        weight_total=sum((c.weight for c in criteria), start=0),
        max_total=sum((c.max_score for c in criteria), start=0),
        templates=TEMPLATES,
        template_form=TemplateForm(formdata=None),
        copy_form=copy_form,
        sources=sources,
        move_form=MoveForm(formdata=None),
        delete_form=DeleteForm(formdata=None),
        mode_labels=MODE_LABELS,
        method_labels=METHOD_LABELS,
        tie_break_labels=TIE_BREAK_LABELS,
    )


# --- one criterion ----------------------------------------------------------------------------


def _criterion_data(form: CriterionForm) -> CriterionData:
    return CriterionData(
        name=form.name.data or "",
        description=form.description.data or "",
        max_score=form.max_score.data,
        weight=form.weight.data,
        levels=form.levels.data or [],
    )


def _name_the_scores(form: CriterionForm | SettingsForm, scores: int) -> None:
    """The confirmation says how many scores the change applies to."""
    form.confirm_scores.label.text = ngettext(
        "I understand that %(num)d score exists in this round and that this change applies to it.",
        "I understand that %(num)d scores exist in this round and that this change applies "
        "to them.",
        scores,
    )


def _criterion_page(round_: Round, form: CriterionForm, criterion: RubricCriterion | None):
    scores = services.score_count(round_.id)
    _name_the_scores(form, scores)
    return render_template(
        "judging/rubric/criterion_form.html",
        round=round_,
        competition=round_.competition,
        form=form,
        criterion=criterion,
        settings=current_settings(round_),
        scores=scores,
    )


@bp.route("/rounds/<int:round_id>/rubric/criteria/new", methods=["GET", "POST"])
@object_check
def rubric_criterion_new(round_id: int) -> str | Response:
    round_ = managed_round(round_id)
    form = CriterionForm()
    if form.validate_on_submit():
        try:
            services.add_criterion(
                round_, _criterion_data(form), by=me(), confirmed=form.confirm_scores.data
            )
        except RubricError as error:
            show_refusal(error)
        else:
            flash(_("Criterion “%(name)s” added.", name=form.name.data.strip()), "success")
            return redirect(_rubric_url(round_))
    return _criterion_page(round_, form, None)


@bp.route("/rounds/<int:round_id>/rubric/criteria/<int:criterion_id>/edit", methods=["GET", "POST"])
@object_check
def rubric_criterion_edit(round_id: int, criterion_id: int) -> str | Response:
    round_, criterion = _managed_criterion(round_id, criterion_id)
    form = CriterionForm(obj=criterion)
    if form.validate_on_submit():
        try:
            changed = services.update_criterion(
                criterion, _criterion_data(form), by=me(), confirmed=form.confirm_scores.data
            )
        except RubricError as error:
            show_refusal(error)
        else:
            if changed:
                flash(_("Criterion “%(name)s” saved.", name=criterion.name), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(_rubric_url(round_))
    return _criterion_page(round_, form, criterion)


@bp.route("/rounds/<int:round_id>/rubric/criteria/<int:criterion_id>/delete", methods=["POST"])
@object_check
def rubric_criterion_delete(round_id: int, criterion_id: int) -> Response:
    round_, criterion = _managed_criterion(round_id, criterion_id)
    form = DeleteForm()
    if not form.validate_on_submit():
        abort(400)
    name = criterion.name
    try:
        services.delete_criterion(criterion, by=me(), confirmed=form.confirm_scores.data)
    except RubricError as error:
        show_refusal(error)
    else:
        flash(_("Criterion “%(name)s” deleted.", name=name), "success")
    return redirect(_rubric_url(round_))


@bp.route("/rounds/<int:round_id>/rubric/criteria/<int:criterion_id>/move", methods=["POST"])
@object_check
def rubric_criterion_move(round_id: int, criterion_id: int) -> Response:
    round_, criterion = _managed_criterion(round_id, criterion_id)
    form = MoveForm()
    if not form.validate_on_submit() or form.direction.data not in ("up", "down"):
        abort(400)
    try:
        services.move_criterion(
            criterion, form.direction.data, by=me(), confirmed=form.confirm_scores.data
        )
    except RubricError as error:
        show_refusal(error)
    return redirect(_rubric_url(round_) + f"#criterion-{criterion.id}")


# --- whole rubrics ----------------------------------------------------------------------------


@bp.route("/rounds/<int:round_id>/rubric/template", methods=["POST"])
@object_check
def rubric_template(round_id: int) -> Response:
    round_ = managed_round(round_id)
    form = TemplateForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        names = services.apply_template(
            round_, form.template.data, by=me(), replace=form.replace.data
        )
    except RubricError as error:
        show_refusal(error)
    else:
        flash(
            ngettext(
                "The rubric now has %(num)d criterion from the template: adjust it as needed.",
                "The rubric now has %(num)d criteria from the template: adjust them as needed.",
                len(names),
            ),
            "success",
        )
    return redirect(_rubric_url(round_))


@bp.route("/rounds/<int:round_id>/rubric/copy", methods=["POST"])
@object_check
def rubric_copy(round_id: int) -> Response:
    round_ = managed_round(round_id)
    form = CopyForm()
    if not form.validate_on_submit():
        abort(400)
    source = db.session.get(Round, form.source.data or 0)
    if source is None or source.competition_id != round_.competition_id:
        flash(rubric_message("bad_source"), "danger")
        return redirect(_rubric_url(round_))
    try:
        names = services.copy_rubric(round_, source, by=me(), replace=form.replace.data)
    except RubricError as error:
        show_refusal(error)
    else:
        flash(
            ngettext(
                "%(num)d criterion copied from “%(round)s”.",
                "%(num)d criteria copied from “%(round)s”.",
                len(names),
                round=source.name,
            ),
            "success",
        )
    return redirect(_rubric_url(round_))


# --- settings ---------------------------------------------------------------------------------


@bp.route("/rounds/<int:round_id>/settings", methods=["GET", "POST"])
@object_check
def rubric_settings(round_id: int) -> str | Response:
    round_ = managed_round(round_id)
    settings = current_settings(round_)
    form = SettingsForm(obj=settings)
    if form.validate_on_submit():
        data = SettingsData(
            mode=form.mode.data,
            score_step=form.score_step.data,
            judges_per_entry=form.judges_per_entry.data,
            default_cap=form.default_cap.data,
            method=form.method.data,
            tie_breaks=form.tie_breaks.data,
            disagreement_sd=form.disagreement_sd.data,
            disagreement_range=form.disagreement_range.data,
        )
        try:
            changed = services.update_settings(
                round_, data, by=me(), confirmed=form.confirm_scores.data
            )
        except RubricError as error:
            show_refusal(error)
        else:
            flash(
                _("Judging settings saved.") if changed else _("Nothing was changed."),
                "success" if changed else "info",
            )
            return redirect(url_for("judging.rubric_settings", round_id=round_.id))
    scores = services.score_count(round_.id)
    _name_the_scores(form, scores)
    return render_template(
        "judging/rubric/settings.html",
        round=round_,
        competition=round_.competition,
        form=form,
        settings=settings,
        scores=scores,
        criteria=criteria_of(round_.id),
        mode_help=MODE_HELP,
        method_help=METHOD_HELP,
    )


# The entries list and the round's hub register on the blueprint too.
from judging.rubric import entries_views, overview_views  # noqa: E402,F401
