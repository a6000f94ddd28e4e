"""Naming a real Lie algebra by its structure: Levi decomposition and real forms.

A discovered symmetry algebra is a real Lie algebra of affine vector fields
x -> T x + b.  Its name is read off structural invariants, never its dimension
alone:

1. **Levi decomposition.**  The solvable radical is the orthogonal complement
   of the derived algebra [g, g] under the Killing form; the quotient by it is
   the semisimple (Levi) part.
2. **Simple ideals.**  The operators that commute with every ad(x) on the
   semisimple part act on each simple ideal as a real scalar (an absolutely
   simple ideal) or as a + bJ with J^2 = -1 (the realification of a complex
   simple algebra); the eigenspaces of a generic such operator are the ideals.
3. **Each simple ideal** is named from its dimension, its rank (the dimension
   of the centraliser of a generic element, a Cartan subalgebra), root lengths
   where B_r and C_r share both (rank >= 3), and the number of negative
   eigenvalues of its Killing form, which is the dimension of a maximal compact
   subalgebra k (the Killing form is negative definite on k and positive on the
   rest of a Cartan decomposition).  That number tells the real forms of one
   complex type apart: so(4) from so(1,3) from so(2,2), so(3) from sl(2,R).
4. **The radical.**  Its central part gives u(1) per compact direction (an
   element whose flow is bounded: purely imaginary eigenvalues, no nilpotent
   part) and r per non-compact one.  A non-central radical is written
   ``A⋉N``: N the ad-nilpotent part (the radical of the Killing form), A the
   rest (so(2) for a rotation, r otherwise), as in ``so(2)⋉r^2`` for the
   Euclidean group of the plane or ``so(3)⋉r^3`` for that of space.

Limits: a radical element whose adjoint eigenvalues are complex with equal
real and imaginary parts (a 45-degree spiral) is counted in N; exceptional real
forms are named by Cartan's labels (``e6(6)``, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from symfast.symmetry._algebra._structure import (affine_matrices, check_generators,
                                                  orthonormal_basis)
from symfast.symmetry._algebra._names import (_Form, _compact_dim, _complex_form, _isomorphic,
                                              _join, _power, _real_forms, _simple_types)


# -- linear algebra helpers ------------------------------------------------------------------
#: Structure constants of an orthonormal basis are O(1); below this they are noise.
_ABS_FLOOR = 1e-2


def _numerical_rank(s: np.ndarray, tol: float, min_gap: float = 10.0,
                    floor: float = 0.0) -> int:
    """Rank from descending singular values ``s``: the cut is the first gap (a ratio of
    at least ``min_gap``) into values under ``tol * s[0]``; values under ``floor`` are
    zero whatever the gaps.

    A gap rule instead of a fixed threshold, because a basis that is far from
    orthogonal spreads the genuine values while noise stays decades below them.
    """
    if s.size == 0 or s[0] <= max(floor, 1e-300):
        return 0
    sv = np.maximum(s, 1e-13 * s[0])
    ratios = sv[:-1] / sv[1:]
    small = sv[1:] < tol * s[0]
    cut = np.flatnonzero(small & (ratios >= min_gap))
    above_floor = int((s > floor).sum())
    if cut.size:
        return min(int(cut[0]) + 1, above_floor)
    if not small.any():
        return above_floor
    # no clear gap: everything under tol counts as noise
    return min(int((s >= tol * s[0]).sum()), above_floor)


def _null(A: np.ndarray, tol: float, floor: float = 0.0) -> np.ndarray:
    """Orthonormal basis (columns) of the approximate null space of A (relative ``tol``)."""
    ncol = A.shape[1]
    if A.size == 0 or ncol == 0:
        return np.eye(ncol)
    _, s, Vt = np.linalg.svd(A, full_matrices=A.shape[0] < ncol)
    sv = np.concatenate([s, np.zeros(max(0, ncol - s.size))])
    rank = _numerical_rank(sv, tol, floor=floor)
    return Vt[rank:].T


def _range(A: np.ndarray, tol: float, floor: float = 0.0) -> np.ndarray:
    """Orthonormal basis (columns) of the approximate column space of A (relative ``tol``)."""
    if A.size == 0:
        return np.zeros((A.shape[0], 0))
    U, s, _ = np.linalg.svd(A, full_matrices=False)
    return U[:, :_numerical_rank(s, tol, floor=floor)]


def _complement(B: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Orthonormal basis of the part of span(B) orthogonal to span(P) (columns)."""
    if B.shape[1] == 0:
        return B
    if P.shape[1]:
        B = B - P @ (P.T @ B)
    return _range(B, 1e-6, 1e-8)


def _bracket_tensor(T: np.ndarray) -> tuple[np.ndarray, float]:
    """f_abc with [T_a, T_b] = sum_c f_abc T_c for an orthonormal basis, and the closure noise.

    The closure noise is the relative RMS of the brackets' parts outside span(T): the
    noise of estimated generators.  Exact algebras give rounding errors (1e-15);
    generators estimated from data carry their estimation noise into the brackets,
    and every numerical decision of the namer (ranks, the Cartan subalgebra, root
    lengths) scales its tolerance with it.
    """
    k = T.shape[0]
    C = np.einsum("aij,bjk->abik", T, T)
    C = C - C.transpose(1, 0, 2, 3)
    flat = T.reshape(k, -1)
    f = np.einsum("abn,cn->abc", C.reshape(k, k, -1), flat)
    resid = C.reshape(k, k, -1) - np.einsum("abc,cn->abn", f, flat)
    total = float(np.linalg.norm(C))
    return f, float(np.linalg.norm(resid)) / total if total > 0 else 0.0


def _sub_bracket(f: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Structure constants of the span of the columns of P (orthonormal), closed or quotient.

    Brackets are projected orthogonally onto span(P): exact for a subalgebra, and the
    bracket of the quotient when the complement of span(P) is an ideal.
    """
    return np.einsum("ia,jb,ijk,kc->abc", P, P, f, P, optimize=True)


def _killing(f: np.ndarray) -> np.ndarray:
    ad = np.transpose(f, (0, 2, 1))
    return np.einsum("aij,bji->ab", ad, ad)


def _balance(A: np.ndarray, iters: int = 300, max_cond: float = 20.0) -> np.ndarray:
    """Conjugate the stack A (k, d, d) towards the basis that minimises sum ||P A_i P^-1||^2.

    Gradient descent on P = exp(S) with S symmetric, whose gradient is the moment map
    sum [A_i, A_i^T] (Kempf-Ness).  A reductive algebra ends up closed under
    transposition, so its structure constants in a Frobenius-orthonormal basis are as
    well conditioned as for a hand-built basis; the name cannot change (conjugation is
    an isomorphism), only the numerical ranks become reliable.  A non-reductive algebra
    has no minimum (its nilpotent part shrinks away), so the descent stops once the
    accumulated conjugation would exceed a condition number of ``max_cond``.
    """
    B = A / max(float(np.linalg.norm(A)), 1e-300)
    P = np.eye(A.shape[1])
    history: list[float] = []
    for _ in range(iters):
        Bf = B.transpose(1, 0, 2).reshape(B.shape[1], -1)         # [B_1 ... B_k]
        Bc = B.reshape(-1, B.shape[2])                            # B_1 over ... B_k
        mu = Bf @ Bf.T - Bc.T @ Bc
        g = float(np.linalg.norm(mu))
        # converged, or stalled at the floor that the generators' noise sets
        if g < 1e-10 or (len(history) >= 10 and g > 0.99 * history[-10]):
            break
        history.append(g)
        # a plain gradient step: linear convergence (a step shrinking with g crawls)
        lam, U = np.linalg.eigh(-0.5 * mu / max(g, 1.0))
        E = (U * np.exp(lam)) @ U.T                  # expm of a symmetric matrix
        Einv = (U * np.exp(-lam)) @ U.T
        if np.linalg.cond(E @ P) > max_cond:
            break
        P = E @ P
        B = E @ B @ Einv                             # broadcast over the stack
        B /= max(float(np.linalg.norm(B)), 1e-300)
    return B


# -- simple ideals ---------------------------------------------------------------------------
def _generated_ideal(ad: np.ndarray, v: np.ndarray, tol: float) -> np.ndarray:
    """Orthonormal basis (columns) of the smallest ad-invariant subspace containing v."""
    B = v[:, None] / np.linalg.norm(v)
    for _ in range(ad.shape[0]):
        W = np.concatenate([B, np.einsum("aij,jm->iam", ad, B).reshape(B.shape[0], -1)],
                           axis=1)
        new = _range(W, tol, 0.0)
        if new.shape[1] <= B.shape[1]:
            return B
        B = new
    return B


def _ideals(f: np.ndarray, tol: float, rng: np.random.Generator) -> list[np.ndarray]:
    """Bases (columns) of the simple ideals of a semisimple algebra.

    A root vector (an eigenvector of ad(x) for a generic x, at its largest eigenvalue)
    lies in exactly one simple ideal, and the ideal it generates is that ideal; its
    Killing complement is the sum of the others, where the search repeats.  The cost
    is a few products ad(T_a) B per ideal, O(n^4), where the commutant of ad(g) costs
    O(n^6) (45 s for f4; 0.2 s this way).
    """
    s = f.shape[0]
    ad = np.transpose(f, (0, 2, 1))
    K = _killing(f)
    R = np.eye(s)                       # the sum of the ideals not yet split off
    out: list[np.ndarray] = []
    while R.shape[1] >= 3 and len(out) < s:
        x = R @ rng.normal(size=R.shape[1])
        w, V = np.linalg.eig(np.einsum("a,aij->ij", x, ad))
        v = V[:, int(np.argmax(np.abs(w)))]
        v = v.real if np.linalg.norm(v.real) >= np.linalg.norm(v.imag) else v.imag
        v = R @ (R.T @ v)
        if np.linalg.norm(v) == 0 or np.abs(w).max() <= 1e-12:
            break
        Ib = _generated_ideal(ad, v, tol)
        out.append(Ib)
        rest = _null((Ib.T @ K @ R), tol)     # Killing complement within R
        R = R @ rest
        if rest.shape[1] == 0:
            break
    if R.shape[1]:
        if out and R.shape[1] < 3:            # a remnant of noise, not an ideal
            return out
        out.append(R)
    return out


def _types_of_dim(n: int) -> list[tuple[str, int]]:
    """Every complex simple type (letter, rank) of dimension n."""
    out = []
    for r in range(1, int(np.sqrt(n)) + 2):
        out += _simple_types(n, r)
    return out


def _rank(f: np.ndarray, noise: float, rng: np.random.Generator,
          candidates: list[int] | None = None, draws: int = 8) -> int:
    """Dimension of a Cartan subalgebra: the zero eigenvalues of ad(x) for a generic x.

    The singular values of ad(x) (relative to the largest) are |alpha(x)| over the
    roots, and values of the order of the generators' noise at the centraliser.  They
    are floored at three times the noise, so that the rounding zeros and the noise are
    one level, and the count is where the ratio between consecutive values is largest
    (among ``candidates`` when given: the ranks that the dimension allows), in the
    draw where it is largest (a draw can put x near a wall, where a root is small).
    """
    n = f.shape[0]
    cand = sorted(set(candidates)) if candidates else list(range(1, n))
    cand = [r for r in cand if 1 <= r < n]
    if len(cand) == 1:
        return cand[0]
    if not cand:
        cand = list(range(1, n))
    ad = np.transpose(f, (0, 2, 1))
    level = 3.0 * noise + 1e-9
    best, best_ratio = cand[0], 0.0
    idx = np.array(cand)
    for _ in range(draws):
        x = rng.normal(size=n)
        sv = np.linalg.svd(np.einsum("a,aij->ij", x / np.linalg.norm(x), ad),
                           compute_uv=False)[::-1]
        sv = np.maximum(sv / max(float(sv[-1]), 1e-300), level)
        ratios = sv[idx] / sv[idx - 1]
        j = int(np.argmax(ratios))
        if ratios[j] > best_ratio:
            best, best_ratio = int(idx[j]), float(ratios[j])
    return best


def _cartan(f: np.ndarray, r: int, rng: np.random.Generator) -> np.ndarray:
    """A Cartan subalgebra (columns): the r least singular directions of ad(x), x generic."""
    ad = np.transpose(f, (0, 2, 1))
    x = rng.normal(size=f.shape[0])
    _, _, Vt = np.linalg.svd(np.einsum("a,aij->ij", x, ad))
    return Vt[-r:].T


def _short_root_fraction(f: np.ndarray, r: int, rng: np.random.Generator) -> float:
    """The fraction of roots that are short (0 when all roots have one length).

    B_r: 1/r, C_r: (r-1)/r, F4 and G2: 1/2.  Lengths are (alpha, alpha) under the
    inverse Killing form on the Cartan subalgebra; long over short is 2 or 3, so a
    cut at 3/4 of the longest tolerates errors of tens of percent.
    """
    ad = np.transpose(f, (0, 2, 1))
    n = f.shape[0]
    H = _cartan(f, r, rng)
    adH = np.einsum("ah,aij->hij", H, ad)
    w, V = np.linalg.eig(np.einsum("h,hij->ij", rng.normal(size=r), adH))
    order = np.argsort(np.abs(w))
    V = V[:, order[r:]]                              # the n - r root vectors
    norm2 = np.einsum("ir,ir->r", V.conj(), V)
    roots = np.einsum("ir,hij,jr->rh", V.conj(), adH, V) / norm2[:, None]
    KH = H.T @ _killing(f) @ H
    lengths = np.abs(np.real(np.einsum("rh,hg,rg->r", roots, np.linalg.inv(KH), roots)))
    # the long length from a high quantile, not the maximum: a root vector mixed with a
    # near-equal neighbour (noise, an h near a wall) can give one wild value
    short = lengths < 0.75 * np.quantile(lengths, 0.9)
    return float(short.sum()) / max(n - r, 1)


#: Fraction of short roots of each type with two root lengths.
def _short_fraction_of(letter: str, r: int) -> float:
    return {"B": 1.0 / r, "C": (r - 1.0) / r, "F": 0.5, "G": 0.5}.get(letter, 0.0)


def _pick_type(types: list[tuple[str, int]], f: np.ndarray, rank_f: int,
               rng: np.random.Generator) -> list[tuple[str, int]]:
    """Keep the types whose root lengths match the algebra's (B6 / C6 / E6 share 78, 6)."""
    if len(types) <= 1:
        return types
    frac = float(np.median([_short_root_fraction(f, rank_f, rng) for _ in range(3)]))
    return [min(types, key=lambda t: abs(_short_fraction_of(*t) - frac))]


def _name_simple(f: np.ndarray, noise: float, rng: np.random.Generator
                 ) -> tuple[_Form, int, bool]:
    """The real form of a simple ideal (structure constants f), its rank, complex type.

    The dimension leaves few types (B_r and C_r share theirs; B6, C6 and E6 share 78;
    A10 and D8 share 120); the signature of the Killing form (the compact dimension)
    and, where they still differ, the rank read from ad(x) and the root lengths
    decide.  A realified complex algebra has a compact part of half its dimension.
    """
    n = f.shape[0]
    w = np.linalg.eigvalsh(_killing(f))
    k_dim = int((w < 0).sum())
    if n < 3:                  # no simple algebra: noise that the Levi split took for one
        return _Form(f"simple(dim={n})", k_dim, ()), 0, False
    real = [t for t in _types_of_dim(n) if any(fm.k_dim == k_dim for fm in _real_forms(*t))]
    cplx = _types_of_dim(n // 2) if n % 2 == 0 and 2 * k_dim == n else []
    ranks = [t[1] for t in real] + [2 * t[1] for t in cplx]
    rank = _rank(f, noise, rng, ranks or None)
    real = [t for t in real if t[1] == rank]
    cplx = [t for t in cplx if 2 * t[1] == rank]
    if cplx and not real:
        types = _pick_type(cplx, f, rank, rng)
        return _complex_form(*types[0]), rank, True
    types = _pick_type(real or _simple_types(n, rank), f, rank, rng)
    if not types:
        return (_Form(f"simple(dim={n})", k_dim, (f"compact(dim={k_dim})",) if k_dim else ()),
                rank, False)
    forms = _real_forms(*types[0])
    match = [fm for fm in forms if fm.k_dim == k_dim]
    if not match:
        return _Form(f"{forms[0].name}-form(k={k_dim})", k_dim, ()), rank, False
    return match[0], rank, False


# -- the radical -----------------------------------------------------------------------------
def _is_elliptic(M: np.ndarray, tol: float) -> bool:
    """Does the flow exp(t M) stay bounded (a compact one-parameter group)?

    Purely imaginary eigenvalues are not enough (a nilpotent part, as in a screw
    motion, grows linearly), so the flow itself is followed over 50 radians of its
    fastest rotation: bounded flows stay within a factor 3 of their first turn.
    """
    from scipy.linalg import expm

    lam, V = np.linalg.eig(M)
    top = float(np.abs(lam).max())
    if top <= 1e-9 * max(float(np.abs(M).max()), 1e-300):
        return False                                  # nilpotent
    if np.abs(lam.real).max() > tol * top:
        return False
    if np.linalg.cond(V) > 1e8:
        return False            # defective: a Jordan block, however small its nilpotent part
    norms = [np.linalg.norm(expm(t * M), 2) for t in np.linspace(0.0, 50.0 / top, 26)]
    return max(norms) <= 3.0 * max(norms[:4])


def _compact_count(P: np.ndarray, mats: np.ndarray, tol: float) -> int:
    """How many independent directions of span(P) (coefficients of ``mats``) are elliptic."""
    if P.shape[1] == 0:
        return 0
    Ms = np.einsum("ap,aij->pij", P, mats)
    if P.shape[1] == 1:
        return int(_is_elliptic(Ms[0], tol))
    B = np.einsum("pij,qji->pq", Ms, Ms)
    w, U = np.linalg.eigh(B)
    count = 0
    for j in np.flatnonzero(w < -tol * max(np.abs(w).max(), 1e-300)):
        count += int(_is_elliptic(np.einsum("p,pij->ij", U[:, j], Ms), tol))
    return count


# -- the public description ------------------------------------------------------------------
@dataclass
class AlgebraDescription:
    """A real Lie algebra named by its structure.

    Attributes
    ----------
    name : str
        Canonical name: ``so(3)``, ``sl(2,R)``, ``so(1,3)``, ``so(4,C)``,
        ``so(3)+u(1)``, ``r``, ``so(2)⋉r^2``, ``trivial``, ...
    isomorphic : list of str
        Other common names of the same algebra.
    compact_part : str
        Name of a maximal compact subalgebra.
    is_compact : bool
        True when the algebra is compact (its group can be closed and bounded).
    dim : int
    levi : list of str
        Names of the simple ideals of the semisimple (Levi) part.
    radical_dim : int
        Dimension of the solvable radical.
    details : dict
        Per simple ideal: dimension, rank, compact dimension, complex type.
    """

    name: str
    isomorphic: list[str]
    compact_part: str
    is_compact: bool
    dim: int
    levi: list[str] = field(default_factory=list)
    radical_dim: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "isomorphic": list(self.isomorphic),
                "compact_part": self.compact_part, "is_compact": self.is_compact,
                "dim": self.dim, "levi": list(self.levi), "radical_dim": self.radical_dim,
                "details": self.details}


#: Translations explained by a common fixed point to within this fraction of the linear
#: parts' norm make the fields conjugate to their linear parts (data-derived fields about
#: a fixed point estimated from the cloud miss it by less than 1e-3 of that).
FIXED_POINT_TOL = 1e-2


def describe_algebra(generators: np.ndarray, translations: np.ndarray | None = None, *,
                     tol: float = 0.1, seed: int = 1) -> AlgebraDescription:
    """Name the real Lie algebra spanned by affine fields x -> T x + b by its structure.

    Parameters
    ----------
    generators : array_like of shape (k, d, d)
        Linear parts T.
    translations : array_like of shape (k, d), optional
        Translation parts b (zero when omitted).
    tol : float, default=0.1
        Relative tolerance on structure constants, for data-derived generators
        that close only approximately.
    seed : int, default=1
        Seed of the generic elements drawn inside (the name does not depend on it
        for an algebra that closes within ``tol``).

    Returns
    -------
    AlgebraDescription

    Examples
    --------
    >>> import numpy as np
    >>> from symfast.analysis import describe_algebra
    >>> K = np.array([[[0, 1, 0], [1, 0, 0], [0, 0, 0]],      # boosts and a rotation
    ...               [[0, 0, 1], [0, 0, 0], [1, 0, 0]],      # of x^2 - y^2 - z^2
    ...               [[0, 0, 0], [0, 0, -1], [0, 1, 0]]], float)
    >>> d = describe_algebra(K)
    >>> d.name, d.compact_part, d.is_compact
    ('sl(2,R)', 'u(1)', False)
    """
    G = check_generators(generators)
    k, d, _ = G.shape
    if translations is not None:
        b = np.asarray(translations, dtype=np.float64)
        if b.shape != (k, d):
            raise ValueError(f"translations must have shape ({k}, {d}) to match generators, "
                             f"got {b.shape}")
        # fields about one common fixed point c (b = -T c) are conjugate, by the shift to
        # c, to their linear parts: name those (small translations that only place the
        # fixed point otherwise perturb the ideal split of a noisy algebra)
        c, *_ = np.linalg.lstsq(G.reshape(k * d, d), -b.reshape(-1), rcond=None)
        free = b + np.einsum("kij,j->ki", G, c)
        scale = max(float(np.linalg.norm(G)), 1e-300)
        A = G if float(np.linalg.norm(free)) <= FIXED_POINT_TOL * scale else (
            affine_matrices(G, b))
    else:
        A = G
    T = orthonormal_basis(A)
    if T.shape[0] == 0:
        return AlgebraDescription("trivial", [], "trivial", True, 0)
    # A reductive algebra is read in its balanced basis (well conditioned however skewed
    # the input coordinates); balancing a non-reductive one only shrinks its nilpotent
    # part into the noise, so that one is read as given.
    balanced = _describe_basis(orthonormal_basis(_balance(T)), tol, seed)
    if balanced.radical_dim == balanced.details["center_dim"]:
        return balanced
    return _describe_basis(T, tol, seed)


def _describe_basis(T: np.ndarray, tol: float, seed: int) -> AlgebraDescription:
    n = T.shape[0]
    rng = np.random.default_rng(seed)
    f, noise = _bracket_tensor(T)
    K = _killing(f)
    ksc = float(np.abs(K).max())
    # derived algebra and the radical (its Killing complement)
    D = _range(f.reshape(n * n, n).T, tol, _ABS_FLOOR)
    R = _null((K @ D).T, tol, _ABS_FLOOR * ksc) if D.shape[1] else np.eye(n)
    Z = _null(f.transpose(1, 2, 0).reshape(n * n, n), tol, _ABS_FLOOR)          # the centre
    S = _complement(np.eye(n), R)                                        # Levi quotient
    parts: list[tuple[int, str]] = []
    compact_parts: list[tuple[int, str]] = []
    levi: list[str] = []
    details: dict[str, Any] = {"ideals": [], "center_dim": int(Z.shape[1])}
    aliases_simple: list[list[str]] = []
    if S.shape[1]:
        fS = _sub_bracket(f, S)
        for basis in _ideals(fS, tol, rng):
            fI = _sub_bracket(fS, basis)
            form, rank, is_complex = _name_simple(fI, noise, rng)
            dimI = basis.shape[1]
            parts.append((dimI, form.name))
            levi.append(form.name)
            aliases_simple.append([form.name, *form.aliases])
            for c in form.compact:
                compact_parts.append((_compact_dim(c), c))
            details["ideals"].append({"name": form.name, "dim": dimI,
                                      "compact_dim": form.k_dim, "complex": is_complex,
                                      "rank": rank})
    name_levi, pair_aliases = _join(parts)
    # the radical
    r_dim = R.shape[1]
    z_dim = Z.shape[1]
    nc_z = _compact_count(Z, T, tol)
    central = ["u(1)"] * nc_z + ([_power("r", z_dim - nc_z)] if z_dim > nc_z else [])
    compact_parts += [(1, "u(1)")] * nc_z
    if r_dim > z_dim:
        # the ad-nilpotent ideal (it contains the centre)
        Nil = _null(K, tol, _ABS_FLOOR * ksc)
        Np = _complement(Nil, Z)
        Ap = _complement(R, Nil)
        nc_a = _compact_count(Ap, T, tol)
        a_names = ((["so(2)"] if nc_a == 1 else ["u(1)"] * nc_a)
                   + ([_power("r", Ap.shape[1] - nc_a)] if Ap.shape[1] > nc_a else []))
        compact_parts += [(1, "u(1)")] * nc_a
        fN = _sub_bracket(f, Np) if Np.shape[1] else np.zeros((0, 0, 0))
        if Np.shape[1] == 0:
            n_name = ""
        elif np.abs(fN).max() < _ABS_FLOOR:
            n_name = _power("r", Np.shape[1])
        else:
            n_name = f"nil({Np.shape[1]})"
        left = [x for x in ([name_levi] if parts else []) + a_names if x]
        left_s = "+".join(left)
        if len(left) > 1 and n_name:
            left_s = f"({left_s})"
        body = f"{left_s}⋉{n_name}" if left_s and n_name else (left_s or n_name)
    else:
        body = name_levi if parts else ""
    name = "+".join(x for x in [body, *central] if x) or "trivial"
    compact_name, _ = _join(compact_parts)
    is_compact = (r_dim == z_dim and nc_z == z_dim
                  and all(f_["compact_dim"] == f_["dim"] for f_ in details["ideals"]))
    iso = _isomorphic(name, aliases_simple, pair_aliases, central, r_dim == z_dim)
    return AlgebraDescription(name, iso, compact_name, bool(is_compact), n, levi, r_dim,
                              details)

