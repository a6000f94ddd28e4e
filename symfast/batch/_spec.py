"""Sweep specifications in TOML.

    retries = 1                  # optional

    [[task]]                     # one or more
    study = "invariance"         # or kernel = "chain_count"
    preset = "quick"
    [task.grid]                  # optional: every combination of these lists
    potential = ["higgs", "so3"]
    seed = [0, 1, 2]

Keys outside ``grid`` are passed as they are (a list stays a list, e.g. ``hidden``).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any


def load_spec(path: str | Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Read a sweep spec: (tasks, options).  Errors name the file and the entry."""
    try:
        import tomllib
    except ModuleNotFoundError:                  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    from symfast.batch._tasks import check_task

    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"sweep spec {p} does not exist")
    try:
        spec = tomllib.loads(p.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{p}: not valid TOML: {exc}") from None
    unknown = sorted(set(spec) - {"task", "retries"})
    if unknown:
        raise ValueError(f"{p}: unknown top-level keys {unknown}; expected [[task]] and "
                         "retries")
    entries = spec.get("task")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{p}: needs at least one [[task]] table")
    tasks = []
    for i, entry in enumerate(entries):
        grid = entry.pop("grid", {})
        if not isinstance(grid, dict) or not all(isinstance(v, list) and v
                                                 for v in grid.values()):
            raise ValueError(f"{p}: task {i + 1}: grid must map names to non-empty lists")
        for combo in itertools.product(*grid.values()):
            task = {**entry, **dict(zip(grid, combo))}
            try:
                tasks.append(check_task(task))
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{p}: task {i + 1}: {exc}") from None
    return tasks, {"retries": spec.get("retries", 1)}
