"""The exercises: one module per network; fill in the functions under "yours"."""
