"""Access rules. Every view declares one (a test walks the URL map to prove it):

- `@public`: anyone, signed in or not;
- `@login_required`: any signed-in, active, verified account;
- `@roles_required(...)`: signed in and holding one of the roles;
- `@object_check`: signed in, and the view checks the object itself with a model
  method such as `unit.can_edit(user)`, answering 404/403 itself.

Object rules live on the models; these decorators are the global gates.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from flask_login import login_required as _flask_login_required

F = TypeVar("F", bound=Callable[..., Any])


def _declare(view: Any, rule: str) -> None:
    view.access_rules = (*getattr(view, "access_rules", ()), rule)


def declared_rules(endpoint: str, view: Any) -> tuple[str, ...]:
    """The rules a view declared; static files are public by nature."""
    if endpoint == "static" or endpoint.endswith(".static"):
        return ("public",)
    return getattr(view, "access_rules", ())


def public(view: F) -> F:
    _declare(view, "public")
    return view


def login_required(view: F) -> F:
    wrapped = _flask_login_required(view)
    _declare(wrapped, "login")
    return wrapped  # type: ignore[return-value]


def roles_required(*roles: str) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        _declare(wrapper, "role:" + ",".join(roles))
        return login_required(wrapper)  # type: ignore[arg-type]

    return decorator


def object_check(view: F) -> F:
    """The view loads its object and checks it with the object's own rule."""
    _declare(view, "object")
    return login_required(view)


def require(allowed: bool, status: int = 403) -> None:
    """Stop the request unless `allowed`: 403 by default, 404 where the object's very
    existence must not be revealed."""
    if not allowed:
        abort(status)
