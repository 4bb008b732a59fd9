"""The one exception the call services raise, with every rule a change broke."""

from __future__ import annotations

from app.refusals import Refusal


class CallError(Refusal):
    """A change the rules of a call refuse."""


refuse_if = CallError.refuse_if
