"""Finite-group cases beyond the built-ins (issue 31), each group worked out by hand.

Polynomials are built from exact monomial dictionaries, so they go through the compiled
level-set sampler.  Every potential is a radial well r^2 (plus r^4 where a quartic
anisotropy needs bounding) with an anisotropic term whose symmetry group is the one named:

* D6: Re z^6 = r^6 cos 6 theta (rotations by 60 degrees and six mirrors, order 12);
* Z6: Re z^6 + Im z^12; sin 12 theta is kept by the rotations and flips sign under every
  mirror that keeps cos 6 theta, so only the six rotations remain (chiral, order 6).
  Both carry 0.1 r^14, which closes every level set inside the sampling ball, and are
  sampled at r ~ 0.8-1.1, where the chiral term (0.007-0.46) is far above the band's
  width 1e-3 (at r ~ 0.5 it would be below it, and the mirrors near-symmetries);
* B3 = O_h: x^4 + y^4 + z^4 (the cube's 48 signed permutations);
* Z2^3: x^4 + 2 y^4 + 3 z^4 (independent sign flips only, order 8);
* S4 = T_d: x y z + x^4 + y^4 + z^4 (all permutations, even sign changes: order 24).

The groups are given as matrices in these coordinates (``group``); a case in a random
frame Q has the elements Q g Q^T.
"""

from __future__ import annotations

from itertools import permutations, product
from math import comb

import numpy as np

from symfast.potentials import Polynomial


def _add(*terms: dict) -> dict:
    out: dict = {}
    for t in terms:
        for k, v in t.items():
            out[k] = out.get(k, 0.0) + v
    return {k: v for k, v in out.items() if abs(v) > 1e-15}


def _scale(t: dict, c: float) -> dict:
    return {k: c * v for k, v in t.items()}


def _power_sum(dim: int, p: int, weights=None) -> dict:
    w = np.ones(dim) if weights is None else weights
    return {tuple(p if j == i else 0 for j in range(dim)): float(w[i]) for i in range(dim)}


def _re_im_z(n: int) -> tuple[dict, dict]:
    """Re and Im of (x + i y)^n as monomial dictionaries in (x, y)."""
    re, im = {}, {}
    for k in range(n + 1):
        c = comb(n, k) * (1j ** k)            # C(n, k) x^(n-k) (i y)^k
        if abs(c.real) > 0:
            re[(n - k, k)] = float(c.real)
        if abs(c.imag) > 0:
            im[(n - k, k)] = float(c.imag)
    return re, im


def _rot(t: float) -> np.ndarray:
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])


def _cyclic(n: int) -> list[np.ndarray]:
    return [_rot(2 * np.pi * k / n) for k in range(n)]


def _dihedral(n: int) -> list[np.ndarray]:
    return [g @ m for g in _cyclic(n) for m in (np.eye(2), np.diag([1.0, -1.0]))]


SIGNED_PERMS = [np.diag(s) @ np.eye(3)[list(p)] for p in permutations(range(3))
                for s in product([1.0, -1.0], repeat=3)]


def _cases() -> dict[str, tuple[Polynomial, list[np.ndarray], list[float], float]]:
    r2 = _power_sum(2, 2)
    r2_3 = _power_sum(3, 2)
    re6, _ = _re_im_z(6)
    _, im12 = _re_im_z(12)
    r14 = {(2 * k, 2 * (7 - k)): 0.1 * comb(7, k) for k in range(8)}
    d6 = Polynomial.from_terms(_add(r2, _scale(re6, 0.2), r14), 2)
    z6 = Polynomial.from_terms(_add(r2, _scale(re6, 0.2), _scale(im12, 0.1), r14), 2)
    b3 = Polynomial.from_terms(_add(r2_3, _power_sum(3, 4)), 3)
    z2_3 = Polynomial.from_terms(_add(r2_3, _power_sum(3, 4, np.array([1.0, 2.0, 3.0]))), 3)
    s4 = Polynomial.from_terms(_add(r2_3, {(1, 1, 1): 1.0}, _power_sum(3, 4)), 3)
    # x y z keeps its sign when an even number of coordinates flip
    even = [g for g in SIGNED_PERMS if np.prod(g[g != 0]) > 0]
    return {
        # name: (polynomial, group by hand, levels, radius)
        "D6": (d6, _dihedral(6), [0.7, 0.9, 1.1], 1.6),
        "Z6": (z6, _cyclic(6), [0.7, 0.9, 1.1], 1.6),
        "B3": (b3, SIGNED_PERMS, [0.5, 1.0, 1.5], 1.5),
        "Z2^3": (z2_3, [np.diag(s) for s in product([1.0, -1.0], repeat=3)],
                 [0.5, 1.0, 1.5], 1.5),
        "S4": (s4, even, [0.5, 1.0, 1.5], 1.5),
    }


CASES = _cases()


def keeps(poly: Polynomial, group: list[np.ndarray], dim: int, n: int = 200) -> float:
    """Largest |V(g x) - V(x)| over the group and n random points in the unit ball."""
    X = np.random.default_rng(0).normal(size=(n, dim)) * 0.5
    V = poly(X)
    return max(float(np.abs(poly(X @ g.T) - V).max()) for g in group)
