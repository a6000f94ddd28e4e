"""Symmetries of maps: equivariance F(g x) = rho(g) F(x) from (X, Y) pairs.

Invariance asks which fields leave a function unchanged.  A map (a state and the next
state of a simulation, an input field and an output field) has symmetries that act on
both sides: an affine field v(x) = A x + a on the inputs and w(y) = B y + b on the
outputs with F(exp(t v) x) = exp(t w) F(x).  To first order in t,

    J_F(x) (A x + a) = B F(x) + b        at every x,

which is linear in (A, a, B, b).  A regression network X -> Y gives F and its Jacobian
J_F at every point (:class:`symfast.nn.GradientRegressor`), so the same null-space solve
as the invariance route finds every such pair.  When inputs and outputs are the same
kind of object (a state and the next state) the action is the same on both sides:
B = A, b = a, and only (A, a) is sought.  For such maps the network learns the step
g = F(x) - x (far better conditioned for a small time step) and the condition reads
J_g (A x + a) = A g.

Each field's residual is its defect relative to a size (a generalised eigenproblem), a
number between 0 (exact) and about 1: for pairs, RMS |J_F v - w(F)| over
sqrt(RMS |J_F v|^2 + RMS |w(F)|^2); in the step form, RMS |J_g v - A g| over what a
generic field of the same size would give, sqrt(mean |J_g|^2 |v|^2 / d + RMS |A g|^2)
(a symmetry can make both sides of the step form vanish).  The noise floor is what the
networks' own errors give a true symmetry: the Jacobians' relative error (half the two
networks' disagreement) and F's (from the held-out R^2), as the invariance route reads
its normals' noise.

Inputs and outputs are reduced to their affine spans first
(:mod:`symfast.symmetry._span`): fields acting off the data's span are not
constrained by the data and are reported as ``unconstrained``, never as symmetries.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from symfast._validation import check_array, check_float, check_int, check_seed

#: Fewest pairs a network is trained on (the same floor as :func:`symfast.discover`).
MIN_PAIRS = 50
#: Optimiser steps per network by default.  Measured on the 2-body map (15,000 pairs,
#: 2 networks (64, 64, 64), 2 cores, 2026-12-04): 8000 steps took 23 s and gave the
#: rotation with cosine 0.99998; 4000 steps took 15.5 s, cosine 0.99995 (relative
#: residual 0.033 against 0.31 for the next field; data seeds 0-3 all u(1)).
TRAIN_STEPS = 4000
#: Above this noise floor the networks fit the map too poorly for any count: the answer
#: is 'unresolved'.  A planar 3-body map with softening 0.05 (close encounters) was fitted
#: to held-out R^2 0.45 (noise 0.57), and its best field had cosine 0.78 to the rotation.
MAX_NOISE = 0.2
SAME_ACTION = ("auto", True, False)


@dataclass
class EquivarianceResult:
    """What :func:`discover_equivariance` found in (X, Y).

    Attributes
    ----------
    input_symmetry : SymmetryResult
        The fields A x + a on the inputs: generators (k, d, d), translations (k, d).
    output_symmetry : SymmetryResult
        The matching fields B y + b on the outputs, (k, m, m) and (k, m); the same
        object as ``input_symmetry`` when ``same_action``.
    same_action : bool
        Whether the group acts the same way on inputs and outputs (B = A).
    algebra : str
        The name of the algebra of the pairs (A, B) (the block-diagonal fields).
    residuals : ndarray of shape (k,)
        Relative residual of each generator.
    spectrum : ndarray
        Relative residuals of all candidate fields, ascending (the generators are
        the leading ones).
    noise_level : float
        The networks' disagreement on the residual of a field.
    unconstrained : int
        Affine fields that act off the data's span (inputs and outputs): not
        determined by the data, not reported as symmetries.
    score : dict
        Held-out R^2 of the regression (minimum over outputs and networks).
    diagnostics, timings : dict
    reason : str
        Why no generator was accepted, when none was.
    """

    input_symmetry: Any
    output_symmetry: Any
    same_action: bool
    algebra: str
    residuals: np.ndarray
    spectrum: np.ndarray
    noise_level: float
    unconstrained: int
    score: dict[str, float]
    diagnostics: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    reason: str = ""

    @property
    def n_generators(self) -> int:
        return self.input_symmetry.n_generators

    @property
    def generators(self) -> np.ndarray:
        """The input action's linear parts, shape (k, d, d)."""
        return self.input_symmetry.generators

    @property
    def output_generators(self) -> np.ndarray:
        """The output representation's linear parts, shape (k, m, m)."""
        return self.output_symmetry.generators

    def to_dict(self) -> dict[str, Any]:
        return {"algebra": self.algebra, "n_generators": self.n_generators,
                "same_action": self.same_action,
                "input": self.input_symmetry.to_dict(),
                "output": self.output_symmetry.to_dict(),
                "residuals": np.asarray(self.residuals).tolist(),
                "spectrum": np.asarray(self.spectrum).tolist(),
                "noise_level": self.noise_level, "unconstrained": self.unconstrained,
                "score": self.score, "diagnostics": self.diagnostics,
                "timings": self.timings, "reason": self.reason}

    def to_json(self, **kwargs: Any) -> str:
        from symfast._io import json_default

        return json.dumps(self.to_dict(), default=json_default, **kwargs)

    def __repr__(self) -> str:
        return (f"EquivarianceResult(algebra={self.algebra!r}, n_generators="
                f"{self.n_generators}, same_action={self.same_action})")


# -- the linear conditions -------------------------------------------------------------------
def _field_blocks(J: np.ndarray, X: np.ndarray, F: np.ndarray, same: bool
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The two sides of the linearised condition as matrices acting on the unknowns.

    Parameters
    ----------
    J : (n, m, d) Jacobians, X : (n, d) inputs, F : (n, m) outputs.
    same : bool
        The step form of a map of a space to itself: J and F are those of the
        step g = F(x) - x and the condition is J_g (A x + a) = A g (the identity
        parts of J_F = I + J_g and F = x + g cancel, taking a with them); the
        unknowns are (vec A, a).  Otherwise J (A x + a) = B F + b for the
        unknowns (vec A, a, vec B, b).

    Returns
    -------
    L, R : ndarray of shape (n * m, p)
        Rows of the left and the right side.
    """
    n, m, d = J.shape
    # J (A x + a): d/dA_jk = J_ij x_k, d/da_j = J_ij
    left = np.concatenate([(J[:, :, :, None] * X[:, None, None, :]).reshape(n, m, d * d), J],
                          axis=2)
    # B F + b: d/dB_ik = delta F_k, d/db_i = delta (no b in the step form)
    eye = np.eye(m)
    right = np.concatenate([(eye[None, :, :, None] * F[:, None, None, :]).reshape(n, m, m * m),
                            np.zeros((n, m, m)) if same else np.broadcast_to(eye, (n, m, m))],
                           axis=2)
    if same:
        return left.reshape(n * m, -1), right.reshape(n * m, -1)
    L = np.concatenate([left, np.zeros((n, m, m * m + m))], axis=2)
    R = np.concatenate([np.zeros((n, m, d * d + d)), right], axis=2)
    return L.reshape(n * m, -1), R.reshape(n * m, -1)


def _spectrum(M: np.ndarray, G: np.ndarray, rel: float = 1e-9
              ) -> tuple[np.ndarray, np.ndarray, int]:
    """Relative residuals (ascending) and unit vectors of the fields, and how many are free.

    Minimises |M t|^2 / t^T G t, M t the equivariance defect and G the size it is
    measured against; directions where G vanishes change nothing on the data
    (unconstrained).
    """
    from scipy.linalg import eigh

    w, V = np.linalg.eigh(G)
    ok = w > rel * w[-1]
    P = V[:, ok] / np.sqrt(w[ok])
    lam, U = eigh(P.T @ (M.T @ M) @ P)
    T = P @ U
    T /= np.linalg.norm(T, axis=0, keepdims=True)
    return np.sqrt(np.clip(lam, 0.0, None)), T.T, int((~ok).sum())


# -- the public entry point ------------------------------------------------------------------
def discover_equivariance(X: np.ndarray, Y: np.ndarray, *, same_action: str | bool = "auto",
                          hidden: Sequence[int] = (64, 64, 64), max_epochs: int | None = None,
                          n_models: int = 2, tol_ratio: float = 4.0,
                          max_points: int = 20_000, seed: int = 0,
                          n_threads: int | None = None,
                          progress: bool = True) -> EquivarianceResult:
    """Find the symmetries of a map: fields on X and Y with F(g x) = rho(g) F(x).

    Parameters
    ----------
    X : array_like of shape (n_pairs, d)
        Inputs (states at time t, say).
    Y : array_like of shape (n_pairs, m)
        Outputs (the states at t + dt), row i the image of row i of X.
    same_action : {"auto", True, False}, default="auto"
        True: the group acts the same way on both sides (B = A; needs m = d).
        False: seek pairs (A, B), fitting F itself.  "auto": the same action
        when m = d (the networks learn the step F(x) - x, where a pair is not
        defined: near the identity every pair (A, A) would pass), pairs when
        m != d.
    hidden : sequence of int, default=(64, 64, 64)
        Widths of the regression networks.
    max_epochs : int, optional
        Epochs per network (default: about ``TRAIN_STEPS`` optimiser
        steps, 20 to 300 epochs).
    n_models : int, default=2
        Networks trained with different seeds (their Jacobians are averaged);
        their disagreement is the Jacobians' noise (module documentation).
    tol_ratio : float, default=4.0
        A field is a symmetry when its relative residual is below ``tol_ratio``
        times the noise floor (and the count is cut at the largest jump there).
    max_points : int, default=20000
        Pairs whose Jacobians enter the solve (a random subset of more).
    seed : int, default=0
    n_threads : int, optional
        torch threads.
    progress : bool, default=True

    Returns
    -------
    EquivarianceResult

    Raises
    ------
    ValueError
        On shapes that do not match, non-finite values, fewer than 50 pairs,
        ``same_action=True`` with m != d, or data that span fewer than 2
        dimensions.
    """
    from symfast.symmetry import SymmetryResult
    from symfast.symmetry._continuous._tangent import _affine_basis, _field_gram
    from symfast.symmetry._continuous._result import lift_result
    from symfast.symmetry._span import affine_span
    from symfast.nn import GradientRegressor
    from symfast._seeds import derive_seed

    t0 = time.perf_counter()
    Xa = check_array(X, "X", ndim=2)
    Ya = check_array(Y, "Y")
    if Ya.ndim == 1:
        Ya = Ya[:, None]
    if Ya.ndim != 2 or Ya.shape[0] != Xa.shape[0]:
        raise ValueError(f"Y must have shape ({Xa.shape[0]}, m) to match X, got {np.shape(Y)}")
    n, d = Xa.shape
    m = Ya.shape[1]
    if n < MIN_PAIRS:
        raise ValueError(f"X and Y hold {n} pairs; at least {MIN_PAIRS} are needed to train "
                         "a network and hold some out")
    if same_action not in SAME_ACTION:
        raise ValueError(f"same_action must be 'auto', True or False, got {same_action!r}")
    if same_action is True and m != d:
        raise ValueError(f"same_action=True needs as many outputs as inputs, got d={d} and "
                         f"m={m}")
    seed = check_seed(seed)
    n_models = check_int(n_models, "n_models", minimum=1, maximum=16)
    tol_ratio = check_float(tol_ratio, "tol_ratio", positive=True)
    max_points = check_int(max_points, "max_points", minimum=MIN_PAIRS)
    if max_epochs is not None:
        max_epochs = check_int(max_epochs, "max_epochs", minimum=1)

    # a map of a space to itself is solved with one action only: the networks learn the
    # step g = F(x) - x (better conditioned), where a pair (A, B) is not defined, and
    # near the identity every pair (A, A) would pass the full condition
    # (same_action=False fits F itself instead); one span then serves both sides
    same = same_action is not False and m == d
    if same:
        span_x = span_y = affine_span(np.concatenate([Xa, Ya]))
    else:
        span_x, span_y = affine_span(Xa), affine_span(Ya)
    if span_x.dim < 2:
        raise ValueError("X spans fewer than 2 dimensions: no symmetry can be read from it")
    Z, W = span_x.reduce(Xa), span_y.reduce(Ya)
    r, s = Z.shape[1], W.shape[1]
    target = W - Z if same else W

    rng = np.random.default_rng(seed)
    sel = np.sort(rng.choice(n, max_points, replace=False)) if n > max_points else np.arange(n)
    steps_per_epoch = max(1, int(np.ceil(0.8 * n / 256)))
    epochs = max_epochs or int(np.clip(np.ceil(TRAIN_STEPS / steps_per_epoch), 20, 300))
    timings: dict[str, float] = {}
    t = time.perf_counter()
    Js, Fs, r2 = [], [], []
    for i in range(n_models):
        reg = GradientRegressor(tuple(hidden), max_epochs=epochs, progress=progress,
                                seed=derive_seed(seed, "equivariance", i),
                                n_threads=n_threads).fit(Z, target)
        Js.append(reg.gradient(Z[sel]).reshape(sel.size, target.shape[1], r))
        Fs.append(np.asarray(reg.predict(Z[sel])).reshape(sel.size, -1))
        r2.append(float(np.min(reg.val_r2_)))
    timings["regression"] = time.perf_counter() - t
    t = time.perf_counter()
    Zs = Z[sel]
    # the points in units of their spread: the fields' entries are then comparable
    mu = Zs.mean(axis=0)
    sc = float(np.sqrt(np.mean(np.sum((Zs - mu) ** 2, axis=1)))) or 1.0
    Zn = (Zs - mu) / sc
    J = np.mean(Js, axis=0)
    F = np.mean(Fs, axis=0)

    def blocks(Jk: np.ndarray, Fk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The defect of the conditions (rows by unknowns) and the Gram form it is
        measured against."""
        if same:
            # J_g (A x + a) - A g, against the size a generic field of the same size
            # would give: mean |J_g|^2 |v(x)|^2 + |A g|^2.  (A symmetry can make both
            # sides of the step form vanish, and the full sides J_F v, A F are
            # dominated by the identity, which every field satisfies.)
            Ls, Rs = _field_blocks(Jk, Zn, Fk / sc, True)
            w = np.sum(Jk ** 2, axis=(1, 2)) / r
            return Ls - Rs, _field_gram(Zn, w) + Rs.T @ Rs
        L, R = _field_blocks(Jk * sc, Zn, Fk, False)
        return L - R, L.T @ L + R.T @ R

    # the networks' errors, relative: the Jacobians' disagreement (half of it: the mean
    # of two estimates errs by half their difference) and the held-out fit of F
    jac_noise = (float(np.sqrt(np.mean((Js[0] - Js[1]) ** 2) / np.mean(J ** 2)) / 2.0)
                 if len(Js) > 1 else None)
    fit_noise = float(np.sqrt(max(1.0 - min(r2), 0.0)))
    vals, vecs, free = _spectrum(*blocks(J, F))
    noise = _noise(jac_noise, fit_noise)
    count = _count(vals, noise, tol_ratio)
    unresolved = noise > MAX_NOISE
    if unresolved:
        count = 0
    timings["solve"] = time.perf_counter() - t

    # the fields back in the span's coordinates: z_n = (z - mu) / sc
    null = np.linalg.qr(vecs[:count].T)[0].T if count else vecs[:0]
    if same:
        # one basis for the span: pure translations (zero linear part) apart, as the
        # invariance route reports them
        A, a, _ = _affine_basis(null[:, :r * r].reshape(count, r, r),
                                null[:, r * r:r * r + r], mu, sc)
        B, b = A, a
    else:
        A = null[:, :r * r].reshape(count, r, r)
        a = null[:, r * r:r * r + r] * sc - np.einsum("kij,j->ki", A, mu)
        B = null[:, r * r + r:r * r + r + s * s].reshape(count, s, s)
        b = null[:, r * r + r + s * s:]
    reason = "" if count else (
        f"no field fits within tol_ratio={tol_ratio:g} times the networks' noise "
        f"{noise:.3g} (best relative residual {vals[0]:.3g})")
    if unresolved:
        reason = (f"the networks fit the map too poorly to count symmetries: noise floor "
                  f"{noise:.3g} (above {MAX_NOISE:g}; held-out R^2 {min(r2):.3g}); more "
                  "pairs, a smaller time step or a smoother map would resolve it")
    res_k = vals[:count]
    spec = vals[:min(vals.size, max(12, count + 4))]
    diag = {"n_models": n_models, "epochs": epochs, "val_r2": r2, "pairs_used": int(sel.size),
            "free_directions": free, "span_inputs": span_x.summary(),
            "span_outputs": span_y.summary(), "jacobian_noise": jac_noise,
            "fit_noise": fit_noise}

    def result(T: np.ndarray, tb: np.ndarray, span: Any) -> Any:
        inner = SymmetryResult(T, "equivariance", spec, res_k, np.zeros(T.shape[1]),
                               noise_level=noise, reason=reason, translations=tb,
                               diagnostics=dict(diag), unresolved=unresolved)
        return lift_result(inner, span)

    inp = result(A, a, span_x)
    out = inp if same else result(B, b, span_y)
    joint = "unresolved" if unresolved else _joint_name(inp, out, same)
    unconstrained = span_x.unconstrained + (0 if same else span_y.unconstrained)
    timings["total"] = time.perf_counter() - t0
    return EquivarianceResult(inp, out, bool(same), joint, res_k, spec, noise, unconstrained,
                              {"r2": float(min(r2))}, diag, timings, reason)


def _noise(jac_noise: float | None, fit_noise: float) -> float:
    """The relative residual a true symmetry has from the networks' errors alone.

    A field's residual |J v - w(F)| / sqrt(|J v|^2 + |w(F)|^2) picks up the relative
    error of the Jacobian on one side and of F on the other: sqrt((dJ^2 + dF^2) / 2).
    dJ is half the two networks' disagreement, dF = sqrt(1 - held-out R^2).  With one
    network dJ is not known and is taken as 2 dF (measured on the 2-body map: 0.044
    against dF = 0.018).
    """
    dj = 2.0 * fit_noise if jac_noise is None else jac_noise
    return float(max(np.sqrt((dj ** 2 + fit_noise ** 2) / 2.0), 1e-6))


def _count(vals: np.ndarray, noise: float, tol_ratio: float) -> int:
    """Fields below tol_ratio x noise, cut at the largest jump among them."""
    J = int(np.sum(vals <= tol_ratio * noise))
    if J == 0:
        return 0
    top = np.maximum(vals[:J + 1], 1e-9)
    jumps = top[1:] / top[:-1]
    return int(np.argmax(jumps)) + 1 if jumps.size else J


def _joint_name(inp: Any, out: Any, same: bool) -> str:
    """The algebra of the pairs (A, B): named from the block-diagonal fields."""
    if same:
        return inp.algebra
    from symfast.symmetry import describe_algebra

    k, d, m = inp.n_generators, inp.generators.shape[1], out.generators.shape[1]
    T = np.zeros((k, d + m, d + m))
    T[:, :d, :d], T[:, d:, d:] = inp.generators, out.generators
    b = np.concatenate([inp.translations, out.translations], axis=1)
    return describe_algebra(T, b).name
