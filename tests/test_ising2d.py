"""The Kramers–Wannier duality study: energy overlaps, bond variables, the three frames."""

from __future__ import annotations

import json

import numpy as np
import pytest

from symfast.experiments import ising2d
from symfast.experiments.ising2d import Ising2DConfig
from symfast.ising import bond_variables, energy_overlap
from symfast.ising import dual_temperature, energy, sample


def test_bond_variables_carry_the_energy(rng):
    s = np.where(rng.random((5, 6, 6)) < 0.5, 1, -1).astype(np.int8)
    b = bond_variables(s)
    assert b.shape == (5, 72) and set(np.unique(b)) <= {-1, 1}
    assert np.allclose(-2.0 * b.mean(axis=1), energy(s))
    assert np.array_equal(bond_variables(-s), b)          # blind to the global flip


def test_energy_overlap():
    a = np.array([0.0, 1.0, 1.0, 2.0])
    assert energy_overlap(a, a) == 1.0
    assert energy_overlap(a, a + 10) == 0.0
    assert energy_overlap(np.array([0.0, 1.0]), np.array([1.0, 2.0])) == 0.5


def test_the_dual_frame_separates_energies_better():
    """Figure 9 of the paper: at the dual temperatures the energy distributions of a
    close pair overlap less than at the original low temperatures."""
    for T0, dT in [(1.25, 0.2), (1.5, 0.2)]:
        ov = {}
        for frame, (Ta, Tb) in {"original": (T0, T0 + dT),
                                "dual": (dual_temperature(T0), dual_temperature(T0 + dT))}.items():
            ea = energy(sample(16, Ta, 3000, burn_in=300, seed=1))
            eb = energy(sample(16, Tb, 3000, burn_in=300, seed=2))
            ov[frame] = energy_overlap(ea, eb)
        assert ov["dual"] < ov["original"] - 0.05, ov


SMALL = dict(T0s=(1.25,), delta_Ts=(0.1, 0.4), samples_per_T=400, histogram_samples=2000,
             burn_in=300, epochs=25)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    ckpt = tmp_path_factory.mktemp("ising2d") / "partial.json"
    return ising2d.run(Ising2DConfig.quick(**SMALL), progress=False, checkpoint=ckpt), ckpt


def test_study_result_has_the_contract_keys(small_run):
    res, _ = small_run
    d = res.to_dict()
    r = d["T0"]["1.25"]
    for key in ("delta_T", "accuracy_original", "accuracy_dual", "accuracy_bonds",
                "overlap_original", "overlap_dual", "bayes_original", "bayes_dual"):
        assert len(r[key]) == 2, key
    assert r["delta_T"] == [0.1, 0.4]
    assert r["dual_T0"] == pytest.approx(dual_temperature(1.25))
    # the networks reach what the energy allows in the dual frame at the wide gap
    assert r["accuracy_dual"][1] >= r["bayes_dual"][1] - 0.1
    assert r["bayes_dual"][1] > r["bayes_original"][1]
    json.dumps(d)


def test_study_resumes_and_cli_writes_figures(small_run, tmp_path, monkeypatch, capsys):
    res, ckpt = small_run

    def fail(*a, **k):
        raise AssertionError("a finished training ran again")

    monkeypatch.setattr("symfast.nn.fit_many", fail)      # every training is batched
    again = ising2d.run(Ising2DConfig.quick(**SMALL), progress=False, checkpoint=ckpt)
    assert again.per_T0 == res.per_T0
    monkeypatch.undo()

    from symfast.cli import main

    args = ["ising2d", "--quick", "--L", "8", "--T0", "1.5", "--samples-per-T", "60",
            "--epochs", "2", "--out", str(tmp_path), "--no-progress"]
    assert main(args) == 0
    data = json.loads((tmp_path / "result.json").read_text())
    assert list(data["T0"]) == ["1.5"]
    for fig in ("accuracy_vs_delta_T.png", "energy_histograms.png"):
        assert (tmp_path / fig).stat().st_size > 1000
    assert main(args) == 0
    assert "not rerun" in capsys.readouterr().err


@pytest.mark.parametrize("overrides, words", [
    (dict(L=9), "L must be even"),
    (dict(T0s=()), "T0s"),
    (dict(delta_Ts=(0.1, -0.1)), "delta_Ts entry"),
    (dict(classifier="rnn"), "classifier"),
    (dict(J=0.0), "J must be nonzero"),
])
def test_bad_config_is_named(overrides, words):
    with pytest.raises(ValueError, match=words):
        ising2d.run(Ising2DConfig.quick(**overrides), progress=False)
