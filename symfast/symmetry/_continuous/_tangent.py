"""The ``tangent`` route: affine fields T x + b tangent to the level sets.

Each point's normal space N(x) (local PCA, or a fitted level function's gradient) gives
the linear conditions N(x)^T (T x + b) = 0; the null space of the stacked conditions is
the symmetry algebra.  Also the intrinsic-dimension probe and the rank reading.
"""

from __future__ import annotations

import numpy as np

from symfast._validation import check_n_threads


def _largest_gap_count(evr: np.ndarray, gap_ratio: float, k_max: int = 64) -> int:
    """Position of the largest ratio between consecutive descending values, if large enough."""
    m = min(k_max, evr.size - 1)
    if m < 1:
        return 1 if evr.size == 1 else 0
    floor = max(float(evr[0]) * 1e-15, 1e-300)
    ratios = evr[:m] / np.maximum(evr[1:m + 1], floor)
    j = int(np.argmax(ratios))
    return j + 1 if ratios[j] >= gap_ratio else 0


# -- the tangent method ----------------------------------------------------------------------
def _local_pca(Y: np.ndarray, k: int, threads: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eigenvalues (n, d) ascending, eigenvectors (n, d, d), neighbour ids (n, k)."""
    from symfast.analysis import knn

    _, I = knn(Y, k, n_threads=threads)
    w, V = np.linalg.eigh(_covariances(Y, I))
    return w, V, I


def _covariances(Y: np.ndarray, I: np.ndarray) -> np.ndarray:
    """Covariance (n, d, d) of each row's neighbours ``Y[I[row]]`` about their mean."""
    nb = Y[I]
    nb = nb - nb.mean(axis=1, keepdims=True)
    return np.einsum("nki,nkj->nij", nb, nb) / I.shape[1]


def intrinsic_dimension(Y: np.ndarray, k: int, threads: int | None = None) -> int:
    """Median over points of the local PCA dimension (largest gap in log eigenvalues)."""
    w, _, _ = _local_pca(Y, k, check_n_threads(threads))
    return _dimension_from_eigs(w)


#: Neighbourhood sizes of the tangent-space probe, as multiples of the method's k.
PROBE_SCALES = (1, 2, 4)

#: Query points of the probe per cloud (their neighbours come from every point).
PROBE_QUERIES = 2000


def probe_queries(Y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The probe's query points: ``PROBE_QUERIES`` rows of Y drawn at random (all if fewer)."""
    n = Y.shape[0]
    return Y[rng.choice(n, PROBE_QUERIES, replace=False)] if n > PROBE_QUERIES else Y


def probe_sizes(n: int, k: int) -> list[int]:
    """Neighbourhood sizes ``k`` times ``PROBE_SCALES`` that a cloud of n points holds
    three times over (k alone when none does)."""
    return [k * m for m in PROBE_SCALES if 3 * k * m <= n] or [k]


def local_dimensions(Y: np.ndarray, Q: np.ndarray, sizes: list[int],
                     threads: int | None = None) -> dict[int, int]:
    """Median local PCA dimension of the queries Q among the points Y, for each size.

    A query's own point is one of its neighbours (distance 0): it is a point of the
    neighbourhood like any other, so the nearest ones are taken as they come.
    """
    from symfast.analysis import knn

    if not sizes:
        return {}
    _, I = knn(Y, min(max(sizes), Y.shape[0]), queries=Q, n_threads=check_n_threads(threads))
    return {kk: _dimension_from_eigs(np.linalg.eigvalsh(_covariances(Y, I[:, :kk])))
            for kk in sizes}


def tangent_probe(Y: np.ndarray, k: int, rng: np.random.Generator,
                  threads: int | None = None) -> dict[int, int]:
    """Local PCA dimension of a cloud at several neighbourhood sizes.

    Up to ``PROBE_QUERIES`` random points are queried, each against *every* point of
    the cloud, at ``k`` times each of ``PROBE_SCALES`` neighbours (while the cloud has
    three times that many points).  A subsample of the cloud would thin its density,
    and one size would see a thick band as filling space where a larger neighbourhood
    sees its tangent plane (or a curved set as filling space where a smaller one sees
    it).

    Returns
    -------
    dict
        Neighbourhood size -> median dimension over the queries (the ambient
        dimension: no tangent space seen at that size).
    """
    return local_dimensions(Y, probe_queries(Y, rng), probe_sizes(Y.shape[0], k), threads)


def _dimension_from_eigs(w: np.ndarray) -> int:
    d = w.shape[1]
    lw = np.log(np.maximum(w, 1e-300 + 1e-14 * w[:, -1:]))
    gaps = np.diff(lw, axis=1)
    # dims above the largest gap; a gap below a factor 4 means "fills space" (with k
    # neighbours in d dimensions, sample-covariance eigenvalues of a space-filling cloud
    # differ by less)
    j = np.argmax(gaps, axis=1)
    big = gaps[np.arange(w.shape[0]), j] > np.log(4.0)
    m = np.where(big, d - 1 - j, d)
    return int(np.median(m))


def _constraint_rows(Y: np.ndarray, N: np.ndarray, normalize: bool = True) -> np.ndarray:
    """Rows of N(x)^T (T y + b) = 0 for points Y (n, d) with normal frames N (n, d, m).

    With ``normalize``, each row is divided by |y|, so that a row's residual reads
    as the sine of the angle between the field and the tangent space.
    """
    d = Y.shape[1]
    nn = N.shape[2]
    Nt = N.transpose(0, 2, 1)                                    # (n, nn, d)
    lin = (Nt[:, :, :, None] * Y[:, None, None, :]).reshape(-1, d * d)
    aff = Nt.reshape(-1, d)
    rows = np.concatenate([lin, aff], axis=1)
    if normalize:
        rows /= np.repeat(np.maximum(np.linalg.norm(Y, axis=1), 1e-12), nn)[:, None]
    return rows


def _field_gram(Y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """sum_x w(x) |T y + b|^2 as a quadratic form on the flattened field (T, b).

    With v_i = sum_j T_ij y_j + b_i, the form is I_d (x) [[C, s], [s^T, W]] in the
    order (T row i, b_i), with C = sum w y y^T, s = sum w y, W = sum w; returned in
    the order (T flattened row-major, b), shape (d^2 + d, d^2 + d).
    """
    d = Y.shape[1]
    C = (Y * w[:, None]).T @ Y
    s = w @ Y
    G = np.zeros((d * d + d, d * d + d))
    for i in range(d):
        t = slice(i * d, (i + 1) * d)
        G[t, t] = C
        G[t, d * d + i] = s
        G[d * d + i, t] = s
        G[d * d + i, d * d + i] = w.sum()
    return G


def _relative_singular(M: np.ndarray, G: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ascending sqrt of the generalized eigenvalues of (M^T M, G), unit-norm vectors.

    The value for a field is the RMS of its normal component over the RMS of the
    field itself: a sine of the angle between field and tangent spaces that a small
    field cannot make small.
    """
    from scipy.linalg import eigh

    A = M.T @ M
    ridge = 1e-12 * np.trace(G) / G.shape[0]
    w, V = eigh(A, G + ridge * np.eye(G.shape[0]))
    V = V / np.linalg.norm(V, axis=0, keepdims=True)
    return np.sqrt(np.clip(w, 0.0, None)), V.T


def _tangent_rows(Y: np.ndarray, k: int, threads: int, codim: int | None = None
                  ) -> tuple[np.ndarray | None, int, np.ndarray | None]:
    """Constraint rows of one cloud (already centred and scaled), its dimension, normal noise.

    ``codim`` fixes the dimension of the normal space (m for a joint level set of m
    functions) instead of reading it off the local PCA spectrum.
    """
    n, d = Y.shape
    w, V, I = _local_pca(Y, k, threads)
    m = _dimension_from_eigs(w) if codim is None else d - codim
    if m >= d or m < 1:
        return None, m, None
    nn = d - m
    N = V[:, :, :nn]
    quality = w[:, nn - 1] / np.maximum(w[:, nn], 1e-300)
    r = np.linalg.norm(Y, axis=1)
    keep = (quality < 0.1) & (r > 0.2 * np.median(r))
    # noise of the normals: two halves of each neighbourhood, fitted separately
    halves = []
    for J in (I[:, 0::2], I[:, 1::2]):
        nb = Y[J] - Y[J].mean(axis=1, keepdims=True)
        _, Vh = np.linalg.eigh(np.einsum("nki,nkj->nij", nb, nb))
        halves.append(Vh[:, :, :nn])
    cosines = np.linalg.svd(np.einsum("nij,nik->njk", halves[0], halves[1]),
                            compute_uv=False).min(axis=1)
    sines = np.sqrt(np.clip(1.0 - cosines**2, 0.0, 1.0))[keep]
    Yk, Nk = Y[keep], N[keep]
    if Yk.shape[0] == 0:
        return None, m, None
    return _constraint_rows(Yk, Nk), m, sines


def _tangent_method(clouds: list[np.ndarray], *, k: int | None, rng: np.random.Generator,
                    threads: int, max_points: int, tol_ratio: float,
                    forced: int | None, codim: int | None = None,
                    normals: list[np.ndarray] | None = None,
                    normal_tol: float = 0.05) -> dict:
    d = clouds[0].shape[1]
    allpts = np.concatenate(clouds)
    center0 = allpts.mean(axis=0)
    scale = float(np.median(np.linalg.norm(allpts - center0, axis=1)))
    kk = k if k is not None else max(2 * d, 12)
    rows, sines, dims = [], [], []
    row_points: list[np.ndarray] = []      # given normals: the point of each row, its weight
    row_weights: list[np.ndarray] = []
    for i, cloud in enumerate(clouds):
        Nc = None if normals is None else normals[i]
        if cloud.shape[0] > max_points:
            sel = rng.choice(cloud.shape[0], max_points, replace=False)
            cloud = cloud[sel]
            Nc = None if Nc is None else Nc[sel]
        if Nc is not None:
            # given normals (gradients of a fitted level function): no local PCA
            Yc = (cloud - center0) / scale
            rows.append(_constraint_rows(Yc, Nc, normalize=False))
            row_points.append(np.repeat(Yc, Nc.shape[2], axis=0))
            row_weights.append(np.full(Yc.shape[0] * Nc.shape[2], 1.0 / Nc.shape[2]))
            dims.append(d - Nc.shape[2])
            continue
        if cloud.shape[0] < kk + 2:
            dims.append(None)
            continue
        R, m, s = _tangent_rows((cloud - center0) / scale, kk, threads, codim)
        dims.append(m)
        if R is not None:
            rows.append(R)
            sines.append(s)
    diag = {"intrinsic_dimensions": dims, "k": kk, "rows": 0,
            "normals": "given" if normals is not None else "local PCA"}
    if not rows:
        return {"generators": np.zeros((0, d, d)), "translations": np.zeros((0, d)),
                "spectrum": np.zeros(0), "residuals": np.zeros(0), "center": center0,
                "noise": None, "diag": diag,
                "reason": "no cloud had a usable tangent space (too few points, or the "
                          "points fill the space)"}
    M = np.concatenate(rows)
    diag["rows"] = int(M.shape[0])
    keep = np.ones(M.shape[0], dtype=bool)
    if normals is not None:
        # residuals relative to the field's own size (an almost vanishing field is
        # not almost tangent)
        P, Wr = np.concatenate(row_points), np.concatenate(row_weights)

        def spectrum(sel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return _relative_singular(M[sel], _field_gram(P[sel], Wr[sel]))
    else:
        def spectrum(sel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return _ascending_singular(M[sel])
    for _ in range(3):
        s, Vt = spectrum(keep)
        j = max(1, int(np.sum(s <= 3.0 * s[0])))
        res = np.linalg.norm(M @ Vt[:j].T, axis=1)
        keep = res <= np.quantile(res, 0.9)
    s, Vt = spectrum(keep)
    diag["rows_kept"] = int(keep.sum())
    diag["singular_values"] = s[:min(s.size, 12)].tolist()
    if normals is not None:
        noise = None
        threshold = normal_tol
    else:
        sig = np.concatenate(sines)
        noise = float(np.sqrt(np.mean(sig**2)) / 2.0) if sig.size else float("nan")
        threshold = tol_ratio * noise
    reason = ""
    diag["threshold"] = float(threshold)
    if forced is not None:
        count = forced
    else:
        J = int(np.sum(s <= threshold))
        if J == 0:
            count = 0
            what = (f"normal_tol={normal_tol:g}" if normals is not None else
                    f"tol_ratio={tol_ratio:g} of the normal noise {noise:.3g}")
            reason = (f"no direction fits the tangent spaces within {what} "
                      f"(best residual {s[0]:.3g})")
        else:
            # residuals are sines of angles: below 1e-9 they are all exact zeros, and
            # jumps among rounding errors must not decide the count
            top = np.maximum(s[:J + 1], 1e-9)
            jumps = top[1:] / top[:-1]
            count = int(np.argmax(jumps)) + 1 if jumps.size else J
    # enough of the spectrum to see the gap after the count
    diag["singular_values"] = s[:min(s.size, max(12, count + 4))].tolist()
    # an orthonormal basis of the span (generalized eigenvectors are not orthogonal)
    null = np.linalg.qr(Vt[:count].T)[0].T if count else Vt[:0]
    gens, trans, center = _affine_basis(null[:, :d * d].reshape(count, d, d), null[:, d * d:],
                                        center0, scale)
    spec = s**2 / np.sum(s**2) if np.sum(s**2) > 0 else s
    return {"generators": gens, "translations": trans, "spectrum": spec,
            "residuals": s[:gens.shape[0]], "center": center, "noise": noise, "diag": diag,
            "reason": reason}


def _ascending_singular(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Singular values of M / sqrt(rows), ascending, with their right singular vectors.

    From the eigen-decomposition of the small Gram matrix M^T M ((d^2 + d) square):
    the rows run to hundreds of thousands, and one pass over them is much cheaper
    than an SVD.  Squaring costs precision only below 1e-8 of the largest value,
    far under the residuals that the count rule separates.
    """
    w, V = np.linalg.eigh(M.T @ M / M.shape[0])
    return np.sqrt(np.clip(w, 0.0, None)), V.T


def _linear_rank(sv: np.ndarray, single_tol: float = 0.05, ceiling: float = 0.5,
                 min_ratio: float = 3.0) -> int:
    """How many of the unit-norm fields keep a linear part: the rest are pure translations.

    ``sv`` are the singular values (descending) of the fields' stacked linear parts.
    A noisy translation keeps a linear part of the order of the noise (0.03 at 1 %
    noise on the gradients), so a fixed threshold either keeps it or eats a genuine
    small one; the split is put at the largest ratio between consecutive values
    among those below ``ceiling`` (a field mostly translation), when that ratio is at
    least ``min_ratio``.  A span of translations alone (all values small, no ratio to
    read) is taken below ``single_tol``.
    """
    count = sv.size
    if count == 0:
        return 0
    v = np.maximum(sv, 1e-12)
    best, best_ratio = count, min_ratio
    for i in range(1, count):
        if v[i] < ceiling and v[i - 1] / v[i] >= best_ratio:
            best, best_ratio = i, v[i - 1] / v[i]
    if best == count and v[0] < single_tol:
        return 0
    return best


def _affine_basis(lin: np.ndarray, b: np.ndarray, center0: np.ndarray, scale: float,
                  translation_tol: float = 0.05
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Canonical basis of a span of affine fields found in scaled coordinates.

    The null vectors (T, b_y) act on y = (x - center0) / scale; in x they read
    x -> T x + (scale b_y - T center0).  Directions whose linear part vanishes
    (:func:`_linear_rank`: split at a gap in the singular values of the stacked T,
    each null vector of unit norm; ``translation_tol`` only when every field is a
    translation) are pure translations and come last, with T = 0 exactly; the others have
    Frobenius-orthonormal linear parts, with their translations made orthogonal to
    the pure ones.  The centre is the least-squares common fixed point.

    Returns
    -------
    generators : (k, d, d), translations : (k, d), center : (d,)
    """
    count, d = lin.shape[0], center0.shape[0]
    if count == 0:
        return np.zeros((0, d, d)), np.zeros((0, d)), center0
    L = lin.reshape(count, d * d)
    U, sv, Vt = np.linalg.svd(L, full_matrices=True)
    sv = np.concatenate([sv, np.zeros(count - sv.size)])
    r = _linear_rank(sv, translation_tol)
    coef = U.T                                        # rows: combinations of null vectors
    T_lin = Vt[:r].reshape(r, d, d)                   # orthonormal linear parts
    b_lin = (coef[:r] @ b) / sv[:r, None]
    b_pure = coef[r:] @ b
    # pure translations: orthonormal directions of their b parts
    if b_pure.shape[0]:
        _, _, Wt = np.linalg.svd(b_pure, full_matrices=False)
        P = Wt[:b_pure.shape[0]]
        b_lin = b_lin - (b_lin @ P.T) @ P
    else:
        P = np.zeros((0, d))
    # back to x: b_x = scale * b_y - T center0 (pure translations keep their direction)
    b_x = scale * b_lin - np.einsum("kij,j->ki", T_lin, center0)
    # sign convention: the largest entry of each linear part is positive
    for i in range(r):
        flat = T_lin[i].ravel()
        if flat[np.argmax(np.abs(flat))] < 0:
            T_lin[i], b_x[i] = -T_lin[i], -b_x[i]
    for i in range(P.shape[0]):
        if P[i][np.argmax(np.abs(P[i]))] < 0:
            P[i] = -P[i]
    gens = np.concatenate([T_lin, np.zeros((P.shape[0], d, d))])
    trans = np.concatenate([b_x, P])
    center = center0
    if r:
        c, *_ = np.linalg.lstsq(T_lin.reshape(r * d, d), -b_x.reshape(-1), rcond=None)
        center = c
    return gens, trans, center

