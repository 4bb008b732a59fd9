"""Accelerator: cohorts, the expert panel, mentor matching, sessions and progress."""

from flask import Blueprint

bp = Blueprint("accelerator", __name__, template_folder="templates")

# Importing the views registers their routes. Demo steps run in the order they are imported:
# the cohort's (accelerator.demo) before its progress (accelerator.progress.demo).
from accelerator import demo, models  # noqa: E402,F401
from accelerator.cohorts import views as cohorts_views  # noqa: E402,F401
from accelerator.experts import views as experts_views  # noqa: E402,F401
from accelerator.matches import views as matches_views  # noqa: E402,F401
from accelerator.programme import models as programme_models  # noqa: E402,F401
from accelerator.progress import demo as progress_demo  # noqa: E402,F401
from accelerator.progress import views as progress_views  # noqa: E402,F401
from accelerator.reports import views as reports_views  # noqa: E402,F401
from accelerator.selection import views as selection_views  # noqa: E402,F401
from accelerator.sessions import views as sessions_views  # noqa: E402,F401
