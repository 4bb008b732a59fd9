"""Entry files: decks and images are checked by their bytes and names, refused uploads leave
nothing behind (no row, no file on disk), and downloads go only to those who may see the
entry, as attachments with their original Vietnamese names."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.storage import StoredFile
from competitions.entries import services
from competitions.models import Entry, EntryImage
from tests.competitions.test_entries import (
    LOGIN,
    World,
    build_world,
    check_access,
    complete,
    entry_page,
    form_data,
    fresh,
    in_request,
    post_edit,
    row,
    stored_pdf,
    versions,
)
from tests.factories import MINIMAL_PDF, MINIMAL_PNG
from tests.helpers import csrf_token, login

# fmt: off
#                                          anon   part  member org   other  admin
ACCESS: dict[str, dict[str, int | str]] = {
    "competitions.entry_file":   row(LOGIN, 404,  200,   200,  404,   200),
}
# fmt: on
POST_ENDPOINTS: set[str] = set()

HTML_AS_PDF = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture()
def world(app, client, db, factory) -> World:  # noqa: ANN001
    return build_world(app, db, factory)


def files_on_disk(app) -> set[Path]:  # noqa: ANN001
    return {path for path in Path(app.config["UPLOAD_DIR"]).rglob("*") if path.is_file()}


def stored_count(db) -> int:  # noqa: ANN001
    return db.session.scalar(select(func.count()).select_from(StoredFile))


class NothingStored:
    """Before/after: no StoredFile row, no file under UPLOAD_DIR, the entry unchanged."""

    def __init__(self, app, db, entry: Entry) -> None:  # noqa: ANN001
        self.app, self.db, self.entry = app, db, entry

    def __enter__(self) -> NothingStored:
        self.db.session.flush()
        self.rows = stored_count(self.db)
        self.disk = files_on_disk(self.app)
        entry = self.entry
        self.state = (entry.lock_version, entry.deck_file_id, [i.id for i in entry.images])
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None:
            return
        assert stored_count(self.db) == self.rows
        assert files_on_disk(self.app) == self.disk
        entry = fresh(self.db, self.entry)
        assert (entry.lock_version, entry.deck_file_id, [i.id for i in entry.images]) == (
            self.state
        )


def test_access_table(app, world):
    check_access(app, world, ACCESS)


# --- downloads ------------------------------------------------------------------------------


def test_the_deck_downloads_as_an_attachment_with_its_vietnamese_name(client, world):
    login(client, world.accounts["member"].email)
    response = client.get(entry_page(world.entry) + f"/files/{world.entry.deck_file_id}")
    assert response.status_code == 200
    assert response.data == MINIMAL_PDF
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('Kế hoạch kinh doanh.pdf')}" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    response.close()


def test_a_file_of_another_entry_is_not_served_through_this_one(app, client, db, factory, world):
    other_team = factory.team(leader=factory.user("Đinh Văn Khác"), name="Nhóm Khác")
    with in_request(app):
        other = complete(
            factory.entry(competition=world.competition, team=other_team),
            stored_pdf(other_team.leader, "Bí mật.pdf"),
        )
    db.session.flush()
    login(client, world.accounts["member"].email)
    assert client.get(entry_page(world.entry) + f"/files/{other.deck_file_id}").status_code == 404
    assert client.get(entry_page(other) + f"/files/{other.deck_file_id}").status_code == 404
    assert client.get(entry_page(world.entry) + "/files/999999").status_code == 404


def test_images_download_and_are_shown_on_the_entry_page(client, db, world):
    login(client, world.accounts["member"].email)
    response = post_edit(
        client, world.entry, new_images=[(io.BytesIO(MINIMAL_PNG), "Ảnh sản phẩm.png")]
    )
    assert response.status_code == 302
    entry = fresh(db, world.entry)
    [image] = entry.images
    url = entry_page(entry) + f"/files/{image.file_id}"
    download = client.get(url)
    assert download.status_code == 200 and download.data == MINIMAL_PNG
    assert download.mimetype == "image/png"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    download.close()
    assert f'src="{url}"' in client.get(entry_page(entry)).get_data(as_text=True)


# --- hostile uploads ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "content", "name"),
    [
        ("deck_file", HTML_AS_PDF, "deck.pdf"),
        ("deck_file", MINIMAL_PDF, "deck.pdf.exe"),
        ("deck_file", MINIMAL_PDF, "../../evil.pdf"),
        ("deck_file", MINIMAL_PDF, "..\\..\\evil.pdf"),
        ("deck_file", MINIMAL_PDF, "\u202egpj.pdf"),
        ("deck_file", MINIMAL_PDF, "🔥🔥.pdf"),
        ("deck_file", MINIMAL_PNG, "slides.pdf"),
        ("new_images", MINIMAL_PDF, "ảnh.png"),
        ("new_images", MINIMAL_PNG, "ảnh.jpg"),
        ("new_images", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "a.svg"),
        ("new_images", HTML_AS_PDF, "ảnh.png"),
    ],
)
def test_a_hostile_upload_is_refused_and_nothing_is_stored(
    app, client, db, world, field, content, name
):
    login(client, world.accounts["member"].email)
    upload = (io.BytesIO(content), name)
    with NothingStored(app, db, world.entry):
        response = post_edit(client, world.entry, summary="Không được lưu", **{field: [upload]})
        assert response.status_code == 200
        assert "invalid-feedback" in response.get_data(as_text=True)
    assert fresh(db, world.entry).summary != "Không được lưu"


def test_an_oversized_deck_is_refused_and_nothing_is_left(app, client, db, world):
    login(client, world.accounts["member"].email)
    big = FileStorage(io.BytesIO(MINIMAL_PDF + b"%" * (1024 * 1024)), "Lớn quá.pdf")
    data = {
        **form_data(world.entry),
        "csrf_token": csrf_token(client, "/competitions/my"),
        "save": "1",
        "deck_file": big,
    }
    # Encoded here: the test client would spool a body this large to a temporary file
    # that it never closes.
    boundary, body = encode_multipart(MultiDict(data))
    limit = app.config["MAX_UPLOAD_MB"]
    app.config["MAX_UPLOAD_MB"] = 1
    try:
        with NothingStored(app, db, world.entry):
            response = client.post(
                entry_page(world.entry) + "/edit",
                data=body,
                content_type=f"multipart/form-data; boundary={boundary}",
            )
            assert response.status_code == 200
            assert "invalid-feedback" in response.get_data(as_text=True)
        assert not list(Path(app.config["UPLOAD_DIR"]).rglob("*.part"))
    finally:
        app.config["MAX_UPLOAD_MB"] = limit


def test_a_request_larger_than_the_limit_is_413_and_nothing_is_stored(app, client, db, world):
    login(client, world.accounts["member"].email)
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 256 * 1024
    try:
        with NothingStored(app, db, world.entry):
            response = post_edit(
                client,
                world.entry,
                deck_file=(io.BytesIO(MINIMAL_PDF + b"%" * (300 * 1024)), "deck.pdf"),
            )
            assert response.status_code == 413
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit


def test_a_request_failing_after_a_file_was_written_leaves_no_orphan(
    app, client, db, world, monkeypatch
):
    """The deck is checked and written first; the image after it is refused: the deck's
    file must go too."""
    written: list[Path] = []
    real_store = services.store_upload

    def recording_store(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        stored = real_store(*args, **kwargs)
        written.append(stored.path)
        assert stored.path.is_file()
        return stored

    monkeypatch.setattr(services, "store_upload", recording_store)
    login(client, world.accounts["member"].email)
    with NothingStored(app, db, world.entry):
        response = post_edit(
            client,
            world.entry,
            deck_file=(io.BytesIO(MINIMAL_PDF), "Bản mới.pdf"),
            new_images=[(io.BytesIO(HTML_AS_PDF), "ảnh.png")],
        )
        assert response.status_code == 200
        assert "invalid-feedback" in response.get_data(as_text=True)
    assert len(written) == 1 and not written[0].exists()


def test_a_form_invalid_in_another_field_stores_no_file(app, client, db, world):
    login(client, world.accounts["member"].email)
    with NothingStored(app, db, world.entry):
        response = post_edit(
            client,
            world.entry,
            video_url="javascript:alert(1)",
            deck_file=(io.BytesIO(MINIMAL_PDF), "Bản mới.pdf"),
            new_images=[(io.BytesIO(MINIMAL_PNG), "ảnh.png")],
        )
        assert response.status_code == 200
        assert "invalid-feedback" in response.get_data(as_text=True)


def test_a_stale_form_with_files_stores_nothing(app, client, db, world):
    login(client, world.accounts["member"].email)
    stale = form_data(world.entry, lock_version=str(world.entry.lock_version - 1))
    token = csrf_token(client, "/competitions/my")
    with NothingStored(app, db, world.entry):
        response = client.post(
            entry_page(world.entry) + "/edit",
            data={
                **stale,
                "csrf_token": token,
                "save": "1",
                "deck_file": (io.BytesIO(MINIMAL_PDF), "deck.pdf"),
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 302


def test_at_most_five_images(app, client, db, world):
    login(client, world.accounts["member"].email)
    four = [(io.BytesIO(MINIMAL_PNG), f"ảnh {i}.png") for i in range(4)]
    assert post_edit(client, world.entry, new_images=four).status_code == 302
    entry = fresh(db, world.entry)
    two = [(io.BytesIO(MINIMAL_PNG), f"thêm {i}.png") for i in range(2)]
    with NothingStored(app, db, entry):
        response = post_edit(client, entry, new_images=two)
        assert response.status_code == 200
        assert "invalid-feedback" in response.get_data(as_text=True)
    # Removing one makes room for one more, in the same save.
    one = [(io.BytesIO(MINIMAL_PNG), "thêm.png")]
    removed = entry.images[0]
    response = post_edit(client, entry, new_images=one, remove_images=[str(removed.id)])
    assert response.status_code == 302
    names = [image.file.original_name for image in fresh(db, entry).images]
    assert names == ["ảnh 1.png", "ảnh 2.png", "ảnh 3.png", "thêm.png"]


# --- replacing and removing -----------------------------------------------------------------


def test_a_removed_or_replaced_file_goes_unless_a_version_keeps_it(app, client, db, world):
    login(client, world.accounts["member"].email)
    entry = world.entry
    versioned_deck = entry.deck
    versioned_path = versioned_deck.path
    # The submitted deck is replaced: version 1 keeps it, downloadable.
    response = post_edit(client, entry, deck_file=(io.BytesIO(MINIMAL_PDF), "Bản 2.pdf"))
    assert response.status_code == 302
    entry = fresh(db, entry)
    assert entry.deck.original_name == "Bản 2.pdf"
    assert versioned_path.is_file()
    assert db.session.get(StoredFile, versions(db, entry)[0].deck_file_id) is not None
    old = client.get(entry_page(entry) + f"/files/{versions(db, entry)[0].deck_file_id}")
    assert old.status_code == 200
    old.close()
    version_page = client.get(entry_page(entry) + "/versions/1").get_data(as_text=True)
    assert "Kế hoạch kinh doanh.pdf" in version_page

    # A deck no version holds is deleted, row and file, when replaced.
    unversioned = entry.deck
    unversioned_id, unversioned_path = unversioned.id, unversioned.path
    response = post_edit(client, entry, deck_file=(io.BytesIO(MINIMAL_PDF), "Bản 3.pdf"))
    assert response.status_code == 302
    assert db.session.get(StoredFile, unversioned_id) is None
    assert not unversioned_path.exists()

    # Same for an image removed before any submission holds it.
    entry = fresh(db, entry)
    post_edit(client, entry, new_images=[(io.BytesIO(MINIMAL_PNG), "ảnh.png")])
    entry = fresh(db, entry)
    [image] = entry.images
    file_id, path = image.file_id, image.file.path
    response = post_edit(client, entry, remove_images=[str(image.id)])
    assert response.status_code == 302
    assert db.session.scalars(select(EntryImage).where(EntryImage.entry_id == entry.id)).all() == []
    assert db.session.get(StoredFile, file_id) is None and not path.exists()
