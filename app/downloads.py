"""Workbooks sent to the browser: always an attachment under its Vietnamese name (Werkzeug
writes RFC 5987 `filename*=UTF-8''…` beside an ASCII fallback), never sniffed, never cached:
an export holds personal data and the state of the moment."""

from __future__ import annotations

from io import BytesIO

from flask import send_file
from werkzeug.wrappers import Response

from app.spreadsheets import XLSX_MIMETYPE


def xlsx_download(content: bytes, name: str) -> Response:
    response = send_file(
        BytesIO(content),
        mimetype=XLSX_MIMETYPE,
        as_attachment=True,
        download_name=name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response
