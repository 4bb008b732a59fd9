"""The organizers' hub of a round's judging: each step with where it stands and its pages."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import lazy_gettext as _l

from app.access import object_check
from judging import bp
from judging.common import managed_round, settings_or_none
from judging.models import JudgingMode
from judging.rubric import overview
from judging.rubric.forms import METHOD_LABELS, MODE_LABELS

STEP_TITLES = {
    "rubric": _l("Rubric and settings"),
    "entries": _l("Entries in the round"),
    "panel": _l("Panel of judges"),
    "conflicts": _l("Conflicts of interest"),
    "assignments": _l("Assignments"),
    "scoring": _l("Scoring"),
    "ranking": _l("Ranking"),
    "advancement": _l("Advancement and awards"),
    "results": _l("Results"),
}
LINK_LABELS = {
    "judging.rubric": _l("Rubric"),
    "judging.rubric_settings": _l("Judging settings"),
    "judging.entries": _l("Entries"),
    "judging.panel": _l("Panel"),
    "judging.conflicts": _l("Conflicts"),
    "judging.assignments": _l("Assignments"),
    "judging.progress": _l("Progress and reminders"),
    "judging.paper": _l("Paper score sheets"),
    "judging.ranking": _l("Ranking"),
    "judging.trust": _l("How certain the ranking is"),
    "judging.advancement": _l("Advancement"),
    "judging.awards": _l("Awards"),
    "judging.results": _l("Public results"),
}
STATUS_LABELS = {
    overview.TODO: _l("To do"),
    overview.STARTED: _l("Under way"),
    overview.DONE: _l("Done"),
}
STATUS_BADGES = {
    overview.TODO: "text-bg-light border",
    overview.STARTED: "text-bg-warning",
    overview.DONE: "text-bg-success",
}
WINDOW_LABELS = {
    "not_set": _l("Judging window not set"),
    "not_yet": _l("Judging has not opened yet"),
    "open": _l("Judging is open"),
    "closed": _l("Judging is closed"),
}


def _links(endpoints: list[str], round_id: int) -> list[tuple[str, str]]:
    """Links to the step's pages."""
    return [
        (str(LINK_LABELS[endpoint]), url_for(endpoint, round_id=round_id)) for endpoint in endpoints
    ]


@bp.route("/rounds/<int:round_id>")
@object_check
def round_overview(round_id: int) -> str:
    round_ = managed_round(round_id)
    settings = settings_or_none(round_)
    counts = overview.counts(round_)
    steps, state = overview.steps(round_, settings, counts)
    return render_template(
        "judging/rubric/overview.html",
        round=round_,
        competition=round_.competition,
        settings=settings,
        c=counts,
        steps=[(step, _links(step.endpoints, round_.id)) for step in steps],
        state=state,
        window_label=WINDOW_LABELS[state],
        step_titles=STEP_TITLES,
        status_labels=STATUS_LABELS,
        status_badges=STATUS_BADGES,
        mode_labels=MODE_LABELS,
        method_labels=METHOD_LABELS,
        panel_mode=settings is not None and settings.mode == JudgingMode.PANEL,
    )
