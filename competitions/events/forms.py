"""Forms of the event pages: times typed dd/mm/yyyy HH:MM in Asia/Ho_Chi_Minh.

Rules about one field live here; rules between fields (the end after the start, a sector
for forums and workshops, a level for festivals) are the services' (they hold for every
caller)."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.db import db
from app.forms_common import Form, choices, email_validators, with_none
from competitions.calls.forms import REQUIRED, WHOLE_NUMBER_MESSAGE, LocalDateTimeField
from competitions.events.labels import KIND_LABELS, LEVEL_LABELS
from competitions.events.services import MAX_CAPACITY
from competitions.models import Sector


def kind_choices() -> list:
    return choices(list(KIND_LABELS.items()))


def level_choices() -> list:
    return [SelectChoice("", "—"), *choices(list(LEVEL_LABELS.items()))]


def sector_choices() -> list:
    locale = str(get_locale() or "vi")
    sectors = db.session.scalars(select(Sector)).all()
    named = sorted(((s.id, s.name(locale)) for s in sectors), key=lambda pair: pair[1])
    return with_none(choices(named))


class EventForm(Form):
    kind = SelectField(_l("Kind"), choices=kind_choices)
    title = StringField(
        _l("Title"),
        validators=[DataRequired(message=REQUIRED), Length(max=200)],
        description=_l("e.g. Startup festival of Tam Kỳ 2026"),
    )
    level = SelectField(
        _l("Festival level"),
        choices=level_choices,
        description=_l("For a startup festival: local, cluster or province."),
    )
    sector = SelectField(
        _l("Sector"),
        coerce=int,
        choices=sector_choices,
        description=_l("For a specialised forum or workshop."),
    )
    starts_at = LocalDateTimeField(_l("Starts"), validators=[InputRequired(message=REQUIRED)])
    ends_at = LocalDateTimeField(_l("Ends"), validators=[InputRequired(message=REQUIRED)])
    place = StringField(_l("Place"), validators=[DataRequired(message=REQUIRED), Length(max=300)])
    organizer_unit = SelectField(_l("Organised by"), coerce=int)
    capacity = IntegerField(
        _l("Capacity (people)"),
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=MAX_CAPACITY,
                message=_l("Between 1 and %(max)d people.", max=MAX_CAPACITY),
            ),
        ],
        description=_l("Leave empty for no limit."),
        render_kw={"inputmode": "numeric"},
        invalid_value_message=WHOLE_NUMBER_MESSAGE,
    )
    description = TextAreaField(
        _l("Description"), validators=[Length(max=20000)], render_kw={"rows": 6}
    )


class RegisterOtherForm(Form):
    """An organizer registers someone who already has an account."""

    email = StringField(
        _l("Email address of the participant's account"),
        validators=[DataRequired(message=REQUIRED), *email_validators()],
        render_kw={"autocomplete": "off"},
    )


class CodeForm(Form):
    """A code typed when the camera will not read it."""

    class Meta:
        csrf = False  # a GET look-up changes nothing

    code = StringField(
        _l("Registration code"),
        validators=[Optional(), Length(max=40)],
        render_kw={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false"},
    )


class EventFilterForm(Form):
    class Meta:
        csrf = False  # a GET filter changes nothing

    q = StringField(_l("Search by title"), validators=[Optional(), Length(max=100)])
    year = SelectField(_l("Year"), coerce=int, validate_choice=False)
    kind = SelectField(
        _l("Kind"),
        choices=lambda: [SelectChoice("", _l("All kinds")), *kind_choices()],
        validate_choice=False,
    )
