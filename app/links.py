"""Full addresses for links in emails, inside a request or outside one (commands, the
demo seed, the mail worker), and the current page's address with some of its query changed."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for


def external_url(endpoint: str, **values: Any) -> str:
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    site = urlsplit(current_app.config["SITE_URL"])
    adapter = current_app.url_map.bind(
        site.netloc, script_name=site.path or "/", url_scheme=site.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)


def this_page(**changes: Any) -> str:
    """The current page's address with its query string changed by `changes` (None drops
    a key), for pagers and filter links. Keys of the path and url_for's own options
    ("_external", "_scheme"…) typed into the query are ignored rather than passed on."""
    path_args = request.view_args or {}
    query = {
        key: value
        for key, value in request.args.items()
        if not key.startswith("_") and key not in path_args
    }
    query.update(changes)
    kept = {key: value for key, value in query.items() if value is not None}
    return url_for(request.endpoint, **path_args, **kept)
