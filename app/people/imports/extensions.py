"""Columns a feature package adds to the experts import, without the core importing it.

The core knows accounts, roles and expertise; a feature (the accelerator's expert panel)
knows more about an expert. It registers an `ExpertColumns` when its views are imported,
in the style of `register_demo_step`: optional columns after the core's, a check of each
row against the database, the messages of its problem codes and what applying a row does.
A file without these columns imports as it did before they existed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from app.people.models import User
from app.spreadsheet_imports import Column, Problem, Row


@dataclass
class ExtraCheck:
    """What a feature found in one row: its problems (nothing is applied if there is one),
    what applying will change, in words for the preview (empty: nothing to do), and the
    plan handed back to `apply`."""

    problems: list[Problem] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    plan: object = None


# Checks one row; the person is None when the row makes a new account.
RowCheck = Callable[[Row, User | None], ExtraCheck]


@dataclass(frozen=True)
class ExpertColumns:
    """A feature's part of the experts import.

    `start_check(columns)` is called once per check, with every column of the file (to
    place problems with `problem_at`), and loads what the rows are looked up against; it
    returns the check of one row. `apply(person, plan, by)` is called, inside the import's
    transaction, for each row whose check planned changes; it compares before it writes
    (a file applied twice changes nothing), flushes and audits. `message(problem)` gives
    the text of the feature's own problem codes, None for the others."""

    name: str
    columns: tuple[Column, ...]
    start_check: Callable[[Sequence[Column]], RowCheck]
    apply: Callable[[User, object, User], None]
    message: Callable[[Problem], str | None]
    guide_lines: tuple[str, ...] = ()
    guide_tables: Callable[[], list[tuple[str, list[str]]]] = lambda: []


_registered: dict[str, ExpertColumns] = {}


def register_expert_columns(spec: ExpertColumns) -> ExpertColumns:
    """Add a feature's columns after the core's (and after those registered before)."""
    _registered.setdefault(spec.name, spec)
    return spec


def registered() -> tuple[ExpertColumns, ...]:
    return tuple(_registered.values())


def extra_message(problem: Problem) -> str | None:
    for spec in registered():
        text = spec.message(problem)
        if text is not None:
            return text
    return None
