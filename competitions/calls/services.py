"""Writes to a call: the competition, its tracks and its lifecycle (rounds and pools are
in `competitions.calls.rounds`, re-exported here so callers need one module).

Every function checks the rules that hold whoever calls it (a form, the seed, a test),
changes the session, flushes, and adds its audit row; the request commits. A refusal
raises `CallError` with every reason found, before anything is changed.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from typing import Final

from sqlalchemy import func, select, update

from app import audit
from app.db import db
from app.people.models import User
from app.units.models import Unit
from competitions.calls.errors import CallError, refuse_if
from competitions.calls.rounds import (
    RoundData,
    add_round,
    call_is_past_open,
    delete_round,
    move_round,
    regenerate_pools,
    update_round,
)
from competitions.models import (
    NEXT_STATUS,
    Audience,
    Competition,
    CompetitionStatus,
    Entry,
    EntryStatus,
    Track,
)

__all__ = [
    "CallError",
    "RoundData",
    "TrackData",
    "add_round",
    "add_track",
    "call_is_past_open",
    "change_status",
    "create_competition",
    "delete_round",
    "delete_track",
    "move_round",
    "regenerate_pools",
    "update_competition",
    "update_round",
    "update_track",
]

COMPETITION_CODE_RE: Final = re.compile(r"[A-Z0-9]{2,6}")
TRACK_CODE_RE: Final = re.compile(r"[A-Z0-9]{2,10}")
MIN_YEAR: Final = 2000
MAX_YEAR: Final = 2100

# A step back (a call opened or closed by mistake); never out of the archive.
PREVIOUS_STATUS: Final = {
    CompetitionStatus.OPEN: CompetitionStatus.DRAFT,
    CompetitionStatus.JUDGING: CompetitionStatus.OPEN,
    CompetitionStatus.PUBLISHED: CompetitionStatus.JUDGING,
}


# --- competitions ---------------------------------------------------------------------------


def _competition_problems(
    competition: Competition | None,
    *,
    actor: User,
    title: str,
    code: str,
    edition_year: int,
    owner_unit: Unit | None,
) -> list[str]:
    problems = []
    if not title.strip():
        problems.append("title_required")
    if not COMPETITION_CODE_RE.fullmatch(code):
        problems.append("bad_code")
    if not MIN_YEAR <= edition_year <= MAX_YEAR:
        problems.append("bad_year")
    if owner_unit is None or not actor.organizes(owner_unit):
        problems.append("unit_not_allowed")
    elif not owner_unit.is_current() and (
        competition is None or owner_unit.id != competition.owner_unit_id
    ):
        # Old editions keep their historical unit; a new one is run by a unit that exists.
        problems.append("unit_not_current")
    identity_changed = competition is None or (code, edition_year) != (
        competition.code,
        competition.edition_year,
    )
    if identity_changed and competition is not None and confirmation_codes_issued(competition):
        problems.append("code_locked")
    elif identity_changed and "bad_code" not in problems:
        taken = select(Competition.id).where(
            Competition.code == code, Competition.edition_year == edition_year
        )
        if competition is not None:
            taken = taken.where(Competition.id != competition.id)
        if db.session.scalar(taken.limit(1)) is not None:
            problems.append("code_taken")
    return problems


def confirmation_codes_issued(competition: Competition) -> bool:
    """True once a submission got its code: the code and year it starts with are fixed."""
    return any(track.last_number > 0 for track in competition.tracks)


def _competition_fields(competition: Competition) -> dict:
    return {
        "title": competition.title,
        "code": competition.code,
        "edition_year": competition.edition_year,
        "owner_unit_id": competition.owner_unit_id,
        "description": competition.description,
        "rules": competition.rules,
    }


def create_competition(
    *,
    actor: User,
    title: str,
    code: str,
    edition_year: int,
    owner_unit: Unit | None,
    description: str = "",
    rules: str = "",
) -> Competition:
    """A new edition, in draft: nobody but its organizers sees it until it is opened."""
    refuse_if(
        _competition_problems(
            None,
            actor=actor,
            title=title,
            code=code,
            edition_year=edition_year,
            owner_unit=owner_unit,
        )
    )
    competition = Competition(
        title=title,
        code=code,
        edition_year=edition_year,
        owner_unit=owner_unit,
        description=description or "",
        rules=rules or "",
        status=CompetitionStatus.DRAFT,
        created_by_id=actor.id,
    )
    db.session.add(competition)
    db.session.flush()
    audit.record("competition.create", competition, new=_competition_fields(competition))
    return competition


def update_competition(
    competition: Competition,
    *,
    actor: User,
    title: str,
    code: str,
    edition_year: int,
    owner_unit: Unit | None,
    description: str,
    rules: str,
) -> None:
    refuse_if(
        _competition_problems(
            competition,
            actor=actor,
            title=title,
            code=code,
            edition_year=edition_year,
            owner_unit=owner_unit,
        )
    )
    old = _competition_fields(competition)
    competition.title = title
    competition.code = code
    competition.edition_year = edition_year
    competition.owner_unit = owner_unit  # type: ignore[assignment]
    competition.description = description or ""
    competition.rules = rules or ""
    db.session.flush()
    new = _competition_fields(competition)
    if new != old:
        audit.record("competition.update", competition, old=old, new=new)


# --- tracks ---------------------------------------------------------------------------------


@dataclass
class TrackData:
    """What an organizer sets on a track."""

    code: str
    name: str
    audience: str = Audience.OPEN
    eligibility: str = ""
    min_team_size: int = 1
    max_team_size: int = 5
    min_age: int | None = None
    max_age: int | None = None


def _track_problems(competition: Competition, track: Track | None, data: TrackData) -> list[str]:
    problems = []
    if not TRACK_CODE_RE.fullmatch(data.code):
        problems.append("bad_track_code")
    elif any(other.code == data.code and other is not track for other in competition.tracks):
        problems.append("track_code_taken")
    elif track is not None and track.code != data.code and track.last_number > 0:
        problems.append("track_code_locked")
    if not data.name.strip():
        problems.append("track_name_required")
    if data.audience not in set(Audience):
        problems.append("bad_audience")
    if data.min_team_size < 1:
        problems.append("min_team_size")
    elif data.max_team_size < data.min_team_size:
        problems.append("team_size")
    if any(age is not None and age < 1 for age in (data.min_age, data.max_age)):
        problems.append("bad_age")
    elif data.min_age is not None and data.max_age is not None and data.max_age < data.min_age:
        problems.append("age_range")
    return problems


def _track_fields(track: Track) -> dict:
    return {name: getattr(track, name) for name in TrackData.__dataclass_fields__}


def _tidy(data: TrackData) -> TrackData:
    return replace(data, code=data.code.strip(), name=" ".join(data.name.split()))


def add_track(competition: Competition, data: TrackData) -> Track:
    data = _tidy(data)
    refuse_if(_track_problems(competition, None, data))
    position = max((track.position for track in competition.tracks), default=0) + 1
    track = Track(position=position, **asdict(data))
    competition.tracks.append(track)
    db.session.flush()
    audit.record("track.create", track, new={"competition_id": competition.id, **asdict(data)})
    return track


def update_track(track: Track, data: TrackData) -> None:
    data = _tidy(data)
    refuse_if(_track_problems(track.competition, track, data))
    old = _track_fields(track)
    for name, value in asdict(data).items():
        setattr(track, name, value)
    db.session.flush()
    if old != asdict(data):
        audit.record("track.update", track, old=old, new=asdict(data))


def entry_counts_by_track(competition: Competition) -> dict[int, int]:
    """Entries of every status per track, in one query."""
    rows = db.session.execute(
        select(Entry.track_id, func.count())
        .where(Entry.competition_id == competition.id)
        .group_by(Entry.track_id)
    )
    return {track_id: count for track_id, count in rows}


def delete_track(track: Track) -> None:
    """Only a track nobody entered: entries keep their track for good."""
    if entry_counts_by_track(track.competition).get(track.id, 0):
        raise CallError("track_has_entries")
    competition = track.competition
    old = {"competition_id": competition.id, **_track_fields(track)}
    audit.record("track.delete", track, old=old)
    competition.tracks.remove(track)
    db.session.flush()


# --- lifecycle ------------------------------------------------------------------------------


def opening_problems(competition: Competition) -> list[str]:
    """What a call lacks before it can be opened to entries."""
    problems = []
    if not competition.tracks:
        problems.append("no_track")
    first = competition.first_round
    if first is None:
        problems.append("no_round")
    elif first.submission_opens_at is None or first.submission_closes_at is None:
        problems.append("no_submission_window")
    return problems


def has_submitted_entries(competition: Competition) -> bool:
    return (
        db.session.scalar(
            select(Entry.id)
            .where(Entry.competition_id == competition.id, Entry.status != EntryStatus.DRAFT)
            .limit(1)
        )
        is not None
    )


def change_status(
    competition: Competition, target: str, *, seen_status: str, reason: str = ""
) -> None:
    """One step forward, or one step back with a reason.

    `seen_status` is the state the organizer's page showed: a second click, or a second
    tab, finds the competition already moved and changes nothing.
    """
    current = competition.status
    reason = reason.strip()
    if seen_status != current:
        raise CallError("stale")
    forward = NEXT_STATUS.get(CompetitionStatus(current)) == target
    backward = PREVIOUS_STATUS.get(CompetitionStatus(current)) == target
    if not forward and not backward:
        raise CallError("bad_step")
    if forward and target == CompetitionStatus.OPEN:
        refuse_if(opening_problems(competition))
    if backward and not reason:
        raise CallError("reason_required")
    if backward and target == CompetitionStatus.DRAFT and has_submitted_entries(competition):
        # Teams that submitted must keep seeing the call they entered.
        raise CallError("has_entries")
    # Conditional on the state just checked: of two requests racing from the same state
    # (PostgreSQL lets both read it), the second updates no row and is told.
    moved = db.session.execute(
        update(Competition)
        .where(Competition.id == competition.id, Competition.status == current)
        .values(status=target)
    )
    if moved.rowcount != 1:
        raise CallError("stale")
    new = {"status": target}
    if reason:
        new["reason"] = reason
    audit.record("competition.status", competition, old={"status": current}, new=new)
