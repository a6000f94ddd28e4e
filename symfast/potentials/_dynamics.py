"""Simulated phase-space data: Hamiltonian systems integrated step by step.

Data that were not sampled for the method: states visited by trajectories of a
leapfrog (velocity Verlet) integrator from random initial conditions, each
labelled with the energy the simulation carries.  The energy is measured at every
recorded state, so the integrator's own energy error (of order (omega dt)^2 for the
oscillator, bounded because leapfrog is symplectic) is part of the data's noise.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from symfast._validation import check_float, check_int, check_seed


def _leapfrog(force: Callable[[np.ndarray], np.ndarray], q: np.ndarray, p: np.ndarray,
              mass: float, dt: float, n_steps: int, record_every: int
              ) -> tuple[np.ndarray, np.ndarray]:
    """Integrate all trajectories at once; states every ``record_every`` steps.

    Returns q and p of shape (n_records, n_trajectories, dim).
    """
    qs, ps = [], []
    f = force(q)
    for step in range(1, n_steps + 1):
        p = p + 0.5 * dt * f
        q = q + dt * p / mass
        f = force(q)
        p = p + 0.5 * dt * f
        if step % record_every == 0:
            qs.append(q)
            ps.append(p)
    return np.stack(qs), np.stack(ps)


def simulate_oscillator(n_trajectories: int = 200, points_per_trajectory: int = 25, *,
                        mass: float = 1.0, omega: float = 1.0, dim: int = 2,
                        dt: float = 0.01, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """States of the isotropic harmonic oscillator ``H = |p|^2 / 2m + m omega^2 |q|^2 / 2``.

    Initial positions and momenta are uniform in [-1, 1]^dim each; every trajectory
    runs for one period 2 pi / omega, and ``points_per_trajectory`` states are
    recorded at equal intervals along it.

    Parameters
    ----------
    n_trajectories, points_per_trajectory : int
    mass, omega : float
    dim : int, default=2
        Spatial dimensions; the phase space has 2 * dim coordinates.
    dt : float, default=0.01
        Leapfrog step (in units of 1 / omega).
    seed : int, default=0

    Returns
    -------
    X : ndarray of shape (n_trajectories * points_per_trajectory, 2 * dim)
        Phase-space points (q_1..q_dim, p_1..p_dim).
    energy : ndarray of shape (n_trajectories * points_per_trajectory,)
        H at each recorded state.

    Notes
    -----
    The exact symmetry algebra of H as a function on phase space (the linear
    fields tangent to its level sets) is so(2 dim) in the coordinates
    u = (sqrt(m) omega q, p / sqrt(m)), where ``H = |u|^2 / 2``; in (q, p) its basis is
    S^-1 A S with S = diag(sqrt(m) omega, ..., 1 / sqrt(m), ...) and A antisymmetric
    (:func:`oscillator_generators`).  For dim = 2 that is so(4), 6 generators, which
    contains the u(2) of the oscillator's dynamical symmetry.
    """
    n_traj = check_int(n_trajectories, "n_trajectories", minimum=1)
    per = check_int(points_per_trajectory, "points_per_trajectory", minimum=1)
    m = check_float(mass, "mass", positive=True)
    w = check_float(omega, "omega", positive=True)
    dim = check_int(dim, "dim", minimum=1, maximum=16)
    dt = check_float(dt, "dt", positive=True)
    if dt > 0.5:
        raise ValueError(f"dt must be at most 0.5 (in units of 1 / omega) for an accurate "
                         f"leapfrog orbit, got {dt:g}")
    rng = np.random.default_rng(check_seed(seed))
    q = rng.uniform(-1.0, 1.0, size=(n_traj, dim))
    p = rng.uniform(-1.0, 1.0, size=(n_traj, dim))
    every = max(1, int(round(2.0 * np.pi / dt / per)))       # steps between records
    qs, ps = _leapfrog(lambda x: -m * w * w * x, q, p, m, dt / w, every * per, every)
    X = np.concatenate([qs, ps], axis=2).transpose(1, 0, 2).reshape(-1, 2 * dim)
    energy = (np.sum(X[:, dim:] ** 2, axis=1) / (2.0 * m)
              + 0.5 * m * w * w * np.sum(X[:, :dim] ** 2, axis=1))
    return X, energy


def oscillator_generators(mass: float = 1.0, omega: float = 1.0, dim: int = 2) -> np.ndarray:
    """Basis (k, 2 dim, 2 dim) of the level-set algebra of the oscillator's H, k = dim(2 dim - 1).

    S^-1 A S for the antisymmetric unit matrices A, S = diag(sqrt(m) omega (dim times),
    1 / sqrt(m) (dim times)); see :func:`simulate_oscillator`.
    """
    m = check_float(mass, "mass", positive=True)
    w = check_float(omega, "omega", positive=True)
    dim = check_int(dim, "dim", minimum=1, maximum=16)
    n = 2 * dim
    s = np.array([np.sqrt(m) * w] * dim + [1.0 / np.sqrt(m)] * dim)
    out = []
    for i in range(n):
        for j in range(i + 1, n):
            A = np.zeros((n, n))
            A[i, j], A[j, i] = 1.0, -1.0
            out.append(A * s[None, :] / s[:, None])
    return np.array(out)
