"""Lie-algebra bookkeeping: orthonormal bases, structure constants, names, similarity."""

from __future__ import annotations

import numpy as np

from symfast._validation import check_array

#: Compact simple Lie algebras by dimension, under their so(n) name where one exists.
#: Dimension alone decides up to 45 except 21 (so(7) or sp(3)) and 36 (so(9) or sp(4)),
#: where the so(n) name is given.
_SIMPLE = {3: "so(3)", 8: "su(3)", 10: "so(5)", 14: "g2", 15: "so(6)", 21: "so(7)",
           24: "su(5)", 28: "so(8)", 35: "su(6)", 36: "so(9)", 45: "so(10)"}


def check_generators(G: np.ndarray, name: str = "generators") -> np.ndarray:
    """Validate a stack of square matrices, shape (k, d, d); a single (d, d) is promoted."""
    arr = check_array(G, name, dtype=np.float64)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1] != arr.shape[2]:
        raise ValueError(f"{name} must have shape (k, d, d), got {arr.shape}")
    return arr


def orthonormal_basis(G: np.ndarray, tol: float = 1e-10) -> np.ndarray:
    """An orthonormal basis (Frobenius inner product) of span(G): shape (rank, d, d)."""
    G = check_generators(G)
    k, d, _ = G.shape
    if k == 0:
        return np.zeros((0, d, d))
    U, s, Vt = np.linalg.svd(G.reshape(k, d * d), full_matrices=False)
    rank = int((s > tol * max(s.max(), 1e-300)).sum()) if s.size and s.max() > 0 else 0
    B = Vt[:rank]
    # Deterministic signs: the largest entry of each basis element is positive.
    signs = np.sign(B[np.arange(rank), np.argmax(np.abs(B), axis=1)])
    return (B * signs[:, None]).reshape(rank, d, d)


def structure_constants(G: np.ndarray) -> tuple[np.ndarray, float]:
    """f_abc with [T_a, T_b] = sum_c f_abc T_c, and the closure error.

    Returns
    -------
    f : ndarray of shape (k, k, k)
        Least-squares coefficients of each commutator in the basis T; for an
        orthonormal basis f_abc = <[T_a, T_b], T_c> (Frobenius).
    closure_error : float
        Largest ||[T_a, T_b] - sum_c f_abc T_c|| / (||T_a|| ||T_b||) over pairs
        (0 for a single generator): how far the span is from being closed under
        the bracket, relative to the size of the generators.
    """
    T = check_generators(G)
    k = T.shape[0]
    f = np.zeros((k, k, k))
    worst = 0.0
    flat = T.reshape(k, T.shape[1] * T.shape[2]).T
    for a in range(k):
        for b in range(a + 1, k):
            C = T[a] @ T[b] - T[b] @ T[a]
            coef = np.linalg.lstsq(flat, C.ravel(), rcond=None)[0]
            f[a, b], f[b, a] = coef, -coef
            scale = np.linalg.norm(T[a]) * np.linalg.norm(T[b])
            if scale > 0:
                worst = max(worst, np.linalg.norm(C - np.einsum("c,cij->ij", coef, T)) / scale)
    return f, float(worst)


def _null_space(A: np.ndarray, tol: float) -> np.ndarray:
    if A.size == 0:
        return np.eye(A.shape[1])
    _, s, Vt = np.linalg.svd(A)
    rank = int((s > tol).sum())
    return Vt[rank:].T


def identify_algebra(G: np.ndarray, tol: float = 0.1) -> str:
    """A readable name for the algebra spanned by G ("so(3)+u(1)", "so(4)", "trivial", ...).

    The algebra is split into its centre (one "u(1)" per dimension) and the
    simple ideals of its semisimple part, found as the eigenspaces of a
    generic element of the commutant of the adjoint action; each ideal is
    named by its dimension (which decides the compact simple algebra up to
    dimension 45, but for 21 and 36, reported as so(7) and so(9)).  so(3)+so(3) is reported as "so(4)", to which it is
    isomorphic.  An algebra that is not compact and reductive within ``tol``
    (a Killing form that is not negative semidefinite) is reported as
    "non-compact(dim=k)".

    Parameters
    ----------
    G : array_like of shape (k, d, d)
        Generators; they are orthonormalised first.
    tol : float, default=0.1
        Tolerance on structure constants (which are O(1) for an orthonormal
        basis), for data-derived generators that close only approximately.
    """
    T = orthonormal_basis(G)
    k = T.shape[0]
    if k == 0:
        return "trivial"
    f, _ = structure_constants(T)
    ad = np.transpose(f, (0, 2, 1))          # ad[a] @ e_b = sum_c f_abc e_c
    # centre: X with [X, T_b] = 0 for all b
    A = f.transpose(1, 2, 0).reshape(k * k, k)   # A[(b, c), a] = f_abc
    center = _null_space(A, tol)
    z = center.shape[1]
    killing = np.einsum("aij,bji->ab", ad, ad)
    w = np.linalg.eigvalsh(killing)
    if w.max() > tol * max(1.0, np.abs(w).max()):
        return f"non-compact(dim={k})"
    # semisimple part: the range of the Killing form
    wk, Vk = np.linalg.eigh(killing)
    S = Vk[:, np.abs(wk) > tol * max(1.0, np.abs(wk).max()) * 0.1]
    s = S.shape[1]
    if z + s != k:
        return f"non-reductive(dim={k})"
    names: list[tuple[int, str]] = []
    if s:
        # ad of the orthonormal basis of S, restricted to S
        adS = np.einsum("ip,aij,jq->apq", S, np.einsum("ap,aij->pij", S, ad), S)
        ideals = _simple_ideals(adS, tol)
        dims = [m.shape[1] for m in ideals]
        for basis in ideals:
            n = basis.shape[1]
            names.append((n, _SIMPLE.get(n, f"simple(dim={n})")))
        n_so3 = sum(1 for _, nm in names if nm == "so(3)")
        if n_so3 >= 2 and dims:
            # so(3)+so(3) = so(4); pair them up
            rest = [x for x in names if x[1] != "so(3)"]
            pairs, single = divmod(n_so3, 2)
            names = rest + [(6, "so(4)")] * pairs + [(3, "so(3)")] * single
    names.sort(key=lambda t: -t[0])
    parts = [nm for _, nm in names] + ["u(1)"] * z
    return "+".join(parts)


def _simple_ideals(adS: np.ndarray, tol: float) -> list[np.ndarray]:
    """Orthonormal bases of the simple ideals of a compact semisimple algebra.

    adS[a] is ad(T_a) in an orthonormal basis; the adjoint action preserves each
    simple ideal, and the symmetric matrices commuting with every ad(T_a) are
    the combinations of the projectors onto the ideals, so the eigenspaces of
    a random such matrix are the ideals.
    """
    s = adS.shape[1]
    eye = np.eye(s)
    rows = [np.kron(a, eye) - np.kron(eye, a.T) for a in adS]
    N = _null_space(np.concatenate(rows), tol)
    rng = np.random.default_rng(1)
    C = (N @ rng.normal(size=N.shape[1])).reshape(s, s)
    C = 0.5 * (C + C.T)
    w, V = np.linalg.eigh(C)
    spread = max(np.ptp(w), 1e-12)
    groups, start = [], 0
    for i in range(1, s + 1):
        if i == s or w[i] - w[i - 1] > 0.05 * spread:
            groups.append(V[:, start:i])
            start = i
    return groups


def algebra_similarity(A: np.ndarray, B: np.ndarray) -> float:
    """Basis-independent similarity of two sets of generators, in [0, 1].

    The mean squared cosine of the principal angles between span(A) and
    span(B) (Frobenius inner product), averaged over max(dim A, dim B) so
    that a missing or extra generator lowers it: 1 for the same algebra, 0
    for orthogonal ones.  Two empty sets count as the same (1.0).

    Parameters
    ----------
    A, B : array_like of shape (k, d, d) and (m, d, d)
    """
    QA, QB = orthonormal_basis(A), orthonormal_basis(B)
    if QA.shape[1:] != QB.shape[1:]:
        raise ValueError(f"A and B must act on the same space, got shapes {QA.shape} "
                         f"and {QB.shape}")
    ka, kb = QA.shape[0], QB.shape[0]
    if ka == 0 and kb == 0:
        return 1.0
    if ka == 0 or kb == 0:
        return 0.0
    cos = np.linalg.svd(QA.reshape(ka, -1) @ QB.reshape(kb, -1).T, compute_uv=False)
    return float(np.sum(np.clip(cos, 0.0, 1.0) ** 2) / max(ka, kb))
