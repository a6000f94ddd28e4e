"""Generators that act as one matrix on every block of coordinates: x -> (I_N ⊗ T) x.

Data made of N objects of the same kind (the four-momenta of a jet's constituents, the
positions of N particles) carry a group that acts on every object at once: a Lorentz
transformation boosts every constituent by the same matrix.  Searching all of gl(N b)
for such a field wastes the data on (N b)² unknowns and admits fields that mix the
objects; the tied search has b² unknowns.

The condition is the gradient route's (:func:`symfast.find_generators` with ``normals``):
a field v(x) = ((T p_1), ..., (T p_N)) is a symmetry when it is tangent to the level sets,
g(x) . v(x) = Σ_k g_k^T T p_k = <T, Σ_k g_k p_k^T>_F = 0 at every point, with g the
normal.  The residual of a field is the RMS of g . v / norm(g) over the RMS of norm(v): the sine
of the angle between the field and the tangent spaces, which a small field cannot make
small.  It comes out of a generalised eigenproblem of two b² x b² matrices, so
the data's size enters only through one pass over the points.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from symfast._validation import check_array, check_float, check_int
from symfast.symmetry._continuous._result import SymmetryResult

#: The smallest ratio of consecutive residuals read as the gap after the last generator:
#: exact and 5 %-noisy Lorentz invariants give 10 and more (tests), top-tagging networks
#: 1.5-1.8 (no count to read).
MIN_GAP = 3.0


def tied_representation(T: np.ndarray, n_blocks: int) -> np.ndarray:
    """The matrices I_N ⊗ T acting on N blocks at once: (k, b, b) -> (k, N b, N b)."""
    T = np.asarray(T, dtype=np.float64)
    one = T.ndim == 2
    T = T[None] if one else T
    out = np.einsum("ij,kab->kiajb", np.eye(int(n_blocks)), T).reshape(
        T.shape[0], n_blocks * T.shape[1], n_blocks * T.shape[2])
    return out[0] if one else out


def _tied_forms(P: np.ndarray, G: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two quadratic forms on flattened b x b fields T (row-major): the mean squared
    normal component, t^T A t, and the mean squared size of the field, t^T B t.

    P (n, N, b) blocks of the points, G (n, N, b) the unit normals' blocks.
    """
    n, _, b = P.shape
    M = np.einsum("nka,nkb->nab", G, P).reshape(n, b * b)   # g . (T p) = <T, M>
    # sum_x |v|^2 = sum_x sum_k |T p_k|^2 = <T, T C> with C = sum p p^T: I_b ⊗ C
    C = np.einsum("nka,nkb->ab", P, P) / n
    return M.T @ M / n, np.kron(np.eye(b), C)


def _unit_blocks(X: np.ndarray, normals: np.ndarray, block: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Points and unit normals as blocks (n, N, block); points whose normal is zero are
    left out (the function does not vary there)."""
    norm = np.linalg.norm(normals, axis=1)
    ok = norm > 1e-12 * max(float(norm.max(initial=0.0)), 1e-300)
    if not np.any(ok):
        raise ValueError("normals are all zero: the function does not vary on the data")
    nb = X.shape[1] // block
    return (X[ok].reshape(-1, nb, block),
            (normals[ok] / norm[ok, None]).reshape(-1, nb, block))


def tied_residuals(X: np.ndarray, normals: np.ndarray, T: np.ndarray, block: int
                   ) -> np.ndarray:
    """The residual of each tied field x -> (I_N ⊗ T) x on the points ``X``: the RMS of its
    component along the unit normals over the RMS of its size (the values of
    :func:`find_tied_generators`'s spectrum, for fields chosen by the caller).

    Parameters
    ----------
    X, normals : array_like of shape (n, N * block)
    T : array_like of shape (k, block, block)
    block : int

    Returns
    -------
    ndarray of shape (k,)
    """
    Xa = check_array(X, "X", ndim=2)
    block = check_int(block, "block", minimum=1)
    if Xa.shape[1] % block:
        raise ValueError(f"block must divide the number of columns of X ({Xa.shape[1]}), "
                         f"got {block}")
    Ga = check_array(normals, "normals", ndim=2)
    if Ga.shape != Xa.shape:
        raise ValueError(f"normals must have shape {Xa.shape} to match X, got {Ga.shape}")
    t = np.asarray(T, dtype=np.float64).reshape(-1, block * block)
    A, B = _tied_forms(*_unit_blocks(Xa, Ga, block))
    # t A t is a sum of squares; rounding can take an exact zero a hair below it
    normal = np.clip(np.einsum("ki,ij,kj->k", t, A, t), 0.0, None)
    return np.sqrt(normal / np.einsum("ki,ij,kj->k", t, B, t))


def _tied_spectrum(P: np.ndarray, G: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ascending relative residuals and their (unit-norm) b x b fields.

    P (n, N, b) blocks of the points, G (n, N, b) the unit normals' blocks.
    """
    from scipy.linalg import eigh

    A, B = _tied_forms(P, G)
    B = B + 1e-12 * np.trace(B) / B.shape[0] * np.eye(B.shape[0])
    w, V = eigh(A, B)
    V = V / np.linalg.norm(V, axis=0, keepdims=True)
    return np.sqrt(np.clip(w, 0.0, None)), V.T


def find_tied_generators(X: np.ndarray, normals: np.ndarray, block: int, *,
                         n_generators: int | None = None, normal_tol: float | None = None,
                         max_points: int = 50_000, trim: float = 0.1,
                         min_gap: float = MIN_GAP, seed: int = 0) -> SymmetryResult:
    """Linear fields x -> (I_N ⊗ T) x tangent to the level sets whose normals are given.

    Parameters
    ----------
    X : array_like of shape (n, N * block)
        Points: N blocks of ``block`` coordinates each (N objects of one kind).
    normals : array_like of shape (n, N * block) or (n, 1, N * block)
        The normal of the level set at every point (the input gradient of a fitted
        function, or of a classifier's logit); normalised per point.
    block : int
        Coordinates per object (4 for four-momenta).
    n_generators : int, optional
        Force the count instead of reading it from the spectrum.
    normal_tol : float, optional
        A field is a symmetry only if its residual (RMS sine of the angle to the tangent
        spaces) is below this; the noise of the normals is the natural scale (the gradient
        route passes ``tol_ratio`` times it).  Without it, any count up to the largest gap
        of the spectrum can be read.
    max_points : int, default=50000
        A random subset of larger data is used.
    trim : float, default=0.1
        Fraction of the points with the largest residual (under the fields found) left
        out before the final spectrum: near a critical point of the function the normal
        is noise.
    min_gap : float, default=3.0
        The count is read at the largest ratio between consecutive residuals; below this
        ratio there is no gap to read, and the result is ``unresolved`` (no generators,
        the spectrum in the diagnostics) rather than a count the data do not fix.
    seed : int, default=0

    Returns
    -------
    SymmetryResult
        ``generators`` (k, N block, N block) are the tied matrices I_N ⊗ T (orthonormal
        in the Frobenius norm), so they compare with any reference on the data's space;
        ``diagnostics["block_generators"]`` holds the T (k, block, block) and
        ``diagnostics["singular_values"]`` the whole spectrum (block² values, ascending),
        whose gap gives the count.  The algebra is named from the T.

    Examples
    --------
    >>> import numpy as np
    >>> from symfast.symmetry import find_tied_generators
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(2000, 6))                 # two points of R^3
    >>> G = X.copy()                                   # normals of f = |p1|^2 + |p2|^2
    >>> find_tied_generators(X, G, 3).algebra
    'so(3)'
    """
    Xa = check_array(X, "X", ndim=2)
    block = check_int(block, "block", minimum=1)
    n, d = Xa.shape
    if d % block:
        raise ValueError(f"block must divide the number of columns of X ({d}), got {block}")
    Ga = check_array(normals, "normals")
    if Ga.ndim == 3 and Ga.shape[1] == 1:
        Ga = Ga[:, 0]
    if Ga.shape != Xa.shape:
        raise ValueError(f"normals must have shape {Xa.shape} (or (n, 1, {d})) to match X, "
                         f"got {np.shape(normals)}")
    max_points = check_int(max_points, "max_points", minimum=2)
    check_float(trim, "trim", minimum=0.0, maximum=0.5)
    check_float(min_gap, "min_gap", minimum=1.0)
    if normal_tol is not None:
        check_float(normal_tol, "normal_tol", positive=True)
    if n_generators is not None:
        check_int(n_generators, "n_generators", minimum=0, maximum=block * block)
    rng = np.random.default_rng(seed)
    if n > max_points:
        sel = np.sort(rng.choice(n, max_points, replace=False))
        Xa, Ga = Xa[sel], Ga[sel]
    nb = d // block
    P, G = _unit_blocks(Xa, Ga, block)
    keep = np.ones(P.shape[0], dtype=bool)
    # trim the points the best fields fit worst (noise at critical points), then refit
    for _ in range(2):
        s, V = _tied_spectrum(P[keep], G[keep])
        j = max(1, int(np.sum(s <= 3.0 * s[0])))
        T = V[:j].reshape(j, block, block)
        # per point: the fields' normal components over their sizes
        num = np.einsum("nka,jab,nkb->nj", G, T, P)
        size = np.linalg.norm(np.einsum("jab,nkb->njka", T, P).reshape(P.shape[0], j, -1),
                              axis=2)
        res = np.sqrt(np.mean((num / np.maximum(size, 1e-300)) ** 2, axis=1))
        if trim > 0:
            keep = res <= np.quantile(res, 1.0 - trim)
    s, V = _tied_spectrum(P[keep], G[keep])
    reason = ""
    unresolved, best_count = False, None
    if n_generators is not None:
        count = n_generators
    else:
        top = np.maximum(s, 1e-9)
        limit = s.size - 1 if normal_tol is None else min(int(np.sum(s <= normal_tol)),
                                                          s.size - 1)
        if limit == 0:
            count = 0
            reason = (f"no tied field fits the tangent spaces within normal_tol="
                      f"{normal_tol:.3g} (best residual {s[0]:.3g})")
        else:
            jumps = top[1:limit + 1] / top[:limit]
            count = int(np.argmax(jumps)) + 1
            if jumps[count - 1] < min_gap:
                unresolved = True
                reason = (f"no gap in the spectrum of tied fields: the largest ratio of "
                          f"consecutive residuals is {jumps[count - 1]:.2f} (after "
                          f"{count}), below min_gap={min_gap:g}; the residuals are in "
                          "diagnostics['singular_values']")
                best_count, count = count, 0
    T = np.linalg.qr(V[:count].T)[0].T.reshape(count, block, block) if count else \
        np.zeros((0, block, block))
    # sign convention: the largest entry of each generator is positive
    for i in range(count):
        if T[i].ravel()[np.argmax(np.abs(T[i]).ravel())] < 0:
            T[i] = -T[i]
    gens = tied_representation(T, nb) / np.sqrt(nb) if count else np.zeros((0, d, d))
    gap = float(s[count] / max(s[count - 1], 1e-300)) if 0 < count < s.size else None
    diag: dict[str, Any] = {"block": block, "n_blocks": nb, "points_used": int(keep.sum()),
                            "singular_values": s.tolist(), "gap": gap,
                            "block_generators": T.tolist(), "normal_tol": normal_tol,
                            "route": "tied", "min_gap": min_gap,
                            "largest_gap_after": best_count}
    spec = s ** 2 / np.sum(s ** 2) if np.sum(s ** 2) > 0 else s
    return SymmetryResult(gens, "tangent", spec, s[:count], np.zeros(d),
                          translations=np.zeros((count, d)), diagnostics=diag, reason=reason,
                          unresolved=unresolved)
