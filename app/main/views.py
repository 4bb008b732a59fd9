from __future__ import annotations

from flask import redirect, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import text
from werkzeug.wrappers import Response

from app.access import login_required, public
from app.auth.redirects import safe_next
from app.db import db
from app.links import this_page
from app.main import bp
from app.people.labels import role_label


@bp.app_context_processor
def locale_helpers() -> dict:
    return {
        "current_locale": lambda: str(get_locale()),
        "role_label": role_label,
        "this_page": this_page,
    }


@bp.route("/")
@public
def index() -> str:
    return render_template("main/index.html")


@bp.route("/dashboard")
@login_required
def dashboard() -> str:
    return render_template("main/dashboard.html")


@bp.route("/language", methods=["POST"])
@public
def set_language() -> Response:
    lang = request.form.get("lang")
    if lang in ("vi", "en"):
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
    return redirect(safe_next(request.form.get("next")))


@bp.route("/healthz")
@public
def healthz() -> tuple[dict, int]:
    """For the load balancer and the process supervisor: the database answers."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}, 200
