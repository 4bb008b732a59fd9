"""People: users, their roles and their expertise."""
