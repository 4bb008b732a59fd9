"""`next=` redirects stay on this site."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for


def safe_next(target: str | None, default_endpoint: str = "main.dashboard") -> str:
    """A path on this site, or the default page. Refuses absolute URLs, scheme-relative
    `//host`, backslash tricks browsers read as `//`, and control characters."""
    if not target:
        return url_for(default_endpoint)
    target = target.strip()
    if (
        not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in target)
    ):
        return url_for(default_endpoint)
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return url_for(default_endpoint)
    return target
