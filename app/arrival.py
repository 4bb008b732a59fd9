"""When a request reached the site: the moment a deadline judges it by.

A 20 MB deck takes minutes to upload on a weak phone signal, and at a deadline requests wait
for a free worker: a student who pressed "Submit" at 16:59:50 must not read "too late"
because the server got round to the file at 17:00:05. So the clock is read as the request
enters the application, before anything reads its body (a WSGI middleware, ahead of the
CSRF check that parses the form). Behind a proxy that stamps when it received the request
(nginx: `proxy_set_header X-Request-Start "t=${msec}";`), the stamp is used, so the time
spent queueing for a worker counts as well. The stamp is read only when REQUEST_START_HEADER
is set — the proxy then overwrites whatever a client sent — and it is never taken as later
than now nor earlier than MAX_QUEUE before it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, has_request_context, request

from app.db import utcnow

ENVIRON_KEY = "sprout.arrived_at"
# Longer than any queue a working server has; a stamp older than this is a wrong clock.
MAX_QUEUE = timedelta(minutes=5)


def proxy_stamp(value: str | None, now: datetime) -> datetime | None:
    """The moment in an X-Request-Start header ("t=1764205199.123", seconds, or the same in
    milliseconds or microseconds), kept within [now - MAX_QUEUE, now]; None if unreadable."""
    text = (value or "").strip().removeprefix("t=")
    try:
        number = float(text)
    except ValueError:
        return None
    if not math.isfinite(number) or number <= 0:
        return None
    while number > 1e11:  # milliseconds or microseconds since the epoch
        number /= 1000
    try:
        stamp = datetime.fromtimestamp(number, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return min(max(stamp, now - MAX_QUEUE), now)


class ArrivalClock:
    """WSGI middleware noting in the environ when each request entered the application."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], *, trust_header: bool) -> None:
        self.wsgi_app = wsgi_app
        self.trust_header = trust_header

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        now = utcnow()
        stamped = (
            proxy_stamp(environ.get("HTTP_X_REQUEST_START"), now) if self.trust_header else None
        )
        environ[ENVIRON_KEY] = stamped or now
        return self.wsgi_app(environ, start_response)


def init_arrival_clock(app: Flask) -> None:
    app.wsgi_app = ArrivalClock(  # type: ignore[method-assign]
        app.wsgi_app, trust_header=app.config["REQUEST_START_HEADER"]
    )


def arrived_at() -> datetime:
    """When the current request reached the site (now, outside a request)."""
    if has_request_context():
        noted = request.environ.get(ENVIRON_KEY)
        if noted is not None:
            return noted
    return utcnow()
