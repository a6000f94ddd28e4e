"""The ``symfast`` command.

    symfast info
    symfast invariance --potential higgs [--quick|--paper] [--seed S] --out DIR
    symfast discover   --potential so3   [--quick|--paper] [--seed S] --out DIR
    symfast discover   --data FILE --target COLUMN [--features COL,...] --out DIR
    symfast cicy | mnist | chain | ising2d | fourier  [--quick|--paper] --out DIR

One command per study of ``symfast.experiments`` (its registry); each study module
declares its own options, summary and claims (``StudySpec``).
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path
from typing import Any, Sequence

from symfast._io import prepare_out


def _cmd_info(args: argparse.Namespace) -> int:
    import importlib
    import os
    import platform

    from symfast import __version__
    from symfast._config import DATA_ENV, THREADS_ENV, data_dir, default_threads

    print(f"symfast {__version__} (Python {platform.python_version()}, {platform.machine()})")
    from symfast._ext import KERNELS

    print(f"compiled kernels ({len(KERNELS)}):")
    for name, what in KERNELS.items():
        try:
            mod = importlib.import_module(f"symfast._ext.{name}")
        except ImportError as exc:
            print(f"  {name:<12} NOT BUILT ({exc}); run `make` or `pip install -e .`")
            continue
        state = "built"
        if hasattr(mod, "has_openmp"):
            state += (f", OpenMP, {mod.openmp_max_threads()} threads" if mod.has_openmp()
                      else ", no OpenMP")
        print(f"  {name:<12} {state:<28} {what}")
    print("threads:")
    print(f"  cpus available     {len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()}")
    print(f"  symfast default    {default_threads()}"
          + (f" (from {THREADS_ENV})" if os.environ.get(THREADS_ENV) else ""))
    print(f"  OMP_WAIT_POLICY    {os.environ.get('OMP_WAIT_POLICY', 'unset')}")
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
    from symfast.jets import hep_versions

    print("extras:")
    hep = ", ".join(f"{k} {v or 'missing'}" for k, v in hep_versions().items())
    print(f"  hep                {hep} (symfast jets; pip install 'symfast[hep]')")
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


def _run_or_resume(module, config, out: Path, args: argparse.Namespace) -> dict:
    """Run an experiment and save it, unless ``out`` already holds this configuration."""
    from symfast.experiments._common import run_or_resume

    data, resumed = run_or_resume(module, config, out, force=args.force,
                                  progress=not args.no_progress, n_threads=args.threads,
                                  device=getattr(args, "device", None))
    if resumed:
        print(f"{out}/result.json already holds this configuration; not rerun "
              "(--force reruns)", file=sys.stderr)
    return data


def _cmd_study(spec: Any, args: argparse.Namespace) -> int:
    """Run a registered study (``symfast.experiments._registry``) with the options given."""
    if spec.command is not None:
        code = spec.command(args)
        if code is not None:
            return code
    over = {"seed": args.seed, **(spec.overrides(args) if spec.overrides else {})}
    if spec.takes_potential:
        potential = args.potential or "higgs"
        over.update(per_class=args.per_class, max_epochs=args.max_epochs)
        which = "published" if args.published else "paper" if args.paper else "quick"
        config = spec.preset(which, potential, **over)
        out = prepare_out(args.out or f"results/{spec.name}-{potential}")
    else:
        config = spec.preset("paper" if args.paper else "quick", **over)
        out = prepare_out(args.out or f"results/{spec.name}")
    data = _run_or_resume(spec.load(), config, out, args)
    print(spec.summary(data, out))
    return 0


def _cmd_reproduce(args: argparse.Namespace) -> int:
    from symfast.experiments.reproduce import reproduce

    out = prepare_out(args.out or ("results/reproduce-paper" if args.paper
                                   else "results/reproduce"))
    report = reproduce(out, paper=args.paper, force=args.force, seed=args.seed,
                       progress=not args.no_progress, n_threads=args.threads,
                       only=tuple(args.only) if args.only else None, device=args.device)
    s = report["summary"]
    print(f"{sum(s.values())} claims: " + ", ".join(f"{v} {k}" for k, v in sorted(s.items())))
    print(f"report: {out}/report.md, {out}/report.html, {out}/report.json "
          f"({report['seconds']:.0f} s)")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from symfast.batch import run_sweep
    from symfast.batch._spec import load_spec

    out = prepare_out(args.out or f"results/sweep-{Path(args.spec).stem}")
    tasks, options = load_spec(args.spec)
    executor, client, cluster = None, None, None
    if args.scheduler or args.local_cluster:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ValueError("--scheduler and --local-cluster need Dask: "
                             "pip install 'dask[distributed]'") from None
        if args.scheduler:
            client = Client(args.scheduler)
        else:
            cluster = LocalCluster(n_workers=args.local_cluster, threads_per_worker=1)
            client = Client(cluster)
        executor = client.get_executor()
    print(f"{len(tasks)} task(s) -> {out}/" + (f" on {client.scheduler.address}"
                                               if client is not None else ""), file=sys.stderr)
    try:
        per_task = args.threads_per_task
        if per_task is None and args.local_cluster:
            from symfast._config import default_threads

            per_task = max(1, default_threads() // args.local_cluster)
        summary = run_sweep(tasks, executor=executor, out_dir=out,
                            retries=args.retries if args.retries is not None
                            else options["retries"], max_workers=args.threads,
                            threads_per_task=per_task, progress=not args.no_progress)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    counts = summary.to_dict()["counts"]
    print(", ".join(f"{v} {k}" for k, v in counts.items()) + f"; summary in {out}/summary.md")
    return 1 if summary.n_failed else 0


def _add_common_options(p: argparse.ArgumentParser, default_out: str,
                        paper_help: str = "the published scale",
                        published: bool = False) -> None:
    """The options every study command takes: preset, seed, threads, output, resuming."""
    preset = p.add_mutually_exclusive_group()
    preset.add_argument("--quick", action="store_true", help="CI-sized preset (default)")
    preset.add_argument("--paper", action="store_true", help=paper_help)
    if published:
        preset.add_argument("--published", action="store_true",
                            help="the published scale and the paper's layout (ReLU; "
                                 "--paper uses GELU, see the tuning notes)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default 0)")
    p.add_argument("--threads", type=int, default=None, help="threads (default: all)")
    p.add_argument("--device", default=None,
                   help="torch device of the study's training: cpu (default) or cuda "
                        "(FAISS and the compiled kernels stay on the CPU)")
    p.add_argument("--out", default=None, help=f"output directory (default: {default_out})")
    p.add_argument("--force", action="store_true",
                   help="rerun even if OUT already holds a result of this configuration")
    p.add_argument("--no-progress", action="store_true", help="no progress display")


def _add_run_options(p: argparse.ArgumentParser, name: str, paper_help: str) -> None:
    """The options of a study on a built-in potential (``StudySpec.takes_potential``)."""
    from symfast.potentials import names

    p.add_argument("--potential", default=None, choices=names(),
                   help="built-in potential (default: higgs)")
    p.add_argument("--per-class", type=int, default=None, help="points per level")
    p.add_argument("--max-epochs", type=int, default=None, help="training epochs at most")
    _add_common_options(p, f"results/{name}-POTENTIAL", paper_help, published=True)


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

    from symfast.experiments._registry import studies

    for spec in studies().values():           # one command per registered study
        p = sub.add_parser(spec.name, help=spec.help)
        if spec.takes_potential:
            _add_run_options(p, spec.name, spec.paper_help)
        else:
            _add_common_options(p, f"results/{spec.name}", spec.paper_help)
        if spec.add_options is not None:
            spec.add_options(p)
        p.set_defaults(func=partial(_cmd_study, spec))

    p = sub.add_parser("reproduce", help="run every study and write a report of each "
                                         "published claim beside symfast's value")
    _add_common_options(p, "results/reproduce", "every study at the published scale (about 21 min on 2 cores)")
    p.add_argument("--only", nargs="+", default=None, metavar="STUDY",
                   help="run only these studies (names as in the report)")
    p.set_defaults(func=_cmd_reproduce)

    p = sub.add_parser("sweep", help="run a TOML sweep of studies or kernel jobs, locally "
                                     "or on a Dask cluster; resumable")
    p.add_argument("spec", help="the sweep specification (TOML)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                       help="a running Dask scheduler")
    where.add_argument("--local-cluster", type=int, default=None, metavar="N",
                       help="start a Dask LocalCluster with N workers")
    p.add_argument("--retries", type=int, default=None, help="extra attempts per failed task")
    p.add_argument("--threads", type=int, default=None,
                   help="processes of the local pool (default: CPUs)")
    p.add_argument("--threads-per-task", type=int, default=None,
                   help="threads each task may use (default: the CPUs shared out among "
                        "the local pool's or local cluster's workers)")
    p.add_argument("--out", default=None, help="output directory")
    p.add_argument("--no-progress", action="store_true", help="no progress display")
    p.set_defaults(func=_cmd_sweep)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        # every command checks its --out (prepare_out) before it reads input or trains
        return int(args.func(args) or 0)
    except (ValueError, TypeError, OSError, ImportError) as exc:
        # OSError: a file that cannot be read or written (its message names the path);
        # ImportError: an optional extra that a command needs (its message names it)
        print(f"symfast {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        out = getattr(args, "out", None)
        where = f" in {out}/" if out else ""
        print(f"\nsymfast {args.command}: interrupted. Every file already written{where} is "
              "complete (writes are atomic) and kept: finished studies, sweep tasks and "
              "checkpointed units. Run the same command again to resume; --force starts "
              "over.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
