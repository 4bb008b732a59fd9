"""Uploaded files: checked by their content bytes, stored under generated names outside
static, served only as attachments with their original (Vietnamese) name.

A file is written to disk during the request and removed again if the request's
transaction does not commit, so there is never a row without its file, nor a file
left behind by a failed request.
"""

from __future__ import annotations

import errno
import hashlib
import os
import unicodedata
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from flask import current_app, send_file
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.wrappers import Response

from app.db import db, on_rollback, utcnow

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class FileKind:
    """What a kind of upload may be: its extensions and the bytes it must start with."""

    name: str
    extensions: tuple[str, ...]
    content_type: str | None  # None: decided by the signature found

    def signature_type(self, head: bytes) -> str | None:
        if self.name == "pdf":
            return "application/pdf" if head.startswith(b"%PDF-") else None
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return "image/png"
        if head.startswith(b"\xff\xd8\xff"):
            return "image/jpeg"
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return "image/webp"
        return None


PDF = FileKind("pdf", (".pdf",), "application/pdf")
IMAGE = FileKind("image", (".png", ".jpg", ".jpeg", ".webp"), None)

EXTENSION_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                   ".webp": "image/webp", ".pdf": "application/pdf"}  # fmt: skip


NO_ROOM = _l(
    "The server has no room left for this file. Nothing was saved; please try again later "
    "or tell the organizers."
)
_NO_ROOM_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class UploadError(Exception):
    """The upload is refused; `message` says why, in the reader's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StoredFile(db.Model):
    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Generated name under UPLOAD_DIR ("ab/cd/abcd…"): nothing of the user's name reaches
    # the file system.
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def path(self) -> Path:
        return upload_root() / self.stored_name


def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


_UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}  # controls, bidi overrides, unassigned


def clean_filename(name: str | None) -> str:
    """The name as the person gave it, if it is a plain file name; refused otherwise.

    Path parts, control and bidi-override characters (which can disguise "gpj.exe" as
    "exe.jpg") and names with no letter or digit are refused rather than repaired:
    the person should see what we will show the jury."""
    name = unicodedata.normalize("NFC", (name or "").strip())
    if not name:
        raise UploadError(str(_l("The file has no name.")))
    if "/" in name or "\\" in name or name.startswith(".") or ".." in name:
        raise UploadError(str(_l("The file name must not contain folders.")))
    if any(unicodedata.category(ch) in _UNSAFE_CATEGORIES for ch in name):
        raise UploadError(str(_l("The file name contains characters that are not allowed.")))
    stem, _ = os.path.splitext(name)
    if not any(ch.isalnum() for ch in stem):
        raise UploadError(str(_l("The file name must contain letters or digits.")))
    if len(name) > 200:
        raise UploadError(str(_l("The file name is too long (at most 200 characters).")))
    return name


def store_upload(stream: IO[bytes], filename: str | None, kind: FileKind,
                 uploaded_by_id: int | None) -> StoredFile:  # fmt: skip
    """Check an upload and keep it. The file on disk is removed again if this request's
    transaction is rolled back."""
    name = clean_filename(filename)
    extension = os.path.splitext(name)[1].lower()
    if extension not in kind.extensions:
        raise UploadError(
            str(_l("Only these files are accepted: %(types)s.", types=", ".join(kind.extensions)))
        )
    head = stream.read(16)
    detected = kind.signature_type(head)
    if detected is None or detected != EXTENSION_TYPES[extension]:
        raise UploadError(
            str(
                _l(
                    "The content of the file is not a real %(types)s file.",
                    types="/".join(e.lstrip(".").upper() for e in kind.extensions),
                )
            )  # fmt: skip
        )
    limit = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    digest = hashlib.sha256(head)
    size = len(head)

    def checked_chunks() -> Iterator[bytes]:
        nonlocal size
        yield head
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise UploadError(
                    str(
                        _l(
                            "The file is larger than %(mb)s MB.",
                            mb=current_app.config["MAX_UPLOAD_MB"],
                        )
                    )
                )
            digest.update(chunk)
            yield chunk

    stored_name = _generated_name()
    target = upload_root() / stored_name
    _write_new(target, checked_chunks())
    on_rollback(lambda: target.unlink(missing_ok=True))
    stored = StoredFile(
        stored_name=stored_name,
        original_name=name,
        content_type=detected,
        size=size,
        sha256=digest.hexdigest(),
        uploaded_by_id=uploaded_by_id,
    )
    db.session.add(stored)
    return stored


def keep_bytes(data: bytes, filename: str | None, *, content_type: str, by_id: int) -> StoredFile:
    """Keep a checked upload (a workbook between its preview and its confirmation) under a
    generated name, so the confirmation reads exactly the file that was previewed, never
    values sent back in a form. The file goes again if the request's transaction is not
    committed. Raises UploadError for a name that is not a plain file name, or when the
    disk has no room for it."""
    name = clean_filename(filename)
    stored_name = _generated_name()
    target = upload_root() / stored_name
    _write_new(target, [data])
    on_rollback(lambda: target.unlink(missing_ok=True))
    stored = StoredFile(
        stored_name=stored_name,
        original_name=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=by_id,
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def _write_new(target: Path, chunks: Iterable[bytes]) -> None:
    """Write `target` through a `.part` file renamed into place, so no reader ever finds
    half a file. Whatever stops the write (a refused chunk, a full disk) removes the partial
    file; a full disk or a file-size limit is told to the person as an UploadError, not
    turned into a server error."""
    partial = target.with_suffix(".part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(partial, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        os.replace(partial, target)
    except BaseException as error:
        partial.unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno in _NO_ROOM_ERRORS:
            raise UploadError(str(NO_ROOM)) from error
        raise


def own_upload(upload_id: int, *, by_id: int, content_type: str) -> StoredFile | None:
    """A kept file of this person and this type; None for anyone else's or another kind."""
    stored = db.session.get(StoredFile, upload_id)
    if stored is None or stored.uploaded_by_id != by_id or stored.content_type != content_type:
        return None
    return stored


def kept_bytes(stored: StoredFile) -> bytes | None:
    """The kept file's bytes; None when the file is gone or no longer what was kept."""
    try:
        data = stored.path.read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != stored.sha256:
        return None
    return data


def _generated_name() -> str:
    token = uuid.uuid4().hex
    return f"{token[:2]}/{token[2:4]}/{token}"


def send_stored(stored: StoredFile) -> Response:
    """The file as a download: always an attachment, never rendered by the browser, with
    its original name kept (RFC 6266 filename*)."""
    response = send_file(
        stored.path,
        mimetype=stored.content_type,
        as_attachment=True,
        download_name=stored.original_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
