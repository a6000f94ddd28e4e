"""The one list of studies: every module of ``symfast.experiments`` that declares ``STUDY``.

The command line (one subcommand per study), ``symfast.batch`` (the names a sweep task
may give), ``symfast reproduce`` (the claims each study checks) and the documentation
all read :func:`studies`.  Adding a study means adding one module that defines a config
dataclass with ``quick`` and ``paper`` presets, ``run(config, *, progress, n_threads)``
returning a result with ``save`` and ``to_dict``, and ``STUDY = StudySpec(...)``
(docs: "Adding your own study").
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable


@dataclass(frozen=True)
class StudySpec:
    """What a study module declares about itself.

    Attributes
    ----------
    name : str
        The command (``symfast NAME``), the ``study`` of a sweep task and the default
        output directory ``results/NAME``.
    module : str
        The module that runs it (``__name__`` where the spec is declared).
    config : type
        Its config dataclass, with ``quick(**overrides)`` and ``paper(**overrides)``
        class methods (taking the potential first when ``takes_potential``).
    summary : callable
        ``summary(result_dict, out_dir) -> str``, the text the command prints.
    help : str
        One line for ``symfast --help`` and the docs.
    order : int
        Position in listings and in the reproduction report.
    paper_help : str
        What ``--paper`` runs.
    takes_potential : bool
        The study runs on a built-in potential (``--potential``; a sweep task's
        ``potential``) and has a ``published`` preset.
    add_options : callable, optional
        ``add_options(parser)``: the command's own options.
    overrides : callable, optional
        ``overrides(args) -> dict``: config overrides from those options (None values
        are dropped).
    command : callable, optional
        ``command(args) -> int | None``: takes over the command when it returns an
        exit code (``symfast discover --data``), else the study runs as usual.
    claims : callable, optional
        ``claims(result_dict) -> list of rows`` for ``symfast reproduce``; studies
        without claims are left out of the report.
    seconds : (float, float)
        Rough duration of the quick and paper presets on 2 cores (the report's ETA).
    figures : tuple of str
        Figures the report embeds, from the study's output directory.
    data, paper_data : str, optional
        Subdirectory of ``SYMFAST_DATA`` the study cannot run without (at any scale,
        or at the published scale only).
    requires : tuple of str
        Modules of an optional extra the study cannot run without (``symfast reproduce``
        skips it, saying which, where they are missing).
    """

    name: str
    module: str
    config: type
    summary: Callable[[dict, Path], str]
    help: str
    order: int
    paper_help: str = "the published scale"
    takes_potential: bool = False
    add_options: Callable[[argparse.ArgumentParser], None] | None = None
    overrides: Callable[[argparse.Namespace], dict[str, Any]] | None = None
    command: Callable[[argparse.Namespace], int | None] | None = None
    claims: Callable[[dict], list[dict]] | None = None
    seconds: tuple[float, float] = (10.0, 100.0)
    figures: tuple[str, ...] = ()
    data: str | None = None
    paper_data: str | None = None
    requires: tuple[str, ...] = ()

    def load(self) -> Any:
        """The study's module (``run``, ``RESUMABLE``, the config)."""
        return importlib.import_module(self.module)

    def preset(self, which: str, *args: Any, keep_none: bool = False, **overrides: Any) -> Any:
        """The config of preset ``which`` ("quick", "paper", or "published" for the
        studies that take a potential) with ``overrides``; None values are dropped
        (options not given) unless ``keep_none`` (a sweep task that sets a field to None)."""
        over = overrides if keep_none else {k: v for k, v in overrides.items() if v is not None}
        return getattr(self.config, which)(*args, **over)


def studies() -> dict[str, StudySpec]:
    """Every study, by name, in ``order``: the modules of this package that define
    ``STUDY`` (modules whose name starts with an underscore are skipped)."""
    import symfast.experiments as package

    found: dict[str, StudySpec] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        spec = getattr(importlib.import_module(f"{package.__name__}.{info.name}"), "STUDY",
                       None)
        if isinstance(spec, StudySpec):
            if spec.name in found:
                raise RuntimeError(f"two modules declare the study {spec.name!r}: "
                                   f"{found[spec.name].module} and {spec.module}")
            found[spec.name] = spec
    return dict(sorted(found.items(), key=lambda kv: (kv[1].order, kv[0])))


def get_study(name: str) -> StudySpec:
    """The study called ``name``; a ValueError lists the known ones."""
    known = studies()
    if name not in known:
        raise ValueError(f"unknown study {name!r}; expected one of {', '.join(known)}")
    return known[name]
