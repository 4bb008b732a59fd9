"""Ranking and trust pages per pool and overall, and the ranking export."""
