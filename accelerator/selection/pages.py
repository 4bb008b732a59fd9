"""The messages of the selection pages, one per refusal reason."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from accelerator.cohorts.errors import CohortError
from accelerator.cohorts.services import places_held
from accelerator.models import Cohort
from accelerator.selection.services import MAX_NOTE_LENGTH, MAX_REASON_LENGTH

MESSAGES: dict[str, object] = {
    "already_in_cohort": _l(
        "This team is already in this cohort: a team is proposed and selected only once."
    ),
    "not_published": _l("These results are not published: only published results propose teams."),
    "not_a_winner": _l("This entry did not receive this prize."),
    "not_ranked": _l("This entry has no published rank."),
    "no_team": _l("Choose a team."),
    "reason_required": _l("Say why this team is added."),
    "reason_too_long": _l(
        "The reason is too long (at most %(n)d characters).", n=MAX_REASON_LENGTH
    ),
    "note_too_long": _l("The note is too long (at most %(n)d characters).", n=MAX_NOTE_LENGTH),
    "nothing_chosen": _l("Tick at least one team."),
    "unknown_team": _l("One of these teams is not in this cohort: reload the page."),
    "not_candidate": _l(
        "Only candidates can be selected, and one of these teams no longer is one (the page was "
        "out of date). Nothing was changed."
    ),
    "not_selected": _l(
        "Only selected teams can be invited or put back among the candidates, and one of these "
        "teams no longer is selected (the page was out of date). Nothing was changed."
    ),
    "not_withdrawable": _l("This team has already left or declined."),
    "not_leader": _l("Only the team leader can answer the invitation."),
    "already_answered": _l(
        "Your team has already answered this invitation. To change the answer, contact the "
        "organizers."
    ),
    "not_invited": _l("This invitation is no longer open."),
}


def message(reason: str, cohort: Cohort | None = None) -> str:
    if reason == "over_capacity" and cohort is not None:
        held = places_held(cohort)
        return _(
            "The cohort takes %(capacity)d teams and %(held)d places are already held "
            "(selected, invited or accepted): at most %(free)d more can be selected. "
            "Nothing was changed.",
            capacity=cohort.capacity,
            held=held,
            free=max(cohort.capacity - held, 0),
        )
    return str(MESSAGES[reason])


def show_refusal(error: CohortError, cohort: Cohort | None = None) -> None:
    for reason in error.reasons:
        flash(message(reason, cohort), "danger")
