"""Every endpoint of a feature has an expected answer in one of its topic test modules.

Each tests/<feature>/test_*.py module that adds endpoints declares `ACCESS` (GET endpoints →
expected answer per role, checked by that module) and `POST_ENDPOINTS`; together they must
cover exactly the feature's endpoints of the URL map."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from flask import Flask


def _declared(package: ModuleType, skip: str) -> tuple[set[str], set[str]]:
    get_endpoints: set[str] = set()
    post_endpoints: set[str] = set()
    for module_info in pkgutil.iter_modules(package.__path__):
        if not module_info.name.startswith("test_") or module_info.name == skip:
            continue
        module = importlib.import_module(f"{package.__name__}.{module_info.name}")
        get_endpoints |= set(getattr(module, "ACCESS", {}))
        post_endpoints |= set(getattr(module, "POST_ENDPOINTS", set()))
    return get_endpoints, post_endpoints


def assert_every_endpoint_declared(app: Flask, blueprint: str, package: ModuleType) -> None:
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith(f"{blueprint}.")]
    get_endpoints = {r.endpoint for r in rules if "GET" in r.methods}
    post_only = {r.endpoint for r in rules if "GET" not in r.methods}
    declared_get, declared_post = _declared(package, skip="test_access_coverage")
    # A test package may hold the modules of more than one blueprint (tests/accelerator holds
    # the programme's): each blueprint's check reads only its own endpoints.
    declared_get = {e for e in declared_get if e.startswith(f"{blueprint}.")}
    declared_post = {e for e in declared_post if e.startswith(f"{blueprint}.")}
    assert declared_get == get_endpoints, (
        f"without ACCESS: {sorted(get_endpoints - declared_get)}; "
        f"declared but absent: {sorted(declared_get - get_endpoints)}"
    )
    assert declared_post == post_only, (
        f"without POST_ENDPOINTS: {sorted(post_only - declared_post)}; "
        f"declared but absent: {sorted(declared_post - post_only)}"
    )
