"""Forms of the rubric, judging settings and entries pages.

Numbers accept a decimal comma ("0,5", "12,5"). Level descriptors are typed one per line as
"0–6: what such a score means"; rules between fields (a level above the maximum, a maximum
off the step) are the services', so they hold for every caller.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.formatting import format_number
from app.forms_common import Form, choices
from app.vietnamese import parse_decimal
from competitions.calls.forms import DecimalCommaField
from judging.models import JudgingMode, RankingMethod
from judging.rubric.services import (
    DESCRIPTION_LENGTH,
    MAX_JUDGES_PER_ENTRY,
    NAME_LENGTH,
    TIE_BREAK_ORDERS,
    Level,
)

REQUIRED = _l("This field is required.")

MODE_LABELS = {
    JudgingMode.ASSIGNED: _l("Assigned judges"),
    JudgingMode.PANEL: _l("Whole panel"),
}
MODE_HELP = {
    JudgingMode.ASSIGNED: _l(
        "Each entry is scored by a set number of judges of its pool, chosen by hand or by "
        "the automatic assignment. For rounds with many entries."
    ),
    JudgingMode.PANEL: _l(
        "Every judge on the panel scores every entry of the pool. For live finals, where the "
        "whole jury watches every pitch."
    ),
}
METHOD_LABELS = {
    RankingMethod.MEAN: _l("Mean (default)"),
    RankingMethod.MEDIAN: _l("Median"),
    RankingMethod.TRIMMED: _l("Trimmed mean"),
    RankingMethod.NORMALISED: _l("Judge-normalised mean"),
}
METHOD_HELP = {
    RankingMethod.MEAN: _l(
        "The average of the judges' totals. Simple to explain; one very harsh or very "
        "lenient judge moves it."
    ),
    RankingMethod.MEDIAN: _l(
        "The middle one of the judges' totals. One extreme judge hardly moves it; with two "
        "judges it is the same as the mean."
    ),
    RankingMethod.TRIMMED: _l(
        "Drop the highest and the lowest total, then average the rest. Only when at least 5 "
        "judges scored the entry; with fewer it is the mean."
    ),
    RankingMethod.NORMALISED: _l(
        "First each judge's totals are put on a common scale: how far above or below that "
        "judge's own average, measured in that judge's own spread. These are averaged per "
        "entry and brought back to 0–100. It removes the advantage of drawing lenient judges "
        "when judges score different entries; each judge must score several entries."
    ),
}
TIE_BREAK_LABELS = {
    "criteria,judge_count": _l("Criteria in rubric order, then the number of judges"),
    "judge_count,criteria": _l("The number of judges, then criteria in rubric order"),
    "criteria": _l("Criteria in rubric order only"),
    "judge_count": _l("The number of judges only"),
    "": _l("None: equal scores share a rank"),
}

NUMBER = r"\d+(?:[.,]\d+)?"
LEVEL_LINE = re.compile(rf"^\s*({NUMBER})\s*[-–—]\s*({NUMBER})\s*[:.)]\s*(.+?)\s*$")
LEVEL_FORMAT = _l("Write each level on its own line as “0–6: what such a score means”.")


def format_levels(levels: list[dict] | None) -> str:
    """Stored levels as the lines of the levels box, numbers in the reader's language."""
    return "\n".join(
        f"{format_number(Decimal(str(level['min'])))}–"
        f"{format_number(Decimal(str(level['max'])))}: {level['text']}"
        for level in levels or []
    )


class LevelsField(TextAreaField):
    """Score ranges with what they mean, one per line; `data` is a list of Level."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return format_levels(self.object_data if isinstance(self.object_data, list) else [])

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = []
        text = str(valuelist[0]) if valuelist else ""
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            match = LEVEL_LINE.match(line)
            if match is None:
                raise ValueError(_l("Line %(n)d: %(format)s", n=number, format=LEVEL_FORMAT))
            low, high, meaning = match.groups()
            self.data.append(Level(parse_decimal(low), parse_decimal(high), meaning))

    def process_data(self, value: Any) -> None:
        self.data = [Level.from_json(row) for row in value] if isinstance(value, list) else []
        self.object_data = value


def _confirm_field() -> BooleanField:
    return BooleanField(
        _l("I understand that judges have already saved scores in this round and that this "
           "change applies to them.")
    )  # fmt: skip


def positive(_form: object, field: Field) -> None:
    if field.data is not None and field.data <= 0:
        raise ValidationError(_l("Enter a number above 0."))


class CriterionForm(Form):
    name = StringField(
        _l("Criterion"),
        validators=[DataRequired(message=REQUIRED), Length(max=NAME_LENGTH)],
        render_kw={"maxlength": NAME_LENGTH},
    )
    description = TextAreaField(
        _l("What judges look at"),
        validators=[Optional(), Length(max=DESCRIPTION_LENGTH)],
        render_kw={"rows": 3},
    )
    max_score = DecimalCommaField(
        _l("Maximum score"),
        validators=[InputRequired(message=REQUIRED), positive],
        description=_l("A multiple of the round's score step, e.g. 25 or 12,5."),
    )
    weight = DecimalCommaField(
        _l("Weight"),
        validators=[InputRequired(message=REQUIRED), positive],
        description=_l(
            "The criterion's share of the total: weights equal to the maxima give a total that "
            "is simply the sum of the scores."
        ),
    )
    levels = LevelsField(
        _l("Levels shown to judges"),
        description=LEVEL_FORMAT,
        render_kw={"rows": 5},
    )
    confirm_scores = _confirm_field()


class SettingsForm(Form):
    mode = RadioField(
        _l("How entries are judged"),
        choices=lambda: choices([(mode.value, MODE_LABELS[mode]) for mode in JudgingMode]),
        validators=[InputRequired(message=REQUIRED)],
    )
    judges_per_entry = IntegerField(
        _l("Judges per entry"),
        validators=[
            InputRequired(message=_l("Enter a whole number.")),
            NumberRange(min=1, max=MAX_JUDGES_PER_ENTRY),
        ],
        description=_l("With assigned judges: how many judges score each entry (often 3)."),
    )
    default_cap = IntegerField(
        _l("Most entries per judge"),
        validators=[Optional(), NumberRange(min=1)],
        description=_l("Unless a judge's own limit says otherwise; leave empty for no limit."),
    )
    score_step = DecimalCommaField(
        _l("Score step"),
        validators=[InputRequired(message=REQUIRED), positive],
        description=_l(
            "Scores are multiples of the step: 0,5 lets a judge give 8,5. Every criterion's "
            "maximum must be a multiple of it."
        ),
    )
    method = RadioField(
        _l("Ranking method"),
        choices=lambda: choices([(m.value, METHOD_LABELS[m]) for m in RankingMethod]),
        validators=[InputRequired(message=REQUIRED)],
    )
    tie_breaks = SelectField(
        _l("Breaking ties"),
        choices=lambda: choices([(key, TIE_BREAK_LABELS[key]) for key in TIE_BREAK_ORDERS]),
        description=_l(
            "Entries with equal scores are compared on the average score of the first "
            "criterion of the rubric, then the second, and so on (move criteria up or down to "
            "set this order); the number of judges prefers the entry more judges scored. "
            "Entries still equal share a rank: 1, 2, 2, 4."
        ),
    )
    disagreement_sd = DecimalCommaField(
        _l("Flag disagreement above this standard deviation"),
        validators=[InputRequired(message=REQUIRED), NumberRange(min=0.01, max=100)],
        description=_l("Of the judges' totals on the 0–100 scale, e.g. 15."),
    )
    disagreement_range = DecimalCommaField(
        _l("Or when judges' totals differ by more than"),
        validators=[InputRequired(message=REQUIRED), NumberRange(min=0.01, max=100)],
        description=_l("Points on the 0–100 scale between the highest and lowest total, e.g. 30."),
    )
    confirm_scores = _confirm_field()


class TemplateForm(Form):
    template = HiddenField(validators=[DataRequired()])
    replace = BooleanField(_l("Replace the current criteria"))


class CopyForm(Form):
    source = SelectField(_l("Copy the rubric of"), coerce=int, validate_choice=False)
    replace = BooleanField(_l("Replace the current criteria"))


class MoveForm(Form):
    direction = HiddenField(validators=[DataRequired()])
    confirm_scores = _confirm_field()


class DeleteForm(Form):
    confirm_scores = _confirm_field()


class PlaceForm(Form):
    """Place the accepted entries: only the CSRF token."""


class MoveEntriesForm(Form):
    round_entry_ids = SelectMultipleField(coerce=int, validate_choice=False)
    pool = SelectField(_l("Move the selected entries to"), coerce=int, validate_choice=False)
    back = HiddenField(validators=[Optional(), Length(max=200)])

    def validate_round_entry_ids(self, field: Field) -> None:
        if not field.data:
            raise ValidationError(_l("Tick at least one entry."))
