"""Entries: drafts, submissions with immutable versions, files, withdrawal; the participant dashboard."""
