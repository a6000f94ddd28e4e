"""Models that are invariant by construction: they learn on a symmetry's invariants.

:class:`InvariantRegressor` and :class:`InvariantClassifier` are scikit-learn estimators.
``fit`` solves the polynomial invariants of the given :class:`~symfast.Symmetry` up to
``degree`` (:func:`symfast.symmetry.invariants`, standardised on the training inputs), maps every
input to them, and trains scikit-learn's multilayer perceptron on those features.  Any
function the network learns is then a function of the invariants, so it keeps the symmetry
exactly as far as the invariants do (the symmetry found in data carries its own noise).

The unconstrained model to compare with is the same perceptron on the raw inputs
(``hidden_layer_sizes``, solver and iterations alike): ``unconstrained=True`` builds it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from symfast._threads import thread_limits
from symfast._validation import check_array, check_int, check_labels, check_seed


class _InvariantModel(BaseEstimator):
    """Shared fit/predict of the two estimators: invariants, scaling, a perceptron."""

    _mlp: type = MLPRegressor

    def __init__(self, symmetry: Any = None, degree: int = 2, *,
                 hidden_layer_sizes: tuple[int, ...] = (64, 64), max_iter: int = 3000,
                 alpha: float = 1e-4, unconstrained: bool = False, random_state: int = 0):
        self.symmetry = symmetry
        self.degree = degree
        self.hidden_layer_sizes = hidden_layer_sizes
        self.max_iter = max_iter
        self.alpha = alpha
        self.unconstrained = unconstrained
        self.random_state = random_state

    def _features(self, X: np.ndarray) -> np.ndarray:
        return X if self.unconstrained else self.invariants_(X)

    def _fit(self, Xa: np.ndarray, y: np.ndarray) -> "_InvariantModel":
        """Fit on X already validated by the subclass's ``fit``."""
        check_int(self.degree, "degree", minimum=1, maximum=6)
        check_int(self.max_iter, "max_iter", minimum=1)
        seed = check_seed(self.random_state, "random_state")
        if not self.unconstrained:
            if self.symmetry is None:
                raise ValueError("symmetry is needed (a symfast.Symmetry), or "
                                 "unconstrained=True for the plain perceptron")
            if not callable(getattr(self.symmetry, "invariants", None)):
                raise TypeError(f"symmetry must be a symfast.Symmetry, got "
                                f"{type(self.symmetry).__name__}")
            self.invariants_ = self.symmetry.invariants(self.degree, X=Xa)
            if self.invariants_.n_invariants == 0:
                raise ValueError(f"the symmetry {self.symmetry.name!r} has no invariant up "
                                 f"to degree {self.degree}: raise degree")
        self.n_features_in_ = Xa.shape[1]
        # lbfgs: full-batch, deterministic, the best of scikit-learn's solvers at a few
        # hundred samples; the same for the constrained and the unconstrained model
        self.model_ = make_pipeline(StandardScaler(), self._mlp(
            hidden_layer_sizes=tuple(self.hidden_layer_sizes), solver="lbfgs",
            max_iter=self.max_iter, alpha=self.alpha, random_state=seed))
        # one BLAS thread: products of a few hundred rows by 64 columns gain nothing from
        # more, and on a loaded 2-core machine threads cost tenfold (31.6 against 2.8 s
        # for one classifier of the higgs levels, 1100 points, measured 2026-12-07)
        with thread_limits(1):
            self.model_.fit(self._features(Xa), y)
        return self

    def _check_X(self, X: Any) -> np.ndarray:
        if not hasattr(self, "model_"):
            from symfast.nn._utils import NotFittedError

            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call fit")
        return check_array(X, "X", ndim=2, n_features=self.n_features_in_)

    def predict(self, X: Any) -> np.ndarray:
        """Predictions for the rows of X."""
        F = self._features(self._check_X(X))
        with thread_limits(1):
            return self.model_.predict(F)


class InvariantRegressor(RegressorMixin, _InvariantModel):
    """A perceptron on the polynomial invariants of a symmetry (scikit-learn regressor).

    Parameters
    ----------
    symmetry : Symmetry
        What symfast found (``result.symmetry``), or an exact one.
    degree : int, default=2
        Highest degree of the invariants.
    hidden_layer_sizes : tuple of int, default=(64, 64)
    max_iter : int, default=3000
    alpha : float, default=1e-4
        L2 penalty.
    unconstrained : bool, default=False
        Ignore the symmetry and learn on the raw inputs: the baseline of the same size.
    random_state : int, default=0

    Attributes
    ----------
    invariants_ : PolynomialInvariants
    model_ : sklearn Pipeline (scaler, MLPRegressor)
    """

    _mlp = MLPRegressor

    def fit(self, X: Any, y: Any) -> "InvariantRegressor":
        """Fit on X (n, d) and real targets y (n,) or (n, m)."""
        Xa = check_array(X, "X", ndim=2, min_rows=2)
        ya = check_array(y, "y")
        if ya.ndim not in (1, 2) or ya.shape[0] != Xa.shape[0]:
            raise ValueError(f"y must have shape ({Xa.shape[0]},) or ({Xa.shape[0]}, m), got "
                             f"{ya.shape}")
        return self._fit(Xa, ya)


class InvariantClassifier(ClassifierMixin, _InvariantModel):
    """A perceptron on the polynomial invariants of a symmetry (scikit-learn classifier).

    Parameters are those of :class:`InvariantRegressor`, but ``max_iter`` defaults to 500.
    """

    _mlp = MLPClassifier

    def __init__(self, symmetry: Any = None, degree: int = 2, *,
                 hidden_layer_sizes: tuple[int, ...] = (64, 64), max_iter: int = 500,
                 alpha: float = 1e-4, unconstrained: bool = False, random_state: int = 0):
        # fewer iterations than the regressor: a classifier's lbfgs stops improving the
        # held-out accuracy long before its loss meets the tolerance
        super().__init__(symmetry, degree, hidden_layer_sizes=hidden_layer_sizes,
                         max_iter=max_iter, alpha=alpha, unconstrained=unconstrained,
                         random_state=random_state)

    def fit(self, X: Any, y: Any) -> "InvariantClassifier":
        """Fit on X (n, d) and class labels y (n,)."""
        Xa = check_array(X, "X", ndim=2, min_rows=2)
        lab = check_labels(y, "y", Xa.shape[0])
        self._fit(Xa, lab)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n, n_classes)."""
        F = self._features(self._check_X(X))
        with thread_limits(1):
            return self.model_.predict_proba(F)


def invariant_learning_curve(symmetry: Any, X: Any, y: Any, X_test: Any, y_test: Any, *,
                             sizes: tuple[int, ...] = (50, 200, 1000), degree: int = 2,
                             classify: bool = False, **kwargs: Any) -> dict[str, Any]:
    """Held-out error of the invariant model and of the same perceptron unconstrained.

    Parameters
    ----------
    symmetry : Symmetry
    X, y : training data; the first ``n`` rows are used for each size ``n``.
    X_test, y_test : held-out data.
    sizes : tuple of int
    degree : int
    classify : bool, default=False
        Classes (error rate) instead of values (mean squared error over the variance
        of ``y_test``, i.e. 1 - R^2).
    **kwargs
        Passed to both estimators (``hidden_layer_sizes``, ``max_iter``, ...).

    Returns
    -------
    dict
        ``sizes``, ``invariant`` and ``unconstrained`` (one error per size), ``ratio``
        (invariant over unconstrained), ``metric``, ``n_invariants``.
    """
    Xa = check_array(X, "X", ndim=2)
    Xt = check_array(X_test, "X_test", ndim=2, n_features=Xa.shape[1])
    sizes = tuple(check_int(n, "sizes", minimum=2, maximum=Xa.shape[0]) for n in sizes)
    est = InvariantClassifier if classify else InvariantRegressor
    yt = np.asarray(y_test)

    def error(model) -> float:
        pred = model.predict(Xt)
        if classify:
            return float(np.mean(pred != yt))
        return float(np.mean((pred - yt) ** 2) / np.var(yt))

    out: dict[str, Any] = {"sizes": list(sizes), "invariant": [], "unconstrained": [],
                           "metric": "error rate" if classify else "1 - R^2 (held out)"}
    y_arr = np.asarray(y)
    for n in sizes:
        inv = est(symmetry, degree, **kwargs).fit(Xa[:n], y_arr[:n])
        out["n_invariants"] = inv.invariants_.n_invariants
        out["invariant"].append(error(inv))
        out["unconstrained"].append(error(est(None, degree, unconstrained=True,
                                              **kwargs).fit(Xa[:n], y_arr[:n])))
    out["ratio"] = [a / b if b > 0 else float("inf") if a > 0 else 1.0
                    for a, b in zip(out["invariant"], out["unconstrained"])]
    return out
