"""Forms of the progress pages.

KPI figures are whole numbers typed the Vietnamese way: "12.500.000" (dots group the
thousands) or "12500000". `app.vietnamese.parse_decimal` reads a dot as a decimal mark, which
is right for scores and wrong for đồng, hence the stricter reading here: anything but digits in
groups of three is refused ("1,5", "-3", "1e9", "mười"), so a slip is never stored as another
number."""

from __future__ import annotations

import re
from typing import Any, Final

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from accelerator.cohorts.forms import REQUIRED, DayField
from accelerator.progress.services import MAX_NOTE_LENGTH
from app.forms_common import Form, choices
from competitions.entries.forms import STAGE_LABELS

_WHOLE: Final = re.compile(r"[0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+")

COUNT_MESSAGE = _l("Enter a whole number of zero or more, e.g. 1.200 or 1200.")
VND_MESSAGE = _l("Enter an amount in đồng, without decimals, e.g. 12.500.000 or 12500000.")


def parse_whole(text: str) -> int:
    """ "12.500.000" and "12500000" → 12500000; anything else raises ValueError."""
    candidate = text.strip()
    if not _WHOLE.fullmatch(candidate):
        raise ValueError(candidate)
    return int(candidate.replace(".", ""))


class FigureField(StringField):
    """A whole number typed with or without thousands dots; `value` is the number, None when
    the box is empty (the service says it is required); `data` keeps what was typed."""

    def __init__(self, label: Any = None, *, message: Any = COUNT_MESSAGE, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "autocomplete": "off"})
        super().__init__(label, **kwargs)
        self.message = message
        self.value: int | None = None

    def process_data(self, value: Any) -> None:
        self.value = None if value is None else int(value)
        self.data = "" if value is None else f"{int(value):,}".replace(",", ".")

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = str(valuelist[0]).strip() if valuelist else ""
        self.value = None
        if self.data:
            try:
                self.value = parse_whole(self.data)
            except ValueError as error:
                raise ValueError(self.message) from error


def stage_choices() -> list:
    return choices([(stage.value, label) for stage, label in STAGE_LABELS.items()])


class KpiForm(Form):
    # Filled with the cohort's months by the view; the service refuses any other month.
    period = SelectField(_l("Month"), validate_choice=False)
    customers = FigureField(_l("Customers"), description=_l("Paying customers or users so far."))
    revenue = FigureField(
        _l("Revenue in the month (VND)"),
        message=VND_MESSAGE,
        description=_l("In đồng, e.g. 12.500.000."),
    )
    funding = FigureField(
        _l("Funding raised so far (VND)"),
        message=VND_MESSAGE,
        description=_l("Grants, investment and loans, in đồng."),
    )
    jobs = FigureField(_l("Jobs created"))
    product_stage = SelectField(_l("Product stage"), choices=stage_choices)
    note = TextAreaField(
        _l("Note"), validators=[Length(max=MAX_NOTE_LENGTH)], render_kw={"rows": 2}
    )


class MilestoneDoneForm(Form):
    completed_on = DayField(_l("Completed on"), validators=[InputRequired(message=REQUIRED)])
    note = StringField(_l("Note"), validators=[Length(max=MAX_NOTE_LENGTH)])
