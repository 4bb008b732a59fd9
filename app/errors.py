"""Error pages in the reader's language, never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    403: (_l("Access denied"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("The page does not exist or has been moved.")),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    413: (
        _l("Request too large"),
        _l("The file or form you sent is larger than the allowed limit."),
    ),
    429: (_l("Too many attempts"), _l("Too many attempts. Please wait a few minutes.")),
    500: (_l("Server error"), _l("Something went wrong on our side. Please try again.")),
    503: (_l("Service unavailable"), _l("The system is busy. Please try again in a moment.")),
}


def render_error(status: int, detail: str | None = None) -> tuple[str, int]:
    title, message = MESSAGES.get(status, MESSAGES[500])
    return render_template(
        "errors/error.html", status=status, title=title, message=detail or message
    ), status


def init_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> tuple[str, int]:
        return render_error(
            400,
            str(
                _l(
                    "The form has expired or is missing its security token. "
                    "Go back, reload the page and send it again."
                )
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        return render_error(error.code or 500)

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> tuple[str, int]:
        log.error("Database error: %s", error)
        return render_error(503)

    @app.errorhandler(InternalServerError)
    def server_error(_error: InternalServerError) -> tuple[str, int]:
        return render_error(500)
