"""Forms of the paper score sheets page: the upload, its confirmation, and one sheet typed
in by hand (one field per criterion of the round's rubric)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput

from app.formatting import format_number
from app.forms_common import Form
from judging.models import RubricCriterion
from judging.paper.checks import MAX_COMMENT


class UploadForm(Form):
    workbook = FileField(
        _l("Filled-in workbook (.xlsx)"),
        validators=[FileRequired(message=_l("Choose the xlsx file to import."))],
        description=_l("The template of this round, filled in. At most 5 MB."),
        render_kw={"accept": ".xlsx"},
    )


class ConfirmForm(Form):
    """The preview's confirmation: names the kept file, never the scores themselves."""

    upload_id = HiddenField(validators=[DataRequired()])


class JudgePickForm(Form):
    class Meta:
        csrf = False  # a GET choice changes nothing

    judge = SelectField(_l("Judge"), coerce=int, validate_choice=False)


def criterion_field_name(criterion: RubricCriterion) -> str:
    return f"score_{criterion.id}"


class ManualForm(Form):
    """One paper sheet; the criterion fields are added per round by `manual_form`."""

    judge = IntegerField(validators=[DataRequired()], widget=HiddenInput())
    round_entry = SelectField(
        _l("Entry"),
        coerce=int,
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose the entry of the paper sheet."))],
    )
    comment_for_team = TextAreaField(
        _l("Comment for the team"),
        validators=[Optional(), Length(max=MAX_COMMENT)],
        description=_l("As the judge wrote it; the team reads it without the judge's name."),
        render_kw={"rows": 3},
    )


def manual_form(criteria: list[RubricCriterion], step_text: str, **kwargs) -> ManualForm:  # noqa: ANN003
    """The form with a text field per criterion: "8,5" and "8.5" are both accepted, and the
    service checks the value (bounds, step), so the field itself only caps the length."""

    class RoundManualForm(ManualForm):
        pass

    for criterion in criteria:
        setattr(
            RoundManualForm,
            criterion_field_name(criterion),
            StringField(
                criterion.name,
                validators=[Length(max=20)],
                description=_l(
                    "0 to %(max)s, in steps of %(step)s.",
                    max=format_number(criterion.max_score),
                    step=step_text,
                ),
                render_kw={"inputmode": "decimal", "autocomplete": "off"},
            ),
        )
    return RoundManualForm(**kwargs)
