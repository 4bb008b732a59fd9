"""Who the judging tests sign in as, and what they expect back: the usual roles and their
accounts around a built world (`Setting`), signing in, reading an answer as a status or the
login redirect, the access check each topic module runs over its `ACCESS` declaration, and
the flashed messages of a page. Each module keeps its own `ACCESS` and `POST_ENDPOINTS`
(tests/access_coverage.py reads them there).

A module with other roles (a team member, a second judge, a judge off the panel) adds them
to `ROLES`, `accounts()` and its own answers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.db import db
from app.people.models import Role, User
from judging.models import RoundEntry
from tests.factories import Factory
from tests.helpers import login
from tests.judging import world as w

ROLES = ("anonymous", "participant", "judge", "organizer", "other_organizer", "admin")
LOGIN = "login"  # a redirect to the login page

# fmt: off
#                  anonymous participant judge organizer other_organizer admin
ORGANIZERS_ONLY = dict(zip(ROLES, (LOGIN, 403, 403, 200, 403, 200), strict=True))
# fmt: on

# A flashed message (and any other plain alert): its kind and its text.
FLASH = re.compile(r'<div class="alert alert-(\w+)" role="alert">(.*?)</div>', re.S)


@dataclass
class Setting:
    """A built world and an account per role; modules add what their tests need."""

    world: w.World
    accounts: dict[str, User]

    @property
    def round_id(self) -> int:
        return self.world.round.id

    @property
    def judges(self) -> list[User]:
        return self.world.judges

    @property
    def entries(self) -> list[RoundEntry]:
        return self.world.entries


def accounts(
    factory: Factory, world: w.World, *, elsewhere: str = "Tỉnh Khác", **chosen: User
) -> dict[str, User]:
    """An account per role (but "anonymous"): the world's organizer and first judge, a
    participant, an organizer of another unit (`elsewhere`), an administrator. `chosen`
    accounts replace the usual ones or add roles of the module's own."""
    other_unit = factory.unit(name=elsewhere)
    made = dict(chosen)
    if "participant" not in made:
        made["participant"] = factory.user("Phạm Văn Chiến", roles=(Role.PARTICIPANT,))
    if "judge" not in made:
        made["judge"] = world.judges[0]
    made.setdefault("organizer", world.organizer)
    if "other_organizer" not in made:
        made["other_organizer"] = factory.user(
            "Hoàng Thị Dung", roles=(Role.ORGANIZER,), organizer_of=other_unit
        )
    if "admin" not in made:
        made["admin"] = factory.user("Võ Thị Sáu", roles=(Role.ADMIN,))
    return made


def sign_in_as(client: FlaskClient, user: User | None, locale: str = "en") -> None:
    """Log `user` in, reading the pages in English; None stays anonymous.

    The assertions quote the English message ids; tests/app/test_i18n.py proves every one has
    its Vietnamese translation, and the modules that check Vietnamese text sign in their own way."""
    if user is not None:
        user.locale = locale
        db.session.flush()
        assert login(client, user.email).status_code == 302


def sign_in(
    client: FlaskClient,
    people: Mapping[str, User | None],
    role: str = "organizer",
    locale: str = "en",
) -> None:
    """Log in as `role`'s account of `people`; "anonymous" stays signed out."""
    if role != "anonymous":
        sign_in_as(client, people[role], locale)


def answer(response: TestResponse) -> int | str:
    """The status code, or LOGIN for a redirect to the login page."""
    if response.status_code == 302 and "/auth/login" in response.headers["Location"]:
        return LOGIN
    return response.status_code


def refusal(role: str) -> int | str:
    """What a page that is not `role`'s answers: the login page if signed out, else 403."""
    return LOGIN if role == "anonymous" else 403


def assert_access(
    client: FlaskClient,
    people: Mapping[str, User | None],
    role: str,
    urls: Mapping[str, str],
    access: Mapping[str, Mapping[str, int | str]],
) -> None:
    """Signed in as `role`, each endpoint of `access` (at its sample URL in `urls`) answers
    what `access` expects for the role."""
    sign_in(client, people, role)
    wrong = {}
    for endpoint, answers in access.items():
        response = client.get(urls[endpoint])
        got = answer(response)
        response.close()
        if got != answers[role]:
            wrong[endpoint] = f"expected {answers[role]}, got {got}"
    assert wrong == {}
