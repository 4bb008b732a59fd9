"""Competitions: calls, tracks, rounds, teams, entries and their files."""

from flask import Blueprint

bp = Blueprint("competitions", __name__, template_folder="templates")

from competitions import demo, models  # noqa: E402,F401
from competitions.calls import views as calls_views  # noqa: E402,F401
from competitions.entries import views as entries_views  # noqa: E402,F401
from competitions.events import models as events_models  # noqa: E402,F401
from competitions.screening import views as screening_views  # noqa: E402,F401
from competitions.teams import imports_views  # noqa: E402,F401
from competitions.teams import views as teams_views  # noqa: E402,F401
