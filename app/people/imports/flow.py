"""The two steps every import page takes, whatever it imports: the upload (read the file,
check every row, keep the file for its confirmation when it can be imported) and the
confirmation (find the kept file it names)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from flask import flash
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.access import require
from app.db import rollback_request
from app.people.imports import uploads
from app.people.imports.forms import ConfirmForm, UploadForm
from app.people.models import User
from app.storage import StoredFile, UploadError


class Report(Protocol):
    @property
    def importable(self) -> bool: ...

    @property
    def has_changes(self) -> bool: ...


R = TypeVar("R", bound=Report)
A = TypeVar("A")


class ImportRefused(Exception):
    """The confirmed file no longer passes: nothing was applied. `report` says why."""

    def __init__(self, report: object) -> None:
        reason = getattr(report, "file_problem", None) or "row_errors"
        super().__init__(reason)
        self.reason = reason
        self.report = report


def check_upload(
    form: UploadForm,
    check: Callable[[bytes], R],
    refused: Callable[[str], R],
    *,
    kind: str,
    by: User,
) -> tuple[R | None, ConfirmForm | None]:
    """The upload step: the report (None before any upload), and the confirmation form when
    the file can be imported and changes something. A name other than .xlsx is refused
    with `refused("not_xlsx")` before reading."""
    if not form.validate_on_submit():
        return None, None
    data = uploads.upload_bytes(form.workbook.data)
    if data is None:
        return refused("not_xlsx"), None
    report = check(data)
    if not (report.importable and report.has_changes):
        return report, None
    try:
        stored = uploads.keep_upload(data, form.workbook.data.filename, kind=kind, by=by)
    except UploadError as error:
        form.workbook.errors = [*form.workbook.errors, error.message]
        return None, None
    return report, ConfirmForm(formdata=None, upload_id=stored.id)


def confirmed_upload(*, by: User) -> StoredFile | None:
    """The kept file the posted confirmation names; None (and a message) when the
    confirmation expired; 404 for a file that is not this person's."""
    form = ConfirmForm()
    if not form.validate_on_submit() or not str(form.upload_id.data).isdigit():
        flash(_("The confirmation expired: upload the workbook again."), "warning")
        return None
    stored = uploads.kept_upload(int(form.upload_id.data), by=by)
    require(stored is not None, 404)
    return stored


def apply_confirmed(
    apply: Callable[[StoredFile], A],
    *,
    by: User,
    back: Response,
    refused: Callable[[object], str],
    message: Callable[[str], str],
) -> A | str | Response:
    """The confirmation step: what `apply` returned for the kept file the form names; or,
    with nothing applied, `back` (expired confirmation, file gone) or the page `refused`
    renders with the report of a file that no longer passes."""
    stored = confirmed_upload(by=by)
    if stored is None:
        return back
    try:
        return apply(stored)
    except ImportRefused as error:
        rollback_request()
        flash(message(error.reason), "danger")
        return refused(error.report)
    except uploads.ImportGone:
        rollback_request()
        flash(message("upload_gone"), "danger")
        return back
