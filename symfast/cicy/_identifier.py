"""An identifier of CICY manifolds: a message-passing encoder of the configuration matrix,
trained contrastively so that equivalent configurations sit together.

The matrix is a bipartite graph: one node per projective factor (typed by n_r), one per
equation (typed by its degree), edges weighted by q_rj (a learned weight per value).
``rounds`` rounds of messages along the edges, then sums and means over both node sets,
give a ``width``-dimensional embedding on the unit sphere.  Row and column permutations
cannot change it; the identity P^n[1] = P^{n-1} and the list's redundancies are what the
training must teach.  The loss is InfoNCE over pairs: each step draws ``batch_classes``
classes of exact invariants (:func:`symfast.cicy.equivalence_classes`) and two
configurations of each (augmentations of any list entry of the class); the other pairs of
the batch are the negatives.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

#: Node types: n_r and column degrees above this share the last embedding row.
MAX_TYPE = 15
#: Entry values above this share the last edge weight.
MAX_ENTRY = 7


def pad_matrices(matrices: Sequence[np.ndarray]) -> np.ndarray:
    """The matrices zero-padded into one int64 array of shape (n, max rows, max columns)."""
    R = max(np.shape(q)[0] for q in matrices)
    C = max(np.shape(q)[1] for q in matrices)
    Q = np.zeros((len(matrices), R, C), dtype=np.int64)
    for i, q in enumerate(matrices):
        Q[i, :np.shape(q)[0], :np.shape(q)[1]] = q
    return Q


def _encoder(width: int, rounds: int) -> Any:
    import torch
    from torch import nn

    def block() -> nn.Module:
        return nn.Sequential(nn.Linear(2 * width, width), nn.GELU(), nn.Linear(width, width))

    class MatrixEncoder(nn.Module):
        """Padded configuration matrices (n, R, C) -> embeddings (n, width), unit norm."""

        def __init__(self) -> None:
            super().__init__()
            self.row_type = nn.Embedding(MAX_TYPE + 1, width)
            self.col_type = nn.Embedding(MAX_TYPE + 1, width)
            self.edge = nn.Embedding(MAX_ENTRY + 1, 1)
            self.rows = nn.ModuleList([block() for _ in range(rounds)])
            self.cols = nn.ModuleList([block() for _ in range(rounds)])
            self.out = nn.Sequential(nn.Linear(4 * width, 4 * width), nn.GELU(),
                                     nn.Linear(4 * width, width))

        def forward(self, Q: torch.Tensor) -> torch.Tensor:
            # Only the matrix's own rows and columns are nodes, packed over the batch:
            # the padding (about half of a padded batch) would cost the node networks as
            # much as real nodes and then be masked away.  Messages run along the nonzero
            # entries, gathered with index_select (its backward is an index_add; plain
            # indexing's is an accumulating index_put, a third of a step on the CPU).  Same
            # function as the padded form (tests/reference.py); 32.6 against 47.2 ms a step
            # (512 matrices, width 64, 3 rounds, 2 cores).
            n, R, C = Q.shape
            rdeg, cdeg = Q.sum(2), Q.sum(1)
            rg, rr = torch.nonzero(rdeg > 0, as_tuple=True)        # (graph, row) per node
            cg, cc = torch.nonzero(cdeg > 0, as_tuple=True)
            rpos = torch.full((n * R,), -1, dtype=torch.long, device=Q.device)
            rpos[rg * R + rr] = torch.arange(rg.numel(), device=Q.device)
            cpos = torch.full((n * C,), -1, dtype=torch.long, device=Q.device)
            cpos[cg * C + cc] = torch.arange(cg.numel(), device=Q.device)
            eg, er, ec = torch.nonzero(Q > 0, as_tuple=True)       # one edge per entry
            e_row, e_col = rpos[eg * R + er], cpos[eg * C + ec]
            w = self.edge(Q[eg, er, ec].clamp(max=MAX_ENTRY))        # (edges, 1)
            hr = self.row_type((rdeg[rg, rr] - 1).clamp(0, MAX_TYPE))
            hc = self.col_type(cdeg[cg, cc].clamp(0, MAX_TYPE))
            for fr, fc in zip(self.rows, self.cols):
                mr = hr.new_zeros(hr.shape).index_add_(0, e_row, w * hc.index_select(0, e_col))
                mc = hc.new_zeros(hc.shape).index_add_(0, e_col, w * hr.index_select(0, e_row))
                hr = hr + fr(torch.cat([hr, mr], -1))
                hc = hc + fc(torch.cat([hc, mc], -1))
            sr = hr.new_zeros((n, width)).index_add_(0, rg, hr)
            sc = hc.new_zeros((n, width)).index_add_(0, cg, hc)
            nr = torch.bincount(rg, minlength=n).clamp(min=1).to(hr.dtype)[:, None]
            nc = torch.bincount(cg, minlength=n).clamp(min=1).to(hc.dtype)[:, None]
            g = torch.cat([sr, sc, sr / nr, sc / nc], -1)
            return nn.functional.normalize(self.out(g), dim=1)

    return MatrixEncoder()


def train_identifier(Q: np.ndarray, labels: np.ndarray, train: np.ndarray, *,
                     steps: int = 6000, batch_classes: int = 256, temperature: float = 0.1,
                     width: int = 64, rounds: int = 3, learning_rate: float = 1e-3,
                     seed: int = 0, n_threads: int | None = None, progress: bool = False,
                     groups: np.ndarray | None = None, hard_fraction: float = 0.0,
                     device: str | None = None) -> tuple[np.ndarray, list[float]]:
    """Train the encoder contrastively on the ``train`` rows; embed every row.

    Parameters
    ----------
    Q : ndarray of shape (n, R, C), int
        Padded configuration matrices (:func:`pad_matrices`).
    labels : ndarray of shape (n,), int
        Class of each row (positives share it).
    train : ndarray of shape (n,), bool
        Rows the training may use (whole classes: split by class).
    steps, batch_classes, temperature, width, rounds, learning_rate, seed
        Training settings (module documentation); ``batch_classes`` is capped by the
        number of training classes.
    groups : ndarray of shape (n,), int, optional
        A coarse label of each row (the Hodge pair), for hard negatives.
    hard_fraction : float, default=0.0
        Share of each batch's classes drawn a few groups at a time (up to 16 classes of
        one group together), so that the batch holds classes that look alike: hard
        negatives.  The rest are drawn uniformly.
    device : str, optional
        Torch device of the training and the embedding ("cpu" by default).

    Returns
    -------
    embedding : ndarray of shape (n, width), float32
    losses : list of float
        Mean loss of every 100 steps.
    """
    import torch

    from symfast.nn._utils import check_device, seeded, torch_threads

    dev = check_device(device)

    by_class: dict[int, list[int]] = {}
    for i in np.flatnonzero(train):
        by_class.setdefault(int(labels[i]), []).append(int(i))
    classes = np.array(sorted(by_class))
    if classes.size < 2:
        raise ValueError("the training rows must hold at least 2 classes")
    B = min(batch_classes, classes.size)
    rng = np.random.default_rng(seed)
    n_hard = int(round(hard_fraction * B)) if groups is not None else 0
    pools: list[np.ndarray] = []
    if n_hard:
        by_group: dict[int, list[int]] = {}
        for cl in classes:
            by_group.setdefault(int(groups[by_class[int(cl)][0]]), []).append(int(cl))
        pools = [np.array(v) for v in by_group.values() if len(v) >= 2]
        n_hard = n_hard if pools else 0

    def draw() -> np.ndarray:
        """The step's classes: hard ones a group at a time, then uniform ones."""
        picked: list[int] = []
        seen: set[int] = set()
        while len(picked) < n_hard:
            pool = pools[rng.integers(len(pools))]
            take = rng.choice(pool, min(len(pool), 16, n_hard - len(picked)), replace=False)
            for cl in take.tolist():
                if cl not in seen:
                    seen.add(cl)
                    picked.append(cl)
        while len(picked) < B:
            cl = int(classes[rng.integers(classes.size)])
            if cl not in seen:
                seen.add(cl)
                picked.append(cl)
        return np.array(picked)

    Qt = torch.as_tensor(Q).to(dev)
    losses, window = [], []
    with torch_threads(n_threads), seeded(seed):
        net = _encoder(width, rounds).to(dev)
        opt = torch.optim.Adam(net.parameters(), lr=learning_rate)
        target = torch.arange(B, device=dev)
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=steps, desc="identifier", unit="step", leave=False)
        for step in range(steps):
            cb = draw() if n_hard else rng.choice(classes, B, replace=False)
            a = [by_class[c][rng.integers(len(by_class[c]))] for c in cb]
            b = [by_class[c][rng.integers(len(by_class[c]))] for c in cb]
            z = net(Qt[np.concatenate([a, b])])
            logits = z[:B] @ z[B:].T / temperature
            loss = (torch.nn.functional.cross_entropy(logits, target)
                    + torch.nn.functional.cross_entropy(logits.T, target)) / 2
            opt.zero_grad()
            loss.backward()
            opt.step()
            window.append(float(loss.detach()))
            if len(window) == 100 or step == steps - 1:
                losses.append(float(np.mean(window)))
                window = []
                if bar is not None:
                    bar.update(min(100, steps - bar.n))
                    bar.set_postfix(loss=f"{losses[-1]:.3f}")
        if bar is not None:
            bar.close()
        net.eval()
        with torch.no_grad():
            E = np.concatenate([net(Qt[s:s + 4096]).cpu().numpy()
                                for s in range(0, len(Q), 4096)])
    return np.ascontiguousarray(E, dtype=np.float32), losses
