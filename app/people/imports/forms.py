"""The forms of an import page: the upload, and the preview's confirmation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired

from app.forms_common import Form


class UploadForm(Form):
    workbook = FileField(
        _l("Filled-in workbook (.xlsx)"),
        validators=[FileRequired(message=_l("Choose the xlsx file to import."))],
        description=_l("The template, filled in. At most 5 MB."),
        render_kw={"accept": ".xlsx"},
    )


class ConfirmForm(Form):
    """The preview's confirmation: names the kept file, never the rows themselves."""

    upload_id = HiddenField(validators=[DataRequired()])
