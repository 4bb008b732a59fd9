"""The judging world of the gunicorn fault tests: load/run.py's round (load/judging_round.py)
but small: a few judges in one pool, each assigned every entry."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from flask import Flask

from load.judging_round import Save, World
from load.judging_round import seed_round as seed_judging_round

PASSWORD = "Hạt giống " + secrets.token_urlsafe(12)
RUBRIC = (("Tính đổi mới sáng tạo", 10), ("Tính khả thi", 10), ("Đội ngũ", 10))


@dataclass
class Ack(Save):
    """A save the server acknowledged (the redirect after the POST)."""

    attempts: int  # POSTs it took: more than one when an answer never came or was a 503
    unchanged: bool = False  # the retry found it already stored ("already saved" notice)
    problems: list[str] = field(default_factory=list)


def seed_round(app: Flask, judges: int, entries: int) -> World:
    """One round in its judging window; every judge holds a published assignment for each
    entry."""
    return seed_judging_round(app, judges=judges, entries=entries, rubric=RUBRIC, password=PASSWORD)
