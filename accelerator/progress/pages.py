"""What the progress pages share: the cohort team a person may see (its team, its mentors,
the cohort's organizers; 404 for anyone else, so a team's place in a cohort is not revealed)
or change (the team and the organizers; a mentor reads only, 403), and the message each
refusal reason maps to, beside its field when the form has it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from accelerator.cohorts.errors import CohortError
from accelerator.models import CohortTeam
from accelerator.progress.forms import COUNT_MESSAGE, VND_MESSAGE
from accelerator.progress.services import MAX_NOTE_LENGTH, can_report, can_view
from app.access import require
from app.db import db
from app.forms_common import show_reasons

_WHOLE = COUNT_MESSAGE
_VND = VND_MESSAGE
_TOO_MANY = _l("This number is too large: check for an extra digit.")

# reason → (the form field it concerns, or None for the page, message)
MESSAGES: dict[str, tuple[str | None, object]] = {
    "not_your_team": (
        None,
        _l("Only the team and the cohort's organizers report its progress. Nothing was saved."),
    ),
    "team_not_in_cohort": (
        None,
        _l("This team is no longer in the cohort: its progress cannot be changed."),
    ),
    "period_required": ("period", _l("Choose the month reported.")),
    "period_outside": (
        "period",
        _l("Choose a month of the cohort, from its start to this month."),
    ),
    "customers_required": ("customers", _l("Enter the number of customers (0 if none).")),
    "customers_not_whole": ("customers", _WHOLE),
    "customers_too_large": ("customers", _TOO_MANY),
    "revenue_required": ("revenue", _l("Enter the revenue (0 if none).")),
    "revenue_not_whole": ("revenue", _VND),
    "revenue_too_large": ("revenue", _TOO_MANY),
    "funding_required": ("funding", _l("Enter the funding raised (0 if none).")),
    "funding_not_whole": ("funding", _VND),
    "funding_too_large": ("funding", _TOO_MANY),
    "jobs_required": ("jobs", _l("Enter the number of jobs created (0 if none).")),
    "jobs_not_whole": ("jobs", _WHOLE),
    "jobs_too_large": ("jobs", _TOO_MANY),
    "bad_stage": ("product_stage", _l("Choose the product stage.")),
    "note_too_long": ("note", _l("At most %(n)d characters.", n=MAX_NOTE_LENGTH)),
    "report_saved_meanwhile": (
        None,
        _l(
            "A report for this month was saved by someone else at the same moment. "
            "Nothing of yours was saved: check the figures below and save again."
        ),
    ),
    # milestones
    "not_cohort_milestone": (None, _l("This milestone is not one of the team's cohort.")),
    "completed_required": ("completed_on", _l("Enter the date it was completed.")),
    "completed_in_future": (
        "completed_on",
        _l("The date cannot be in the future: mark the milestone once it is done."),
    ),
    "completed_before_cohort": (
        "completed_on",
        _l("The date cannot be before the cohort starts."),
    ),
    "milestone_saved_meanwhile": (
        None,
        _l("Someone else marked this milestone at the same moment: check it below."),
    ),
}


def show_refusal(error: CohortError, form: FlaskForm | None = None) -> None:
    """Each reason beside its field when the form has it, otherwise as a message on top."""
    show_reasons(error.reasons, MESSAGES, form)


def viewable_team(cohort_team_id: int) -> CohortTeam:
    cohort_team = db.session.get(CohortTeam, cohort_team_id)
    require(cohort_team is not None and can_view(cohort_team, current_user), 404)
    return cohort_team


def reporting_team(cohort_team_id: int) -> CohortTeam:
    """A team whose progress the signed-in person may change; its mentors get 403."""
    cohort_team = viewable_team(cohort_team_id)
    require(can_report(cohort_team, current_user))
    return cohort_team
