"""The chain study: datasets, baselines, the autoencoder, and that the dual frame wins."""

from __future__ import annotations

import json

import numpy as np
import pytest

from symfast.chain import dual, energies, metastable_mask, states
from symfast.experiments import chain as study
from symfast.analysis import threshold_accuracy
from symfast.experiments.chain import ChainConfig, balanced_split


def test_balanced_split_is_balanced_and_respects_the_sides(rng):
    mask = metastable_mask(14, 6)       # 448 metastable states
    is_train = rng.random(mask.size) < 0.8
    tr, te = balanced_split(mask, is_train, 200, 300, np.random.default_rng(1))
    assert tr.size == 200 and mask[tr].sum() == 100
    assert te.size % 2 == 0 and mask[te].sum() == te.size // 2
    assert is_train[tr].all() and not is_train[te].any()
    assert np.unique(tr).size == tr.size and np.unique(te).size == te.size


def test_balanced_split_reports_too_few_metastable_states(rng):
    mask = metastable_mask(18, 2)       # only the two ground states are strictly stable
    assert mask.sum() == 2
    assert balanced_split(mask, rng.random(mask.size) < 0.8, 600, 1000, rng) is None


def test_threshold_accuracy_is_the_best_cut(rng):
    e_tr, e_te = rng.normal(size=60).round(1), rng.normal(size=40).round(1)
    y_tr, y_te = rng.random(60) < 1 / (1 + np.exp(3 * e_tr)), rng.random(40) < 0.5
    got = threshold_accuracy(e_tr, y_tr, e_te, y_te)
    # brute force: every cut between sorted distinct values, both directions
    best, pred = -1.0, None
    vals = np.unique(e_tr)
    for t in np.concatenate([[-np.inf], (vals[1:] + vals[:-1]) / 2, [np.inf]]):
        for below in (True, False):
            p = e_tr < t if below else e_tr >= t
            a = np.mean(p == y_tr)
            if a > best + 1e-12:
                best, pred = a, (e_te < t if below else e_te >= t)
    assert got == pytest.approx(np.mean(pred == y_te))


def test_dual_sensitivity_is_the_window_structure():
    from symfast.nn import sensitivity

    N, n = 8, 3
    S = sensitivity(lambda x: dual(x, n), states(N))
    # sigma_k flips sign exactly when spin i lies in its window k..k+n-1 (ghosts never flip)
    expected = np.array([[2.0 if k <= i < k + n else 0.0 for k in range(N)] for i in range(N)])
    assert np.array_equal(S, expected)


def test_autoencoder_learns_the_chain_energy():
    from symfast.nn import TaskAutoencoder

    N, n = 10, 2
    X = states(N).astype(np.float32)
    E = energies(N, n)
    ae = TaskAutoencoder(6, 64, max_epochs=120, batch_size=64, learning_rate=3e-3,
                         target_weight=10.0, seed=0).fit(X, E)
    assert ae.encode(X).shape == (X.shape[0], 6)
    # H takes the values -9..9 in steps of 2: the linear head must resolve them
    assert np.mean(np.abs(ae.predict_target(X) - E) < 1.0) >= 0.99
    assert ae.history_[-1]["target_mse"] < ae.history_[0]["target_mse"] / 10


def test_train_and_score_separates_easy_data(rng):
    from symfast.nn import train_and_score

    X = rng.normal(size=(400, 5))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    r = train_and_score(X[:300], y[:300], X[300:], y[300:], max_epochs=30, seed=0)
    assert r.best_test_accuracy >= 0.95 and len(r.test_curve) == 30
    assert r.best_test_accuracy == max(r.test_curve)
    with pytest.raises(ValueError, match="y_test"):
        train_and_score(X[:300], y[:300], X[300:], y[300:] + 5)
    with pytest.raises(ValueError, match="X_test"):
        train_and_score(X[:300], y[:300], X[300:, :2], y[300:])


SMALL = dict(ns=(2, 4, 8), train_sizes=(600,), test_size=600, epochs=40, table_ns=(8,),
             ae_epochs=8, sensitivity_epochs=100)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    ckpt = tmp_path_factory.mktemp("chain") / "partial.json"
    res = study.run(ChainConfig.quick(**SMALL), progress=False, checkpoint=ckpt)
    return res, ckpt


def test_the_dual_frame_wins_clearly(small_run):
    res, _ = small_run
    d = res.to_dict()
    assert d["metastable_states"]["4"] == int(metastable_mask(18, 4).sum())
    assert not d["dual_vs_original"]["2"]["sizes"]["600"]["available"]
    for n in ("4", "8"):
        cell = d["dual_vs_original"][n]["sizes"]["600"]
        assert cell["available"]
        assert cell["dual"] >= cell["original"] + 0.05, (n, cell)
        assert cell["dual"] >= 0.95
    rows = d["table3"]
    assert [(r["latent"], r["train_size"], r["n"]) for r in rows] == [(18, 600, 8)]
    row = rows[0]
    assert set(row) >= {"latent", "train_size", "n", "accuracy", "paper"}
    assert row["paper"] == 0.9180 and 0.5 < row["accuracy"] <= 1.0
    s = d["sensitivity"]
    assert s["dual_locality"] == 1.0 and 0.0 < s["encoder_locality"] <= 1.0
    json.dumps(d)   # serialisable


def test_a_rerun_resumes_from_the_checkpoint(small_run, monkeypatch):
    res, ckpt = small_run
    assert json.loads(ckpt.read_text())["units"] == res.units

    def fail(*args, **kwargs):
        raise AssertionError("a finished unit was trained again")

    # every training goes through fit_many (batched), the autoencoders included
    monkeypatch.setattr("symfast.nn.fit_many", fail)
    monkeypatch.setattr("symfast.nn.TaskAutoencoder.fit", fail)
    monkeypatch.setattr(study, "_sensitivity", lambda c, t: (res.sensitivity, res.arrays))
    again = study.run(ChainConfig.quick(**SMALL), progress=False, checkpoint=ckpt)
    assert again.dual_vs_original == res.dual_vs_original and again.table3 == res.table3


def test_a_killed_batched_fit_resumes_with_only_its_units(small_run, monkeypatch, tmp_path):
    # a study killed inside a batched fit has the chunks before it on disk: a rerun trains
    # what is missing, and only that
    import symfast.nn

    res, ckpt = small_run
    saved = json.loads(ckpt.read_text())
    lost = [k for k, v in saved["units"].items()
            if k.startswith("dual/") and v["available"]][:2]
    assert len(lost) == 2
    for k in lost:
        del saved["units"][k]
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps(saved))
    sizes = []
    real = symfast.nn.fit_many

    def spy(estimators, datasets, **kw):
        sizes.append(len(estimators))
        return real(estimators, datasets, **kw)

    monkeypatch.setattr("symfast.nn.fit_many", spy)
    monkeypatch.setattr(study, "_sensitivity", lambda c, t: (res.sensitivity, res.arrays))
    again = study.run(ChainConfig.quick(**SMALL), progress=False, checkpoint=partial)
    assert sizes == [len(lost)]
    for k in lost:
        assert again.units[k]["best"] == pytest.approx(res.units[k]["best"], abs=0.02)


def test_chain_cli_writes_result_and_figures(tmp_path, capsys):
    from symfast.cli import main

    args = ["chain", "--quick", "--n", "3", "--epochs", "5", "--ae-epochs", "1",
            "--out", str(tmp_path), "--no-progress"]
    assert main(args) == 0
    data = json.loads((tmp_path / "result.json").read_text())
    assert data["config"]["ns"] == [3] and data["table3"] == []
    assert "3" in data["dual_vs_original"]
    for fig in ("dual_vs_original.png", "sensitivity.png"):
        assert (tmp_path / fig).stat().st_size > 1000
    assert not (tmp_path / "partial.json").exists()
    assert main(args) == 0
    assert "not rerun" in capsys.readouterr().err


@pytest.mark.parametrize("overrides, exc, words", [
    (dict(N=30), ValueError, "count_metastable"),
    (dict(ns=(3, 20)), ValueError, "ns entry"),
    (dict(ns=(0,)), ValueError, "ns entry"),
    (dict(J=float("nan")), ValueError, "J must be finite"),
    (dict(B=float("inf")), ValueError, "B must be finite"),
    (dict(ns=3), TypeError, "ns must be a sequence"),
    (dict(train_fraction=1.5), ValueError, "train_fraction"),
])
def test_bad_config_is_named(overrides, exc, words):
    with pytest.raises(exc, match=words):
        study.run(ChainConfig.quick(**overrides), progress=False)
