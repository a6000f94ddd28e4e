"""Exact results for the square-lattice Ising model (infinite lattice, zero field)."""

from __future__ import annotations

import numpy as np

from symfast._validation import check_float

#: Critical temperature (J = 1): sinh(2 / T_c) = 1.
T_CRITICAL = 2.0 / np.log1p(np.sqrt(2.0))


def _temperatures(T, name: str = "T") -> np.ndarray:
    t = np.asarray(T, dtype=np.float64)
    if not np.all(np.isfinite(t)) or np.any(t <= 0):
        raise ValueError(f"{name} must be finite and > 0, got {T!r}")
    return t


def critical_temperature(J: float = 1.0) -> float:
    """``T_c = 2 |J| / ln(1 + sqrt 2)``."""
    J = check_float(J, "J")
    if J == 0:
        raise ValueError("J must be nonzero: there is no transition without coupling")
    return float(abs(J) * T_CRITICAL)


def dual_temperature(T, J: float = 1.0):
    """The Kramers–Wannier dual temperature: sinh(2J/T) sinh(2J/T*) = 1.

    Parameters
    ----------
    T : float or array_like, > 0
    J : float, default=1.0 (nonzero)

    Returns
    -------
    float or ndarray of the shape of T; T_c maps to itself and low T to high T*.
    """
    t = _temperatures(T)
    J = check_float(J, "J")
    if J == 0:
        raise ValueError("J must be nonzero")
    K = abs(J) / t
    # 2K* = asinh(1 / sinh 2K); written as -log(tanh K) to keep precision at large K
    out = 2.0 * abs(J) / (-np.log(np.tanh(K)))
    return float(out) if out.ndim == 0 else out


def exact_energy(T, J: float = 1.0):
    """Onsager's internal energy per spin of the infinite lattice.

    u = -J coth(2K) [1 + (2/pi) (2 tanh^2(2K) - 1) K1(k)], K = J/T,
    k = 2 sinh(2K) / cosh^2(2K), K1 the complete elliptic integral of the first
    kind (scipy's ``ellipk`` takes m = k^2).  At T_c the term vanishes (K1
    diverges logarithmically against a zero), so u(T_c) = -sqrt(2) J.
    """
    from scipy.special import ellipk

    t = _temperatures(T)
    J = check_float(J, "J")
    K = J / t
    k = 2.0 * np.sinh(2 * K) / np.cosh(2 * K) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        term = (2 / np.pi) * (2 * np.tanh(2 * K) ** 2 - 1) * ellipk(np.minimum(k * k, 1.0))
    term = np.where(np.isfinite(term), term, 0.0)
    u = -J / np.tanh(2 * K) * (1 + term)
    return float(u) if u.ndim == 0 else u


def exact_magnetization(T, J: float = 1.0):
    """Yang's spontaneous magnetization per spin: (1 - sinh(2K)^-4)^(1/8) below T_c, else 0."""
    t = _temperatures(T)
    J = check_float(J, "J")
    K = abs(J) / t
    with np.errstate(divide="ignore", over="ignore"):
        base = 1.0 - np.sinh(2 * K) ** -4.0
    m = np.where(base > 0, np.abs(base) ** 0.125, 0.0)
    return float(m) if m.ndim == 0 else m
