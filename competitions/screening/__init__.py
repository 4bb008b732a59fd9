"""Screening: the organizers' entry lists, eligibility review, paper submissions."""
