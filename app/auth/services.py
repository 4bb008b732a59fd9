"""What accounts do. Each function changes the session and flushes; the request commits."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import audit
from app.auth.models import TokenPurpose
from app.auth.passwords import hash_password, needs_rehash, verify_password
from app.auth.sessions import revoke_all_sessions, start_session
from app.auth.throttle import clear_failures, is_throttled, record_failure
from app.auth.tokens import consume_token, issue_token
from app.db import db, utcnow
from app.links import external_url
from app.mail.outbox import queue_mail
from app.people.models import Role, RoleGrant, User, normalise_email


class AccountError(Exception):
    """A request the account rules refuse; `reason` says which rule."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def email_taken(email: str) -> bool:
    return find_user(email) is not None


def register(
    full_name: str, email: str, password: str, phone: str | None = None, locale: str = "vi"
) -> User:
    """A new participant account, usable once the emailed link is followed; it keeps the
    language the person registered in."""
    if email_taken(email):
        raise AccountError("duplicate_email")
    user = User(
        full_name=full_name,
        email=email,
        phone=phone or None,
        locale=locale if locale in ("vi", "en") else "vi",
    )
    user.password_hash = hash_password(password)
    user.roles.append(RoleGrant(role=Role.PARTICIPANT))
    db.session.add(user)
    db.session.flush()
    audit.record("user.register", user, new={"email": user.email}, actor=user)
    send_verification(user)
    return user


def send_verification(user: User) -> None:
    token = issue_token(user, TokenPurpose.VERIFY_EMAIL)
    queue_mail(
        user.email,
        _l("Confirm your email address for Sprout"),
        "mail/verify_email",
        locale=user.locale,
        user_id=user.id,
        user=user,
        link=external_url("auth.verify_email", token=token),
    )


def send_activation(user: User) -> None:
    """An account created for someone (by an admin or an import) starts with no
    password; the emailed link lets its owner set one."""
    token = issue_token(user, TokenPurpose.ACTIVATE)
    queue_mail(
        user.email,
        _l("Your Sprout account is ready: set your password"),
        "mail/activate",
        locale=user.locale,
        user_id=user.id,
        user=user,
        link=external_url("auth.activate", token=token),
    )


def verify_email(token: str) -> User:
    user = consume_token(token, TokenPurpose.VERIFY_EMAIL)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    audit.record("user.verify_email", user, actor=user)
    return user


def sign_in(email: str, password: str, ip: str, *, remember: bool) -> User:
    email = normalise_email(email)
    if is_throttled(email, ip):
        raise AccountError("throttled")
    user = find_user(email)
    if user is None or not verify_password(user.password_hash, password):
        record_failure(email, ip)
        audit.record("login.failed", new={"email": email}, actor=user)
        raise AccountError("invalid")
    if not user.is_active:
        audit.record("login.refused_disabled", user, actor=user)
        raise AccountError("disabled")
    if not user.is_verified:
        raise AccountError("unverified")
    if needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(password)
    clear_failures(email)
    start_session(user, remember=remember)
    audit.record("login", user, new={"remember": remember}, actor=user)
    return user


def request_password_reset(email: str) -> None:
    """Send a reset link if the account exists; the answer never says whether it does."""
    user = find_user(email)
    if user is None or not user.is_active:
        return
    token = issue_token(user, TokenPurpose.RESET_PASSWORD)
    queue_mail(
        user.email,
        _l("Reset your Sprout password"),
        "mail/reset_password",
        locale=user.locale,
        user_id=user.id,
        user=user,
        link=external_url("auth.reset_password", token=token),
    )
    audit.record("password.reset_requested", user, actor=user)


def _set_password(user: User, password: str, action: str) -> None:
    user.password_hash = hash_password(password)
    # Following an emailed link proves the address.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    revoked = revoke_all_sessions(user)
    audit.record(action, user, new={"sessions_revoked": revoked}, actor=user)


def reset_password(token: str, password: str) -> User:
    user = consume_token(token, TokenPurpose.RESET_PASSWORD)
    if not user.is_active:
        raise AccountError("disabled")
    _set_password(user, password, "password.reset")
    return user


def activate(token: str, password: str) -> User:
    user = consume_token(token, TokenPurpose.ACTIVATE)
    if not user.is_active:
        raise AccountError("disabled")
    _set_password(user, password, "account.activate")
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Every session of the account ends, this browser's too; it gets a fresh one."""
    if not verify_password(user.password_hash, current):
        raise AccountError("wrong_password")
    remember = bool(user.current_session and user.current_session.remember)
    _set_password(user, new, "password.change")
    start_session(user, remember=remember)


ACCOUNT_MESSAGES = {
    "duplicate_email": _l(
        "An account with this email already exists. Sign in or reset the password."
    ),
    "invalid": _l("Wrong email or password."),
    "throttled": _l("Too many failed sign-in attempts. Wait 15 minutes or reset your password."),
    "disabled": _l("This account has been disabled. Contact the organizers."),
    "unverified": _l(
        "Confirm your email address first: follow the link we sent you. "
        "You can ask for a new link below."
    ),
    "wrong_password": _l("The current password is not correct."),
    "organizer_needs_unit": _l("An organizer must be given the unit they organise for."),
    "no_such_role": _l("This person does not hold that role."),
    "cannot_remove_own_admin": _l("You cannot remove your own administrator role."),
    "last_admin": _l("The last administrator cannot lose the role."),
    "cannot_disable_self": _l("You cannot disable your own account."),
}

TOKEN_MESSAGES = {
    "invalid": _l("This link is not valid. Check that you copied all of it."),
    "used": _l("This link has already been used. Ask for a new one if you need it."),
    "expired": _l("This link has expired. Ask for a new one."),
}
