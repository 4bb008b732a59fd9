"""Forms of the entry pages. Files are checked by app.storage when the entry is saved,
so the file fields here carry no validators of their own."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.db import db
from app.forms_common import Form, choices
from competitions.entries.services import (
    MAX_VIDEO_URL,
    EntryContent,
    EntryError,
    normalise_video_url,
)
from competitions.models import Sector, Stage, Track

REQUIRED = _l("This field is required.")
LONG_TEXT = 5000

STAGE_LABELS = {
    Stage.IDEA: _l("Idea"),
    Stage.PROTOTYPE: _l("Prototype"),
    Stage.EARLY_REVENUE: _l("Early revenue"),
}


def stage_label(stage: str) -> str:
    return str(STAGE_LABELS.get(stage, stage))


def parse_lock_version(value: str | None) -> int | None:
    """The hidden lock_version as posted; None when missing or tampered with."""
    try:
        return int(value or "")
    except ValueError:
        return None


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as checkboxes (easier than a multi-select on a phone)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StartEntryForm(Form):
    team_id = SelectField(_l("Team"), coerce=int)
    track_id = SelectField(_l("Track"), coerce=int)
    title = StringField(
        _l("Project title"), validators=[DataRequired(message=REQUIRED), Length(max=200)]
    )


def _text(label: str, description: str | None = None, limit: int = LONG_TEXT) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[Length(max=limit)],
        description=description,
        render_kw={"rows": 4},
    )


class EntryForm(Form):
    lock_version = HiddenField()
    title = StringField(
        _l("Project title"), validators=[DataRequired(message=REQUIRED), Length(max=200)]
    )
    track_id = SelectField(_l("Track"), coerce=int)
    sector_ids = CheckboxesField(_l("Sectors"), coerce=int, validators=[Optional()])
    summary = _text(_l("Summary"), _l("Two or three sentences: what the project is."), 2000)
    problem = _text(_l("Problem"), _l("Whose problem, and why it matters."))
    solution = _text(_l("Solution"), _l("What you make or do, and what is new about it."))
    customers = _text(_l("Customers"), _l("Who will pay or use it, and how many they are."))
    business_model = _text(_l("Business model"), _l("How the project earns its keep."))
    stage = SelectField(
        _l("Stage"),
        choices=choices([(stage.value, label) for stage, label in STAGE_LABELS.items()]),
    )
    traction = _text(_l("Traction"), _l("Users, sales, partners, awards so far."))
    funding_needs = _text(_l("Funding needs"), _l("How much, and what for."))
    video_url = StringField(
        _l("Video link"),
        validators=[Length(max=MAX_VIDEO_URL)],
        description=_l("A link starting with https://, e.g. YouTube or Google Drive."),
    )
    deck_file = FileField(_l("Pitch deck (PDF)"), render_kw={"accept": ".pdf,application/pdf"})
    new_images = MultipleFileField(
        _l("Add images"), render_kw={"accept": ".png,.jpg,.jpeg,.webp,image/*"}
    )
    remove_images = CheckboxesField(_l("Remove these images"), coerce=int, validators=[Optional()])
    from_science_fair = BooleanField(
        _l(
            "This project grew out of a high-school science and engineering fair project "
            "(cuộc thi KHKT)"
        )
    )
    science_fair_note = StringField(
        _l("Which fair, and which year"),
        validators=[Length(max=300)],
        description=_l("e.g. Cuộc thi KHKT cấp tỉnh 2025"),
    )
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Save and submit"))

    def validate_video_url(self, field: Field) -> None:
        try:
            field.data = normalise_video_url(field.data)
        except EntryError as error:
            raise ValidationError(
                _l("Enter a web link starting with http:// or https://.")
            ) from error

    def validate_science_fair_note(self, field: Field) -> None:
        if self.from_science_fair.data and not (field.data or "").strip():
            raise ValidationError(_l("Name the fair and its year."))

    def content(self, track: Track | None = None) -> EntryContent:
        """What the form says, for save_entry (a file field left empty sends nothing)."""
        deck = self.deck_file.data
        chosen = set(self.sector_ids.data or [])
        remove = getattr(self, "remove_images", None)
        return EntryContent(
            title=self.title.data,
            summary=self.summary.data or "",
            problem=self.problem.data or "",
            solution=self.solution.data or "",
            customers=self.customers.data or "",
            business_model=self.business_model.data or "",
            stage=self.stage.data,
            traction=self.traction.data or "",
            funding_needs=self.funding_needs.data or "",
            video_url=self.video_url.data,
            from_science_fair=self.from_science_fair.data,
            science_fair_note=self.science_fair_note.data,
            sectors=list(db.session.scalars(select(Sector).where(Sector.id.in_(chosen)))),
            track=track,
            deck=deck if isinstance(deck, FileStorage) and deck.filename else None,
            new_images=[
                f for f in self.new_images.data or [] if isinstance(f, FileStorage) and f.filename
            ],
            remove_image_ids=list(remove.data or []) if remove is not None else [],
        )


class SubmitEntryForm(Form):
    lock_version = HiddenField()


class WithdrawForm(Form):
    reason = TextAreaField(
        _l("Reason (optional)"), validators=[Length(max=1000)], render_kw={"rows": 3}
    )
