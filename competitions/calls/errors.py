"""The one exception the call services raise, with every rule a change broke."""

from __future__ import annotations


class CallError(Exception):
    """A change the rules of a call refuse; `reasons` names every rule broken, so a form
    can show each message beside its field at once."""

    def __init__(self, *reasons: str) -> None:
        super().__init__(*reasons)
        self.reasons = list(reasons)

    @property
    def reason(self) -> str:
        return self.reasons[0]


def refuse_if(problems: list[str]) -> None:
    """Raise before anything is changed when the checks found problems."""
    if problems:
        raise CallError(*problems)
