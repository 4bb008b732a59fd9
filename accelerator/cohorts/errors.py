"""The one exception the accelerator services raise, with every rule a change broke."""

from __future__ import annotations

from app.refusals import Refusal


class CohortError(Refusal):
    """A change the rules of a cohort refuse."""


refuse_if = CohortError.refuse_if
