"""fit_many: batched training must give each member the model its lone fit gives.

Dense ReLU classifiers are fitted alone on the compiled epoch by default; the tests of
the stacked computation ask for it (``stack=True``)."""

import numpy as np
import pytest

from symfast.nn import (EmbeddingClassifier, LatticeCNN, ScoredClassifier, TaskAutoencoder,
                        fit_many, train_and_score)


def _rings(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (np.linalg.norm(X[:, :2], axis=1) > 1.1).astype(int)
    return X, y


def _parity(n, seed, d=12):
    rng = np.random.default_rng(seed)
    X = rng.choice([-1.0, 1.0], size=(n, d))
    return X, (X[:, :2].prod(1) > 0).astype(int)


def test_embedding_classifiers_match_their_lone_fits():
    # different lengths, seeds and learning rates; early stopping and best-epoch restore
    data = [_rings(300 + 70 * i, i) for i in range(4)]

    def make(i):
        return EmbeddingClassifier((24, 24), 12, max_epochs=25, target_accuracy=0.9,
                                   learning_rate=[1e-3, 3e-3][i % 2], seed=10 + i,
                                   progress=False)

    lone = [make(i).fit(*d) for i, d in enumerate(data)]
    many = fit_many([make(i) for i in range(4)], data, stack=True)
    X_new, _ = _rings(2000, 99)
    for a, b in zip(lone, many):
        assert b.n_epochs_ == a.n_epochs_
        assert [h["val_accuracy"] for h in b.history_] == pytest.approx(
            [h["val_accuracy"] for h in a.history_], abs=0.02)
        assert np.mean(a.predict(X_new) == b.predict(X_new)) >= 0.99
        np.testing.assert_allclose(b.embed(X_new), a.embed(X_new), atol=1e-4, rtol=1e-4)
    # early stopping happened for some member, so the stack shrank during the fit
    assert min(m.n_epochs_ for m in many) < 25


def test_multi_head_classifier_with_layer_l2():
    X, y = _rings(400, 1)
    Y = np.stack([y, (X[:, 2] > 0).astype(int)], 1)

    def make(s):
        return EmbeddingClassifier((16,), 8, max_epochs=6, layer_l2=(1e-3, 0.0), seed=s,
                                   target_accuracy=1.0, progress=False)

    lone = [make(s).fit(X, Y) for s in range(2)]
    many = fit_many([make(s) for s in range(2)], [(X, Y)] * 2, stack=True)
    for a, b in zip(lone, many):
        assert [h["loss"] for h in b.history_] == pytest.approx(
            [h["loss"] for h in a.history_], rel=1e-4)
        np.testing.assert_allclose(b.predict_proba_heads(X)[1], a.predict_proba_heads(X)[1],
                                   atol=1e-4)


def test_scored_classifiers_match_train_and_score():
    data = [(*_parity(600 + 100 * i, i), *_parity(300, 50 + i)) for i in range(5)]
    lone = [train_and_score(*d, hidden=(32,), max_epochs=8, seed=i) for i, d in enumerate(data)]
    many = fit_many([ScoredClassifier((32,), max_epochs=8, seed=i) for i in range(5)], data,
                    progress=True, stack=True)
    for a, b in zip(lone, many):
        assert b.result_.test_curve == pytest.approx(a.test_curve, abs=0.01)
        assert b.result_.train_accuracy == pytest.approx(a.train_accuracy, abs=0.01)


def test_a_convolution_runs_through_vmap():
    L = 6
    rng = np.random.default_rng(0)
    data = []
    for i in range(3):
        X = rng.choice([-1.0, 1.0], size=(300, L * L))
        y = (X.mean(1) > 0).astype(int)
        data.append((X, y, X[:80], y[:80]))

    def model(n_in, k):
        return LatticeCNN(1, L, k, width=4, hidden=8)

    lone = [train_and_score(*d, max_epochs=4, seed=i, model=model, standardize=False)
            for i, d in enumerate(data)]
    many = fit_many([ScoredClassifier(max_epochs=4, seed=i, model=model, standardize=False)
                     for i in range(3)], data)
    for a, b in zip(lone, many):
        assert b.result_.test_curve == pytest.approx(a.test_curve, abs=0.02)


def test_any_module_runs_through_vmap():
    # a module fit_many knows nothing about (no forward_stacked): torch.func.vmap
    import torch
    from torch import nn

    class Conv1dNet(nn.Module):
        def __init__(self, n_in, k):
            super().__init__()
            self.conv = nn.Conv1d(1, 3, 3)
            self.out = nn.Linear(3 * (n_in - 2), k)

        def forward(self, x):
            return self.out(torch.relu(self.conv(x.unsqueeze(1))).flatten(1))

    data = [(*_parity(300 + 40 * i, i), *_parity(100, 20 + i)) for i in range(3)]
    lone = [train_and_score(*d, max_epochs=4, seed=i, model=Conv1dNet) for i, d in enumerate(data)]
    many = fit_many([ScoredClassifier(max_epochs=4, seed=i, model=Conv1dNet) for i in range(3)],
                    data)
    for a, b in zip(lone, many):
        assert b.result_.test_curve == pytest.approx(a.test_curve, abs=0.02)


def test_autoencoders_match_their_lone_fits():
    data = []
    for i in range(3):
        X, _ = _parity(500 + 150 * i, i, d=10)
        data.append((X, (X[:, :-1] * X[:, 1:]).sum(1)))

    def make(s):
        return TaskAutoencoder(4, 24, max_epochs=6, batch_size=64, decay=0.9, seed=s)

    lone = [make(s).fit(*d) for s, d in enumerate(data)]
    many = fit_many([make(s) for s in range(3)], data, stack=True)
    for a, b, (X, _) in zip(lone, many, data):
        assert b.history_[-1]["target_mse"] == pytest.approx(a.history_[-1]["target_mse"],
                                                             rel=1e-4)
        np.testing.assert_allclose(b.encode(X), a.encode(X), atol=1e-4)


def test_clear_errors():
    X, y = _rings(100, 0)
    with pytest.raises(ValueError, match="one dataset per estimator"):
        fit_many([ScoredClassifier()], [])
    with pytest.raises(ValueError, match="one class"):
        fit_many([ScoredClassifier(), EmbeddingClassifier()], [(X, y), (X, y)])
    with pytest.raises(ValueError, match="one architecture"):
        fit_many([ScoredClassifier((8,)), ScoredClassifier((16,))], [(X, y), (X, y)],
                 stack=True)
    with pytest.raises(ValueError, match="batch_size must be equal"):
        fit_many([ScoredClassifier(batch_size=32), ScoredClassifier()], [(X, y), (X, y)],
                 stack=True)
    with pytest.raises(ValueError, match="batch_norm"):
        fit_many([EmbeddingClassifier(batch_norm=(0,), progress=False)], [(X, y)], stack=True)
    with pytest.raises(TypeError, match="tuple of fit's arguments"):
        fit_many([ScoredClassifier()], [X])
    with pytest.raises(TypeError, match="cannot be fitted by fit_many"):
        from symfast.nn import GradientRegressor

        fit_many([GradientRegressor()], [(X, y)])
    with pytest.raises(ValueError, match="device"):
        fit_many([ScoredClassifier()], [(X, y)], device="nonsense")
    with pytest.raises(ValueError, match="n_threads"):
        fit_many([ScoredClassifier()], [(X, y)], n_threads=0)
    assert fit_many([], []) == []


def test_device_cuda_is_refused_without_a_gpu():
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    X, y = _rings(50, 0)
    with pytest.raises(ValueError, match="no CUDA GPU"):
        fit_many([ScoredClassifier()], [(X, y)], device="cuda")


def test_dense_members_are_fitted_alone_over_a_pool(capsys):
    """The default for ReLU MLPs on the CPU: each member's own fit, in a thread pool,
    exactly the model its lone fit gives (same weights, bit for bit); members need not
    share an architecture; the caller's thread settings are left as they were."""
    import torch

    data = [(*_parity(500 + 60 * i, i), *_parity(200, 40 + i)) for i in range(6)]
    cases = [
        (lambda i: ScoredClassifier((16 + 8 * (i % 2),), max_epochs=5, seed=i), data),
        (lambda i: EmbeddingClassifier((12,), 8, max_epochs=5, seed=i, progress=True),
         [d[:2] for d in data]),
    ]
    for build, args in cases:
        threads = torch.get_num_threads()
        lone = [build(i).fit(*a) for i, a in enumerate(args)]
        many = fit_many([build(i) for i in range(6)], args, n_threads=2, progress=True)
        assert torch.get_num_threads() == threads
        for a, b in zip(lone, many):
            for pa, pb in zip(a.net_.parameters(), b.net_.parameters()):
                assert torch.equal(pa, pb)
    # the members' own epoch bars were off during the pool and are back on after
    assert all(m.progress for m in many)
    assert "best=" in capsys.readouterr().err
    # the autoencoder too (no accuracy to show)
    aes = [TaskAutoencoder(3, 8, max_epochs=2, batch_size=64, seed=s) for s in range(3)]
    fit_many(aes, [(d[0], d[0][:, 0] * d[0][:, 1]) for d in data[:3]], progress=True)
    assert all(len(a.history_) == 2 for a in aes)


def test_stack_false_is_cpu_only(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)   # pass the device check
    X, y = _rings(60, 0)
    with pytest.raises(ValueError, match="stack=True"):
        fit_many([ScoredClassifier()], [(X, y)], device="cuda", stack=False)


def test_a_failing_member_stops_the_pool():
    """A member's error comes out of fit_many, and members not started yet are not run."""
    data = [(*_parity(200, i), *_parity(50, 9)) for i in range(6)]
    est = [ScoredClassifier((8,), max_epochs=2, seed=i) for i in range(6)]
    bad = list(data)
    bad[0] = (data[0][0], np.zeros(200), data[0][2], data[0][3])     # one class only
    with pytest.raises(ValueError, match="at least 2 classes"):
        fit_many(est, bad, n_threads=1)
    assert not any(hasattr(e, "result_") for e in est[2:])


def test_batch_norm_members_are_fitted_alone_on_the_cpu():
    """A batch norm cannot be stacked, but on the CPU each member trains alone on the
    compiled epoch: bit for bit its lone fit."""
    X, y = _rings(300, 0)

    def make(s):
        return EmbeddingClassifier((16, 16), 8, batch_norm=(1,), max_epochs=4, seed=s,
                                   target_accuracy=1.0, progress=False)

    many = fit_many([make(s) for s in range(2)], [(X, y)] * 2)
    for s, m in enumerate(many):
        np.testing.assert_array_equal(m.embed(X), make(s).fit(X, y).embed(X))


def test_estimators_declare_their_training_backends():
    """fit_many reads what an estimator declares (issue 33), not private methods by name."""
    from symfast.nn import GradientRegressor, ScoredClassifier, TaskAutoencoder
    from symfast.nn._training import COMPILED, STACKED, TORCH, backends_of

    for est in (EmbeddingClassifier(), ScoredClassifier(), TaskAutoencoder()):
        assert backends_of(est) == {TORCH, COMPILED, STACKED}
    # the compiled epoch runs ReLU networks only, and no user-given model
    assert backends_of(EmbeddingClassifier(activation="tanh")) == {TORCH, STACKED}
    assert backends_of(ScoredClassifier(model=lambda: None)) == {TORCH, STACKED}
    assert backends_of(GradientRegressor()) == {TORCH}
