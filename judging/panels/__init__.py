"""A round's judge panel and invitations; judges' conflict declarations; organizers'
recusals and overrides; detection of likely conflicts."""
