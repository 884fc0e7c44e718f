"""Deep snapshots: did a call change anything it was given?

`snapshot(value)` copies what a call could change in place: arrays (by value, shape and
dtype), and the contents of tuples, lists, dicts, dataclasses, namespaces and any object's
`__dict__` or `__slots__`, recursively. `changes(before, value, name)` lists what differs
now as (path, how) pairs: a path such as `cache['A']`, `cache.Z1` or `params['W1']`, and
how it differs: "changed", "added" or "removed".
"""

from __future__ import annotations

import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

DEPTH = 8  # deeper than any cache a student writes; cycles stop earlier


@dataclass(frozen=True)
class Frozen:
    kind: str  # "array", "mapping", "sequence", "object", "value"
    value: Any  # by kind: the array, a dict or a list of Frozen, the plain value or its id
    type_: type


def attributes(value: object) -> dict[str, Any] | None:
    """An object's own attributes, from __dict__ and __slots__; None for an atomic value."""
    if isinstance(value, type | types.ModuleType | types.FunctionType | types.MethodType):
        return None
    found: dict[str, Any] = {}
    if hasattr(value, "__dict__") and isinstance(vars(value), dict):
        found.update(vars(value))
    for cls in type(value).__mro__:
        for slot in getattr(cls, "__slots__", ()):
            if slot not in ("__dict__", "__weakref__") and hasattr(value, slot):
                found[slot] = getattr(value, slot)
    return found if found or hasattr(value, "__dict__") else None


def snapshot(value: object, depth: int = DEPTH, seen: frozenset[int] = frozenset()) -> Frozen:
    if isinstance(value, np.ndarray):
        return Frozen("array", value.copy(), type(value))
    if depth <= 0 or id(value) in seen:
        return Frozen("value", id(value), type(value))
    seen = seen | {id(value)}
    if isinstance(value, dict):
        return Frozen(
            "mapping", {k: snapshot(v, depth - 1, seen) for k, v in value.items()}, type(value)
        )
    if isinstance(value, list | tuple):
        return Frozen("sequence", [snapshot(v, depth - 1, seen) for v in value], type(value))
    if isinstance(value, int | float | complex | str | bytes | bool | np.generic | type(None)):
        return Frozen("value", value, type(value))
    found = attributes(value)
    if found is None:
        return Frozen("value", id(value), type(value))
    return Frozen(
        "object", {k: snapshot(v, depth - 1, seen) for k, v in found.items()}, type(value)
    )


def changes(before: Frozen, value: object, path: str, depth: int = DEPTH) -> list[tuple[str, str]]:
    """(path, how) for every place under `path` where `value` no longer matches `before`."""
    now = snapshot(value, depth)
    return _diff(before, now, path)


def _diff(a: Frozen, b: Frozen, path: str) -> list[tuple[str, str]]:
    changed = [(path, "changed")]
    if a.kind != b.kind or a.type_ is not b.type_:
        return changed
    if a.kind == "array":
        x, y = a.value, b.value
        same = x.shape == y.shape and x.dtype == y.dtype
        if same:
            try:
                same = bool(np.array_equal(x, y, equal_nan=x.dtype.kind in "fc"))
            except TypeError:  # object arrays
                same = bool(np.array_equal(x, y))
        return [] if same else changed
    if a.kind == "value":
        try:
            return [] if a.value == b.value or a.value is b.value else changed
        except Exception:
            return changed
    if a.kind == "sequence":
        if len(a.value) != len(b.value):
            return changed
        found = []
        for i, (x, y) in enumerate(zip(a.value, b.value, strict=True)):
            found += _diff(x, y, f"{path}[{i}]")
        return found
    found = []
    label: Callable[[object], str] = (
        (lambda k: f"{path}[{k!r}]") if a.kind == "mapping" else (lambda k: f"{path}.{k}")
    )
    for key in a.value.keys() | b.value.keys():
        if key not in a.value:
            found.append((label(key), "added"))
        elif key not in b.value:
            found.append((label(key), "removed"))
        else:
            found += _diff(a.value[key], b.value[key], label(key))
    return sorted(found)
