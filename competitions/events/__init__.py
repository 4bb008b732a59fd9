"""Events of the programme: festivals, forums and workshops, trainings; registration and
attendance. Its own blueprint, served under /events."""

from flask import Blueprint

bp = Blueprint("events", __name__, template_folder="templates")

from competitions.events import demo, models, views  # noqa: E402,F401
