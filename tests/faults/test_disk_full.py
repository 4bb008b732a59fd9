"""Fault: the upload disk is full. A deck (store_upload) or an import workbook (keep_bytes)
that does not fit is refused with a clear message, and nothing is half-stored: no
StoredFile row, no partial or `.part` file, the entry as it was.

The disk is really full: a small tmpfs mounted as UPLOAD_DIR and filled almost to the
brim. Where mounting is not permitted (not root, or no mount in the container), the kernel's
file-size limit (RLIMIT_FSIZE, with SIGXFSZ ignored) makes the write fail with EFBIG
instead, so the test runs everywhere; the second parameter always uses that limit. The
limit holds for every file of the process, so it is set only while the storage writes the
upload: SQLite's own files and werkzeug's spooled request body are larger than it."""

from __future__ import annotations

import io
import os
import resource
import signal
import subprocess
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import force_locale

from app import storage
from app.storage import NO_ROOM
from tests.app.test_imports_experts import GOOD_ROWS, PAGES, sign_in, world, xlsx  # noqa: F401
from tests.competitions.test_entries import build_world, fresh, post_edit, versions
from tests.factories import MINIMAL_PDF
from tests.helpers import login, snapshot

TMPFS_BYTES = 2 * 1024 * 1024


@dataclass
class FullDisk:
    root: Path  # UPLOAD_DIR
    how: str  # "tmpfs" or "file size limit"
    monkeypatch: pytest.MonkeyPatch
    room: int = 0  # bytes a new file may still take
    filler: Path | None = None

    def fill(self, room: int) -> None:
        """Leave `room` bytes (rounded down to a page on tmpfs) for the next file."""
        self.room = room
        if self.how != "tmpfs":
            return
        self.filler = self.root / "filler.bin"
        stat = os.statvfs(self.root)
        free = stat.f_bavail * stat.f_frsize
        with open(self.filler, "ab") as out:
            out.write(b"\0" * (free - room))
        stat = os.statvfs(self.root)
        assert stat.f_bavail * stat.f_frsize <= room

    @contextmanager
    def enforced(self) -> Iterator[None]:
        """While the requests run: nothing more on a full tmpfs; otherwise every storage
        write runs under the file-size limit."""
        if self.how == "tmpfs":
            yield
            return
        write = storage._write_new

        def limited(target: Path, chunks: Iterable[bytes]) -> None:
            with file_size_limit(self.room):
                write(target, chunks)

        with self.monkeypatch.context() as patch:
            patch.setattr(storage, "_write_new", limited)
            yield

    def files(self) -> list[Path]:
        """Every file under UPLOAD_DIR but the filler."""
        return sorted(p for p in self.root.rglob("*") if p.is_file() and p != self.filler)


@contextmanager
def file_size_limit(size: int) -> Iterator[None]:
    """The process's soft RLIMIT_FSIZE lowered to `size` bytes: a write past it fails with
    EFBIG (SIGXFSZ ignored, so it does not kill the test run). Both are put back after."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)


def _mount_tmpfs(where: Path) -> bool:
    if os.geteuid() != 0:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES}", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@pytest.fixture(params=["tmpfs", "file size limit"])
def full_disk(request, app: Flask, tmp_path: Path, monkeypatch) -> Iterator[FullDisk]:  # noqa: ANN001
    root = tmp_path / "uploads"
    root.mkdir()
    mounted = request.param == "tmpfs" and _mount_tmpfs(root)
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(root))
    try:
        yield FullDisk(root, "tmpfs" if mounted else "file size limit", monkeypatch)
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(root)], check=True)


def _no_room_message() -> str:
    with force_locale("vi"):
        return str(NO_ROOM)


def _deck(size: int) -> bytes:
    """A PDF (by its signature) of `size` bytes. Kept under werkzeug's 500 KB in-memory
    limit for uploads, so the request body needs no temporary file of its own."""
    return (MINIMAL_PDF + b"%" + b"x" * size)[:size]


def test_a_deck_that_does_not_fit_is_refused_and_nothing_is_half_stored(
    app, client, db, factory, full_disk
):
    built = build_world(app, db, factory)  # its entry's first deck is on the disk
    entry = built.entry
    assert login(client, built.accounts["member"].email).status_code == 302
    kept = full_disk.files()
    assert [p.name for p in kept] == [entry.deck.stored_name.rsplit("/", 1)[1]]
    full_disk.fill(128 * 1024)
    before = snapshot(db)
    with full_disk.enforced():
        response = post_edit(
            client,
            entry,
            submit=True,
            summary="Phiên bản hai: thêm cảm biến độ ẩm.",
            deck_file=(io.BytesIO(_deck(400 * 1024)), "Kế hoạch mới.pdf"),
        )
    assert response.status_code == 200
    assert _no_room_message() in response.get_data(as_text=True)
    assert snapshot(db) == before
    assert len(versions(db, fresh(db, entry))) == 1
    assert full_disk.files() == kept

    # A deck that fits is still taken once there is room.
    with full_disk.enforced():
        response = post_edit(
            client,
            fresh(db, entry),
            deck_file=(io.BytesIO(_deck(16 * 1024)), "Kế hoạch gọn.pdf"),
        )
    assert response.status_code == 302
    assert fresh(db, entry).deck.original_name == "Kế hoạch gọn.pdf"


def test_an_import_workbook_that_does_not_fit_is_refused_and_nothing_is_kept(
    app,
    client,
    db,
    world,  # noqa: F811
    full_disk,
):
    sign_in(client, world, "admin", locale="vi")
    data = xlsx(GOOD_ROWS)
    full_disk.fill(len(data) // 2)
    before = snapshot(db)
    with full_disk.enforced():
        response = PAGES.upload(client, data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _no_room_message() in html
    assert 'name="upload_id"' not in html
    assert snapshot(db) == before
    assert full_disk.files() == []
