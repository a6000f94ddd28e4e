"""The gradient route of :func:`symfast.discover`: normals from regression networks.

Networks regressed on (X, y) give, through their input gradients, the normal of the
level set through every point; the disagreement of networks fitted to disjoint halves
of the points is the noise of the mean normal, and the tangent method accepts the
fields whose residual stays below ``tol_ratio`` times it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from symfast._seeds import derive_seed


#: The largest tolerance on a field's residual (the RMS sine of its angle to the level
#: sets) that still tells a symmetry from a non-symmetry: 0.5 is 30 degrees.  Noise of the
#: normals of 0.24 (classifiers' logits on 20,000 top-quark jets) gives 0.98 at
#: tol_ratio=4, and the search over all of gl(16) then named a 17-dimensional algebra.
MAX_NORMAL_TOL = 0.5


def _normal_noise(grads: list[np.ndarray], halves: list[int] | None = None) -> float:
    """Noise of the mean normal: trimmed RMS sine between the models' normal spaces, / 2.

    For two independent estimates with errors of size s, their difference has size
    sqrt(2) s and their mean s / sqrt(2): half the disagreement.  Independent means
    fitted to different points: ``halves[i]`` names the half of the data model i saw,
    and only models of different halves are compared.  The worst 10 % of points are
    trimmed (near a critical point the gradient vanishes and its direction is noise,
    which the generator fit trims as well).
    """
    def frames(G: np.ndarray) -> np.ndarray:
        return np.linalg.qr(G.transpose(0, 2, 1))[0]

    sines = []
    for i in range(len(grads)):
        for j in range(i + 1, len(grads)):
            if halves is not None and halves[i] == halves[j]:
                continue
            cos = np.linalg.svd(np.einsum("nij,nik->njk", frames(grads[i]), frames(grads[j])),
                                compute_uv=False).min(axis=1)
            sines.append(np.sqrt(np.clip(1.0 - cos ** 2, 0.0, 1.0)))
    s = np.sort(np.concatenate(sines))
    s = s[:max(1, int(0.9 * s.size))]
    return float(np.sqrt(np.mean(s ** 2)) / 2.0)


def _gradient_route(X: np.ndarray, values: np.ndarray, *, sel: np.ndarray, hidden, epochs,
                    n_models: int, tol_ratio: float, seed: int, threads: int,
                    torch_threads: int | None, progress: bool, chunk: int,
                    loss: str = "squared", block: int | None = None,
                    device: str | None = None) -> tuple[Any, list, dict]:
    from symfast.symmetry import find_generators, find_tied_generators
    from symfast.nn import GradientRegressor

    models, grads = [], []
    # With several models, model i is trained on half i % 2 of the points.  Two networks
    # fitted to the same noisy values share the error that noise puts into their
    # gradients, and their disagreement misses it: on sin(2a.x) + (b.x)^2 with 1 % noise
    # (seed 1) both leaned the same way along b's complement, a true translation's
    # residual was 0.043 against a noise estimate of 0.0057, and the affine algebra lost
    # a field.  Fitted to disjoint halves, the two are independent estimates, which
    # is what the noise formula assumes: the same seed then gave noise 0.0095, every
    # true field below 0.01 and the first non-symmetry at 0.35.
    halves = None
    if n_models > 1:
        perm = np.random.default_rng(derive_seed(seed, "halves")).permutation(X.shape[0])
        halves = [np.sort(perm[0::2]), np.sort(perm[1::2])]
    for i in range(n_models):
        rows = halves[i % 2] if halves is not None else slice(None)
        # torch picks its own thread count for small networks unless the user set one
        reg = GradientRegressor(hidden, max_epochs=epochs, seed=derive_seed(seed, "regressor", i),
                                progress=progress, n_threads=torch_threads,
                                loss=loss, device=device).fit(X[rows], values[rows])
        models.append(reg)
        grads.append(reg.gradient(X[sel], chunk=chunk))
    G = np.mean(grads, axis=0)
    noise = (_normal_noise(grads, [i % 2 for i in range(n_models)]) if n_models > 1
             else None)
    # with one model there is no noise estimate: a fixed tolerance on the residual
    tol = tol_ratio * noise if noise is not None else 0.05
    if block is None and tol > MAX_NORMAL_TOL:
        # a residual is the sine of an angle: a tolerance this large accepts fields at
        # any angle to the level sets, and the count would be noise
        from symfast.symmetry import SymmetryResult

        d = X.shape[1]
        sym = SymmetryResult(np.zeros((0, d, d)), "tangent", np.zeros(0), np.zeros(0),
                             X[sel].mean(axis=0), unresolved=True,
                             reason=(f"the networks' normals disagree too much (noise "
                                     f"{noise:.3g} as an RMS sine): tol_ratio x noise = "
                                     f"{tol:.3g} exceeds {MAX_NORMAL_TOL}, and no field "
                                     "could be told from a non-symmetry; more data, or "
                                     "block= where the columns are objects of one kind"))
    elif block is None:
        sym = find_generators(X[sel], normals=G, normal_tol=max(tol, 1e-6), seed=seed,
                              n_threads=threads, max_points=sel.size)
    else:
        sym = find_tied_generators(X[sel], G, block, normal_tol=max(tol, 1e-6), seed=seed,
                                   max_points=sel.size)
    diag = {"normal_noise": noise, "normal_tol": tol, "n_models": n_models, "loss": loss,
            "epochs": [m.n_epochs_ for m in models],
            "fit_seconds": [round(m.fit_time_, 3) for m in models],
            "val_r2": [m.val_r2_.tolist() for m in models]}
    sym.diagnostics.update(diag)
    return sym, models, diag
