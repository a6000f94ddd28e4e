"""symfast: fast discovery of symmetries and dual representations with neural networks.

Subpackages load on first use, so ``import symfast`` stays fast: torch, FAISS
and the Numba kernels are imported only by the code that needs them.
"""

from __future__ import annotations

import importlib
from typing import Any

from symfast._version import __version__

_SUBMODULES = {"potentials", "nn", "analysis", "experiments", "cli"}

__all__ = ["__version__", *sorted(_SUBMODULES)]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"symfast.{name}")
    raise AttributeError(f"module 'symfast' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES)
