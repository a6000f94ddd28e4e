"""An independent anti-k_T clustering in NumPy, to check the jets symfast takes from FastJet.

The textbook algorithm (Cacciari, Salam & Soyez, arXiv 0802.1189), E-scheme recombination:
d_ij = min(1/pt_i², 1/pt_j²) ΔR_ij² / R², d_iB = 1/pt_i²; repeatedly take the smallest; a
d_ij merges i and j (four-momenta added), a d_iB makes i a jet.  ΔR uses the rapidity and
the azimuth, as FastJet does.  O(n²) memory and O(n²) time per event with the distance
matrix kept up to date: fine for the few events of a test.
"""

from __future__ import annotations

import numpy as np


def _kin(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pt2 = p[:, 1] ** 2 + p[:, 2] ** 2
    y = 0.5 * np.log((p[:, 0] + p[:, 3]) / (p[:, 0] - p[:, 3]))
    phi = np.arctan2(p[:, 2], p[:, 1])
    return pt2, y, phi


def antikt(p: np.ndarray, R: float = 0.8) -> list[tuple[np.ndarray, list[int]]]:
    """Inclusive anti-k_T jets of particles ``p`` (n, 4) = (E, px, py, pz): a list of
    (four-momentum, constituent indices), hardest first."""
    p = np.asarray(p, dtype=np.float64).copy()
    n = p.shape[0]
    members: list[list[int]] = [[i] for i in range(n)]
    alive = np.ones(n, dtype=bool)
    pt2, y, phi = _kin(p)

    def row(i: int) -> np.ndarray:
        dphi = np.abs(phi - phi[i])
        dphi = np.minimum(dphi, 2 * np.pi - dphi)
        dr2 = (y - y[i]) ** 2 + dphi ** 2
        d = np.minimum(1.0 / pt2, 1.0 / pt2[i]) * dr2 / R ** 2
        d[~alive] = np.inf
        d[i] = np.inf
        return d

    D = np.stack([row(i) for i in range(n)])
    jets = []
    while alive.any():
        dib = np.where(alive, 1.0 / pt2, np.inf)
        flat = int(np.argmin(D))
        i, j = divmod(flat, n)
        b = int(np.argmin(dib))
        if D[i, j] < dib[b]:
            # merge j into i
            p[i] += p[j]
            members[i] += members[j]
            alive[j] = False
            D[j, :] = np.inf
            D[:, j] = np.inf
            pt2[i], y[i], phi[i] = (v[0] for v in _kin(p[i:i + 1]))
            D[i, :] = row(i)
            D[:, i] = D[i, :]
        else:
            jets.append((p[b].copy(), sorted(members[b])))
            alive[b] = False
            D[b, :] = np.inf
            D[:, b] = np.inf
    jets.sort(key=lambda jm: -np.hypot(jm[0][1], jm[0][2]))
    return jets
