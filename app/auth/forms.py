from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional

from app.forms_common import Form, check_new_password, check_phone, choices, email_validators

REQUIRED = _l("This field is required.")


def new_password_fields() -> tuple[PasswordField, PasswordField]:
    return (
        PasswordField(
            _l("New password"),
            validators=[InputRequired(message=REQUIRED), check_new_password],
            description=_l("At least 8 characters; a long phrase is best. Any language."),
        ),
        PasswordField(
            _l("Repeat the password"),
            validators=[
                InputRequired(message=REQUIRED),
                EqualTo("password", message=_l("The two passwords do not match.")),
            ],
        ),
    )


class RegisterForm(Form):
    full_name = StringField(
        _l("Full name"),
        validators=[DataRequired(message=REQUIRED), Length(min=2, max=120)],
        description=_l("Family name first, as on your identity card: Nguyễn Văn An."),
    )
    email = EmailField(
        _l("Email"), validators=[DataRequired(message=REQUIRED), *email_validators()]
    )
    phone = StringField(_l("Phone"), validators=[Optional(), check_phone])
    password, confirm = new_password_fields()


class LoginForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(message=REQUIRED), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(message=REQUIRED)])
    remember = BooleanField(_l("Keep me signed in on this device for two weeks"))


class EmailForm(Form):
    email = EmailField(
        _l("Email"), validators=[DataRequired(message=REQUIRED), *email_validators()]
    )


class SetPasswordForm(Form):
    password, confirm = new_password_fields()


class ChangePasswordForm(Form):
    current = PasswordField(_l("Current password"), validators=[InputRequired(message=REQUIRED)])
    password, confirm = new_password_fields()


class ProfileForm(Form):
    full_name = StringField(
        _l("Full name"), validators=[DataRequired(message=REQUIRED), Length(min=2, max=120)]
    )
    phone = StringField(_l("Phone"), validators=[Optional(), check_phone])
    title = StringField(_l("Position or title"), validators=[Optional(), Length(max=120)])
    locale = SelectField(
        _l("Language"), choices=choices([("vi", "Tiếng Việt"), ("en", "English")]), default="vi"
    )


class ConfirmForm(Form):
    """A form with nothing but its CSRF token, for buttons that change something."""
