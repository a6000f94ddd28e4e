"""Hyperplane-filtered pair regression: compiled kernel against NumPy + cKDTree.

Same cloud (points on a 2-sphere, a level set of the ``so3`` potential), same
planes, same delta and eps, in one run.  Both sides' candidates go through the
same PCA, and the similarity of the resulting generators to the true so(3) is
recorded next to the times.  The issue's scale is 10^6 points and 1000 planes;
SYMFAST_BENCH_TINY=1 shrinks it for CI.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import reference
from symfast.symmetry import algebra_similarity, plane_candidates, random_planes
from symfast.symmetry._continuous._pairs import default_delta_eps
from symfast.potentials import get, sample_level_sets

TINY = bool(os.environ.get("SYMFAST_BENCH_TINY"))
N_POINTS = 20_000 if TINY else 1_000_000
N_PLANES = 50 if TINY else 1000
TARGET_KEPT = 400


@pytest.fixture(scope="module")
def task():
    X, _ = sample_level_sets("so3", [0.4], per_class=N_POINTS, seed=0)
    X = X - X.mean(axis=0)
    rng = np.random.default_rng(1)
    delta, eps = default_delta_eps(X, rng, TARGET_KEPT, max_kept=4 * TARGET_KEPT)
    bases = random_planes(X, N_PLANES, rng)
    return X, bases, delta, eps


def _top3_similarity(T: np.ndarray, residual: np.ndarray) -> float:
    ok = residual >= 0
    flat = T[ok].reshape(int(ok.sum()), -1)
    flat = flat / np.linalg.norm(flat, axis=1, keepdims=True)
    _, _, Vt = np.linalg.svd(flat, full_matrices=False)
    d = T.shape[1]
    return algebra_similarity(Vt[:3].reshape(3, d, d), get("so3").generators)


def test_kernel(benchmark, task):
    X, bases, delta, eps = task
    benchmark.group = f"generators {N_POINTS} points x {N_PLANES} planes"
    benchmark.extra_info.update(role="kernel", items=N_PLANES)
    out = benchmark.pedantic(plane_candidates, args=(X, bases, delta, eps),
                             kwargs={"max_kept": 4 * TARGET_KEPT}, rounds=3, iterations=1)
    sim = _top3_similarity(out["T"], out["residual"])
    benchmark.extra_info.update(similarity=sim, mean_kept=float(out["kept"].mean()),
                                mean_pairs=float(out["pairs"].mean()))
    assert sim >= 0.95


def test_reference(benchmark, task):
    X, bases, delta, eps = task
    benchmark.group = f"generators {N_POINTS} points x {N_PLANES} planes"
    benchmark.extra_info.update(role="reference", items=N_PLANES)
    out = benchmark.pedantic(reference.plane_regression,
                             args=(X, bases, delta, eps, 4 * TARGET_KEPT), rounds=1,
                             iterations=1)
    sim = _top3_similarity(out["T"], out["residual"])
    benchmark.extra_info.update(similarity=sim)
    assert sim >= 0.95


# -- the learning curve: the default call from 100 to 6000 points ----------------------------
# Four levels per case, random orthogonal frames, three seeds (one in CI).  The default
# route (local PCA at and above LOCAL_PCA_MIN_POINTS points per level set, the fitted
# level function below) is timed and scored beside local PCA alone on the same points.
# The peers' figures are theirs, not measured in this run: Forestano et al. (arXiv
# 2301.05638, their notebook settings, 300 oracle points; run here for issue 38: so(4)
# and so(1,3), minimum span cosine 0.9999996 in 62-68 s) and Shaw, Magner and Moon
# (arXiv 2406.03619: the ellipse from 200 points, similarity 0.9999994 in 2.2 s).
from scipy.stats import ortho_group  # noqa: E402

from _curve import CURVE  # noqa: E402
from symfast.symmetry import affine_matrices, find_generators, orthonormal_basis  # noqa: E402

CURVE_POINTS = (100, 300) if TINY else (100, 300, 1000, 6000)
CURVE_SEEDS = (0,) if TINY else (0, 1, 2)
CURVE_LEVELS = {"so3": [-1.0, -0.6, -0.2, 0.2], "so4": [-1.0, -0.6, -0.2, 0.2],
                "lorentz": [-1.0, -0.5, 0.5, 1.0], "sl2r": [-1.0, -0.5, 0.5, 1.0],
                "ellipse": [0.5, 1.0, 1.5, 2.0]}
PEERS = {"so4": "Forestano et al.: 0.9999996 at 300 points, 62-68 s",
         "lorentz": "Forestano et al.: 0.9999996 at 300 points, 62-68 s",
         "ellipse": "Shaw-Magner-Moon: 0.9999994 at 200 points, 2.2 s"}
ELLIPSE_T = np.array([[0.0, 4.0], [-1.0, 0.0]])      # (x-1)^2 + 4 (y-1)^2: v = J grad V / 2


def _ellipse(Z):
    return (Z[:, 0] - 1.0) ** 2 + 4.0 * (Z[:, 1] - 1.0) ** 2


def _curve_task(case: str, n_points: int, seed: int):
    levels = CURVE_LEVELS[case]
    per = n_points // len(levels)
    if case == "ellipse":
        X, y = sample_level_sets(_ellipse, levels, per_class=per, dim=2, radius=3.0,
                                 seed=seed)
        T, b = ELLIPSE_T[None], (-ELLIPSE_T @ np.ones(2))[None]
    else:
        X, y = sample_level_sets(case, levels, per_class=per, seed=seed)
        T = get(case).generators
        b = np.zeros((T.shape[0], T.shape[1]))
    Q = ortho_group.rvs(X.shape[1], random_state=100 + seed)
    return X @ Q.T, y, np.einsum("ij,kjl,ml->kim", Q, T, Q), b @ Q.T


def _score(res, T: np.ndarray, b: np.ndarray) -> dict:
    """Right count, minimum span cosine, and (one generator) the peers' similarity."""
    out = {"count": res.n_generators, "right": res.n_generators == T.shape[0],
           "algebra": res.algebra, "normals": res.diagnostics.get("normals", res.method)}
    if res.n_generators == T.shape[0]:
        A, B = affine_matrices(res.generators, res.translations), affine_matrices(T, b)
        QA, QB = orthonormal_basis(A), orthonormal_basis(B)
        out["span_cos"] = float(np.linalg.svd(QA.reshape(len(QA), -1)
                                              @ QB.reshape(len(QB), -1).T,
                                              compute_uv=False).min())
    return out


@pytest.mark.parametrize("n_points", CURVE_POINTS)
@pytest.mark.parametrize("case", list(CURVE_LEVELS))
@pytest.mark.parametrize("route", ["default", "pca"])
def test_learning_curve(benchmark, case, n_points, route):
    tasks = [_curve_task(case, n_points, s) for s in CURVE_SEEDS]
    kwargs = {} if route == "default" else {"normals_from": "pca"}
    benchmark.group = f"learning curve {case} {n_points} points"
    benchmark.extra_info.update(role="kernel" if route == "default" else "pca",
                                items=len(tasks))
    results = benchmark.pedantic(lambda: [find_generators(X, y, **kwargs)
                                          for X, y, _, _ in tasks], rounds=1, iterations=1)
    scores = [_score(r, T, b) for r, (_, _, T, b) in zip(results, tasks)]
    cos = [s["span_cos"] for s in scores if "span_cos" in s]
    row = {"case": case, "points": n_points, "route": route,
           "right": f"{sum(s['right'] for s in scores)}/{len(scores)}",
           "min_span_cos": min(cos) if cos else None,
           "names": sorted({s["algebra"] for s in scores}),
           "normals": sorted({s["normals"] for s in scores}),
           "s_per_fit": benchmark.stats.stats.mean / len(tasks) if benchmark.stats else None,
           "peers": PEERS.get(case, "")}
    benchmark.extra_info.update(curve=row)
    CURVE.append(row)
    if route == "default":
        # never a wrong count: right, or 'unresolved'
        assert all(s["right"] or s["algebra"] == "unresolved" for s in scores), scores
