"""Small helpers the tests share."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.factories import DEFAULT_PASSWORD

CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form on `path`, as a browser would read it."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def post_form(
    client: FlaskClient, path: str, data: dict, *, form_page: str | None = None, **kwargs
):  # noqa: ANN003, ANN201
    """POST like a browser: fetch the page first to get its CSRF token."""
    token = csrf_token(client, form_page or path)
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)


def login(
    client: FlaskClient, email: str, password: str = DEFAULT_PASSWORD, remember: bool = False
):  # noqa: ANN201
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return post_form(client, "/auth/login", data)


def snapshot(db) -> dict[str, list[tuple]]:  # noqa: ANN001
    """Every row of every table, in a stable order: compared before and after a refused
    request to prove that nothing changed."""
    from sqlalchemy import select

    return {
        table.name: [
            tuple(r) for r in db.session.execute(select(table).order_by(*table.primary_key.columns))
        ]
        for table in db.metadata.sorted_tables
    }
