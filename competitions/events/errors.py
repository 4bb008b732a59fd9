"""The one exception the event services raise, with every rule a change broke."""

from __future__ import annotations


class EventError(Exception):
    """A change the rules of an event refuse; `reasons` names every rule broken, so a form
    can show each message beside its field at once. Raised before anything is changed."""

    def __init__(self, *reasons: str) -> None:
        super().__init__(*reasons)
        self.reasons = list(reasons)

    @property
    def reason(self) -> str:
        return self.reasons[0]


def refuse_if(problems: list[str]) -> None:
    if problems:
        raise EventError(*problems)
