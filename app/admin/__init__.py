"""Administration: users and roles, outgoing email, the audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__, template_folder="templates")

from app.admin import imports, views  # noqa: E402,F401
