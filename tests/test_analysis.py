"""Neighbours, purity, spanning trees and orbit groups, against exact references."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial.distance import cdist

from reference import knn_bruteforce
from symfast.analysis import (count_orbit_groups, knn, minimum_spanning_edges,
                              neighbor_purity, orbit_groups, plot_embedding_tsne,
                              plot_input_classes)


def _circle(n, r, centre, rng, dim=2):
    t = rng.uniform(0, 2 * np.pi, n)
    X = np.zeros((n, dim))
    X[:, 0], X[:, 1] = r * np.cos(t), r * np.sin(t)
    return X + centre


def test_knn_matches_bruteforce(rng):
    X = rng.normal(size=(300, 7)).astype(np.float32)
    D, I = knn(X, 5)
    Dr, Ir = knn_bruteforce(X, 5)
    assert np.allclose(D, Dr, atol=1e-4)
    assert (I == Ir).mean() > 0.99  # ties in float32 may swap a pair
    assert I.dtype == np.int64 and not (I == np.arange(300)[:, None]).any()


def test_knn_with_queries_and_errors(rng):
    X = rng.normal(size=(50, 3))
    D, I = knn(X, 1, queries=X[:5], exclude_self=False)
    assert np.array_equal(I[:, 0], np.arange(5)) and np.allclose(D, 0)
    with pytest.raises(ValueError, match="k=50"):
        knn(X, 50)
    with pytest.raises(ValueError, match="queries"):
        knn(X, 2, queries=np.zeros((3, 4)))
    with pytest.raises(ValueError, match="X"):
        knn(np.full((4, 2), np.nan), 1)


def test_purity_on_separated_and_random_labels(rng):
    X = np.concatenate([rng.normal(size=(200, 4)), rng.normal(size=(200, 4)) + 50])
    y = np.repeat([0, 1], 200)
    mean, per = neighbor_purity(X, y, k=10)
    assert mean == 1.0 and per == {0: 1.0, 1: 1.0}
    y_rand = rng.integers(0, 4, size=400)
    mean_rand, _ = neighbor_purity(rng.normal(size=(400, 4)), y_rand, k=10)
    assert 0.15 < mean_rand < 0.35
    with pytest.raises(ValueError, match="labels"):
        neighbor_purity(X, y[:10])


@pytest.mark.parametrize("n", [1, 2, 7, 150, 600])
def test_spanning_tree_is_exact(n, rng):
    X = np.concatenate([rng.normal(size=(n, 3)), rng.normal(size=(n, 3)) * 0.01 + 9,
                        rng.normal(size=(n, 3)) * 3 - 20])
    edges = minimum_spanning_edges(X, k=4)
    Xf = X.astype(np.float32).astype(np.float64)  # FAISS works in float32
    ref = minimum_spanning_tree(cdist(Xf, Xf)).data.sum()
    assert edges.shape == (3 * n - 1, 3)
    assert np.isclose(edges[:, 2].sum(), ref, rtol=1e-5)
    assert np.all(np.diff(edges[:, 2]) >= 0)


def test_orbit_groups_two_circles_versus_one(rng):
    two = np.concatenate([_circle(300, 1.0, 0.0, rng, 5), _circle(300, 2.0, 0.0, rng, 5)])
    g = orbit_groups(two)
    assert g.max() == 1
    assert np.array_equal(np.bincount(g), [300, 300]) or len(set(g[:300])) == 1
    assert set(g[:300]).isdisjoint(set(g[300:]))
    one = _circle(400, 1.0, 0.0, rng, 5)
    assert orbit_groups(one).max() == 0
    # a handful of outliers does not make a group of its own
    outliers = np.concatenate([one, rng.normal(size=(5, 5)) + 30])
    assert orbit_groups(outliers).max() == 0


def test_count_orbit_groups_per_class(rng):
    E = np.concatenate([_circle(200, 1.0, 0.0, rng), _circle(200, 1.0, 10.0, rng),
                        _circle(200, 1.0, -10.0, rng)])
    y = np.repeat([0, 1], [400, 200])
    assert count_orbit_groups(E, y) == {0: 2, 1: 1}


def test_figures_are_written(tmp_path, rng):
    E = rng.normal(size=(120, 6))
    y = np.repeat(np.arange(3), 40)
    p1 = plot_embedding_tsne(E, y, tmp_path / "t.png", class_names=["a", "b", "c"])
    p2 = plot_input_classes(E[:, :2], y, tmp_path / "i.png")
    for p in (p1, p2):
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_largest_jump_and_grouped_search(rng):
    from symfast.analysis import knn_within_groups, largest_jump

    D = np.array([[0.0, 0.0, 0.1, 5.0, 5.1], [1.0, np.inf, np.inf, np.inf, np.inf],
                  [0.2, 0.3, 9.0, 9.1, 9.2]])
    assert largest_jump(D).tolist() == [3, 1, 2]
    X = np.concatenate([rng.normal(size=(30, 3)), rng.normal(size=(20, 3)) + 10])
    g = np.repeat([0, 1], [30, 20])
    Dg, Ig = knn_within_groups(X, g, 25)
    assert (g[Ig[:30, :25]] == 0).all()                      # searches stay in the group
    assert (Ig[30:, 19:] == -1).all() and np.isinf(Dg[30:, 19:]).all()  # 19 others only
    Dr, Ir = knn_bruteforce(X[:30], 5)
    assert np.allclose(Dg[:30, :5], Dr, atol=1e-4)


def test_exact_distances_resolve_near_duplicates_that_float32_cannot():
    from symfast.analysis import exact_distances, knn

    rng = np.random.default_rng(0)
    d = 64                                   # FAISS takes its BLAS route (|x|^2 + |y|^2 - 2xy)
    base = rng.normal(size=(1000, d)).astype(np.float32) * 1000.0     # large norms
    shift = np.float32(1e-3) * np.eye(d, dtype=np.float32)[0]         # a near-duplicate each
    X = np.concatenate([base, base + shift])
    D32, I = knn(X, 3)
    D, I2 = exact_distances(X.astype(np.float64), I)
    # the reference: every listed pair in float64 directly
    X64 = X.astype(np.float64)
    ref = np.linalg.norm(X64[I2] - X64[:, None, :], axis=2)
    assert np.allclose(D, ref, rtol=1e-12, atol=1e-15)
    assert np.all(np.diff(D, axis=1) >= 0)
    # float32 FAISS distances at this scale are rounding noise (measured: errors up to 8
    # where the true distance is 1e-3) ...
    true32 = np.linalg.norm(X64[I] - X64[:, None, :], axis=2)
    assert np.abs(D32 - true32).max() > 1e-1
    # ... while the float64 ones find each point's copy at 1e-3 (float32 keeps the shift
    # to 6e-5 at norm 1000)
    assert np.allclose(D[:, 0], 1e-3, atol=1e-4)
    with pytest.raises(ValueError, match="one row per query"):
        exact_distances(X, I[:3])


@pytest.mark.parametrize("k", [1, 7, 64, 250])
def test_exact_distances_kernel_against_numpy(k):
    """The compiled re-measure and stable re-sort against NumPy's: shuffled rows (any
    order, not only FAISS's near-sorted one), missing neighbours (-1), exact ties (copies),
    separate queries, one and two threads."""
    from reference import exact_distances_numpy
    from symfast.analysis import exact_distances

    rng = np.random.default_rng(k)
    X = rng.normal(size=(300, 5))
    X[200:260] = X[:60]                                  # exact copies: distance ties
    I = rng.integers(0, 300, size=(300, k))
    I[rng.random(I.shape) < 0.05] = -1
    Qs = rng.normal(size=(300, 5))
    X32 = X.astype(np.float32)                           # read as is, measured in float64
    cases = [(X, None, exact_distances_numpy(X, I)), (X, Qs, exact_distances_numpy(X, I, Qs)),
             (X32, None, exact_distances_numpy(X32.astype(np.float64), I))]
    for points, queries, (want_D, want_I) in cases:
        for t in (1, 2):
            D, I2 = exact_distances(points, I, queries=queries, n_threads=t)
            np.testing.assert_array_equal(I2, want_I)
            np.testing.assert_allclose(D, want_D, rtol=1e-12, atol=1e-15)
