"""Keeping an uploaded workbook between its preview and the confirmation, so the import
reads exactly the file that was checked, never scores sent back in a form."""

from __future__ import annotations

import hashlib
import os
import uuid

from app import audit
from app.db import db, on_rollback
from app.people.models import User
from app.storage import StoredFile, clean_filename, upload_root
from competitions.models import Round
from judging.common import JudgingError
from judging.paper import workbook

# --- keeping the upload between the preview and the confirmation ------------------------


def keep_upload(round_: Round, data: bytes, filename: str | None, *, by: User) -> StoredFile:
    """Keep a checked workbook on disk under a generated name, so the confirmation imports
    exactly the file that was previewed (never scores sent back in a form). The file goes
    again if the request's transaction is not committed."""
    name = clean_filename(filename)
    token = uuid.uuid4().hex
    stored_name = f"{token[:2]}/{token[2:4]}/{token}"
    target = upload_root() / stored_name
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    try:
        partial.write_bytes(data)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    on_rollback(lambda: target.unlink(missing_ok=True))
    stored = StoredFile(
        stored_name=stored_name,
        original_name=name,
        content_type=workbook.XLSX_TYPE,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=by.id,
    )
    db.session.add(stored)
    db.session.flush()
    audit.record(
        "judging.paper_upload",
        stored,
        new={"round_id": round_.id, "name": name, "size": stored.size, "sha256": stored.sha256},
        actor=by,
    )
    return stored


def kept_upload(upload_id: int, *, by: User) -> StoredFile | None:
    """The workbook this organizer uploaded for a preview; None for anyone else's file."""
    stored = db.session.get(StoredFile, upload_id)
    if stored is None or stored.uploaded_by_id != by.id:
        return None
    if stored.content_type != workbook.XLSX_TYPE:
        return None
    return stored


def read_kept(stored: StoredFile) -> bytes:
    """The kept file's bytes, refused if they are not those that were previewed."""
    try:
        data = stored.path.read_bytes()
    except OSError as error:
        raise JudgingError("upload_gone") from error
    if hashlib.sha256(data).hexdigest() != stored.sha256:
        raise JudgingError("upload_gone")
    return data
