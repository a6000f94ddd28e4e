"""Observables of the Kramers-Wannier dual frame: bond variables and energy overlaps."""

from __future__ import annotations

import numpy as np


def bond_variables(spins: np.ndarray) -> np.ndarray:
    """The bond variables s_i s_j of every horizontal and vertical link (the dual lattice).

    Parameters
    ----------
    spins : ndarray of shape (n, L, L), values +-1

    Returns
    -------
    ndarray of shape (n, 2 L^2), int8: horizontal links then vertical links, so
    that the energy per spin is -J times their mean times 2.
    """
    s = np.asarray(spins, dtype=np.int8)
    h = s * np.roll(s, -1, axis=-1)
    v = s * np.roll(s, -1, axis=-2)
    return np.concatenate([h.reshape(len(s), -1), v.reshape(len(s), -1)], axis=1)


def energy_overlap(e1: np.ndarray, e2: np.ndarray) -> float:
    """Overlap sum_E min(p1(E), p2(E)) of two discrete energy samples (1: identical)."""
    values = np.union1d(e1, e2)
    p1 = np.searchsorted(values, e1)
    p2 = np.searchsorted(values, e2)
    h1 = np.bincount(p1, minlength=values.size) / e1.size
    h2 = np.bincount(p2, minlength=values.size) / e2.size
    return float(np.minimum(h1, h2).sum())
