"""Importing people from xlsx: the experts (judges and mentors) import, and the pieces every
people import shares (the upload forms, keeping the previewed file, matching units and
accounts, the messages of the report). The participants-with-teams import lives with the
teams, in competitions/teams, and uses these pieces."""
