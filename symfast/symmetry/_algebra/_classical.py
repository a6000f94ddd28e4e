"""Exact generators of the classical and exceptional real Lie algebras, from their definitions.

Each algebra is built as the set of matrices that keep a named structure
(a quadratic form, a Hermitian form, a symplectic form, the octonions' 3-form,
the Albert algebra's product or cubic norm), so the bases are references that do
not come from symfast's finders.  They serve as the truth in tests and benchmarks
(random frames, noisy copies) and as a user's reference for
:func:`~symfast.symmetry.algebra_similarity`.

========================  ====================  ========  ==============================
name                      acts on               dim       kept structure
========================  ====================  ========  ==============================
``so(p,q)``, ``so(n)``    R^(p+q)               n(n-1)/2  x^T eta x, eta = diag(1_p, -1_q)
``sl(n,R)``               R^n                   n^2 - 1   volume
``su(p,q)``, ``su(n)``    C^n = R^2n            n^2 - 1   z^H eta z and the complex volume
``u(n)``                  C^n = R^2n            n^2       z^H z
``sp(2n,R)``              R^2n                  n(2n+1)   x^T J y
``sp(n)``                 H^n = C^2n = R^4n     n(2n+1)   z^H z and z^T J w
``g2``                    Im O = R^7            14        phi(x, y, z) = <x, y z>
``f4``                    Albert algebra R^27   52        the Jordan product
``e6(-26)``               Albert algebra R^27   78        the cubic norm
========================  ====================  ========  ==============================
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import combinations

import numpy as np


def _E(n: int, i: int, j: int) -> np.ndarray:
    M = np.zeros((n, n))
    M[i, j] = 1.0
    return M


def _null_basis(A: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Orthonormal rows spanning the null space of A (exact problems: a clean gap)."""
    _, s, Vt = np.linalg.svd(A, full_matrices=True)
    rank = int(np.sum(s > tol * max(float(s.max()), 1e-300)))
    return Vt[rank:]


def realify(X: np.ndarray) -> np.ndarray:
    """Complex matrices (k, n, n) acting on C^n as real ones (k, 2n, 2n) on (Re z, Im z)."""
    X = np.asarray(X)
    return np.block([[X.real, -X.imag], [X.imag, X.real]])


def so_pq(p: int, q: int = 0) -> np.ndarray:
    """so(p, q) on R^(p+q): X = eta A with A antisymmetric (X^T eta + eta X = 0)."""
    n = p + q
    eta = np.diag([1.0] * p + [-1.0] * q)
    return np.array([eta @ (_E(n, i, j) - _E(n, j, i)) for i, j in combinations(range(n), 2)])


def sl_nR(n: int) -> np.ndarray:
    """sl(n, R) on R^n: the traceless matrices."""
    g = [_E(n, i, j) for i in range(n) for j in range(n) if i != j]
    g += [_E(n, i, i) - _E(n, i + 1, i + 1) for i in range(n - 1)]
    return np.array(g)


def su_pq(p: int, q: int = 0, *, traceless: bool = True) -> np.ndarray:
    """su(p, q) (or u(p, q) with ``traceless=False``) on C^n = R^2n: X^H eta + eta X = 0."""
    n = p + q
    eta = np.diag([1.0] * p + [-1.0] * q)
    g = []
    for i, j in combinations(range(n), 2):
        g.append(eta @ (_E(n, i, j) - _E(n, j, i)))
        g.append(eta @ (1j * (_E(n, i, j) + _E(n, j, i))))
    # diagonal imaginary matrices commute with eta and keep the form as they are
    if traceless:
        g += [1j * (_E(n, i, i) - _E(n, i + 1, i + 1)) for i in range(n - 1)]
    else:
        g += [1j * _E(n, i, i) for i in range(n)]
    return realify(np.array(g, dtype=complex))


def sp_2nR(n: int) -> np.ndarray:
    """sp(2n, R) on R^2n: X = J S with S symmetric (X^T J + J X = 0)."""
    J = np.block([[np.zeros((n, n)), np.eye(n)], [-np.eye(n), np.zeros((n, n))]])
    return np.array([J @ (_E(2 * n, i, j) + _E(2 * n, j, i))
                     for i in range(2 * n) for j in range(i, 2 * n)])


def sp_compact(n: int) -> np.ndarray:
    """sp(n) = u(2n) ∩ sp(2n, C) on C^2n = R^4n (the quaternionic unitary algebra)."""
    m = 2 * n
    J = np.block([[np.zeros((n, n)), np.eye(n)], [-np.eye(n), np.zeros((n, n))]])
    # unknowns: Re X, Im X (2 m^2 reals); conditions X + X^H = 0 and X^T J + J X = 0
    cols = []
    for part in (1.0, 1j):
        for i in range(m):
            for j in range(m):
                X = part * _E(m, i, j)
                c1 = X + X.conj().T
                c2 = X.T @ J + J @ X
                cols.append(np.concatenate([c1.real.ravel(), c1.imag.ravel(),
                                            c2.real.ravel(), c2.imag.ravel()]))
    N = _null_basis(np.array(cols).T)
    X = (N[:, :m * m] + 1j * N[:, m * m:]).reshape(-1, m, m)
    return realify(X)


# -- octonions and the Albert algebra ---------------------------------------------------------
@lru_cache(maxsize=1)
def octonion_table() -> np.ndarray:
    """Structure constants c (8, 8, 8) of the octonions: e_a e_b = sum_c c[a, b, c] e_c.

    Cayley-Dickson from the quaternions: (a, b)(c, d) = (a c - conj(d) b, d a + b conj(c)).
    """
    def qmul(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        a1, b1, c1, d1 = x
        a2, b2, c2, d2 = y
        return np.array([a1 * a2 - b1 * b2 - c1 * c2 - d1 * d2,
                         a1 * b2 + b1 * a2 + c1 * d2 - d1 * c2,
                         a1 * c2 - b1 * d2 + c1 * a2 + d1 * b2,
                         a1 * d2 + b1 * c2 - c1 * b2 + d1 * a2])

    def qconj(x: np.ndarray) -> np.ndarray:
        return x * np.array([1.0, -1.0, -1.0, -1.0])

    def omul(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        a, b, c, d = x[:4], x[4:], y[:4], y[4:]
        return np.concatenate([qmul(a, c) - qmul(qconj(d), b), qmul(d, a) + qmul(b, qconj(c))])

    eye = np.eye(8)
    return np.array([[omul(eye[a], eye[b]) for b in range(8)] for a in range(8)])


def _oconj(x: np.ndarray) -> np.ndarray:
    return x * np.concatenate([[1.0], -np.ones(7)])


def _albert_matrix(v: np.ndarray) -> np.ndarray:
    """27 coordinates -> a Hermitian 3x3 octonion matrix, shape (3, 3, 8).

    Coordinates: the diagonal (3), then the octonions a, b, c (8 each) in
    [[x1, c, conj(b)], [conj(c), x2, a], [b, conj(a), x3]].
    """
    M = np.zeros((3, 3, 8))
    for i in range(3):
        M[i, i, 0] = v[i]
    a, b, c = v[3:11], v[11:19], v[19:27]
    M[1, 2], M[2, 1] = a, _oconj(a)
    M[2, 0], M[0, 2] = b, _oconj(b)
    M[0, 1], M[1, 0] = c, _oconj(c)
    return M


def _albert_coords(M: np.ndarray) -> np.ndarray:
    return np.concatenate([[M[0, 0, 0], M[1, 1, 0], M[2, 2, 0]], M[1, 2], M[2, 0], M[0, 1]])


@lru_cache(maxsize=1)
def albert_product() -> np.ndarray:
    """The Jordan product X o Y = (XY + YX)/2 of the Albert algebra as a tensor (27, 27, 27)."""
    c = octonion_table()

    def matmul(A: np.ndarray, B: np.ndarray) -> np.ndarray:
        return np.einsum("ika,kjb,abc->ijc", A, B, c)

    eye = np.eye(27)
    mats = [_albert_matrix(e) for e in eye]
    out = np.zeros((27, 27, 27))
    for i in range(27):
        for j in range(i, 27):
            P = 0.5 * (matmul(mats[i], mats[j]) + matmul(mats[j], mats[i]))
            out[i, j] = out[j, i] = _albert_coords(P)
    return out


def albert_norm(X: np.ndarray) -> np.ndarray:
    """The cubic norm (generic determinant) of Albert-algebra elements X (..., 27).

    N = (T^3 - 3 T T(x^2) + 2 T(x^3)) / 6 with T the trace (the diagonal's sum).
    """
    J = albert_product()
    X = np.asarray(X, dtype=np.float64)
    x2 = np.einsum("...i,...j,ijk->...k", X, X, J)
    x3 = np.einsum("...i,...j,ijk->...k", x2, X, J)
    t1, t2, t3 = (v[..., :3].sum(axis=-1) for v in (X, x2, x3))
    return (t1 ** 3 - 3 * t1 * t2 + 2 * t3) / 6.0


def g2() -> np.ndarray:
    """g2 on Im O = R^7: the stabiliser of the 3-form phi(x, y, z) = <x, y z>."""
    phi = octonion_table()[1:, 1:, 1:]               # <e_c, e_a e_b> for imaginary units
    phi = np.transpose(phi, (2, 0, 1))               # phi[x, y, z] = <e_x, e_y e_z>
    rows = []
    for i in range(7):
        for j in range(7):
            T = _E(7, i, j)
            rows.append((np.einsum("ax,ayz->xyz", T, phi) + np.einsum("ay,xaz->xyz", T, phi)
                         + np.einsum("az,xya->xyz", T, phi)).ravel())
    return _null_basis(np.array(rows).T).reshape(-1, 7, 7)


def f4() -> np.ndarray:
    """f4 on R^27: the derivations D of the Albert algebra, D(x o y) = Dx o y + x o Dy."""
    J = albert_product()
    n = 27
    # sum_m D_cm J_abm - D_ma J_mbc - D_mb J_amc = 0 for all a, b, c: linear in D
    eye = np.eye(n)
    A = (np.einsum("abq,cp->abcpq", J, eye) - np.einsum("pbc,aq->abcpq", J, eye)
         - np.einsum("apc,bq->abcpq", J, eye))
    A = A.reshape(n ** 3, n * n)
    # the null space from the small Gram matrix (rows run to 27^3)
    w, V = np.linalg.eigh(A.T @ A)
    return V[:, w < 1e-9 * w.max()].T.reshape(-1, n, n)


def e6_26(n_points: int = 1500, seed: int = 0) -> np.ndarray:
    """e6(-26) on R^27: the linear maps that keep the Albert algebra's cubic norm.

    grad N(x) . D x = 0 at random points x (N is cubic, so its gradient is exact from
    N(x + e) - N(x - e) = 2 dN(x)[e] + 2 N(e)).
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_points, 27))
    eye = np.eye(27)
    Ne = albert_norm(eye)
    grad = np.stack([(albert_norm(X + e) - albert_norm(X - e)) / 2 - Ne[i]
                     for i, e in enumerate(eye)], axis=1)
    rows = np.einsum("ni,nj->nij", grad, X).reshape(n_points, -1)
    return _null_basis(rows, 1e-8).reshape(-1, 27, 27)


_PATTERNS = [
    (r"so\((\d+)\)", lambda m: so_pq(int(m[1]))),
    (r"so\((\d+),(\d+)\)", lambda m: so_pq(int(m[1]), int(m[2]))),
    (r"sl\((\d+),R\)", lambda m: sl_nR(int(m[1]))),
    (r"su\((\d+)\)", lambda m: su_pq(int(m[1]))),
    (r"su\((\d+),(\d+)\)", lambda m: su_pq(int(m[1]), int(m[2]))),
    (r"u\((\d+)\)", lambda m: su_pq(int(m[1]), traceless=False)),
    (r"sp\((\d+),R\)", lambda m: sp_2nR(int(m[1]) // 2)),
    (r"sp\((\d+)\)", lambda m: sp_compact(int(m[1]))),
    (r"g2", lambda m: g2()),
    (r"f4", lambda m: f4()),
    (r"e6\(-26\)", lambda m: e6_26()),
]


_CACHE: dict[str, np.ndarray] = {}


def _cached(key: str, build, m) -> np.ndarray:
    """f4 and e6(-26) take seconds to solve for; every algebra is built once."""
    if key not in _CACHE:
        _CACHE[key] = np.asarray(build(m), dtype=np.float64)
    return _CACHE[key]


def reference_algebra(name: str) -> np.ndarray:
    """Exact generators (k, d, d) of a named real Lie algebra in its defining representation.

    Parameters
    ----------
    name : str
        ``so(n)``, ``so(p,q)``, ``sl(n,R)``, ``su(n)``, ``su(p,q)``, ``u(n)``,
        ``sp(2n,R)`` (n in the name is the matrix size 2n), ``sp(n)`` (compact,
        on R^4n), ``g2``, ``f4`` or ``e6(-26)``.

    Returns
    -------
    ndarray of shape (k, d, d)
        A basis of the algebra (not orthonormalised).

    Examples
    --------
    >>> from symfast.analysis import reference_algebra, describe_algebra
    >>> describe_algebra(reference_algebra("g2")).name
    'g2'
    """
    key = str(name).replace(" ", "")
    for pattern, build in _PATTERNS:
        m = re.fullmatch(pattern, key)
        if m:
            if key.startswith("sp(") and key.endswith(",R)") and int(m[1]) % 2:
                raise ValueError(f"name: sp(2n,R) needs an even matrix size, got {name!r}")
            return _cached(key, build, m).copy()
    raise ValueError(f"name must be one of so(n), so(p,q), sl(n,R), su(n), su(p,q), u(n), "
                     f"sp(2n,R), sp(n), g2, f4, e6(-26); got {name!r}")
