"""An identifier of CICY manifolds: the bipartite message-passing network
(:mod:`symfast.nn._bipartite`) trained contrastively, so that equivalent configurations sit
together.

The loss is InfoNCE over pairs: each step draws ``batch_classes`` classes (for example the
classes of exact invariants, :func:`symfast.cicy.equivalence_classes`) and two
configurations of each; the other pairs of the batch are the negatives.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin

from symfast._validation import check_float, check_int, check_labels, check_seed
from symfast.nn._bipartite import MESSAGES, ContrastiveNetwork, check_matrices
from symfast.nn._utils import NotFittedError, check_device, seeded, torch_threads


class ConfigurationEncoder(TransformerMixin, BaseEstimator):
    """Contrastive encoder of configuration matrices: ``fit`` on labelled matrices,
    ``transform`` any matrix to a ``width``-dimensional unit vector.

    Parameters
    ----------
    width : int, default=64
        Node state and embedding size.
    rounds : int, default=3
        Message-passing rounds.
    messages : {"scalar", "vector", "gine"}, default="scalar"
        What an entry sends along its edge (:class:`symfast.nn._bipartite.BipartiteNetwork`).
    steps : int, default=6000
        Training steps (one batch of class pairs each).
    batch_classes : int, default=256
        Classes per step, capped by the number of classes.
    temperature : float, default=0.1
        InfoNCE temperature.
    learning_rate : float, default=1e-3
        Adam's step size (its peak with ``schedule="cosine"``).
    schedule : {"constant", "cosine"}, default="constant"
        The step size over training: constant, or a 5 % linear warm-up and a cosine decay
        to zero.
    hard_fraction : float, default=0.0
        Share of each batch's classes drawn a few at a time from pools of classes that look
        alike (up to 16 classes of one pool together): hard negatives.  The rest are drawn
        uniformly.
    hard_negatives : {"groups", "mined"}, default="groups"
        The pools: the ``groups`` given to ``fit`` (say, the Hodge pair), or each class with
        its 15 nearest classes in the current embedding, mined again every
        ``mine_every`` steps (one configuration per class; uniform draws before the first).
    mine_every : int, default=500
    seed : int, default=0
    n_threads : int, optional
        Torch intra-op threads during fit and transform.
    device : str, optional
        Torch device of the training and the embedding ("cpu" by default).
    progress : bool, default=False
        A progress bar over the steps.

    Attributes
    ----------
    net_ : torch.nn.Module
        The trained encoder.
    losses_ : list of float
        Mean loss of every 100 steps.
    """

    def __init__(self, width: int = 64, rounds: int = 3, *, messages: str = "scalar",
                 steps: int = 6000,
                 batch_classes: int = 256, temperature: float = 0.1,
                 learning_rate: float = 1e-3, schedule: str = "constant",
                 hard_fraction: float = 0.0, hard_negatives: str = "groups",
                 mine_every: int = 500, seed: int = 0,
                 n_threads: int | None = None, device: str | None = None,
                 progress: bool = False):
        self.width = width
        self.rounds = rounds
        self.messages = messages
        self.steps = steps
        self.batch_classes = batch_classes
        self.temperature = temperature
        self.learning_rate = learning_rate
        self.schedule = schedule
        self.hard_fraction = hard_fraction
        self.hard_negatives = hard_negatives
        self.mine_every = mine_every
        self.seed = seed
        self.n_threads = n_threads
        self.device = device
        self.progress = progress

    def _check_params(self) -> None:
        for name in ("width", "rounds", "steps", "batch_classes"):
            check_int(getattr(self, name), name, minimum=1)
        check_float(self.temperature, "temperature", positive=True)
        check_float(self.learning_rate, "learning_rate", positive=True)
        check_float(self.hard_fraction, "hard_fraction", minimum=0.0, maximum=1.0)
        if self.hard_negatives not in ("groups", "mined"):
            raise ValueError(f"hard_negatives must be 'groups' or 'mined', got "
                             f"{self.hard_negatives!r}")
        check_int(self.mine_every, "mine_every", minimum=1)
        if self.messages not in MESSAGES:
            raise ValueError(f"messages must be one of {', '.join(MESSAGES)}, got "
                             f"{self.messages!r}")
        if self.schedule not in ("constant", "cosine"):
            raise ValueError(f"schedule must be 'constant' or 'cosine', got {self.schedule!r}")
        check_seed(self.seed, "seed")
        check_device(self.device)

    def fit(self, Q: Any, y: Any, *, groups: Any = None) -> "ConfigurationEncoder":
        """Train on matrices ``Q`` whose positives share a label of ``y``.

        Parameters
        ----------
        Q : array_like of shape (n, R, C), int, or a list of 2-D matrices
            Padded configuration matrices (:func:`symfast.cicy.pad_matrices`).
        y : array_like of shape (n,), int
            Class of each matrix; at least 2 classes.
        groups : array_like of shape (n,), int, optional
            A coarse label of each matrix (the Hodge pair), for ``hard_fraction``.
        """
        self._check_params()
        Qa = check_matrices(Q)
        # classes and groups as 0..k-1 (labels may be any hashable values)
        labels = np.unique(check_labels(y, "y", Qa.shape[0], against="Q"),
                           return_inverse=True)[1].ravel()
        if groups is not None:
            groups = np.unique(check_labels(groups, "groups", Qa.shape[0], against="Q"),
                               return_inverse=True)[1].ravel()
        dev = check_device(self.device)
        by_class: dict[int, list[int]] = {}
        for i, c in enumerate(labels.tolist()):
            by_class.setdefault(int(c), []).append(i)
        classes = np.array(sorted(by_class))
        if classes.size < 2:
            raise ValueError(f"y must hold at least 2 classes, got {classes.size}")
        B = min(self.batch_classes, classes.size)
        rng = np.random.default_rng(self.seed)
        mined = self.hard_negatives == "mined" and self.hard_fraction > 0
        sampler = _ClassSampler(classes, B, 0.0 if mined else self.hard_fraction, rng)
        if groups is not None and not mined:
            sampler.pools_from_groups(by_class, groups)

        Qt = torch.as_tensor(Qa).to(dev)
        losses, window = [], []
        with torch_threads(self.n_threads):
            with seeded(self.seed):
                net = ContrastiveNetwork(self.width, self.rounds, self.messages).to(dev)
            opt = torch.optim.Adam(net.parameters(), lr=self.learning_rate)
            sched = None
            if self.schedule == "cosine":
                warm = max(1, self.steps // 20)
                sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(
                    (s + 1) / warm, 0.5 * (1 + np.cos(np.pi * min(1.0, s / self.steps)))))
            target = torch.arange(B, device=dev)
            bar = None
            if self.progress:
                from tqdm.auto import tqdm

                bar = tqdm(total=self.steps, desc="encoder", unit="step", leave=False)
            for step in range(self.steps):
                if mined and step and step % self.mine_every == 0:
                    sampler.pools = _nearest_classes(net, Qt, by_class, classes, rng)
                    sampler.n_hard = int(round(self.hard_fraction * B))
                cb = sampler.draw()
                a = [by_class[c][rng.integers(len(by_class[c]))] for c in cb]
                b = [by_class[c][rng.integers(len(by_class[c]))] for c in cb]
                z = net(Qt[np.concatenate([a, b])])
                logits = z[:B] @ z[B:].T / self.temperature
                loss = (torch.nn.functional.cross_entropy(logits, target)
                        + torch.nn.functional.cross_entropy(logits.T, target)) / 2
                opt.zero_grad()
                loss.backward()
                opt.step()
                if sched is not None:
                    sched.step()
                window.append(float(loss.detach()))
                if len(window) == 100 or step == self.steps - 1:
                    losses.append(float(np.mean(window)))
                    window = []
                    if bar is not None:
                        bar.update(min(100, self.steps - bar.n))
                        bar.set_postfix(loss=f"{losses[-1]:.3f}")
            if bar is not None:
                bar.close()
        net.eval()
        self.net_, self.losses_ = net, losses
        return self

    def transform(self, Q: Any) -> np.ndarray:
        """Embeddings of shape (n, width), float32, unit norm."""
        if not hasattr(self, "net_"):
            raise NotFittedError("this ConfigurationEncoder is not fitted yet: call fit first")
        Qa = check_matrices(Q)
        dev = next(self.net_.parameters()).device
        Qt = torch.as_tensor(Qa)
        with torch_threads(self.n_threads), torch.no_grad():
            E = np.concatenate([self.net_(Qt[s:s + 4096].to(dev)).cpu().numpy()
                                for s in range(0, len(Qa), 4096)])
        return np.ascontiguousarray(E, dtype=np.float32)


class _ClassSampler:
    """Draws one step's ``B`` distinct classes: ``n_hard`` of them a pool at a time (up to
    16 of one pool together), the rest uniformly."""

    def __init__(self, classes: np.ndarray, B: int, hard_fraction: float,
                 rng: np.random.Generator) -> None:
        self.classes, self.B, self.rng = classes, B, rng
        self.n_hard = int(round(hard_fraction * B))
        self.pools: list[np.ndarray] = []

    def pools_from_groups(self, by_class: dict[int, list[int]], groups: np.ndarray) -> None:
        """One pool per group of at least two classes (a class's group: its first row's)."""
        by_group: dict[int, list[int]] = {}
        for cl in self.classes:
            by_group.setdefault(int(groups[by_class[int(cl)][0]]), []).append(int(cl))
        self.pools = [np.array(v) for v in by_group.values() if len(v) >= 2]

    def draw(self) -> np.ndarray:
        rng, B = self.rng, self.B
        if not self.n_hard or not self.pools:
            return rng.choice(self.classes, B, replace=False)
        picked: list[int] = []
        seen: set[int] = set()
        while len(picked) < self.n_hard:
            pool = self.pools[rng.integers(len(self.pools))]
            take = rng.choice(pool, min(len(pool), 16, self.n_hard - len(picked)),
                              replace=False)
            for cl in take.tolist():
                if cl not in seen:
                    seen.add(cl)
                    picked.append(cl)
        while len(picked) < B:
            cl = int(self.classes[rng.integers(self.classes.size)])
            if cl not in seen:
                seen.add(cl)
                picked.append(cl)
        return np.array(picked)


def _nearest_classes(net: Any, Qt: torch.Tensor, by_class: dict[int, list[int]],
                     classes: np.ndarray, rng: np.random.Generator, k: int = 15
                     ) -> list[np.ndarray]:
    """Each class with its ``k`` nearest classes in the current embedding (one random
    configuration per class; cosine similarity, in blocks of 1024 classes)."""
    rows = np.array([by_class[int(c)][rng.integers(len(by_class[int(c)]))] for c in classes])
    with torch.no_grad():
        Z = torch.cat([net(Qt[rows[s:s + 4096]]) for s in range(0, rows.size, 4096)])
        k = min(k, classes.size - 1)
        pools = []
        for s in range(0, rows.size, 1024):
            sim = Z[s:s + 1024] @ Z.T
            idx = sim.topk(k + 1, dim=1).indices.cpu().numpy()      # itself first (or a tie)
            pools += [classes[i] for i in idx]
    return pools
