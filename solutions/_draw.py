"""Given code: the pictures of the `python -m` runs. One copy serves both trees; it lives
in exercises/_draw.py, beside the files the student fills in."""

from exercises._draw import decision_map, finish, loss_curve, options, run, save_plot

__all__ = ["decision_map", "finish", "loss_curve", "options", "run", "save_plot"]
