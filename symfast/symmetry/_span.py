"""The affine span of the data, and fields lifted from it.

Data whose columns obey exact linear relations (a copied column, a negated one, a fixed
combination; body 2 = -body 1 in a centre-of-mass frame) lie in a proper affine subspace
of R^d.  A linear field that acts off that subspace is not constrained by the data at all:
nothing is measured there, so no finder may report it as a symmetry.  The finders
therefore solve on the span (coordinates z = P^T (x - mean), P an orthonormal basis) and
lift what they find back as fields that act on the span only: T = P T_z P^T,
b = P b_z - T mean.  The (d^2 + d) - (r^2 + r) affine fields that the data leave free
are counted as ``unconstrained`` in ``diagnostics``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Singular values of the centred data below this fraction of the largest one count as
#: exact linear relations between columns (float64 data with copies and negations give
#: 1e-15; measurement noise of 1e-3 on the points gives 1e-3, which is a direction).
SPAN_TOL = 1e-8


@dataclass(frozen=True)
class AffineSpan:
    """The affine subspace the data lie in.

    Attributes
    ----------
    mean : ndarray of shape (d,)
    basis : ndarray of shape (d, r)
        Orthonormal columns spanning the centred data.
    singular_values : ndarray of shape (min(n, d),)
        Of the centred data, descending.
    """

    mean: np.ndarray
    basis: np.ndarray
    singular_values: np.ndarray

    @property
    def dim(self) -> int:
        """r, the dimension of the span."""
        return int(self.basis.shape[1])

    @property
    def ambient(self) -> int:
        """d, the number of columns."""
        return int(self.basis.shape[0])

    @property
    def degenerate(self) -> bool:
        return self.dim < self.ambient

    @property
    def unconstrained(self) -> int:
        """Affine fields of R^d that act off the span: (d^2 + d) - (r^2 + r)."""
        d, r = self.ambient, self.dim
        return d * d + d - (r * r + r)

    def reduce(self, X: np.ndarray) -> np.ndarray:
        """Coordinates on the span, shape (n, r)."""
        return (np.asarray(X, dtype=np.float64) - self.mean) @ self.basis

    def lift(self, T: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Fields z -> T z + b on the span as fields of R^d acting on the span only.

        Parameters
        ----------
        T : ndarray of shape (k, r, r)
        b : ndarray of shape (k, r)

        Returns
        -------
        generators : ndarray of shape (k, d, d)
        translations : ndarray of shape (k, d)
        """
        P = self.basis
        G = np.einsum("ia,kab,jb->kij", P, T, P)
        return G, b @ P.T - np.einsum("kij,j->ki", G, self.mean)

    def relations(self) -> np.ndarray:
        """The exact linear relations between columns: rows w with w . (x - mean) = 0."""
        if not self.degenerate:
            return np.zeros((0, self.ambient))
        Q = np.linalg.svd(self.basis, full_matrices=True)[0]
        return Q[:, self.dim:].T

    def summary(self) -> dict:
        """For ``diagnostics``."""
        return {"dim": self.dim, "ambient": self.ambient, "unconstrained": self.unconstrained,
                "relations": self.relations().round(12).tolist(),
                "singular_values": self.singular_values.tolist()}


def affine_span(X: np.ndarray, tol: float = SPAN_TOL) -> AffineSpan:
    """The affine span of the rows of X (prior validation assumed).

    Parameters
    ----------
    X : ndarray of shape (n, d)
    tol : float, default=SPAN_TOL
        Relative size below which a singular value of the centred data is an
        exact relation.
    """
    mean = X.mean(axis=0)
    _, s, Vt = np.linalg.svd(X - mean, full_matrices=False)
    r = int(np.sum(s > tol * s[0])) if s.size and s[0] > 0 else 0
    return AffineSpan(mean, Vt[:max(r, 1)].T.copy(), s)
