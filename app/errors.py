"""Error pages in the reader's language, never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, current_app, render_template, session
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.db import db

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

# What the 503 page tells clients: the database restarts in seconds, a minute covers it.
RETRY_AFTER_SECONDS = 60


def render_error(status: int, detail: str | None = None) -> tuple[str, int]:
    title, message = MESSAGES.get(status, MESSAGES[500])
    return render_template(
        "errors/error.html", status=status, title=title, message=detail or message
    ), status


def database_unavailable(error: BaseException | None) -> bool:
    """The database cannot be reached or dropped the connection (restarting, shutting
    down, network): an outage to wait out, not a bug in the request."""
    return isinstance(error, OperationalError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )


def _reader_locale() -> str:
    """The request's language if it can be told without the database: the one already
    chosen, or the account's if it is loaded, else the session's choice."""
    try:
        return str(get_locale())
    except SQLAlchemyError:
        chosen = session.get("lang")
        return chosen if chosen in current_app.config["LANGUAGES"] else "vi"


def render_unavailable(error: BaseException) -> tuple[str, int, dict[str, str]]:
    """The 503 page, made without touching the database.

    The session is closed, which ends the transaction too, and the user is anonymous for
    the rest of the request, so that nothing after this reads the database."""
    log.error("Database unavailable: %s", error)
    locale = _reader_locale()
    try:
        db.session.close()
    except SQLAlchemyError:
        log.exception("Closing the session after a database error failed")
    # Anonymous for the rest of this request, loaded or not: once the session is closed a
    # loaded user is detached, and the after-request hooks (security headers) would reload
    # it from the database that is gone.
    current_app.login_manager._update_request_context_with_user()
    with force_locale(locale):
        html = render_template("errors/unavailable.html", locale=locale)
    return html, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}


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

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError) -> tuple[str, int, dict[str, str]]:
        if not database_unavailable(error):
            raise error  # a real bug (an integrity error...): the 500 path logs it
        return render_unavailable(error)

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError) -> tuple[str, int] | tuple[str, int, dict]:
        # The request's commit runs after the view, outside the handlers above: a
        # database that goes away at that moment arrives here.
        if database_unavailable(error.original_exception):
            return render_unavailable(error.original_exception)
        return render_error(500)
