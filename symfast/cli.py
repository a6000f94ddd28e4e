"""The ``symfast`` command.

    symfast info
    symfast invariance --potential higgs [--quick|--paper] [--seed S] --out DIR
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence


def _cmd_info(args: argparse.Namespace) -> int:
    import importlib
    import os
    import platform

    from symfast import __version__
    from symfast._config import DATA_ENV, THREADS_ENV, data_dir, default_threads

    print(f"symfast {__version__} (Python {platform.python_version()}, {platform.machine()})")
    print("compiled kernels:")
    for name in ("_levelset",):
        try:
            mod = importlib.import_module(f"symfast._ext.{name}")
            omp = "OpenMP" if mod.has_openmp() else "no OpenMP"
            print(f"  {name:<12} built ({omp}, {mod.openmp_max_threads()} OpenMP threads)")
        except ImportError as exc:
            print(f"  {name:<12} NOT BUILT ({exc}); run `make` or `pip install -e .`")
    print("threads:")
    print(f"  cpus available     {len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()}")
    print(f"  symfast default    {default_threads()}"
          + (f" (from {THREADS_ENV})" if os.environ.get(THREADS_ENV) else ""))
    try:
        import torch

        print(f"  torch intra-op     {torch.get_num_threads()} (torch {torch.__version__})")
    except ImportError:
        print("  torch              not installed")
    try:
        import faiss

        print(f"  faiss              {faiss.omp_get_max_threads()} (faiss {faiss.__version__})")
    except ImportError:
        print("  faiss              not installed")
    print("data:")
    d = data_dir(required=False)
    if d is None:
        src = os.environ.get(DATA_ENV)
        print(f"  {DATA_ENV}={src!r} is not a directory" if src else f"  {DATA_ENV} is not set")
    else:
        print(f"  {DATA_ENV}={d}")
        for sub in ("cicy3", "mnist"):
            p = d / sub
            status = ", ".join(sorted(f.name for f in p.iterdir())) if p.is_dir() else "missing"
            print(f"    {sub:<6} {status}")
    return 0


def _cmd_invariance(args: argparse.Namespace) -> int:
    from symfast.experiments import invariance
    from symfast.experiments._common import finished_result

    overrides = {k: v for k, v in {"seed": args.seed, "per_class": args.per_class,
                                    "max_epochs": args.max_epochs}.items() if v is not None}
    preset = invariance.InvarianceConfig.paper if args.paper else invariance.InvarianceConfig.quick \
        if args.quick else None
    if preset is None:
        config = invariance.InvarianceConfig(potential=args.potential, **overrides)
    else:
        config = preset(args.potential, **overrides)
    out = Path(args.out or f"results/invariance-{args.potential}")
    done = None if args.force else finished_result(out, config)
    if done is not None:
        print(f"{out}/result.json already holds this configuration; not rerun "
              "(--force reruns)", file=sys.stderr)
        data = done
    else:
        result = invariance.run(config, progress=not args.no_progress, n_threads=args.threads)
        result.save(out)
        data = result.to_dict()
    print(_summary_invariance(data, out))
    return 0


def _summary_invariance(data: dict, out: Path) -> str:
    groups = " ".join(f"{k}:{v}" for k, v in data["orbit_groups"].items())
    return (f"potential {data['potential']['name']} ({data['potential']['group']}): "
            f"held-out accuracy {data['accuracy']:.4f} after {data['n_epochs']} epochs, "
            f"neighbour purity {data['neighbor_purity']:.4f}\n"
            f"orbit groups per level  {groups}\n"
            f"time {data['timings']['total']:.1f} s; results in {out}/")


def build_parser() -> argparse.ArgumentParser:
    from symfast import __version__

    parser = argparse.ArgumentParser(
        prog="symfast",
        description="Find symmetries and dual representations in physics data with "
                    "neural networks.")
    parser.add_argument("--version", action="version", version=f"symfast {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("info", help="version, compiled kernels, threads, data location")
    p.set_defaults(func=_cmd_info)

    from symfast.potentials import names

    p = sub.add_parser("invariance", help="detect the invariance of a potential from "
                                          "the embedding of a level-set classifier")
    p.add_argument("--potential", default="higgs", choices=names(),
                   help="built-in potential (default: higgs)")
    preset = p.add_mutually_exclusive_group()
    preset.add_argument("--quick", action="store_true", help="CI-sized preset (default)")
    preset.add_argument("--paper", action="store_true", help="the published scale")
    p.add_argument("--seed", type=int, default=None, help="random seed (default 0)")
    p.add_argument("--per-class", type=int, default=None, help="points per level")
    p.add_argument("--max-epochs", type=int, default=None, help="training epochs at most")
    p.add_argument("--threads", type=int, default=None, help="threads (default: all)")
    p.add_argument("--out", default=None,
                   help="output directory (default: results/invariance-POTENTIAL)")
    p.add_argument("--force", action="store_true",
                   help="rerun even if OUT already holds a result of this configuration")
    p.add_argument("--no-progress", action="store_true", help="no progress display")
    p.set_defaults(func=_cmd_invariance)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, TypeError, FileNotFoundError) as exc:
        print(f"symfast {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\nsymfast {args.command}: interrupted; files already written are kept "
              "and a rerun resumes from them", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
