"""Forms of the judging progress page: its filters, reminders, closing and reopening."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField
from wtforms.validators import AnyOf, Optional

from app.forms_common import Form


class ProgressFilterForm(Form):
    """The page's filters, read from the query string; a pool that is not the round's is
    no filter at all."""

    class Meta:
        csrf = False  # a GET filter changes nothing

    only_missing = BooleanField(_l("Only missing sheets"))
    pool = SelectField(_l("Pool"), coerce=int, validators=[Optional()])


class RemindForm(Form):
    """Remind the judges ticked in the table, or every judge with a missing sheet."""

    user_ids = SelectMultipleField(coerce=int, validate_choice=False)
    scope = StringField(validators=[AnyOf(["all", "selected"])])


class CloseForm(Form):
    confirm_missing = BooleanField(_l("I know sheets are missing: close judging anyway"))


class ReopenForm(Form):
    pass
