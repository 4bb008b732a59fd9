"""Accelerator: cohorts, the expert panel, mentor matching, sessions and progress."""

from flask import Blueprint

bp = Blueprint("accelerator", __name__, template_folder="templates")
