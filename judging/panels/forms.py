"""Forms of the panel pages: inviting judges, a judge's scope, cap and expertise, a judge's
declaration of conflicts, and the organizers' recusals, overrides and filters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.forms_common import Form, choices, email_validators
from app.people.models import ExpertiseTag
from competitions.entries.forms import CheckboxesField
from competitions.models import Round
from judging.models import ConflictSource, ConflictStatus
from judging.panels.conflicts import (
    MAX_REASON_LENGTH,
    MIN_REASON_LENGTH,
    SOURCE_LABELS,
    STATUS_LABELS,
)
from judging.panels.services import MAX_CAP, Scope

WHOLE_ROUND = "round"


def scope_choices(round_: Round) -> list:
    """ "round", "pool-<id>", "track-<id>": the whole round, one of its pools, one track."""
    pairs = [(WHOLE_ROUND, _l("The whole round"))]
    pairs += [(f"pool-{p.id}", _l("Pool: %(name)s", name=p.name)) for p in round_.pools]
    pairs += [
        (f"track-{t.id}", _l("Track: %(name)s", name=t.name)) for t in round_.competition.tracks
    ]
    return choices(pairs)


def scope_value(scope: Scope) -> str:
    if scope.pool_id is not None:
        return f"pool-{scope.pool_id}"
    if scope.track_id is not None:
        return f"track-{scope.track_id}"
    return WHOLE_ROUND


def parse_scope(value: str | None) -> Scope:
    kind, _, number = (value or WHOLE_ROUND).partition("-")
    if kind == "pool" and number.isdigit():
        return Scope(pool_id=int(number))
    if kind == "track" and number.isdigit():
        return Scope(track_id=int(number))
    return Scope()


class _JudgeSettings(Form):
    """Scope, cap and expertise; the view fills the choices from the round."""

    scope = SelectField(_l("Scope"))
    cap = IntegerField(
        _l("Most entries for this judge"),
        validators=[
            Optional(),
            NumberRange(min=0, max=MAX_CAP, message=_l("Enter a whole number from 0.")),
        ],
        description=_l("Leave empty for the round's default."),
    )
    tags = CheckboxesField(_l("Expertise"), coerce=int, validators=[Optional()])

    def fill(self, round_: Round, tags: list[ExpertiseTag], locale: str) -> None:
        self.scope.choices = scope_choices(round_)
        self.tags.choices = choices([(t.id, t.name(locale)) for t in tags])

    @property
    def chosen_scope(self) -> Scope:
        return parse_scope(self.scope.data)


class InviteExistingForm(_JudgeSettings):
    user_ids = SelectMultipleField(coerce=int, validate_choice=False)

    def validate_user_ids(self, field: Field) -> None:
        if not field.data:
            raise ValidationError(_l("Tick at least one person."))


class InviteNewForm(_JudgeSettings):
    full_name = StringField(
        _l("Full name"),
        validators=[DataRequired(message=_l("This field is required.")), Length(min=2, max=120)],
        description=_l("Family name first: Nguyễn Văn An."),
    )
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(message=_l("This field is required.")), *email_validators()],
        description=_l(
            "A new address gets an account and a single-use activation link; a known one "
            "invites that account."
        ),
    )


class MemberForm(_JudgeSettings):
    pass


class DeclareForm(Form):
    """The entries a judge ticks; each ticked entry's reason is read by the view from
    `reason-<entry id>`."""

    entry_ids = SelectMultipleField(coerce=int, validate_choice=False)
    confirm = BooleanField(
        _l("I have gone through every entry above and ticked each one I have a conflict with."),
        validators=[DataRequired(message=_l("Tick this box to confirm your declaration."))],
    )


def _reason(label: str) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[
            DataRequired(message=_l("Give a reason.")),
            Length(
                min=MIN_REASON_LENGTH,
                max=MAX_REASON_LENGTH,
                message=_l(
                    "Give a reason of %(min)d to %(max)d characters.",
                    min=MIN_REASON_LENGTH,
                    max=MAX_REASON_LENGTH,
                ),
            ),
        ],
        render_kw={"rows": 2},
    )


class RecuseForm(Form):
    judge_id = SelectField(_l("Judge"), coerce=int)
    entry_code = StringField(
        _l("Entry code"),
        validators=[DataRequired(message=_l("This field is required.")), Length(max=30)],
        description=_l("As on the entries list, e.g. QN26-THPT-0001."),
    )
    reason = _reason(_l("Reason"))


class OverrideForm(Form):
    reason = _reason(_l("Why this conflict does not matter"))


class ConflictFilterForm(Form):
    class Meta:
        csrf = False  # a GET filter changes nothing

    judge = SelectField(_l("Judge"), coerce=int)
    source = SelectField(
        _l("Source"),
        choices=lambda: choices(
            [("", _l("All sources"))] + [(s.value, SOURCE_LABELS[s]) for s in ConflictSource]
        ),
    )
    status = SelectField(
        _l("Status"),
        choices=lambda: choices(
            [("", _l("All statuses"))] + [(s.value, STATUS_LABELS[s]) for s in ConflictStatus]
        ),
    )
