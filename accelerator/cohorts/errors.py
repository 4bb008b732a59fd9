"""The one exception the accelerator services raise, with every rule a change broke."""

from __future__ import annotations


class CohortError(Exception):
    """A change the rules of a cohort refuse; `reasons` names every rule broken, so a form
    can show each message beside its field at once. Raised before anything is changed."""

    def __init__(self, *reasons: str) -> None:
        super().__init__(*reasons)
        self.reasons = list(reasons)

    @property
    def reason(self) -> str:
        return self.reasons[0]


def refuse_if(problems: list[str]) -> None:
    if problems:
        raise CohortError(*problems)
