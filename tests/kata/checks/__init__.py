"""The kata's own checks: run by the instructor (pytest --solutions) and CI, never in a student's run."""
