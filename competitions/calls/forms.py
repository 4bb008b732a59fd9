"""Forms of the call pages: what organizers type, parsed the Vietnamese way.

Date-times are typed dd/mm/yyyy HH:MM in Asia/Ho_Chi_Minh and come out as aware UTC;
decimals accept a comma ("0,3"). Rules about one field live here; rules between fields
and about the competition's state are the services' (they hold for every caller).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)
from wtforms.widgets import TextInput

from app.formatting import format_number
from app.forms_common import Form, choices, with_none
from app.localtime import format_datetime, local_to_utc
from app.vietnamese import parse_decimal
from competitions.calls.labels import AUDIENCE_LABELS, POOL_MODE_LABELS
from competitions.calls.services import MAX_YEAR, MIN_YEAR

REQUIRED = _l("This field is required.")
DATETIME_FORMAT = "%d/%m/%Y %H:%M"
DATETIME_PLACEHOLDER = "dd/mm/yyyy HH:MM"
DATETIME_MESSAGE = _l("Enter a date and time as dd/mm/yyyy HH:MM, e.g. 15/03/2026 17:00.")
DATETIME_YEAR_MESSAGE = _l("Enter a year between 2000 and 2100.")
NUMBER_MESSAGE = _l("Enter a number, e.g. 50 or 0,3.")
WHOLE_NUMBER_MESSAGE = _l("Enter a whole number.")


class LocalDateTimeField(Field):
    """A text box for a province wall-clock time; `data` is an aware UTC datetime.

    A text input rather than `datetime-local`: phones and old browsers disagree on that
    widget, and people here write dates day first.
    """

    widget = TextInput()

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        render_kw = {"placeholder": DATETIME_PLACEHOLDER, "autocomplete": "off"}
        render_kw.update(kwargs.pop("render_kw", None) or {})
        kwargs.setdefault("description", _l("dd/mm/yyyy HH:MM, Vietnam time"))
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return format_datetime(self.data) if self.data else ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        text = " ".join(str(valuelist[0]).split()) if valuelist else ""
        if not text:
            return
        if self.object_data is not None and text == format_datetime(self.object_data):
            # Left as shown: keep the stored instant (it may carry seconds the box hides).
            self.data = self.object_data
            return
        try:
            local = datetime.strptime(text, DATETIME_FORMAT)
        except ValueError as error:
            raise ValueError(DATETIME_MESSAGE) from error
        if not MIN_YEAR <= local.year <= MAX_YEAR:
            raise ValueError(DATETIME_YEAR_MESSAGE)
        self.data = local_to_utc(local)


class DecimalCommaField(Field):
    """A decimal typed with a comma or a point; more places than stored are refused
    rather than silently rounded."""

    widget = TextInput()

    def __init__(
        self, label: Any = None, validators: Any = None, places: int = 2, **kwargs: Any
    ) -> None:
        render_kw = {"inputmode": "decimal", "autocomplete": "off"}
        render_kw.update(kwargs.pop("render_kw", None) or {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.places = places

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return format_number(self.data, self.places) if self.data is not None else ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        text = str(valuelist[0]).strip() if valuelist else ""
        if not text:
            return
        try:
            value = parse_decimal(text)
        except ValueError as error:
            raise ValueError(NUMBER_MESSAGE) from error
        if value != value.quantize(Decimal(1).scaleb(-self.places)):
            raise ValueError(_l("Use at most %(places)d decimal places.", places=self.places))
        self.data = value


class CompetitionForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(message=REQUIRED), Length(max=200)])
    code = StringField(
        _l("Short code"),
        validators=[
            DataRequired(message=REQUIRED),
            Regexp(
                r"^[A-Z0-9]{2,6}$",
                message=_l("2 to 6 capital letters or digits, e.g. QN or DN."),
            ),
        ],
        description=_l(
            "Starts every confirmation code: QN gives QN26-THPT-0042. "
            "2 to 6 capital letters or digits."
        ),
        render_kw={"autocomplete": "off", "maxlength": 6},
    )
    edition_year = IntegerField(
        _l("Edition year"),
        validators=[
            DataRequired(message=REQUIRED),
            NumberRange(min=MIN_YEAR, max=MAX_YEAR, message=_l("Enter a year such as 2026.")),
        ],
        render_kw={"inputmode": "numeric"},
        invalid_value_message=WHOLE_NUMBER_MESSAGE,
    )
    owner_unit = SelectField(_l("Organised by"), coerce=int)
    description = TextAreaField(
        _l("Description"), validators=[Length(max=20000)], render_kw={"rows": 6}
    )
    rules = TextAreaField(_l("Rules"), validators=[Length(max=50000)], render_kw={"rows": 10})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in (self.title, self.code):
            if field.data:
                field.data = field.data.strip()


def audience_choices() -> list:
    return choices(list(AUDIENCE_LABELS.items()))


def pool_mode_choices() -> list:
    return choices(list(POOL_MODE_LABELS.items()))


class TrackForm(Form):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(message=REQUIRED),
            Regexp(
                r"^[A-Z0-9]{2,10}$",
                message=_l("2 to 10 capital letters or digits, e.g. THPT or SV."),
            ),
        ],
        description=_l("The middle of each confirmation code: QN26-THPT-0042."),
        render_kw={"autocomplete": "off", "maxlength": 10},
    )
    name = StringField(_l("Name"), validators=[DataRequired(message=REQUIRED), Length(max=120)])
    audience = SelectField(_l("Who may enter"), choices=audience_choices)
    eligibility = TextAreaField(
        _l("Eligibility"),
        validators=[Length(max=5000)],
        description=_l("Who may enter, in plain words: school level, place of study or work…"),
        render_kw={"rows": 4},
    )
    min_team_size = IntegerField(
        _l("Smallest team"),
        validators=[
            InputRequired(message=REQUIRED),
            NumberRange(min=1, max=50, message=_l("Between 1 and 50 people.")),
        ],
        default=1,
        render_kw={"inputmode": "numeric"},
        invalid_value_message=WHOLE_NUMBER_MESSAGE,
    )
    max_team_size = IntegerField(
        _l("Largest team"),
        validators=[
            InputRequired(message=REQUIRED),
            NumberRange(min=1, max=50, message=_l("Between 1 and 50 people.")),
        ],
        default=5,
        render_kw={"inputmode": "numeric"},
        invalid_value_message=WHOLE_NUMBER_MESSAGE,
    )
    min_age = IntegerField(
        _l("Youngest age"),
        validators=[Optional(), NumberRange(min=1, max=120, message=_l("Between 1 and 120."))],
        description=_l("Leave empty for no limit."),
        render_kw={"inputmode": "numeric"},
        invalid_value_message=WHOLE_NUMBER_MESSAGE,
    )
    max_age = IntegerField(
        _l("Oldest age"),
        validators=[Optional(), NumberRange(min=1, max=120, message=_l("Between 1 and 120."))],
        description=_l("Leave empty for no limit."),
        render_kw={"inputmode": "numeric"},
        invalid_value_message=WHOLE_NUMBER_MESSAGE,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.code.data:
            self.code.data = self.code.data.strip()


class RoundForm(Form):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(message=REQUIRED), Length(max=120)],
        description=_l("e.g. Local preliminary round, Province final"),
    )
    submission_opens_at = LocalDateTimeField(_l("Submissions open"))
    submission_closes_at = LocalDateTimeField(_l("Submissions close"))
    judging_opens_at = LocalDateTimeField(_l("Judging opens"))
    judging_closes_at = LocalDateTimeField(_l("Judging closes"))
    pool_mode = SelectField(
        _l("Pools"),
        choices=pool_mode_choices,
        description=_l("Entries are judged and ranked within their pool."),
    )
    advance_top_n = IntegerField(
        _l("Entries advancing per pool (top N)"),
        validators=[Optional(), NumberRange(min=1, max=10000, message=_l("At least 1."))],
        description=_l("Leave empty if not ranked by place."),
        render_kw={"inputmode": "numeric"},
        invalid_value_message=WHOLE_NUMBER_MESSAGE,
    )
    pass_mark = DecimalCommaField(
        _l("Pass mark (out of 100)"),
        validators=[
            Optional(),
            NumberRange(min=0, max=100, message=_l("Between 0 and 100.")),
        ],
        description=_l("e.g. 50 or 62,5. Leave empty for none."),
    )
    no_zero_criterion = BooleanField(_l("No criterion may be scored 0"))
    carry_over_weight = DecimalCommaField(
        _l("Weight of the previous round's score"),
        validators=[Optional(), NumberRange(min=0, max=1, message=_l("Between 0 and 1."))],
        description=_l("Between 0 and 1, e.g. 0,3; 0 or empty for none."),
    )
    per_unit_cap = IntegerField(
        _l("Most entries a unit may forward"),
        validators=[Optional(), NumberRange(min=1, max=10000, message=_l("At least 1."))],
        description=_l("Leave empty for no cap."),
        render_kw={"inputmode": "numeric"},
        invalid_value_message=WHOLE_NUMBER_MESSAGE,
    )
    # The startup festival the round is held at (its public page lists the round); the
    # choices are the festivals of the organizer's units around the competition's year.
    festival = SelectField(
        _l("Held at festival"), coerce=int, default=0, choices=lambda: with_none([])
    )

    def __init__(self, *args: Any, first: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if first:
            # Nothing comes before the first round to carry a score from.
            del self.carry_over_weight
        else:
            # Only the first round takes submissions.
            del self.submission_opens_at
            del self.submission_closes_at


class StatusForm(Form):
    """A confirmation button; `seen` is the state the page showed, so a double click or a
    second tab moves the competition one step only."""

    seen = HiddenField()
    reason = TextAreaField(
        _l("Reason"),
        validators=[Length(max=1000)],
        description=_l("Kept in the audit log."),
        render_kw={"rows": 3},
    )


class MoveForm(Form):
    direction = HiddenField(validators=[DataRequired()])
