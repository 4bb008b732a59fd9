"""What the cohort pages share: the cohort an organizer manages, and the message each
refusal reason maps to (beside its field when the form has it)."""

from __future__ import annotations

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from accelerator.cohorts.errors import CohortError
from accelerator.cohorts.services import MAX_CAPACITY
from accelerator.models import Cohort, Milestone
from app.access import require
from app.db import db
from app.forms_common import show_reasons

# reason → (the form field it concerns, or None for the page, message)
MESSAGES: dict[str, tuple[str | None, object]] = {
    "name_required": ("name", _l("Enter a name.")),
    "bad_year": ("year", _l("Enter a year such as 2026.")),
    "bad_capacity": ("capacity", _l("Between 1 and %(max)d teams.", max=MAX_CAPACITY)),
    "starts_required": ("starts_on", _l("Enter the date the cohort starts.")),
    "ends_required": ("ends_on", _l("Enter the date the cohort ends.")),
    "dates_order": ("ends_on", _l("The cohort cannot end before it starts.")),
    "bad_mentors_per_team": ("mentors_per_team", _l("Between 1 and 5.")),
    "bad_inactive_weeks": ("inactive_weeks", _l("Between 1 and 26 weeks.")),
    "unit_not_allowed": ("owner_unit", _l("Choose a unit you organise.")),
    "unit_not_current": ("owner_unit", _l("This unit no longer exists; choose one that does.")),
    "name_taken": ("name", _l("This unit already has a cohort with this name for this year.")),
    "capacity_below_places": (
        "capacity",
        _l("More teams already hold a place than this capacity: withdraw some first."),
    ),
    "milestones_outside": (
        "ends_on",
        _l("Some milestones would fall outside these dates: move them first."),
    ),
    # milestones
    "bad_kind": ("kind", _l("Choose a kind.")),
    "title_required": ("title", _l("Enter a title.")),
    "due_required": ("due_on", _l("Enter a date.")),
    "milestone_outside": (
        "due_on",
        _l("The date must fall within the cohort, from its start to its end."),
    ),
    "milestone_has_progress": (
        None,
        _l("Teams have completed this milestone: it cannot be deleted. Edit it instead."),
    ),
    # registering the cohort for a training
    "cohort_not_yours": (None, _l("You do not organise this cohort.")),
    "not_enough_seats": (
        None,
        _l("This training has too few seats left for the whole cohort. Nobody was registered."),
    ),
    "not_a_training": (None, _l("This event is not a training. Nobody was registered.")),
    "training_not_yours": (
        None,
        _l("This training is organised by a unit you do not organise. Nobody was registered."),
    ),
    "training_cancelled": (None, _l("This training has been cancelled. Nobody was registered.")),
    "training_not_open": (
        None,
        _l("This training is not published yet. Nobody was registered."),
    ),
    "training_over": (
        None,
        _l("This training is over: registration has closed. Nobody was registered."),
    ),
    "no_roster": (
        None,
        _l("No team has accepted its place in the cohort yet: there is nobody to register."),
    ),
}


def message(reason: str) -> str:
    return str(MESSAGES[reason][1])


def show_refusal(error: CohortError, form: FlaskForm | None = None) -> None:
    """Each reason beside its field when the form has it, otherwise as a message on top."""
    show_reasons(error.reasons, MESSAGES, form)


def managed_cohort(cohort_id: int) -> Cohort:
    """The cohort, for the organizers of its unit: 404 when it does not exist, else 403."""
    cohort = db.session.get(Cohort, cohort_id)
    require(cohort is not None, 404)
    require(cohort.can_manage(current_user))
    return cohort


def managed_milestone(cohort_id: int, milestone_id: int) -> Milestone:
    cohort = managed_cohort(cohort_id)
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.cohort_id != cohort.id:
        abort(404)
    return milestone
