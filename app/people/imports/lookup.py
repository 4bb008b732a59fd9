"""Finding what the rows of an import name, in a fixed number of queries whatever the
number of rows: the accounts by email, the units by code or name."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.db import db
from app.people.models import User
from app.units.models import Unit
from app.vietnamese import fold


def users_by_email(emails: Iterable[str], *, expertise: bool = False) -> dict[str, User]:
    """The accounts of these (normalised) emails, with their roles, in one query (plus
    one for the roles and one for the expertise when asked)."""
    wanted = sorted({email for email in emails if email})
    if not wanted:
        return {}
    options = [selectinload(User.roles)]
    if expertise:
        options.append(selectinload(User.expertise))
    found: dict[str, User] = {}
    for start in range(0, len(wanted), 1000):  # parameter limits of the databases
        query = select(User).where(User.email.in_(wanted[start : start + 1000]))
        for user in db.session.scalars(query.options(*options)):
            found[user.email] = user
    return found


def same_person(user: User, full_name: str) -> bool:
    """Whether the name in the file is the account's: case, diacritics and spaces aside
    (a file typed without accents is common; a different name is a different person)."""
    return fold(user.full_name) == fold(full_name)


class UnitIndex:
    """The units the rows name, matched by their code or their name (case and diacritics
    aside). A name two units share is ambiguous unless only one of them still exists."""

    def __init__(self, texts: Iterable[str]) -> None:
        texts = {text for text in texts if text}
        folded = {fold(text) for text in texts}
        self.by_code: dict[str, list[Unit]] = {}
        self.by_name: dict[str, list[Unit]] = {}
        if not folded:
            return
        units = db.session.scalars(
            select(Unit).where(or_(Unit.name_folded.in_(folded), func.lower(Unit.code).in_(folded)))
        )
        for unit in units:
            if unit.code:
                self.by_code.setdefault(fold(unit.code), []).append(unit)
            self.by_name.setdefault(unit.name_folded, []).append(unit)

    def find(self, text: str) -> tuple[Unit | None, str | None]:
        """(the unit, None), or (None, "unknown_unit" / "ambiguous_unit")."""
        key = fold(text)
        candidates = self.by_code.get(key) or self.by_name.get(key) or []
        if len(candidates) > 1:
            current = [unit for unit in candidates if unit.is_current()]
            candidates = current if len(current) == 1 else candidates
        if not candidates:
            return None, "unknown_unit"
        if len(candidates) > 1:
            return None, "ambiguous_unit"
        return candidates[0], None
