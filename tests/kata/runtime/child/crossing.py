"""What crossing to the subject process and back must keep: identity, and changes in place.

Values cross as copies (codec.py). Two things of one process are kept all the same:

- `Identities`: forward's output and cache, passed back to loss and backward, are the same
  objects there as when forward made them, as in one process (a memo keyed by `id(cache)`,
  a loss that writes into forward's output, behave as they would);
- `apply`: what a call changed of its arguments there, the caller's objects here show too
  (given code such as `train` updates params in place).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tests.kata.runtime import state
from tests.kata.runtime.child import codec


class Identities:
    """Which objects here are copies of objects the subject process still holds, by its ids.

    forward's output and cache, passed back to loss and backward, are then the same objects
    there as they were when forward made them (as in one process): a student's memo keyed by
    `id(cache)`, or a loss that writes into forward's output, behaves as it would in one
    process. A copy changed here since it came is sent by value instead.
    """

    SIZE = 256  # the newest; the subject process holds more (server.KEPT)

    def __init__(self) -> None:
        self.known: dict[int, tuple[object, int, state.Frozen]] = {}
        self.starts = -1

    def reset_if(self, starts: int) -> None:
        if starts != self.starts:
            self.known.clear()
            self.starts = starts

    def add(self, obj: object, child_id: int) -> None:
        self.known.pop(id(obj), None)
        self.known[id(obj)] = (obj, child_id, state.snapshot(obj))
        while len(self.known) > self.SIZE:
            self.known.pop(next(iter(self.known)))

    def refer(self, obj: object) -> int | None:
        found = self.known.get(id(obj))
        if found is None or found[0] is not obj or state.changes(found[2], obj, "x"):
            return None
        return found[1]


def apply(target: object, value: Any) -> None:
    """Give `target` (an argument of a call) the state its copy had after the call."""
    if isinstance(target, np.ndarray) and isinstance(value, np.ndarray):
        if target.shape == value.shape and target.flags.writeable:
            np.copyto(target, value, casting="unsafe")
        return
    if isinstance(target, dict) and isinstance(value, dict):
        for key in [k for k in target if k not in value]:
            del target[key]
        for key, new in value.items():
            old = target.get(key)
            if _same_kind(old, new):
                apply(old, new)
            else:
                target[key] = new
        return
    if isinstance(target, list) and isinstance(value, list):
        if len(target) == len(value):
            for i, (old, new) in enumerate(zip(target, value, strict=True)):
                if _same_kind(old, new):
                    apply(old, new)
                else:
                    target[i] = new
        else:
            target[:] = value
        return
    if isinstance(target, tuple) and isinstance(value, tuple) and len(target) == len(value):
        for old, new in zip(target, value, strict=True):
            apply(old, new)
        return
    if isinstance(target, codec.Handle) and isinstance(value, codec.Handle):
        target.__dict__.clear()
        target.__dict__.update(value.__dict__)
        return
    if isinstance(target, np.random.Generator | np.random.RandomState) and type(target) is type(
        value
    ):
        codec.set_state(target, value)


def _same_kind(old: object, new: object) -> bool:
    if isinstance(old, np.ndarray) and isinstance(new, np.ndarray):
        return bool(old.shape == new.shape and old.dtype == new.dtype)
    return type(old) is type(new) and isinstance(old, dict | list | tuple | codec.Handle)
