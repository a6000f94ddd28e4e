"""The compiled dense-network epoch (symfast._ext._mlp) against a NumPy reference and
against torch's autograd training of the same EmbeddingClassifier."""

from __future__ import annotations

import numpy as np
import pytest

from reference import mlp_adam_epoch
from symfast.nn._training import ADAM


def _net(rng, widths, classes):
    Ws = [rng.normal(0, 0.4, (o, i)).astype(np.float32) for i, o in zip(widths, widths[1:])]
    bs = [rng.normal(0, 0.1, o).astype(np.float32) for o in widths[1:]]
    heads = [(rng.normal(0, 0.4, (k, widths[-1])).astype(np.float32),
              rng.normal(0, 0.1, k).astype(np.float32)) for k in classes]
    return Ws, bs, heads


@pytest.mark.parametrize("relu_last, l2, wd", [(True, (0.0, 0.0, 0.0), 0.0),
                                               (False, (0.0, 1e-2, 0.0), 1e-2)])
def test_train_epoch_matches_the_numpy_reference(relu_last, l2, wd):
    from symfast._ext._mlp import train_epoch

    rng = np.random.default_rng(0)
    widths, classes = [5, 16, 12, 8], [4, 3]
    X = rng.normal(size=(301, 5)).astype(np.float32)
    codes = np.stack([rng.integers(0, k, 301) for k in classes], axis=1).astype(np.int64)
    order = rng.permutation(301)[:250]          # a subset, last batch short (250 = 3*64+58)
    Ws, bs, heads = _net(rng, widths, classes)
    ref, ref_loss = mlp_adam_epoch(X, codes, order, 64, Ws, bs, heads, relu_last, list(l2),
                                   lr=1e-2, weight_decay=wd)
    flat = np.concatenate([a.ravel() for pair in zip(Ws, bs) for a in pair]
                          + [a.ravel() for pair in heads for a in pair])
    m1, m2 = np.zeros_like(flat), np.zeros_like(flat)
    factor, bias2_sqrt = ADAM.scalars(0, 4)
    loss_sum, step = train_epoch(X, codes, order, 64, np.array(widths), np.array(classes),
                                 relu_last, flat, m1, m2, np.array(l2, np.float32), 1e-2, 0.9,
                                 0.999, 1e-8, wd, factor, bias2_sqrt, np.zeros(3, np.int64),
                                 np.zeros(0, np.float32))
    assert step == 4
    assert loss_sum / len(order) == pytest.approx(ref_loss, rel=1e-5)
    want = np.concatenate([p.ravel() for p in ref])
    start = np.concatenate([a.ravel() for pair in zip(Ws, bs) for a in pair]
                           + [a.ravel() for pair in heads for a in pair])
    assert np.abs(want - start).max() > 1e-2          # the epoch moved the weights
    np.testing.assert_allclose(flat, want, atol=2e-5)


def _fit(X, y, use_kernel, monkeypatch, **kw):
    from symfast.nn import EmbeddingClassifier

    if not use_kernel:
        monkeypatch.setattr(EmbeddingClassifier, "_dense_trainer", lambda self, net: None)
    clf = EmbeddingClassifier((24, 24), 16, max_epochs=6, target_accuracy=1.0,
                              progress=False, **kw).fit(X, y)
    monkeypatch.undo()
    return clf


@pytest.mark.parametrize("kw", [
    {}, {"embedding_activation": "linear", "weight_decay": 1e-3, "layer_l2": (0.0, 1e-3, 0.0)},
    # cicy's network: a norm after the second layer, L2, a linear embedding; batches of 67
    # leave a last batch of one row (540 training rows), which both routes skip
    {"batch_norm": (1,), "embedding_activation": "linear", "layer_l2": (0.0, 1e-3, 0.0),
     "batch_size": 67},
    {"batch_norm": (0, 2), "embedding_activation": "linear", "weight_decay": 1e-3}])
def test_the_kernel_trains_the_model_torch_trains(kw, monkeypatch):
    """Same seed, same data: the compiled epoch and torch's autograd give one model (with
    batch norms: the same running statistics too, which the fitted model's eval mode
    reads)."""
    from symfast.potentials import PAPER_LEVELS, sample_level_sets

    X, y = sample_level_sets("so3", PAPER_LEVELS[:5], per_class=120, seed=1)
    y2 = np.stack([y, (X[:, 0] > 0).astype(int)], axis=1)        # two heads
    fast = _fit(X, y2, True, monkeypatch, **kw)
    slow = _fit(X, y2, False, monkeypatch, **kw)
    assert fast.n_epochs_ == slow.n_epochs_ == 6
    assert len(fast.history_) == len(slow.history_)
    for a, b in zip(fast.history_, slow.history_):
        assert a.get("restored") == b.get("restored")
        if a.get("restored"):
            continue                                # a restored entry has no loss
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-4)
    # A bias just before a norm has no gradient but rounding noise, which Adam's normalised
    # step turns into moves of up to the learning rate, in either route; the norm's running
    # mean follows it, so with norms the fitted models agree to about 1e-2, not 1e-4.
    tol = 2e-2 if kw.get("batch_norm") else 1e-4
    np.testing.assert_allclose(fast.embed(X), slow.embed(X), atol=tol)
    assert np.mean(fast.predict(X) == slow.predict(X)) >= 0.99
    buffers = dict(slow.net_.named_buffers())
    for name, buf in fast.net_.named_buffers():
        np.testing.assert_allclose(buf.numpy(), buffers[name].numpy(), rtol=1e-4, atol=tol,
                                   err_msg=name)
    assert len(buffers) == 2 + 3 * len(kw.get("batch_norm", ()))
    # the fitted parameters own their storage again (no view of the trainer's buffer)
    for p in fast.net_.parameters():
        assert p.untyped_storage().nbytes() == p.numel() * 4


def test_the_autoencoder_kernel_trains_the_model_torch_trains(monkeypatch):
    """TaskAutoencoder on the compiled epoch (NAdam, per-epoch decay) against torch's
    autograd and torch.optim.NAdam: same seed and data, one model."""
    from symfast.nn import TaskAutoencoder

    rng = np.random.default_rng(3)
    X = rng.choice([-1.0, 1.0], size=(700, 10))        # 700 = 10 batches of 64 + 60
    t = (X[:, :-1] * X[:, 1:]).sum(1)

    def make():
        return TaskAutoencoder(5, 24, max_epochs=4, batch_size=64, learning_rate=3e-3,
                               decay=0.9, target_weight=10.0, seed=7)

    fast = make().fit(X, t)
    monkeypatch.setattr(TaskAutoencoder, "_trainer", lambda self, net: None)
    slow = make().fit(X, t)
    for a, b in zip(fast.history_, slow.history_):
        assert a["target_mse"] == pytest.approx(b["target_mse"], rel=1e-4)
        assert a["reconstruction_mse"] == pytest.approx(b["reconstruction_mse"], rel=1e-4)
    assert fast.history_[-1]["target_mse"] < fast.history_[0]["target_mse"]      # it learns
    np.testing.assert_allclose(fast.encode(X), slow.encode(X), atol=1e-4)
    np.testing.assert_allclose(fast.predict_target(X), slow.predict_target(X), atol=1e-3)


@pytest.mark.parametrize("channels", [1, 2])
def test_the_pattern_kernel_trains_the_lattice_cnn_torch_trains(channels, monkeypatch):
    """A LatticeCNN on +-1 inputs trains on pattern counts in the compiled epoch
    (train_pattern_epoch): against torch's autograd on the same counts, one model (spins:
    16 patterns; two bond channels: 256)."""
    import torch

    from symfast.nn import LatticeCNN, ScoredClassifier

    rng = np.random.default_rng(channels)
    L, n = 6, 330                                      # 330 = 5 batches of 64 + 10
    X = rng.choice([-1.0, 1.0], size=(n, channels * L * L))
    y = (X.reshape(n, channels, L, L)[:, 0, :, :-1] * X.reshape(n, channels, L, L)[:, 0, :, 1:]
         ).sum((1, 2)) > 0

    def make():
        return ScoredClassifier(max_epochs=5, learning_rate=3e-3, standardize=False, seed=4,
                                model=lambda n_in, k: LatticeCNN(channels, L, k))

    calls = []
    from symfast.nn import _dense_kernel

    real = _dense_kernel.PatternTrainer.epoch
    monkeypatch.setattr(_dense_kernel.PatternTrainer, "epoch",
                        lambda self, *a: calls.append(1) or real(self, *a))
    fast = make().fit(X[:250], y[:250], X[250:], y[250:])
    assert len(calls) == 5                             # the kernel ran every epoch
    monkeypatch.setattr(ScoredClassifier, "_dense_trainer", lambda self, net, st: None)
    slow = make().fit(X[:250], y[:250], X[250:], y[250:])
    np.testing.assert_allclose(fast.result_.test_curve, slow.result_.test_curve, atol=1 / 80)
    with torch.no_grad():
        for a, b in zip(fast.net_.parameters(), slow.net_.parameters()):
            np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-4)
    assert np.mean(fast.predict(X) == slow.predict(X)) >= 0.99


def test_a_checkpoint_of_one_route_is_not_resumed_by_the_other(monkeypatch):
    """The compiled epoch and torch's optimiser save their states in different forms: a
    torch-route checkpoint (a batch-normalised fit from before the kernel ran norms) must
    not be loaded by the kernel route, so the fingerprints differ."""
    from symfast.nn import EmbeddingClassifier

    clf = EmbeddingClassifier((8,), 4, batch_norm=(0,))
    X, codes = np.zeros((5, 3)), np.zeros((5, 1), dtype=np.int64)
    compiled = clf._fingerprint(X, codes)
    monkeypatch.setattr(EmbeddingClassifier, "_uses_kernel", lambda self: False)
    assert clf._fingerprint(X, codes) != compiled
