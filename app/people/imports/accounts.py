"""Accounts made by an import, many at once.

The same rows and activation emails as app.people.services.create_account writes for one
person, written in a few statements for all: an import of 2,000 participants through
create_account one by one flushes some 8,000 times and takes about ten seconds, this about
one and a half. Each new owner gets the same email as from
app.auth.services.send_activation, with a single-use, expiring link, queued in the outbox
in the same transaction."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, inspect

from app import audit
from app.auth.models import AccountToken, TokenPurpose, token_digest
from app.db import db, utcnow
from app.links import external_url
from app.mail.outbox import queue_mails, render_mail
from app.people.models import RoleGrant, User


@dataclass(frozen=True)
class NewPerson:
    full_name: str
    email: str  # normalised, and known to be free
    phone: str | None = None


def create_accounts(people: Sequence[NewPerson], role: str, *, by: User) -> list[User]:
    """Accounts without a password holding `role` (not the organizer role, which needs a
    unit), each owner emailed a link to set one. Emails must be known to be free: the
    unique index refuses a taken one, and the request fails."""
    if not people:
        return []
    values = [
        column_values(User(full_name=p.full_name, email=p.email, phone=p.phone or None))
        for p in people
    ]
    users = list(
        db.session.scalars(insert(User).returning(User, sort_by_parameter_order=True), values)
    )
    db.session.execute(
        insert(RoleGrant),
        [{"user_id": user.id, "role": role, "granted_by_id": by.id} for user in users],
    )
    # One event per account: its creation, naming the role it was made with (the grant
    # has no history of its own yet). Half the rows of create_account's two events.
    audit.record_many(
        "user.create", [(u, {"email": u.email, "roles": [role]}) for u in users], actor=by
    )
    _send_activations(users)
    db.session.flush()
    return users


def grant_missing_role(users: Sequence[User], role: str, *, by: User) -> int:
    """Give `role` (not the organizer role) to those of `users` who lack it; how many."""
    lacking = [user for user in users if role not in user.role_names()]
    for user in lacking:
        user.roles.append(RoleGrant(role=role, granted_by_id=by.id))
    db.session.flush()
    for user in lacking:
        audit.record("role.grant", user, new={"role": role, "unit_id": None}, actor=by)
    return len(lacking)


def column_values(row: object) -> dict:
    """The columns a new (transient) model object was given, derived ones included, for a
    bulk insert: the model's validators have filled in what they derive (a User's folded
    and sortable names, its normalised email)."""
    state = inspect(row)
    return {
        attr.key: state.dict[attr.key]
        for attr in state.mapper.column_attrs
        if attr.key in state.dict
    }


def _send_activations(users: Sequence[User]) -> None:
    """send_activation for people who have just been created: no earlier link of theirs
    needs revoking, so the tokens are inserted at once instead of one UPDATE each."""
    expires_at = utcnow() + current_app.config["ACTIVATION_TOKEN_TTL"]
    tokens, mails = [], []
    for user in users:
        token = secrets.token_urlsafe(32)
        tokens.append(
            {
                "user_id": user.id,
                "purpose": TokenPurpose.ACTIVATE.value,
                "token_hash": token_digest(token),
                "expires_at": expires_at,
            }
        )
        mails.append(
            render_mail(
                user.email,
                _l("Your Sprout account is ready: set your password"),
                "mail/activate",
                locale=user.locale,
                user_id=user.id,
                user=user,
                link=external_url("auth.activate", token=token),
            )
        )
    db.session.execute(insert(AccountToken), tokens)
    queue_mails(mails)
