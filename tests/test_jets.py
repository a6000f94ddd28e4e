"""Collider jets (issue 36): the generated fixture, clustering against an independent
anti-k_T, N-subjettiness, the tied generator search, the shard bookkeeping, and the
generator itself where Pythia is installed (marker ``hep``)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from antikt_reference import antikt
from symfast.jets import FEATURES, JetCuts, delta_r, invariant_mass, nsubjettiness, pt_eta_phi
from symfast.jets._generate import NEUTRINOS

FIXTURE = Path(__file__).parent / "data" / "jets_fixture.npz"
HAVE_HEP = all(importlib.util.find_spec(m) is not None for m in ("pythia8mc", "fastjet"))


@pytest.fixture(scope="module")
def fixture():
    with np.load(FIXTURE, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def test_fixture_is_small_and_complete(fixture):
    assert FIXTURE.stat().st_size <= 1_000_000
    X, y = fixture["X"], fixture["y"]
    assert X.shape == (1000, 16) and set(np.unique(y)) == {0, 1}
    settings = json.loads(str(fixture["settings"]))
    cuts = settings["cuts"]
    pt, eta = fixture["pt"], fixture["eta"]
    assert np.all((pt >= cuts["pt_min"]) & (pt <= cuts["pt_max"]))
    assert np.all(np.abs(eta) < cuts["eta_max"])
    # the four leading constituents, by decreasing p_T, each a physical four-momentum
    P = X.reshape(-1, 4, 4)
    cpt = np.hypot(P[..., 1], P[..., 2])
    assert np.all(np.diff(cpt, axis=1) <= 1e-9)
    m2 = P[..., 0] ** 2 - np.sum(P[..., 1:] ** 2, axis=-1)
    assert np.all(m2 >= -1e-6 * P[..., 0] ** 2)
    # top jets carry the top mass, QCD jets mostly less; tau32 is lower for tops
    top, qcd = y == 1, y == 0
    assert 150 < np.median(fixture["mass"][top]) < 200
    assert np.median(fixture["mass"][qcd]) < 120
    assert np.median(fixture["tau32"][top]) < np.median(fixture["tau32"][qcd])
    # exclusive-k_T axes are not the minimising ones, so tau3 can exceed tau2 (4 % here)
    assert np.all(fixture["tau32"] > 0) and np.mean(fixture["tau32"] > 1.0) < 0.1


@pytest.mark.parametrize("process", ["top", "qcd"])
def test_every_event_conserves_momentum(fixture, process):
    p = fixture[f"event_{process}"]
    ecm = json.loads(str(fixture["event_settings"]))["cuts"]["ecm"]
    total = p.sum(axis=0)
    assert abs(total[0] - ecm) <= 1e-6 * ecm
    assert np.all(np.abs(total[1:]) <= 1e-6 * ecm)


@pytest.mark.parametrize("process", ["top", "qcd"])
def test_fastjet_jets_match_an_independent_antikt(fixture, process):
    p, pid = fixture[f"event_{process}"], fixture[f"event_{process}_pid"]
    vis = np.flatnonzero(~np.isin(np.abs(pid), NEUTRINOS))
    ref = [(j, idx) for j, idx in antikt(p[vis], 0.8) if np.hypot(j[1], j[2]) > 20.0]
    fj_jets, label = fixture[f"event_{process}_jets"], fixture[f"event_{process}_jet_of"]
    assert len(ref) == fj_jets.shape[0] >= 2
    for k, (j, idx) in enumerate(ref):
        np.testing.assert_allclose(j, fj_jets[k], rtol=1e-9, atol=1e-9)
        assert sorted(vis[idx].tolist()) == np.flatnonzero(label == k).tolist()


def test_nsubjettiness_by_hand():
    def four(pt, eta, phi):
        return np.array([pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi),
                         pt * np.sinh(eta)])

    a, b = four(100, 0.0, 0.0), four(50, 0.3, 0.4)
    p = np.stack([a, b])
    # on its own axes every particle sits at zero distance
    assert nsubjettiness(p, p) == pytest.approx(0.0, abs=1e-12)
    # one axis on the harder particle: tau1 = pt_b * dR / (R * (pt_a + pt_b))
    assert nsubjettiness(p, a[None]) == pytest.approx(50 * 0.5 / (0.8 * 150), rel=1e-9)
    assert float(delta_r(a, b)) == pytest.approx(0.5, rel=1e-12)
    assert float(invariant_mass(a)) == pytest.approx(0.0, abs=1e-9)
    pt, eta, phi = pt_eta_phi(b)
    assert (pt, eta, phi) == pytest.approx((50, 0.3, 0.4), rel=1e-12)


def _lorentz_invariant_normals(n: int, seed: int, noise: float = 0.0):
    """Points of R^16 (four four-vectors) and the gradients of a function of their
    Minkowski products alone, exact or with relative noise."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    P = rng.normal(size=(n, 4, 4))
    P[:, :, 0] = 3.0 + 3.0 * np.abs(P[:, :, 0])
    X = torch.tensor(P.reshape(n, -1), requires_grad=True)
    eta = torch.diag(torch.tensor([1.0, -1.0, -1.0, -1.0], dtype=torch.float64))
    Q = X.reshape(n, 4, 4)
    M = torch.einsum("nia,ab,njb->nij", Q, eta, Q)
    c = torch.tensor(rng.normal(size=(4, 4)))
    f = (M * c).sum((1, 2)) + 0.1 * (M * c.T).sum((1, 2)) ** 2 + torch.sin(M[:, 0, 1] / 5)
    g, = torch.autograd.grad(f.sum(), X)
    G = g.numpy()
    if noise:
        G = G + noise * np.linalg.norm(G, axis=1, keepdims=True) / 4 * rng.normal(size=G.shape)
    return P.reshape(n, -1), G


@pytest.mark.parametrize("noise", [0.0, 0.05])
def test_tied_search_finds_the_lorentz_algebra(noise):
    from symfast.symmetry import (algebra_similarity, find_tied_generators,
                                  reference_algebra, tied_representation)

    X, G = _lorentz_invariant_normals(3000, 0, noise)
    res = find_tied_generators(X, G, 4)
    assert res.algebra == "so(1,3)" and res.n_generators == 6
    ref = tied_representation(reference_algebra("so(1,3)"), 4)
    assert algebra_similarity(res.generators, ref) > 0.999
    s = np.asarray(res.diagnostics["singular_values"])
    assert s[6] / s[5] > 5                      # the gap after the sixth
    assert np.asarray(res.diagnostics["block_generators"]).shape == (6, 4, 4)
    # the residuals of chosen fields: the reference generators sit at the bottom of the
    # spectrum, a dilation (no symmetry of Minkowski products) far above them
    from symfast.symmetry import tied_residuals

    r = tied_residuals(X, G, reference_algebra("so(1,3)"), 4)
    assert r.shape == (6,) and r.max() < 0.5 * s[6]
    assert tied_residuals(X, G, np.eye(4)[None], 4)[0] > 10 * r.max()


def test_tied_search_refuses_bad_input():
    from symfast.symmetry import find_tied_generators

    X = np.random.default_rng(0).normal(size=(100, 6))
    with pytest.raises(ValueError, match="block must divide"):
        find_tied_generators(X, X, 4)
    with pytest.raises(ValueError, match="normals must have shape"):
        find_tied_generators(X, X[:, :3], 3)
    with pytest.raises(ValueError, match="normals are all zero"):
        find_tied_generators(X, np.zeros_like(X), 3)


def test_discover_refuses_block_where_it_cannot_apply():
    import symfast

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 8))
    with pytest.raises(ValueError, match="block must divide"):
        symfast.discover(X, (X[:, 0] > 0).astype(int), block=3, progress=False)
    with pytest.raises(ValueError, match="two classes"):
        symfast.discover(X, rng.integers(0, 3, 200), block=4, progress=False)
    with pytest.raises(ValueError, match="gradient route"):
        symfast.discover(X, (X[:, 0] > 0).astype(int), block=4, method="embedding",
                         progress=False)


def test_logistic_regressor_gives_logits_and_their_gradients():
    from sklearn.metrics import roc_auc_score

    from symfast.nn import GradientRegressor

    rng = np.random.default_rng(1)
    X = rng.normal(size=(2000, 3))
    y = (X[:, 0] ** 2 + X[:, 1] ** 2 > 1.4).astype(float)
    reg = GradientRegressor((32, 32), loss="logistic", max_epochs=40, progress=False,
                            seed=0).fit(X, y)
    assert roc_auc_score(y, reg.predict(X)) > 0.95
    G = reg.gradient(X)[:, 0]
    # the level sets are circles about the x2 axis: the gradient has no x2 component
    # and points along x (radially)
    cos = np.sum(G[:, :2] * X[:, :2], axis=1) / (np.linalg.norm(G[:, :2], axis=1)
                                                 * np.linalg.norm(X[:, :2], axis=1))
    assert np.median(np.abs(G[:, 2]) / np.linalg.norm(G, axis=1)) < 0.2
    assert np.median(cos) > 0.9
    with pytest.raises(ValueError, match="0/1 labels"):
        GradientRegressor(loss="logistic", progress=False).fit(X, X[:, 0])
    with pytest.raises(ValueError, match="loss must be"):
        GradientRegressor(loss="hinge", progress=False).fit(X, y)


def _fake_shard(process, n_jets, cuts, seed, **kw):
    rng = np.random.default_rng(seed)
    return {"X": rng.normal(size=(n_jets, 4 * cuts.n_constituents)),
            "features": rng.normal(size=(n_jets, len(FEATURES))),
            "n_events": 2 * n_jets, "seconds": 0.01}


def test_shards_resume_and_grow(tmp_path, monkeypatch):
    import symfast.jets._dataset as ds

    monkeypatch.setattr(ds, "generate_shard", _fake_shard)
    monkeypatch.setattr(ds, "require", lambda name: None)
    first = ds.build_dataset(tmp_path, 10, shard_size=3, workers=1, progress=False)
    assert first["generated"] == 4 and first["reused"] == 0        # 3+2 top, 3+2 qcd
    with np.load(first["path"], allow_pickle=False) as z:
        X1, y1 = z["X"], z["y"]
        assert set(z.files) >= {"X", "y", "settings", *FEATURES}
        assert json.loads(str(z["settings"]))["n_events"] == {"top": 10, "qcd": 10}
    assert X1.shape == (10, 16) and y1.sum() == 5
    again = ds.build_dataset(tmp_path, 10, shard_size=3, workers=1, progress=False)
    assert again["generated"] == 0 and again["reused"] == 4
    with np.load(again["path"], allow_pickle=False) as z:
        np.testing.assert_array_equal(z["X"], X1)
    # a larger run keeps the full shards it shares with the smaller one
    more = ds.build_dataset(tmp_path, 16, shard_size=3, workers=1, progress=False)
    assert more["reused"] == 2 and more["generated"] == 4
    # other cuts never reuse a shard
    other = ds.build_dataset(tmp_path, 10, shard_size=3, workers=1, progress=False,
                             cuts=JetCuts(pt_min=600.0))
    assert other["reused"] == 0


def test_missing_extra_is_named(tmp_path, monkeypatch):
    from symfast.cli import main

    monkeypatch.setitem(sys.modules, "pythia8mc", None)          # import fails
    with pytest.raises(ImportError, match=r"symfast\[hep\]"):
        from symfast.jets import require

        require("pythia8mc")
    assert main(["jets", "--events", "40", "--out", str(tmp_path / "j"), "--no-progress"]) == 2


def test_bad_cuts_are_refused():
    with pytest.raises(ValueError, match="pt_max"):
        JetCuts(pt_min=700.0).validate()
    with pytest.raises(ValueError, match="n_constituents"):
        JetCuts(n_constituents=0).validate()
    from symfast.experiments.jets import JetsConfig

    with pytest.raises(ValueError, match="events"):
        JetsConfig(events=3).validate()


@pytest.mark.hep
@pytest.mark.skipif(not HAVE_HEP, reason="needs symfast[hep] (pythia8mc, fastjet)")
def test_generator_makes_jets_that_conserve_momentum_and_cluster_alike():
    from symfast.jets import generate_shard

    got = generate_shard("top", 50, JetCuts(), 99, max_events=50, keep_events=2)
    # 50 events (fewer jets: not every event has a top jet in the window)
    assert got["n_events"] == 50 and 0 < got["X"].shape[0] < 50 and got["X"].shape[1] == 16
    for p, pid in zip(got["events"], got["event_ids"]):
        total = p.sum(axis=0)
        assert abs(total[0] - 14000.0) <= 1e-6 * 14000 and np.all(np.abs(total[1:]) < 1e-2)
        vis = ~np.isin(np.abs(pid), NEUTRINOS)
        from symfast.jets import cluster

        mine = [j for j, _ in cluster(p[vis], 0.8, ptmin=20.0)]
        ref = [j for j, _ in antikt(p[vis], 0.8) if np.hypot(j[1], j[2]) > 20.0]
        np.testing.assert_allclose(np.array(mine), np.array(ref), rtol=1e-9, atol=1e-9)


def test_study_on_the_fixture_says_unresolved_not_a_wrong_name(fixture, tmp_path):
    """1000 jets fix no count: the study reports ``unresolved`` with its reason, keeps the
    contract keys, and draws its figure."""
    from symfast.experiments.jets import JetsConfig, JetsResult, analyse

    config = JetsConfig(events=1000, max_epochs=30)
    out = analyse(fixture, config, progress=False)
    for key in ("algebra", "n_generators", "similarity_so13", "auc", "time"):
        assert key in out
    assert out["algebra"] == "unresolved" and out["n_generators"] == 0
    assert "no gap" in out["reason"]
    assert 0.6 < out["auc"] < 1.0 and 0.8 < out["auc_cut"] < 1.0
    assert set(out["residuals_so13"]) == {"K_x", "K_y", "K_z", "J_z", "J_y", "J_x"}
    assert len(out["spectrum"]) == 16
    (tmp_path / "jets.npz").write_bytes(FIXTURE.read_bytes())
    res = JetsResult(config=config, dataset={"n_jets": 1000}, discovery=out, timings={},
                     jets_file=str(tmp_path / "jets.npz"))
    saved = json.loads(res.save(tmp_path).read_text())
    assert saved["algebra"] == "unresolved" and saved["experiment"] == "jets"
    assert (tmp_path / "jets_generators.png").stat().st_size > 10_000


def test_gradient_route_with_normals_too_noisy_names_nothing():
    """Labels that carry no information: the classifiers' normals disagree, the tolerance
    they would imply accepts any field, and discover says ``unresolved`` (issue 36: the
    search over gl(16) had named a 17-dimensional algebra on jets)."""
    import symfast

    rng = np.random.default_rng(3)
    X = rng.normal(size=(600, 4))
    y = rng.integers(0, 2, 600)
    res = symfast.discover(X, y, method="gradient", max_epochs=20, discrete=False,
                           progress=False)
    assert res.algebra == "unresolved" and res.n_generators == 0
    assert "disagree too much" in res.continuous.reason


def test_survival_rule():
    from symfast.experiments.jets import surviving

    found = {"K_x": 0.082, "K_y": 0.078, "K_z": 0.021, "J_z": 0.027, "J_y": 0.076,
             "J_x": 0.073}
    assert surviving(found, typical=0.056) == ["K_z", "J_z"]
    # a lower group no better than a generic field does not survive
    assert surviving(dict(found, K_z=0.05, J_z=0.11), typical=0.04) == []
    # no split: all survive when all are small, none otherwise
    flat = dict.fromkeys(found, 0.01)
    assert len(surviving(flat, typical=0.1)) == 6 and surviving(flat, typical=0.01) == []


def test_cli_discover_data_with_block_reads_the_jets_file(tmp_path, capsys):
    from symfast.cli import main

    out = tmp_path / "d"
    args = ["discover", "--data", str(FIXTURE), "--target", "y", "--block", "4",
            "--max-epochs", "20", "--out", str(out), "--no-progress"]
    assert main(args) == 0
    data = json.loads((out / "result.json").read_text())
    assert data["config"]["block"] == 4 and data["method"] == "gradient"
    assert data["target"] == "classes" and "brier_skill" in data
    capsys.readouterr()
    assert main(args) == 0                          # the same call resumes
    assert "not rerun" in capsys.readouterr().err
    assert main(["discover", "--potential", "so3", "--block", "4", "--out",
                 str(tmp_path / "p"), "--no-progress"]) == 2
