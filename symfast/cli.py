"""The ``symfast`` command.

    symfast info
    symfast invariance --potential higgs [--quick|--paper] [--seed S] --out DIR
    symfast discover   --potential so3   [--quick|--paper] [--seed S] --out DIR
    symfast discover   --data FILE --target COLUMN [--features COL,...] --out DIR
    symfast cicy | mnist | chain | ising2d | fourier  [--quick|--paper] --out DIR
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
    for name in ("_levelset", "_generators", "_cicy", "_chain", "_ising"):
        try:
            mod = importlib.import_module(f"symfast._ext.{name}")
        except ImportError as exc:
            print(f"  {name:<12} NOT BUILT ({exc}); run `make` or `pip install -e .`")
            continue
        if hasattr(mod, "has_openmp"):
            omp = "OpenMP" if mod.has_openmp() else "no OpenMP"
            print(f"  {name:<12} built ({omp}, {mod.openmp_max_threads()} OpenMP threads)")
        else:
            print(f"  {name:<12} built")
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
                                  progress=not args.no_progress, n_threads=args.threads)
    if resumed:
        print(f"{out}/result.json already holds this configuration; not rerun "
              "(--force reruns)", file=sys.stderr)
    return data


def _preset(cls, args: argparse.Namespace, overrides: dict):
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if getattr(args, "published", False):
        return cls.published(args.potential, **overrides)
    if args.paper:
        return cls.paper(args.potential, **overrides)
    return cls.quick(args.potential, **overrides)


def _study_config(cls, args: argparse.Namespace, **overrides):
    """The ``--quick`` or ``--paper`` preset of ``cls`` with the options the user gave."""
    overrides = {k: v for k, v in overrides.items() if v is not None}
    return cls.paper(**overrides) if args.paper else cls.quick(**overrides)


def _potential_study(args: argparse.Namespace, name: str, summary, **extra) -> int:
    """Run the experiment module ``name`` on ``--potential`` with the common options."""
    import importlib

    module = importlib.import_module(f"symfast.experiments.{name}")
    cls = module.DiscoverConfig if name == "discover" else module.InvarianceConfig
    config = _preset(cls, args, {"seed": args.seed, "per_class": args.per_class,
                                 "max_epochs": args.max_epochs, **extra})
    out = Path(args.out or f"results/{name}-{args.potential}")
    data = _run_or_resume(module, config, out, args)
    print(summary(data, out))
    return 0


def _cmd_invariance(args: argparse.Namespace) -> int:
    return _potential_study(args, "invariance", _summary_invariance)


def _cmd_discover(args: argparse.Namespace) -> int:
    if args.data is not None:
        return _discover_data(args)
    data_only = [f"--{k.replace('_', '-')}" for k in ("target", "features", "levels",
                                                      "width", "n_bins")
                 if getattr(args, k) is not None]
    if data_only:
        raise ValueError(f"{', '.join(data_only)} need --data FILE")
    if args.method in DATA_METHODS:
        raise ValueError(f"--method {args.method} applies to --data; a built-in potential "
                         "takes auto, pairs or tangent")
    args.potential = args.potential or "higgs"
    return _potential_study(args, "discover", _summary_discover, method=args.method,
                            n_planes=args.n_planes, normals=args.normals)


#: Generator routes of ``symfast discover --data`` (the potential study's are auto, pairs,
#: tangent).
DATA_METHODS = ("gradient", "embedding", "both")


def _discover_data(args: argparse.Namespace) -> int:
    """``symfast discover --data FILE --target COLUMN``: the method on the user's table."""
    from symfast.experiments.data import data_fingerprint, discover, read_table

    if args.potential is not None:
        raise ValueError("give either --potential or --data, not both")
    if args.target is None:
        raise ValueError("--data needs --target COLUMN (the column, or .npz array, of y)")
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
    X, y, names = read_table(args.data, args.target, feats)
    stem = Path(args.data).stem
    out = Path(args.out or f"results/discover-{stem}")
    kwargs = {"target": "auto", "levels": args.levels, "width": args.width,
              "n_bins": args.n_bins, "method": args.method or "auto",
              "seed": args.seed or 0, "max_epochs": args.max_epochs}
    fingerprint = data_fingerprint(X, y)
    saved = out / "result.json"
    if saved.is_file() and not args.force:
        import json

        old = json.loads(saved.read_text())
        if (old.get("data", {}).get("sha256") == fingerprint
                and all(old.get("config", {}).get(k) == (list(map(float, v)) if k == "levels"
                                                          and v is not None else v)
                        for k, v in kwargs.items())):
            print(f"{saved} already holds this data and configuration; not rerun "
                  "(--force reruns)", file=sys.stderr)
            print(_summary_data(old, out))
            return 0
    res = discover(X, y, feature_names=names, progress=not args.no_progress,
                   n_threads=args.threads, **kwargs)
    res.source = {"file": str(args.data), "target": args.target, "sha256": fingerprint}
    res.save(out)
    print(_summary_data(res.to_dict(), out))
    return 0


def _summary_data(data: dict, out: Path) -> str:
    score = ", ".join(f"held-out {k} {data[k]:.4f}" for k in ("r2", "accuracy") if k in data)
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
    lines.append(f"discrete group {disc['name']} (order {disc['order']})" if disc["name"]
                 else f"discrete group {disc['reason']}")
    lines.append(f"time {data['timings']['total']:.1f} s; results in {out}/")
    return "\n".join(lines)


def _cmd_mnist(args: argparse.Namespace) -> int:
    from symfast.experiments import mnist

    config = _study_config(mnist.MnistConfig, args, seed=args.seed, n_digits=args.n_digits,
                           n_angles=args.n_angles, data=args.data)
    out = Path(args.out or "results/mnist")
    data = _run_or_resume(mnist, config, out, args)
    if data["source"] != "mnist":
        print(f"note: MNIST was not found; these are {data['source']} images instead "
              "(--paper refuses to substitute them)")
    print(f"{data['source']}: {data['n_digits']} digits x {data['config']['n_angles']} angles; "
          f"dominant generator explains {data['dominant_explained_variance']:.3f} of the "
          f"candidate variance (mean; next {data['second_explained_variance']:.3f}), "
          f"antisymmetry {data['antisymmetry']:.3f} (mean; "
          f"{data['fraction_antisymmetric_above_0_9']:.0%} above 0.9)\n"
          f"time {data['timings']['total']:.1f} s; results in {out}/")
    return 0


def _cmd_cicy(args: argparse.Namespace) -> int:
    from symfast.experiments import cicy

    extra = {} if args.n_augment is None else {"target_points": None}  # an explicit count wins
    config = _study_config(cicy.CicyConfig, args, seed=args.seed, n_manifolds=args.n_manifolds,
                           n_augment=args.n_augment, max_epochs=args.max_epochs, data=args.data,
                           features=args.features, max_extra=args.max_extra,
                           keep_placeholders=args.keep_placeholders or None, **extra)
    out = Path(args.out or "results/cicy")
    data = _run_or_resume(cicy, config, out, args)
    tr, te, lp = data["train_accuracy"], data["test_accuracy"], data["largest_pair"]
    print(f"{data['n_manifolds']} manifolds, {data['n_points']} matrices; accuracy train "
          f"h11 {tr['h11']:.3f} h21 {tr['h21']:.3f}, test h11 {te['h11']:.3f} h21 "
          f"{te['h21']:.3f}\n"
          f"manifolds with neighbour accuracy above 95%: "
          f"{data['fraction_manifolds_above_95']:.3f} (paper 0.866); largest Hodge pair "
          f"({lp['h11']}, {lp['h21']}) with {lp['manifolds']} manifolds: "
          f"{lp['fraction_above_95']:.3f} (paper 0.806 for 292)\n"
          f"with permutation copies merged (distinct inputs only): "
          f"{data['distinct_inputs']['fraction_manifolds_above_95']:.3f}\n"
          f"time {data['timings']['total']:.1f} s; results in {out}/")
    return 0


def _cmd_chain(args: argparse.Namespace) -> int:
    from symfast.experiments import chain

    config = _study_config(chain.ChainConfig, args, seed=args.seed, n_runs=args.runs,
                           epochs=args.epochs, ae_epochs=args.ae_epochs,
                           ns=tuple(args.n) if args.n else None)
    out = Path(args.out or "results/chain")
    data = _run_or_resume(chain, config, out, args)
    print(_summary_chain(data, out))
    return 0


def _cmd_ising2d(args: argparse.Namespace) -> int:
    from symfast.experiments import ising2d

    config = _study_config(ising2d.Ising2DConfig, args, seed=args.seed, L=args.L,
                           samples_per_T=args.samples_per_T, epochs=args.epochs,
                           T0s=tuple(args.T0) if args.T0 else None)
    out = Path(args.out or "results/ising2d")
    data = _run_or_resume(ising2d, config, out, args)
    lines = ["test accuracy telling T0 from T0 + dT (original | dual | bonds; energy Bayes "
             "bound original | dual):"]
    for T0, r in data["T0"].items():
        lines.append(f"  T0 = {T0} (dual {r['dual_T0']:.3f})")
        for i, dT in enumerate(r["delta_T"]):
            lines.append(f"    dT {dT:<5} {r['accuracy_original'][i]:.3f} | "
                         f"{r['accuracy_dual'][i]:.3f} | {r['accuracy_bonds'][i]:.3f}    "
                         f"{r['bayes_original'][i]:.3f} | {r['bayes_dual'][i]:.3f}")
    lines.append(f"time {data['timings']['total']:.1f} s; results in {out}/")
    print("\n".join(lines))
    return 0


def _cmd_fourier(args: argparse.Namespace) -> int:
    from symfast.experiments import fourier

    config = _study_config(fourier.FourierConfig, args, seed=args.seed,
                           amplitude=args.amplitude, n_train=args.n_train)
    out = Path(args.out or "results/fourier")
    data = _run_or_resume(fourier, config, out, args)
    a, act = data["accuracy"], data["activation"]
    lines = [f"amplitude {data['amplitude']}: test accuracy raw {a['raw']:.4f}, exact |DFT|^2 "
             f"{a['dft']:.4f}, learned {a['learned']:.4f} (paper: learned 0.8802, raw ~0.5)",
             "scan:  A      raw     dft     learned"]
    for r in data["scan"]:
        lines.append(f"       {r['amplitude']:<6} {r['raw']:.4f}  {r['dft']:.4f}  "
                     f"{r['learned']:.4f}")
    lines.append(f"activation matrix: median {act['median_dims_90']:.0f} components hold 90% "
                 f"of a frequency; top 3 hold {act['mean_top3_share']:.3f} on average")
    lines.append(f"time {data['timings']['total']:.1f} s; results in {out}/")
    print("\n".join(lines))
    return 0


def _cmd_reproduce(args: argparse.Namespace) -> int:
    from symfast.experiments.reproduce import reproduce

    out = Path(args.out or ("results/reproduce-paper" if args.paper else "results/reproduce"))
    report = reproduce(out, paper=args.paper, force=args.force, seed=args.seed,
                       progress=not args.no_progress, n_threads=args.threads,
                       only=tuple(args.only) if args.only else None)
    s = report["summary"]
    print(f"{sum(s.values())} claims: " + ", ".join(f"{v} {k}" for k, v in sorted(s.items())))
    print(f"report: {out}/report.md, {out}/report.html, {out}/report.json "
          f"({report['seconds']:.0f} s)")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from symfast.batch import run_sweep
    from symfast.batch._spec import load_spec

    tasks, options = load_spec(args.spec)
    out = Path(args.out or f"results/sweep-{Path(args.spec).stem}")
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
        summary = run_sweep(tasks, executor=executor, out_dir=out,
                            retries=args.retries if args.retries is not None
                            else options["retries"], max_workers=args.threads,
                            progress=not args.no_progress)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    counts = summary.to_dict()["counts"]
    print(", ".join(f"{v} {k}" for k, v in counts.items()) + f"; summary in {out}/summary.md")
    return 1 if summary.n_failed else 0


def _summary_chain(data: dict, out: Path) -> str:
    def fmt(v):
        return "  -   " if v is None else f"{v:.4f}"

    lines = ["metastability, mean best test accuracy (spins | dual | energy threshold):"]
    for n, row in data["dual_vs_original"].items():
        cells = []
        for size, cell in row["sizes"].items():
            cells.append(f"{size}: " + (f"{fmt(cell['original'])} | {fmt(cell['dual'])} | "
                                        f"{fmt(cell['energy_baseline'])}"
                                        if cell["available"] else "unavailable"))
        lines.append(f"  n={n:<3} ({row['metastable_states']} metastable)  " + ";  ".join(cells))
    lines.append("Table 3, classifier on the autoencoder's latent space (symfast | paper):")
    for r in data["table3"]:
        lines.append(f"  latent {r['latent']:<3} {r['train_size']:>5} samples  n={r['n']:<3} "
                     f"{fmt(r['accuracy'])} | {fmt(r['paper'])}")
    s = data["sensitivity"]
    lines.append(f"sensitivity (N={s['N']}, n={s['n']}): locality of the learned encoder "
                 f"{s['encoder_locality']:.3f}, of the exact dual {s['dual_locality']:.3f}")
    lines.append(f"time {data['timings']['total']:.1f} s; results in {out}/")
    return "\n".join(lines)


def _summary_invariance(data: dict, out: Path) -> str:
    if len(data["orbit_groups"]) > 20:
        hist = data.get("orbit_group_histogram", {})
        groups = ("classes by number of groups " + " ".join(f"{k}:{v}" for k, v in
                                                            hist.items()))
    else:
        groups = "orbit groups per level  " + " ".join(
            f"{k}:{v}" for k, v in data["orbit_groups"].items())
    per = data.get("accuracy_per_output", [])
    heads = (" (per output " + ", ".join(f"{a:.4f}" for a in per) + ")") if len(per) > 1 else ""
    return (f"potential {data['potential']['name']} ({data['potential']['group']}): "
            f"held-out accuracy {data['accuracy']:.4f}{heads} after {data['n_epochs']} epochs, "
            f"neighbour purity {data['neighbor_purity']:.4f}\n"
            f"{groups}\n"
            f"time {data['timings']['total']:.1f} s; results in {out}/")


def _summary_discover(data: dict, out: Path) -> str:
    import numpy as np

    lines = [f"potential {data['config']['invariance']['potential']}: held-out accuracy "
             f"{data['accuracy']:.4f}, neighbour purity {data['neighbor_purity']:.4f}",
             f"discovered algebra {data['algebra']} with {data['n_generators']} generator(s) "
             f"({data['symmetry']['method']} method); truth {data['truth']['algebra']} "
             f"({data['truth']['group']}), similarity {data['similarity']:.4f}",
             f"maximal compact part {data['compact_part']}; also known as "
             f"{', '.join(data['isomorphic']) or '-'}"]
    G = np.asarray(data["generators"])
    with np.printoptions(precision=3, suppress=True):
        for a, T in enumerate(G[:3]):
            lines.append(f"T_{a + 1} =\n{T}")
    if G.shape[0] > 3:
        lines.append(f"... and {G.shape[0] - 3} more in {out}/result.json")
    if data["symmetry"]["reason"]:
        lines.append(f"no generator: {data['symmetry']['reason']}")
    disc = data.get("discrete_group") or {}
    if disc.get("name"):
        iso = f" (= {', '.join(disc['isomorphic'])})" if disc.get("isomorphic") else ""
        what = "component group" if disc.get("continuous_dim") else "finite group"
        lines.append(f"{what} {disc['name']}{iso}, order {disc['order']}"
                     + (f": {disc['reason']}" if disc.get("reason") else ""))
    elif disc.get("reason"):
        lines.append(f"discrete group {disc['reason']}")
    lines.append(f"time {data['timings']['total']:.1f} s; results in {out}/")
    return "\n".join(lines)


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
    p.add_argument("--out", default=None, help=f"output directory (default: {default_out})")
    p.add_argument("--force", action="store_true",
                   help="rerun even if OUT already holds a result of this configuration")
    p.add_argument("--no-progress", action="store_true", help="no progress display")


def _add_run_options(p: argparse.ArgumentParser, name: str,
                     potential_default: str | None = "higgs") -> None:
    from symfast.potentials import names

    p.add_argument("--potential", default=potential_default, choices=names(),
                   help="built-in potential (default: higgs)")
    p.add_argument("--per-class", type=int, default=None, help="points per level")
    p.add_argument("--max-epochs", type=int, default=None, help="training epochs at most")
    _add_common_options(p, f"results/{name}-POTENTIAL",
                        "the published scale (GELU layout, see --published)", published=True)


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

    p = sub.add_parser("invariance", help="detect the invariance of a potential from "
                                          "the embedding of a level-set classifier")
    _add_run_options(p, "invariance")
    p.set_defaults(func=_cmd_invariance)

    p = sub.add_parser("discover", help="the whole pipeline: invariance, orbit groups, "
                                        "generators and their Lie algebra, on a built-in "
                                        "potential or on your own data (--data)")
    _add_run_options(p, "discover", potential_default=None)
    p.add_argument("--method", choices=["auto", "pairs", "tangent", *DATA_METHODS],
                   default=None,
                   help="generator method: auto, pairs or tangent with --potential; auto, "
                        "gradient, embedding or both with --data (default: auto)")
    p.add_argument("--data", default=None, metavar="FILE",
                   help="your own data: a .npz (arrays X and y) or .csv (header row) file")
    p.add_argument("--target", default=None, metavar="COLUMN",
                   help="with --data: the column holding y (several comma-separated for "
                        "several outputs; for .npz the array name, or y:J)")
    p.add_argument("--features", default=None, metavar="COL,...",
                   help="with --data: the feature columns (default: all but the target)")
    p.add_argument("--levels", type=float, nargs="+", default=None,
                   help="with --data: bin y into bands around these values")
    p.add_argument("--width", type=float, default=None,
                   help="with --levels: half-width of the bands")
    p.add_argument("--n-bins", type=int, default=None,
                   help="with --data: bin y into this many quantile bins")
    p.add_argument("--n-planes", type=int, default=None,
                   help="planes of the pairs method (default 1000)")
    p.add_argument("--normals", choices=["auto", "pca", "surrogate"], default=None,
                   help="normals of the level sets for the tangent method: local PCA, or "
                        "gradients of a polynomial fitted to the class levels (default auto: "
                        "surrogate for a potential with several outputs)")
    p.set_defaults(func=_cmd_discover)

    p = sub.add_parser("cicy", help="CICY threefolds: Hodge-number network and telling "
                                    "manifolds apart by nearest neighbours")
    _add_common_options(p, "results/cicy", "all 7890 manifolds, 686,464 matrices")
    p.add_argument("--n-manifolds", type=int, default=None, help="manifolds used")
    p.add_argument("--n-augment", type=int, default=None, help="matrices per manifold")
    p.add_argument("--max-epochs", type=int, default=None, help="training epochs at most")
    p.add_argument("--data", default=None,
                   help="the CICY list (file or directory; default $SYMFAST_DATA/cicy3)")
    p.add_argument("--features", choices=["graph", "matrix", "both"], default=None,
                   help="network input: graph features (default), the padded configuration "
                        "matrix, or both")
    p.add_argument("--max-extra", type=int, default=None, metavar="N",
                   help="hyperplane identities applied to one matrix at most (default 1)")
    p.add_argument("--keep-placeholders", action="store_true",
                   help="keep the 22 product manifolds listed with placeholder Hodge numbers "
                        "(0, 0) (left out by default)")
    p.set_defaults(func=_cmd_cicy)

    p = sub.add_parser("chain", help="n-spin Ising chain: metastability in the spin, dual "
                                     "and autoencoder frames (Table 3)")
    _add_common_options(p, "results/chain", "n = 2..12, three sizes, 10 runs, latent 18 and 50")
    p.add_argument("--n", type=int, nargs="+", default=None, metavar="N",
                   help="interaction lengths n to study")
    p.add_argument("--runs", type=int, default=None, help="runs to average over")
    p.add_argument("--epochs", type=int, default=None, help="classifier epochs")
    p.add_argument("--ae-epochs", type=int, default=None, help="autoencoder epochs")
    p.set_defaults(func=_cmd_chain)

    p = sub.add_parser("ising2d", help="2D Ising: telling two low temperatures apart in the "
                                       "original and the Kramers-Wannier dual frame")
    _add_common_options(p, "results/ising2d", "L = 32, T0 = 1.0..1.75, dT up to 0.5")
    p.add_argument("--L", type=int, default=None, help="lattice size (even)")
    p.add_argument("--T0", type=float, nargs="+", default=None, help="reference temperatures")
    p.add_argument("--samples-per-T", type=int, default=None,
                   help="configurations per temperature for the classifiers")
    p.add_argument("--epochs", type=int, default=None, help="classifier epochs")
    p.set_defaults(func=_cmd_ising2d)

    p = sub.add_parser("fourier", help="noisy sinusoids: raw, exact Fourier and learned "
                                       "feature-separation representations")
    _add_common_options(p, "results/fourier", "6000 training samples, six amplitudes")
    p.add_argument("--amplitude", type=float, default=None,
                   help="the amplitude of the headline accuracies (default 1.0)")
    p.add_argument("--n-train", type=int, default=None, help="training samples")
    p.set_defaults(func=_cmd_fourier)

    p = sub.add_parser("reproduce", help="run every study and write a report of each "
                                         "published claim beside symfast's value")
    _add_common_options(p, "results/reproduce", "every study at the published scale (hours)")
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
    p.add_argument("--out", default=None, help="output directory")
    p.add_argument("--no-progress", action="store_true", help="no progress display")
    p.set_defaults(func=_cmd_sweep)

    p = sub.add_parser("mnist", help="rotated MNIST: the dominant generator of each "
                                     "digit's rotation orbit")
    _add_common_options(p, "results/mnist")
    p.add_argument("--n-digits", type=int, default=None, help="digits to rotate")
    p.add_argument("--n-angles", type=int, default=None, help="angles per digit")
    p.add_argument("--data", default=None,
                   help="directory with the MNIST IDX files (default $SYMFAST_DATA/mnist; "
                        "scikit-learn's 8x8 digits when absent)")
    p.set_defaults(func=_cmd_mnist)
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
        out = getattr(args, "out", None)
        where = f" in {out}/" if out else ""
        print(f"\nsymfast {args.command}: interrupted. Every file already written{where} is "
              "complete (writes are atomic) and kept: finished studies, sweep tasks and "
              "checkpointed units. Run the same command again to resume; --force starts "
              "over.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
