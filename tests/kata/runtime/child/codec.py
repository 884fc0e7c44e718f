"""Values across the process boundary: arrays and plain containers, never pickles.

Both sides use this file: the kata's pytest process and the subject process that runs the
student's code (which gets a copy of it). A message is a JSON header and a list of binary
blobs (the arrays' bytes). Decoding builds only None, bools, numbers, strings, bytes, lists,
tuples, dicts, numpy arrays and scalars of plain dtypes, and numpy random generators; it never
calls a constructor named by the data, so a message from the student's process cannot run code
in the kata's. Anything else (the student's own objects, functions) stays in the process that
made it and crosses as a `Handle`: an id, the type's name, and a *view* of its attributes.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Iterable
from typing import Any, TypeAlias

import numpy as np

# Bound now: in the subject process the student's code may replace json's functions later.
_dumps, _loads = json.dumps, json.loads
MAX_DEPTH = 32  # deeper nesting crosses as a handle
MAX_FRAME = 1 << 29  # bytes in one message (512 MiB); more is refused with a message
PLAIN_KINDS = "biufc?"  # bool, integers, floats, complex: dtypes that cross by value
# What a value encodes to: a tree json.dumps takes.
Json: TypeAlias = "bool | int | float | str | list[Json] | dict[str, Json] | None"


class Unreadable(Exception):  # noqa: N818
    """A message the kata cannot read: too large, cut short, or not the kata's format."""


class Handle:
    """An object that stayed in the other process: its id there, its type, a view of its fields.

    The view (a dict of attributes, decoded) lets the kata see what a call changed inside a
    cache it cannot hold; passed back, the handle is the original object again.
    """

    __slots__ = ("__dict__", "handle_id", "type_name")

    def __init__(self, handle_id: int, type_name: str, view: dict[str, Any] | None = None):
        self.handle_id, self.type_name = handle_id, type_name
        self.__dict__.update(view or {})

    def __repr__(self) -> str:
        return f"<{self.type_name} object>"


class Encoder:
    """value -> JSON-able tree; arrays go to `blobs`; other objects to `keep` (a handle table)."""

    def __init__(
        self,
        keep: Callable[[object], int] | None = None,
        view: Callable[[object], dict[str, Any] | None] | None = None,
        refer: Callable[[object], int | None] | None = None,
    ):
        self.blobs: list[bytes] = []
        # id of an array already in this message -> (the array, kept alive; its blob)
        self.arrays: dict[int, tuple[np.ndarray, int]] = {}
        self.keep = keep  # callable(obj) -> id, or None: no handles (the parent's side)
        self.view = view  # callable(obj) -> dict of attributes, or None
        self.refer = refer  # callable(obj) -> the other side's id of the same object, or None

    def encode(self, value: object, depth: int = 0) -> Json:
        if value is None or isinstance(value, bool | str):
            return value
        if self.refer is not None and isinstance(value, np.ndarray | tuple | list | dict):
            found = self.refer(value)
            if found is not None:
                return {"$": "ref", "id": found}
        if isinstance(value, np.generic):
            return self._scalar(value)
        if isinstance(value, int):
            return value if type(value) is int else int(value)
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                return {"$": "float", "v": repr(float(value))}
            return float(value)
        if depth > MAX_DEPTH:
            return self._handle(value)
        if isinstance(value, np.ndarray):
            if value.dtype.kind not in PLAIN_KINDS or value.dtype.hasobject:
                return self._handle(value)
            # One array twice in a value (a cache holding Z1 under two names) arrives as one.
            seen = self.arrays.get(id(value))
            if seen is None or seen[0] is not value:
                seen = self.arrays[id(value)] = (value, self._blob(value))
            return {"$": "nd", "d": value.dtype.str, "s": list(value.shape), "b": seen[1]}
        if isinstance(value, complex):
            return {"$": "complex", "v": [value.real, value.imag]}
        if isinstance(value, bytes):
            return {"$": "bytes", "b": self._raw(value)}
        if type(value) is list:
            return [self.encode(v, depth + 1) for v in value]
        if type(value) is tuple:
            return {"$": "tuple", "v": [self.encode(v, depth + 1) for v in value]}
        if type(value) is dict:
            return {
                "$": "dict",
                "k": [self.encode(k, depth + 1) for k in value],
                "v": [self.encode(v, depth + 1) for v in value.values()],
            }
        if isinstance(value, np.random.Generator):
            bits = value.bit_generator
            return {"$": "rng", "bg": type(bits).__name__, "st": self.encode(bits.state, depth)}
        if isinstance(value, np.random.RandomState):
            state = value.get_state(legacy=False)
            return {"$": "rs", "st": self.encode(state, depth)}
        if isinstance(value, Handle):
            return {"$": "h", "id": value.handle_id, "t": value.type_name}
        return self._handle(value, depth)

    def _scalar(self, value: np.generic) -> Json:
        if value.dtype.kind not in PLAIN_KINDS:
            return self._handle(value)
        return {"$": "np", "d": value.dtype.str, "b": self._blob(np.asarray(value))}

    def _blob(self, array: np.ndarray) -> int:
        return self._raw(np.ascontiguousarray(array).tobytes())

    def _raw(self, data: bytes) -> int:
        self.blobs.append(data)
        return len(self.blobs) - 1

    def _handle(self, value: object, depth: int = 0) -> Json:
        if self.keep is None:
            raise TypeError(f"{type(value).__name__} cannot cross to the subject process")
        view: Json = None
        if self.view is not None and depth <= MAX_DEPTH:
            found = self.view(value)
            if found is not None:
                view = self.encode(found, depth + 1)
        return {"$": "h", "id": self.keep(value), "t": type(value).__name__, "v": view}


class Decoder:
    """The inverse of Encoder. `handles`: callable(id, type name, view) -> the object."""

    def __init__(
        self, blobs: list[bytes], handles: Callable[[int, str, object], object] | None = None
    ):
        self.blobs, self.handles = blobs, handles
        self.arrays: dict[int, np.ndarray] = {}  # blob -> the array decoded from it

    def decode(self, tree: object) -> Any:
        """The value of `tree`; anything malformed is Unreadable, never another error."""
        try:
            return self._decode(tree)
        except Unreadable:
            raise
        except (KeyError, ValueError, TypeError, IndexError, RecursionError, OverflowError) as exc:
            raise Unreadable(f"a malformed value ({type(exc).__name__}: {exc})") from None

    def _decode(self, tree: object, depth: int = 0) -> Any:
        if depth > MAX_DEPTH + 8:
            raise Unreadable("nested too deeply")
        if tree is None or isinstance(tree, bool | int | float | str):
            return tree
        if isinstance(tree, list):
            return [self._decode(v, depth + 1) for v in tree]
        if not isinstance(tree, dict):
            raise Unreadable(f"a {type(tree).__name__} where a value was expected")
        tag = tree.get("$")
        if tag == "nd":
            known = self.arrays.get(tree["b"]) if isinstance(tree["b"], int) else None
            if known is None or known.dtype.str != tree["d"] or list(known.shape) != tree["s"]:
                known = self.arrays[tree["b"]] = self._array(tree["d"], tree["s"], tree["b"])
            return known
        if tag == "np":
            return self._array(tree["d"], [], tree["b"])[()]
        if tag == "float":
            return float(tree["v"])
        if tag == "complex":
            re, im = tree["v"]
            return complex(float(re), float(im))
        if tag == "bytes":
            return bytes(self._get(tree["b"]))
        if tag == "tuple":
            return tuple(self._decode(v, depth + 1) for v in tree["v"])
        if tag == "dict":
            keys = [self._decode(k, depth + 1) for k in tree["k"]]
            try:
                return dict(zip(keys, (self._decode(v, depth + 1) for v in tree["v"]), strict=True))
            except TypeError as exc:  # an unhashable key
                raise Unreadable(str(exc)) from None
        if tag == "rng":
            return _generator(tree["bg"], self._decode(tree["st"], depth + 1))
        if tag == "rs":
            rs = np.random.RandomState()
            rs.set_state(self._decode(tree["st"], depth + 1))
            return rs
        if tag == "ref":
            if self.handles is None:
                raise Unreadable("a reference where none can be")
            return self.handles(int(tree["id"]), "", None)
        if tag == "h":
            view = tree.get("v")
            view = self._decode(view, depth + 1) if view is not None else None
            if self.handles is None:
                return Handle(
                    int(tree["id"]), str(tree["t"]), view if isinstance(view, dict) else {}
                )
            return self.handles(int(tree["id"]), str(tree["t"]), view)
        raise Unreadable(f"unknown tag {tag!r}")

    def _get(self, index: object) -> bytes:
        if not isinstance(index, int) or not 0 <= index < len(self.blobs):
            raise Unreadable("a blob index out of range")
        return self.blobs[index]

    def _array(self, dtype: str, shape: Iterable[Any], index: object) -> np.ndarray:
        dt = np.dtype(str(dtype))
        if dt.kind not in PLAIN_KINDS or dt.hasobject or dt.fields is not None:
            raise Unreadable(f"dtype {dtype!r} does not cross")
        shape = tuple(int(n) for n in shape)
        data = self._get(index)
        if len(data) != dt.itemsize * int(np.prod(shape, dtype=np.int64)):
            raise Unreadable("an array's bytes do not match its shape")
        array: np.ndarray = np.frombuffer(data, dtype=dt).reshape(shape).copy()  # stubs: Any
        return array


def _generator(name: str, state: dict[str, Any]) -> np.random.Generator:
    kinds = {
        "PCG64": np.random.PCG64,
        "PCG64DXSM": np.random.PCG64DXSM,
        "MT19937": np.random.MT19937,
        "Philox": np.random.Philox,
        "SFC64": np.random.SFC64,
    }
    if name not in kinds:
        raise Unreadable(f"unknown bit generator {name!r}")
    bits = kinds[name]()
    bits.state = state
    return np.random.Generator(bits)


def set_state(
    target: np.random.Generator | np.random.RandomState,
    source: np.random.Generator | np.random.RandomState,
) -> None:
    """Give a generator (or RandomState) the state of another: what a call drew, the caller sees."""
    if isinstance(target, np.random.Generator) and isinstance(source, np.random.Generator):
        target.bit_generator.state = source.bit_generator.state
    elif isinstance(target, np.random.RandomState) and isinstance(source, np.random.RandomState):
        target.set_state(source.get_state(legacy=False))
    else:
        raise TypeError(f"a {type(source).__name__} has no state for a {type(target).__name__}")


# --- frames on a byte stream ---------------------------------------------------------------------
HEAD = struct.Struct("<QI")  # header bytes, number of blobs
SIZE = struct.Struct("<Q")


def pack(header: dict[str, Any], blobs: list[bytes]) -> bytes:
    text = _dumps(header, allow_nan=True, separators=(",", ":")).encode("utf-8")
    parts = [HEAD.pack(len(text), len(blobs)), text]
    for blob in blobs:
        parts += [SIZE.pack(len(blob)), blob]
    return b"".join(parts)


def unpack(read: Callable[[int], bytes]) -> tuple[dict[str, Any], list[bytes]]:
    """One message from read(n) (which returns exactly n bytes, or raises EOFError)."""
    size, count = HEAD.unpack(read(HEAD.size))
    if size > MAX_FRAME or count > 1 << 20:
        raise Unreadable(f"a message of {size} bytes and {count} arrays")
    try:
        header = _loads(read(size).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Unreadable(f"not the kata's format ({exc})") from None
    if not isinstance(header, dict):
        raise Unreadable("not the kata's format")
    blobs: list[bytes] = []
    total = 0
    for _ in range(count):
        (n,) = SIZE.unpack(read(SIZE.size))
        total += n
        if total > MAX_FRAME:
            raise Unreadable(f"arrays of more than {MAX_FRAME} bytes")
        blobs.append(read(n))
    return header, blobs


def try_unpack(buffer: bytearray) -> tuple[dict[str, Any], list[bytes], int] | None:
    """The message at the start of `buffer` and its length in bytes, or None if it is not all
    there yet (for a reader that must never block on a half-written message)."""
    if len(buffer) < HEAD.size:
        return None
    size, count = HEAD.unpack_from(buffer, 0)
    if size > MAX_FRAME or count > 1 << 20:
        raise Unreadable(f"a message of {size} bytes and {count} arrays")
    position = HEAD.size + size
    if len(buffer) < position:
        return None
    try:
        header = _loads(bytes(buffer[HEAD.size : position]).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Unreadable(f"not the kata's format ({exc})") from None
    if not isinstance(header, dict):
        raise Unreadable("not the kata's format")
    blobs: list[bytes] = []
    for _ in range(count):
        if len(buffer) < position + SIZE.size:
            return None
        (n,) = SIZE.unpack_from(buffer, position)
        position += SIZE.size
        if position + n > MAX_FRAME + HEAD.size + count * SIZE.size:
            raise Unreadable(f"a message of more than {MAX_FRAME} bytes")
        if len(buffer) < position + n:
            return None
        blobs.append(bytes(buffer[position : position + n]))
        position += n
    return header, blobs, position
