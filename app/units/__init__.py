"""Administrative units and organisations as a tree whose level names are data."""

from flask import Blueprint

bp = Blueprint("units", __name__, template_folder="templates")

from app.units import views  # noqa: E402,F401
