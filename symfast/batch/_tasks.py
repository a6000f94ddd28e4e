"""What a sweep task is and how a worker runs one.

A task is a JSON-friendly dict with one of two shapes:

* ``{"study": NAME, "preset": "quick" | "paper", "potential": ..., <config overrides>}``
  runs ``symfast.experiments.NAME`` with that preset and returns its result dict;
* ``{"kernel": NAME, <arguments>}`` runs a registered kernel job (``KERNELS``).

``run_task`` is a module-level function so that any executor (a process pool, Dask)
can pickle it; it never raises: a failure comes back with its traceback.
"""

from __future__ import annotations

import hashlib
import json
import time
import traceback
from typing import Any, Callable


def task_key(task: dict[str, Any]) -> str:
    """A stable 16-hex-digit key of a task (SHA-256 of its canonical JSON)."""
    blob = json.dumps(task, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def check_task(task: Any) -> dict[str, Any]:
    """Validate a task's shape up front (before anything is submitted)."""
    if not isinstance(task, dict):
        raise TypeError(f"a task must be a dict, got {type(task).__name__}")
    if ("study" in task) == ("kernel" in task):
        raise ValueError(f"a task needs exactly one of 'study' or 'kernel', got keys "
                         f"{sorted(task)}")
    if "study" in task:
        from symfast.experiments import get_study

        get_study(task["study"])          # a ValueError names the registered studies
        if task.get("preset", "quick") not in ("quick", "paper"):
            raise ValueError(f"preset must be 'quick' or 'paper', got {task['preset']!r}")
    elif task["kernel"] not in KERNELS:
        raise ValueError(f"unknown kernel job {task['kernel']!r}; expected one of "
                         f"{sorted(KERNELS)}")
    try:
        json.dumps(task)
    except TypeError as exc:
        raise TypeError(f"a task must be JSON-serialisable: {exc}") from None
    return task


def _run_study(task: dict[str, Any], n_threads: int | None = None) -> dict[str, Any]:
    from symfast.experiments import get_study

    spec = get_study(task["study"])
    over = {k: v for k, v in task.items() if k not in ("study", "preset", "potential")}
    over = {k: tuple(v) if isinstance(v, list) else v for k, v in over.items()}
    args = (task.get("potential", "higgs"),) if spec.takes_potential else ()
    config = spec.preset(task.get("preset", "quick"), *args, keep_none=True, **over)
    result = spec.load().run(config, progress=False, n_threads=n_threads)
    return result.to_dict()


def _chain_shard(N: int, n: int, start: int, stop: int, J: float = 1.0, B: float = 0.0,
                 strict: bool = True, sample: int = 0, seed: int = 0,
                 n_threads: int | None = None) -> dict[str, Any]:
    from symfast.chain import chain_shard

    return chain_shard(N, n, start, stop, J=J, B=B, strict=strict, sample=sample, seed=seed,
                       n_threads=n_threads)


def _chain_count(N: int, n: int, J: float = 1.0, B: float = 0.0,
                 strict: bool = True, n_threads: int | None = None) -> dict[str, Any]:
    from symfast.chain import count_metastable

    return {"count": count_metastable(N, n, J=J, B=B, strict=strict, n_threads=n_threads)}


#: kernel jobs a task may name: name -> function(**arguments) -> JSON-friendly dict
KERNELS: dict[str, Callable[..., dict[str, Any]]] = {
    "chain_shard": _chain_shard,
    "chain_count": _chain_count,
}


def run_task(task: dict[str, Any], n_threads: int | None = None) -> dict[str, Any]:
    """Run one task; returns {"status": "ok", "result": ..., "seconds": ...} or
    {"status": "failed", "error": ..., "traceback": ...}.

    ``n_threads`` bounds every pool the task uses (kernels, FAISS, torch); None
    leaves symfast's default (every CPU).  It is not part of the task's key: the
    result does not depend on it.
    """
    t0 = time.perf_counter()
    try:
        if "study" in task:
            result = _run_study(task, n_threads)
        else:
            args = {k: v for k, v in task.items() if k != "kernel"}
            result = KERNELS[task["kernel"]](**args, n_threads=n_threads)
        return {"status": "ok", "result": result, "seconds": time.perf_counter() - t0}
    except BaseException as exc:        # noqa: BLE001 - a worker reports, never dies
        if isinstance(exc, KeyboardInterrupt):
            raise
        return {"status": "failed", "error": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc(), "seconds": time.perf_counter() - t0}
