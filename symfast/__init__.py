"""symfast: fast discovery of symmetries and dual representations with neural networks.

Subpackages load on first use, so ``import symfast`` stays fast: torch, FAISS
and the Numba kernels are imported only by the code that needs them.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

# symfast's kernels, FAISS and torch each bring an OpenMP thread pool.  With the
# default "active" wait policy, threads of one pool spin after their parallel region
# and starve the next pool: on 2 cores a training that follows a kernel call ran 4x
# slower (the test suite took 110 s instead of 42 s).  Passive waiting removes that;
# it must be set before an OpenMP runtime starts, and a user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from symfast._version import __version__

_SUBMODULES = {"potentials", "nn", "analysis", "experiments", "cli", "chain", "cicy", "ising",
               "images", "fourier", "batch"}

#: Functions re-exported at the top level, loaded on first use.
_FUNCTIONS = {"find_generators": "symfast.analysis",
              "find_discrete_symmetries": "symfast.analysis",
              "discover": "symfast.experiments.data"}

__all__ = ["__version__", *sorted(_SUBMODULES), *sorted(_FUNCTIONS)]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"symfast.{name}")
    if name in _FUNCTIONS:
        return getattr(importlib.import_module(_FUNCTIONS[name]), name)
    raise AttributeError(f"module 'symfast' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES | set(_FUNCTIONS))
