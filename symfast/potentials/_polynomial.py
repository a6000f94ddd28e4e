"""Sparse multivariate polynomials, the form in which the compiled sampler sees a potential."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np


@dataclass(frozen=True, eq=False)
class Polynomial:
    """A polynomial sum_t c_t prod_i x_i^{e_ti} in ``dim`` variables.

    Parameters
    ----------
    exponents : ndarray of shape (n_terms, dim), int64
        Non-negative exponents of each monomial.
    coefficients : ndarray of shape (n_terms,), float64
        Coefficient of each monomial.
    """

    exponents: np.ndarray
    coefficients: np.ndarray

    def __post_init__(self) -> None:
        # the compiled sampler indexes by these exponents with bounds checking off: an
        # invalid polynomial must never reach it
        e = np.asarray(self.exponents)
        c = np.asarray(self.coefficients)
        if e.ndim != 2:
            raise ValueError(f"exponents must be 2-dimensional (n_terms, dim), got shape "
                             f"{e.shape}")
        if e.dtype.kind not in "iuf" or (e.dtype.kind == "f" and (
                not np.isfinite(e).all() or np.any(e != np.round(e)))):
            raise TypeError(f"exponents must be integers, got dtype {e.dtype}"
                            + (" with non-integer values" if e.dtype.kind == "f" else ""))
        if e.size and e.min() < 0:
            raise ValueError(f"exponents must be non-negative, got {int(e.min())}")
        if c.ndim != 1 or c.shape[0] != e.shape[0]:
            raise ValueError(f"coefficients must have shape ({e.shape[0]},) to match the "
                             f"{e.shape[0]} terms, got {c.shape}")
        if c.dtype.kind not in "iuf":
            raise TypeError(f"coefficients must be real numbers, got dtype {c.dtype}")
        if not np.isfinite(c).all():
            raise ValueError("coefficients must be finite (no NaN or inf)")
        object.__setattr__(self, "exponents", np.ascontiguousarray(e, dtype=np.int64))
        object.__setattr__(self, "coefficients", np.ascontiguousarray(c, dtype=np.float64))

    @classmethod
    def from_terms(cls, terms: Mapping[tuple[int, ...], float], dim: int) -> "Polynomial":
        """Build from ``{exponent tuple: coefficient}``; zero coefficients are dropped."""
        items = [(e, c) for e, c in terms.items() if c != 0.0]
        if not items:
            return cls(np.zeros((0, dim), np.int64), np.zeros(0))
        exps = np.array([e for e, _ in items], dtype=np.int64).reshape(len(items), dim)
        coefs = np.array([c for _, c in items], dtype=np.float64)
        return cls(np.ascontiguousarray(exps), np.ascontiguousarray(coefs))

    @classmethod
    def variable(cls, i: int, dim: int) -> "Polynomial":
        e = [0] * dim
        e[i] = 1
        return cls.from_terms({tuple(e): 1.0}, dim)

    @classmethod
    def constant(cls, c: float, dim: int) -> "Polynomial":
        return cls.from_terms({(0,) * dim: float(c)}, dim)

    @property
    def dim(self) -> int:
        return int(self.exponents.shape[1])

    @property
    def degree(self) -> int:
        return int(self.exponents.sum(axis=1).max()) if len(self.coefficients) else 0

    def _terms(self) -> dict[tuple[int, ...], float]:
        return {tuple(int(v) for v in e): float(c)
                for e, c in zip(self.exponents, self.coefficients)}

    def _coerce(self, other: "Polynomial | float") -> "Polynomial":
        if isinstance(other, Polynomial):
            if other.dim != self.dim:
                raise ValueError(f"cannot combine polynomials in {self.dim} and {other.dim} "
                                 "variables")
            return other
        return Polynomial.constant(float(other), self.dim)

    def __add__(self, other: "Polynomial | float") -> "Polynomial":
        other = self._coerce(other)
        terms = self._terms()
        for e, c in other._terms().items():
            terms[e] = terms.get(e, 0.0) + c
        return Polynomial.from_terms(terms, self.dim)

    __radd__ = __add__

    def __mul__(self, other: "Polynomial | float") -> "Polynomial":
        other = self._coerce(other)
        terms: dict[tuple[int, ...], float] = {}
        for e1, c1 in self._terms().items():
            for e2, c2 in other._terms().items():
                e = tuple(a + b for a, b in zip(e1, e2))
                terms[e] = terms.get(e, 0.0) + c1 * c2
        return Polynomial.from_terms(terms, self.dim)

    __rmul__ = __mul__

    def __neg__(self) -> "Polynomial":
        return self * -1.0

    def __sub__(self, other: "Polynomial | float") -> "Polynomial":
        return self + (-self._coerce(other))

    def __rsub__(self, other: float) -> "Polynomial":
        return self._coerce(other) - self

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """Evaluate at the rows of ``X`` of shape (n, dim); returns shape (n,)."""
        X = np.asarray(X, dtype=np.float64)
        out = np.zeros(X.shape[0])
        for e, c in zip(self.exponents, self.coefficients):
            term = np.full(X.shape[0], c)
            for i in np.flatnonzero(e):
                term *= X[:, i] ** int(e[i])
            out += term
        return out

    def gradient(self, X: np.ndarray) -> np.ndarray:
        """Gradient at the rows of ``X``; returns shape (n, dim)."""
        X = np.asarray(X, dtype=np.float64)
        G = np.zeros_like(X)
        for j in range(self.dim):
            mask = self.exponents[:, j] > 0
            if not mask.any():
                continue
            exps = self.exponents[mask].copy()
            coefs = self.coefficients[mask] * exps[:, j]
            exps[:, j] -= 1
            G[:, j] = Polynomial(exps, coefs)(X)
        return G


def radial_squared(dim: int, axes: list[int] | None = None) -> Polynomial:
    """sum_{i in axes} x_i^2 (all axes by default)."""
    axes = list(range(dim)) if axes is None else axes
    r2 = Polynomial.constant(0.0, dim)
    for i in axes:
        xi = Polynomial.variable(i, dim)
        r2 = r2 + xi * xi
    return r2
