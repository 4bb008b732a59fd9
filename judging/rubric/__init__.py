"""Organizer pages of a round's rubric and judging settings."""
