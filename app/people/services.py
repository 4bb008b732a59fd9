"""Writes about people: profiles, accounts made by admins, roles, disabling."""

from __future__ import annotations

from sqlalchemy import select

from app import audit
from app.auth.services import AccountError, email_taken, send_activation
from app.auth.sessions import revoke_all_sessions
from app.db import db, utcnow
from app.people.models import Role, RoleGrant, User
from app.units.models import Unit


def update_profile(
    user: User, *, full_name: str, phone: str | None, title: str | None, locale: str
) -> None:
    old = {"full_name": user.full_name, "phone": user.phone, "title": user.title}
    user.full_name = full_name
    user.phone = phone or None
    user.title = title or None
    user.locale = locale if locale in ("vi", "en") else "vi"
    new = {"full_name": user.full_name, "phone": user.phone, "title": user.title}
    if old != new:
        audit.record("user.profile", user, old=old, new=new)


def create_account(
    *,
    full_name: str,
    email: str,
    roles: list[str],
    organizer_unit: Unit | None = None,
    unit: Unit | None = None,
    phone: str | None = None,
    actor: User | None = None,
) -> User:
    """An account made for someone; its owner sets a password through the emailed link."""
    if email_taken(email):
        raise AccountError("duplicate_email")
    user = User(full_name=full_name, email=email, phone=phone or None, unit=unit)
    db.session.add(user)
    db.session.flush()
    for role in roles:
        grant_role(user, role, organizer_unit if role == Role.ORGANIZER else None, actor=actor)
    audit.record("user.create", user, new={"email": user.email, "roles": roles}, actor=actor)
    send_activation(user)
    return user


def grant_role(
    user: User, role: str, unit: Unit | None = None, *, actor: User | None = None
) -> bool:
    """Give a role; False when the person already holds it (nothing changes)."""
    if role not in {r.value for r in Role}:
        raise ValueError(role)
    if (role == Role.ORGANIZER) != (unit is not None):
        raise AccountError("organizer_needs_unit")
    unit_id = unit.id if unit is not None else None
    if any(g.role == role and g.unit_id == unit_id for g in user.roles):
        return False
    user.roles.append(RoleGrant(role=role, unit=unit, granted_by_id=actor.id if actor else None))
    db.session.flush()
    audit.record("role.grant", user, new={"role": role, "unit_id": unit_id}, actor=actor)
    return True


def revoke_role(user: User, grant_id: int, *, actor: User) -> None:
    grant = next((g for g in user.roles if g.id == grant_id), None)
    if grant is None:
        raise AccountError("no_such_role")
    if grant.role == Role.ADMIN and user.id == actor.id:
        raise AccountError("cannot_remove_own_admin")
    if grant.role == Role.ADMIN and count_admins() <= 1:
        raise AccountError("last_admin")
    user.roles.remove(grant)
    audit.record(
        "role.revoke", user, old={"role": grant.role, "unit_id": grant.unit_id}, actor=actor
    )


def count_admins() -> int:
    active = (
        select(RoleGrant.user_id)
        .join(User)
        .where(RoleGrant.role == Role.ADMIN, User.disabled_at.is_(None))
    )
    return len(db.session.scalars(active).all())


def disable_user(user: User, *, actor: User) -> None:
    """The account can no longer sign in, and every session it has ends now."""
    if user.id == actor.id:
        raise AccountError("cannot_disable_self")
    if user.disabled_at is None:
        user.disabled_at = utcnow()
        revoked = revoke_all_sessions(user)
        audit.record("user.disable", user, new={"sessions_revoked": revoked}, actor=actor)


def enable_user(user: User, *, actor: User) -> None:
    if user.disabled_at is not None:
        user.disabled_at = None
        audit.record("user.enable", user, actor=actor)


def create_admin_account(*, full_name: str, email: str, password: str) -> User:
    """An administrator made from the command line: the operator typed the password."""
    from app.auth.passwords import hash_password

    user = User(full_name=full_name, email=email, password_hash=hash_password(password))
    user.email_verified_at = utcnow()
    db.session.add(user)
    db.session.flush()
    grant_role(user, Role.ADMIN)
    audit.record("user.create_admin", user, new={"email": user.email})
    return user
