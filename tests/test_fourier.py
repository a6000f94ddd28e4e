"""Fourier study: signals, the exact spectrum, the feature-separation representation."""

from __future__ import annotations

import json

import numpy as np
import pytest

from symfast.experiments import fourier
from symfast.fourier import DOCUMENTED_AMPLITUDE, power_spectrum, signals, single_frequency


def test_signals_are_balanced_and_variance_matched():
    X, y = signals(4000, 100, amplitude=1.0, seed=0)
    assert X.shape == (4000, 100) and y.sum() == 2000
    v1, v0 = X[y == 1].var(), X[y == 0].var()
    assert v1 == pytest.approx(1.5, rel=0.03) and v0 == pytest.approx(1.5, rel=0.03)
    X2, y2 = signals(4000, 100, amplitude=1.0, seed=0)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


def test_noiseless_signal_peaks_at_its_frequency():
    for p in (1, 7, 30, 49):
        P = power_spectrum(single_frequency(p, 100, amplitude=2.0, phase=0.4))
        assert P.shape == (1, 49)
        assert np.argmax(P[0]) == p - 1
        assert P[0, p - 1] == pytest.approx(100 * 4.0 / 4, rel=1e-9)   # (A N / 2)^2 / N
        assert P[0].sum() == pytest.approx(P[0, p - 1])
    X, y = signals(200, 20, amplitude=5.0, noise=1e-9, frequencies=[3, 4], seed=1)
    peaks = np.argmax(power_spectrum(X[y == 1]), axis=1) + 1
    assert set(peaks.tolist()) <= {3, 4}


@pytest.fixture(scope="module")
def quick():
    return fourier.run(fourier.FourierConfig.quick(), progress=False)


def test_learned_representation_beats_raw(quick):
    a = quick.accuracy
    assert quick.config.amplitude == DOCUMENTED_AMPLITUDE
    assert a["learned"] >= a["raw"] + 0.25, a
    assert a["dft"] >= 0.95, a
    assert a["raw"] <= 0.6, a


def test_activation_matrix_is_sparse(quick):
    act = quick.dims_per_frequency
    assert len(act["frequencies"]) == 49
    assert act["fraction_rows_top3_above_half"] >= 0.9
    A = quick.arrays["activation"]
    assert A.shape[0] == 49 and np.all(A >= 0)


def test_fourier_cli(tmp_path):
    from symfast.cli import main

    assert main(["fourier", "--quick", "--n-train", "400", "--out", str(tmp_path),
                 "--no-progress"]) == 0
    data = json.loads((tmp_path / "result.json").read_text())
    assert set(data["accuracy"]) == {"raw", "dft", "learned"}
    for fig in ("accuracy_vs_amplitude.png", "activation_matrix.png", "representations.png"):
        assert (tmp_path / fig).stat().st_size > 1000


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(N=3), ValueError, "N must be >= 4"),
    (dict(amplitude=-0.1), ValueError, "amplitude must be >= 0"),
    (dict(frequencies=[1.5, 2]), ValueError, "frequencies must be integers"),
    (dict(frequencies=[0, 2]), ValueError, r"\[1, N/2\)"),
    (dict(frequencies=[50]), ValueError, r"\[1, N/2\)"),
    (dict(frequencies=["a"]), TypeError, "frequencies must be integers"),
    (dict(noise=0.0), ValueError, "noise must be > 0"),
])
def test_bad_input_is_named(kwargs, exc, words):
    args = dict(amplitude=1.0)
    args.update(kwargs)
    with pytest.raises(exc, match=words):
        signals(10, **args)
