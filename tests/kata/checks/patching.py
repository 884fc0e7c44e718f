"""Patch a solution by its code, not its text: the catalogue's answers and the plugin's checks.

`patch(source, old, new)` finds the code `old` in `source` by its tokens (Python's own
tokenizer), so that comments, blank lines, spacing and line breaks inside brackets do not
count: a solution whose comments are reworded, or whose lines are wrapped another way,
still takes every answer. `old` may be whole lines (it starts with the line's indentation:
the lines it covers are replaced, their comments with them) or a piece of one (an
expression: only that piece is replaced). Where `old` is not code (a piece of a docstring),
it must appear once, as text.
"""

from __future__ import annotations

import io
import textwrap
import tokenize

SKIP = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENCODING,
    tokenize.ENDMARKER,
}


class PatchError(ValueError):
    """`old` is not in the source once: the answer no longer fits the solution."""


def _tokens(text: str) -> tuple[list[tokenize.TokenInfo], bool]:
    """The code tokens of text, and whether it read to its end: a piece that stops inside
    brackets (`def loss(`) gives the tokens read up to there."""
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type not in SKIP:
                found.append(token)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return found, False
    return found, True


def locate(source: str, old: str) -> tuple[int, int]:
    """The span [start, end) of source that `old` stands for (see the module's docstring)."""
    piece = textwrap.dedent(old).strip("\n")
    mine, whole = _tokens(piece)
    if not whole and source.count(old) == 1:  # a piece cut inside brackets: as it is written
        start = source.index(old)
        return start, start + len(old)
    wanted = [(t.type, t.string) for t in mine]
    tokens, _ = _tokens(source)
    kinds = [(t.type, t.string) for t in tokens]
    n = len(wanted)
    hits = [i for i in range(len(kinds) - n + 1) if n and kinds[i : i + n] == wanted]
    if len(hits) != 1:
        if source.count(old) == 1:  # not code (a docstring's words): the text itself, once
            start = source.index(old)
            return start, start + len(old)
        raise PatchError(
            f"the code {old.strip()!r} is in the solution {len(hits)} times, expected once"
        )
    first, last = tokens[hits[0]], tokens[hits[0] + n - 1]
    starts = [0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))

    def offset(row: int, col: int) -> int:
        return starts[row - 1] + col

    start, end = offset(*first.start), offset(*last.end)
    lines = old.strip("\n").splitlines()
    # Whole lines: old starts with the line's indentation, or at the margin where the code is.
    whole_start = bool(lines) and (lines[0][:1].isspace() or first.start[1] == 0)
    line_start = offset(first.start[0], 0)
    if whole_start and not source[line_start:start].strip():
        start = line_start  # old starts a line: so does the replacement, indentation included
        rest = source[end : offset(last.end[0] + 1, 0) if last.end[0] < len(starts) - 1 else None]
        if not rest.split("#", 1)[0].strip():  # and ends one: its comment goes with it
            end += len(rest.rstrip("\r\n"))
    return start, end


def patch(source: str, old: str, new: str) -> str:
    """source with the code `old` replaced by `new` (whole lines, or a piece of one)."""
    start, end = locate(source, old)
    if source[start:end] == old:  # found as it is written: replaced as it is written
        return source[:start] + new + source[end:]
    # Found by its code: the newlines old begins and ends with are the span's edges.
    lead, trail = len(old) - len(old.lstrip("\n")), len(old) - len(old.rstrip("\n"))
    if new.startswith("\n" * lead):
        new = new[lead:]
    if trail and new.endswith("\n" * trail):
        new = new[:-trail]
    return source[:start] + new + source[end:]
