"""The pristine stubs, generated from solutions/: the kata's own given code."""
