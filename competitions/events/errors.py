"""The one exception the event services raise, with every rule a change broke."""

from __future__ import annotations

from app.refusals import Refusal


class EventError(Refusal):
    """A change the rules of an event refuse."""


refuse_if = EventError.refuse_if
