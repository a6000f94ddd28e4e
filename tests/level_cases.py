"""Exact level sets of functions with known symmetry, for the route and large-algebra tests.

Each case is a function f: R^d -> R written from the structure that its symmetry
keeps (a quadratic form, the Hermitian products of complex vectors, a determinant,
the octonions' 3-form), made nonlinear in every invariant so that only their joint
stabiliser keeps its level sets.  The exact algebra is solved here, from the
function alone: the linear fields T with grad f(x) . T x = 0 at random points, with
gradients by the complex step (f is written in complex arithmetic that is real on
real inputs).  Points lie on {f = c} to 1e-9, reached by Newton steps along the
gradient from a Gaussian start, which gives a density along each level set that is
far from uniform (heavy tails on non-compact level sets).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import ortho_group


def grad(f, X: np.ndarray, h: float = 1e-8) -> np.ndarray:
    """Gradient of f at the rows of X by the complex step (no subtractive cancellation)."""
    base = f(X.astype(complex)).imag
    G = np.empty(X.shape)
    for j in range(X.shape[1]):
        Z = X.astype(complex)
        Z[:, j] += 1j * h
        G[:, j] = (f(Z).imag - base) / h
    return G


def exact_algebra(f, d: int, seed: int = 0) -> np.ndarray:
    """Basis (k, d, d) of the linear fields tangent to every level set of f."""
    n = max(3 * d * d, 200)
    X = np.random.default_rng(seed).normal(size=(n, d))
    rows = np.einsum("ni,nj->nij", grad(f, X), X).reshape(n, -1)
    w, V = np.linalg.eigh(rows.T @ rows)
    return V[:, w < 1e-12 * w[-1]].T.reshape(-1, d, d)


def sample(f, d: int, levels, per_level: int, seed: int = 0, spread: float = 0.5
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points on {f = c} for each level, in a random skewed frame A: (X, y, A).

    The frame maps x -> A x, A = Q1 diag(e^u) Q2 with u uniform in [-spread, spread];
    the function of the returned points is f(A^-1 u).
    """
    rng = np.random.default_rng(seed)
    X, y = [], []
    for i, c in enumerate(levels):
        Z = rng.normal(size=(2 * per_level, d))
        for _ in range(60):
            v = f(Z.astype(complex)).real - c
            if np.abs(v).max() < 1e-12 * max(1.0, abs(c)):
                break
            g = grad(f, Z)
            Z = Z - (v / np.maximum(np.sum(g * g, 1), 1e-300))[:, None] * g
        ok = np.abs(f(Z.astype(complex)).real - c) < 1e-9 * max(1.0, abs(c))
        Z = Z[ok][:per_level]
        X.append(Z)
        y.append(np.full(len(Z), i))
    A = skewed_frame(d, rng, spread)
    return np.concatenate(X) @ A.T, np.concatenate(y), A


def skewed_frame(d: int, rng: np.random.Generator, spread: float) -> np.ndarray:
    """A = Q1 diag(e^u) Q2, Q random orthogonal, u uniform in [-spread, spread]."""
    return (ortho_group.rvs(d, random_state=rng) @ np.diag(np.exp(rng.uniform(-spread, spread, d)))
            @ ortho_group.rvs(d, random_state=rng))


def in_frame(G: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Fields of x conjugated into the frame u = A x."""
    return A @ G @ np.linalg.inv(A)


def _complex_vectors(X, n: int, k: int):
    """k complex n-vectors and their conjugates from real coordinates (Re v1, Im v1, ...)."""
    vs = [X[:, 2 * n * i:2 * n * i + n] + 1j * X[:, 2 * n * i + n:2 * n * (i + 1)]
          for i in range(k)]
    cs = [X[:, 2 * n * i:2 * n * i + n] - 1j * X[:, 2 * n * i + n:2 * n * (i + 1)]
          for i in range(k)]
    return vs, cs


def so_pq(p: int, q: int = 0):
    """x^T eta x (and its square): so(p, q)."""
    eta = np.r_[np.ones(p), -np.ones(q)]

    def f(X):
        s = np.sum(eta * X * X, axis=1)
        return s + 0.3 * s * s
    return p + q, f


def u_n(n: int):
    """Two complex vectors z, w in C^n: every entry of their Hermitian Gram matrix, mixed
    nonlinearly: u(n) (the real inner product alone would allow so(2n), the symplectic
    form alone sp(2n, R))."""
    def f(X):
        (z, w), (zc, wc) = _complex_vectors(X, n, 2)
        a, b = np.sum(zc * z, 1), np.sum(wc * w, 1)
        h, hc = np.sum(zc * w, 1), np.sum(z * wc, 1)
        re, im = (h + hc) / 2, (h - hc) / 2j
        return (a + 2 * b + im + 0.3 * re + 0.2 * re * im + 0.1 * a * a + 0.05 * a * b
                + 0.07 * b * im)
    return 4 * n, f


def _det(M):
    if M.shape[1] == 1:
        return M[:, 0, 0]
    return sum((-1) ** j * M[:, 0, j] * _det(np.delete(np.delete(M, 0, 1), j, 2))
               for j in range(M.shape[1]))


def su_n(n: int):
    """n complex vectors: their Gram entries and the determinant (not kept by U(n))."""
    def f(X):
        vs, cs = _complex_vectors(X, n, n)
        det, detc = _det(np.stack(vs, 1)), _det(np.stack(cs, 1))
        out = sum((i + 1) * np.sum(cs[i] * vs[i], 1) for i in range(n))
        for i in range(n):
            for j in range(i + 1, n):
                g, gc = np.sum(cs[i] * vs[j], 1), np.sum(vs[i] * cs[j], 1)
                out = out + 0.1 * (i + 2 * j + 1) * (g + gc) / 2 + 0.07 * (j - i) * (g - gc) / 2j
        return out + (det + detc) / 2 + 0.5 * (det - detc) / 2j
    return 2 * n * n, f


def g2_cubic():
    """phi(x, y, z) + |x|^2 + |y|^2 + |z|^2 / 2 for three vectors of R^7: g2 + so(3)."""
    from symfast.symmetry._algebra._classical import octonion_table

    phi = np.transpose(octonion_table()[1:, 1:, 1:], (2, 0, 1))

    def f(X):
        x, y, z = X[:, :7], X[:, 7:14], X[:, 14:]
        return np.einsum("xyz,nx,ny,nz->n", phi, x, y, z) + 0.5 * np.sum(X * X, 1)
    return 21, f


def sp_n(n: int):
    """Two quaternionic vectors as vectors of C^2n: their norms, Hermitian product and
    complex symplectic product, mixed nonlinearly: sp(n) (a quartic in R^8n)."""
    m = 2 * n
    J = np.block([[np.zeros((n, n)), np.eye(n)], [-np.eye(n), np.zeros((n, n))]])

    def f(X):
        (x, y), (xc, yc) = _complex_vectors(X, m, 2)
        h, hc = np.sum(xc * y, 1), np.sum(x * yc, 1)
        s = np.einsum("ni,ij,nj->n", x, J, y)
        sc = np.einsum("ni,ij,nj->n", xc, J, yc)
        a, b = np.sum(xc * x, 1), np.sum(yc * y, 1)
        i1, i2, i3, i4 = (h + hc) / 2, (h - hc) / 2j, (s + sc) / 2, (s - sc) / 2j
        return (a + 2 * b + 0.5 * i1 + 0.3 * i2 + 0.7 * i3 + 0.4 * i4 + 0.1 * a * a
                + 0.05 * a * b + 0.06 * i1 * i2 + 0.08 * i3 * i4 + 0.03 * b * i3 + 0.02 * i1 * i4)
    return 8 * n, f


def sp_2nR(n: int):
    """Three vectors of R^2n: their three symplectic products, mixed nonlinearly:
    sp(2n, R) and one dilation that trades the vectors' scales (one vector alone has
    only constants: Sp(2n, R) is transitive; two have so(2n, 2n))."""
    J = np.block([[np.zeros((n, n)), np.eye(n)], [-np.eye(n), np.zeros((n, n))]])

    def f(X):
        v = [X[:, 2 * n * i:2 * n * (i + 1)] for i in range(3)]
        a, b, c = (np.einsum("ni,ij,nj->n", v[i], J, v[j]) for i, j in ((0, 1), (1, 2), (0, 2)))
        return a + 2 * b + 3 * c + 0.3 * a * b + 0.2 * b * c + 0.1 * a * c + 0.05 * a * a
    return 6 * n, f


def joint_sample(fs, d: int, targets, per_class: int, seed: int = 0, spread: float = 0.5
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points on the joint level sets {f_i = t_i} of several functions, one class per target
    vector, in a random skewed frame: (X, y, A) as :func:`sample` (Gauss-Newton steps on the
    stacked functions from a Gaussian start)."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for k, t in enumerate(np.asarray(targets, dtype=float)):
        Z = rng.normal(size=(2 * per_class, d))
        for _ in range(80):
            V = np.stack([f(Z.astype(complex)).real for f in fs], axis=1) - t
            if np.abs(V).max() < 1e-12:
                break
            G = np.stack([grad(f, Z) for f in fs], axis=1)             # (n, m, d)
            # least-norm Gauss-Newton step (pinv: the functions may be dependent somewhere)
            Z = Z - np.einsum("ndi,ni->nd", np.linalg.pinv(G), V)
        V = np.stack([f(Z.astype(complex)).real for f in fs], axis=1) - t
        ok = np.abs(V).max(axis=1) < 1e-9
        X.append(Z[ok][:per_class])
        y.append(np.full(min(int(ok.sum()), per_class), k))
    A = skewed_frame(d, rng, spread)
    return np.concatenate(X) @ A.T, np.concatenate(y), A


def exact_joint_algebra(fs, X: np.ndarray) -> np.ndarray:
    """The linear fields tangent to the joint level sets through the points X (n, d), in the
    functions' own frame: T x orthogonal to every grad f_i(x) at every point.

    Computed on the level sets, not at random points: on {f = t} a field may also mix the
    functions (grad f_i . T x = sum_j c_ij (f_j - t_j)), and with few classes such fields
    exist (two quaternionic vectors in three joint classes keep sp(3)+so(3), in six sp(3)).
    """
    n, d = X.shape
    rows = np.concatenate([np.einsum("ni,nj->nij", grad(f, X), X).reshape(n, -1) for f in fs])
    w, V = np.linalg.eigh(rows.T @ rows)
    return V[:, w < 1e-12 * w[-1]].T.reshape(-1, d, d)


def u_n_forms(n: int):
    """The four real quadratic forms of two complex vectors z, w of C^n: |z|^2, |w|^2,
    Re z^H w, Im z^H w; their joint stabiliser is u(n)."""
    def part(i):
        def f(X):
            (z, w), (zc, wc) = _complex_vectors(X, n, 2)
            h, hc = np.sum(zc * w, 1), np.sum(z * wc, 1)
            return [np.sum(zc * z, 1), np.sum(wc * w, 1), (h + hc) / 2, (h - hc) / 2j][i]
        return f
    return 4 * n, [part(i) for i in range(4)]


def sp_n_forms(n: int):
    """Two quaternionic vectors as vectors x, y of C^2n: |x|^2, |y|^2 and the real and
    imaginary parts of x^H y and x^T J y; their joint stabiliser is the compact sp(n)."""
    m = 2 * n
    J = np.block([[np.zeros((n, n)), np.eye(n)], [-np.eye(n), np.zeros((n, n))]])

    def part(i):
        def f(X):
            (x, y), (xc, yc) = _complex_vectors(X, m, 2)
            h, hc = np.sum(xc * y, 1), np.sum(x * yc, 1)
            s = np.einsum("ni,ij,nj->n", x, J, y)
            sc = np.einsum("ni,ij,nj->n", xc, J, yc)
            return [np.sum(xc * x, 1), np.sum(yc * y, 1), (h + hc) / 2, (h - hc) / 2j,
                    (s + sc) / 2, (s - sc) / 2j][i]
        return f
    return 8 * n, [part(i) for i in range(6)]


def su_n_forms(n: int):
    """n complex vectors of C^n: every entry of their Hermitian Gram matrix (n^2 real
    quadratic forms) and the real and imaginary parts of their determinant (degree n);
    the joint stabiliser is su(n) (the determinant is what U(n) does not keep)."""
    def gram(i, j, part):
        def f(X):
            vs, cs = _complex_vectors(X, n, n)
            g, gc = np.sum(cs[i] * vs[j], 1), np.sum(vs[i] * cs[j], 1)
            return (g + gc) / 2 if part == 0 else (g - gc) / 2j
        return f

    def det(part):
        def f(X):
            vs, cs = _complex_vectors(X, n, n)
            a, b = _det(np.stack(vs, 1)), _det(np.stack(cs, 1))
            return (a + b) / 2 if part == 0 else (a - b) / 2j
        return f
    fs = [gram(i, i, 0) for i in range(n)]
    fs += [gram(i, j, p) for i in range(n) for j in range(i + 1, n) for p in (0, 1)]
    return 2 * n * n, fs + [det(0), det(1)]
