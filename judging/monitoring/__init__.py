"""Judging progress per judge and per entry, reminders, and closing judging."""
