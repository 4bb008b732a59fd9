"""Judging: rubrics, panels, conflicts, assignment, score sheets, ranking, results."""

from flask import Blueprint

bp = Blueprint("judging", __name__, template_folder="templates")

from judging import demo, models  # noqa: E402,F401
from judging.advancement import views as advancement_views  # noqa: E402,F401
from judging.assignment import views as assignment_views  # noqa: E402,F401
from judging.monitoring import views as monitoring_views  # noqa: E402,F401
from judging.panels import views as panels_views  # noqa: E402,F401
from judging.paper import views as paper_views  # noqa: E402,F401
from judging.results import views as results_views  # noqa: E402,F401
from judging.rubric import views as rubric_views  # noqa: E402,F401
from judging.scoring import views as scoring_views  # noqa: E402,F401
