"""The yearly cohort of the acceleration programme and its dated milestones."""
