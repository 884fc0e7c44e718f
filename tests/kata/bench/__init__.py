"""The benchmark: per-row loops against vectorized code."""
