"""config.seed decides every random stream of a study: equal seeds give equal results,
different seeds different ones (each study at a tiny size)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from symfast._seeds import derive_seed


def _strip(obj):
    """A result dict without what may differ between equal runs: times and versions."""
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items()
                if k not in ("timings", "versions", "seconds", "fit_seconds", "search")
                and "time" not in k}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    if isinstance(obj, float) and np.isnan(obj):
        return "nan"
    return obj


def _studies():
    from symfast.experiments import (chain, discover, fourier, invariance, ising2d,
                                     mnist)

    yield "invariance", invariance, invariance.InvarianceConfig.quick(
        "higgs", per_class=60, max_epochs=5, tsne_points=100)
    yield "discover", discover, discover.DiscoverConfig.quick(
        "higgs", per_class=80, max_epochs=5, discrete=False, n_planes=50)
    yield "mnist", mnist, mnist.MnistConfig.quick(n_digits=2, n_angles=36, n_planes=30)
    yield "ising2d", ising2d, ising2d.Ising2DConfig.quick(
        L=8, T0s=(1.25,), delta_Ts=(0.4,), samples_per_T=60, histogram_samples=100,
        burn_in=20, epochs=2)
    yield "fourier", fourier, fourier.FourierConfig.quick(
        n_train=120, n_test=60, n_feature_train=120, feature_epochs=2, epochs=2,
        amplitudes=(1.0,))
    yield "chain", chain, chain.ChainConfig.quick(
        ns=(2,), train_sizes=(100,), test_size=100, epochs=2, table_ns=(2,), latents=(4,),
        ae_epochs=1, sensitivity_epochs=2, n_runs=1)
    data = Path(os.environ.get("SYMFAST_DATA", "/nonexistent")) / "cicy3"
    if data.is_dir():
        from symfast.experiments import cicy

        yield "cicy", cicy, cicy.CicyConfig.quick(n_manifolds=40, n_augment=2, max_epochs=1,
                                                  k=5)


@pytest.mark.parametrize("name, module, config", list(_studies()),
                         ids=[s[0] for s in _studies()])
def test_study_seed_decides_every_stream(name, module, config):
    from symfast.experiments._common import replace_config

    def once(seed: int) -> dict:
        res = module.run(replace_config(config, seed=seed) if name != "discover" else
                         replace_config(config, invariance=replace_config(config.invariance,
                                                                          seed=seed)),
                         progress=False)
        d = _strip(res.to_dict())
        d.pop("config", None)
        return d

    first, again, other = once(0), once(0), once(1)
    assert first == again, f"{name}: two runs with seed 0 differ"
    assert first != other, f"{name}: seeds 0 and 1 gave the same result"


def test_derived_streams_do_not_overlap_across_seeds():
    # with seed + offset, seed 0's stream 100 was seed 100's stream 0
    assert derive_seed(0, "train", 100) != derive_seed(100, "train", 0)
    assert derive_seed(0, "train") != derive_seed(0, "test")
    assert derive_seed(3, "x", 1.25) == derive_seed(3, "x", 1.25)
    assert 0 <= derive_seed(2**63 - 1, "y") < 2**63


def _spy_seeds(monkeypatch, module, name: str) -> list[int]:
    """Record the ``seed`` of every call to ``module.name`` (which still runs)."""
    seen: list[int] = []
    real = getattr(module, name)

    def spy(*args, seed, **kwargs):
        seen.append(seed)
        return real(*args, seed=seed, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return seen


def test_ising2d_classifiers_are_seeded_by_the_study_seed(monkeypatch):
    # the classifiers used to be seeded by the frame index alone, whatever config.seed
    import symfast.nn
    from symfast.experiments import ising2d
    from symfast.experiments._common import replace_config

    seen: list[int] = []
    real = symfast.nn.fit_many

    def spy(estimators, datasets, **kwargs):          # the study trains batched
        seen.extend(e.seed for e in estimators)
        return real(estimators, datasets, **kwargs)

    monkeypatch.setattr(symfast.nn, "fit_many", spy)
    cfg = ising2d.Ising2DConfig.quick(L=8, T0s=(1.25,), delta_Ts=(0.2, 0.4), samples_per_T=40,
                                      histogram_samples=100, burn_in=10, epochs=1)
    ising2d.run(cfg, progress=False)
    first = list(seen)
    seen.clear()
    ising2d.run(replace_config(cfg, seed=1), progress=False)
    assert len(first) == 6 and len(set(first)) == 6       # 2 dT x 3 frames, all distinct
    assert not set(first) & set(seen)                      # seed 1 draws other streams


def test_fourier_data_streams_of_two_seeds_do_not_overlap(monkeypatch):
    # training data used to be drawn with seed + 100 + i and test data with seed + 200 + i,
    # so seed 0's test data were seed 100's training data
    import symfast.fourier
    from symfast.experiments import fourier
    from symfast.experiments._common import replace_config

    seen = _spy_seeds(monkeypatch, symfast.fourier, "signals")
    cfg = fourier.FourierConfig.quick(n_train=60, n_test=30, n_feature_train=60,
                                      feature_epochs=1, epochs=1, amplitudes=(1.0,))
    streams = {}
    for s in (0, 100):
        seen.clear()
        fourier.run(replace_config(cfg, seed=s), progress=False)
        streams[s] = list(seen)
    for s, drawn in streams.items():
        assert len(set(drawn)) == len(drawn) == 3, (s, drawn)   # no stream reused in a run
    assert not set(streams[0]) & set(streams[100])
