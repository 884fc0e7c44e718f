"""python -m tests.kata <verb>: the kata's commands that are not a test run (see cli.py)."""

import sys

from tests.kata.cli import main

sys.exit(main())
