"""Competitions: calls, tracks, rounds, teams, entries and their files."""

from flask import Blueprint

bp = Blueprint("competitions", __name__, template_folder="templates")
