"""What the ranking and trust pages say, in plain words: flags, methods, tie-breaks, bands."""

from __future__ import annotations

from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.formatting import format_number
from judging.ranking import DISAGREEMENT, INCOMPLETE, NO_PREVIOUS, ZERO_CRITERION
from judging.results.loading import RoundData

METHOD_LABELS = {
    "mean": _l("Mean"),
    "median": _l("Median"),
    "trimmed": _l("Trimmed mean"),
    "normalised": _l("Judge-normalised mean"),
}

FLAG_LABELS = {
    INCOMPLETE: _l("Incomplete"),
    DISAGREEMENT: _l("Judges disagree"),
    ZERO_CRITERION: _l("A criterion at 0"),
    NO_PREVIOUS: _l("No previous score"),
}
FLAG_BADGES = {
    INCOMPLETE: "text-bg-warning",
    DISAGREEMENT: "text-bg-danger",
    ZERO_CRITERION: "text-bg-dark",
    NO_PREVIOUS: "text-bg-secondary",
}

ICC_BANDS = {
    "poor": _l("poor"),
    "moderate": _l("moderate"),
    "good": _l("good"),
    "excellent": _l("excellent"),
    "undefined": _l("cannot be computed: the entries' scores do not differ"),
    "not_enough": _l("not enough data"),
}
ICC_BAND_BADGES = {
    "poor": "text-bg-danger",
    "moderate": "text-bg-warning",
    "good": "text-bg-success",
    "excellent": "text-bg-success",
    "undefined": "text-bg-light border",
    "not_enough": "text-bg-light border",
}
W_BANDS = {
    "very weak": _l("very weak"),
    "weak": _l("weak"),
    "moderate": _l("moderate"),
    "strong": _l("strong"),
    "very strong": _l("very strong"),
    "undefined": _l("cannot be computed: every judge gave the same scores"),
    "not_enough": _l("not enough data"),
}


def error_message(reason: str) -> str:
    return {
        "no_round": _("This round does not exist."),
        "bad_method": _("Choose one of the ranking methods listed."),
        "no_pool": _("This pool is not part of the round."),
        "no_rubric": _("The round has no rubric yet: add its criteria before ranking."),
        "scores_outside_rubric": _("Some scores are above their criterion's maximum (the "
                                   "rubric was changed after scoring). Correct the rubric "
                                   "or those score sheets before ranking."),
    }[reason]  # fmt: skip


def flag_legend(data: RoundData) -> list[tuple[str, str]]:
    """Each flag with what it means for this round (its thresholds and rules)."""
    s = data.settings
    legend = [
        (
            INCOMPLETE,
            _(
                "Fewer submitted score sheets than judges assigned (a sheet is missing or "
                "still a draft), or a submitted sheet with a criterion left empty."
            ),
        ),
        (
            DISAGREEMENT,
            _(
                "The judges' totals are far apart: a standard deviation above %(sd)s points "
                "or more than %(range)s points between the highest and the lowest (on the "
                "0–100 scale). Worth a look before the ranking is confirmed.",
                sd=format_number(s.disagreement_sd),
                range=format_number(s.disagreement_range),
            ),
        ),
    ]
    if s.no_zero:
        legend.append(
            (
                ZERO_CRITERION,
                _(
                    "A judge gave 0 on a criterion. This round's rule says an entry with a "
                    "criterion at 0 does not advance."
                ),
            )
        )
    if data.previous is not None:
        legend.append(
            (
                NO_PREVIOUS,
                _(
                    "The round carries %(pct)s%% of the previous round's score over, but this "
                    "entry has none: its score is this round's alone.",
                    pct=format_number(s.carry_weight * 100, 0),
                ),
            )
        )
    return legend


def method_explanation(method: str) -> str:
    return {
        "mean": _("An entry's score is the average of its judges' totals."),
        "median": _("An entry's score is the middle one of its judges' totals (with an even "
                    "number of judges, the average of the two middle ones), so one unusually "
                    "high or low judge moves it little."),
        "trimmed": _("An entry's score is the average of its judges' totals after dropping the "
                     "highest and the lowest, when at least five judges scored it; with fewer "
                     "judges it is the plain average."),
        "normalised": _("Each judge's totals are first put on a common footing: how far above "
                        "or below their own average (over the round) the judge placed the "
                        "entry, measured in that judge's own spread. These are averaged per "
                        "entry and mapped back to the round's 0–100 scale, so a lenient or a "
                        "harsh judge neither lifts nor sinks the entries they happened to "
                        "score."),
    }[method]  # fmt: skip


def tie_break_explanation(data: RoundData) -> list[str]:
    names = [c.name for c in data.criterion_info]
    steps = []
    for tie_break in data.settings.tie_breaks:
        if tie_break == "criteria" and names:
            steps.append(
                _(
                    "compare the entries' average score on each criterion, in rubric order: "
                    "%(names)s;",
                    names=" → ".join(names),
                )
            )
        elif tie_break == "judge_count":
            steps.append(_("the entry scored by more judges comes first;"))
    return steps


def leniency_reading(leniency: float | None) -> str:
    """A judge's leniency in words: "scores 8.2 points above the panel"."""
    if leniency is None:
        return _("no entry shared with another judge, so no comparison")
    points = format_decimal(abs(leniency), format="#,##0.0", locale=get_locale())
    if abs(leniency) < 1:
        return _("in line with the other judges")
    if leniency > 0:
        return _("scores %(points)s points higher than the other judges", points=points)
    return _("scores %(points)s points lower than the other judges", points=points)
