"""Units: a tree of administrative units, clusters, schools and organisations.

Level names are rows, not code: since 1 July 2025 Vietnam has no district level, and
a province may merge into another. A unit that no longer exists keeps its row with
the date it ended (and, when merged, its successor), so older editions still show
the units they were held in.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.db import db, keep_folded
from app.localtime import local_today

if TYPE_CHECKING:
    from app.people.models import User


class UnitLevel(db.Model):
    """A kind of unit with its configured names: Tỉnh/Thành phố, Xã/Phường, Cụm, Trường…"""

    __tablename__ = "unit_levels"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_vi: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    # Display order from the top of the tree; equal ranks are siblings in kind.
    rank: Mapped[int] = mapped_column(default=0)
    # Schools and organisations are where people belong; administrative units are not.
    is_organisation: Mapped[bool] = mapped_column(default=False)

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_vi


class Unit(db.Model):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("unit_levels.id"))
    name: Mapped[str] = mapped_column(String(200))
    name_folded: Mapped[str] = mapped_column(String(200), index=True)
    # Official code where one exists (administrative unit code, school code).
    code: Mapped[str | None] = mapped_column(String(40))
    # Materialised path of ids, "/1/7/42/": subtree checks and queries without recursion.
    path: Mapped[str] = mapped_column(String(400), index=True, default="")
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))

    level: Mapped[UnitLevel] = relationship(lazy="joined")
    parent: Mapped[Unit | None] = relationship(
        remote_side=[id], foreign_keys=[parent_id], back_populates="children"
    )
    children: Mapped[list[Unit]] = relationship(
        foreign_keys=[parent_id], back_populates="parent", order_by="Unit.name_folded"
    )
    successor: Mapped[Unit | None] = relationship(remote_side=[id], foreign_keys=[successor_id])

    def __repr__(self) -> str:
        return f"<Unit {self.id} {self.name}>"

    @validates("name")
    def _fold_name(self, _key: str, value: str) -> str:
        return keep_folded(self, "name_folded", value)

    def contains(self, other: Unit) -> bool:
        """True when `other` is this unit or lies below it."""
        return bool(self.path) and other.path.startswith(self.path)

    def can_manage(self, user: User) -> bool:
        """Admins manage every unit; an organizer manages the units below their own
        (their own unit is the admins' to change)."""
        if user.is_admin:
            return True
        return any(own.contains(self) and own.id != self.id for own in user.organizer_units())

    def is_current(self, on: date | None = None) -> bool:
        on = on or local_today()
        started = self.valid_from is None or self.valid_from <= on
        return started and (self.valid_until is None or on < self.valid_until)

    def ancestors(self) -> list[Unit]:
        chain: list[Unit] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))
