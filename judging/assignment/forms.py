"""Forms of the assignment page: the buttons (CSRF only), publishing, and adding a judge to
an entry by hand."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField

from app.forms_common import Form


class ActionForm(Form):
    """A button that changes something: the CSRF token is all it carries."""


class PublishForm(Form):
    accept_shortfall = BooleanField(_l("Publish even though some entries lack judges"))


class AddJudgeForm(Form):
    # Choices are filled by the view for display; the service decides what is allowed and
    # says why not, so a tampered value gets the same clear message as a wrong choice.
    round_entry_id = SelectField(_l("Entry"), coerce=int, validate_choice=False)
    user_id = SelectField(_l("Judge"), coerce=int, validate_choice=False)
