"""Email through a transactional outbox: written with the change, sent after the commit."""
