"""One module per study: a frozen config (``quick`` and ``paper`` presets),
``run(config)`` and a Result that saves JSON, arrays and figures."""

from symfast.experiments import invariance

EXPERIMENTS = {"invariance": invariance}

__all__ = ["EXPERIMENTS", "invariance"]
