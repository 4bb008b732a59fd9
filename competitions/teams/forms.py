from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import TextInput

from app.forms_common import Form, check_phone, choices, email_validators, with_none
from competitions.models import InvitationRole
from competitions.teams.labels import GENDER_LABELS
from competitions.teams.messages import MESSAGES
from competitions.teams.queries import UnitOptions
from competitions.teams.services import MemberDetails, birth_date_problem

REQUIRED = _l("This field is required.")


def one_line(value: str | None) -> str | None:
    """Collapse line breaks and runs of spaces, so that lengths are checked on what is kept."""
    return " ".join(value.split()) if isinstance(value, str) else value


class MemberDetailsForm(Form):
    full_name = StringField(
        _l("Full name"),
        validators=[DataRequired(message=REQUIRED), Length(min=2, max=120)],
        filters=[one_line],
        description=_l("Family name first, as on your identity card: Nguyễn Văn An."),
    )
    date_of_birth = DateField(
        _l("Date of birth"),
        format="%d/%m/%Y",
        widget=TextInput(),
        validators=[Optional()],
        invalid_value_message=_l("Enter a date as dd/mm/yyyy."),
        render_kw={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"},
        description=_l("dd/mm/yyyy"),
    )
    gender = SelectField(
        _l("Gender"),
        choices=choices([("", "—"), *GENDER_LABELS.items()]),
        validators=[Optional()],
        description=_l("Optional. Only counted in the programme's yearly figures."),
    )
    school = StringField(
        _l("School or unit"), validators=[Optional(), Length(max=200)], filters=[one_line]
    )
    class_or_major = StringField(
        _l("Class or major"),
        validators=[Optional(), Length(max=120)],
        filters=[one_line],
        description=_l("For example 11A2, or Information technology."),
    )
    phone = StringField(_l("Phone"), validators=[Optional(), check_phone])

    def validate_date_of_birth(self, field: DateField) -> None:
        if problem := birth_date_problem(field.data):
            raise ValidationError(MESSAGES[problem])

    def details(self) -> MemberDetails:
        return MemberDetails(
            full_name=self.full_name.data,
            date_of_birth=self.date_of_birth.data,
            gender=self.gender.data or None,
            school=self.school.data,
            class_or_major=self.class_or_major.data,
            phone=self.phone.data,
        )


class TeamForm(Form):
    name = StringField(
        _l("Team name"),
        validators=[DataRequired(message=REQUIRED), Length(max=120)],
        filters=[one_line],
    )
    unit = SelectField(
        _l("School or organisation the team represents"),
        coerce=int,
        description=_l(
            "Optional. Leave it empty if the team represents no school or organisation."
        ),
    )

    def __init__(self, *args: Any, unit_options: UnitOptions, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unit.choices = with_none(unit_options.choices)
        self._selectable = unit_options.selectable

    def validate_unit(self, field: SelectField) -> None:
        # The administrative units shown (disabled) for context cannot be chosen.
        if field.data and field.data not in self._selectable:
            raise ValidationError(MESSAGES["unit_not_organisation"])


class CreateTeamForm(TeamForm, MemberDetailsForm):
    """The team, and the details of its leader (its first member)."""


class InviteForm(Form):
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(message=REQUIRED), *email_validators()],
        filters=[one_line],
    )
    role = SelectField(
        _l("Invite as"),
        choices=lambda: choices(
            [
                (InvitationRole.MEMBER.value, _l("Team member")),
                (InvitationRole.ADVISOR.value, _l("Advisor teacher")),
            ]
        ),
        default=InvitationRole.MEMBER.value,
    )


class TransferForm(Form):
    new_leader = SelectField(_l("New leader"), coerce=int)
    confirm = BooleanField(
        _l("I understand that I will no longer manage the team."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
