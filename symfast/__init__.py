"""symfast: fast discovery of symmetries and dual representations with neural networks.

Subpackages load on first use, so ``import symfast`` stays fast: torch, FAISS
and the Numba kernels are imported only by the code that needs them.
"""

from __future__ import annotations

import importlib
from typing import Any

from symfast._version import __version__

_SUBMODULES = {"potentials", "nn", "analysis", "experiments", "cli", "chain", "cicy", "ising",
               "images", "fourier", "batch", "symmetry", "nbody"}

#: Functions re-exported at the top level, loaded on first use.
_FUNCTIONS = {"find_generators": "symfast.symmetry",
              "find_discrete_symmetries": "symfast.symmetry",
              "discover": "symfast.symmetry",
              "discover_equivariance": "symfast.symmetry",
              "Symmetry": "symfast.symmetry",
              "invariants": "symfast.symmetry"}

__all__ = ["__version__", *sorted(_SUBMODULES), *sorted(_FUNCTIONS)]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"symfast.{name}")
    if name in _FUNCTIONS:
        return getattr(importlib.import_module(_FUNCTIONS[name]), name)
    raise AttributeError(f"module 'symfast' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES | set(_FUNCTIONS))
