from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.forms_common import Form

REQUIRED = _l("This field is required.")
DATE_MESSAGE = _l("Enter a date as dd/mm/yyyy.")


class UnitForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(message=REQUIRED), Length(max=200)])
    level = SelectField(_l("Kind of unit"), coerce=int)
    code = StringField(_l("Official code"), validators=[Optional(), Length(max=40)])
    valid_from = DateField(
        _l("Exists from"),
        format="%d/%m/%Y",
        validators=[Optional()],
        description=_l("dd/mm/yyyy; leave empty if unknown."),
    )
    valid_until = DateField(
        _l("Ceased to exist on"),
        format="%d/%m/%Y",
        validators=[Optional()],
        description=_l("For units dissolved or merged, e.g. districts after 01/07/2025."),
    )
    successor = SelectField(_l("Merged into"), coerce=int)

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002,ANN003
        super().__init__(*args, **kwargs)
        for field in (self.valid_from, self.valid_until):
            field.widget.input_type = "text"
            field.render_kw = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}
        self.valid_from.messages = DATE_MESSAGE


class LevelForm(Form):
    name_vi = StringField(
        _l("Name in Vietnamese"), validators=[DataRequired(message=REQUIRED), Length(max=80)]
    )
    name_en = StringField(
        _l("Name in English"), validators=[DataRequired(message=REQUIRED), Length(max=80)]
    )
    rank = IntegerField(_l("Order from the top"), validators=[NumberRange(min=0, max=99)])
