"""Exact counting and uniform sampling of (meta)stable states by a transfer matrix.

Whether flipping spin i raises the energy depends only on the 2n-1 spins
i-n+1 .. i+n-1 (the windows that contain i).  Scanning the chain left to
right with the last 2n-2 spins as the state, each new spin completes the
neighbourhood of the spin n-1 places back, whose condition is checked then.
Counts are exact Python integers (the number of states grows like c^N);
the cost is O(N 2^(2n-1)).
"""

from __future__ import annotations

import random

import numpy as np

from symfast._validation import check_int, check_seed
from symfast.chain._exact import check_chain


def _ok_table(width: int, center: int, first: int, N: int, n: int, J: float, B: float,
                strict: bool, cache: dict) -> np.ndarray:
    """For every pattern of ``width`` spins (bit t set: spin first + t is -1), whether flipping
    the spin at ``first + centre`` raises the energy (strictly, or not lowers it).

    The arithmetic is the enumeration kernel's, dE = 2 J sum_k p_k + 2 B s_i over the
    windows k that contain the spin; tables are cached by the pattern of windows that exist
    around the spin, which is the same everywhere away from the chain's ends.
    """
    i = first + center
    ks = tuple(k - first for k in range(max(0, i - n + 1), min(i, N - n) + 1))
    key = (width, center, ks)
    if key in cache:
        return cache[key]
    b = np.arange(1 << width, dtype=np.int64)
    S = np.zeros(b.size, dtype=np.int64)
    for k in ks:
        parity = np.zeros(b.size, dtype=np.int64)
        for t in range(k, k + n):
            parity ^= (b >> t) & 1
        S += 1 - 2 * parity
    s_i = 1 - 2 * ((b >> center) & 1)
    dE = 2.0 * J * S + 2.0 * B * s_i
    ok = dE > 0.0 if strict else dE >= 0.0
    cache[key] = ok
    return ok


class _Chain:
    """The DP tables of one (N, n, J, B, strict): forward counts per position and state."""

    def __init__(self, N: int, n: int, J: float, B: float, strict: bool):
        self.N, self.n, self.J, self.B, self.strict = N, n, J, B, strict
        self.w = min(N, 2 * n - 2) if n > 1 else 1      # spins kept in the state
        w = self.w
        # initial block: spins 0..w-1, with the conditions of spins whose neighbourhood
        # lies inside it (i + n - 1 <= w - 1), or all of them when the chain is that short
        cache: dict = {}
        last_inside = N - 1 if w == N else w - n
        init_ok = np.ones(1 << w, dtype=bool)
        for i in range(last_inside + 1):
            init_ok &= _ok_table(w, i, 0, N, n, J, B, strict, cache)
        init = np.where(init_ok, 1, 0).astype(object)
        self.tables = [init]
        self.allowed = []
        self.positions = range(w, N)
        full = w + 1
        patterns = np.arange(1 << full, dtype=np.int64)
        for j in self.positions:
            # new spin j: state bits are spins j-w .. j-1; appending gives j-w .. j
            first = j - w
            center_pos = j - n + 1            # the spin whose neighbourhood is now complete
            ok = _ok_table(full, center_pos - first, first, N, n, J, B, strict, cache)
            self.allowed.append(ok)
            prev = self.tables[-1]
            new = np.zeros(1 << w, dtype=object)
            np.add.at(new, patterns[ok] >> 1, prev[patterns[ok] & ((1 << w) - 1)])
            self.tables.append(new)
        # the last spins' conditions (neighbourhoods cut by the right end)
        first = N - w
        self.final_ok = np.ones(1 << w, dtype=bool)
        if w < N:
            for i in range(N - n + 1, N):
                self.final_ok &= _ok_table(w, i - first, first, N, n, J, B, strict, cache)

    def count(self) -> int:
        last = self.tables[-1]
        return int(sum(c for c, ok in zip(last, self.final_ok) if ok))

    def sample(self, rng: random.Random) -> np.ndarray:
        """One state uniformly among the (meta)stable ones (spins, int8 (N,))."""
        N, w = self.N, self.w
        weights = [int(c) if ok else 0 for c, ok in zip(self.tables[-1], self.final_ok)]
        b = _pick(weights, rng)
        spins = np.empty(N, dtype=np.int8)
        # b holds spins N-w .. N-1
        for t in range(w):
            spins[N - w + t] = 1 - 2 * ((b >> t) & 1)
        for idx in range(len(self.positions) - 1, -1, -1):
            j = self.positions[idx]
            ok = self.allowed[idx]
            prev = self.tables[idx]
            rest = (b << 1) & ((1 << (w + 1)) - 1)  # spins j-w+1 .. j in bits 1..w
            cands = []
            for oldest in (0, 1):
                full = rest | oldest
                cands.append(int(prev[full & ((1 << w) - 1)]) if ok[full] else 0)
            oldest = _pick(cands, rng)
            b = (rest | oldest) & ((1 << w) - 1)
            spins[j - w] = 1 - 2 * oldest
        return spins


def _pick(weights: list[int], rng: random.Random) -> int:
    total = sum(weights)
    if total <= 0:
        raise ValueError("no (meta)stable state exists for these parameters")
    r = rng.randrange(total)
    for i, w in enumerate(weights):
        if r < w:
            return i
        r -= w
    raise AssertionError("unreachable")


#: Ways to count: by cost, the transfer matrix, or the streaming enumeration.
COUNT_METHODS = ("auto", "transfer", "enumerate")
#: Largest n of the transfer matrix (2^(2n-2) states).
MAX_TRANSFER_n = 8
#: Measured costs on the 2-core development machine: the transfer matrix about 25 ns per
#: N 2^(2n-1) step (0.5 ms set-up), the compiled enumeration 7-10 ns per state.
_TRANSFER_NS, _ENUMERATE_NS = 25.0, 10.0


def count_method(N: int, n: int) -> str:
    """The cheaper exact way to count for (N, n): "transfer" or "enumerate".

    Raises ValueError when neither applies (n above the transfer matrix's limit and N
    above the enumeration kernel's).
    """
    from symfast.chain._exact import MAX_KERNEL_N

    transfer = (N * 2.0 ** (2 * n - 1) * _TRANSFER_NS + 5e5) if n <= MAX_TRANSFER_n else None
    enumerate_ = 2.0 ** N * _ENUMERATE_NS if N <= MAX_KERNEL_N else None
    if transfer is None and enumerate_ is None:
        raise ValueError(f"N={N}, n={n}: the transfer matrix handles n <= {MAX_TRANSFER_n} "
                         f"and the enumeration N <= {MAX_KERNEL_N}; neither applies")
    if transfer is None:
        return "enumerate"
    if enumerate_ is None:
        return "transfer"
    return "transfer" if transfer <= enumerate_ else "enumerate"


def count_metastable(N: int, n: int, *, J: float = 1.0, B: float = 0.0,
                     strict: bool = True, method: str = "auto",
                     n_threads: int | None = None) -> int:
    """Exact number of (meta)stable states of the open N-spin chain.

    Parameters
    ----------
    N, n : int
        Chain length and interaction range.
    J, B : float
    strict : bool, default=True
    method : {"auto", "transfer", "enumerate"}, default="auto"
        "transfer": a transfer matrix over the last 2n-2 spins, exact integers,
        O(N 2^(2n-1)), any N, n <= 8.  "enumerate": the compiled streaming
        enumeration of all 2^N states, N <= 62, any n.  "auto" takes the cheaper
        (:func:`count_method`), so every (N, n) one of them can do is answered:
        ``count_metastable(18, 9)`` enumerates 2^18 states in milliseconds.
    n_threads : int, optional
        Threads of the enumeration.

    Both agree wherever both run (tests).
    """
    N, n, J, B = check_chain(N, n, J, B)
    if method not in COUNT_METHODS:
        raise ValueError(f"method must be one of {', '.join(COUNT_METHODS)}, got {method!r}")
    if method == "auto":
        method = count_method(N, n)
    if method == "enumerate":
        from symfast.chain._exact import count_metastable_enumerated

        return count_metastable_enumerated(N, n, J=J, B=B, strict=strict, n_threads=n_threads)
    if n > MAX_TRANSFER_n:
        raise ValueError(f"n={n}: the transfer matrix has 2^(2n-2) states; n <= "
                         f"{MAX_TRANSFER_n} is supported (method='enumerate' counts any n "
                         "for N <= 62)")
    return _Chain(N, n, J, B, bool(strict)).count()


def sample_metastable(N: int, n: int, size: int, *, J: float = 1.0, B: float = 0.0,
                      strict: bool = True, seed: int = 0) -> np.ndarray:
    """``size`` states drawn uniformly (with replacement) from the (meta)stable ones.

    Returns
    -------
    ndarray of shape (size, N), int8 spins
    """
    N, n, J, B = check_chain(N, n, J, B)
    size = check_int(size, "size", minimum=0)
    if n > 8:
        raise ValueError(f"n={n}: at most n = 8 is supported by the transfer matrix")
    chain = _Chain(N, n, J, B, bool(strict))
    rng = random.Random(check_seed(seed))
    return (np.stack([chain.sample(rng) for _ in range(size)]) if size
            else np.zeros((0, N), dtype=np.int8))
