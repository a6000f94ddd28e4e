"""Normals of level sets from a fitted polynomial surrogate of the level values.

The tangent method needs the normal space of each level set at each point.  Local
PCA reads it off the neighbours, which works while a level set is densely sampled:
the SO(n) shells in up to six dimensions at 1000 points per level.  A joint level
set of the superpotential is six-dimensional inside R^8, and at the paper's 1000
points per class its nearest neighbours lie about a third of its size apart: local
PCA then sees no tangent space at all (measured: at 500 to 2500 points per level,
all intrinsic dimensions come out 8).

Here the values the classes stand for (the level of each class, per output) are
regressed on the inputs by least squares over monomials, the degree chosen on
held-out points; the gradients of the fit are the normals.  Only (X, values)
enter; nothing about the potential's form is given.  A function that is not a
low-degree polynomial is fitted approximately, and the normals, hence the
generators, are then as good as the fit (``r2`` says how good).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from symfast._validation import check_array, check_int, check_seed


def _features(d: int, degree: int, bias: bool = True):
    from sklearn.preprocessing import PolynomialFeatures

    return PolynomialFeatures(degree, include_bias=bias).fit(np.zeros((1, d)))


def derivative_maps(top, low) -> np.ndarray:
    """d/dz_j of every monomial of ``top`` as a combination of the monomials of ``low``.

    d/dz_j z^q = q_j z^(q - e_j): a monomial of one degree less, so the derivatives
    are one sparse matrix per input.  ``low`` must hold every z^(q - e_j) (the
    expansion of one degree less, with the constant).

    Returns
    -------
    ndarray of shape (d, low terms, top terms)
    """
    index = {tuple(q): i for i, q in enumerate(low.powers_)}
    d = top.powers_.shape[1]
    D = np.zeros((d, low.n_output_features_, top.n_output_features_))
    for t, q in enumerate(top.powers_):
        for j in np.flatnonzero(q):
            lower = q.copy()
            lower[j] -= 1
            D[j, index[tuple(lower)], t] = q[j]
    return D


def _monomials(Z: np.ndarray, feats, chunk: int = 16384) -> np.ndarray:
    """All monomials of Z up to the features' degree (scikit-learn's compiled expansion)."""
    out = np.empty((Z.shape[0], feats.n_output_features_))
    for i in range(0, Z.shape[0], chunk):
        out[i:i + chunk] = feats.transform(Z[i:i + chunk])
    return out


@dataclass
class PolynomialSurrogate:
    """Least-squares polynomial fit of m outputs on d inputs, with its gradient.

    Parameters
    ----------
    max_degree : int, default=4
        Degrees 1..max_degree are tried; the smallest whose held-out R^2 is
        within ``r2_tol`` of the best is kept.
    max_fit_points : int, default=20000
        Points used in the fit (a random subset of larger data).
    r2_tol : float, default=1e-4
    seed : int, default=0

    Attributes
    ----------
    degree_ : int
    r2_ : ndarray of shape (m,)
        Held-out R^2 per output at the chosen degree.
    r2_by_degree_ : dict
        Held-out R^2 (minimum over outputs) for each degree tried.
    """

    max_degree: int = 4
    max_fit_points: int = 20_000
    r2_tol: float = 1e-4
    seed: int = 0
    degree_: int = field(init=False, default=0)
    r2_: np.ndarray = field(init=False, default=None)
    r2_by_degree_: dict = field(init=False, default_factory=dict)

    def fit(self, X: np.ndarray, Y: np.ndarray) -> "PolynomialSurrogate":
        """Fit Y (n, m) or (n,) on X (n, d)."""
        Xa = check_array(X, "X", ndim=2, min_rows=10)
        Ya = check_array(Y, "Y")
        Ya = Ya.reshape(Ya.shape[0], -1)
        if Ya.shape[0] != Xa.shape[0]:
            raise ValueError(f"Y must have {Xa.shape[0]} rows to match X, got {Ya.shape[0]}")
        check_int(self.max_degree, "max_degree", minimum=1, maximum=8)
        rng = np.random.default_rng(check_seed(self.seed))
        n = Xa.shape[0]
        idx = rng.permutation(n)[:min(n, self.max_fit_points)]
        self.mean_ = Xa[idx].mean(axis=0)
        self.scale_ = np.maximum(Xa[idx].std(axis=0), 1e-12)
        Z = (Xa[idx] - self.mean_) / self.scale_
        Yf = Ya[idx]
        n_val = max(1, len(idx) // 5)
        tr, va = slice(n_val, None), slice(0, n_val)
        best = None
        fits = {}
        for deg in range(1, self.max_degree + 1):
            P = _features(Xa.shape[1], deg)
            if P.n_output_features_ > 0.5 * (len(idx) - n_val):
                break                                    # too few points for this degree
            M = _monomials(Z, P)
            coef, *_ = np.linalg.lstsq(M[tr], Yf[tr], rcond=None)
            res = Yf[va] - M[va] @ coef
            var = np.maximum(Yf[va].var(axis=0), 1e-300)
            r2 = 1.0 - (res ** 2).mean(axis=0) / var
            fits[deg] = (P, coef, r2)
            self.r2_by_degree_[deg] = float(r2.min())
            if best is None or r2.min() > fits[best][2].min():
                best = deg
        if best is None:
            raise ValueError(f"too few points ({n}) to fit even a linear surrogate")
        top = fits[best][2].min()
        for deg in sorted(fits):
            if fits[deg][2].min() >= top - self.r2_tol:
                best = deg
                break
        P, _, r2 = fits[best]
        # refit the chosen degree on all fit points
        coef, *_ = np.linalg.lstsq(_monomials(Z, P), Yf, rcond=None)
        self.degree_, self.features_, self.coef_, self.r2_ = best, P, coef, r2
        # the gradient is the lower expansion times one (terms, m) matrix per input
        self.lower_ = _features(Xa.shape[1], best - 1)
        self.dcoef_ = np.einsum("jlt,tm->jlm", derivative_maps(P, self.lower_), coef)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Fitted values, shape (n, m)."""
        Z = (np.asarray(X, dtype=np.float64) - self.mean_) / self.scale_
        return _monomials(Z, self.features_) @ self.coef_

    def gradient(self, X: np.ndarray, chunk: int = 4096) -> np.ndarray:
        """Gradients of the fitted outputs, shape (n, m, d)."""
        Z = (np.asarray(X, dtype=np.float64) - self.mean_) / self.scale_
        n = Z.shape[0]
        G = np.empty((n, self.coef_.shape[1], Z.shape[1]))
        for i in range(0, n, chunk):
            F = _monomials(Z[i:i + chunk], self.lower_)
            G[i:i + chunk] = np.einsum("nt,jtm->nmj", F, self.dcoef_, optimize=True)
        return G / self.scale_[None, None, :]


def level_normals(X: np.ndarray, values: np.ndarray, *, max_degree: int = 4,
                  seed: int = 0) -> tuple[np.ndarray, PolynomialSurrogate]:
    """Normals of the level sets at X from a polynomial surrogate of ``values``.

    Parameters
    ----------
    X : array_like of shape (n, d)
    values : array_like of shape (n,) or (n, m)
        The value each point's level set stands for (for binned classes, the
        level of its class, per output).
    max_degree : int, default=4
    seed : int, default=0

    Returns
    -------
    normals : ndarray of shape (n, m, d)
        Gradients of the fitted outputs: pass as ``normals`` to
        :func:`symfast.symmetry.find_generators`.
    surrogate : PolynomialSurrogate
        The fit, with its degree and held-out R^2.
    """
    sur = PolynomialSurrogate(max_degree=max_degree, seed=seed).fit(X, values)
    return sur.gradient(X), sur
