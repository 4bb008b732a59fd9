"""Writes to a call's rounds and their pools.

A round is an ordered stage: the first takes submissions (the call's submission window
belongs to whichever round comes first), every round is judged in pools and holds the
rule by which entries advance. Like every call service, a refusal raises `CallError`
before anything is changed; the request commits.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Final

from flask_babel import gettext as _
from sqlalchemy import func, select

from app import audit
from app.db import db, utcnow
from app.units.models import Unit
from competitions.calls.errors import CallError, refuse_if
from competitions.models import (
    Competition,
    CompetitionStatus,
    Entry,
    EntryStatus,
    Pool,
    PoolMode,
    Round,
)

# Entries that take part in judging, and so are grouped into pools.
POOLED_ENTRY_STATUSES: Final = (EntryStatus.SUBMITTED, EntryStatus.ACCEPTED)

POOL_NAME_LENGTH: Final = 120


# --- rounds ---------------------------------------------------------------------------------


@dataclass
class RoundData:
    """What an organizer sets on a round; times are aware UTC datetimes."""

    name: str
    submission_opens_at: datetime | None = None
    submission_closes_at: datetime | None = None
    judging_opens_at: datetime | None = None
    judging_closes_at: datetime | None = None
    pool_mode: str = PoolMode.SINGLE
    advance_top_n: int | None = None
    pass_mark: Decimal | None = None
    no_zero_criterion: bool = False
    carry_over_weight: Decimal = Decimal("0")
    per_unit_cap: int | None = None


def call_is_past_open(competition: Competition) -> bool:
    """Past the open call, the submission window is history: it cannot be moved."""
    return competition.status not in (CompetitionStatus.DRAFT, CompetitionStatus.OPEN)


def _window_problems(
    opens_at: datetime | None, closes_at: datetime | None, incomplete: str, order: str
) -> list[str]:
    if (opens_at is None) != (closes_at is None):
        return [incomplete]
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        return [order]
    return []


def _round_problems(is_first: bool, data: RoundData) -> list[str]:
    """The rules one round's settings must follow, whatever the competition's state."""
    problems = []
    if not data.name.strip():
        problems.append("round_name_required")
    if is_first:
        problems += _window_problems(
            data.submission_opens_at,
            data.submission_closes_at,
            "submission_incomplete",
            "submission_order",
        )
    problems += _window_problems(
        data.judging_opens_at, data.judging_closes_at, "judging_incomplete", "judging_order"
    )
    if (
        is_first
        and data.judging_opens_at is not None
        and data.submission_closes_at is not None
        and data.judging_opens_at < data.submission_closes_at
    ):
        problems.append("judging_before_submissions_close")
    if data.pool_mode not in set(PoolMode):
        problems.append("bad_pool_mode")
    if data.advance_top_n is not None and data.advance_top_n < 1:
        problems.append("advance_top_n")
    if data.pass_mark is not None and not Decimal(0) <= data.pass_mark <= Decimal(100):
        problems.append("pass_mark")
    if not Decimal(0) <= data.carry_over_weight <= Decimal(1):
        problems.append("carry_over_weight")
    elif is_first and data.carry_over_weight != 0:
        problems.append("carry_over_first")
    if data.per_unit_cap is not None and data.per_unit_cap < 1:
        problems.append("per_unit_cap")
    return problems


def _round_fields(round_: Round) -> dict:
    return {name: getattr(round_, name) for name in RoundData.__dataclass_fields__}


def _submission_window(round_: Round | RoundData) -> tuple[datetime | None, datetime | None]:
    return round_.submission_opens_at, round_.submission_closes_at


def _normalised(data: RoundData, is_first: bool) -> RoundData:
    """Spaces tidied; a later round takes no submissions, whatever it was given."""
    data = replace(data, name=" ".join(data.name.split()))
    if not is_first:
        data = replace(data, submission_opens_at=None, submission_closes_at=None)
    return data


def add_round(competition: Competition, data: RoundData) -> Round:
    """A stage after the existing ones; only the first stage takes submissions."""
    is_first = not competition.rounds
    data = _normalised(data, is_first)
    refuse_if(_round_problems(is_first, data))
    position = max((round_.position for round_ in competition.rounds), default=0) + 1
    round_ = Round(position=position, **asdict(data))
    competition.rounds.append(round_)
    db.session.flush()
    audit.record(
        "round.create", round_, new={"competition_id": competition.id, **_round_fields(round_)}
    )
    return round_


def update_round(round_: Round, data: RoundData) -> None:
    competition = round_.competition
    data = _normalised(data, round_.is_first)
    problems = _round_problems(round_.is_first, data)
    if _submission_window(data) != _submission_window(round_) and call_is_past_open(competition):
        problems.append("submission_locked")
    refuse_if(problems)
    old = _round_fields(round_)
    for name, value in asdict(data).items():
        setattr(round_, name, value)
    db.session.flush()
    new = _round_fields(round_)
    if new != old:
        audit.record("round.update", round_, old=old, new=new)


def _renumber(rounds: list[Round]) -> None:
    """Give `rounds` the positions 1, 2, … in their list order.

    (competition, position) is unique and checked row by row, so every row first steps
    aside to a negative position and then takes its final one.
    """
    for index, round_ in enumerate(rounds, start=1):
        round_.position = -index
    db.session.flush()
    for index, round_ in enumerate(rounds, start=1):
        round_.position = index
    db.session.flush()


def _handover_problems(old_first: Round, new_first: Round) -> list[str]:
    """The call's submission window belongs to whichever round comes first: what would be
    wrong with `new_first` once it takes the window over from `old_first`."""
    settings = RoundData(**_round_fields(new_first))
    settings.submission_opens_at, settings.submission_closes_at = _submission_window(old_first)
    problems = _round_problems(True, settings)
    known = {
        "judging_before_submissions_close": "first_round_judging",
        "carry_over_first": "first_round_carry_over",
    }
    return sorted({known.get(problem, "first_round_invalid") for problem in problems})


def _hand_over(old_first: Round, new_first: Round) -> None:
    window = _submission_window(old_first)
    old_first.submission_opens_at = old_first.submission_closes_at = None
    new_first.submission_opens_at, new_first.submission_closes_at = window


def _judging_has_opened(round_: Round, now: datetime) -> bool:
    return round_.judging_opens_at is not None and now >= round_.judging_opens_at


def delete_round(round_: Round, *, now: datetime | None = None) -> None:
    """Refused once the round is being judged, and for the first round once the call has
    been opened (it holds the submission window teams were given)."""
    now = now or utcnow()
    competition = round_.competition
    if round_.is_first and competition.status != CompetitionStatus.DRAFT:
        raise CallError("first_round_locked")
    if _judging_has_opened(round_, now):
        raise CallError("judging_started")
    remaining = [other for other in competition.rounds if other is not round_]
    if round_.is_first and remaining:
        refuse_if(_handover_problems(round_, remaining[0]))
    audit.record(
        "round.delete", round_, old={"competition_id": competition.id, **_round_fields(round_)}
    )
    if round_.is_first and remaining:
        _hand_over(round_, remaining[0])
    competition.rounds.remove(round_)
    db.session.flush()
    _renumber(remaining)


def move_round(round_: Round, direction: str) -> None:
    """Swap a round with the one before ("up") or after ("down") it."""
    competition = round_.competition
    rounds = list(competition.rounds)
    index = rounds.index(round_)
    other_index = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other_index < len(rounds):
        raise CallError("cannot_move")
    if 0 in (index, other_index):
        if competition.status != CompetitionStatus.DRAFT:
            raise CallError("first_round_locked")
        refuse_if(_handover_problems(rounds[0], rounds[1]))
        _hand_over(rounds[0], rounds[1])
    old_order = [r.id for r in rounds]
    rounds[index], rounds[other_index] = rounds[other_index], rounds[index]
    _renumber(rounds)
    audit.record(
        "round.move",
        round_,
        old={"order": old_order},
        new={"order": [r.id for r in rounds], "direction": direction},
    )


# --- pools ----------------------------------------------------------------------------------


def _unique_pool_names(named: list[tuple[str, str, object]]) -> list[tuple[str, object]]:
    """(name, qualifier, key) → (unique name, key): a name shared by several groups (two
    schools called "Trường THPT Lê Lợi") gets its qualifier, then its number, added."""
    counts = Counter(name for name, _qualifier, _key in named)
    result: list[tuple[str, object]] = []
    used: set[str] = set()
    for number, (name, qualifier, key) in enumerate(named, start=1):
        candidate = f"{name} ({qualifier})" if counts[name] > 1 and qualifier else name
        candidate = candidate[:POOL_NAME_LENGTH]
        if candidate in used:
            suffix = f" #{number}"
            candidate = candidate[: POOL_NAME_LENGTH - len(suffix)] + suffix
        used.add(candidate)
        result.append((candidate, key))
    return result


def pools_for_mode(round_: Round) -> list[Pool]:
    """New (unsaved) pools for the round's mode, from what the competition holds now."""
    competition = round_.competition
    if round_.pool_mode == PoolMode.BY_TRACK:
        named = [(track.name, track.code, track) for track in competition.tracks]
        return [Pool(name=name, track=track) for name, track in _unique_pool_names(named)]
    if round_.pool_mode == PoolMode.BY_UNIT:
        unit_ids = set(
            db.session.scalars(
                select(Entry.unit_id)
                .where(
                    Entry.competition_id == competition.id,
                    Entry.status.in_(POOLED_ENTRY_STATUSES),
                )
                .distinct()
            )
        )
        units = sorted(
            db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids - {None}))),
            key=lambda unit: (unit.name_folded, unit.id),
        )
        parents = {
            unit.id: unit.name
            for unit in db.session.scalars(
                select(Unit).where(Unit.id.in_({u.parent_id for u in units} - {None}))
            )
        }
        named = [(unit.name, parents.get(unit.parent_id, ""), unit) for unit in units]
        pools = [Pool(name=name, unit=unit) for name, unit in _unique_pool_names(named)]
        if None in unit_ids:
            # Entries of teams that named no unit still need a pool to be judged in.
            pools.append(Pool(name=_("Entries without a unit")))
        return pools
    return [Pool(name=_("All entries"))]


def regenerate_pools(round_: Round, *, now: datetime | None = None) -> list[Pool]:
    """Replace the round's pools by those its mode gives, until its judging opens."""
    now = now or utcnow()
    if _judging_has_opened(round_, now):
        raise CallError("judging_started")
    old = [pool.name for pool in round_.pools]
    round_.pools.clear()
    db.session.flush()  # the old names are free before the new pools take them
    pools = pools_for_mode(round_)
    round_.pools.extend(pools)
    db.session.flush()
    audit.record(
        "round.pools",
        round_,
        old={"pools": old},
        new={"mode": round_.pool_mode, "pools": [pool.name for pool in pools]},
    )
    return pools


def pool_entry_counts(round_: Round) -> dict[int, int]:
    """How many of the competition's submitted or accepted entries fall in each pool of
    the round, from one grouped query."""
    rows = db.session.execute(
        select(Entry.track_id, Entry.unit_id, func.count())
        .where(
            Entry.competition_id == round_.competition_id,
            Entry.status.in_(POOLED_ENTRY_STATUSES),
        )
        .group_by(Entry.track_id, Entry.unit_id)
    ).all()
    counts = {}
    for pool in round_.pools:
        if pool.track_id is not None:
            counts[pool.id] = sum(n for track_id, _unit, n in rows if track_id == pool.track_id)
        elif pool.unit_id is not None or round_.pool_mode == PoolMode.BY_UNIT:
            counts[pool.id] = sum(n for _track, unit_id, n in rows if unit_id == pool.unit_id)
        else:
            counts[pool.id] = sum(n for _track, _unit, n in rows)
    return counts
