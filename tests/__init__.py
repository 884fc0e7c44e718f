"""The kata's tests: one file per exercise, sharing the harness and the suites."""
