"""The student's tools: --hint, --watch, --reset and --upgrade."""
