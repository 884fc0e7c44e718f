"""The kata's machinery: loading and containing the student's code, the checks, the report."""
