"""Model training throughput: symfast's EmbeddingClassifier (torch) against scikit-learn's
MLPClassifier with the same layers, optimiser, batch size and epochs, on the same data.

Items are training samples processed (samples x epochs); both must reach the same
held-out accuracy within 0.05.  SYMFAST_BENCH_TINY=1 shrinks the sizes.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

from symfast.potentials import PAPER_LEVELS, sample_level_sets

TINY = bool(os.environ.get("SYMFAST_BENCH_TINY"))
PER_CLASS = 100 if TINY else 2000
EPOCHS = 2 if TINY else 20
HIDDEN = (80, 80, 80)


@pytest.fixture(scope="module")
def data():
    X, y = sample_level_sets("so3", PAPER_LEVELS, width=1e-3, per_class=PER_CLASS, seed=0)
    rng = np.random.default_rng(0)
    test = rng.random(len(y)) < 0.2
    # imports (torch takes seconds) and first-call set-up are not part of the timing; a
    # short warm-up was not enough: torch's first full epoch in a process ran at 49 us per
    # sample and the next ones at 6.5 (measured), so each side warms up on one full epoch
    _symfast(X[~test], y[~test], epochs=1)
    _sklearn(X[~test], y[~test], epochs=1)
    return X[~test], y[~test], X[test], y[test]


def _symfast(Xtr, ytr, epochs=EPOCHS):
    from symfast.nn import EmbeddingClassifier

    return EmbeddingClassifier(HIDDEN[:-1], HIDDEN[-1], batch_size=128, max_epochs=epochs,
                               target_accuracy=1.0, validation_fraction=0.0,
                               restore_best=False, progress=False).fit(Xtr, ytr)


def _sklearn(Xtr, ytr, epochs=EPOCHS):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return make_pipeline(StandardScaler(), MLPClassifier(
            HIDDEN, batch_size=128, max_iter=epochs, learning_rate_init=1e-3, tol=0.0,
            n_iter_no_change=epochs + 1, random_state=0)).fit(Xtr, ytr)


@pytest.mark.parametrize("role", ["kernel", "reference"])
def test_training(benchmark, data, role):
    Xtr, ytr, Xte, yte = data
    benchmark.group = f"training {HIDDEN} on {len(ytr)} samples x {EPOCHS} epochs"
    benchmark.extra_info.update(role=role, items=len(ytr) * EPOCHS)
    fit = _symfast if role == "kernel" else _sklearn
    model = benchmark.pedantic(fit, args=(Xtr, ytr), rounds=1, iterations=1)
    # a run may stop early (100 % training accuracy): count the epochs it really ran
    epochs = model.n_epochs_ if role == "kernel" else model[-1].n_iter_
    benchmark.extra_info["items"] = len(ytr) * epochs
    if benchmark.stats is not None:
        benchmark.extra_info["samples_per_s"] = len(ytr) * epochs / benchmark.stats.stats.mean
    acc = float(np.mean(model.predict(Xte) == yte))
    benchmark.extra_info["test_accuracy"] = acc
    if not TINY:       # both learn the task equally well (tiny runs are too short to compare)
        other = (_sklearn if role == "kernel" else _symfast)(Xtr, ytr)
        assert abs(acc - float(np.mean(other.predict(Xte) == yte))) < 0.05


def _kernels_first(X):
    """A level-set sampling and a FAISS search on every thread, just before the timed fit:
    the case where one OpenMP pool's idle threads could starve the training that follows
    (what symfast once set OMP_WAIT_POLICY=PASSIVE for, process-wide)."""
    from symfast.analysis import knn

    sample_level_sets("so3", PAPER_LEVELS, width=1e-3, per_class=PER_CLASS, seed=1)
    knn(X, 10)


@pytest.mark.parametrize("role", ["kernel", "reference"])
def test_training_after_kernels(benchmark, data, role):
    Xtr, ytr, _, _ = data
    benchmark.group = (f"training {HIDDEN} right after a kernel call, {len(ytr)} samples x "
                       f"{EPOCHS} epochs")
    fit = _symfast if role == "kernel" else _sklearn
    model = benchmark.pedantic(fit, args=(Xtr, ytr), setup=lambda: _kernels_first(Xtr),
                               rounds=1, iterations=1)
    epochs = model.n_epochs_ if role == "kernel" else model[-1].n_iter_
    benchmark.extra_info.update(role=role, items=len(ytr) * epochs)
    if benchmark.stats is not None:
        benchmark.extra_info["samples_per_s"] = len(ytr) * epochs / benchmark.stats.stats.mean


# -- many small networks at once (symfast.nn.fit_many) --------------------------------
#: The chain study's classifier: 18 spins -> 64 ReLU -> 2, batch 64, Adam 1e-3.
MANY = 10
MANY_N = 600 if TINY else 3000
MANY_EPOCHS = 2 if TINY else 20


@pytest.fixture(scope="module")
def chain_data():
    from symfast.chain import metastable_mask, states

    N = 18
    S = states(N).astype(np.float32)
    y = metastable_mask(N, 8).astype(int)
    rng = np.random.default_rng(0)
    out = []
    for i in range(MANY):
        # half metastable, as the study's balanced splits
        pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
        idx = np.concatenate([rng.choice(pos, MANY_N // 2, replace=False),
                              rng.choice(neg, MANY_N - MANY_N // 2, replace=False)])
        test = np.concatenate([rng.choice(pos, 500, replace=False),
                               rng.choice(neg, 500, replace=False)])
        out.append((S[idx], y[idx], S[test], y[test]))
    # warm-up outside the timing (torch's first epochs in a process run slower)
    _many_lone(out[:1], epochs=1)
    _many_batched(out[:2], epochs=1)
    _many_stacked(out[:2], epochs=1)
    _many_torch(out[:1], epochs=1)
    _many_sklearn(out[:1], epochs=1)
    return out


def _many_lone(data, epochs=MANY_EPOCHS):
    from symfast.nn import ScoredClassifier

    return [ScoredClassifier((64,), max_epochs=epochs, batch_size=64, seed=i).fit(*d)
            for i, d in enumerate(data)]


def _many_batched(data, epochs=MANY_EPOCHS, stack=None):
    from symfast.nn import ScoredClassifier, fit_many

    return fit_many([ScoredClassifier((64,), max_epochs=epochs, batch_size=64, seed=i)
                     for i in range(len(data))], data, stack=stack)


def _many_stacked(data, epochs=MANY_EPOCHS):
    return _many_batched(data, epochs, stack=True)


def _many_torch(data, epochs=MANY_EPOCHS):
    """Lone fits through torch's autograd (a ``model`` of the same MLP bypasses the
    compiled epoch): how every lone fit ran before it."""
    from symfast.nn import ScoredClassifier, mlp

    return [ScoredClassifier(max_epochs=epochs, batch_size=64, seed=i,
                             model=lambda n, k: mlp(n, (64,), k)).fit(*d)
            for i, d in enumerate(data)]


def _many_sklearn(data, epochs=MANY_EPOCHS):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return [make_pipeline(StandardScaler(), MLPClassifier(
            (64,), batch_size=64, max_iter=epochs, learning_rate_init=1e-3, tol=0.0,
            n_iter_no_change=epochs + 1, random_state=i)).fit(d[0], d[1])
            for i, d in enumerate(data)]


@pytest.mark.parametrize("role", ["kernel", "lone", "stacked", "torch", "reference"])
def test_fit_many(benchmark, chain_data, role):
    """fit_many of 10 chain classifiers (its default: lone fits on the compiled epoch over
    a thread pool) against 10 scikit-learn MLPClassifier fits, the reference; beside them
    10 lone symfast fits one after another ("lone"), fit_many's stacked torch computation
    ("stacked") and 10 lone fits through torch's autograd ("torch").  Only the symfast
    sides score a test set after every epoch."""
    benchmark.group = (f"{MANY} networks 18-64-2, {MANY_N} samples x {MANY_EPOCHS} epochs "
                       "each (batch 64)")
    fit = {"kernel": _many_batched, "lone": _many_lone, "stacked": _many_stacked,
           "torch": _many_torch, "reference": _many_sklearn}[role]
    models = benchmark.pedantic(fit, args=(chain_data,), rounds=1, iterations=1)
    benchmark.extra_info.update(role=role, items=MANY * MANY_N * MANY_EPOCHS)
    accs = [float(np.mean(m.predict(d[2]) == d[3])) for m, d in zip(models, chain_data)]
    benchmark.extra_info["mean_test_accuracy"] = float(np.mean(accs))
    if not TINY:       # the batched fits learn as the lone ones do
        assert min(accs) > 0.6
