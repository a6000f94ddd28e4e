"""Hodge numbers of unseen CICY manifolds (issue 35): the message-passing estimators, the
row invariants, and the ``symfast hodge`` study (split by manifold, resumable, its
result.json contract)."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from symfast.cicy import augment, invariants, pad_matrices, row_invariants

DATA = Path(os.environ.get("SYMFAST_DATA", "/nonexistent")) / "cicy3"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="SYMFAST_DATA/cicy3 not available")

#: Small CICY threefolds, worked by hand where the test says so.
QUINTIC = np.array([[5]])
BICUBIC = np.array([[3], [3]])            # (P2 x P2)[3 3]
TETRA = np.array([[4], [2]])              # (P3 x P1)[4 2]
SPLIT = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 1, 1]])   # not CY; only for padding tests


def test_row_invariants_by_hand():
    r = row_invariants([QUINTIC, BICUBIC])
    assert r.shape == (2, 2, 4)
    # quintic: c2.J = 50, d_111 = 5; the padding row is zero
    np.testing.assert_array_equal(r[0], [[50, 5, 5, 5], [0, 0, 0, 0]])
    # bicubic: c2.J_r = 36, d_112 = d_122 = 3, d_111 = 0; sum_st d_1st = 2*3 + 3 = 9
    np.testing.assert_array_equal(r[1], [[36, 0, 3, 9], [36, 0, 3, 9]])


def test_row_invariants_follow_row_permutations_and_match_invariants():
    mats = augment(np.array([[1, 1], [3, 0], [0, 3]]), 4, seed=2, max_extra=1)
    inv = invariants(mats)
    r = row_invariants(mats, n_rows=6)
    for q, d, c, ri in zip(mats, inv.d, inv.c2, r):
        m = q.shape[0]
        np.testing.assert_array_equal(ri[:m, 0], c)
        np.testing.assert_array_equal(ri[:m, 3], d.sum(axis=(1, 2)))
        assert not ri[m:].any()
        perm = np.random.default_rng(m).permutation(m)
        np.testing.assert_array_equal(row_invariants([q[perm]])[0], ri[:m][perm])
    with pytest.raises(ValueError, match="n_rows must be at least"):
        row_invariants(mats, n_rows=1)


def test_pad_matrices_refuses_bad_input():
    assert pad_matrices([QUINTIC, SPLIT]).shape == (2, 2, 5)
    with pytest.raises(ValueError, match="at least one matrix"):
        pad_matrices([])
    with pytest.raises(ValueError, match=r"matrices\[1\] must be 2-D"):
        pad_matrices([QUINTIC, np.array([1, 2])])


def _toy_set(n_copies: int = 6) -> tuple[list[np.ndarray], np.ndarray]:
    """Three manifolds, augmented: label = which manifold (the rows differ, so does h11)."""
    mats, y = [], []
    for label, q in enumerate((QUINTIC, BICUBIC, TETRA)):
        a = augment(q, n_copies, seed=label, max_extra=1)
        mats += a
        y += [label] * len(a)
    return mats, np.array(y)


def test_configuration_classifier_learns_and_ignores_row_and_column_order():
    from symfast.nn import ConfigurationClassifier

    mats, y = _toy_set()
    clf = ConfigurationClassifier(16, 2, 32, max_epochs=60, batch_size=8, seed=0)
    clf.fit(mats, np.stack([y, 10 * y], 1))
    pred = clf.predict(mats)
    assert pred.shape == (len(mats), 2)
    assert (pred[:, 0] == y).mean() >= 0.9 and set(np.unique(pred[:, 1])) <= {0, 10, 20}
    rng = np.random.default_rng(0)
    shuffled = [q[rng.permutation(q.shape[0])][:, rng.permutation(q.shape[1])] for q in mats]
    np.testing.assert_array_equal(clf.predict(shuffled), pred)
    # the same seed gives the same model
    again = ConfigurationClassifier(16, 2, 32, max_epochs=60, batch_size=8, seed=0)
    assert again.fit(mats, np.stack([y, 10 * y], 1)).losses_ == clf.losses_


def test_configuration_classifier_takes_row_and_graph_inputs_consistently():
    from symfast.nn import ConfigurationClassifier

    mats, y = _toy_set(3)
    Q = pad_matrices(mats)
    rows = row_invariants(mats, Q.shape[1])
    chi = invariants(mats).euler[:, None].astype(float)
    clf = ConfigurationClassifier(8, 1, 16, max_epochs=2, seed=1).fit(
        Q, y, row_features=rows, graph_inputs=chi)
    assert clf.predict(Q, row_features=rows, graph_inputs=chi).shape == (len(mats),)
    with pytest.raises(ValueError, match="row_features was given to fit; give it here too"):
        clf.predict(Q, graph_inputs=chi)
    with pytest.raises(ValueError, match=r"row_features must have shape"):
        clf.predict(Q, row_features=rows[:, :1], graph_inputs=chi)
    with pytest.raises(ValueError, match="graph_inputs must have 1 columns"):
        clf.predict(Q, row_features=rows, graph_inputs=np.hstack([chi, chi]))


@pytest.mark.parametrize("Q, match", [
    (np.ones((3, 4)), r"shape \(n, rows, columns\)"),
    (-np.ones((2, 2, 2)), "non-negative"),
    (np.full((2, 2, 2), 0.5), "must hold integers"),
    (np.zeros((2, 2, 2)), r"Q\[0\] is all zeros"),
])
def test_configuration_estimators_refuse_bad_matrices(Q, match):
    from symfast.nn import ConfigurationClassifier, ConfigurationEncoder

    with pytest.raises(ValueError, match=match):
        ConfigurationClassifier(max_epochs=1).fit(Q, np.zeros(len(Q)))
    with pytest.raises(ValueError, match=match):
        ConfigurationEncoder(steps=1).fit(Q, np.arange(len(Q)))


def test_configuration_estimators_refuse_bad_settings_and_unfitted_use():
    from symfast.nn import ConfigurationClassifier, ConfigurationEncoder
    from symfast.nn._utils import NotFittedError

    mats, y = _toy_set(2)
    with pytest.raises(ValueError, match="max_epochs"):
        ConfigurationClassifier(max_epochs=0).fit(mats, y)
    with pytest.raises(ValueError, match="hard_fraction"):
        ConfigurationEncoder(hard_fraction=2.0).fit(mats, y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        ConfigurationEncoder(steps=1).fit(mats, np.zeros(len(mats)))
    with pytest.raises(ValueError, match=r"y must have shape \(6,\)"):
        ConfigurationClassifier(max_epochs=1).fit(mats, y[:-1])
    with pytest.raises(NotFittedError):
        ConfigurationClassifier().predict(mats)
    with pytest.raises(NotFittedError):
        ConfigurationEncoder().transform(mats)


def test_configuration_encoder_embeds_on_the_sphere_and_is_seeded():
    from symfast.nn import ConfigurationEncoder

    mats, y = _toy_set(4)
    a = ConfigurationEncoder(8, 1, steps=30, batch_classes=3, seed=3).fit(mats, y)
    E = a.transform(mats)
    assert E.shape == (len(mats), 8) and E.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(E, axis=1), 1.0, atol=1e-5)
    b = ConfigurationEncoder(8, 1, steps=30, batch_classes=3, seed=3).fit(mats, y)
    assert a.losses_ == b.losses_
    np.testing.assert_array_equal(b.transform(mats), E)
    # hard negatives mined from the embedding: the pools are each class's nearest classes
    c = ConfigurationEncoder(8, 1, steps=30, batch_classes=2, hard_fraction=1.0,
                             hard_negatives="mined", mine_every=10, seed=3).fit(mats, y)
    assert len(c.losses_) == 1 and np.isfinite(c.losses_[0])


@needs_data
def test_hodge_study_splits_by_manifold_resumes_and_keeps_its_contract(tmp_path):
    from symfast.experiments.hodge import MODELS, HodgeConfig, run

    cfg = HodgeConfig.quick(data=str(DATA), fractions=(0.5,), max_epochs=1, mlp_max_epochs=1,
                            width=8, hidden=16, rounds=1)
    ckpt = tmp_path / "partial.json"
    a = run(cfg, progress=False, checkpoint=ckpt, n_threads=2)      # two worker processes
    d = a.to_dict()
    assert set(d["test_accuracy"]) == set(MODELS) == set(d["inputs"])
    for model in MODELS:
        cell = d["test_accuracy"][model]["0.5"]
        assert set(cell) == {"h11", "h21"} and len(cell["h11"]) == len(cell["h21"]) == 1
        assert all(0.0 <= v <= 1.0 for v in cell["h11"] + cell["h21"])
    # a rerun with the same checkpoint reads every cell back (the timings too)
    b = run(cfg, progress=False, checkpoint=ckpt)
    assert b.test_accuracy == a.test_accuracy and b.seconds == a.seconds
    units = json.loads(ckpt.read_text())["units"]
    assert sorted(units) == sorted(f"{m}|0.5|0" for m in MODELS)
    # in one process, without the checkpoint: the same cells (each seeded by its key)
    one = run(replace(cfg, models=("encoder", "encoder+invariants")), progress=False,
              n_threads=1)
    for model in one.test_accuracy:
        assert one.test_accuracy[model] == a.test_accuracy[model]


@needs_data
def test_hodge_cli_writes_the_figure_and_refuses_bad_fractions(tmp_path, capsys):
    from symfast.cli import main

    out = tmp_path / "h"
    assert main(["hodge", "--data", str(DATA), "--quick", "--fractions", "0.5",
                 "--max-epochs", "1", "--models", "encoder", "--out", str(out),
                 "--no-progress"]) == 0
    r = json.loads((out / "result.json").read_text())
    assert list(r["test_accuracy"]) == ["encoder"] and (out / "hodge_accuracy.png").is_file()
    assert r["targets"]["fraction"] == "0.8"
    rows = (out / "test_accuracy.csv").read_text().splitlines()
    assert rows[0].startswith("model,fraction,seeds") and rows[1].startswith("encoder,0.5,1,")
    capsys.readouterr()
    assert main(["hodge", "--data", str(DATA), "--fractions", "1.5", "--out",
                 str(tmp_path / "bad")]) == 2
    assert "fractions entry" in capsys.readouterr().err
