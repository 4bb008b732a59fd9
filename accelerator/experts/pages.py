"""What the panel pages share: who may see contact details, how the roles read, the message
each refusal reason maps to (beside its field when the form has it), and the choices of the
forms in the reader's language."""

from __future__ import annotations

from flask import flash
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from accelerator.cohorts.errors import CohortError
from accelerator.experts.directory import Expert, RoleFilter
from accelerator.experts.services import (
    MAX_AVAILABILITY_LENGTH,
    MAX_BIO_LENGTH,
    MAX_NEEDS_NOTE_LENGTH,
    MAX_ORGANISATION_LENGTH,
    MAX_PREFERRED_MENTORS,
    MAX_TITLE_LENGTH,
)
from app.forms_common import choices
from app.people.models import ExpertiseTag, Role, User
from app.vietnamese import collation_key
from competitions.models import Sector

ROLE_FILTER_LABELS = {
    RoleFilter.JUDGE: _l("Judges"),
    RoleFilter.MENTOR: _l("Mentors"),
    RoleFilter.BOTH: _l("Both judges and mentors"),
}

# reason → (the form field it concerns, or None for the page, message)
MESSAGES: dict[str, tuple[str | None, object]] = {
    "not_an_expert": (None, _l("This person is not on the expert panel.")),
    "not_allowed": (None, _l("You may not change this.")),
    "title_too_long": ("title", _l("At most %(max)d characters.", max=MAX_TITLE_LENGTH)),
    "bad_phone": ("phone", _l("Enter a Vietnamese phone number, e.g. 0905 123 456.")),
    "organisation_too_long": (
        "organisation",
        _l("At most %(max)d characters.", max=MAX_ORGANISATION_LENGTH),
    ),
    "bio_too_long": ("bio", _l("At most %(max)d characters.", max=MAX_BIO_LENGTH)),
    "bad_capacity": ("mentoring_capacity", _l("Between 0 and 20 teams.")),
    "availability_too_long": (
        "availability",
        _l("At most %(max)d characters.", max=MAX_AVAILABILITY_LENGTH),
    ),
    "unknown_sector": ("sectors", _l("One of these sectors does not exist: reload the page.")),
    "unknown_tag": ("expertise", _l("One of these fields does not exist: reload the page.")),
    # a team's needs
    "needs_closed": (
        None,
        _l("This team is no longer chosen for the cohort: its needs cannot be changed."),
    ),
    "too_many_mentors": (
        "preferred_mentors",
        _l("Choose at most %(n)d mentors.", n=MAX_PREFERRED_MENTORS),
    ),
    "not_a_mentor": (
        "preferred_mentors",
        _l("Choose among the mentors of the list: one of these is not a mentor."),
    ),
    "needs_note_too_long": ("note", _l("At most %(max)d characters.", max=MAX_NEEDS_NOTE_LENGTH)),
}

# The needs form names its fields differently from the profile's.
NEEDS_FIELDS = {"sectors": "sector", "expertise": "needs"}


def show_refusal(
    error: CohortError, form: FlaskForm, renamed: dict[str, str] | None = None
) -> None:
    """Each reason beside its field when the form has it, otherwise as a message on top."""
    for reason in error.reasons:
        field_name, text = MESSAGES[reason]
        if field_name and renamed:
            field_name = renamed.get(field_name, field_name)
        field = form._fields.get(field_name) if field_name else None
        if field is not None:
            field.errors = [*field.errors, text]
        else:
            flash(str(text), "danger")


def sees_contacts(viewer: User, shown: Expert | None = None) -> bool:
    """Organizers and administrators contact experts, so they see emails and phones; other
    experts see names, organisations and fields only (an expert sees their own)."""
    if viewer.is_admin or viewer.has_role(Role.ORGANIZER):
        return True
    return shown is not None and shown.user.id == viewer.id


def expert_role_label(expert: Expert) -> str:
    if expert.judges and expert.mentors:
        return str(_l("Judge and mentor"))
    return str(_l("Judge") if expert.judges else _l("Mentor"))


def _locale() -> str:
    return str(get_locale())


def tag_choices(tags: list[ExpertiseTag]) -> list:
    locale = _locale()
    named = sorted((collation_key(tag.name(locale)), tag.id, tag.name(locale)) for tag in tags)
    return choices([(tag_id, name) for _key, tag_id, name in named])


def sector_choices(sectors: list[Sector]) -> list:
    locale = _locale()
    named = sorted((collation_key(s.name(locale)), s.id, s.name(locale)) for s in sectors)
    return choices([(sector_id, name) for _key, sector_id, name in named])


def role_filter_choices() -> list:
    return choices([("", _l("Everyone on the panel")), *ROLE_FILTER_LABELS.items()])
