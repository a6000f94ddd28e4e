"""The whole pipeline through `symfast discover`, and the rotated-MNIST study."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import numpy as np
import pytest

from symfast.cli import main
from symfast.images import load_images, load_mnist, pca_reduce, read_idx, rotation_orbit


@pytest.mark.slow
def test_discover_higgs_end_to_end(tmp_path):
    out = tmp_path / "higgs"
    assert main(["discover", "--potential", "higgs", "--quick", "--out", str(out),
                 "--no-progress"]) == 0
    data = json.loads((out / "result.json").read_text())
    assert data["algebra"] == "u(1)" and data["n_generators"] == 1
    assert data["similarity"] >= 0.95
    assert data["truth"]["algebra"] == "u(1)"
    for name in ("generators.png", "spectrum.png", "embedding_tsne.png", "samples.npz"):
        assert (out / name).is_file(), name
    T = np.asarray(data["generators"][0])
    assert np.allclose(T, -T.T, atol=0.05)
    # the component group, with its half-cloud re-draws as on a user's data
    disc = data["discrete_group"]
    assert disc["name"] == "Z2" and disc["details"]["stability"] is not None
    assert disc["stability"] == disc["details"]["stability"]
    assert disc["details"]["diagnostics"]["stability"]["draws"] == 4


@pytest.mark.slow
def test_discover_negative_control_reports_null_similarity_sense(tmp_path):
    out = tmp_path / "z4"
    assert main(["discover", "--potential", "z4", "--quick", "--out", str(out),
                 "--no-progress", "--per-class", "600"]) == 0
    data = json.loads((out / "result.json").read_text())
    assert data["n_generators"] == 0 and data["algebra"] == "trivial"
    assert data["symmetry"]["reason"]


# -- images ------------------------------------------------------------------------------------
def _write_idx(path: Path, arr: np.ndarray, *, gz: bool = True, bad_size: bool = False) -> None:
    header = bytes([0, 0, 8, arr.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in arr.shape)
    body = arr.astype(np.uint8).tobytes()
    if bad_size:
        body = body[:-1]
    data = header + body
    if gz:
        with gzip.open(path, "wb") as fh:
            fh.write(data)
    else:
        path.write_bytes(data)


def test_idx_round_trip_and_errors(tmp_path):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, size=(5, 28, 28))
    _write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", imgs)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.arange(5))
    X, y = load_mnist(tmp_path)
    assert np.array_equal(X, imgs) and np.array_equal(y, np.arange(5))
    _write_idx(tmp_path / "bad.idx", imgs, gz=False, bad_size=True)
    with pytest.raises(ValueError, match="bad.idx"):
        read_idx(tmp_path / "bad.idx")
    (tmp_path / "junk.idx").write_bytes(b"\x01\x02\x03\x04rest")
    with pytest.raises(ValueError, match="not an IDX"):
        read_idx(tmp_path / "junk.idx")
    with pytest.raises(FileNotFoundError):
        load_mnist(tmp_path / "nowhere")


@pytest.mark.skipif(not (Path(os.environ.get("SYMFAST_DATA", "/nonexistent")) / "mnist").is_dir(),
                    reason="SYMFAST_DATA/mnist not available")
def test_real_mnist_loads():
    X, y = load_mnist()
    assert X.shape == (10000, 28, 28) and X.dtype == np.uint8
    assert np.array_equal(np.bincount(y), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974,
                                           1009])


def test_rotation_orbit_is_a_closed_curve():
    imgs, _, source = load_images()
    if source != "mnist":
        # 8x8 digits turned in 10-degree steps jump between pixels: not a smooth curve
        pytest.skip("SYMFAST_DATA/mnist not available (the 8x8 fallback is too coarse)")
    orbit = rotation_orbit(imgs[0], 36)
    assert orbit.shape == (36, imgs[0].size)
    assert np.allclose(orbit[0], imgs[0].ravel() / 255.0)
    Z, comps, evr = pca_reduce(orbit, 3)
    assert Z.shape == (36, 3) and comps.shape == (3, imgs[0].size)
    steps = np.linalg.norm(np.diff(np.vstack([Z, Z[:1]]), axis=0), axis=1)
    assert steps.max() < 0.5 * np.linalg.norm(Z, axis=1).max()   # neighbours stay close


@pytest.mark.slow
def test_mnist_dominant_generator_is_antisymmetric(tmp_path):
    out = tmp_path / "mnist"
    assert main(["mnist", "--quick", "--n-digits", "8", "--n-angles", "72", "--out", str(out),
                 "--no-progress"]) == 0
    data = json.loads((out / "result.json").read_text())
    assert data["antisymmetry"] > 0.85
    assert data["dominant_explained_variance"] > data["second_explained_variance"]
    assert (out / "orbits_generators.png").is_file()


def test_mnist_paper_refuses_to_substitute_missing_data(tmp_path, monkeypatch, capsys):
    from symfast.experiments.mnist import MnistConfig, run

    monkeypatch.setenv("SYMFAST_DATA", str(tmp_path))          # no mnist/ there
    with pytest.raises(FileNotFoundError, match="t10k-images.*SYMFAST_DATA"):
        run(MnistConfig.paper(n_digits=2, n_angles=12), progress=False)
    # quick falls back, and says so in result.json and on the console
    out = tmp_path / "quick"
    assert main(["mnist", "--quick", "--n-digits", "2", "--n-angles", "12", "--out", str(out),
                 "--no-progress"]) == 0
    assert json.loads((out / "result.json").read_text())["source"] == "sklearn-digits-8x8"
    assert "MNIST was not found" in capsys.readouterr().out
    assert main(["mnist", "--paper", "--n-digits", "2", "--out", str(tmp_path / "p")]) == 2
    assert "t10k-images" in capsys.readouterr().err
