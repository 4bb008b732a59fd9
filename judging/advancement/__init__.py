"""Advancement, awards, published results and what each team sees."""
