"""Planar gravitational N-body orbits: (state, next state) pairs for the equivariance finder.

A state is (q_1, ..., q_N, p_1, ..., p_N), each a planar vector, so a row has 4 N
numbers.  Orbits are integrated with the kick-drift-kick leapfrog (symplectic, second
order) at a fixed step, with Plummer softening eps (the force G m_i m_j r / (r^2 +
eps^2)^(3/2)), which keeps close encounters finite and leaves every rotation and
translation of the plane a symmetry.  The pairs are (x(t), x(t + dt)) along each orbit,
``substeps`` leapfrog steps apart.

The map x(t) -> x(t + dt) commutes with the rotation of every planar vector at once (the
so(2) that conserves angular momentum) and, outside the centre-of-mass frame, with the
translation of every position (and shifts of the positions in proportion to the conserved
total momentum).  Kepler's scaling (x -> l x, t -> l^(3/2) t) changes the
time step, so it is not a symmetry of a fixed-step map.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from symfast._validation import check_float, check_int, check_seed, take_renamed


def _accelerations(q: np.ndarray, m: np.ndarray, G: float, eps: float) -> np.ndarray:
    """(orbits, N, 2) accelerations of positions q (orbits, N, 2)."""
    r = q[:, None, :, :] - q[:, :, None, :]                  # r[o, i, j] = q_j - q_i
    inv = (np.sum(r * r, axis=-1) + eps * eps) ** -1.5
    idx = np.arange(q.shape[1])
    inv[:, idx, idx] = 0.0
    return G * np.einsum("oij,oijk,j->oik", inv, r, m)


def nbody_pairs(n_bodies: int = 2, n_orbits: int = 150, steps: int = 100, *,
                dt: float = 0.1, substeps: int = 10, masses: np.ndarray | None = None,
                center_of_mass: bool = True, G: float = 1.0, softening: float = 0.05,
                seed: int = 0, **renamed: Any) -> tuple[np.ndarray, np.ndarray]:
    """(state, next state) pairs along random bound planar N-body orbits.

    Parameters
    ----------
    n_bodies : int, default=2
    n_orbits : int, default=150
        Independent orbits, each from random initial conditions: positions
        uniform in the unit disc (2 bodies: opposite points), velocities of
        0.6 to 1.1 times the circular speed about the centre of mass, turned by
        up to 20 degrees.
    steps : int, default=100
        Pairs per orbit.
    dt : float, default=0.1
        Time between a state and the next.
    substeps : int, default=10
        Leapfrog steps per ``dt``.
    masses : array_like of shape (n_bodies,), optional
        Default: all 1.
    center_of_mass : bool, default=True
        Start in the centre-of-mass frame (total momentum 0, centre of mass at
        the origin; the states then span 4 N - 4 dimensions).
    G, softening : float
    seed : int, default=0

    Returns
    -------
    X, Y : ndarray of shape (n_orbits * steps, 4 n_bodies)
        States (q_1x, q_1y, ..., q_Nx, q_Ny, p_1x, p_1y, ..., p_Ny) and the same
        states ``dt`` later.
    """
    center_of_mass = take_renamed("nbody_pairs", renamed,
                                  {"centre_of_mass": "center_of_mass"}).get("center_of_mass",
                                                                            center_of_mass)
    N = check_int(n_bodies, "n_bodies", minimum=2, maximum=16)
    n_orbits = check_int(n_orbits, "n_orbits", minimum=1)
    steps = check_int(steps, "steps", minimum=1)
    substeps = check_int(substeps, "substeps", minimum=1)
    dt = check_float(dt, "dt", positive=True)
    G = check_float(G, "G", positive=True)
    eps = check_float(softening, "softening", minimum=0.0)
    m = np.ones(N) if masses is None else np.asarray(masses, dtype=np.float64)
    if m.shape != (N,) or not np.all(np.isfinite(m)) or np.any(m <= 0):
        raise ValueError(f"masses must be {N} positive numbers, got {masses!r}")
    rng = np.random.default_rng(check_seed(seed))
    # positions: uniform in the unit disc; two bodies at opposite points
    ang = rng.uniform(0.0, 2.0 * np.pi, (n_orbits, N))
    rad = np.sqrt(rng.uniform(0.1, 1.0, (n_orbits, N)))
    q = np.stack([rad * np.cos(ang), rad * np.sin(ang)], axis=-1)
    if N == 2:
        q[:, 1] = -q[:, 0] * m[0] / m[1]
    q -= np.einsum("oik,i->ok", q, m)[:, None, :] / m.sum()
    # velocities: a fraction of the circular speed about the centre of mass, turned
    r = np.linalg.norm(q, axis=-1, keepdims=True)
    # two equal masses at +-q circle at sqrt(G m / (4 |q|)); the same scale for more
    speed = (np.sqrt(G * m.sum() / (2.0 * N * np.maximum(r, 0.2)))
             * rng.uniform(0.6, 1.1, (n_orbits, N, 1)))
    turn = rng.uniform(-0.35, 0.35, (n_orbits, N))
    tang = np.stack([-q[..., 1], q[..., 0]], axis=-1) / np.maximum(r, 1e-9)
    c, s = np.cos(turn)[..., None], np.sin(turn)[..., None]
    radial = q / np.maximum(r, 1e-9)
    v = speed * (c * tang + s * radial)
    p = m[None, :, None] * v
    if center_of_mass:
        p -= m[None, :, None] * (p.sum(axis=1, keepdims=True) / m.sum())
    else:
        q += rng.normal(scale=0.5, size=(n_orbits, 1, 2))
        p += m[None, :, None] * rng.normal(scale=0.2, size=(n_orbits, 1, 2))
    h = dt / substeps
    states = np.empty((steps + 1, n_orbits, 4 * N))

    def pack(q, p):
        return np.concatenate([q.reshape(n_orbits, -1), p.reshape(n_orbits, -1)], axis=1)

    states[0] = pack(q, p)
    acc = _accelerations(q, m, G, eps)
    for t in range(steps):
        for _ in range(substeps):
            p = p + 0.5 * h * m[None, :, None] * acc
            q = q + h * p / m[None, :, None]
            acc = _accelerations(q, m, G, eps)
            p = p + 0.5 * h * m[None, :, None] * acc
        states[t + 1] = pack(q, p)
    X = states[:-1].transpose(1, 0, 2).reshape(-1, 4 * N)
    Y = states[1:].transpose(1, 0, 2).reshape(-1, 4 * N)
    return X, Y


def rotation_generator(n_bodies: int) -> np.ndarray:
    """The so(2) generator rotating every planar vector of a state, shape (4N, 4N)."""
    J = np.array([[0.0, -1.0], [1.0, 0.0]])
    return np.kron(np.eye(2 * n_bodies), J)
