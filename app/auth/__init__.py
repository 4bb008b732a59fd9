"""Accounts: registration, sign-in, sessions, single-use links, passwords."""

from flask import Blueprint

bp = Blueprint("auth", __name__, template_folder="templates")

from app.auth import views  # noqa: E402,F401
