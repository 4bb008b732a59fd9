"""Setting the programme's yearly targets: the whole year's form at once, every figure
checked before anything is written (one refused figure and nothing is stored), an audit row
per change; resetting one target to the plan's default (its row deleted)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from accelerator.programme.indicators import BY_CODE, CATALOGUE, Indicator, TargetRefused
from accelerator.programme.indicators import parse_target as read_figure
from accelerator.programme.models import ProgrammeTarget
from app import audit
from app.db import db, utcnow
from app.people.models import User
from competitions.models import Competition, Track

FIELD_PREFIX = "target:"


class TargetError(Exception):
    """`problems`: (field name, reason) for every figure refused; raised before any write.
    Reasons: TargetRefused's, and "unknown_indicator"."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(problems)
        self.problems = problems


@dataclass(frozen=True)
class TargetLine:
    """One line of the targets form."""

    indicator: Indicator
    qualifier: str
    qualifier_name: str
    saved: Decimal | None
    default: Decimal | None

    @property
    def field_name(self) -> str:
        return field_name(self.indicator.code, self.qualifier)

    @property
    def current(self) -> Decimal | None:
        return self.saved if self.saved is not None else self.default


def field_name(code: str, qualifier: str = "") -> str:
    return f"{FIELD_PREFIX}{code}:{qualifier}"


def track_codes(year: int) -> dict[str, str]:
    """The track codes of the year's competitions, with a name for each."""
    rows = db.session.execute(
        select(Track.code, Track.name)
        .join(Competition, Track.competition_id == Competition.id)
        .where(Competition.edition_year == year)
        .order_by(Track.code, Track.id)
    )
    names: dict[str, str] = {}
    for code, name in rows:
        names.setdefault(code, name)
    return names


def saved_targets(year: int) -> dict[tuple[str, str], ProgrammeTarget]:
    rows = db.session.scalars(select(ProgrammeTarget).where(ProgrammeTarget.year == year))
    return {(row.indicator, row.qualifier): row for row in rows}


def lines(year: int) -> list[TargetLine]:
    """Every indicator of the plan with its target in force, per track where it is per track."""
    saved = saved_targets(year)
    tracks = track_codes(year)
    for indicator, qualifier in saved:
        if BY_CODE.get(indicator) is not None and BY_CODE[indicator].per_track:
            tracks.setdefault(qualifier, qualifier)
    out: list[TargetLine] = []
    for indicator in CATALOGUE:
        qualifiers = sorted(tracks.items()) if indicator.per_track else [("", "")]
        for qualifier, name in qualifiers:
            row = saved.get((indicator.code, qualifier))
            out.append(
                TargetLine(
                    indicator, qualifier, name, row.value if row else None, indicator.default
                )
            )
    return out


def _parse(year: int, form: Mapping[str, str]) -> dict[tuple[str, str], Decimal | None]:
    """The figures typed, by (indicator, qualifier); None for an empty box (the default)."""
    known = {(line.indicator.code, line.qualifier) for line in lines(year)}
    wanted: dict[tuple[str, str], Decimal | None] = {}
    problems: list[tuple[str, str]] = []
    for name, text in form.items():
        if not name.startswith(FIELD_PREFIX):
            continue
        code, _, qualifier = name[len(FIELD_PREFIX) :].partition(":")
        if (code, qualifier) not in known:
            problems.append((name, "unknown_indicator"))
            continue
        if not text.strip():
            wanted[(code, qualifier)] = None
            continue
        try:
            wanted[(code, qualifier)] = read_figure(text)
        except TargetRefused as refusal:
            problems.append((name, refusal.reason))
    if problems:
        raise TargetError(problems)
    return wanted


def save(year: int, form: Mapping[str, str], actor: User) -> int:
    """Store the year's targets as typed; returns how many changed. An empty box drops the
    saved target (the plan's default applies again)."""
    wanted = _parse(year, form)
    saved = saved_targets(year)
    changed = 0
    for (code, qualifier), value in wanted.items():
        row = saved.get((code, qualifier))
        if value is None:
            if row is not None:
                _drop(row, actor)
                changed += 1
            continue
        if row is not None and row.value == value:
            continue
        old = {"value": row.value} if row is not None else None
        if row is None:
            row = ProgrammeTarget(year=year, indicator=code, qualifier=qualifier, value=value)
            db.session.add(row)
        row.value = value
        row.updated_at = utcnow()
        row.updated_by_id = actor.id
        db.session.flush()
        audit.record("programme.target_set", row, old=old, new=_fields(row), actor=actor)
        changed += 1
    return changed


def reset(year: int, code: str, qualifier: str, actor: User) -> bool:
    """Back to the plan's default; False when no target was saved (nothing to do)."""
    if code not in BY_CODE:
        raise TargetError([(field_name(code, qualifier), "unknown_indicator")])
    row = saved_targets(year).get((code, qualifier))
    if row is None:
        return False
    _drop(row, actor)
    return True


def _fields(row: ProgrammeTarget) -> dict:
    return {
        "year": row.year,
        "indicator": row.indicator,
        "qualifier": row.qualifier,
        "value": row.value,
    }


def _drop(row: ProgrammeTarget, actor: User) -> None:
    audit.record("programme.target_reset", row, old=_fields(row), actor=actor)
    db.session.delete(row)
    db.session.flush()
