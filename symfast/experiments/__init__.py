"""One module per study: a frozen config (``quick`` and ``paper`` presets),
``run(config)`` and a Result that saves JSON, arrays and figures."""

from symfast.experiments import cicy, discover, invariance, mnist

EXPERIMENTS = {"invariance": invariance, "discover": discover, "mnist": mnist, "cicy": cicy}

__all__ = ["EXPERIMENTS", "cicy", "discover", "invariance", "mnist"]
