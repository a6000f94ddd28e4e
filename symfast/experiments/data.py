"""``symfast discover --data FILE``: the command-line glue of :func:`symfast.symmetry.discover`.

The method itself lives in :mod:`symfast.symmetry` (``discover``, ``DiscoveryResult``,
``fit_invariant_model``) and the table readers in ``symfast._io`` (``read_table``,
``data_fingerprint``).  Importing those names from here still works for one release, with
a ``DeprecationWarning``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from symfast import _io
from symfast._deprecation import forward
from symfast._io import prepare_out, write_json
from symfast._validation import check_int
from symfast.symmetry import _discover

#: Names that moved, and where to: ``from symfast.experiments.data import X`` warns.
_MOVED = {"discover": "symfast.symmetry", "DiscoveryResult": "symfast.symmetry",
          "fit_invariant_model": "symfast.symmetry", "read_table": "symfast._io",
          "data_fingerprint": "symfast._io"}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        return forward(f"symfast.experiments.data.{name}", f"{_MOVED[name]}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- the command line: symfast discover --data FILE ------------------------------------

#: Generator routes of ``symfast discover --data`` (the potential study's are auto, pairs,
#: tangent).
DATA_METHODS = ("gradient", "embedding", "both")


def run_cli(args: argparse.Namespace) -> int:
    """``symfast discover --data FILE --target COLUMN``: the method on the user's table."""
    if args.potential is not None:
        raise ValueError("give either --potential or --data, not both")
    if args.target is None:
        if Path(args.data).suffix != ".npz":
            raise ValueError("--data with a .csv needs --target COLUMN (the column of y)")
        args.target = "y"              # a .npz holds arrays X and y

    for opt in ("per_class", "n_planes", "normals"):
        if getattr(args, opt) is not None:
            raise ValueError(f"--{opt.replace('_', '-')} applies to --potential, not --data")
    if args.paper or getattr(args, "published", False):
        raise ValueError("--paper and --published are presets of the built-in potentials; "
                         "--data takes its size from the file")
    if args.method in ("pairs", "tangent"):
        raise ValueError(f"--method {args.method} applies to --potential; --data takes "
                         f"auto, {', '.join(DATA_METHODS)}")
    feats = [f.strip() for f in args.features.split(",")] if args.features else None
    if getattr(args, "equivariant", False):
        return _run_equivariance_cli(args, feats)
    out = prepare_out(args.out or f"results/discover-{Path(args.data).stem}")
    X, y, names = _io.read_table(args.data, args.target, feats)
    kwargs = {"target": "auto", "levels": args.levels, "width": args.width,
              "n_bins": args.n_bins, "method": args.method or "auto",
              "seed": args.seed or 0, "max_epochs": args.max_epochs,
              "discrete_metric": args.discrete_metric or "invariant",
              "block": getattr(args, "block", None)}
    if args.degree is not None and not args.use:
        raise ValueError("--degree applies to --use")
    if args.degree is not None:
        check_int(args.degree, "--degree", minimum=1, maximum=6)
    fingerprint = _io.data_fingerprint(X, y)
    saved = out / "result.json"
    if saved.is_file() and not args.force:
        old = json.loads(saved.read_text())
        use = old.get("invariant_model")
        if (old.get("data", {}).get("sha256") == fingerprint
                and bool(use) == bool(args.use)
                and (not use or use.get("degree", 2) == (args.degree or 2))
                and all(old.get("config", {}).get(k) == (list(map(float, v)) if k == "levels"
                                                          and v is not None else v)
                        for k, v in kwargs.items())):
            print(f"{saved} already holds this data and configuration; not rerun "
                  "(--force reruns)", file=sys.stderr)
            print(summary_data(old, out))
            return 0
    res = _discover.discover(X, y, feature_names=names, progress=not args.no_progress,
                             n_threads=args.threads, **kwargs)
    res.source = {"file": str(args.data), "target": args.target, "sha256": fingerprint}
    if args.use:
        res.invariant_model = _discover.fit_invariant_model(
            res, X, y, degree=args.degree or 2, seed=args.seed or 0)
    res.save(out)
    print(summary_data(res.to_dict(), out))
    return 0


def _run_equivariance_cli(args: argparse.Namespace, feats: list[str] | None) -> int:
    """``symfast discover --data F --target-columns ... --equivariant``."""
    from symfast.symmetry import discover_equivariance

    for opt in ("levels", "width", "n_bins", "discrete_metric", "degree", "block"):
        if getattr(args, opt, None) is not None:
            raise ValueError(f"--{opt.replace('_', '-')} does not apply to --equivariant")
    if args.use:
        raise ValueError("--use does not apply to --equivariant (the invariant models are "
                         "for invariance)")
    if args.method not in (None, "auto", "gradient"):
        raise ValueError(f"--equivariant uses the gradient route, got --method {args.method}")
    out = prepare_out(args.out or f"results/equivariance-{Path(args.data).stem}")
    X, Y, names = _io.read_table(args.data, args.target, feats)
    res = discover_equivariance(X, Y, seed=args.seed or 0, max_epochs=args.max_epochs,
                                n_threads=args.threads, progress=not args.no_progress)
    data = dict(res.to_dict(), experiment="equivariance", feature_names=names,
                data={"file": str(args.data), "target": args.target,
                      "sha256": _io.data_fingerprint(X, Y)})
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "result.json", data)
    print(f"{args.data} ({X.shape[0]} pairs, {X.shape[1]} inputs -> "
          f"{Y.reshape(Y.shape[0], -1).shape[1]} outputs): held-out r2 {res.score['r2']:.4f}\n"
          f"equivariance algebra {res.algebra} with {res.n_generators} generator(s), "
          f"{'the same action on both sides' if res.same_action else 'pairs (A, B)'}; "
          f"noise floor {res.noise_level:.3g}; {res.unconstrained} fields off the data's span "
          f"unconstrained" + (f"\nno generator: {res.reason}" if res.reason else "") +
          f"\ntime {res.timings['total']:.1f} s; results in {out}/")
    return 0


def summary_data(data: dict, out: Path) -> str:
    """The text ``symfast discover --data`` prints."""
    score = ", ".join(f"held-out {k} {data[k]:.4f}" for k in ("r2", "accuracy", "brier_skill")
                      if k in data)
    lines = [f"{data['data']['file']} ({data['config']['n_samples']} points, "
             f"{data['config']['n_features']} features), target {data['data']['target']} "
             f"({data['target']}): {score}",
             f"discovered algebra {data['algebra']} with {data['n_generators']} generator(s) "
             f"({data['method']} route); maximal compact part {data['compact_part']}; also "
             f"known as {', '.join(data['isomorphic']) or '-'}"]
    if data["reason"]:
        lines.append(f"no generator: {data['reason']}")
    if data.get("neighbor_purity") is not None:
        lines.append(f"neighbour purity in the embedding {data['neighbor_purity']:.4f}")
    disc = data["discrete_group"]
    if disc["name"]:
        from symfast.experiments._common import stability_phrase

        how = stability_phrase(disc.get("stability"))
        lines.append(f"discrete group {disc['name']} (order {disc['order']}{how})")
    else:
        lines.append(f"discrete group {disc['reason']}")
    from symfast.experiments._common import invariant_model_line

    use = invariant_model_line(data.get("invariant_model"))
    if use:
        lines.append(use)
    lines.append(f"time {data['timings']['total']:.1f} s; results in {out}/")
    return "\n".join(lines)
