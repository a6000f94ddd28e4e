"""The ``pairs`` route: hyperplane-filtered generator regression (Krippendorf & Syvaeri).

Random planes through two points of a cloud; close pairs of points near each plane give
chord velocities v ~ T m, one least-squares candidate per plane (the compiled kernel
``csrc/_generators.pyx``), and an uncentred PCA over the candidates gives the generators.
"""

from __future__ import annotations

import numpy as np

from symfast._validation import check_array, check_float, check_int, check_n_threads
from symfast.symmetry._continuous._tangent import _largest_gap_count


# -- the pair-regression kernel and its defaults ---------------------------------------------
def random_planes(X: np.ndarray, n_planes: int, rng: np.random.Generator) -> np.ndarray:
    """Orthonormal bases (n_planes, 2, d) of planes through two random rows of centred X.

    Pairs of nearly parallel points are redrawn (a few times at most).
    """
    n, d = X.shape
    out = np.empty((n_planes, 2, d))
    filled = 0
    for _ in range(20):
        m = n_planes - filled
        i = rng.integers(0, n, size=2 * m)
        a, b = X[i[:m]], X[i[m:]]
        na = np.linalg.norm(a, axis=1, keepdims=True)
        e1 = a / np.where(na > 0, na, 1.0)
        b = b - np.sum(b * e1, axis=1, keepdims=True) * e1
        nb = np.linalg.norm(b, axis=1, keepdims=True)
        ok = (na[:, 0] > 0) & (nb[:, 0] > 1e-6 * np.maximum(na[:, 0], 1e-300))
        k = int(ok.sum())
        out[filled:filled + k, 0] = e1[ok]
        out[filled:filled + k, 1] = (b / np.where(nb > 0, nb, 1.0))[ok]
        filled += k
        if filled == n_planes:
            return out
    return out[:filled]


def plane_candidates(X: np.ndarray, bases: np.ndarray, delta: float, eps: float, *,
                     max_kept: int = 2000, n_threads: int | None = None
                     ) -> dict[str, np.ndarray]:
    """Run the compiled hyperplane-filtered pair regression on given planes.

    Parameters
    ----------
    X : ndarray of shape (n, d)
        Centred cloud.
    bases : ndarray of shape (n_planes, 2, d)
        Orthonormal (e1, e2) of each plane.
    delta, eps : float
        Distance to the plane for a point to be kept; distance for two kept
        points to be paired.
    max_kept : int, default=2000
        Most points kept per plane (the first ones in row order).

    Returns
    -------
    dict with ``T`` (n_planes, d, d) candidates, ``residual`` (n_planes,)
    relative RMS of the fit (-1 where a plane had too few pairs), ``kept`` and
    ``pairs`` (n_planes,) counts.
    """
    from symfast._ext import _generators

    Xc = check_array(X, "X", ndim=2, min_rows=1)
    B = check_array(bases, "bases", ndim=3)
    if B.shape[1:] != (2, Xc.shape[1]):
        raise ValueError(f"bases must have shape (n_planes, 2, {Xc.shape[1]}), got {B.shape}")
    delta = check_float(delta, "delta", positive=True)
    eps = check_float(eps, "eps", positive=True)
    max_kept = check_int(max_kept, "max_kept", minimum=2)
    n_planes, d = B.shape[0], Xc.shape[1]
    T = np.zeros((n_planes, d * d))
    res = np.empty(n_planes)
    kept = np.empty(n_planes, dtype=np.int64)
    pairs = np.empty(n_planes, dtype=np.int64)
    _generators.plane_regression(Xc, B, float(delta), float(eps), int(max_kept), T, res,
                                 kept, pairs, check_n_threads(n_threads))
    if np.any(res < -1.5):
        raise MemoryError("plane_regression could not allocate its per-block buffers")
    return {"T": T.reshape(n_planes, d, d), "residual": res, "kept": kept, "pairs": pairs}


def default_delta_eps(X: np.ndarray, rng: np.random.Generator, target_kept: int,
                      max_kept: int | None = None, n_probe: int = 16) -> tuple[float, float]:
    """Data-derived ``delta`` and ``eps`` for a centred cloud.

    ``delta`` is the distance to a plane within which ``target_kept`` points
    lie on a typical plane (median over ``n_probe`` random planes, each
    through two random points); ``eps`` is 2.5 times the median
    nearest-neighbour distance among those kept points (at most ``max_kept``
    of them, as the kernel keeps), so that a kept point has a few partners
    along its curve.  Costs ``n_probe`` passes over the cloud.
    """
    from scipy.spatial import cKDTree

    n = X.shape[0]
    planes = random_planes(X, n_probe, rng)
    norms2 = np.einsum("ij,ij->i", X, X)
    q = min(1.0, target_kept / n)
    deltas, nn = [], []
    for e in planes:
        a, b = X @ e[0], X @ e[1]
        dist = np.sqrt(np.maximum(norms2 - a * a - b * b, 0.0))
        dl = float(np.quantile(dist, q))
        deltas.append(dl)
        kept = X[dist <= dl]
        if max_kept is not None and kept.shape[0] > max_kept:
            kept = kept[rng.choice(kept.shape[0], max_kept, replace=False)]
        if kept.shape[0] >= 2:
            dd, _ = cKDTree(kept).query(kept, k=2)
            nn.append(float(np.median(dd[:, 1])))
    delta = float(np.median(deltas))
    scale = float(np.median(np.sqrt(norms2)))
    delta = max(delta, 1e-9 * scale)
    eps = 2.5 * float(np.median(nn)) if nn else 0.1 * scale
    return delta, max(eps, 1e-9 * scale)


def _pairs_method(clouds: list[np.ndarray], *, n_planes: int, delta: float | None,
                  eps: float | None, rng: np.random.Generator, threads: int,
                  gap_ratio: float, max_residual: float, forced: int | None) -> dict:
    sizes = np.array([c.shape[0] for c in clouds], dtype=float)
    share = np.maximum(1, np.round(n_planes * sizes / sizes.sum())).astype(int)
    Ts, res, diag = [], [], {"planes": 0, "planes_fitted": 0, "pairs": 0, "delta": [],
                             "eps": []}
    # One centre for all clouds: the group acts about one fixed point, and the mean of
    # all points estimates it far better than the mean of each (small) cloud.
    center = np.concatenate(clouds).mean(axis=0)
    for cloud, n_p in zip(clouds, share):
        Xc = cloud - center
        if np.linalg.norm(Xc, axis=1).max() == 0:
            continue
        Xc = Xc[rng.permutation(Xc.shape[0])]   # the cap on kept points takes a random subset
        target = int(np.clip(Xc.shape[0] // 20, 30, 400))
        if delta is None or eps is None:
            d0, e0 = default_delta_eps(Xc, rng, target, max_kept=4 * target)
        dl = delta if delta is not None else d0
        ep = eps if eps is not None else e0
        bases = random_planes(Xc, int(n_p), rng)
        if bases.shape[0] == 0:
            continue
        out = plane_candidates(Xc, bases, dl, ep, max_kept=4 * target, n_threads=threads)
        ok = out["residual"] >= 0
        Ts.append(out["T"][ok])
        res.append(out["residual"][ok])
        diag["planes"] += int(bases.shape[0])
        diag["planes_fitted"] += int(ok.sum())
        diag["pairs"] += int(out["pairs"].sum())
        diag["delta"].append(dl)
        diag["eps"].append(ep)
    d = clouds[0].shape[1]
    T = np.concatenate(Ts) if Ts else np.zeros((0, d, d))
    r = np.concatenate(res) if res else np.zeros(0)
    if T.shape[0] == 0:
        return {"generators": np.zeros((0, d, d)), "spectrum": np.zeros(0),
                "residuals": np.zeros(0), "center": center, "diag": diag,
                "reason": "no plane had enough close pairs to fit (try a larger eps or delta)"}
    flat = T.reshape(T.shape[0], -1)
    norms = np.linalg.norm(flat, axis=1)
    flat = flat[norms > 0] / norms[norms > 0, None]
    _, s, Vt = np.linalg.svd(flat, full_matrices=False)
    evr = s**2 / np.sum(s**2)
    median_res = float(np.median(r))
    diag["median_plane_residual"] = median_res
    reason = ""
    if forced is not None:
        k = forced
    else:
        k = _largest_gap_count(evr, gap_ratio)
        if k and median_res > max_residual:
            reason = (f"the plane fits leave a median relative residual of {median_res:.3g} "
                      f"(> max_residual={max_residual:g}): the chords follow no linear field")
            k = 0
        elif k == 0:
            reason = (f"no gap of at least gap_ratio={gap_ratio:g} in the candidate spectrum")
    gens = Vt[:k].reshape(k, d, d)
    return {"generators": gens, "spectrum": evr, "residuals": np.full(k, median_res),
            "center": center, "diag": diag, "reason": reason}

