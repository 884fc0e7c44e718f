"""numpy's error state as the kata sets it, in pytest's process and in the subject process.

divide, over and invalid warn (and warnings are errors in the kata), under is ignored: the
reference's stable sigmoid takes exp(-|z|), which underflows at ±1000. Both processes read
it here (the subject process as kata_runtime.errstate: child/process.py copies it there).
"""

from __future__ import annotations

from typing import Literal, TypedDict

Handling = Literal["ignore", "warn", "raise"]


class ErrState(TypedDict):  # np.errstate's arguments
    divide: Handling
    over: Handling
    invalid: Handling
    under: Handling


ERRSTATE: ErrState = {"divide": "warn", "over": "warn", "invalid": "warn", "under": "ignore"}
