"""The programme's yearly figures against the plan's targets: targets, indicators computed
from the data, the dashboard and the yearly report workbook. It sits at the top of the
dependency chain because it reads competitions, events, judging and the accelerator alike.
Its own blueprint, served under /programme."""

from flask import Blueprint

bp = Blueprint("programme", __name__, template_folder="templates")

from accelerator.programme import demo, models, views  # noqa: E402,F401
