"""Choosing the cohort's teams: candidates from published results or added by hand,
selection up to capacity, the invitation the team leader answers, and the roster."""
