"""One module per study: a frozen config (``quick`` and ``paper`` presets),
``run(config)`` and a Result that saves JSON, arrays and figures."""

from symfast.experiments import discover, invariance, mnist

EXPERIMENTS = {"invariance": invariance, "discover": discover, "mnist": mnist}

__all__ = ["EXPERIMENTS", "discover", "invariance", "mnist"]
