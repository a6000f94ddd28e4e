"""How often the same finite group comes back from half of the cloud (``stability``).

A user holds one draw of the points and cannot tell whether the group found on it is the
one most draws would give.  Each re-draw keeps a random half of every level set (without
replacement, so the half is a sample of the same distribution at half the density) and
runs the whole search again with its own seed; ``stability`` is the fraction of re-draws
that name the same group.  Halving is the stricter test: a group found only at the full
density scores low, which is what a user should know about it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable

import numpy as np

from symfast._seeds import derive_seed


def half_draw(lab: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Indices of a random half of every label's points (at least 3 each), sorted.

    Parameters
    ----------
    lab : ndarray of shape (n,), int
    rng : numpy Generator

    Returns
    -------
    ndarray of shape (about n / 2,), int64
    """
    keep = []
    for c in np.unique(lab):
        members = np.flatnonzero(lab == c)
        k = max(3, members.size // 2)
        keep.append(rng.choice(members, size=min(k, members.size), replace=False))
    return np.sort(np.concatenate(keep))


def redraw_stability(find: Callable[..., Any], X: np.ndarray, lab: np.ndarray, name: str,
                     n_draws: int, seed: int, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Run ``find`` on ``n_draws`` half-clouds and compare their groups with ``name``.

    Parameters
    ----------
    find : callable
        ``find(X_half, lab_half, seed=..., **kwargs)`` returning a result with ``name``.
    X : ndarray of shape (n, d)
    lab : ndarray of shape (n,), int
    name : str
        The group found on the whole cloud.
    n_draws : int
    seed : int
        Base seed; re-draw i uses ``derive_seed(seed, "stability", i)`` for both the half
        and the search.
    kwargs : dict
        The other arguments of the whole-cloud search.

    Returns
    -------
    dict
        ``fraction`` (of re-draws naming ``name``), ``draws``, ``names`` (per re-draw) and
        ``counts`` (how often each name came back).
    """
    names = []
    for i in range(n_draws):
        s = derive_seed(seed, "stability", i)
        idx = half_draw(lab, np.random.default_rng(s))
        names.append(find(X[idx], lab[idx], seed=s % (2 ** 31), **kwargs).name)
    same = sum(nm == name for nm in names)
    return {"fraction": same / n_draws, "draws": n_draws, "names": names,
            "counts": dict(Counter(names).most_common())}
