"""Accelerator: cohorts, the expert panel, mentor matching, sessions and progress."""

from flask import Blueprint

bp = Blueprint("accelerator", __name__, template_folder="templates")

# Importing the views registers their routes.
from accelerator import models  # noqa: E402,F401
from accelerator.cohorts import views as cohorts_views  # noqa: E402,F401
from accelerator.experts import views as experts_views  # noqa: E402,F401
from accelerator.matches import views as matches_views  # noqa: E402,F401
from accelerator.selection import views as selection_views  # noqa: E402,F401
from accelerator.sessions import views as sessions_views  # noqa: E402,F401
