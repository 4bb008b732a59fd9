"""The judge's dashboard and score sheets."""
