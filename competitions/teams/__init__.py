"""Teams: members, invitations, the advisor teacher, leader transfer."""
