"""Writes to the unit tree."""

from __future__ import annotations

from datetime import date

from app import audit
from app.db import db
from app.units.models import Unit, UnitLevel


class UnitError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def create_unit(
    *,
    name: str,
    level: UnitLevel,
    parent: Unit | None,
    code: str | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> Unit:
    _check_dates(valid_from, valid_until)
    unit = Unit(
        name=name,
        level=level,
        parent=parent,
        code=code or None,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    db.session.add(unit)
    db.session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    audit.record("unit.create", unit, new={"name": name, "parent_id": unit.parent_id})
    return unit


def update_unit(
    unit: Unit,
    *,
    name: str,
    level: UnitLevel,
    code: str | None,
    valid_from: date | None,
    valid_until: date | None,
    successor: Unit | None,
) -> None:
    _check_dates(valid_from, valid_until)
    if successor is not None and (successor.id == unit.id or unit.contains(successor)):
        raise UnitError("bad_successor")
    old = {
        "name": unit.name,
        "level": unit.level.code,
        "code": unit.code,
        "valid_from": unit.valid_from,
        "valid_until": unit.valid_until,
        "successor_id": unit.successor_id,
    }
    unit.name = name
    unit.level = level
    unit.code = code or None
    unit.valid_from = valid_from
    unit.valid_until = valid_until
    unit.successor = successor
    new = {
        "name": unit.name,
        "level": level.code,
        "code": unit.code,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "successor_id": successor.id if successor else None,
    }
    if old != new:
        audit.record("unit.update", unit, old=old, new=new)


def _check_dates(valid_from: date | None, valid_until: date | None) -> None:
    if valid_from and valid_until and valid_until <= valid_from:
        raise UnitError("dates")


def update_level(level: UnitLevel, *, name_vi: str, name_en: str, rank: int) -> None:
    old = {"name_vi": level.name_vi, "name_en": level.name_en, "rank": level.rank}
    level.name_vi, level.name_en, level.rank = name_vi, name_en, rank
    audit.record(
        "unit_level.update",
        level,
        old=old,
        new={"name_vi": name_vi, "name_en": name_en, "rank": rank},
    )
