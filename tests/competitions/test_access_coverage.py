"""Every competitions endpoint has an expected answer in one topic's test module.

Each tests/competitions/test_*.py module that adds endpoints declares `ACCESS` (GET
endpoints → expected answer per role, checked by that module) and `POST_ENDPOINTS`;
together they must cover exactly the competitions endpoints of the URL map."""

from __future__ import annotations

import importlib
import pkgutil

import tests.competitions as package


def _declared() -> tuple[set[str], set[str]]:
    get_endpoints: set[str] = set()
    post_endpoints: set[str] = set()
    for module_info in pkgutil.iter_modules(package.__path__):
        if (
            not module_info.name.startswith("test_")
            or module_info.name == __name__.rsplit(".", 1)[-1]
        ):
            continue
        module = importlib.import_module(f"{package.__name__}.{module_info.name}")
        get_endpoints |= set(getattr(module, "ACCESS", {}))
        post_endpoints |= set(getattr(module, "POST_ENDPOINTS", set()))
    return get_endpoints, post_endpoints


def test_every_competitions_endpoint_has_an_expected_answer(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("competitions.")]
    get_endpoints = {r.endpoint for r in rules if "GET" in r.methods}
    post_only = {r.endpoint for r in rules if "GET" not in r.methods}
    declared_get, declared_post = _declared()
    assert declared_get == get_endpoints, (
        f"without ACCESS: {sorted(get_endpoints - declared_get)}; "
        f"declared but absent: {sorted(declared_get - get_endpoints)}"
    )
    assert declared_post == post_only, (
        f"without POST_ENDPOINTS: {sorted(post_only - declared_post)}; "
        f"declared but absent: {sorted(declared_post - post_only)}"
    )
