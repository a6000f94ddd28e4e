"""A top-tagging data set, generated in shards: ``DIR/jets.npz`` that ``discover --data`` reads.

Half of the jets are top jets (``y = 1``), half QCD jets (``y = 0``).  The work is cut into
shards of ``shard_size`` jets of one process; each shard has its own Pythia seed, derived
from the run's seed, the process and the shard's index, and is written atomically to
``DIR/shards/`` under a name that holds a hash of everything it depends on.  A rerun, or a
larger run with the same settings, reads back the shards it finds and generates only the
missing ones; shards run in parallel processes (one per core), and the result does not
depend on how many.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from symfast._io import check_out_dir, write_npz
from symfast._seeds import derive_seed
from symfast._validation import check_int, check_seed
from symfast.jets._generate import (FEATURES, MAX_PYTHIA_SEED, JetCuts, generate_shard,
                                    hep_versions, require)

#: Jets per shard unless told: about 30 s of one core for top jets.
SHARD_SIZE = 500


def _shard_key(process: str, index: int, size: int, cuts: JetCuts, seed: int) -> str:
    blob = json.dumps({"process": process, "index": index, "size": size, "seed": seed,
                       "cuts": cuts.to_dict(), "format": 1}, sort_keys=True)
    return f"{process}-{index:04d}-{hashlib.sha1(blob.encode()).hexdigest()[:10]}"


def shard_seed(seed: int, process: str, index: int) -> int:
    """Pythia's seed for shard ``index`` of ``process`` (1 .. 900,000,000)."""
    return derive_seed(seed, "jets", process, index) % MAX_PYTHIA_SEED + 1


def plan_shards(n_jets: int, cuts: JetCuts, seed: int, shard_size: int
                ) -> list[dict[str, Any]]:
    """The shards of a run: process, index, size, Pythia seed and file stem of each."""
    plan = []
    for process, count in (("top", n_jets // 2), ("qcd", n_jets - n_jets // 2)):
        for index, start in enumerate(range(0, count, shard_size)):
            size = min(shard_size, count - start)
            plan.append({"process": process, "index": index, "size": size,
                         "seed": shard_seed(seed, process, index),
                         "stem": _shard_key(process, index, size, cuts, seed)})
    return plan


def _make_shard(shard: dict[str, Any], cuts: JetCuts, directory: str) -> dict[str, Any]:
    """Generate one shard and write it (in a worker process)."""
    got = generate_shard(shard["process"], shard["size"], cuts, shard["seed"])
    if got["X"].shape[0] < shard["size"]:
        raise RuntimeError(f"shard {shard['stem']}: {got['n_events']} events gave only "
                           f"{got['X'].shape[0]} of {shard['size']} jets; widen the cuts")
    write_npz(Path(directory) / f"{shard['stem']}.npz", X=got["X"], features=got["features"],
              n_events=np.int64(got["n_events"]), seconds=np.float64(got["seconds"]))
    return {"n_events": got["n_events"], "seconds": got["seconds"]}


def build_dataset(out_dir: str | os.PathLike, n_jets: int, *, cuts: JetCuts | None = None,
                  seed: int = 0, shard_size: int = SHARD_SIZE, workers: int | None = None,
                  progress: bool = True) -> dict[str, Any]:
    """Generate (or finish generating) ``n_jets`` jets and write ``out_dir/jets.npz``.

    Parameters
    ----------
    out_dir : path
        Where ``jets.npz`` and the ``shards/`` go (created if missing).
    n_jets : int
        Jets in the data set, one per accepted event: ``n_jets // 2`` top jets, the rest
        QCD.
    cuts : JetCuts, optional
        Generation window and jet selection (default :class:`JetCuts`).
    seed : int, default=0
    shard_size : int, default=500
    workers : int, optional
        Parallel processes (default: the cores).
    progress : bool, default=True
        A progress bar over the shards (on stderr).

    Returns
    -------
    dict
        ``path`` of ``jets.npz``, ``n_jets``, ``n_events`` (generated, per process),
        ``generated`` (shards made in this call), ``reused``, ``seconds`` (wall time of this
        call) and ``events_per_second`` (of this call's generation, or None).

    ``jets.npz`` holds ``X`` (n, 4 N): the leading N constituents' (E, px, py, pz) in GeV,
    zero-padded; ``y`` (n,): 1 top, 0 QCD; one array per jet feature (``mass``, ``pt``,
    ``eta``, ``phi``, ``tau32``, ``n_constituents``); ``settings``: a JSON string of the
    cuts, seeds and Pythia settings.  Rows are shuffled (with ``seed``).
    """
    cuts = JetCuts() if cuts is None else cuts
    if not isinstance(cuts, JetCuts):
        raise TypeError(f"cuts must be a JetCuts, got {type(cuts).__name__}")
    cuts.validate()
    n_jets = check_int(n_jets, "n_jets", minimum=2)
    seed = check_seed(seed)
    shard_size = check_int(shard_size, "shard_size", minimum=1)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    workers = cores if workers is None else check_int(workers, "workers", minimum=1)
    out, _ = check_out_dir(out_dir, "out_dir")
    plan = plan_shards(n_jets, cuts, seed, shard_size)
    shard_dir = out / "shards"
    pending = [s for s in plan if not (shard_dir / f"{s['stem']}.npz").is_file()]
    t0 = time.perf_counter()
    made = {"events": 0}
    if pending:
        require("pythia8mc")             # before any worker starts: the extra's name
        require("fastjet")
        shard_dir.mkdir(parents=True, exist_ok=True)
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(plan), initial=len(plan) - len(pending), unit="shard",
                       desc="jets", leave=False)

        def done(info: dict[str, Any]) -> None:
            made["events"] += info["n_events"]
            if bar is not None:
                bar.update(1)

        n_proc = min(workers, len(pending))
        if n_proc > 1:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor, as_completed

            with ProcessPoolExecutor(n_proc, mp_context=mp.get_context("spawn")) as pool:
                futures = [pool.submit(_make_shard, s, cuts, str(shard_dir)) for s in pending]
                for fut in as_completed(futures):
                    done(fut.result())
        else:
            for s in pending:
                done(_make_shard(s, cuts, str(shard_dir)))
        if bar is not None:
            bar.close()
    gen_seconds = time.perf_counter() - t0
    X, F, y = [], [], []
    events = {"top": 0, "qcd": 0}
    for s in plan:
        with np.load(shard_dir / f"{s['stem']}.npz", allow_pickle=False) as z:
            X.append(z["X"])
            F.append(z["features"])
            events[s["process"]] += int(z["n_events"])
        y.append(np.full(s["size"], 1 if s["process"] == "top" else 0, dtype=np.int64))
    order = np.random.default_rng(derive_seed(seed, "jets", "shuffle")).permutation(n_jets)
    Xa, Fa, ya = np.concatenate(X)[order], np.concatenate(F)[order], np.concatenate(y)[order]
    from symfast.jets._generate import pythia_settings

    settings = {"n_jets": n_jets, "seed": seed, "shard_size": shard_size,
                "cuts": cuts.to_dict(), "n_events": events,
                "shards": [{k: s[k] for k in ("process", "index", "size", "seed")}
                           for s in plan],
                # each shard adds its own "Random:seed = <its seed>"
                "pythia": {p: [line for line in pythia_settings(p, cuts, 1)
                               if not line.startswith("Random:seed =")]
                           for p in ("top", "qcd")},
                "features": list(FEATURES),
                "versions": {k: v or "absent" for k, v in hep_versions().items()}}
    arrays = {"X": Xa, "y": ya, "settings": np.array(json.dumps(settings))}
    arrays.update({name: Fa[:, i] for i, name in enumerate(FEATURES)})
    path = write_npz(out / "jets.npz", **arrays)
    return {"path": str(path), "n_jets": n_jets, "n_events": events,
            "generated": len(pending), "reused": len(plan) - len(pending),
            "seconds": time.perf_counter() - t0,
            "events_per_second": (made["events"] / gen_seconds) if pending else None}


def load_jets(path: str | os.PathLike) -> dict[str, Any]:
    """Read a ``jets.npz``: its arrays, and ``settings`` as a dict."""
    p = Path(path)
    if p.is_dir():
        p = p / "jets.npz"
    if not p.is_file():
        raise FileNotFoundError(f"no jets file at {str(p)!r} (make one with  symfast jets "
                                "--events N --out DIR)")
    with np.load(p, allow_pickle=False) as z:
        data = {k: z[k] for k in z.files}
    missing = [k for k in ("X", "y", *FEATURES) if k not in data]
    if missing:
        raise ValueError(f"{p}: not a symfast jets file (missing {', '.join(missing)})")
    data["settings"] = json.loads(str(data["settings"])) if "settings" in data else {}
    return data


