"""Security headers on every response, error pages included; form size limits."""

from __future__ import annotations

import io
from typing import IO, Any

from flask import Flask, Request, Response, request
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def init_security_headers(app: Flask) -> None:
    @app.after_request
    def set_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=()"
        if app.config["SESSION_COOKIE_SECURE"]:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        # What a signed-in person sees (score sheets, lists of people) is never cached.
        is_static = request.endpoint is not None and request.endpoint.endswith("static")
        if not is_static and (current_user.is_authenticated or request.method != "GET"):
            headers["Cache-Control"] = "no-store"
        return response


class _LimitedFormDataParser(FormDataParser):
    """Werkzeug applies MAX_FORM_PARTS and MAX_FORM_MEMORY_SIZE to multipart bodies only,
    so a urlencoded body could be as large as MAX_CONTENT_LENGTH: 25 MB of "a=&" took
    17 s and 1.3 GB to parse. A urlencoded form gets the same limits here (413)."""

    def _parse_urlencoded(
        self, stream: IO[bytes], mimetype: str, content_length: int | None, options: Any
    ) -> Any:
        limit = self.max_form_memory_size
        if limit is not None and content_length is not None and content_length > limit:
            raise RequestEntityTooLarge()
        body = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(body) > limit:
            raise RequestEntityTooLarge()
        if self.max_form_parts is not None and body.count(b"&") + 1 > self.max_form_parts:
            raise RequestEntityTooLarge()
        _, form, files = super()._parse_urlencoded(
            io.BytesIO(body), mimetype, content_length, options
        )
        return stream, form, files


class LimitedFormRequest(Request):
    form_data_parser_class = _LimitedFormDataParser
