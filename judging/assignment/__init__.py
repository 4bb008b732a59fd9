"""Organizer pages that assign judges to entries: by hand, automatically through
app.optimiser, and panel mode."""
