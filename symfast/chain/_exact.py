"""The open 1D Ising chain with n-spin interactions: whole-space enumeration and its dual.

Definitions (Betzler & Krippendorf, arXiv 2002.05169):
H(s) = -J sum_{k=1}^{N-n+1} prod_{l=0}^{n-1} s_{k+l} - B sum_k s_k (only complete windows);
a state is (meta)stable when every single spin flip strictly raises the energy
(``strict=False``: no flip lowers it).  Whole-space arrays are indexed by the
state i with s_k = -1 exactly when bit k-1 of i is 1.
"""

from __future__ import annotations

import os

import numpy as np

from symfast._validation import check_array, check_float, check_int, check_n_threads

#: Largest N for which whole-space arrays (2^N entries) are built.
MAX_WHOLE_SPACE_N = 30
#: Largest N for the explicit spin array of ``states`` (2^N x N bytes).
MAX_STATES_N = 24
#: Largest N the bit-parallel kernel handles (one 64-bit word per state).
MAX_KERNEL_N = 62
_CHUNK = 1 << 24


def check_chain(N: int, n: int, J: float = 1.0, B: float = 0.0, *,
                max_N: int | None = None) -> tuple[int, int, float, float]:
    """Validate chain parameters; ``max_N`` bounds whole-space work."""
    N = check_int(N, "N", minimum=1)
    n = check_int(n, "n", minimum=1)
    if n > N:
        raise ValueError(f"n={n} must not exceed N={N}: an n-spin window must fit in the chain")
    J = check_float(J, "J")
    B = check_float(B, "B")
    if max_N is not None and N > max_N:
        raise ValueError(f"N={N} is too large for a whole-space array: 2^{N} states would need "
                         f"{_human_bytes(8 * 2.0 ** N)} as float64 energies "
                         f"({_human_bytes(2.0 ** N)} as a bool mask; this machine has "
                         f"{_human_bytes(_physical_memory())}); at most N={max_N} here. Use "
                         "count_metastable(N, n, ...) for exact counts at any N, "
                         "count_metastable_enumerated for streaming counts, or "
                         "sample_metastable for states")
    return N, n, J, B


def _physical_memory() -> float:
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return float("nan")


def _human_bytes(b: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if b < 1024 or unit == "PiB":
            return f"{b:.1f} {unit}"
        b /= 1024
    return f"{b:.1f} PiB"


def states(N: int) -> np.ndarray:
    """All 2^N states as spins: int8 array of shape (2^N, N), row i in the standard encoding."""
    N = check_int(N, "N", minimum=1, maximum=MAX_STATES_N)
    i = np.arange(1 << N, dtype=np.int64)[:, None]
    bits = (i >> np.arange(N)) & 1
    return (1 - 2 * bits).astype(np.int8)


def energies(N: int, n: int, *, J: float = 1.0, B: float = 0.0,
             n_threads: int | None = None) -> np.ndarray:
    """H of every state: float64 array of shape (2^N,) (compiled, bit-parallel)."""
    from symfast._ext import _chain

    N, n, J, B = check_chain(N, n, J, B, max_N=MAX_WHOLE_SPACE_N)
    out = np.empty(1 << N)
    _chain.energies(N, n, J, B, 0, out, check_n_threads(n_threads))
    return out


def metastable_mask(N: int, n: int, *, J: float = 1.0, B: float = 0.0, strict: bool = True,
                    n_threads: int | None = None) -> np.ndarray:
    """Whether each state is (meta)stable: bool array of shape (2^N,)."""
    from symfast._ext import _chain

    N, n, J, B = check_chain(N, n, J, B, max_N=MAX_WHOLE_SPACE_N)
    out = np.empty(1 << N, dtype=np.uint8)
    threads = check_n_threads(n_threads)
    for start in range(0, 1 << N, _CHUNK):
        stop = min(start + _CHUNK, 1 << N)
        _chain.metastable(N, n, J, B, int(bool(strict)), start, out[start:stop], threads)
    return out.view(bool)


def count_metastable_enumerated(N: int, n: int, *, J: float = 1.0, B: float = 0.0,
                                strict: bool = True, start: int = 0, stop: int | None = None,
                                n_threads: int | None = None) -> int:
    """(Meta)stable states among [start, stop) (default: all 2^N), by streaming enumeration.

    No array is built, so memory stays constant; ranges let the work be split
    into shards whose counts add up exactly.
    """
    from symfast._ext import _chain

    N, n, J, B = check_chain(N, n, J, B, max_N=MAX_KERNEL_N)
    total = 1 << N
    stop = total if stop is None else check_int(stop, "stop", minimum=0, maximum=total)
    start = check_int(start, "start", minimum=0, maximum=stop)
    return int(_chain.count_stable(N, n, J, B, int(bool(strict)), start, stop,
                                   check_n_threads(n_threads)))


def dual(spins: np.ndarray, n: int) -> np.ndarray:
    """Dual variables sigma_k = prod_{l=0}^{n-1} s_{k+l}, with ghost spins s_{N+1..N+n-1} = +1.

    Parameters
    ----------
    spins : array_like of shape (N,) or (n_samples, N), values +-1
    n : int

    Returns
    -------
    ndarray of the same shape, int8
    """
    s = _check_spins(spins)
    n = check_int(n, "n", minimum=1)
    N = s.shape[-1]
    padded = np.concatenate([s, np.ones(s.shape[:-1] + (n - 1,), dtype=np.int8)], axis=-1)
    out = np.ones_like(s)
    for l in range(n):
        out *= padded[..., l:l + N]
    return out


def dual_inverse(sigma: np.ndarray, n: int) -> np.ndarray:
    """Spins from dual variables: s_N = sigma_N, then s_k = sigma_k prod_{l=1}^{n-1} s_{k+l}."""
    sg = _check_spins(sigma, "sigma")
    n = check_int(n, "n", minimum=1)
    N = sg.shape[-1]
    s = np.ones(sg.shape[:-1] + (N + n - 1,), dtype=np.int8)   # ghosts at the end
    for k in range(N - 1, -1, -1):
        prod = sg[..., k].copy()
        for l in range(1, n):
            prod *= s[..., k + l]
        s[..., k] = prod
    return s[..., :N]


def _check_spins(spins: np.ndarray, name: str = "spins") -> np.ndarray:
    a = np.asarray(spins)
    if a.ndim not in (1, 2) or a.shape[-1] < 1:
        raise ValueError(f"{name} must have shape (N,) or (n_samples, N), got {a.shape}")
    if a.dtype.kind not in "iuf" or not np.isin(a, (-1, 1)).all():
        raise ValueError(f"{name} must hold only +1 and -1")
    return a.astype(np.int8)


def spins_of(index: np.ndarray, N: int) -> np.ndarray:
    """Spins (n, N) int8 of state indices in the standard encoding."""
    idx = np.asarray(index, dtype=np.int64)
    N = check_int(N, "N", minimum=1, maximum=MAX_KERNEL_N)
    return (1 - 2 * ((idx[..., None] >> np.arange(N)) & 1)).astype(np.int8)


def energy_of(spins: np.ndarray, n: int, *, J: float = 1.0, B: float = 0.0) -> np.ndarray:
    """H of given spin configurations (n_samples, N) — the plain definition, in NumPy."""
    s = _check_spins(spins).astype(np.int64)
    n = check_int(n, "n", minimum=1)
    N = s.shape[-1]
    W = max(N - n + 1, 0)
    prod = np.ones(s.shape[:-1] + (W,), dtype=np.int64)
    for l in range(n):
        prod *= s[..., l:l + W]
    return -J * prod.sum(axis=-1) - B * s.sum(axis=-1)
