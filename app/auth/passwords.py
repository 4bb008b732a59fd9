"""Password hashing (argon2id) and the password policy.

Policy after ASVS 6.2: at least 8 characters, long passphrases and any Unicode
allowed, no composition rules, and the 30,000 most common passwords refused (the
list zxcvbn ships) plus a few that Vietnamese users favour.
"""

from __future__ import annotations

import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 8
MAX_LENGTH = 256

_VIETNAMESE_COMMON = {
    "matkhau",
    "matkhau1",
    "matkhau123",
    "anhyeuem",
    "anhyeuem1",
    "emyeuanh",
    "yeuemnhieu",
    "vietnam",
    "vietnam1",
    "vietnam123",
    "12345678a",
    "123456789a",
    "khoinghiep",
    "sprout123",
}
_COMMON = frozenset(FREQUENCY_LISTS["passwords"]) | _VIETNAMESE_COMMON


def normalise(password: str) -> str:
    """The same passphrase typed on a phone and on a laptop may arrive composed
    differently; NFC makes them one."""
    return unicodedata.normalize("NFC", password)


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why a new password is refused, or None. Messages are msgids for gettext."""
    password = normalise(password)
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    lowered = password.lower()
    if lowered in _COMMON or lowered.strip("0123456789!.@#") in _COMMON and len(lowered) < 12:
        return "common"
    personal = {email.lower(), email.split("@")[0].lower(), name.lower().replace(" ", "")}
    if lowered in personal - {""}:
        return "personal"
    return None


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST_KIB"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(normalise(password))


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        # Same work as a real check, so a missing account does not answer faster.
        _hasher().hash(normalise(password))
        return False
    try:
        return _hasher().verify(stored_hash, normalise(password))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


# For the command line, which runs without a request language.
PASSWORD_MESSAGES_EN = {
    "too_short": f"The password must have at least {MIN_LENGTH} characters.",
    "too_long": f"The password must have at most {MAX_LENGTH} characters.",
    "common": "This password is too common and easy to guess.",
    "personal": "The password must not be the email address or the name.",
}
