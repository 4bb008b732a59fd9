"""Where a competition stands in time: the state of each window, computed on the server.

Pure Python over the model's attributes (no queries), so the public page and the
organizer pages say the same thing and tests need no database to check it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from competitions.models import Competition, CompetitionStatus, Round

NOT_SET: Final = "not_set"
NOT_YET: Final = "not_yet"
OPEN: Final = "open"
CLOSED: Final = "closed"


@dataclass(frozen=True)
class Window:
    """A window (submissions or judging) and its state at one moment."""

    opens_at: datetime | None
    closes_at: datetime | None
    state: str  # NOT_SET, NOT_YET, OPEN or CLOSED
    # Until it opens (NOT_YET) or until it closes (OPEN); None otherwise.
    remaining: timedelta | None = None


def window(opens_at: datetime | None, closes_at: datetime | None, now: datetime) -> Window:
    """The state of [opens_at, closes_at] at `now`; the closing minute still counts as
    open, as `Round.submission_state` does."""
    if opens_at is None or closes_at is None:
        return Window(opens_at, closes_at, NOT_SET)
    if now < opens_at:
        return Window(opens_at, closes_at, NOT_YET, opens_at - now)
    if now <= closes_at:
        return Window(opens_at, closes_at, OPEN, closes_at - now)
    return Window(opens_at, closes_at, CLOSED)


@dataclass(frozen=True)
class RoundTimeline:
    round: Round
    submission: Window | None  # the first round only
    judging: Window


def submission_window(competition: Competition, round_: Round, now: datetime) -> Window:
    """Entries are taken only while the call is open, whatever the dates say: once the
    organizers moved on to judging, the window reads as closed."""
    state = window(round_.submission_opens_at, round_.submission_closes_at, now)
    past_call = competition.status not in (CompetitionStatus.DRAFT, CompetitionStatus.OPEN)
    if state.state == OPEN and past_call:
        return Window(state.opens_at, state.closes_at, CLOSED)
    return state


def timeline(competition: Competition, now: datetime) -> list[RoundTimeline]:
    return [
        RoundTimeline(
            round=round_,
            submission=submission_window(competition, round_, now) if round_.is_first else None,
            judging=window(round_.judging_opens_at, round_.judging_closes_at, now),
        )
        for round_ in competition.rounds
    ]
