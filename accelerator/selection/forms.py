"""Forms of the selection pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from accelerator.selection.candidates import MAX_TOP_N
from accelerator.selection.services import MAX_NOTE_LENGTH, MAX_REASON_LENGTH
from app.forms_common import Form, choices

REQUIRED = _l("This field is required.")


class CandidatesQueryForm(Form):
    """Which published results to read the candidates from (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    competition = SelectMultipleField(
        _l("Competitions"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )
    top = IntegerField(
        _l("Top ranks per competition"),
        validators=[
            Optional(),
            NumberRange(min=1, max=MAX_TOP_N, message=_l("Between 1 and %(max)d.", max=MAX_TOP_N)),
        ],
        description=_l("Entries ranked 1 to this number in the last published round."),
        render_kw={"inputmode": "numeric"},
        invalid_value_message=_l("Enter a whole number."),
    )


class AddFromResultsForm(Form):
    round_entry_id = HiddenField(validators=[DataRequired()])
    award_id = HiddenField()


class ManualAddForm(Form):
    team_id = HiddenField(validators=[DataRequired(message=_l("Choose a team."))])
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(message=_l("Say why this team is added.")),
            Length(max=MAX_REASON_LENGTH),
        ],
        description=_l("Why this team, without an award or a rank, should be considered."),
        render_kw={"rows": 2},
    )


class TeamSearchForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Team name"), validators=[Optional(), Length(max=120)])


class WithdrawForm(Form):
    reason = TextAreaField(
        _l("Reason"),
        validators=[Length(max=MAX_REASON_LENGTH)],
        description=_l("Kept in the audit log."),
        render_kw={"rows": 2},
    )


ANSWERS = choices([("accept", _l("We accept")), ("decline", _l("We decline"))])


class ResponseForm(Form):
    answer = RadioField(
        _l("Your answer"),
        choices=ANSWERS,
        validators=[InputRequired(message=_l("Choose whether your team accepts."))],
    )
    note = TextAreaField(
        _l("Note to the organizers"),
        validators=[Length(max=MAX_NOTE_LENGTH)],
        description=_l("Optional."),
        render_kw={"rows": 3},
    )
