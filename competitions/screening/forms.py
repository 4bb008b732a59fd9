"""Forms of the organizers' screening pages: list filters, eligibility review, bulk
review and the paper submission."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    EmailField,
    Field,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, Optional

from app.forms_common import Form, check_phone, choices, email_validators
from competitions.calls.forms import LocalDateTimeField
from competitions.entries.forms import EntryForm
from competitions.entries.messages import STATUS_LABELS
from competitions.models import EntryStatus
from competitions.screening.services import MIN_REASON_LENGTH

REQUIRED = _l("This field is required.")

DECISIONS = {"accept": EntryStatus.ACCEPTED, "reject": EntryStatus.REJECTED}


class FilterForm(Form):
    """The list's filters, read from the query string. A value that is not one of the
    choices is simply no filter."""

    class Meta:
        csrf = False  # a GET filter changes nothing

    q = StringField(
        _l("Search title, code, team or leader"), validators=[Optional(), Length(max=100)]
    )
    round = SelectField(_l("Round"), coerce=int)
    pool = SelectField(_l("Pool"), coerce=int)
    unit = SelectField(_l("Unit (and the units below it)"), coerce=int)
    track = SelectField(_l("Track"), coerce=int)
    status = SelectField(
        _l("Status"),
        choices=lambda: choices(
            [("", _l("All statuses"))]
            + [
                (s.value, STATUS_LABELS[s])
                for s in (
                    EntryStatus.SUBMITTED,
                    EntryStatus.ACCEPTED,
                    EntryStatus.REJECTED,
                    EntryStatus.WITHDRAWN,
                )
            ]
        ),
    )


def _reason_field(label: str) -> TextAreaField:
    # No Optional(): it would stop the chain before validate_reason when empty.
    return TextAreaField(
        label,
        validators=[Length(max=2000)],
        description=_l(
            "Required to reject or to change a decision (at least %(n)d characters); "
            "sent to every member of the team.",
            n=MIN_REASON_LENGTH,
        ),
        render_kw={"rows": 3},
    )


def _decision_field() -> RadioField:
    return RadioField(
        _l("Decision"),
        choices=choices(
            [("accept", _l("Accept: eligible")), ("reject", _l("Reject: not eligible"))]
        ),
        validators=[DataRequired(message=_l("Choose accept or reject."))],
    )


class ReviewForm(Form):
    """Accept or reject one entry. `current_status` is the entry's status now: changing
    an earlier decision needs a reason, like a rejection does."""

    decision = _decision_field()
    reason = _reason_field(_l("Reason or note"))

    def __init__(self, *args, current_status: str = EntryStatus.SUBMITTED, **kwargs) -> None:  # noqa: ANN002,ANN003
        super().__init__(*args, **kwargs)
        self.current_status = current_status

    def validate_reason(self, field: Field) -> None:
        decision = DECISIONS.get(self.decision.data or "")
        changing = self.current_status in (EntryStatus.ACCEPTED, EntryStatus.REJECTED)
        needs_reason = decision == EntryStatus.REJECTED or changing
        if needs_reason and len((field.data or "").strip()) < MIN_REASON_LENGTH:
            raise ValidationError(
                _l(
                    "Give a reason of at least %(n)d characters: the team will read it.",
                    n=MIN_REASON_LENGTH,
                )
            )


class BulkReviewForm(Form):
    """Accept or reject the entries ticked in the list, with one reason for all."""

    entry_ids = SelectMultipleField(coerce=int, validate_choice=False)
    decision = _decision_field()
    reason = _reason_field(_l("Reason or note for all selected entries"))
    back = HiddenField(validators=[Optional(), Length(max=1000)])

    def validate_entry_ids(self, field: Field) -> None:
        if not field.data:
            raise ValidationError(_l("Tick at least one entry."))

    def validate_reason(self, field: Field) -> None:
        if self.decision.data == "reject" and len((field.data or "").strip()) < MIN_REASON_LENGTH:
            raise ValidationError(
                _l(
                    "Give a reason of at least %(n)d characters: the teams will read it.",
                    n=MIN_REASON_LENGTH,
                )
            )


class PaperForm(EntryForm):
    """An entry received on paper, typed in by an organizer: the team's own entry form
    (same fields, same checks) plus the team it is for, an existing one or a new one
    made from its leader's name and email, and when the paper was received."""

    lock_version = None  # a new entry: nothing to be stale against
    remove_images = None
    save = None
    submit = None

    team_mode = RadioField(
        _l("Team"),
        choices=choices([("existing", _l("An existing team")), ("new", _l("A new team"))]),
        default="existing",
        validators=[DataRequired(message=REQUIRED)],
    )
    team_q = StringField(validators=[Optional(), Length(max=100)])
    team_id = RadioField(_l("Existing team"), coerce=int, validate_choice=False)
    team_name = StringField(_l("Team name"), validators=[Optional(), Length(max=120)])
    leader_name = StringField(
        _l("Leader's full name"),
        validators=[Optional(), Length(min=2, max=120)],
        description=_l("Family name first, as on the paper form: Nguyễn Văn An."),
    )
    leader_email = EmailField(
        _l("Leader's email"),
        validators=[Optional(), *email_validators()],
        description=_l(
            "A new address gets an account and an activation link; a known one is used as it is."
        ),
    )
    leader_phone = StringField(_l("Leader's phone"), validators=[Optional(), check_phone])
    team_unit = SelectField(_l("School or organisation of the team"), coerce=int)
    # Typed in Vietnam time, `data` is UTC.
    received_at = LocalDateTimeField(
        _l("Paper file received on"),
        validators=[DataRequired(message=_l("Enter the date and time as dd/mm/yyyy HH:MM."))],
        description=_l(
            "dd/mm/yyyy HH:MM, Vietnam time: the submission window is checked at this time."
        ),
    )

    def validate(self, extra_validators: dict | None = None) -> bool:
        """The team part needs either a chosen team or the new team's details."""
        valid = super().validate(extra_validators)
        if self.team_mode.data == "existing":
            if not self.team_id.data:
                self.team_id.errors = [
                    *self.team_id.errors,
                    _l("Search for the team and choose it."),
                ]
                valid = False
        elif self.team_mode.data == "new":
            for field in (self.team_name, self.leader_name, self.leader_email):
                if not (field.data or "").strip():
                    field.errors = [*field.errors, REQUIRED]
                    valid = False
        return valid
