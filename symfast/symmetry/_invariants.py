"""Polynomial invariants of a :class:`~symfast.symmetry.Symmetry`, solved from its generators.

A polynomial p is invariant under the flows of the affine fields x -> T x + b exactly when
every field annihilates it: (L p)(x) = grad p(x) . (T x + b) = 0.  On the monomials up to a
degree, L is an exact linear map of coefficient vectors (x^alpha goes to
sum_ij alpha_i T_ij x^(alpha - e_i + e_j) + alpha_i b_i x^(alpha - e_i)), so the invariants
are the null space of the stacked maps of all generators.  Generators found in data carry
noise; the null space is read from the singular values with a gap (the invariants' values
sit at the generators' noise, the rest at order one).  The finite part is then averaged in
(the Reynolds operator p -> mean_g p o g), which keeps exactly the polynomials invariant
under it too.

Everything is computed in standardised coordinates u = (x - mean) / std of the data given
(the generators conjugated accordingly), so that the singular values compare like with like
whatever the units of the columns.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from symfast._validation import check_array, check_int

#: Relative singular value below which a direction is an invariant when no gap decides.
EXACT_TOL = 1e-8
#: A gap must exceed this ratio to separate invariants from the rest.
MIN_GAP = 30.0


def monomial_exponents(d: int, degree: int) -> np.ndarray:
    """Exponents (n_monomials, d) of every monomial of total degree 1..degree, graded."""
    rows = []
    for deg in range(1, degree + 1):
        for combo in itertools.combinations_with_replacement(range(d), deg):
            e = np.zeros(d, dtype=np.int64)
            for i in combo:
                e[i] += 1
            rows.append(e)
    return np.array(rows, dtype=np.int64).reshape(-1, d)


def _design(U: np.ndarray, exps: np.ndarray) -> np.ndarray:
    """Monomials evaluated at the rows of U: (n, n_monomials)."""
    out = np.ones((U.shape[0], exps.shape[0]))
    for j in range(U.shape[1]):
        col = exps[:, j]
        for p in range(1, int(col.max(initial=0)) + 1):
            out[:, col == p] *= (U[:, j] ** p)[:, None]
    return out


def _derivation(T: np.ndarray, b: np.ndarray, exps: np.ndarray,
                index: dict[tuple[int, ...], int]) -> np.ndarray:
    """The matrix of p -> grad p . (T x + b) from monomials ``exps`` to ``index``'s."""
    n_out = len(index)
    L = np.zeros((n_out, exps.shape[0]))
    d = exps.shape[1]
    for m, alpha in enumerate(exps):
        for i in np.flatnonzero(alpha):
            lower = alpha.copy()
            lower[i] -= 1
            for j in range(d):
                if T[i, j] != 0.0:
                    up = lower.copy()
                    up[j] += 1
                    L[index[tuple(up)], m] += alpha[i] * T[i, j]
            if b[i] != 0.0:
                L[index[tuple(lower)], m] += alpha[i] * b[i]
    return L


@dataclass
class PolynomialInvariants:
    """A basis of the invariant polynomials up to ``degree``; call it on points.

    Attributes
    ----------
    exponents : ndarray of shape (n_monomials, d)
        The monomials, in the standardised coordinates u = (x - shift) / scale.
    coefficients : ndarray of shape (n_invariants, n_monomials)
        One orthonormal coefficient vector per invariant.
    shift, scale : ndarray of shape (d,)
    degree : int
    singular_values : ndarray
        The spectrum the null space was read from (ascending), relative to its largest.
    residuals : ndarray of shape (n_invariants,)
        How far each invariant is from annihilated by the generators (relative).
    """

    exponents: np.ndarray
    coefficients: np.ndarray
    shift: np.ndarray
    scale: np.ndarray
    degree: int
    singular_values: np.ndarray = field(repr=False)
    residuals: np.ndarray = field(repr=False)

    @property
    def n_invariants(self) -> int:
        return int(self.coefficients.shape[0])

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """The invariants at the rows of X: shape (n, n_invariants)."""
        Xa = check_array(X, "X", ndim=2, n_features=self.exponents.shape[1])
        return _design((Xa - self.shift) / self.scale, self.exponents) @ self.coefficients.T

    def __repr__(self) -> str:
        return (f"PolynomialInvariants(n_invariants={self.n_invariants}, degree={self.degree}, "
                f"dim={self.exponents.shape[1]})")


def _null_count(s: np.ndarray) -> int:
    """How many of the ascending relative singular values ``s`` belong to invariants."""
    if s.size == 0:
        return 0
    exact = int(np.sum(s <= EXACT_TOL))
    small = np.flatnonzero(s <= 0.1)
    if small.size == 0:
        return exact
    top = np.maximum(s[:small[-1] + 2], 1e-16)
    ratios = top[1:] / top[:-1]
    j = int(np.argmax(ratios))
    return max(exact, j + 1) if ratios[j] >= MIN_GAP else exact


def invariants(symmetry: Any, degree: int, *, X: np.ndarray | None = None,
               n_invariants: int | None = None) -> PolynomialInvariants:
    """The polynomial invariants of ``symmetry`` up to ``degree`` (constants excluded).

    Parameters
    ----------
    symmetry : Symmetry
        What ``symfast.find_generators``, ``symfast.find_discrete_symmetries`` or
        ``symfast.discover`` found (their ``.symmetry``), or an exact one.
    degree : int
        Highest total degree, 1..6.
    X : array_like of shape (n, d), optional
        Data that fix the standardised coordinates (their mean and per-column standard
        deviation); default: the origin and unit scale.
    n_invariants : int, optional
        Keep exactly this many (the least violated) instead of reading the count from the
        spectrum's gap.

    Returns
    -------
    PolynomialInvariants
        Callable on (n, d) points.  With no continuous part every polynomial passes the
        first step, and the finite group's average decides alone.

    Examples
    --------
    >>> import numpy as np, symfast
    >>> from symfast.potentials import sample_level_sets, PAPER_LEVELS
    >>> X, y = sample_level_sets("so3", PAPER_LEVELS, per_class=500)
    >>> inv = symfast.invariants(symfast.find_generators(X, y).symmetry, 2)
    >>> inv.n_invariants                 # |x|^2
    1
    """
    from symfast.symmetry._object import Symmetry

    if not isinstance(symmetry, Symmetry):
        symmetry = getattr(symmetry, "symmetry", None)
        if not isinstance(symmetry, Symmetry):
            raise TypeError("symmetry must be a symfast.Symmetry (or a result with a "
                            ".symmetry)")
    degree = check_int(degree, "degree", minimum=1, maximum=6)
    d = symmetry.dim
    if X is None:
        shift, scale = np.zeros(d), np.ones(d)
    else:
        Xa = check_array(X, "X", ndim=2, n_features=d, min_rows=2)
        shift, scale = Xa.mean(axis=0), Xa.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
    exps = monomial_exponents(d, degree)
    # the fields in u = (x - shift) / scale: T_u = S^-1 T S, b_u = S^-1 (T shift + b)
    T = symmetry.lie_algebra * scale[None, None, :] / scale[None, :, None]
    b = (np.einsum("kij,j->ki", symmetry.lie_algebra, shift) + symmetry.translations) \
        / scale[None, :]
    if T.shape[0]:
        full = np.vstack([np.zeros((1, d), dtype=np.int64), exps])   # the constant too
        index = {tuple(e): i for i, e in enumerate(full)}
        L = np.vstack([_derivation(T[a], b[a], exps, index) for a in range(T.shape[0])])
        _, s, Vt = np.linalg.svd(L, full_matrices=True)
        s = np.concatenate([s, np.zeros(exps.shape[0] - s.size)]) if s.size < exps.shape[0] \
            else s
        order = np.argsort(s)
        s, Vt = s[order], Vt[order]
        rel = s / s.max() if s.max() > 0 else s
        count = _null_count(rel) if n_invariants is None else check_int(
            n_invariants, "n_invariants", minimum=0, maximum=exps.shape[0])
        C = Vt[:count]
        resid = rel[:count]
    else:
        C, rel, resid = np.eye(exps.shape[0]), np.zeros(exps.shape[0]), np.zeros(exps.shape[0])
    if symmetry.discrete_generators.shape[0] and C.shape[0]:
        C, resid = _reynolds(symmetry, C, exps, shift, scale, n_invariants)
    return PolynomialInvariants(exps, C, shift, scale, degree, rel, resid)


def _reynolds(symmetry: Any, C: np.ndarray, exps: np.ndarray, shift: np.ndarray,
              scale: np.ndarray, n_invariants: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Average the polynomials ``C`` over the finite part and return a basis of the span."""
    d = exps.shape[1]
    G = symmetry.elements if symmetry.elements is not None else None
    if G is None:
        raise ValueError("the finite part's elements are needed to average over it "
                         f"(component group {symmetry.component_group!r} was not enumerated)")
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(3 * exps.shape[0] + 20, d))          # points in u coordinates
    Phi = _design(Z, exps)
    X = Z * scale + shift
    avg = np.zeros((Z.shape[0], C.shape[0]))
    c = symmetry.center
    for A in G:
        gX = (X - c) @ A.T + c
        avg += _design((gX - shift) / scale, exps) @ C.T
    avg /= G.shape[0]
    coef, *_ = np.linalg.lstsq(Phi, avg, rcond=None)           # (n_monomials, n_in)
    # The average is a projection: on the span of C its singular values are 1 (invariant
    # directions) or 0, moved by the noise of the found elements; 1/2 splits them.
    U, s, Vt = np.linalg.svd(coef.T, full_matrices=False)
    keep = int(np.sum(s > 0.5)) if n_invariants is None else min(n_invariants, s.size)
    return Vt[:keep], 1.0 - s[:keep]
