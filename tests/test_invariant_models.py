"""Invariant models built from the symmetry symfast found, against the same network
unconstrained (issue 32's test): at 200 training samples the held-out error on the
invariants must be at most a third of the raw-input network's, on every case.
The whole learning curve (50, 200, 1000) with its figures is ``bench_invariant_models``."""

from __future__ import annotations

import numpy as np
import pytest

import symfast
from invariant_cases import CASES
from symfast.nn import InvariantClassifier, InvariantRegressor, invariant_learning_curve
from symfast.potentials import PAPER_LEVELS, sample_level_sets


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_invariant_model_beats_the_raw_network_threefold_at_200(name, tmp_path):
    find, data, degree = CASES[name]
    sym = find()
    X, y = data(200, 1)
    Xt, yt = data(2000, 2)
    curve = invariant_learning_curve(sym, X, y, Xt, yt, sizes=(200,), degree=degree)
    assert curve["n_invariants"] >= 1
    assert curve["invariant"][0] <= curve["unconstrained"][0] / 3, curve
    from symfast.analysis import plot_learning_curve

    assert plot_learning_curve(curve, tmp_path / "curve.png").stat().st_size > 1000


def test_invariants_of_exact_and_found_symmetries_are_the_known_ones():
    """so(3): |x|^2 (degree 2), |x|^2 and |x|^4 (degree 4); D4 on the plane: x^2 + y^2,
    then x^4 + y^4 and x^2 y^2 (Molien: 1, 3, 5 up to degrees 2, 4, 6)."""
    X, y = sample_level_sets("so3", PAPER_LEVELS, per_class=300, seed=0)
    sym = symfast.find_generators(X, y).symmetry
    inv2 = symfast.invariants(sym, 2)
    assert inv2.n_invariants == 1
    r2 = (X**2).sum(axis=1)
    f = inv2(X)[:, 0]
    assert abs(np.corrcoef(f, r2)[0, 1]) > 0.99999
    assert symfast.invariants(sym, 4).n_invariants == 2
    c, s = np.cos(np.pi / 2), np.sin(np.pi / 2)
    R = np.array([[c, -s], [s, c]])
    F = np.array([[1.0, 0.0], [0.0, -1.0]])
    elems = [np.linalg.matrix_power(R, k) @ m for k in range(4) for m in (np.eye(2), F)]
    d4 = symfast.Symmetry(np.zeros((0, 2, 2)), None, np.array([R, F]), np.array(elems),
                          None, "D4", component_group="D4")
    assert [symfast.invariants(d4, k).n_invariants for k in (2, 4, 6)] == [1, 3, 5]
    Z = np.random.default_rng(0).normal(size=(100, 2))
    inv = symfast.invariants(d4, 4)
    for A in elems:                                   # exact: every element keeps them
        assert np.allclose(inv(Z @ A.T), inv(Z), atol=1e-10)


def test_estimators_follow_scikit_learn_conventions():
    from sklearn.base import clone

    X, y = sample_level_sets("higgs", PAPER_LEVELS[:4], per_class=200, seed=0)
    sym = symfast.find_generators(X, y).symmetry
    Z = np.random.default_rng(0).uniform(-1.5, 1.5, size=(300, 2))
    lab = ((Z**2).sum(axis=1) > 1).astype(int)
    clf = clone(InvariantClassifier(sym, 2)).fit(Z, lab)
    assert clf.score(Z, lab) > 0.97 and clf.predict_proba(Z).shape == (300, 2)
    reg = InvariantRegressor(sym, 2).fit(Z, (Z**2).sum(axis=1))
    assert reg.score(Z, (Z**2).sum(axis=1)) > 0.99
    with pytest.raises(ValueError, match="symmetry is needed"):
        InvariantRegressor(None).fit(Z, lab)
    with pytest.raises(ValueError, match="y must be finite class labels"):
        InvariantClassifier(sym).fit(Z, np.where(lab > 0, np.nan, 0.0))
    from symfast.nn._utils import NotFittedError

    with pytest.raises(NotFittedError):
        InvariantRegressor(sym).predict(Z)
