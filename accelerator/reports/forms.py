"""The period of the sessions-per-mentor workbook: two dates typed dd/mm/yyyy."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import InputRequired

from accelerator.cohorts.forms import REQUIRED, DayField
from app.forms_common import Form


class PeriodForm(Form):
    """From and to, both days included; the rules between them (order, at most a year) are
    the service's (accelerator.reports.services.check_period)."""

    starts_on = DayField(_l("From (date)"), validators=[InputRequired(message=REQUIRED)])
    ends_on = DayField(_l("To (date)"), validators=[InputRequired(message=REQUIRED)])
