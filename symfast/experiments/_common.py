"""Pieces shared by the experiment modules: stage reporting, provenance, resuming."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, fields, is_dataclass
from pathlib import Path
from typing import Any

import numpy as np

from symfast._io import software_versions  # noqa: F401  (the studies import it from here)


class Stages:
    """Announce the stages of a run on stderr and time each of them.

    Parameters
    ----------
    names : list of str
        Stage names in order.
    enabled : bool
        Print nothing when False (timings are still recorded).
    """

    def __init__(self, names: list[str], enabled: bool = True, title: str = ""):
        self.names = names
        self.enabled = enabled
        self.title = title
        self.timings: dict[str, float] = {}
        self._t0 = time.perf_counter()
        self._current: str | None = None
        self._start = 0.0

    def start(self, name: str) -> None:
        self._finish()
        self._current = name
        self._start = time.perf_counter()
        if self.enabled:
            i = self.names.index(name) + 1 if name in self.names else 0
            prefix = f"{self.title}: " if self.title else ""
            print(f"[{i}/{len(self.names)}] {prefix}{name} ...", file=sys.stderr, flush=True)

    def _finish(self) -> None:
        if self._current is not None:
            self.timings[self._current] = time.perf_counter() - self._start
            self._current = None

    def done(self) -> dict[str, float]:
        self._finish()
        self.timings["total"] = time.perf_counter() - self._t0
        return self.timings


def config_dict(config: Any) -> dict[str, Any]:
    """A JSON-friendly dict of a config dataclass (tuples become lists).

    A study config's ``training`` is written nested, and its flat aliases beside it
    (``max_epochs``, ``hidden``, ...: the keys result.json files had before
    TrainingConfig), so that readers of either shape keep working.
    """
    if not is_dataclass(config):
        raise TypeError(f"config must be a dataclass, got {type(config).__name__}")
    from symfast.experiments._training import with_flat_keys

    return with_flat_keys(config, json.loads(json.dumps(asdict(config))))


def finished_result(out_dir: str | Path, config: Any) -> dict[str, Any] | None:
    """The saved ``result.json`` in ``out_dir`` if it was made with the same config."""
    path = Path(out_dir) / "result.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return data if same_config(data.get("config"), config) else None


def same_config(saved: Any, config: Any) -> bool:
    """Whether a config dict read from a file is ``config`` (a file written before
    TrainingConfig, with flat training keys only, is read in today's shape first)."""
    from symfast.experiments._training import upgrade_flat_keys

    return (isinstance(saved, dict)
            and upgrade_flat_keys(type(config), saved) == config_dict(config))


def run_or_resume(module: Any, config: Any, out: str | Path, *, force: bool = False,
                  progress: bool = True, n_threads: int | None = None,
                  device: str | None = None) -> tuple[dict[str, Any], bool]:
    """Run ``module.run(config)`` and save it in ``out``, unless ``out`` holds this config.

    Modules with ``RESUMABLE = True`` get ``out/partial.json`` as their checkpoint
    (removed once ``result.json`` is written; ``force`` discards it first).  ``device``
    (a torch device) is passed to studies whose ``run`` takes one; for the others it
    must be None or "cpu".

    Returns
    -------
    (result dict, whether it was read back instead of run)
    """
    import inspect

    from symfast._io import check_out_dir

    out, _ = check_out_dir(out, "out")
    kwargs: dict[str, Any] = {}
    if device is not None:
        if "device" in inspect.signature(module.run).parameters:
            kwargs["device"] = device
        elif str(device) != "cpu":
            raise ValueError(f"device={device!r}: {module.__name__.rsplit('.', 1)[-1]} trains "
                             "no torch model (device is taken by the studies that train one)")
    done = None if force else finished_result(out, config)
    if done is not None:
        return done, True
    partial = out / "partial.json"
    if getattr(module, "RESUMABLE", False):
        if force:
            for stale in out.glob("partial.*"):      # partial.json and any training state
                stale.unlink()
        kwargs["checkpoint"] = partial
    result = module.run(config, progress=progress, n_threads=n_threads, **kwargs)
    result.save(out)
    if kwargs and partial.exists():
        partial.unlink()          # result.json now holds every unit
    return result.to_dict(), False


def check_config_types(config: Any) -> None:
    """Check every field of a config dataclass against its annotation.

    ``int``, ``float``, ``bool`` and ``str`` fields, ``tuple[int, ...]`` and
    ``tuple[float, ...]``, each optionally ``| None``.  Each study's ``validate``
    calls this first and then checks ranges, so a wrong type is always caught with
    the field's name, even for fields without a range check.
    """
    from symfast._validation import check_float, check_int

    for f in fields(config):
        ann = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
        value = getattr(config, f.name)
        if value is None:
            if "None" not in ann:
                raise TypeError(f"{f.name} must not be None")
            continue
        base = ann.replace(" | None", "").replace("None | ", "").strip()
        if base == "int":
            check_int(value, f.name)
        elif base == "float":
            check_float(value, f.name)
        elif base == "bool":
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"{f.name} must be True or False, got {value!r}")
        elif base == "str":
            if not isinstance(value, str):
                raise TypeError(f"{f.name} must be a string, got {value!r}")
        elif base.startswith("tuple["):
            if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)):
                raise TypeError(f"{f.name} must be a sequence, got {value!r}")
            inner = base[len("tuple["):].split(",")[0].strip()
            for v in value:
                if inner == "int":
                    check_int(v, f"{f.name} entry")
                elif inner == "float":
                    check_float(v, f"{f.name} entry")


def replace_config(config: Any, **overrides: Any) -> Any:
    """``dataclasses.replace`` with a clear error for unknown names."""
    from dataclasses import replace

    known = {f.name for f in fields(config)} | set(getattr(config, "TRAINING_ALIASES", ()))
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise TypeError(f"unknown {type(config).__name__} field(s): {', '.join(unknown)}; "
                        f"expected some of {', '.join(sorted(known))}")
    if isinstance(overrides.get("training"), dict):     # a partial dict updates the current
        from symfast.experiments._training import as_training

        overrides["training"] = as_training(overrides["training"], base=config.training)
    return replace(config, **overrides)


class Checkpoint:
    """The finished units of a long study, saved atomically after each one.

    A study keys each unit of work (one training, one dataset) by a string; when
    it is rerun with the same config and the same file, finished units are read
    back instead of recomputed.  A file written for another config is ignored.

    Parameters
    ----------
    path : str or Path, optional
        The checkpoint file; None keeps units in memory only.
    config : dataclass
        The study's config; saved with the units and compared on load.
    """

    def __init__(self, path: str | Path | None, config: Any):
        self.path = None if path is None else Path(path)
        self.config = config_dict(config)
        self.units: dict[str, Any] = {}
        if self.path is not None and self.path.is_file():
            try:
                saved = json.loads(self.path.read_text())
            except (OSError, json.JSONDecodeError):
                saved = {}
            if same_config(saved.get("config"), config):
                self.units = saved.get("units", {})

    def __contains__(self, key: str) -> bool:
        return key in self.units

    def record(self, key: str, value: Any) -> None:
        self.record_many({key: value})

    def record_many(self, values: dict[str, Any]) -> None:
        """Record several units with one write (a batched fit's chunk)."""
        from symfast._io import write_json

        self.units.update(values)
        if self.path is not None:
            write_json(self.path, {"config": self.config, "units": self.units})


def invariant_model_line(use: dict[str, Any] | None) -> str | None:
    """The summary line of ``--use`` (``invariant_model`` in result.json), or None."""
    if not use:
        return None
    if "skipped" in use:
        return f"invariant model: skipped, {use['skipped']}"
    return (f"invariant model ({use['n_invariants']} invariants up to degree {use['degree']}): "
            f"held-out {use['metric']} {use['invariant']:.4f}; the same network on the raw "
            f"inputs {use['unconstrained']:.4f}")


def stability_phrase(stability: float | None) -> str:
    """"; stability 0.75: ..." for a finite group's half-cloud re-draws ("" when not run)."""
    if stability is None:
        return ""
    return (f"; stability {stability:.2f}: the same group on that fraction of half-cloud "
            "re-draws")
