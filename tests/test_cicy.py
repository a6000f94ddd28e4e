"""CICY threefolds on the real list: loader, exact Euler numbers, augmentation, features."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import numpy as np
import pytest

from symfast.cicy import (augment, contract_identity, euler, expand_identity, graph_features,
                          load, spectra)

DATA = Path(os.environ.get("SYMFAST_DATA", "/nonexistent")) / "cicy3"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="SYMFAST_DATA/cicy3 not available")


@pytest.fixture(scope="module")
def cicy_list():
    return load(DATA)


@needs_data
def test_list_facts(cicy_list):
    L = cicy_list
    assert len(L) == 7890 and L.ids[0] == 1 and L.ids[-1] == 7890
    assert L.is_product.sum() == 22 and set(L.ids[L.is_product]) == set(range(31, 53))
    quintic = L.matrices[-1]
    assert quintic.tolist() == [[5]] and L.h11[-1] == 1 and L.h21[-1] == 101
    assert np.bincount(L.h11).tolist()[:17] == [22, 5, 36, 155, 425, 856, 1257, 1463, 1328,
                                                1036, 648, 372, 161, 72, 22, 16, 1]
    assert max(q.shape[0] for q in L.matrices) == 12 and max(q.shape[1] for q in L.matrices) == 15


@needs_data
@pytest.mark.parametrize("name", ["cicy3o.json.gz", "cicy3f.json.gz"])
def test_json_forms_agree_on_hodge_numbers(cicy_list, name):
    J = load(DATA / name)
    assert np.array_equal(J.ids, cicy_list.ids)
    assert np.array_equal(J.h11, cicy_list.h11) and np.array_equal(J.h21, cicy_list.h21)


@needs_data
def test_euler_from_the_matrix_alone_matches_the_list(cicy_list):
    """The top Chern class against the list's Euler numbers, for all 7890 (products: 0)."""
    computed = np.array([euler(q) for q in cicy_list.matrices])
    assert np.array_equal(computed, cicy_list.euler)


@needs_data
def test_favourable_matrices_have_the_same_euler_numbers(cicy_list):
    F = load(DATA / "cicy3f.json.gz")
    differ = [i for i in range(len(F)) if F.matrices[i].shape != cicy_list.matrices[i].shape
              or not np.array_equal(F.matrices[i], cicy_list.matrices[i])]
    assert len(differ) == 2946
    for i in differ[::5]:
        assert euler(F.matrices[i]) == cicy_list.euler[i]


@needs_data
def test_augmentation_keeps_the_euler_number_over_the_whole_list(cicy_list):
    for i, q in enumerate(cicy_list.matrices):
        for a in augment(q, 2, seed=i, max_extra=2):
            assert euler(a) == cicy_list.euler[i], (i, a)


def test_quintic_identities():
    q = np.array([[5]])
    assert euler(q) == -200
    e = expand_identity(q, 0)              # P^5[1 5] = P^4[5]
    assert e.tolist() == [[5, 1]] and euler(e) == -200
    assert contract_identity(e).tolist() == [[5]]
    assert euler(np.array([[3], [3]])) == -162    # the bicubic in P^2 x P^2: 2 (2 - 83)


def test_augment_is_deterministic_and_bounded():
    q = np.array([[0, 2], [4, 1]])                   # P^1 x P^4, list entry 7888
    a = augment(q, 20, seed=3)
    b = augment(q, 20, seed=3)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert all(sum(x.shape) <= 27 for x in a)
    assert len({x.tobytes() + bytes(x.shape) for x in a}) > 5


@needs_data
def test_features_are_bit_identical_under_permutations(cicy_list):
    rng = np.random.default_rng(0)
    idx = rng.choice(len(cicy_list), 300, replace=False)
    base = graph_features([cicy_list.matrices[i] for i in idx])
    perm = [cicy_list.matrices[i][rng.permutation(cicy_list.matrices[i].shape[0])]
            [:, rng.permutation(cicy_list.matrices[i].shape[1])] for i in idx]
    assert base.dtype == np.float32 and base.shape == (300, 51)
    assert np.array_equal(graph_features(perm), base)


@needs_data
def test_spectra_match_eigvalsh_of_the_adjacency(cicy_list):
    mats = cicy_list.matrices[::10]
    sv = spectra(mats, n_threads=2)
    for q, s in zip(mats, sv):
        m, K = q.shape
        A = np.zeros((m + K, m + K))
        A[:m, m:] = q
        A[m:, :m] = q.T
        ev = np.linalg.eigvalsh(A)
        top = np.sort(ev)[::-1][:min(m, K)]
        assert np.allclose(np.maximum(top, 0), s[:min(m, K)], atol=1e-9)
        # the rest of the adjacency spectrum is -sigma and zeros
        assert np.allclose(np.sort(ev)[:min(m, K)], -s[:min(m, K)], atol=1e-9)


# -- malformed files ----------------------------------------------------------------------------
GOOD = """Num    : 1
NumPs  : 1
NumPol : 1
Eta    : -200
H11    : 1
H21    : 101
C2     : {50}
Redun  : {0, 0, 0, 0, 0}
{5}
"""


@pytest.mark.parametrize("text, words", [
    (GOOD.replace("{5}", "{5, 1}"), "NumPol"),
    (GOOD.replace("{5}", "{x}"), "not an integer"),
    (GOOD.replace("H21    : 101\n", ""), "missing key"),
    (GOOD.replace("Eta    : -200", "Eta    : -202"), "Euler"),
    (GOOD.replace("{5}", "{-5}"), "negative"),
    (GOOD.replace("{5}", "{4}"), "threefold"),
    (GOOD + "\n" + GOOD, "appears twice"),
    (GOOD.replace("Redun", "Bogus"), "unknown key"),
    (GOOD.replace("NumPs  : 1\n", "NumPs  : 1\nNumPs  : 1\n"), "twice"),
])
def test_malformed_text_names_the_line(tmp_path, text, words):
    p = tmp_path / "list.txt"
    p.write_text(text)
    with pytest.raises(ValueError) as info:
        load(p)
    assert words in str(info.value) and "list.txt" in str(info.value)


def test_good_text_and_json_and_errors(tmp_path):
    p = tmp_path / "one.txt.gz"
    p.write_bytes(gzip.compress(GOOD.encode()))
    L = load(p)
    assert len(L) == 1 and L.euler[0] == -200
    j = tmp_path / "one.json"
    j.write_text(json.dumps({"1": {"h11": 1, "h21": 101, "matrix": [[5]]}}))
    assert load(j).matrices[0].tolist() == [[5]]
    j.write_text(json.dumps({"1": {"h11": 1, "h21": 101, "matrix": [[5], [1, 2]]}}))
    with pytest.raises(ValueError, match="different lengths"):
        load(j)
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.txt")
    with pytest.raises(ValueError, match="threefold"):
        euler(np.array([[3]]))
    with pytest.raises(ValueError, match="rows plus columns"):
        graph_features([np.ones((14, 14), dtype=int)])


@needs_data
@pytest.mark.slow
def test_cicy_cli_quick_subset(tmp_path):
    from symfast.cli import main

    out = tmp_path / "cicy"
    assert main(["cicy", "--quick", "--n-manifolds", "300", "--n-augment", "6",
                 "--max-epochs", "15", "--out", str(out), "--no-progress"]) == 0
    data = json.loads((out / "result.json").read_text())
    for key in ("fraction_manifolds_above_95", "test_accuracy", "train_accuracy"):
        assert key in data
    assert 0.0 <= data["fraction_manifolds_above_95"] <= 1.0
    assert set(data["train_accuracy"]) == {"h11", "h21"}
    assert data["train_accuracy"]["h11"] > 0.5
    assert set(data["fraction_manifolds_above_95_by_split"]) == {"train", "test"}
    # the default applies at most one hyperplane identity to a matrix
    assert data["config"]["max_extra"] == 1
    assert set(data["point_accuracy_by_identities"]) <= {"0", "1"}
    assert 0.0 <= data["distinct_inputs"]["fraction_manifolds_above_95"] <= 1.0
    assert 0.0 <= data["same_sets_of_exact_duplicates_only"] <= 1.0
    assert not list(out.glob("partial.*"))          # the training checkpoint is cleaned up
    # the 22 product manifolds with placeholder Hodge numbers (0, 0) are left out
    assert data["placeholders"] == {"in_list": 22, "excluded": 22, "used": 0}
    assert data["config"]["keep_placeholders"] is False
    for name in ("distance_curves.png", "manifold_accuracy.png", "embedding_tsne.png",
                 "accuracy_by_identities.png"):
        assert (out / name).is_file()


@needs_data
def test_placeholder_manifolds_are_kept_only_on_request():
    from symfast.cicy import load
    from symfast.experiments.cicy import CicyConfig, run

    L = load()
    placeholder = np.flatnonzero(L.is_product & (L.h11 == 0) & (L.h21 == 0))
    assert placeholder.size == 22
    # all manifolds but a few, so that placeholders would be drawn if they were eligible
    cfg = CicyConfig.quick(n_manifolds=len(L) - 30, n_augment=2, max_epochs=1, k=5)
    res = run(cfg, progress=False)
    assert not np.isin(res.arrays["owner"], placeholder).any()
    assert res.placeholders["excluded"] == 22 and res.placeholders["used"] == 0
    kept = run(CicyConfig.quick(n_manifolds=None, n_augment=2, max_epochs=1, k=5,
                                keep_placeholders=True), progress=False)
    assert np.isin(placeholder, kept.arrays["owner"]).all()
    assert kept.placeholders["used"] == 22


def test_neighbour_analysis_on_an_embedding_worked_by_hand():
    from symfast.experiments.cicy_scoring import (copies_only, distinct_inputs, feature_ids,
                                                  fraction_above, manifold_means,
                                                  neighbor_accuracy)

    # manifold 0 and 2 are tight clusters; one copy of manifold 1 sits inside cluster 0
    E = np.array([[0, 0], [0, .1], [.1, 0],            # manifold 0
                  [10, 0], [10, .1], [.05, .05],       # manifold 1
                  [0, 10], [.1, 10], [0, 10.1]],       # manifold 2
                 dtype=np.float32)
    owner = np.repeat([0, 1, 2], 3)
    search = {"k": 8, "n_threads": 1}
    scored = np.ones(9, dtype=bool)
    scored[8] = False                                    # a misclassified point is not scored
    _, I, n_same, acc, _ = neighbor_accuracy(E, owner, scored, **search)
    # (0, 0): the stray copy and its two cluster mates precede the jump -> 2/3;
    # the stray copy sees only manifold 0 -> 0; (10, 0) and (10, .1) see each other -> 1
    assert n_same[:6].tolist() == [3, 3, 3, 1, 1, 3]
    np.testing.assert_allclose(acc[:8], [2 / 3, 2 / 3, 2 / 3, 1, 1, 0, 1, 1])
    assert np.isnan(acc[8])
    man = manifold_means(acc, owner, 4)
    np.testing.assert_allclose(man[:3], [2 / 3, 2 / 3, 1])
    assert np.isnan(man[3]) and fraction_above(man) == pytest.approx(1 / 3)

    # distinct inputs: rows 0 and 1 share their features (a permutation copy), and
    # manifold 3 has a single feature vector, so it cannot be scored there
    X = np.arange(22, dtype=np.float32).reshape(11, 2)
    X[1] = X[0]
    X[10] = X[9]
    E2 = np.concatenate([E, [[50, 50], [50, 50]]]).astype(np.float32)
    owner2 = np.concatenate([owner, [3, 3]])
    fid = feature_ids(X)
    assert fid[0] == fid[1] and fid[9] == fid[10] and np.unique(fid).size == 9
    # "same" sets of exact copies only: (10, 0) and (10, .1) see just each other, which
    # become copies once they share features; no other set is made of copies alone
    fid9 = np.arange(9)
    assert not copies_only(fid9, I, n_same).any()
    fid9[4] = fid9[3]
    fid9[1] = fid9[0]          # (0, 0) and (0, .1) are copies, but their sets hold others too
    assert np.flatnonzero(copies_only(fid9, I, n_same)).tolist() == [3, 4]
    d = distinct_inputs(fid, E2, owner2, np.ones(11, dtype=bool), **search)
    assert d["points"] == 8 and d["manifolds"] == 3 and d["manifolds_with_one_vector"] == 1
    assert 0.0 <= d["fraction_manifolds_above_95"] <= 1.0


def test_max_extra_option_reaches_the_config():
    from symfast.cli import build_parser
    from symfast.experiments.cicy import CicyConfig

    args = build_parser().parse_args(["cicy", "--quick", "--max-extra", "3"])
    assert args.max_extra == 3
    assert CicyConfig.quick(max_extra=args.max_extra).max_extra == 3
    assert CicyConfig.paper().max_extra == 1


def test_padded_matrix_features_and_the_features_option():
    from symfast.experiments.cicy import CicyConfig, padded_matrices

    a, b = np.array([[1, 2], [0, 1]]), np.array([[3, 0, 1]])
    P = padded_matrices([a, b])
    assert P.shape == (2, 6) and P.dtype == np.float32
    assert P[0].reshape(2, 3).tolist() == [[1, 2, 0], [0, 1, 0]]
    assert P[1].reshape(2, 3).tolist() == [[3, 0, 1], [0, 0, 0]]
    with pytest.raises(ValueError, match="features"):
        CicyConfig.quick(features="pixels").validate()
    with pytest.raises(ValueError, match="max_extra"):
        CicyConfig.quick(max_extra=-1).validate()
