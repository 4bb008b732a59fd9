"""Text responses leave compressed when the client takes it (Flask-Compress, config.py);
workbooks and streamed responses are sent as they are; ETag and Vary stay true to the bytes
sent. The weight a phone sees is measured in a real browser: tests/e2e/test_page_weight.py."""

from __future__ import annotations

import gzip
import tempfile

import brotli
import pytest
from flask import Flask, Response

from app.people.models import Role
from tests.helpers import login

BOOTSTRAP_CSS = "/bootstrap/static/css/bootstrap.min.css"
TEMPLATE = "/admin/imports/experts/template.xlsx"


def test_a_page_is_gzipped_for_a_client_that_accepts_gzip(client):
    response = client.get("/", headers={"Accept-Encoding": "gzip"})

    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert int(response.headers["Content-Length"]) == len(response.data)
    page = gzip.decompress(response.data)
    assert page.lstrip().lower().startswith(b"<!doctype html>")
    assert len(response.data) < len(page) / 2


def test_a_page_is_sent_plain_to_a_client_that_accepts_no_compression(client):
    response = client.get("/", headers={"Accept-Encoding": "identity"})

    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.data.lstrip().lower().startswith(b"<!doctype html>")


def test_a_browser_that_takes_brotli_gets_brotli(client):
    response = client.get("/", headers={"Accept-Encoding": "gzip, deflate, br, zstd"})

    assert response.headers["Content-Encoding"] == "br"
    assert brotli.decompress(response.data).lstrip().lower().startswith(b"<!doctype html>")


def test_a_stylesheet_is_gzipped_with_an_etag_of_its_own_that_revalidates(client):
    # Closed as a server closes them: the file under a compressed response too.
    with client.get(BOOTSTRAP_CSS, headers={"Accept-Encoding": "identity"}) as plain:
        css = plain.data
    with client.get(BOOTSTRAP_CSS, headers={"Accept-Encoding": "gzip"}) as zipped:
        sent = zipped.data

    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(sent) == css
    assert len(sent) < len(css) / 4
    # Two different byte strings, two validators: a cache never mixes them up.
    assert zipped.headers["ETag"] == plain.headers["ETag"][:-1] + ':gzip"'
    assert "Accept-Encoding" in zipped.headers["Vary"]
    revalidation = {"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}
    with client.get(BOOTSTRAP_CSS, headers=revalidation) as again:
        assert again.status_code == 304
        assert again.data == b""


def test_static_files_are_revalidated_not_cached_for_long_as_their_urls_carry_no_version(client):
    for path in (BOOTSTRAP_CSS, "/static/css/sprout.css", "/static/judging/scoring.js"):
        with client.get(path, headers={"Accept-Encoding": "gzip"}) as response:
            assert response.status_code == 200, path
            assert response.headers["Cache-Control"] == "no-cache", path


@pytest.mark.parametrize("accept", ["gzip", "gzip, deflate, br, zstd"])
def test_an_xlsx_download_is_never_compressed(client, factory, db, accept):
    admin = factory.user("Võ Thị Sáu", roles=(Role.ADMIN,))
    db.session.flush()
    assert login(client, admin.email).status_code == 302

    response = client.get(TEMPLATE, headers={"Accept-Encoding": accept})

    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "Content-Encoding" not in response.headers
    assert response.data.startswith(b"PK")  # the zip an xlsx is, byte for byte


def _app_with_a_stream(**settings: object) -> Flask:
    from app import create_app

    app = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": "sqlite://", "UPLOAD_DIR": tempfile.mkdtemp(), **settings},
    )

    @app.route("/stream")
    def stream() -> Response:
        return Response((f"<p>{n}</p>" * 100 for n in range(20)), mimetype="text/html")

    @app.route("/page")
    def page() -> Response:
        return Response("<p>Sprout</p>" * 200, mimetype="text/html")

    return app


def test_a_streamed_response_is_sent_as_it_is_produced_uncompressed():
    client = _app_with_a_stream().test_client()

    streamed = client.get("/stream", headers={"Accept-Encoding": "gzip"})
    whole = client.get("/page", headers={"Accept-Encoding": "gzip"})

    assert "Content-Encoding" not in streamed.headers
    assert streamed.data == b"".join(f"<p>{n}</p>".encode() * 100 for n in range(20))
    assert whole.headers["Content-Encoding"] == "gzip"


def test_compression_can_be_left_to_a_proxy_in_front():
    client = _app_with_a_stream(COMPRESS_RESPONSES=False).test_client()

    response = client.get("/page", headers={"Accept-Encoding": "gzip"})

    assert "Content-Encoding" not in response.headers
    assert response.data == b"<p>Sprout</p>" * 200
