"""symfast.discover(X, y): the method on data nobody sampled for it.

Every truth below is worked out by hand: the function is written in coordinates z
where its symmetry is plain (rotations of some coordinates, Lorentz boosts), the
data are x = A z for a random matrix A, and the symmetry in x is A T A^-1.
Points fill a box (not level sets) and y carries 1 % noise.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import symfast
from symfast.cli import build_parser, main
from symfast._io import read_table
from symfast.nn import GradientRegressor
from symfast.potentials import oscillator_generators, simulate_oscillator


def _rotation(n: int, i: int, j: int) -> np.ndarray:
    M = np.zeros((n, n))
    M[i, j], M[j, i] = 1.0, -1.0
    return M


def _case(name: str, n: int = 5000, seed: int = 0):
    """(X, y, truth generators in x, expected algebra) for one hand-worked function."""
    rng = np.random.default_rng(seed)
    d = {"so3_in_r4": 4, "lorentz": 4, "plane_in_r3": 3, "none": 3, "two_outputs": 5}[name]
    Z = rng.uniform(-1.0, 1.0, size=(n, d))
    if name == "so3_in_r4":
        # f(|z_0..2|^2, z_3): rotations of the first three coordinates, so(3)
        r2 = np.sum(Z[:, :3] ** 2, axis=1)
        V = r2 ** 2 - r2 + 0.5 * Z[:, 3] + Z[:, 3] ** 2
        T = np.zeros((3, 4, 4))
        T[0, :3, :3], T[1, :3, :3], T[2, :3, :3] = (_rotation(3, 0, 1), _rotation(3, 0, 2),
                                                    _rotation(3, 1, 2))
        algebra = "so(3)"
    elif name == "lorentz":
        # f(q), q = z_0^2 - z_1^2 - z_2^2 - z_3^2: T^t eta + eta T = 0, so(1,3), 6 generators
        q = Z[:, 0] ** 2 - np.sum(Z[:, 1:] ** 2, axis=1)
        V = q + 0.5 * q ** 2
        eta = np.diag([1.0, -1.0, -1.0, -1.0])
        T = np.array([eta @ _rotation(4, i, j) for i in range(4) for j in range(i + 1, 4)])
        algebra = "so(1,3)"
    elif name == "plane_in_r3":
        # sin(2 |z_0, z_1|^2) plus an independent term in z_2: one rotation, u(1)
        V = np.sin(2 * (Z[:, 0] ** 2 + Z[:, 1] ** 2)) + Z[:, 2] ** 3 + Z[:, 2]
        T = _rotation(3, 0, 1)[None]
        algebra = "u(1)"
    elif name == "two_outputs":
        # (a + b + z_4, a - b + z_4^2), a = |z_0, z_1|^2, b = |z_2, z_3|^2: joint level sets
        # are kept by the two plane rotations only, u(1)+u(1)
        a = Z[:, 0] ** 2 + Z[:, 1] ** 2
        b = Z[:, 2] ** 2 + Z[:, 3] ** 2
        V = np.stack([a + b + Z[:, 4], a - b + Z[:, 4] ** 2], axis=1)
        T = np.array([_rotation(5, 0, 1), _rotation(5, 2, 3)])
        algebra = "u(1)+u(1)"
    else:
        # z0^3 + z0 z1 + sin(2 z2) + z1^2 z2.  A field v = T z + b with grad V . v = 0:
        # the sin term forces v_2 = 0; the cubic terms of 3 z0^2 v_0 + 2 z1 z2 v_1 then
        # force the linear parts of v_0, v_1 to vanish, and the rest (3 z0^2 b0 + z1 b0 +
        # z0 b1 + 2 z1 z2 b1) forces b = 0.  No symmetry.
        V = Z[:, 0] ** 3 + Z[:, 0] * Z[:, 1] + np.sin(2 * Z[:, 2]) + Z[:, 1] ** 2 * Z[:, 2]
        T = np.zeros((0, d, d))
        algebra = "trivial"
    A = rng.normal(size=(d, d))
    X = Z @ A.T
    y = V + 0.01 * V.std(axis=0) * rng.normal(size=V.shape)
    Tx = np.einsum("ab,kbc,cd->kad", A, T, np.linalg.inv(A))
    return X, y, Tx, algebra


@pytest.mark.parametrize("name", ["so3_in_r4", "lorentz", "plane_in_r3", "none",
                                  "two_outputs"])
def test_discover_finds_the_hand_worked_algebra_in_a_skewed_frame(name):
    X, y, truth, algebra = _case(name)
    res = symfast.discover(X, y, progress=False)
    assert res.target == "regression" and res.method == "gradient"
    assert res.score["r2"] > 0.99
    assert res.n_generators == truth.shape[0], res.continuous.diagnostics["singular_values"]
    assert res.algebra == algebra
    if truth.shape[0]:
        assert res.similarity(truth) >= 0.99
    else:
        assert res.continuous.reason


def test_oscillator_simulation_gives_so4_in_its_mass_frame():
    # H = |p|^2 / 2m + m w^2 |q|^2 / 2 = |u|^2 / 2 with u = (sqrt(m) w q, p / sqrt(m)):
    # the level sets are 3-spheres in u, kept by so(4) (6 generators), which in (q, p)
    # reads S^-1 A S (oscillator_generators)
    X, E = simulate_oscillator(200, 25, mass=2.0, omega=1.5, seed=0)
    # the leapfrog energy error is the noise: small but present
    assert 0 < np.std(E.reshape(200, 25), axis=1).max() < 1e-3 * E.mean()
    res = symfast.discover(X, E, progress=False, feature_names=["q1", "q2", "p1", "p2"])
    assert res.n_generators == 6
    assert res.algebra == "so(4)"
    assert res.similarity(oscillator_generators(2.0, 1.5)) >= 0.99
    assert res.feature_names == ["q1", "q2", "p1", "p2"]


def test_class_labels_take_the_embedding_route():
    from symfast.potentials import PAPER_LEVELS, get, sample_level_sets

    X, y = sample_level_sets("so3", PAPER_LEVELS, per_class=400)
    # stability=0: the half-cloud re-draws (tests of their own) took 50 of this test's 60 s
    res = symfast.discover(X, y, progress=False, max_epochs=150, stability=0)
    assert res.target == "classes" and res.method == "embedding"
    assert res.score["accuracy"] > 0.9
    assert res.neighbor_purity > 0.9
    assert res.algebra == "so(3)"
    assert res.similarity(get("so3").generators) >= 0.99
    # O(3) = SO(3) x Z2: the component group
    assert res.discrete is not None and res.discrete.name == "Z2"


def test_a_finite_group_in_features_of_other_units():
    """z4's level sets through a shear (the second feature in other units, mixed with the
    first): the group is S D4 S^-1, not orthogonal, and discover finds it by default
    (discrete_metric="invariant"); the Euclidean search does not (measured: Z2)."""
    from symfast.potentials import PAPER_LEVELS, sample_level_sets

    S = np.array([[1.0, 0.6], [0.0, 2.5]])
    X, y = sample_level_sets("z4", PAPER_LEVELS, per_class=410, seed=1)
    res = symfast.discover(X @ S.T, y, progress=False, max_epochs=40, seed=1, stability=0)
    assert res.n_generators == 0
    assert res.discrete is not None and res.discrete.name == "D4"
    assert res.config["discrete_metric"] == "invariant"
    plain = symfast.symmetry.find_discrete_symmetries(X @ S.T, y, seed=1,
                                                      metric="euclidean")
    assert plain.name != "D4"


def test_banded_values_run_both_routes_and_agree():
    from symfast.potentials import PAPER_LEVELS, PAPER_WIDTH, get, sample_level_sets

    pot = get("so3")
    X, _ = sample_level_sets("so3", PAPER_LEVELS, per_class=400)
    res = symfast.discover(X, pot(X), levels=PAPER_LEVELS, width=2 * PAPER_WIDTH,
                           progress=False, max_epochs=150, discrete=False)
    assert res.target == "bins" and res.method == "both"
    assert set(res.routes) == {"gradient", "embedding"}
    assert res.n_generators == 3 and res.algebra == "so(3)"
    assert res.similarity(pot.generators) >= 0.99
    assert res.discrete_reason.startswith("not computed")


def test_result_serialises_and_saves(tmp_path):
    X, y, truth, _ = _case("plane_in_r3", n=2000)
    res = symfast.discover(X, y, progress=False, max_epochs=60)
    data = json.loads(res.to_json())
    for key in ("algebra", "isomorphic", "compact_part", "is_compact", "translations",
                "generators", "n_generators", "r2", "neighbor_purity", "orbit_groups",
                "discrete_group", "diagnostics", "timings"):
        assert key in data
    path = res.save(tmp_path / "out")
    assert json.loads(path.read_text())["algebra"] == res.algebra
    assert (tmp_path / "out" / "generators.png").is_file()
    assert (tmp_path / "out" / "spectrum-gradient.png").is_file()


# -- bad input ---------------------------------------------------------------------------
@pytest.mark.parametrize("X, y, kwargs, match", [
    (np.zeros((10, 3)), np.zeros(10), {}, "at least 50"),
    (np.full((100, 3), np.nan), np.arange(100.0), {}, "X must be finite"),
    ("box", np.ones(100), {}, "y is constant"),
    ("box", np.arange(99.0), {}, "to match X"),
    ("box", np.arange(100.0), {"target": "fit"}, "target must be one of"),
    ("box", np.arange(100.0), {"method": "pca"}, "method must be one of"),
    ("box", np.arange(100.0), {"method": "embedding"}, "needs classes"),
    ("box", np.arange(100) % 3, {"method": "gradient"}, "no order"),
    ("box", np.arange(100.0), {"feature_names": ["a"]}, "feature_names"),
    ("box", np.arange(100.0), {"levels": [1.0, 1.0]}, "levels must be distinct"),
    ("box", np.arange(100.0), {"levels": [1000.0, 2000.0]}, "fewer than 2 bands"),
    ("box", np.arange(100.0), {"discrete_metric": "whitened"}, "discrete_metric must be"),
])
def test_bad_input_is_refused_with_a_clear_message(X, y, kwargs, match):
    if isinstance(X, str):
        X = np.random.default_rng(0).uniform(size=(100, 3))
    with pytest.raises((ValueError, TypeError), match=match):
        symfast.discover(X, y, progress=False, **kwargs)


def test_constant_feature_is_named():
    X = np.random.default_rng(0).uniform(size=(100, 3))
    X[:, 1] = 2.0
    with pytest.raises(ValueError, match=r"column\(s\) \[1\] are constant"):
        symfast.discover(X, X[:, 0], progress=False)


# -- reading tables ----------------------------------------------------------------------
def _write_csv(path, header, rows):
    path.write_text("\n".join([",".join(header)] + [",".join(map(str, r)) for r in rows]))
    return path


def test_read_table_csv_and_npz(tmp_path):
    rows = [[i, 2 * i, i * i] for i in range(5)]
    X, y, names = read_table(_write_csv(tmp_path / "d.csv", ["a", "b", "E"], rows), "E")
    assert names == ["a", "b"] and X.shape == (5, 2) and y.tolist() == [0, 1, 4, 9, 16]
    X, y, names = read_table(tmp_path / "d.csv", "a,E", ["b"])
    assert names == ["b"] and y.shape == (5, 2)
    np.savez(tmp_path / "d.npz", X=np.arange(12.0).reshape(4, 3), y=np.ones((4, 2)))
    X, y, names = read_table(tmp_path / "d.npz", "y:1", ["0", "2"])
    assert X.tolist() == [[0, 2], [3, 5], [6, 8], [9, 11]] and y.shape == (4,)


@pytest.mark.parametrize("header, rows, target, feats, match", [
    (["a", "b"], [[1, 2]], "E", None, "no column 'E'"),
    (["a", "E"], [[1, 2]], "E", ["c"], "no column 'c'"),
    (["a", "E"], [[1, 2], [3, "x"]], "E", None, r"data row 2 \(line 3 of the file\), column 'E'"),
    (["a", "E"], [[1, 2], [3, "nan"]], "E", None,
     r"data row 2 \(line 3 of the file\), target column 'E'"),
    (["a", "E"], [[1, 2], [3]], "E", None, r"data row 2 \(line 3 of the file\) has 1 fields"),
    (["a", "E"], [], "E", None, "no data rows after the header"),
    (["a", "E"], [[1, 2], [3, 1e300], [4, 1e300]], "E", None,
     r"2 target values beyond \+-1e\+150; the first in data row 2"),
    (["E"], [[1]], "E", None, "no feature column"),
])
def test_read_table_errors_name_the_file_column_and_row(tmp_path, header, rows, target,
                                                        feats, match):
    path = _write_csv(tmp_path / "bad.csv", header, rows)
    with pytest.raises(ValueError, match=match) as err:
        read_table(path, target, feats)
    assert "bad.csv" in str(err.value)


def test_read_table_file_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_table(tmp_path / "nope.csv", "E")
    (tmp_path / "d.txt").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="expected a .npz or .csv"):
        read_table(tmp_path / "d.txt", "b")
    np.savez(tmp_path / "d.npz", X=np.ones((3, 2)))
    with pytest.raises(ValueError, match="no target array 'E'"):
        read_table(tmp_path / "d.npz", "E")


# -- the command -------------------------------------------------------------------------
def test_cli_discover_data_writes_and_resumes(tmp_path, capsys):
    X, E = simulate_oscillator(80, 25, seed=3)
    rows = np.column_stack([X, E])
    path = _write_csv(tmp_path / "osc.csv", ["q1", "q2", "p1", "p2", "energy"],
                      rows.tolist())
    out = tmp_path / "res"
    argv = ["discover", "--data", str(path), "--target", "energy", "--out", str(out),
            "--no-progress", "--max-epochs", "120"]
    assert main(argv) == 0
    data = json.loads((out / "result.json").read_text())
    assert data["algebra"] == "so(4)" and data["n_generators"] == 6
    assert data["feature_names"] == ["q1", "q2", "p1", "p2"]
    assert data["data"]["target"] == "energy" and len(data["data"]["sha256"]) == 64
    assert main(argv) == 0
    assert "already holds this data" in capsys.readouterr().err


@pytest.mark.parametrize("extra, match", [
    (["--target", "nope"], "no column 'nope'"),
    ([], "needs --target"),
    (["--target", "energy", "--potential", "so3"], "either --potential or --data"),
    (["--target", "energy", "--method", "pairs"], "applies to --potential"),
    (["--target", "energy", "--paper"], "presets of the built-in potentials"),
])
def test_cli_discover_data_errors(tmp_path, capsys, extra, match):
    path = _write_csv(tmp_path / "d.csv", ["a", "b", "energy"], [[1, 2, 3]] * 60)
    assert main(["discover", "--data", str(path), "--out", str(tmp_path / "o"), *extra]) == 2
    assert match in capsys.readouterr().err


@pytest.mark.parametrize("extra", [["--target", "E"], ["--discrete-metric", "euclidean"]])
def test_cli_potential_mode_refuses_data_options(capsys, extra):
    assert main(["discover", "--potential", "so3", *extra]) == 2
    assert "need --data" in capsys.readouterr().err


def test_cli_discover_data_passes_the_discrete_metric(tmp_path, monkeypatch):
    """--discrete-metric reaches discover() (invariant unless asked), and is part of the
    configuration a saved result must match to be reused."""
    import symfast.experiments.data as data
    import symfast.symmetry._discover as impl

    seen = []

    def fake(X, y, **kwargs):
        seen.append(kwargs["discrete_metric"])
        raise RuntimeError("stop here")

    monkeypatch.setattr(impl, "discover", fake)
    path = _write_csv(tmp_path / "d.csv", ["a", "b", "energy"],
                      np.random.default_rng(0).normal(size=(60, 3)).tolist())
    for extra in ([], ["--discrete-metric", "euclidean"]):
        with pytest.raises(RuntimeError, match="stop here"):
            data.run_cli(build_parser().parse_args(["discover", "--data", str(path), "--target", "energy",
                                                    "--out", str(tmp_path / "o"),
                                                    *extra]))
    assert seen == ["invariant", "euclidean"]


# -- the regressor -----------------------------------------------------------------------
def test_gradient_regressor_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(600, 3))
    y = np.stack([np.sin(X[:, 0]) + X[:, 1] * X[:, 2], X[:, 0] ** 2], axis=1)
    reg = GradientRegressor((32, 32), max_epochs=400, progress=False).fit(X, y)
    G = reg.gradient(X[:20])
    assert G.shape == (20, 2, 3)
    h = 1e-2
    for j in range(3):
        e = np.zeros(3)
        e[j] = h
        fd = (reg.predict(X[:20] + e) - reg.predict(X[:20] - e)) / (2 * h)
        assert np.allclose(G[:, :, j], fd, atol=2e-3 * np.abs(G).max())
    # chunked gradients are the same numbers
    assert np.allclose(reg.gradient(X[:20], chunk=7), G, atol=1e-6)
    assert reg.score(X, y) > 0.9
    assert reg.embed(X[:5]).shape == (5, 32)


def test_gradient_regressor_errors():
    with pytest.raises(RuntimeError, match="not fitted"):
        GradientRegressor().predict(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="activation"):
        GradientRegressor(activation="relu").fit(np.zeros((20, 2)), np.arange(20.0))
    with pytest.raises(ValueError, match="constant"):
        GradientRegressor(progress=False).fit(np.random.default_rng(0).normal(size=(20, 2)),
                                              np.ones(20))


def test_cli_use_fits_the_invariant_model_beside_the_raw_network(tmp_path, capsys):
    """--use: the invariant model and the same network on the raw features, one split,
    both held-out scores in result.json and the summary; refused without --data."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    rows = np.c_[X, (X**2).sum(axis=1)]
    path = _write_csv(tmp_path / "d.csv", ["a", "b", "c", "E"], rows.tolist())
    out = tmp_path / "o"
    assert main(["discover", "--data", str(path), "--target", "E", "--use", "--out", str(out),
                 "--no-progress", "--max-epochs", "80"]) == 0
    use = json.loads((out / "result.json").read_text())["invariant_model"]
    assert use["model"] == "InvariantRegressor" and use["n_invariants"] == 1
    assert use["invariant"] > 0.999 and use["invariant"] >= use["unconstrained"]
    assert "invariant model (1 invariants" in capsys.readouterr().out
    assert main(["discover", "--data", str(path), "--target", "E", "--degree", "3",
                 "--out", str(out)]) == 2
    assert "--degree applies to --use" in capsys.readouterr().err


def test_cli_use_on_a_builtin_potential_classifies_the_levels(tmp_path, capsys):
    out = tmp_path / "higgs"
    assert main(["discover", "--potential", "higgs", "--per-class", "150", "--max-epochs",
                 "40", "--use", "--out", str(out), "--no-progress"]) == 0
    use = json.loads((out / "result.json").read_text())["invariant_model"]
    assert use["model"] == "InvariantClassifier" and use["metric"] == "accuracy"
    # the level class is a function of |x|^2, the one invariant of u(1) up to degree 2
    assert use["n_invariants"] == 1 and use["invariant"] >= 0.97
    assert use["invariant"] >= use["unconstrained"] - 0.01
    assert "invariant model (1 invariants" in capsys.readouterr().out
