"""The student's exceptions, as this process sees them: facts sent by the subject process.

An exception raised in the subject process crosses as its type's name, the names of its
builtin bases, its message and the lines of the student's file it went through. Here it
becomes an instance of a class of the same name, a subclass of `RemoteError` and of the
builtin base (so `except ValueError` and isinstance checks behave), never the student's
own class: nothing of theirs is unpickled or run.
"""

from __future__ import annotations

import builtins
import functools
from typing import Any


class RemoteError(Exception):
    """An exception the student's code raised in the subject process: its type, message, lines."""

    frames: list[tuple[int, str, str]] = []
    exercise = ""
    kata_function: str | None = None


@functools.cache
def _remote_class(name: str, builtin: str | None) -> type:
    base = getattr(builtins, builtin, None) if builtin else None
    bases: tuple[type, ...] = (RemoteError,)
    if isinstance(base, type) and issubclass(base, Exception) and base is not Exception:
        bases = (RemoteError, base)
    try:
        return type(name, bases, {"__str__": lambda self: self.args[0] if self.args else ""})
    except TypeError:  # a layout conflict between two builtin bases
        return type(name, (RemoteError,), {})


def remote_error(exercise: str, facts: dict[str, Any]) -> RemoteError:
    mro = [n for n in facts.get("mro", []) if n not in ("BaseException", "object")]
    name, message = str(facts.get("type", "Exception")), str(facts.get("message", ""))
    if not name.isidentifier():
        name = "Exception"
    try:
        error: RemoteError = _remote_class(name, mro[0] if mro else None)(message)
    except Exception:  # a builtin base that takes other arguments
        error = _remote_class(name, None)(message)
    error.frames = [tuple(f) for f in facts.get("frames", [])]
    error.exercise = exercise
    error.kata_function = facts.get("function")
    return error


def frames_of(exc: BaseException) -> list[tuple[int, str, str]]:
    """(line, function, text) of the student's file the exception went through."""
    return list(getattr(exc, "frames", []))
