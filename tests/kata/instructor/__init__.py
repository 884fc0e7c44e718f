"""The instructor's tools: the handout, grading and the bundle (python -m tests.kata <verb>)."""
