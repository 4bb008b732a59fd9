"""Forms of the cohort pages: dates typed dd/mm/yyyy, whole numbers refused politely.

Rules about one field live here; rules between fields (the end after the start, a milestone
inside the cohort's dates) are the services' (they hold for every caller)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.widgets import TextInput

from accelerator.cohorts.labels import MILESTONE_KIND_LABELS
from accelerator.cohorts.services import (
    INACTIVE_WEEKS,
    MAX_CAPACITY,
    MAX_YEAR,
    MENTORS_PER_TEAM,
    MIN_YEAR,
)
from app.forms_common import Form, choices

REQUIRED = _l("This field is required.")
DATE_MESSAGE = _l("Enter a date as dd/mm/yyyy, e.g. 15/03/2026.")
WHOLE_NUMBER_MESSAGE = _l("Enter a whole number.")


class DayField(DateField):
    """A date typed day first (dd/mm/yyyy) in a plain text box; empty is no date (the
    `InputRequired` of the field says so) rather than a parse error."""

    widget = TextInput()

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        render_kw = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}
        kwargs.setdefault("description", _l("dd/mm/yyyy"))
        super().__init__(
            label,
            validators,
            format="%d/%m/%Y",
            invalid_value_message=DATE_MESSAGE,
            render_kw=render_kw,
            **kwargs,
        )

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = "".join(str(valuelist[0]).split()) if valuelist else ""
        if not text:
            self.data = None
            return
        super().process_formdata([text])
        if self.data is not None and not MIN_YEAR <= self.data.year <= MAX_YEAR:
            self.data = None
            raise ValueError(DATE_MESSAGE)


def _whole(label: Any, low: int, high: int, message: Any, **kwargs: Any) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            InputRequired(message=REQUIRED),
            NumberRange(min=low, max=high, message=message),
        ],
        render_kw={"inputmode": "numeric"},
        invalid_value_message=WHOLE_NUMBER_MESSAGE,
        **kwargs,
    )


class CohortForm(Form):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(message=REQUIRED), Length(max=200)],
        description=_l("e.g. Acceleration programme 2026"),
    )
    year = _whole(_l("Year"), MIN_YEAR, MAX_YEAR, _l("Enter a year such as 2026."))
    owner_unit = SelectField(_l("Run by"), coerce=int)
    capacity = _whole(
        _l("Capacity (teams)"),
        1,
        MAX_CAPACITY,
        _l("Between 1 and %(max)d teams.", max=MAX_CAPACITY),
        description=_l("How many teams the cohort takes."),
    )
    starts_on = DayField(_l("Starts on"), validators=[InputRequired(message=REQUIRED)])
    ends_on = DayField(_l("Ends on"), validators=[InputRequired(message=REQUIRED)])
    mentors_per_team = _whole(
        _l("Mentors per team"),
        *MENTORS_PER_TEAM,
        _l("Between 1 and 5."),
        default=2,
    )
    inactive_weeks = _whole(
        _l("Weeks without a session before a pair counts as inactive"),
        *INACTIVE_WEEKS,
        _l("Between 1 and 26 weeks."),
        default=3,
    )
    description = TextAreaField(
        _l("Description"), validators=[Length(max=20000)], render_kw={"rows": 5}
    )


def milestone_kind_choices() -> list:
    return choices(list(MILESTONE_KIND_LABELS.items()))


class MilestoneForm(Form):
    kind = SelectField(_l("Kind"), choices=milestone_kind_choices)
    title = StringField(_l("Title"), validators=[DataRequired(message=REQUIRED), Length(max=200)])
    due_on = DayField(_l("Date"), validators=[InputRequired(message=REQUIRED)])
    description = TextAreaField(
        _l("Description"), validators=[Length(max=5000)], render_kw={"rows": 3}
    )


class ConfirmForm(Form):
    """A button that changes something: the CSRF token is all it carries."""
