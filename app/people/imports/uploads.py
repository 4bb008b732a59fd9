"""Keeping an uploaded workbook between its preview and the confirmation, so the import
applies exactly the file that was checked, never values sent back in a form."""

from __future__ import annotations

from app import audit
from app.people.models import User
from app.spreadsheets import MAX_FILE_BYTES, XLSX_MIMETYPE
from app.storage import StoredFile, keep_bytes, kept_bytes, own_upload


class ImportGone(Exception):
    """The kept file is gone or is no longer what was previewed."""


def keep_upload(data: bytes, filename: str | None, *, kind: str, by: User) -> StoredFile:
    """Keep a checked workbook for its confirmation (gone again if the request fails).
    Raises app.storage.UploadError for a file name that is not a plain one, or when the
    disk has no room for it."""
    stored = keep_bytes(data, filename, content_type=XLSX_MIMETYPE, by_id=by.id)
    audit.record(
        "import.upload",
        stored,
        new={"kind": kind, "name": stored.original_name, "size": stored.size,
             "sha256": stored.sha256},
        actor=by,
    )  # fmt: skip
    return stored


def kept_upload(upload_id: int, *, by: User) -> StoredFile | None:
    """The workbook this person uploaded for a preview; None for anyone else's file."""
    return own_upload(upload_id, by_id=by.id, content_type=XLSX_MIMETYPE)


def read_kept(stored: StoredFile) -> bytes:
    data = kept_bytes(stored)
    if data is None:
        raise ImportGone()
    return data


def upload_bytes(upload: object) -> bytes | None:
    """The uploaded file's bytes, read up to just past the size limit (read_table refuses
    what is larger); None when its name is not an .xlsx one (an .xls, a .csv)."""
    name = getattr(upload, "filename", None) or ""
    if not name.lower().endswith(".xlsx"):
        return None
    return upload.stream.read(MAX_FILE_BYTES + 1)  # type: ignore[attr-defined]
