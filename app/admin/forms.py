from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.forms_common import Form, check_phone, choices, email_validators
from app.people.labels import ROLE_LABELS

REQUIRED = _l("This field is required.")


def role_choices() -> list[SelectChoice]:
    return choices(list(ROLE_LABELS.items()))


class CreateUserForm(Form):
    full_name = StringField(
        _l("Full name"), validators=[DataRequired(message=REQUIRED), Length(min=2, max=120)]
    )
    email = EmailField(
        _l("Email"), validators=[DataRequired(message=REQUIRED), *email_validators()]
    )
    phone = StringField(_l("Phone"), validators=[Optional(), check_phone])
    roles = SelectMultipleField(_l("Roles"), choices=role_choices, validate_choice=True)
    organizer_unit = SelectField(_l("Unit organised (for organizers)"), coerce=int)
    unit = SelectField(_l("School or organisation"), coerce=int)


class GrantRoleForm(Form):
    role = SelectField(_l("Role"), choices=role_choices)
    unit = SelectField(_l("Unit (organizers only)"), coerce=int)


class SearchForm(Form):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Search by name or email"), validators=[Optional(), Length(max=100)])
    role = SelectField(
        _l("Role"), choices=lambda: [SelectChoice("", _l("All roles")), *role_choices()]
    )
