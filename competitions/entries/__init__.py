"""Entries: drafts, submitted versions, files, withdrawal; the participant dashboard."""
