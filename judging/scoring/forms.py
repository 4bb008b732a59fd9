"""The score sheet form: one text input per criterion of the round's rubric (a decimal
comma or point, checked by the service against the maximum and the step), the comment for
the team, the private note for the organizers, and the version of the sheet the page was
made from."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length

from app.forms_common import Form
from judging.models import RubricCriterion
from judging.scoring.services import MAX_TEXT, MAX_VALUE_LENGTH


def score_field_name(criterion_id: int) -> str:
    return f"score_{criterion_id}"


def parse_lock_version(value: str | None) -> int | None:
    """The hidden lock_version as posted; None when missing or tampered with."""
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if number >= 0 else None


class SheetForm(Form):
    lock_version = HiddenField()
    comment_for_team = TextAreaField(
        _l("Comment for the team"),
        validators=[Length(max=MAX_TEXT)],
        description=_l("The team reads it, without your name, once the results are published."),
        render_kw={"rows": 4, "maxlength": MAX_TEXT},
    )
    private_note = TextAreaField(
        _l("Private note for the organizers"),
        validators=[Length(max=MAX_TEXT)],
        description=_l("Only the organizers read it; the team never sees it."),
        render_kw={"rows": 3, "maxlength": MAX_TEXT},
    )
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit scores"))

    def score(self, criterion: RubricCriterion):  # noqa: ANN201
        return self[score_field_name(criterion.id)]

    def values(self, criteria: list[RubricCriterion]) -> dict[int, str]:
        return {c.id: self.score(c).data or "" for c in criteria}


def sheet_form(criteria: list[RubricCriterion], **kwargs) -> SheetForm:  # noqa: ANN003
    """The form for this rubric (its fields depend on the round's criteria)."""

    class RubricSheetForm(SheetForm):
        pass

    for criterion in criteria:
        setattr(
            RubricSheetForm,
            score_field_name(criterion.id),
            StringField(
                criterion.name,
                # The service says what is wrong with a value; this only bounds its size.
                validators=[Length(max=MAX_VALUE_LENGTH)],
                render_kw={
                    "inputmode": "decimal",
                    "autocomplete": "off",
                    "maxlength": MAX_VALUE_LENGTH,
                    "data-max": str(criterion.max_score),
                    "data-weight": str(criterion.weight),
                },
            ),
        )
    return RubricSheetForm(**kwargs)
