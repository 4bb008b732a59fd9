"""The refusal a feature's services raise: every rule a change broke, named at once, before
anything is changed. Each feature subclasses it (CallError, JudgingError, CohortError,
EventError), so a view catches only its own."""

from __future__ import annotations


class Refusal(Exception):
    """`reasons` names every rule broken, so a form can show each message beside its field."""

    def __init__(self, *reasons: str) -> None:
        super().__init__(*reasons)
        self.reasons = list(reasons)

    @property
    def reason(self) -> str:
        return self.reasons[0]

    @classmethod
    def refuse_if(cls, problems: list[str]) -> None:
        """Raise when the checks found problems."""
        if problems:
            raise cls(*problems)
