"""The kata's machinery, by reader: runtime/ (what a plain pytest needs), student/,
instructor/, maintainer/, bench/ and checks/ (the kata's own checks); registry.toml holds
one record per exercise, and `python -m tests.kata --help` lists the commands."""
