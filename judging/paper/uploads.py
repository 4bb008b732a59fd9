"""Keeping an uploaded workbook between its preview and the confirmation, so the import
reads exactly the file that was checked, never scores sent back in a form."""

from __future__ import annotations

from app import audit
from app.people.models import User
from app.spreadsheets import XLSX_MIMETYPE
from app.storage import StoredFile, keep_bytes, kept_bytes, own_upload
from competitions.models import Round
from judging.common import JudgingError


def keep_upload(round_: Round, data: bytes, filename: str | None, *, by: User) -> StoredFile:
    """Keep a checked workbook for its confirmation (gone again if the request fails)."""
    stored = keep_bytes(data, filename, content_type=XLSX_MIMETYPE, by_id=by.id)
    audit.record(
        "judging.paper_upload",
        stored,
        new={
            "round_id": round_.id,
            "name": stored.original_name,
            "size": stored.size,
            "sha256": stored.sha256,
        },
        actor=by,
    )
    return stored


def kept_upload(upload_id: int, *, by: User) -> StoredFile | None:
    """The workbook this organizer uploaded for a preview; None for anyone else's file."""
    return own_upload(upload_id, by_id=by.id, content_type=XLSX_MIMETYPE)


def read_kept(stored: StoredFile) -> bytes:
    """The kept file's bytes, refused if they are not those that were previewed."""
    data = kept_bytes(stored)
    if data is None:
        raise JudgingError("upload_gone")
    return data
