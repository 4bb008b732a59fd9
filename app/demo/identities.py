"""Made-up Vietnamese people: full names, unique emails and phone numbers.

Pure Python over a `random.Random`, so the same seed gives the same people (and benchmarks
can make thousands without a database).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from app.demo.names import (
    COMPOUND_MIDDLE_NAMES,
    COMPOUND_MIDDLE_SHARE,
    FAMILY_NAMES,
    GIVEN_NAMES,
    MIDDLE_NAMES,
    PHONE_PREFIXES,
)
from app.vietnamese import fold

GENDERS = ("male", "female")


@dataclass(frozen=True)
class Identity:
    full_name: str
    email: str
    phone: str


class IdentityMaker:
    """Makes people whose emails and phones never repeat (nor clash with `reserved`)."""

    def __init__(self, rng: random.Random, reserved_emails: set[str] | None = None) -> None:
        self.rng = rng
        self.emails: set[str] = set(reserved_emails or ())
        self.phones: set[str] = set()
        # Each person's gender by email, for the details members record about themselves.
        self.genders: dict[str, str] = {}

    def person(self, generation: str, domain: str, gender: str | None = None) -> Identity:
        """`generation` is "young" (students) or "older" (working experts)."""
        gender = gender or self.rng.choice(GENDERS)
        full_name = self.full_name(gender, generation)
        identity = Identity(full_name, self.email(full_name, domain), self.phone())
        self.genders[identity.email] = gender
        return identity

    def full_name(self, gender: str, generation: str) -> str:
        rng = self.rng
        family = _weighted(rng, FAMILY_NAMES)
        if rng.random() < COMPOUND_MIDDLE_SHARE[(gender, generation)]:
            middle = _weighted(rng, COMPOUND_MIDDLE_NAMES[(gender, generation)])
        else:
            middle = _weighted(rng, MIDDLE_NAMES[(gender, generation)])
        taken = {family, *middle.split()}
        while True:
            given = rng.choice(GIVEN_NAMES[gender])
            if given not in taken:  # no "Hoàng Minh Minh"
                return f"{family} {middle} {given}"

    def email(self, full_name: str, domain: str) -> str:
        """`an.nguyenvan42@domain`: given name, then family and middle names, then a number."""
        words = fold(full_name).split()
        stem = f"{words[-1]}.{''.join(words[:-1])}"
        upper = 99
        while True:
            email = f"{stem}{self.rng.randint(1, upper)}@{domain}"
            if email not in self.emails:
                self.emails.add(email)
                return email
            upper += 10  # a very common name has used up the small numbers

    def phone(self) -> str:
        while True:
            number = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**6):06d}"
            if number not in self.phones:
                self.phones.add(number)
                return number


def _weighted(rng: random.Random, choices: tuple[tuple[str, float], ...]) -> str:
    names = [name for name, _ in choices]
    weights = [weight for _, weight in choices]
    return rng.choices(names, weights=weights)[0]
