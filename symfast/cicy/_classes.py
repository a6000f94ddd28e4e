"""Which configuration matrices are one manifold: classes of exact invariants.

Two configurations get the same class when they agree on h11, h21 and on
(c2 . J_r, d_rst) up to one simultaneous permutation of the rows r (the
projective factors).  The canonical form is found by colour refinement on the
symmetric tensor d and the vector c2, then individualisation of one row of the
first ambiguous cell and refinement again, branching over the cell's rows and
keeping the lexicographically smallest (c2, d) (as graph-canonisation programs
do).  A cell whose rows are pairwise interchangeable (each swap preserves d and
c2) needs no branching: every order gives the same form.

What this settles and what not: by Wall's theorem, for simply connected
threefolds with torsion-free cohomology, equal h11, h21, d and c2 in *some* basis
of H^2(X, Z) mean the same manifold up to diffeomorphism.  The classes here compare
the J_r basis up to permutations only: for a favourable configuration (h11 = m, the
J_r span H^2) two entries in one class are diffeomorphic; two entries in different
classes may still be one manifold related by a basis change beyond permutations.
For a non-favourable one (h11 > m) the J_r miss part of H^2, so equal invariants
of the J_r are necessary, not sufficient.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

#: Leaves a canonisation may visit before giving up on one matrix.
MAX_LEAVES = 50_000


def _refine(d: np.ndarray, c2: np.ndarray, colors: np.ndarray) -> np.ndarray:
    """Stable colour refinement: a row's new colour is its colour, its c2 and the
    multiset of (colour s, colour t, d_rst) over all s, t; returns canonical ranks."""
    m = len(c2)
    n_colors = len(set(colors.tolist()))
    while True:
        cs = np.broadcast_to(colors[:, None], (m, m)).ravel()
        ct = np.broadcast_to(colors[None, :], (m, m)).ravel()
        sig = []
        for r in range(m):
            triples = np.stack([cs, ct, d[r].ravel()], axis=1)
            triples = triples[np.lexsort(triples.T[::-1])]
            sig.append((int(colors[r]), int(c2[r]), triples.tobytes()))
        ranks = {sg: i for i, sg in enumerate(sorted(set(sig)))}
        colors = np.array([ranks[sg] for sg in sig], dtype=np.int64)
        if len(ranks) == n_colors:
            return colors
        n_colors = len(ranks)


def _ambiguous_cells(colors: np.ndarray) -> list[list[int]]:
    """The cells (rows of one colour) with more than one row, in colour order."""
    cells: dict[int, list[int]] = {}
    for r, c in enumerate(colors.tolist()):
        cells.setdefault(c, []).append(r)
    return [cells[c] for c in sorted(cells) if len(cells[c]) > 1]


def _twins(d: np.ndarray, c2: np.ndarray, cell: list[int]) -> bool:
    """Whether every swap of two rows of ``cell`` preserves d and c2."""
    a = cell[0]
    for b in cell[1:]:
        p = np.arange(len(c2))
        p[[a, b]] = p[[b, a]]
        if c2[a] != c2[b] or not np.array_equal(d[np.ix_(p, p, p)], d):
            return False
    return True


def canonical_form(d: np.ndarray, c2: np.ndarray) -> tuple[np.ndarray, tuple]:
    """The canonical row order of (d, c2) under simultaneous permutations.

    Parameters
    ----------
    d : ndarray of shape (m, m, m), int
    c2 : ndarray of shape (m,), int

    Returns
    -------
    perm : ndarray of shape (m,), int64
        Rows in canonical order: ``c2[perm]``, ``d[perm][:, perm][:, :, perm]``.
    key : tuple
        (m, c2 in canonical order, d in canonical order, flattened): equal keys if
        and only if the two are related by a row permutation.

    Raises
    ------
    RuntimeError
        When the search passes ``MAX_LEAVES`` leaves (no such case in the CICY list).
    """
    d = np.asarray(d, dtype=np.int64)
    c2 = np.asarray(c2, dtype=np.int64)
    m = len(c2)
    best: list[Any] = [None, None]
    leaves = [0]

    def search(colors: np.ndarray) -> None:
        colors = _refine(d, c2, colors)
        ambiguous = _ambiguous_cells(colors)
        while ambiguous and _twins(d, c2, ambiguous[0]):
            # interchangeable rows: split the cell in index order, any order is the same
            colors = colors * (m + 1)
            for k, r in enumerate(ambiguous[0]):
                colors[r] += k
            colors = _refine(d, c2, colors)
            ambiguous = _ambiguous_cells(colors)
        if not ambiguous:
            leaves[0] += 1
            if leaves[0] > MAX_LEAVES:
                raise RuntimeError(f"canonical_form: more than {MAX_LEAVES} leaves")
            perm = np.argsort(colors, kind="stable")
            key = (m, tuple(c2[perm].tolist()),
                   tuple(d[np.ix_(perm, perm, perm)].ravel().tolist()))
            if best[1] is None or key < best[1]:
                best[0], best[1] = perm, key
            return
        for r in ambiguous[0]:
            c = colors * 2 + 1
            c[r] -= 1                         # r first within its cell
            search(c)

    search(np.zeros(m, dtype=np.int64))
    return best[0].astype(np.int64), best[1]


@dataclass
class EquivalenceClasses:
    """Classes of exact invariants over a list of configurations.

    Attributes
    ----------
    labels : ndarray of shape (n,), int64
        Class of each entry, numbered by first appearance.
    keys : list of tuple
        (h11, h21, m, c2, d) canonical key of each class.
    sizes : ndarray of shape (n_classes,), int64
    """

    labels: np.ndarray
    keys: list[tuple] = field(repr=False)
    sizes: np.ndarray

    @property
    def n_classes(self) -> int:
        return int(self.sizes.size)


def class_table(cicy_list: Any, *, matrices: Sequence[np.ndarray] | None = None,
                n_threads: int | None = None) -> EquivalenceClasses:
    """Classes of exact invariants with their keys and sizes (what
    :func:`equivalence_classes` returns the labels of).

    Parameters
    ----------
    cicy_list : CICYList
        Its h11 and h21, and its matrices unless ``matrices`` is given.
    matrices : sequence of array_like, optional
        Other configuration matrices of the same manifolds (the favourable list's),
        in the list's order.
    n_threads : int, optional

    Returns
    -------
    EquivalenceClasses
        ``labels`` (n,), ``keys`` and ``sizes`` (n_classes,).
    """
    from symfast.cicy._invariants import invariants

    mats = list(cicy_list.matrices if matrices is None else matrices)
    if len(mats) != len(cicy_list):
        raise ValueError(f"matrices must hold one matrix per list entry ({len(cicy_list)}), "
                         f"got {len(mats)}")
    inv = invariants(mats, n_threads=n_threads)
    index: dict[tuple, int] = {}
    labels = np.empty(len(mats), dtype=np.int64)
    keys: list[tuple] = []
    for i, (d, c) in enumerate(zip(inv.d, inv.c2)):
        _, key = canonical_form(d, c)
        full = (int(cicy_list.h11[i]), int(cicy_list.h21[i]), *key)
        if full not in index:
            index[full] = len(keys)
            keys.append(full)
        labels[i] = index[full]
    return EquivalenceClasses(labels=labels, keys=keys,
                              sizes=np.bincount(labels, minlength=len(keys)))


def equivalence_classes(cicy_list: Any, *, matrices: Sequence[np.ndarray] | None = None,
                        n_threads: int | None = None) -> np.ndarray:
    """Group a CICY list by exact invariants: h11, h21 and canonical (c2, d).

    Two entries share a label when their h11, h21, c2 . J_r and d_rst agree up to one
    simultaneous permutation of the rows (see :func:`canonical_form`); no other change
    of basis is tried.  :func:`class_table` gives the keys and sizes as well.

    Parameters
    ----------
    cicy_list, matrices, n_threads
        As for :func:`class_table`.

    Returns
    -------
    labels : ndarray of shape (n,), int64
        Class of each entry, numbered by first appearance.
    """
    return class_table(cicy_list, matrices=matrices, n_threads=n_threads).labels


def topology_report(data: str | None = None, *, n_threads: int | None = None
                    ) -> dict[str, Any]:
    """The classes of the CICY list by exact invariants, as ``symfast cicy --topology``
    writes them to ``topology.json``.

    Classes are computed twice: from the original configuration matrices, and from the
    favourable list's (``cicy3f.json.gz``, where h11 equals the number of rows for 7820
    of the 7890 manifolds, so the J_r span H^2 and equal invariants settle the class by
    Wall's theorem).  Pairs the original ``.m`` file marks as redundant (the ``redun``
    field of ``cicy3o.json.gz``) are checked against both.

    Parameters
    ----------
    data : str, optional
        The CICY directory (default ``$SYMFAST_DATA/cicy3``).
    n_threads : int, optional
    """
    import gzip
    import json
    import time
    from pathlib import Path

    from symfast._config import data_dir
    from symfast.cicy._invariants import invariants
    from symfast.cicy._load import load

    root = Path(data) if data is not None else data_dir() / "cicy3"
    t0 = time.perf_counter()
    L = load(root)
    fav_file = root / "cicy3f.json.gz"
    F = load(fav_file) if fav_file.is_file() else None
    t_inv = time.perf_counter()
    inv = invariants(L.matrices, n_threads=n_threads)
    t_inv = time.perf_counter() - t_inv
    pairs: list[tuple[int, int]] = []
    raw_file = root / "cicy3o.json.gz"
    if raw_file.is_file():
        raw = json.loads(gzip.open(raw_file).read())
        pairs = [(int(k) - 1, j - 1) for k, v in raw.items() for j in v.get("redun", [])
                 if j <= len(L) and int(k) < j]
    out: dict[str, Any] = {
        "entries": len(L),
        "canonicalised": "h11, h21, c2 . J_r and d_rst of the ambient hyperplane classes "
                         "J_r, up to one simultaneous permutation of the rows (the "
                         "projective factors); no other change of basis",
        "favourable_original": int(sum(L.h11[i] == L.matrices[i].shape[0]
                                       for i in range(len(L)))),
        "seconds_invariants": t_inv,
        "euler_agrees": bool(np.array_equal(inv.euler, L.euler)),
    }
    for name, mats in (("original", L.matrices), ("favourable", F.matrices if F else None)):
        if mats is None:
            continue
        E = class_table(L, matrices=mats, n_threads=n_threads)
        multi = np.flatnonzero(E.sizes > 1)
        out[name] = {
            "classes": E.n_classes,
            "classes_with_several_entries": int(multi.size),
            "entries_in_those": int(E.sizes[multi].sum()),
            "largest": sorted(({"size": int(E.sizes[c]), "h11": E.keys[c][0],
                                "h21": E.keys[c][1],
                                "ids": [int(L.ids[i]) for i in np.flatnonzero(E.labels == c)]}
                               for c in multi), key=lambda r: -r["size"])[:20],
            "known_redundant_pairs": len(pairs),
            "known_redundant_pairs_in_one_class": int(sum(E.labels[a] == E.labels[b]
                                                         for a, b in pairs)),
            "labels": E.labels.tolist(),
            "sizes": E.sizes.tolist(),
        }
        if name == "favourable":
            out[name]["favourable_entries"] = int(sum(F.h11[i] == F.matrices[i].shape[0]
                                                      for i in range(len(F))))
    out["seconds"] = time.perf_counter() - t0
    return out
