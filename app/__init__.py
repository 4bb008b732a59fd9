"""Sprout (Mầm): the application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, has_request_context, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from config import check_production, config_for, development_secret_key


def create_app(env: str | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    config_class = config_for(env)
    app.config.from_object(config_class)
    app.config.update(overrides or {})
    if config_class.ENV_NAME == "development" and not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = development_secret_key()
    if config_class.ENV_NAME == "production":
        check_production(app.config)

    _init_extensions(app)
    _register_blueprints(app)
    _init_compression(app)

    from app.cli import register_cli
    from app.errors import init_error_handlers
    from app.formatting import init_formatting
    from app.security import LimitedFormRequest, init_security_headers

    app.request_class = LimitedFormRequest
    init_error_handlers(app)
    init_formatting(app)
    init_security_headers(app)
    register_cli(app)
    _init_session_rules(app)
    _init_proxy(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (complete metadata for Alembic)
    from app.db import db, init_db
    from app.extensions import babel, bootstrap, csrf, login_manager, mail, migrate

    init_db(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    csrf.init_app(app)
    mail.init_app(app)
    bootstrap.init_app(app)
    babel.init_app(app, locale_selector=select_locale)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


def _init_compression(app: Flask) -> None:
    """Compress text responses (config.py lists the types). A streamed response is left as it
    is, so that it reaches the client as it is produced, except the static files: send_file
    streams them from disk, and they are most of a page's weight."""
    if not app.config["COMPRESS_RESPONSES"]:
        return
    from app.extensions import compress

    compress.init_app(app)

    @app.after_request
    def compress_text(response: Response) -> Response:
        if not response.is_streamed:
            return compress.after_request(response)
        if request.endpoint is None or not request.endpoint.endswith("static"):
            return response
        # Flask-Compress swaps the open file for a compressing generator and loses its
        # close(): the response closes it instead, once sent (or answered 304).
        close_file = getattr(response.response, "close", None)
        response = compress.after_request(response)
        if close_file is not None:
            response.call_on_close(close_file)
        return response


def _init_proxy(app: Flask) -> None:
    """Trust the proxies in front (PROXY_HOPS) for the client's address and scheme, and note
    when each request arrived (app/arrival.py), outermost so that nothing reads the body
    first."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from app.arrival import init_arrival_clock

    hops = app.config["PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    init_arrival_clock(app)


def select_locale() -> str:
    """Vietnamese unless the person chose English (kept on the account or the session)."""
    languages = ("vi", "en")
    if not has_request_context():  # the CLI, the demo seed: the programme's own language
        return "vi"
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("lang")
    return chosen if chosen in languages else "vi"


def _register_blueprints(app: Flask) -> None:
    from accelerator import bp as accelerator_bp
    from accelerator.programme import bp as programme_bp
    from app.admin import bp as admin_bp
    from app.auth import bp as auth_bp
    from app.main import bp as main_bp
    from app.units import bp as units_bp
    from competitions import bp as competitions_bp
    from competitions.events import bp as events_bp
    from judging import bp as judging_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(units_bp, url_prefix="/units")
    app.register_blueprint(competitions_bp, url_prefix="/competitions")
    app.register_blueprint(judging_bp, url_prefix="/judging")
    app.register_blueprint(accelerator_bp, url_prefix="/accelerator")
    app.register_blueprint(events_bp, url_prefix="/events")
    app.register_blueprint(programme_bp, url_prefix="/programme")


def _init_session_rules(app: Flask) -> None:
    from app.auth.sessions import enforce_idle_timeout

    @app.before_request
    def idle_timeout() -> Any:
        if request.endpoint and request.endpoint.endswith("static"):
            return None
        if current_user.is_authenticated and enforce_idle_timeout(current_user):
            return redirect(url_for("auth.login", next=request.full_path, expired=1))
        return None
