"""Exact CICY invariants (d_rst, c2 . J_r, Euler) and classes of configurations.

References: worked examples (the quintic; the bicubic in P2 x P2) and the c2 column of
the Erbin-Finotello list for all 7890 manifolds, an independent computation.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import numpy as np
import pytest

from symfast.cicy import (augment, c2, canonical_form, class_table, equivalence_classes, euler,
                          intersection_numbers, invariants, load)

DATA = Path(os.environ.get("SYMFAST_DATA", "/nonexistent")) / "cicy3"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="SYMFAST_DATA/cicy3 not available")


def test_worked_examples():
    assert intersection_numbers([[5]]).tolist() == [[[5]]]
    d = intersection_numbers([[3], [3]])            # bicubic in P2 x P2
    assert d[0, 0, 1] == d[0, 1, 1] == 3 and d[0, 0, 0] == d[1, 1, 1] == 0
    assert np.array_equal(d, d.transpose(1, 0, 2)) and np.array_equal(d, d.transpose(2, 1, 0))
    assert [c.tolist() for c in c2([[[5]], [[3], [3]]])] == [[50], [36, 36]]
    inv = invariants([[[5]], [[3], [3]], [[4], [2]], [[2], [2], [2], [2]]])
    assert inv.euler.tolist() == [-200, -162, euler([[4], [2]]), -128]


def test_bad_matrices_are_refused():
    with pytest.raises(ValueError, match=r"matrices\[1\].*needs 3"):
        invariants([[[5]], [[4]]])
    with pytest.raises(ValueError, match="non-negative integers"):
        c2([[[5.5]]])


@needs_data
def test_c2_and_euler_agree_with_the_list_for_all_7890():
    raw = json.load(gzip.open(DATA / "cicy3o.json.gz"))
    keys = sorted(raw, key=int)
    inv = invariants([np.array(raw[k]["matrix"]) for k in keys])
    assert [c.tolist() for c in inv.c2] == [raw[k]["c2"] for k in keys]
    assert inv.euler.tolist() == [raw[k]["euler"] for k in keys]
    assert inv.euler.tolist() == [2 * (raw[k]["h11"] - raw[k]["h21"]) for k in keys]


@needs_data
def test_augmentations_keep_the_invariants_up_to_relabelling():
    L = load(DATA)
    for i in range(0, len(L), 40):
        d0, c0 = invariants([L.matrices[i]]).d[0], invariants([L.matrices[i]]).c2[0]
        key = canonical_form(d0, c0)[1]
        for a in augment(L.matrices[i], 4, seed=i, max_extra=2):
            inv = invariants([a])
            assert canonical_form(inv.d[0], inv.c2[0])[1] == key, (i, a)


def test_canonical_form_sees_through_permutations_only():
    rng = np.random.default_rng(0)
    mats = [np.array([[1, 3], [3, 0]]), np.array([[3], [3]]), np.array([[4], [2]]),
            np.array([[2], [2], [2], [2]]), np.array([[1, 1], [3, 0], [0, 3]])]
    inv = invariants(mats)
    for d, c in zip(inv.d, inv.c2):
        perm, key = canonical_form(d, c)
        p = rng.permutation(len(c))
        assert canonical_form(d[np.ix_(p, p, p)], c[p])[1] == key
        assert np.array_equal(c[perm], np.array(key[1]))
    keys = {canonical_form(d, c)[1] for d, c in zip(inv.d, inv.c2)}
    assert len(keys) == len(mats)                       # different manifolds stay apart


@needs_data
def test_classes_of_the_list_and_the_known_redundancies():
    L = load(DATA)
    labels = equivalence_classes(L)                     # the contract: labels
    E = class_table(L)
    assert isinstance(labels, np.ndarray) and labels.shape == (7890,)
    assert np.array_equal(labels, E.labels)
    assert len(E.labels) == 7890 and E.sizes.sum() == 7890
    raw = json.load(gzip.open(DATA / "cicy3o.json.gz"))
    pairs = [(int(k) - 1, j - 1) for k, v in raw.items() for j in v["redun"] if j <= 7890]
    same = sum(E.labels[a] == E.labels[b] for a, b in pairs)
    # every class agrees on h11, h21 and the Euler number
    for c in np.flatnonzero(E.sizes > 1):
        members = np.flatnonzero(E.labels == c)
        assert len(set(L.h11[members])) == len(set(L.h21[members])) == 1
    assert same >= 0.95 * len(pairs)


@needs_data
def test_cli_topology_writes_classes(tmp_path):
    from symfast.cli import main

    out = tmp_path / "topo"
    assert main(["cicy", "--topology", "--data", str(DATA), "--out", str(out)]) == 0
    r = json.loads((out / "topology.json").read_text())
    assert (out / "topology.png").is_file() and r["euler_agrees"]
    for name in ("original", "favourable"):
        assert sum(r[name]["sizes"]) == 7890 and len(r[name]["labels"]) == 7890
        assert r[name]["classes"] == len(r[name]["sizes"])
        assert r[name]["known_redundant_pairs_in_one_class"] <= r[name]["known_redundant_pairs"]
    # the favourable matrices can only merge what the original ones already merged
    orig, fav = np.array(r["original"]["labels"]), np.array(r["favourable"]["labels"])
    for c in np.unique(orig):
        assert len(set(fav[orig == c])) == 1


@needs_data
def test_identifier_study_splits_by_class_and_is_seeded(tmp_path):
    from symfast.cli import main
    from symfast.experiments.identifier import IdentifierConfig, run

    cfg = IdentifierConfig.quick(data=str(DATA), n_manifolds=120, n_augment=3, steps=20)
    a, b = run(cfg, progress=False), run(cfg, progress=False)
    assert a.held_out == b.held_out and a.losses == b.losses
    assert a.held_out["classes"] + a.training_classes["classes"] <= 120
    assert 0.0 <= a.held_out["fraction_above_95"] <= 1.0
    c = run(IdentifierConfig.quick(data=str(DATA), n_manifolds=120, n_augment=3, steps=20,
                                   seed=1), progress=False)
    assert c.losses != a.losses
    out = tmp_path / "ident"
    assert main(["identifier", "--data", str(DATA), "--n-manifolds", "60", "--steps", "5",
                 "--out", str(out), "--no-progress"]) == 0
    r = json.loads((out / "result.json").read_text())
    assert r["target"] == 0.9 and (out / "loss.png").is_file()


@pytest.mark.parametrize("messages", ["scalar", "vector", "gine"])
def test_identifier_encoder_packed_nodes_equal_the_padded_form(messages):
    """The encoder runs on the real rows and columns only; the padded form (every padded
    node masked to zero, tests/reference.py) is the same function, with the same gradient,
    for each message form."""
    import torch

    from reference import identifier_padded_forward
    from symfast.cicy import pad_matrices
    from symfast.nn._bipartite import ContrastiveNetwork

    rng = np.random.default_rng(3)
    mats = [np.array([[5]]), np.array([[3], [3]]).T, np.array([[2, 0], [1, 3], [0, 4]]),
            np.array([[1, 1, 0, 1], [0, 2, 9, 1]])]            # 9: past MAX_ENTRY
    mats += [augment(np.array([[1, 1], [3, 0], [0, 3]]), 1, seed=s, max_extra=1)[0]
             for s in range(4)]
    mats += [rng.integers(0, 3, size=(rng.integers(1, 6), rng.integers(1, 7))) + np.eye(
        1, dtype=np.int64) for _ in range(6)]
    mats = [m[(m.sum(1) > 0)][:, m[(m.sum(1) > 0)].sum(0) > 0] for m in mats]
    Q = torch.as_tensor(pad_matrices(mats))
    torch.manual_seed(0)
    net = ContrastiveNetwork(16, 2, messages)
    z = net(Q)
    ref = identifier_padded_forward(net, Q)
    np.testing.assert_allclose(z.detach().numpy(), ref.detach().numpy(), atol=1e-5)
    g1 = torch.autograd.grad((z * torch.arange(16.0)).sum(), list(net.parameters()))
    g2 = torch.autograd.grad((ref * torch.arange(16.0)).sum(), list(net.parameters()))
    for a, b in zip(g1, g2):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-4)
