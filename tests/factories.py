"""Factories: rows with sensible defaults, so a test names only what it is about."""

from __future__ import annotations

import itertools
from datetime import date

from app.auth.passwords import hash_password
from app.db import db, utcnow
from app.people.models import Role, RoleGrant, User
from app.units.models import Unit, UnitLevel

DEFAULT_PASSWORD = "Hạt giống nảy mầm 2026"

_counter = itertools.count(1)


class Factory:
    def level(self, code: str = "commune", name_vi: str = "Xã", rank: int = 2) -> UnitLevel:
        existing = db.session.query(UnitLevel).filter_by(code=code).one_or_none()
        if existing:
            return existing
        level = UnitLevel(code=code, name_vi=name_vi, name_en=code.title(), rank=rank)
        db.session.add(level)
        db.session.flush()
        return level

    def unit(
        self,
        name: str | None = None,
        parent: Unit | None = None,
        level: UnitLevel | None = None,
        valid_until: date | None = None,
    ) -> Unit:
        from app.units.services import create_unit

        return create_unit(
            name=name or f"Xã Thử Nghiệm {next(_counter)}",
            level=level or self.level(),
            parent=parent,
            valid_until=valid_until,
        )

    def user(
        self,
        full_name: str = "Nguyễn Văn An",
        email: str | None = None,
        roles: tuple[str, ...] = (Role.PARTICIPANT,),
        organizer_of: Unit | None = None,
        password: str | None = DEFAULT_PASSWORD,
        verified: bool = True,
        unit: Unit | None = None,
    ) -> User:
        user = User(
            full_name=full_name,
            email=email or f"user{next(_counter)}@example.vn",
            unit=unit,
            password_hash=hash_password(password) if password else None,
            email_verified_at=utcnow() if verified else None,
        )
        for role in roles:
            scope = organizer_of if role == Role.ORGANIZER else None
            if role == Role.ORGANIZER and scope is None:
                scope = self.unit()
            user.roles.append(RoleGrant(role=role, unit=scope))
        db.session.add(user)
        db.session.flush()
        return user
