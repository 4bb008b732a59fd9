"""Forms of the advancement and awards pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    Field,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from app.forms_common import Form, choices
from judging.advancement.awards import MAX_QUOTA
from judging.advancement.services import MIN_REASON_LENGTH
from judging.models import AdvancementDecision, AwardKind

KIND_LABELS = {
    AwardKind.FIRST: _l("First prize"),
    AwardKind.SECOND: _l("Second prize"),
    AwardKind.THIRD: _l("Third prize"),
    AwardKind.CONSOLATION: _l("Consolation prize"),
    AwardKind.SPECIAL: _l("Special prize"),
}


def _reason(label: str) -> TextAreaField:
    # No Optional(): the length check must run on an empty reason too.
    return TextAreaField(
        label,
        validators=[Length(max=2000)],
        description=_l("At least %(n)d characters; kept in the audit log.", n=MIN_REASON_LENGTH),
        render_kw={"rows": 2},
    )


class _WithReason(Form):
    def validate_reason(self, field: Field) -> None:
        if len((field.data or "").strip()) < MIN_REASON_LENGTH:
            raise ValidationError(
                _l("Give a reason of at least %(n)d characters.", n=MIN_REASON_LENGTH)
            )


class AdjustForm(_WithReason):
    """Advance or stop one entry, whatever the rule proposed."""

    decision = RadioField(
        _l("Decision"),
        choices=choices(
            [
                (AdvancementDecision.ADVANCE.value, _l("Advance")),
                (AdvancementDecision.STOP.value, _l("Stop here")),
            ]
        ),
        validators=[DataRequired(message=_l("Choose advance or stop."))],
    )
    reason = _reason(_l("Reason"))


class AwardForm(Form):
    kind = SelectField(
        _l("Kind"),
        choices=lambda: choices([(k.value, label) for k, label in KIND_LABELS.items()]),
        default=AwardKind.SPECIAL.value,
    )
    name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Enter the prize's name.")), Length(max=120)],
        description=_l("As it will be announced, e.g. Giải Dự án có tác động xã hội."),
    )
    quota = IntegerField(
        _l("Number of winners"),
        default=1,
        validators=[
            InputRequired(message=_l("Enter a whole number.")),
            NumberRange(min=1, max=MAX_QUOTA, message=_l("From 1 to %(n)d.", n=MAX_QUOTA)),
        ],
    )


class AwardUpdateForm(Form):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Enter the prize's name.")), Length(max=120)],
    )
    quota = IntegerField(
        _l("Number of winners"),
        validators=[
            InputRequired(message=_l("Enter a whole number.")),
            NumberRange(min=1, max=MAX_QUOTA, message=_l("From 1 to %(n)d.", n=MAX_QUOTA)),
        ],
    )


class RankedPrizeForm(_WithReason):
    """Give one entry a ranked prize, another one, or none. `award` 0 means none."""

    round_entry = HiddenField(validators=[DataRequired()])
    award = SelectField(_l("Ranked prize"), coerce=int, validate_choice=False)
    reason = _reason(_l("Reason"))


class SpecialPrizeForm(_WithReason):
    round_entry = SelectField(_l("Entry"), coerce=int, validate_choice=False)
    award = SelectField(_l("Special prize"), coerce=int, validate_choice=False)
    reason = _reason(_l("Reason"))


class RevokeForm(_WithReason):
    reason = _reason(_l("Reason for taking the prize back"))
