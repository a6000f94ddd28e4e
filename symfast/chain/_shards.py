"""Whole-space chain enumeration split into state ranges that combine exactly.

Each shard covers the states [start, stop) and returns the number of (meta)stable
states, the histogram of their energies, and its part of a uniform sample: every
state gets a random key from a hash of (seed, state index), and the sample is the
``sample`` metastable states with the smallest keys.  Because a state's key does not
depend on the sharding, merging the shards' smallest keys gives exactly the sample a
single process would draw, and the keys being i.i.d. uniform makes it a uniform
sample without replacement.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from symfast._validation import check_int, check_seed

_CHUNK = 1 << 22


def _keys(index: np.ndarray, seed: int) -> np.ndarray:
    """splitmix64 of (seed, index): one uniform 64-bit key per state (vectorised)."""
    with np.errstate(over="ignore"):       # uint64 arithmetic wraps, as intended
        x = index.astype(np.uint64) + np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15)
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def chain_shard(N: int, n: int, start: int, stop: int, *, J: float = 1.0, B: float = 0.0,
                strict: bool = True, sample: int = 0, seed: int = 0,
                n_threads: int | None = None) -> dict[str, Any]:
    """Count, energy histogram and sample part of the metastable states in [start, stop).

    Returns
    -------
    dict with ``start``, ``stop``, ``count`` (int), ``histogram`` ({energy as str: count})
    and ``sample`` (list of [key, state index], at most ``sample`` of them).
    """
    from symfast._ext import _chain
    from symfast._validation import check_n_threads
    from symfast.chain._exact import MAX_KERNEL_N, check_chain

    N, n, J, B = check_chain(N, n, J, B, max_N=MAX_KERNEL_N)
    stop = check_int(stop, "stop", minimum=0, maximum=1 << N)
    start = check_int(start, "start", minimum=0, maximum=stop)
    sample = check_int(sample, "sample", minimum=0)
    seed = check_seed(seed)
    threads = check_n_threads(n_threads)
    count, hist = 0, {}
    best_k = np.empty(0, dtype=np.uint64)
    best_i = np.empty(0, dtype=np.int64)
    mask = np.empty(min(_CHUNK, max(stop - start, 1)), dtype=np.uint8)
    E = np.empty(mask.size)
    for lo in range(start, stop, _CHUNK):
        hi = min(lo + _CHUNK, stop)
        m, e = mask[:hi - lo], E[:hi - lo]
        _chain.metastable(N, n, J, B, int(bool(strict)), lo, m, threads)
        _chain.energies(N, n, J, B, lo, e, threads)
        idx = np.flatnonzero(m) + lo
        count += idx.size
        vals, cnt = np.unique(e[m.view(bool)], return_counts=True)
        for v, c in zip(vals.tolist(), cnt.tolist()):
            hist[repr(v)] = hist.get(repr(v), 0) + c
        if sample and idx.size:
            k = np.concatenate([best_k, _keys(idx, seed)])
            i = np.concatenate([best_i, idx])
            keep = np.argsort(k, kind="stable")[:sample]
            best_k, best_i = k[keep], i[keep]
    return {"start": start, "stop": stop, "count": int(count), "histogram": hist,
            "sample": [[int(a), int(b)] for a, b in zip(best_k.tolist(), best_i.tolist())]}


def chain_shards(N: int, n: int, n_shards: int, *, J: float = 1.0, B: float = 0.0,
                 strict: bool = True, sample: int = 0, seed: int = 0) -> list[dict[str, Any]]:
    """Sweep tasks (``{"kernel": "chain_shard", ...}``) covering all 2^N states in
    ``n_shards`` contiguous ranges."""
    N = check_int(N, "N", minimum=1, maximum=62)
    n_shards = check_int(n_shards, "n_shards", minimum=1, maximum=1 << N)
    edges = [(i * (1 << N)) // n_shards for i in range(n_shards + 1)]
    return [{"kernel": "chain_shard", "N": N, "n": n, "start": a, "stop": b, "J": J, "B": B,
             "strict": strict, "sample": sample, "seed": seed}
            for a, b in zip(edges[:-1], edges[1:])]


def combine_chain_shards(parts: Iterable[dict[str, Any]], sample: int = 0) -> dict[str, Any]:
    """Combine shard results exactly: total count, summed histogram, merged sample.

    The ranges must tile an interval without gaps or overlaps (checked).
    """
    parts = sorted(parts, key=lambda p: p["start"])
    for a, b in zip(parts[:-1], parts[1:]):
        if a["stop"] != b["start"]:
            raise ValueError(f"shards do not tile the state range: [{a['start']}, {a['stop']}) "
                             f"then [{b['start']}, {b['stop']})")
    hist: dict[float, int] = {}
    for p in parts:
        for k, v in p["histogram"].items():
            hist[float(k)] = hist.get(float(k), 0) + int(v)
    pairs = sorted((int(k), int(i)) for p in parts for k, i in p["sample"])[:sample]
    return {"count": sum(int(p["count"]) for p in parts),
            "histogram": dict(sorted(hist.items())),
            "sample": sorted(i for _, i in pairs),
            "start": parts[0]["start"] if parts else 0,
            "stop": parts[-1]["stop"] if parts else 0}
