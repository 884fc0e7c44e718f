"""What the console can print: the kata's own characters where it can, plain ASCII where not.

Whether a console can print a text is tried, never guessed from its encoding's name: a
Windows console on cp1252 prints "·" and "×" but not "ᵀ" or "█"; PYTHONIOENCODING=ascii
prints neither.
"""

from __future__ import annotations

from typing import TextIO

# The kata's non-ASCII characters, each with a plain spelling that reads the same.
PLAIN = str.maketrans(
    {
        "·": "*",
        "×": "x",
        "÷": "/",
        "µ": "u",
        "…": "...",
        "≈": "~",
        "ᵀ": "^T",
        "½": "1/2",
        "²": "^2",
        "±": "+/-",
        "⊙": "*",
        "→": "->",
        "»": ">>",
        "←": "<-",
        "—": "-",
        "–": "-",
        "−": "-",
        "≤": "<=",
        "≥": ">=",
        "≠": "!=",
        "✓": "+",
        "✗": "x",
        "█": "#",
        "░": ".",
        "─": "-",
        "‘": "'",
        "’": "'",
        "“": '"',
        "”": '"',
    }
)


def can_encode(stream: TextIO, text: str) -> bool:
    """Whether `stream` can print `text`: tried with the stream's own encoding."""
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def plain(text: str) -> str:
    """`text` in ASCII: the kata's characters spelled plainly, anything else escaped."""
    return text.translate(PLAIN).encode("ascii", "backslashreplace").decode("ascii")


def fit(stream: TextIO, text: str) -> str:
    """`text` as it is where `stream` can print it, else in plain ASCII."""
    return text if can_encode(stream, text) else plain(text)
