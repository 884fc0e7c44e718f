"""The kata's own checks: the instructor's run (pytest --solutions) and CI run them, never a
student's run."""
