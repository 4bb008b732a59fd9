"""Forms of the panel pages: the directory's search, an expert's profile, a team's needs.

Lists of ids (sectors, expertise, mentors) are read leniently here and checked by the
services, which say which one does not exist; rules about one field live here."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from accelerator.experts.services import (
    CAPACITY,
    MAX_AVAILABILITY_LENGTH,
    MAX_BIO_LENGTH,
    MAX_NEEDS_NOTE_LENGTH,
    MAX_ORGANISATION_LENGTH,
    MAX_PREFERRED_MENTORS,
    MAX_TITLE_LENGTH,
)
from app.forms_common import Form, check_phone

TOO_LONG = _l("At most %(max)d characters.")


def as_id(value: Any) -> int:
    """A posted id; anything that is not a whole number becomes 0, which names nothing, so
    the service refuses it with the field's own message."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _ticks(label: Any, **kwargs: Any) -> SelectMultipleField:
    return SelectMultipleField(
        label,
        coerce=as_id,
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        **kwargs,
    )


def _limit(length: int) -> Length:
    return Length(max=length, message=TOO_LONG)


class DirectoryForm(Form):
    """The directory's search (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or organisation"), validators=[Optional(), Length(max=120)])
    tag = SelectField(_l("Expertise"), coerce=as_id, validate_choice=False)
    sector = SelectField(_l("Sector"), coerce=as_id, validate_choice=False)
    role = SelectField(_l("Judges or mentors"), validate_choice=False)


class ProfileForm(Form):
    title = StringField(_l("Position or title"), validators=[Optional(), _limit(MAX_TITLE_LENGTH)])
    organisation = StringField(
        _l("Organisation"),
        validators=[Optional(), _limit(MAX_ORGANISATION_LENGTH)],
        description=_l("Where the expert works; when empty, the account's unit is shown."),
    )
    phone = StringField(_l("Phone"), validators=[Optional(), check_phone])
    bio = TextAreaField(
        _l("About the expert"),
        validators=[Optional(), _limit(MAX_BIO_LENGTH)],
        description=_l(
            "Experience and what the expert can help with (at most %(max)d characters).",
            max=MAX_BIO_LENGTH,
        ),
        render_kw={"rows": 6},
    )
    mentoring_capacity = IntegerField(
        _l("Mentoring capacity (teams)"),
        validators=[
            InputRequired(message=_l("This field is required.")),
            NumberRange(*CAPACITY, message=_l("Between 0 and 20 teams.")),
        ],
        description=_l("How many cohort teams the expert can mentor at once; 0 for none."),
        render_kw={"inputmode": "numeric"},
        invalid_value_message=_l("Enter a whole number."),
        default=2,
    )
    availability = StringField(
        _l("Availability"),
        validators=[Optional(), _limit(MAX_AVAILABILITY_LENGTH)],
        description=_l("e.g. weekday evenings, online or in Tam Kỳ"),
    )
    expertise = _ticks(_l("Expertise"))
    sectors = _ticks(_l("Sectors"))


class NeedsForm(Form):
    needs = _ticks(_l("What the team needs"))
    sector = SelectField(_l("Sector"), coerce=as_id, validate_choice=False)
    preferred_mentors = SelectMultipleField(
        _l("Preferred mentors"),
        coerce=as_id,
        validate_choice=False,
        description=_l(
            "Optional: at most %(n)d mentors the team would like to work with.",
            n=MAX_PREFERRED_MENTORS,
        ),
        render_kw={"size": 8},
    )
    note = TextAreaField(
        _l("Note"),
        validators=[Optional(), _limit(MAX_NEEDS_NOTE_LENGTH)],
        description=_l("Anything else the organizers and mentors should know."),
        render_kw={"rows": 4},
    )
