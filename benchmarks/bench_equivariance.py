"""discover_equivariance on the 2-body map against the same route from scikit-learn.

The task is the issue's: about 15,000 (state, next state) pairs of planar 2-body orbits
(symfast.nbody, leapfrog at a fixed step), body 2 = -body 1.  The reference is what a
user would write without symfast: the same reduction to the data's span, two
scikit-learn MLPRegressors (tanh, the smooth activation it has, the same widths and
epochs) on the step x(t + dt) - x(t), Jacobians by central finite differences, and the
same null-space solve in NumPy/SciPy.  Both report the cosine of their generator to the
rotation of every planar vector.  SYMFAST_BENCH_TINY=1 shrinks it for CI.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import symfast
from symfast.nbody import nbody_pairs, rotation_generator

TINY = bool(os.environ.get("SYMFAST_BENCH_TINY"))
N_ORBITS, STEPS = (30, 50) if TINY else (150, 100)
EPOCHS = 5 if TINY else None


@pytest.fixture(scope="module")
def orbits():
    return nbody_pairs(2, n_orbits=N_ORBITS, steps=STEPS, seed=0)


def _cosine_to_rotation(G: np.ndarray, relations: np.ndarray) -> float:
    if G.shape[0] != 1:
        return 0.0
    W = np.asarray(relations).reshape(-1, G.shape[-1])
    P = np.eye(G.shape[-1]) - W.T @ W
    R = P @ rotation_generator(2) @ P
    return float(abs(np.sum(G[0] * R)) / np.linalg.norm(G[0]) / np.linalg.norm(R))


def sklearn_route(X: np.ndarray, Y: np.ndarray, epochs: int, n_models: int = 2,
                  h: float = 1e-4, tol_ratio: float = 4.0) -> tuple[np.ndarray, np.ndarray]:
    """The same route from scikit-learn MLPs and finite differences: (generators, relations)."""
    from scipy.linalg import eigh
    from sklearn.neural_network import MLPRegressor
    from sklearn.preprocessing import StandardScaler

    both = np.concatenate([X, Y])
    mean = both.mean(axis=0)
    _, s, Vt = np.linalg.svd(both - mean, full_matrices=False)
    r = int(np.sum(s > 1e-8 * s[0]))
    P = Vt[:r].T
    Z, W = (X - mean) @ P, (Y - mean) @ P
    g = W - Z
    Js, gs, r2 = [], [], []
    for k in range(n_models):
        xs, ys = StandardScaler().fit(Z), StandardScaler().fit(g)
        net = MLPRegressor(hidden_layer_sizes=(64, 64, 64), activation="tanh", batch_size=256, max_iter=epochs,
                           early_stopping=True, random_state=k, n_iter_no_change=epochs)
        net.fit(xs.transform(Z), ys.transform(g))
        r2.append(net.best_validation_score_)

        def f(A, net=net, xs=xs, ys=ys):
            return ys.inverse_transform(net.predict(xs.transform(A)).reshape(len(A), -1))

        J = np.stack([(f(Z + h * e) - f(Z - h * e)) / (2 * h) for e in np.eye(r)], axis=2)
        Js.append(J)
        gs.append(f(Z))
    J, gp = np.mean(Js, axis=0), np.mean(gs, axis=0)
    mu = Z.mean(axis=0)
    sc = np.sqrt(np.mean(np.sum((Z - mu) ** 2, axis=1)))
    Zn, gn = (Z - mu) / sc, gp / sc
    n = Z.shape[0]
    L = np.concatenate([np.einsum("nij,nk->nijk", J, Zn).reshape(n, r, r * r), J], axis=2)
    R = np.concatenate([np.einsum("il,nk->nilk", np.eye(r), gn).reshape(n, r, r * r),
                        np.zeros((n, r, r))], axis=2)
    L, R = L.reshape(n * r, -1), R.reshape(n * r, -1)
    lam, V = eigh((L - R).T @ (L - R), L.T @ L + R.T @ R)
    vals = np.sqrt(np.clip(lam, 0, None))
    dj = np.sqrt(np.mean((Js[0] - Js[1]) ** 2) / np.mean(J ** 2)) / 2
    df = np.sqrt(max(1 - min(r2), 0))
    noise = np.sqrt((dj ** 2 + df ** 2) / 2)
    k = int(np.sum(vals <= tol_ratio * noise))
    A = V[:r * r, :k].T.reshape(k, r, r)
    rel = Vt[r:] if r < X.shape[1] else np.zeros((0, X.shape[1]))
    return np.einsum("ia,kab,jb->kij", P, A, P), rel


def test_kernel(benchmark, orbits):
    X, Y = orbits
    benchmark.group = f"equivariance 2-body {X.shape[0]} pairs"
    benchmark.extra_info.update(role="kernel", items=1, pairs=X.shape[0])
    res = benchmark.pedantic(symfast.discover_equivariance, args=(X, Y),
                             kwargs={"progress": False, "max_epochs": EPOCHS},
                             rounds=1, iterations=1)
    cos = _cosine_to_rotation(res.generators, res.input_symmetry.diagnostics["span"]
                              ["relations"])
    benchmark.extra_info.update(n_generators=res.n_generators, cosine=cos,
                                algebra=res.algebra)
    if not TINY:
        assert res.n_generators == 1 and cos >= 0.99


def test_reference(benchmark, orbits):
    X, Y = orbits
    benchmark.group = f"equivariance 2-body {X.shape[0]} pairs"
    benchmark.extra_info.update(role="reference", items=1, pairs=X.shape[0])
    # the same epochs as symfast's default (about 4000 optimiser steps)
    steps_per_epoch = max(1, int(np.ceil(0.8 * X.shape[0] / 256)))
    epochs = EPOCHS or int(np.clip(np.ceil(4000 / steps_per_epoch), 20, 300))
    G, rel = benchmark.pedantic(sklearn_route, args=(X, Y, epochs), rounds=1, iterations=1)
    benchmark.extra_info.update(n_generators=int(G.shape[0]),
                                cosine=_cosine_to_rotation(G, rel))
