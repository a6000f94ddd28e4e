"""Classifier heads on the bipartite message-passing network: Hodge numbers (or any
labels) from CICY configuration matrices.

The network sees the matrix as a graph, so row and column permutations cannot change a
prediction; optional per-row inputs (the exact invariants c2 . J_r and d_rst sums,
:func:`symfast.cicy.row_invariants`) join the row nodes, optional per-matrix inputs (the
Euler number) join the pooled vector.  Both are standardised on the training rows.
Training: AdamW with a one-cycle learning-rate schedule over a fixed number of epochs, one
cross-entropy term per output.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator

from symfast._validation import check_array, check_float, check_int, check_labels, check_seed
from symfast.nn._bipartite import MESSAGES, HeadNetwork, check_matrices
from symfast.nn._utils import NotFittedError, check_device, epoch_bar, seeded, torch_threads


class ConfigurationClassifier(BaseEstimator):
    """One or several class labels per configuration matrix, from the matrix as a graph.

    Parameters
    ----------
    width : int, default=64
        Node state size.
    rounds : int, default=3
        Message-passing rounds.
    hidden : int, default=256
        Width of the two-layer trunk between the pooled states and the heads.
    messages : {"scalar", "vector", "gine"}, default="vector"
        What an entry sends along its edge (:class:`symfast.nn._bipartite.BipartiteNetwork`).
    max_epochs : int, default=100
        Passes over the training matrices (the schedule spans all of them).
    batch_size : int, default=128
    learning_rate : float, default=2e-3
        Peak of the one-cycle schedule.
    weight_decay : float, default=1e-4
        AdamW's decoupled weight decay.
    seed : int, default=0
    n_threads : int, optional
        Torch intra-op threads.
    device : str, optional
        Torch device ("cpu" by default).
    progress : bool, default=False
        A progress bar over the epochs.

    Attributes
    ----------
    classes_ : list of ndarray
        The labels of each output.
    net_ : torch.nn.Module
    losses_ : list of float
        Mean training loss of each epoch.
    """

    def __init__(self, width: int = 64, rounds: int = 3, hidden: int = 256, *,
                 messages: str = "vector", max_epochs: int = 100, batch_size: int = 128,
                 learning_rate: float = 2e-3, weight_decay: float = 1e-4, seed: int = 0,
                 n_threads: int | None = None, device: str | None = None,
                 progress: bool = False):
        self.width = width
        self.rounds = rounds
        self.hidden = hidden
        self.messages = messages
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.seed = seed
        self.n_threads = n_threads
        self.device = device
        self.progress = progress

    def _check_params(self) -> None:
        for name in ("width", "rounds", "hidden", "max_epochs", "batch_size"):
            check_int(getattr(self, name), name, minimum=1)
        if self.messages not in MESSAGES:
            raise ValueError(f"messages must be one of {', '.join(MESSAGES)}, got "
                             f"{self.messages!r}")
        check_float(self.learning_rate, "learning_rate", positive=True)
        check_float(self.weight_decay, "weight_decay", minimum=0.0)
        check_seed(self.seed, "seed")
        check_device(self.device)

    def _inputs(self, Q: Any, row_features: Any, graph_inputs: Any, fitting: bool
                ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        """Validated tensors; on ``fitting`` the scalers are set from them."""
        Qa = check_matrices(Q)
        n, R = Qa.shape[:2]
        if fitting:
            self.n_row_features_ = 0 if row_features is None else -1
            self.n_graph_inputs_ = 0 if graph_inputs is None else -1
        for arg, value, have in (("row_features", row_features, self.n_row_features_),
                                 ("graph_inputs", graph_inputs, self.n_graph_inputs_)):
            if (value is None) != (have == 0):
                raise ValueError(f"{arg} was {'not ' if have == 0 else ''}given to fit; "
                                 f"give it {'nowhere' if have == 0 else 'here too'}")
        rf = gi = None
        if row_features is not None:
            rf = check_array(row_features, "row_features", ndim=3, dtype=np.float64)
            if rf.shape[:2] != (n, R):
                raise ValueError(f"row_features must have shape ({n}, {R}, f) to match Q, "
                                 f"got {rf.shape}")
            real = Qa.sum(2) > 0
            if fitting:
                self.n_row_features_ = rf.shape[2]
                self.row_scale_ = (rf[real].mean(0), rf[real].std(0) + 1e-9)
            elif rf.shape[2] != self.n_row_features_:
                raise ValueError(f"row_features must have {self.n_row_features_} features "
                                 f"per row (as in fit), got {rf.shape[2]}")
            rf = (rf - self.row_scale_[0]) / self.row_scale_[1] * real[..., None]
            rf = torch.as_tensor(rf, dtype=torch.float32)
        if graph_inputs is not None:
            gi = check_array(graph_inputs, "graph_inputs", dtype=np.float64)
            gi = gi.reshape(len(gi), -1)
            if gi.shape[0] != n:
                raise ValueError(f"graph_inputs must have {n} rows to match Q, got "
                                 f"{gi.shape[0]}")
            if fitting:
                self.n_graph_inputs_ = gi.shape[1]
                self.graph_scale_ = (gi.mean(0), gi.std(0) + 1e-9)
            elif gi.shape[1] != self.n_graph_inputs_:
                raise ValueError(f"graph_inputs must have {self.n_graph_inputs_} columns "
                                 f"(as in fit), got {gi.shape[1]}")
            gi = torch.as_tensor((gi - self.graph_scale_[0]) / self.graph_scale_[1],
                                 dtype=torch.float32)
        return torch.as_tensor(Qa), rf, gi

    def fit(self, Q: Any, y: Any, *, row_features: Any = None,
            graph_inputs: Any = None) -> "ConfigurationClassifier":
        """Train on matrices ``Q`` with labels ``y``.

        Parameters
        ----------
        Q : array_like of shape (n, R, C), int, or a list of 2-D matrices
            Padded configuration matrices (:func:`symfast.cicy.pad_matrices`).
        y : array_like of shape (n,) or (n, n_outputs)
            Labels (for Hodge numbers: columns h11, h21).
        row_features : array_like of shape (n, R, f), optional
            Real inputs per row node (zero on padded rows).
        graph_inputs : array_like of shape (n, g), optional
            Real inputs per matrix.
        """
        self._check_params()
        Qt, rf, gi = self._inputs(Q, row_features, graph_inputs, fitting=True)
        n = Qt.shape[0]
        Y = check_labels(y, "y", n, against="Q", ndim=(1, 2))
        Y = Y.reshape(n, -1)
        self.n_outputs_ = Y.shape[1]
        self.classes_, codes = [], []
        for j in range(Y.shape[1]):
            cls, inv = np.unique(Y[:, j], return_inverse=True)
            self.classes_.append(cls)
            codes.append(inv.ravel())
        Yt = torch.as_tensor(np.stack(codes, 1), dtype=torch.long)
        dev = check_device(self.device)
        steps_per_epoch = -(-n // self.batch_size)
        rng = np.random.default_rng(self.seed)
        with torch_threads(self.n_threads):
            with seeded(self.seed):
                net = HeadNetwork(self.width, self.rounds, self.hidden,
                                  [len(c) for c in self.classes_], self.n_row_features_,
                                  self.n_graph_inputs_, self.messages).to(dev)
            opt = torch.optim.AdamW(net.parameters(), lr=self.learning_rate,
                                    weight_decay=self.weight_decay)
            sched = torch.optim.lr_scheduler.OneCycleLR(
                opt, max_lr=self.learning_rate, total_steps=self.max_epochs * steps_per_epoch)
            bar = epoch_bar(self.max_epochs, self.progress, "classifier")
            self.losses_ = []
            for _ in range(self.max_epochs):
                total = 0.0
                order = torch.as_tensor(rng.permutation(n))
                for s in range(0, n, self.batch_size):
                    b = order[s:s + self.batch_size]
                    out = net(Qt[b].to(dev), None if rf is None else rf[b].to(dev),
                              None if gi is None else gi[b].to(dev))
                    yb = Yt[b].to(dev)
                    loss = sum(torch.nn.functional.cross_entropy(o, yb[:, j])
                               for j, o in enumerate(out))
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    sched.step()
                    total += float(loss.detach()) * len(b)
                self.losses_.append(total / n)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{self.losses_[-1]:.3f}")
            if bar is not None:
                bar.close()
        net.eval()
        self.net_ = net
        return self

    def predict(self, Q: Any, *, row_features: Any = None,
                graph_inputs: Any = None) -> np.ndarray:
        """Labels of shape (n,) for one output, (n, n_outputs) for several."""
        if not hasattr(self, "net_"):
            raise NotFittedError("this ConfigurationClassifier is not fitted yet: call fit "
                                 "first")
        Qt, rf, gi = self._inputs(Q, row_features, graph_inputs, fitting=False)
        dev = next(self.net_.parameters()).device
        parts = []
        with torch_threads(self.n_threads), torch.no_grad():
            for s in range(0, Qt.shape[0], 4096):
                sl = slice(s, s + 4096)
                out = self.net_(Qt[sl].to(dev), None if rf is None else rf[sl].to(dev),
                                None if gi is None else gi[sl].to(dev))
                parts.append(np.stack([o.argmax(1).cpu().numpy() for o in out], 1))
        codes = np.concatenate(parts)
        pred = np.stack([c[codes[:, j]] for j, c in enumerate(self.classes_)], 1)
        return pred[:, 0] if self.n_outputs_ == 1 else pred

    def score(self, Q: Any, y: Any, *, row_features: Any = None,
              graph_inputs: Any = None) -> float:
        """Mean over the outputs of each output's accuracy."""
        pred = self.predict(Q, row_features=row_features, graph_inputs=graph_inputs)
        Y = np.asarray(y).reshape(len(pred), -1)
        return float(np.mean(pred.reshape(len(pred), -1) == Y))
