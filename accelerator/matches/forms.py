"""Forms of the matching page. Which team and which mentor may be paired is the services'
rule (they say why not), so the choices here are offered, not enforced."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from accelerator.matches.services import MAX_REASON_LENGTH
from app.forms_common import Form


class AddPairForm(Form):
    cohort_team = SelectField(
        _l("Team"),
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(message=_l("Choose a team."))],
    )
    mentor = SelectField(
        _l("Mentor"),
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(message=_l("Choose a mentor."))],
    )


class ReleaseForm(Form):
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(message=_l("Say why this pair is released. Nothing was changed.")),
            Length(max=MAX_REASON_LENGTH),
        ],
        description=_l("Kept with the pair and in the audit log; not sent to either side."),
        render_kw={"rows": 2},
    )
