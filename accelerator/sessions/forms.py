"""Forms of the session pages.

The duration is typed in hours, with a decimal comma or point ("1,5" is an hour and a half):
that is how mentors speak of a session ("một tiếng rưỡi") and how their stipend is counted,
and one box avoids the hours-plus-minutes pair that people fill half of. It is stored in
minutes; the services check its range whoever calls them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms import Form as PlainForm
from wtforms.validators import InputRequired, Length, Optional

from accelerator.cohorts.forms import REQUIRED, DayField
from accelerator.sessions.labels import FORMAT_LABELS
from accelerator.sessions.services import (
    MAX_ACTION_LENGTH,
    MAX_ACTIONS,
    MAX_NOTE_LENGTH,
    MAX_NOTES_LENGTH,
    MAX_TOPICS_LENGTH,
)
from app.formatting import format_number
from app.forms_common import Form, choices
from app.vietnamese import parse_decimal

HOURS_MESSAGE = _l("Enter the duration in hours as a number, e.g. 1,5 for an hour and a half.")
ACTION_ROWS = 3  # blank rows offered for agreed actions


class HoursField(StringField):
    """Hours typed with a decimal comma or point; `minutes` is what is stored (rounded to the
    minute), None when the box is empty."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        self.minutes: int | None = None

    def process_data(self, value: Any) -> None:
        # The form is built from a session: its minutes, shown as hours.
        self.minutes = value
        self.data = "" if value is None else format_number(Decimal(value) / 60)

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = str(valuelist[0]).strip() if valuelist else ""
        self.minutes = None
        if not self.data:
            return
        try:
            hours = parse_decimal(self.data)
        except ValueError as error:
            raise ValueError(HOURS_MESSAGE) from error
        self.minutes = int((hours * 60).to_integral_value(ROUND_HALF_UP))


class ActionForm(PlainForm):
    """One agreed action; a row left blank is no action."""

    text = StringField(_l("Agreed action"), validators=[Length(max=MAX_ACTION_LENGTH)])
    due_on = DayField(_l("Due on"), validators=[Optional()])


def format_choices() -> list:
    return choices(list(FORMAT_LABELS.items()))


class SessionForm(Form):
    held_on = DayField(_l("Date of the session"), validators=[InputRequired(message=REQUIRED)])
    duration = HoursField(
        _l("Duration (hours)"),
        description=_l("In hours: 1,5 is an hour and a half; at most 12."),
    )
    format = SelectField(_l("Format"), choices=format_choices)
    topics = StringField(
        _l("Topics"),
        validators=[Length(max=MAX_TOPICS_LENGTH)],
        description=_l("e.g. pricing, first customers, pitch deck"),
    )
    notes = TextAreaField(
        _l("Notes"), validators=[Length(max=MAX_NOTES_LENGTH)], render_kw={"rows": 4}
    )
    actions = FieldList(FormField(ActionForm), min_entries=ACTION_ROWS, max_entries=MAX_ACTIONS)

    def offer_blank_row(self) -> None:
        """One more empty row after the actions already typed, while there is room."""
        if len(self.actions) < MAX_ACTIONS and any(
            (row.form.text.data or "").strip() for row in self.actions
        ):
            self.actions.append_entry()


class AnswerForm(Form):
    answer = HiddenField()
    note = TextAreaField(
        _l("Note (required to dispute)"),
        validators=[Length(max=MAX_NOTE_LENGTH)],
        render_kw={"rows": 2},
    )


class RatingForm(Form):
    """Five radio buttons on the pair's page; the services check the value (1–5)."""

    rating = StringField(_l("Rating"))
    note = TextAreaField(
        _l("Comment (optional)"),
        validators=[Length(max=MAX_NOTE_LENGTH)],
        render_kw={"rows": 2},
    )


class DoneForm(Form):
    done = HiddenField()
