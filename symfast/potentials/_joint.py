"""Joint level sets of potentials with m > 1 real outputs (codimension m): the outputs
read as real, numerical Jacobians, joint bins and the Gauss-Newton sampler.

A ray does not cross a level set of codimension m > 1, so each point is a Gauss-Newton
projection, x <- x - J^T (J J^T)^-1 (V(x) - t), of a point drawn uniformly in the ball
onto a target t drawn uniformly in the class's window (one interval per output), kept
when it ends inside the ball and the window.  A class is one joint bin: one level per
output.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from symfast._validation import check_array
from symfast.potentials._registry import Potential


def real_outputs(values: np.ndarray, n: int) -> np.ndarray:
    """A potential's values as real outputs of shape (n, m).

    Real (n,) -> m = 1; real (n, m) -> m; complex (n,) -> (Re, Im); complex (n, m) ->
    the m real parts, then the m imaginary parts.
    """
    v = np.asarray(values)
    if v.shape[:1] != (n,) or v.ndim > 2:
        raise ValueError(f"potential(X) must return shape ({n},) or ({n}, m) for {n} points, "
                         f"got shape {v.shape}")
    if np.iscomplexobj(v):
        v = v.reshape(n, -1)
        v = np.concatenate([v.real, v.imag], axis=1)
    return np.asarray(v, dtype=np.float64).reshape(n, -1)


def count_outputs(V: Callable, dim: int, radius: float) -> int:
    """How many real outputs a potential has (probed on a few points in the ball)."""
    if isinstance(V, Potential) and V.polynomial is not None:
        return V.n_outputs
    probe = np.random.default_rng(0).uniform(-radius, radius, size=(4, dim)) / np.sqrt(dim)
    return real_outputs(V(probe), 4).shape[1]


def numerical_jacobian(V: Callable, X: np.ndarray, m: int, h: float | None = None
                       ) -> np.ndarray:
    """Central-difference Jacobian of the real outputs, shape (n, m, d)."""
    n, d = X.shape
    step = h if h is not None else 1e-6 * max(1.0, float(np.abs(X).max()))
    J = np.empty((n, m, d))
    for j in range(d):
        E = np.zeros(d)
        E[j] = step
        J[:, :, j] = (real_outputs(V(X + E), n) - real_outputs(V(X - E), n)) / (2 * step)
    return J


def _values_and_jacobian(V: Callable, X: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(V, Potential) and V.polynomial is not None:
        F = np.stack([p(X) for p in V.polynomials], axis=1)
        J = np.stack([p.gradient(X) for p in V.polynomials], axis=1)
        return F, J
    return real_outputs(V(X), X.shape[0]), numerical_jacobian(V, X, m)


def _sample_joint(V: Callable, m: int, dim: int, radius: float, levels: np.ndarray,
                  widths: np.ndarray, per_class: int, rng: np.random.Generator,
                  max_rounds: int = 60, newton_steps: int = 40) -> np.ndarray:
    """Points in every joint window by Gauss-Newton projection (module docstring).

    ``levels`` has shape (n_classes, m), ``widths`` shape (m,).  Returns shape
    (n_classes * per_class, dim), grouped by class.
    """
    n_cls = levels.shape[0]
    found: list[list[np.ndarray]] = [[] for _ in range(n_cls)]
    have = np.zeros(n_cls, dtype=np.int64)
    for _ in range(max_rounds):
        need = np.maximum(per_class - have, 0)
        if not need.any():
            break
        # oversample: about half the projections end outside the ball or the window
        reps = np.where(need > 0, np.maximum(2 * need + 8, 16), 0)
        cls = np.repeat(np.arange(n_cls), reps)
        k = cls.size
        u = _directions(rng, k, dim)
        x = u * (radius * rng.random(k) ** (1.0 / dim))[:, None]
        target = levels[cls] + widths * rng.uniform(-1.0, 1.0, size=(k, m))
        for _ in range(newton_steps):
            F, J = _values_and_jacobian(V, x, m)
            r = F - target
            JJt = np.einsum("kmd,knd->kmn", J, J) + 1e-12 * np.eye(m)
            try:
                sol = np.linalg.solve(JJt, r[:, :, None])[:, :, 0]
            except np.linalg.LinAlgError:
                sol = np.linalg.lstsq(JJt.reshape(-1, m), r.reshape(-1), rcond=None)[0]
                sol = sol.reshape(k, m)
            step = np.einsum("kmd,km->kd", J, sol)
            # damp steps longer than a quarter of the radius
            sn = np.linalg.norm(step, axis=1, keepdims=True)
            step *= np.minimum(1.0, 0.25 * radius / np.maximum(sn, 1e-300))
            x = x - np.where(np.isfinite(step), step, 0.0)
            if np.abs(r).max(axis=1).max() < 1e-3 * widths.min():
                break
        F, _ = _values_and_jacobian(V, x, m)
        ok = (np.all(np.abs(F - levels[cls]) <= widths, axis=1)
              & (np.linalg.norm(x, axis=1) <= radius) & np.all(np.isfinite(x), axis=1))
        for c in np.unique(cls[ok]):
            pts = x[ok & (cls == c)][:need[c]]
            found[c].append(pts)
            have[c] += pts.shape[0]
    short = np.flatnonzero(have < per_class)
    if short.size:
        c = int(short[0])
        raise ValueError(f"joint level {levels[c].tolist()}: only {have[c]} of {per_class} "
                         f"points in {max_rounds} rounds; the window is out of reach within "
                         f"radius {radius:g} (widen the width or the radius)")
    return np.concatenate([np.concatenate(f)[:per_class] for f in found])


def joint_bins(sizes: Sequence[int]) -> np.ndarray:
    """The joint classes of several outputs, in the order ``sample_level_sets`` uses.

    Parameters
    ----------
    sizes : sequence of int, shape (m,)
        Number of levels of each output.

    Returns
    -------
    ndarray of shape (prod(sizes), m), int64
        Row c holds the level index of each output in joint class c (C order, the
        last output fastest), so that c = numpy.ravel_multi_index(row, sizes).
    """
    return np.stack(np.meshgrid(*[np.arange(n) for n in sizes], indexing="ij"),
                    axis=-1).reshape(-1, len(sizes)).astype(np.int64)


def joint_class(y: np.ndarray, sizes: Sequence[int]) -> np.ndarray:
    """Joint class ids, shape (n,), from per-output labels (n, m) (labels (n,) pass through)."""
    y = np.asarray(y)
    if y.ndim == 1:
        return y.astype(np.int64)
    return np.ravel_multi_index(tuple(y.T), tuple(sizes)).astype(np.int64)


def _joint_levels(levels: Any, m: int) -> list[np.ndarray]:
    """Validate per-output levels for an m-output potential: m sequences."""
    if isinstance(levels, np.ndarray) and levels.ndim == 2:
        seqs = list(levels)
    else:
        try:
            seqs = list(levels)
        except TypeError:
            raise TypeError(f"levels must be a sequence, got {type(levels).__name__}") from None
        if not seqs or np.ndim(seqs[0]) != 1:
            raise ValueError(f"the potential has {m} outputs, so levels must be a sequence of "
                             f"{m} level sequences (one per output), got shape "
                             f"{np.shape(levels)}")
    if len(seqs) != m:
        raise ValueError(f"levels must hold one level sequence per output: the potential "
                         f"has {m} outputs, got {len(seqs)} sequences (shape mismatch)")
    out = []
    for j, lv in enumerate(seqs):
        arr = check_array(lv, f"levels[{j}]", ndim=1, min_rows=1)
        out.append(arr)
    return out


def _directions(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    u = rng.standard_normal((n, dim))
    norms = np.linalg.norm(u, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return u / norms


def _sample_multi(V: Callable, label: str, m: int, d: int, r: float, levels: Any,
                  width: Any, per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """sample_level_sets for m > 1 outputs: joint bins, Gauss-Newton projection."""
    per = _joint_levels(levels, m)
    for j, lv in enumerate(per):
        if np.iscomplexobj(lv):
            raise ValueError(f"levels[{j}] must be real")
    w = np.broadcast_to(np.asarray(width, dtype=np.float64), (m,)) if np.ndim(width) == 0 \
        else np.asarray(width, dtype=np.float64)
    if w.shape != (m,):
        raise ValueError(f"width must be one float or one per output ({m}), got shape "
                         f"{np.shape(width)}")
    if not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise ValueError(f"width must be positive and finite, got {np.asarray(width).tolist()}")
    rng = np.random.default_rng(seed)
    # the range of each output over the ball, to name unreachable levels
    probe = _directions(rng, 4096, d) * (r * rng.random(4096) ** (1.0 / d))[:, None]
    vals = real_outputs(V(probe), probe.shape[0])
    for j, lv in enumerate(per):
        lo, hi = float(np.nanmin(vals[:, j])), float(np.nanmax(vals[:, j]))
        for i, level in enumerate(lv):
            if level + w[j] < lo or level - w[j] > hi:
                raise ValueError(
                    f"levels[{j}][{i}]={level:g} is not reached by output {j} of potential "
                    f"{label!r} within radius {r:g}: it takes values in about "
                    f"[{lo:.6g}, {hi:.6g}] there")
    idx = joint_bins([lv.size for lv in per])
    joint = np.stack([per[j][idx[:, j]] for j in range(m)], axis=1)
    X = _sample_joint(V, m, d, r, joint, w, per_class, rng)
    y = np.repeat(idx, per_class, axis=0).astype(np.int64)
    return X, y
