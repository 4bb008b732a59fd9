"""Reading the unit tree."""

from __future__ import annotations

from sqlalchemy import select
from wtforms import SelectChoice

from app.db import db
from app.units.models import Unit


def all_units() -> list[Unit]:
    return list(db.session.scalars(select(Unit).order_by(Unit.path)))


def unit_choices(units: list[Unit] | None = None) -> list[SelectChoice]:
    """Units in tree order, indented, for a select box."""
    units = all_units() if units is None else units
    return [
        SelectChoice(unit.id, "· " * max(unit.path.count("/") - 2, 0) + unit.name) for unit in units
    ]


def subtree(root: Unit) -> list[Unit]:
    return list(
        db.session.scalars(select(Unit).where(Unit.path.startswith(root.path)).order_by(Unit.path))
    )


def build_forest(units: list[Unit]) -> list[tuple[Unit, list]]:
    """Nest units (already loaded) into (unit, children) pairs without more queries."""
    ids = {unit.id for unit in units}
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in ids else None
        children.setdefault(parent, []).append(unit)

    def nest(parent: int | None) -> list[tuple[Unit, list]]:
        kids = sorted(children.get(parent, []), key=lambda u: (u.level.rank, u.name_folded))
        return [(unit, nest(unit.id)) for unit in kids]

    return nest(None)
