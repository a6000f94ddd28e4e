"""Lie-algebra bookkeeping: orthonormal bases, structure constants, names, similarity."""

from __future__ import annotations

import numpy as np

from symfast._validation import check_array

def check_generators(G: np.ndarray, name: str = "generators") -> np.ndarray:
    """Validate a stack of square matrices, shape (k, d, d); a single (d, d) is promoted."""
    arr = check_array(G, name, dtype=np.float64)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1] != arr.shape[2]:
        raise ValueError(f"{name} must have shape (k, d, d), got {arr.shape}")
    return arr


def affine_matrices(generators: np.ndarray, translations: np.ndarray) -> np.ndarray:
    """Stack fields x -> T x + b as (d+1) x (d+1) matrices [[T, b], [0, 0]].

    Parameters
    ----------
    generators : ndarray of shape (k, d, d)
    translations : ndarray of shape (k, d)

    Returns
    -------
    ndarray of shape (k, d + 1, d + 1)
        The matrix commutator of two such matrices is (minus) the Lie bracket
        of the vector fields, so the algebra is the same.
    """
    G = np.asarray(generators, dtype=np.float64)
    k, d = G.shape[0], G.shape[1]
    A = np.zeros((k, d + 1, d + 1))
    A[:, :d, :d] = G
    A[:, :d, d] = np.asarray(translations, dtype=np.float64).reshape(k, d)
    return A


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


def identify_algebra(G: np.ndarray, tol: float = 0.1,
                     translations: np.ndarray | None = None) -> str:
    """A name for the algebra spanned by G read off its structure ("so(3)+u(1)", "sl(2,R)", ...).

    A thin wrapper over :func:`symfast.symmetry.describe_algebra` (Levi
    decomposition, simple ideals named as real forms by rank and the signature
    of the Killing form, the radical as u(1) / r / semidirect parts).

    Parameters
    ----------
    G : array_like of shape (k, d, d)
        Linear parts of the generators.
    tol : float, default=0.1
        Relative tolerance on structure constants, for data-derived generators
        that close only approximately.
    translations : array_like of shape (k, d), optional
        Translation parts b of affine generators x -> T x + b.
    """
    from symfast.symmetry._algebra._realforms import describe_algebra

    return describe_algebra(G, translations, tol=tol).name


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
