"""Views of this topic; they register on the competitions blueprint."""

from competitions import bp  # noqa: F401
