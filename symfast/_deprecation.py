"""Names that moved or were respelt: served under the old name for one release."""

from __future__ import annotations

import importlib
import warnings
from typing import Any


def forward(old: str, new: str, how: str = "moved to") -> Any:
    """The object at dotted path ``new``, asked for under ``old``, with a DeprecationWarning.

    Called from a module's ``__getattr__``, so the warning points at the caller's line.
    """
    module, _, attr = new.rpartition(".")
    warnings.warn(f"{old} {how} {new}; the old name goes in the next release",
                  DeprecationWarning, stacklevel=3)
    return getattr(importlib.import_module(module), attr)
