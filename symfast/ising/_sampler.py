"""The multi-spin-coded Metropolis sampler: Python boundary over ``csrc/_ising.pyx``."""

from __future__ import annotations

import numpy as np

from symfast._validation import check_float, check_int, check_n_threads, check_seed
from symfast.ising._exact import critical_temperature

#: Replicas per machine word.
LANES = 64


def check_lattice_size(L) -> int:
    """L as an int, checked: even (checkerboard updates) and at least 4."""
    L = check_int(L, "L", minimum=4)
    if L % 2:
        raise ValueError(f"L must be even (checkerboard updates on a periodic lattice need "
                         f"the two colours to alternate all the way round), got L={L}")
    return L


def _check_T(T, J: float) -> tuple[float, float]:
    T = check_float(T, "T")
    if T <= 0:
        raise ValueError(f"T must be > 0, got {T}")
    return T, check_float(J, "J")


class _Packed:
    """R replicas packed 64 per word, with one random stream per (block, row)."""

    def __init__(self, lat: np.ndarray, n_replicas: int, seed: int):
        from symfast._ext import _ising

        self.lat = lat
        self.n_replicas = n_replicas
        self.rng = np.empty((lat.shape[0] * lat.shape[1], _ising.STATE_WORDS), dtype=np.uint64)
        _ising.seed_streams(self.rng, np.uint64(seed))

    @classmethod
    def from_spins(cls, spins: np.ndarray, seed: int) -> "_Packed":
        from symfast._ext import _ising

        R, L, _ = spins.shape
        lat = np.zeros((-(-R // LANES), L, L), dtype=np.uint64)
        _ising.pack(spins, lat)
        # fold the state into the streams: repeated calls with one seed on different states
        # must not replay the same random numbers (that would couple successive calls)
        return cls(lat, R, _mix(seed, int(_ising.fingerprint(lat))))

    def sweeps(self, T: float, J: float, n: int, n_threads: int) -> None:
        from symfast._ext import _ising

        if n > 0:
            _ising.sweeps(self.lat, self.rng, T, J, n, n_threads)

    def unpack(self, out: np.ndarray, first: int = 0) -> None:
        from symfast._ext import _ising

        _ising.unpack(self.lat, out, first)


def _mix(a: int, b: int) -> int:
    return int(np.random.SeedSequence([a, b]).generate_state(1, dtype=np.uint64)[0])


def sweep(spins: np.ndarray, T: float, n_sweeps: int, *, J: float = 1.0, seed: int = 0,
          n_threads: int | None = None) -> np.ndarray:
    """Advance a batch of lattices by exactly ``n_sweeps`` Metropolis sweeps, in place.

    One sweep is a checkerboard update: every site of one colour, then every site
    of the other, each flip accepted with probability min(1, exp(-dE / T)),
    periodic boundaries, H = -J sum_<ij> s_i s_j.  The replicas are packed 64 to a
    machine word (multi-spin coding) and updated together.

    Parameters
    ----------
    spins : ndarray of shape (R, L, L), int8, values +-1
        C-contiguous and writable; overwritten with the new states.  L even, >= 4.
    T : float, > 0
    n_sweeps : int, >= 0
    J : float, default=1.0
    seed : int, default=0
        Seeds the random streams, together with a hash of ``spins``: the same
        seed and input give the same output, and calling again with the same seed
        on the evolved state draws fresh numbers.
    n_threads : int, optional
        OpenMP threads (rows of one colour run in parallel); the result does not
        depend on it.

    Returns
    -------
    spins : the same array.
    """
    if not isinstance(spins, np.ndarray) or spins.dtype != np.int8:
        raise TypeError(f"spins must be an int8 ndarray of shape (R, L, L), got "
                        f"{getattr(spins, 'dtype', type(spins).__name__)}")
    if spins.ndim != 3 or spins.shape[1] != spins.shape[2]:
        raise ValueError(f"spins must have shape (R, L, L), got {spins.shape}")
    if not (spins.flags.c_contiguous and spins.flags.writeable):
        raise ValueError("spins must be C-contiguous and writable (it is updated in place)")
    check_lattice_size(spins.shape[1])
    if spins.shape[0] == 0:
        raise ValueError("spins must hold at least one lattice")
    if not np.all((spins == 1) | (spins == -1)):
        raise ValueError("spins must hold only +1 and -1")
    T, J = _check_T(T, J)
    n_sweeps = check_int(n_sweeps, "n_sweeps", minimum=0)
    seed = check_seed(seed)
    packed = _Packed.from_spins(spins, seed)
    packed.sweeps(T, J, n_sweeps, check_n_threads(n_threads))
    packed.unpack(spins)
    return spins


def sample(L: int, T: float, n_samples: int, *, J: float = 1.0, burn_in: int = 1000,
           thin: int = 10, n_replicas: int | None = None, start: str = "auto", seed: int = 0,
           n_threads: int | None = None, progress: bool = False) -> np.ndarray:
    """Equilibrium configurations of the 2D Ising model from independent Metropolis chains.

    ``n_replicas`` independent chains (default: one per sample, so that every
    sample is an independent draw) start from ``start``, run ``burn_in`` sweeps,
    and then each gives a sample every ``thin`` sweeps until ``n_samples`` are
    collected (sample i comes from replica i % n_replicas).

    Parameters
    ----------
    L : int
        Linear size, even and >= 4 (periodic boundaries).
    T : float, > 0
    n_samples : int, >= 1
    J : float, default=1.0
    burn_in : int, default=1000
        Sweeps before the first sample.
    thin : int, default=10
        Sweeps between two samples of one replica (only used when
        ``n_replicas < n_samples``).
    n_replicas : int, optional
        Independent chains; default ``n_samples``.  Chains run 64 to a machine
        word, so up to the next multiple of 64 they come for free.
    start : {"auto", "cold", "hot"}
        "cold": all spins +1; "hot": independent random spins; "auto": cold
        below T_c (a hot start coarsens slowly and can stay trapped in stripe
        states for very long), hot at and above it.
    seed : int, default=0
        Same seed, same samples (whatever the thread count).
    n_threads : int, optional
    progress : bool, default=False
        A progress bar over sweeps.

    Returns
    -------
    ndarray of shape (n_samples, L, L), int8, values +-1
    """
    L = check_lattice_size(L)
    T, J = _check_T(T, J)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    burn_in = check_int(burn_in, "burn_in", minimum=0)
    thin = check_int(thin, "thin", minimum=1)
    R = n_samples if n_replicas is None else check_int(n_replicas, "n_replicas", minimum=1)
    R = min(R, n_samples)
    seed = check_seed(seed)
    threads = check_n_threads(n_threads)
    if start not in ("auto", "cold", "hot"):
        raise ValueError(f"start must be 'auto', 'cold' or 'hot', got {start!r}")
    if start == "auto":
        start = "cold" if J != 0 and T < critical_temperature(J) else "hot"
    blocks = -(-R // LANES)
    if start == "hot":
        lat = np.random.default_rng(seed).integers(0, 2**64, size=(blocks, L, L),
                                                   dtype=np.uint64, endpoint=False)
    else:
        # all +1; for J < 0 (antiferromagnet) a cold start is the Neel state
        lat = np.zeros((blocks, L, L), dtype=np.uint64)
        if J < 0:
            lat[:, (np.add.outer(np.arange(L), np.arange(L)) % 2) == 1] = ~np.uint64(0)
    packed = _Packed(lat, R, _mix(seed, 0x15196))
    per = -(-n_samples // R)
    out = np.empty((n_samples, L, L), dtype=np.int8)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=burn_in + (per - 1) * thin, desc=f"Ising L={L} T={T:g}",
                   unit="sweep", leave=False)
    step = max(1, min(burn_in, 100))
    done = 0
    while done < burn_in:              # in pieces, for the progress bar
        k = min(step, burn_in - done)
        packed.sweeps(T, J, k, threads)
        done += k
        if bar is not None:
            bar.update(k)
    for j in range(per):
        if j:
            packed.sweeps(T, J, thin, threads)
            if bar is not None:
                bar.update(thin)
        first = j * R
        count = min(R, n_samples - first)
        packed.unpack(out[first:first + count])
    if bar is not None:
        bar.close()
    return out


def energy(configs: np.ndarray, J: float = 1.0) -> np.ndarray:
    """Energy per spin, -J/L^2 sum over nearest-neighbour bonds: shape (n,) for (n, L, L)."""
    s = _check_configs(configs)
    J = check_float(J, "J")
    bonds = (s * np.roll(s, -1, axis=-1)).sum(axis=(-2, -1), dtype=np.int64) + \
        (s * np.roll(s, -1, axis=-2)).sum(axis=(-2, -1), dtype=np.int64)
    return -J * bonds / (s.shape[-1] * s.shape[-2])


def magnetization(configs: np.ndarray) -> np.ndarray:
    """Magnetization per spin: shape (n,) for configs of shape (n, L, L)."""
    s = _check_configs(configs)
    return s.sum(axis=(-2, -1), dtype=np.int64) / (s.shape[-1] * s.shape[-2])


def _check_configs(configs: np.ndarray) -> np.ndarray:
    a = np.asarray(configs)
    if a.ndim not in (2, 3):
        raise ValueError(f"configs must have shape (L, L) or (n, L, L), got {a.shape}")
    if a.dtype.kind not in "iuf":
        raise TypeError(f"configs must be numeric +-1 spins, got dtype {a.dtype}")
    if not np.all((a == 1) | (a == -1)):
        raise ValueError("configs must hold only +1 and -1")
    return a.astype(np.int8, copy=False)
