"""One module per study: a frozen config (``quick`` and ``paper`` presets), ``run(config)``,
a Result that saves JSON, arrays and figures, and ``STUDY``, its entry in the registry
(:func:`studies`) that the command line, sweeps and ``symfast reproduce`` read."""

from typing import Any

from symfast.experiments._registry import StudySpec, get_study, studies
from symfast.experiments._training import TrainingConfig

__all__ = ["EXPERIMENTS", "StudySpec", "TrainingConfig", "get_study", "studies"]


def __getattr__(name: str) -> Any:
    if name == "EXPERIMENTS":         # study name -> module, from the registry
        return {n: spec.load() for n, spec in studies().items()}
    raise AttributeError(f"module 'symfast.experiments' has no attribute {name!r}")
