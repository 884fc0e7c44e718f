"""The runtime a plain `pytest` needs: the student's code in its own process, the checks,
the diagnosis and the report."""
