"""The embedding classifier: an MLP whose last hidden layer is read as an embedding."""

from __future__ import annotations

import os
import time
from contextlib import ExitStack
from typing import Sequence

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from torch import nn

from symfast._validation import check_float, check_int, check_seed
from symfast.nn._training import COMPILED, STACKED, TORCH, TrainingBackends
from symfast.nn._utils import (NotFittedError, adam, check_device, check_input_X, encode_labels,
                               epoch_bar, float32_tensor, seeded, to_device, torch_threads,
                               training_threads)


#: Hidden-layer activations offered (name -> module).
ACTIVATIONS = {"relu": nn.ReLU, "silu": nn.SiLU, "gelu": nn.GELU, "tanh": nn.Tanh}


class _Net(nn.Module):
    """Dense ReLU trunk ending in the embedding layer, plus one linear head per label column."""

    def __init__(self, n_in: int, hidden: Sequence[int], embed_dim: int,
                 n_classes: Sequence[int], batch_norm: Sequence[int] = (),
                 embedding_activation: str = "relu", activation: str = "relu"):
        super().__init__()
        layers: list[nn.Module] = []
        self.dense: list[nn.Linear] = []
        self.norms: list[nn.BatchNorm1d | None] = []     # per dense layer (the kernel's view)
        width = n_in
        sizes = list(hidden) + [embed_dim]
        for i, h in enumerate(sizes):
            lin = nn.Linear(width, h)
            self.dense.append(lin)
            layers.append(lin)
            if i < len(sizes) - 1 or embedding_activation == "relu":
                layers.append(ACTIVATIONS[activation]())
            self.norms.append(nn.BatchNorm1d(h) if i in batch_norm else None)
            if self.norms[-1] is not None:
                layers.append(self.norms[-1])
            width = h
        self.trunk = nn.Sequential(*layers)
        self.heads = nn.ModuleList(nn.Linear(embed_dim, c) for c in n_classes)
        self.register_buffer("mean", torch.zeros(n_in))
        self.register_buffer("scale", torch.ones(n_in))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.trunk((x - self.mean) / self.scale)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        e = self.embed(x)
        return [head(e) for head in self.heads]

    def forward_stacked(self, r, x: torch.Tensor) -> list[torch.Tensor]:
        """The forward of M stacked copies (:func:`symfast.nn.fit_many`): x (M, b, n_in)."""
        e = r(self.trunk, "trunk", (x - r.buffer("mean")[:, None]) / r.buffer("scale")[:, None])
        return [r(head, f"heads.{i}", e) for i, head in enumerate(self.heads)]


class EmbeddingClassifier(TrainingBackends, ClassifierMixin, BaseEstimator):
    """An MLP classifier whose last hidden layer is the embedding.

    A scikit-learn estimator: ``get_params`` / ``set_params``, ``clone``, pipelines,
    grid searches and cross-validation work on it (``tests/test_nn.py`` runs
    scikit-learn's ``check_estimator`` and lists the checks it is expected to fail,
    with the reasons).

    Trained on the values of a function (for example the level set a point lies
    on), the embedding groups inputs that the function cannot tell apart: the
    invariance of the function shows up as structure in the embedding.

    Parameters
    ----------
    hidden : sequence of int, default=(80, 80, 80)
        Widths of the dense ReLU layers before the embedding layer.
    embed_dim : int, default=80
        Width of the embedding (the last hidden layer, also ReLU).
    learning_rate : float, default=1e-3
        Adam's step size.
    batch_size : int, default=128
    max_epochs : int, default=500
    target_accuracy : float, default=0.95
        Training stops once the held-out accuracy (every head) reaches this.
    validation_fraction : float, default=0.2
        Share of the training data held out (stratified on the first label
        column) to decide when to stop.
    weight_decay : float, default=0.0
    standardize : bool, default=True
        Centre and scale each input feature with the training statistics.
    seed : int, default=0
        Seeds initialisation, the split and shuffling; the same seed gives the
        same model on the same machine (CPU).
    batch_norm : sequence of int, default=()
        Indices of the dense layers (0-based, the embedding layer is
        ``len(hidden)``) followed by batch normalisation.
    layer_l2 : sequence of float, optional
        Per dense layer (``len(hidden) + 1`` values), an L2 penalty
        ``l2 * sum(W**2)`` on its weights added to the loss (Keras'
        ``kernel_regularizer``).
    embedding_activation : {"relu", "linear"}, default="relu"
        Whether the embedding layer has the hidden layers' activation ("relu",
        the historical name) or none ("linear").
    activation : {"relu", "silu", "gelu", "tanh"}, default="relu"
        Activation of the hidden layers (the paper's networks use ReLU).
    restore_best : bool, default=True
        When training ends without reaching ``target_accuracy``, go back to
        the weights of the epoch with the best held-out accuracy.
    progress : bool, default=True
        Show a progress bar over epochs.
    n_threads : int, optional
        torch intra-op threads.  Default: one thread for training a small network
        (fewer than ``SMALL_STEP_WORK`` weight multiply-adds per step, where one
        thread is no slower and leaves the other cores free) and torch's default otherwise.
        Predicting uses torch's default unless given.
    device : str, optional
        Where torch trains: "cpu" (default; dense ReLU networks use symfast's compiled
        epoch there) or a GPU such as "cuda" (torch's autograd on the device).  The fitted
        model comes back on the CPU.

    Attributes
    ----------
    classes_ : ndarray, or list of ndarray
        Distinct labels: an array for one head (scikit-learn's convention), a list
        of arrays, one per head, for several.
    head_classes_ : list of ndarray
        Distinct labels of each head, always a list.
    history_ : list of dict
        Per epoch: ``epoch``, ``loss`` (mean training loss), ``val_accuracy``;
        a last entry with ``restored=True`` when the best epoch was restored.
    n_epochs_ : int
        Epochs run.
    val_accuracy_ : float
        Held-out accuracy at the end of training (minimum over heads).
    fit_time_ : float
        Seconds spent in ``fit``.

    Examples
    --------
    >>> from symfast.potentials import sample_level_sets, PAPER_LEVELS
    >>> from symfast.nn import EmbeddingClassifier
    >>> X, y = sample_level_sets("higgs", PAPER_LEVELS, per_class=200)
    >>> clf = EmbeddingClassifier(progress=False).fit(X, y)
    >>> clf.embed(X).shape
    (2200, 80)
    """

    def __init__(self, hidden: Sequence[int] = (80, 80, 80), embed_dim: int = 80, *,
                 learning_rate: float = 1e-3, batch_size: int = 128, max_epochs: int = 500,
                 target_accuracy: float = 0.95, validation_fraction: float = 0.2,
                 weight_decay: float = 0.0, standardize: bool = True, seed: int = 0,
                 batch_norm: Sequence[int] = (), layer_l2: Sequence[float] | None = None,
                 embedding_activation: str = "relu", restore_best: bool = True,
                 progress: bool = True, n_threads: int | None = None,
                 activation: str = "relu", device: str | None = None):
        self.hidden = hidden
        self.embed_dim = embed_dim
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.target_accuracy = target_accuracy
        self.validation_fraction = validation_fraction
        self.weight_decay = weight_decay
        self.standardize = standardize
        self.seed = seed
        self.batch_norm = batch_norm
        self.layer_l2 = layer_l2
        self.embedding_activation = embedding_activation
        self.restore_best = restore_best
        self.progress = progress
        self.n_threads = n_threads
        self.activation = activation
        self.device = device

    # -- validation -----------------------------------------------------------------
    def _check_params(self) -> None:
        if isinstance(self.hidden, (int, np.integer)) or not all(
                isinstance(h, (int, np.integer)) and not isinstance(h, bool) and h >= 1
                for h in self.hidden):
            raise ValueError(f"hidden must be a sequence of positive ints, got {self.hidden!r}")
        check_int(self.embed_dim, "embed_dim", minimum=1)
        check_float(self.learning_rate, "learning_rate", positive=True)
        check_int(self.batch_size, "batch_size", minimum=1)
        check_int(self.max_epochs, "max_epochs", minimum=1)
        check_float(self.target_accuracy, "target_accuracy", minimum=0.0, maximum=1.0)
        check_float(self.validation_fraction, "validation_fraction", minimum=0.0, maximum=0.9)
        check_float(self.weight_decay, "weight_decay", minimum=0.0)
        check_seed(self.seed)
        n_layers = len(self.hidden) + 1
        if not all(isinstance(i, (int, np.integer)) and 0 <= i < n_layers
                   for i in self.batch_norm):
            raise ValueError(f"batch_norm must hold layer indices in 0..{n_layers - 1}, got "
                             f"{self.batch_norm!r}")
        if self.layer_l2 is not None and (len(self.layer_l2) != n_layers or
                                          any(float(v) < 0 for v in self.layer_l2)):
            raise ValueError(f"layer_l2 must hold {n_layers} non-negative values, got "
                             f"{self.layer_l2!r}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got "
                             f"{self.activation!r}")
        check_device(self.device)
        if self.embedding_activation not in ("relu", "linear"):
            raise ValueError(f"embedding_activation must be 'relu' or 'linear', got "
                             f"{self.embedding_activation!r}")

    def _check_fitted(self) -> None:
        if not hasattr(self, "net_"):
            raise NotFittedError("this EmbeddingClassifier is not fitted yet; call fit(X, y) "
                                 "first")

    def _check_X(self, X: np.ndarray) -> torch.Tensor:
        self._check_fitted()
        arr = check_input_X(X, "X", "EmbeddingClassifier", self.n_features_in_)
        return float32_tensor(arr, "X")

    # -- training -------------------------------------------------------------------
    def fit(self, X: np.ndarray, y: np.ndarray, *, checkpoint: str | os.PathLike | None = None,
            checkpoint_every: int = 5) -> "EmbeddingClassifier":
        """Train on X of shape (n_samples, n_features) and labels y of shape (n_samples,)
        or (n_samples, n_heads); returns ``self``.

        With ``checkpoint`` (a file path), the whole training state (weights, optimiser,
        shuffling generator, history, best epoch) is written there atomically every
        ``checkpoint_every`` epochs; a later ``fit`` with the same data and parameters
        continues from it, and ends with the same model as an uninterrupted run
        (same machine and thread count).  The file is removed when training ends.
        """
        self._check_params()
        t0 = time.perf_counter()
        st = self._prepare(X, y)
        Xt, yt = st["Xt"], st["yt"]
        every = check_int(checkpoint_every, "checkpoint_every", minimum=1)
        fingerprint = (self._fingerprint(st["X"], st["codes"]) if checkpoint is not None
                       else "")
        with ExitStack() as stack:
            with seeded(st["seed"]) as gen:        # the initial weights; the rest draws from gen
                net = self._build_net(Xt)
            dev, (Xt, yt, st["Xv"], st["yv"]) = to_device(self.device, net, Xt, yt,
                                                          st["Xv"], st["yv"])
            st["Xt"], st["yt"] = Xt, yt
            # threads chosen after the net exists: small networks train faster on one
            threads = training_threads(self.n_threads, net, self.batch_size)
            stack.enter_context(torch_threads(threads))
            l2 = ([(lin.weight, float(v)) for lin, v in zip(net.dense, self.layer_l2)
                   if float(v) > 0] if self.layer_l2 is not None else [])
            kernel = self._dense_trainer(net) if dev.type == "cpu" else None
            if kernel is not None:      # the compiled epoch (see _dense_kernel): same steps
                from symfast._threads import blas_limits

                stack.enter_context(blas_limits(threads))
                stack.callback(kernel.release)
                Xk = ((Xt - net.mean) / net.scale).contiguous().numpy()
                codes_k = np.ascontiguousarray(yt.numpy())
            opt = (kernel if kernel is not None
                   else adam(net.parameters(), self.learning_rate, self.weight_decay))
            bar = epoch_bar(self.max_epochs, self.progress, "training")
            n_tr = Xt.shape[0]
            first = 1
            saved = _load_checkpoint(checkpoint, fingerprint)
            if saved is not None:
                net.load_state_dict(saved["net"])
                opt.load_state_dict(saved["opt"])
                gen.set_state(saved["gen"])
                self.history_ = saved["history"]
                st["best"] = saved["best"]
                first = saved["epoch"] + 1
                if bar is not None:
                    bar.update(saved["epoch"])
            for epoch in range(first, self.max_epochs + 1):
                net.train()
                perm = torch.randperm(n_tr, generator=gen)
                if kernel is not None:
                    loss = kernel.epoch(Xk, codes_k, perm.numpy())
                else:
                    loss = self._torch_epoch(net, opt, Xt, yt, perm, l2)
                stop = self._end_epoch(st, net, epoch, loss)
                if checkpoint is not None and epoch % every == 0:
                    _save_checkpoint(checkpoint, {
                        "fingerprint": fingerprint, "epoch": epoch, "net": net.state_dict(),
                        "opt": opt.state_dict(), "gen": gen.get_state(),
                        "history": self.history_, "best": st["best"]})
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{loss:.4f}",
                                    val_acc=f"{self.history_[-1]['val_accuracy']:.4f}")
                if stop:
                    break
            if bar is not None:
                bar.close()
            if checkpoint is not None and os.path.exists(checkpoint):
                os.remove(checkpoint)
            self._finish(st, net, t0)
        return self

    def _torch_epoch(self, net: _Net, opt, Xt: torch.Tensor, yt: torch.Tensor,
                     perm: torch.Tensor, l2: list) -> float:
        """One epoch through torch's autograd (what the compiled kernel cannot run);
        returns the mean training loss."""
        total = 0.0
        perm = perm.to(Xt.device)
        for start in range(0, Xt.shape[0], self.batch_size):
            idx = perm[start:start + self.batch_size]
            if idx.numel() < 2 and self.batch_norm:
                continue  # batch norm cannot normalise a single sample
            logits = net(Xt[idx])
            loss = sum(nn.functional.cross_entropy(lg, yt[idx, h])
                       for h, lg in enumerate(logits))
            for W, v in l2:
                loss = loss + v * W.pow(2).sum()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * idx.numel()
        return total / Xt.shape[0]

    # -- the pieces fit and fit_many share ------------------------------------------
    def _prepare(self, X: np.ndarray, y: np.ndarray) -> dict:
        """Validate X and y, encode the labels and split off the validation set."""
        if y is None:
            raise ValueError("EmbeddingClassifier requires y to be passed, but the target y "
                             "is None")
        X_arr = check_input_X(X, "X", "EmbeddingClassifier")
        if X_arr.shape[0] < 2:
            raise ValueError(f"n_samples={X_arr.shape[0]}: at least 2 samples are needed to "
                             "train, got 1 sample")
        codes, self.head_classes_ = encode_labels(y, X_arr.shape[0])
        self.classes_ = (self.head_classes_[0] if len(self.head_classes_) == 1
                         else self.head_classes_)
        self.n_features_in_ = X_arr.shape[1]
        self.n_heads_ = codes.shape[1]
        seed = int(self.seed)
        rng = np.random.default_rng(seed)
        n = X_arr.shape[0]
        n_val = int(round(self.validation_fraction * n))
        if n_val > 0:
            from sklearn.model_selection import train_test_split

            strat = codes[:, 0]
            counts = np.bincount(strat)
            stratify = strat if counts.min() >= 2 and n_val >= counts.size else None
            tr_idx, va_idx = train_test_split(np.arange(n), test_size=n_val,
                                              random_state=seed, stratify=stratify)
        else:
            tr_idx, va_idx = rng.permutation(n), np.arange(0)
        self.history_ = []
        return {"X": X_arr, "codes": codes, "seed": seed, "n_val": n_val,
                "Xt": float32_tensor(X_arr[tr_idx], "X"), "yt": torch.from_numpy(codes[tr_idx]),
                "Xv": float32_tensor(X_arr[va_idx], "X"), "yv": torch.from_numpy(codes[va_idx]),
                "best": (-1.0, None, 0)}

    def _progress_score(self) -> float:
        """The figure a progress bar shows: the latest held-out accuracy."""
        return self.history_[-1]["val_accuracy"]

    TRAINING_BACKENDS = frozenset({TORCH, COMPILED, STACKED})

    def _uses_kernel(self) -> bool:
        """Whether a lone fit runs on the compiled epoch (what :func:`fit_many` asks)."""
        return self.activation == "relu" and check_device(self.device).type == "cpu"

    def _dense_trainer(self, net: _Net):
        """The compiled trainer of ``net`` (``symfast.nn._dense_kernel.DenseTrainer``),
        or None where the kernel does not apply (an activation other than ReLU)."""
        if not self._uses_kernel():
            return None
        from symfast.nn._dense_kernel import DenseTrainer

        return DenseTrainer(self.n_features_in_, net.dense, list(net.heads),
                            relu_last=self.embedding_activation == "relu",
                            learning_rate=self.learning_rate, weight_decay=self.weight_decay,
                            layer_l2=self.layer_l2, batch_size=self.batch_size,
                            batch_norms=net.norms)

    def _build_net(self, Xt: torch.Tensor) -> _Net:
        """The network, initialised from torch's global generator (seeded by the caller)."""
        net = _Net(self.n_features_in_, self.hidden, self.embed_dim,
                   [len(c) for c in self.head_classes_], tuple(self.batch_norm),
                   self.embedding_activation, self.activation)
        if self.standardize:
            net.mean.copy_(Xt.mean(0))
            net.scale.copy_(Xt.std(0).clamp_min(1e-12))
        return net

    def _end_epoch(self, st: dict, net: _Net, epoch: int, loss: float) -> bool:
        """Record the epoch and the best weights so far; True when training should stop."""
        val_acc = (_accuracy(net, st["Xv"], st["yv"]) if st["n_val"] > 0
                   else _accuracy(net, st["Xt"], st["yt"]))
        self.history_.append({"epoch": epoch, "loss": loss, "val_accuracy": val_acc})
        if val_acc >= self.target_accuracy:
            return True
        if self.restore_best and val_acc > st["best"][0]:
            st["best"] = (val_acc, {k: v.detach().clone() for k, v in net.state_dict().items()},
                          epoch)
        return False

    def _finish(self, st: dict, net: _Net, t0: float) -> None:
        best_acc, best_state, best_epoch = st["best"]
        if (self.restore_best and best_state is not None
                and self.history_[-1]["val_accuracy"] < self.target_accuracy
                and best_acc > self.history_[-1]["val_accuracy"]):
            net.load_state_dict(best_state)
            self.history_.append({"epoch": best_epoch, "loss": float("nan"),
                                  "val_accuracy": best_acc, "restored": True})
        net.eval()
        self.net_ = net.cpu()              # a model trained on a GPU comes back to the CPU
        self.n_epochs_ = sum(1 for h in self.history_ if not h.get("restored"))
        self.val_accuracy_ = self.history_[-1]["val_accuracy"]
        self.fit_time_ = time.perf_counter() - t0

    def _batched_plan(self, X: np.ndarray, y: np.ndarray):
        """This fit as one member of :func:`symfast.nn.fit_many`."""
        from symfast.nn._batched import BatchedPlan

        self._check_params()
        if self.batch_norm:
            raise ValueError("fit_many cannot batch an EmbeddingClassifier with batch_norm "
                             "(batch statistics change with padding); fit it alone")
        t0 = time.perf_counter()
        st = self._prepare(X, y)
        with seeded(st["seed"]) as gen:
            net = self._build_net(st["Xt"])
        l2 = ([(f"trunk.{_dense_index(net, i)}.weight", float(v))
               for i, v in enumerate(self.layer_l2) if float(v) > 0]
              if self.layer_l2 is not None else [])
        n_heads = self.n_heads_

        def loss(out, targets, weight, params):
            codes, = targets
            w_sum = weight.sum(1)
            total = 0
            for h in range(n_heads):
                lg = out[h]
                ce = nn.functional.cross_entropy(lg.reshape(-1, lg.shape[-1]),
                                                 codes[..., h].reshape(-1), reduction="none")
                total = total + (ce.view_as(weight) * weight).sum(1) / w_sum
            for name, v in l2:
                total = total + v * params[name].pow(2).sum((1, 2))
            return total, total.detach()[:, None]

        st["t0"] = t0
        return BatchedPlan(
            net=net, generator=gen, inputs=st["Xt"], targets=(st["yt"],),
            batch_size=int(self.batch_size), max_epochs=int(self.max_epochs),
            learning_rate=float(self.learning_rate), weight_decay=float(self.weight_decay),
            loss=loss, end_epoch=lambda epoch, logs: self._end_epoch(st, net, epoch,
                                                                      float(logs[0])),
            score=self._progress_score, state=st)

    def _batched_finish(self, plan) -> None:
        net = plan.net
        net.train()
        self._finish(plan.state, net, plan.state["t0"])

    def _fingerprint(self, X: np.ndarray, codes: np.ndarray) -> str:
        """What a checkpoint must match: the data and every training parameter."""
        import hashlib

        h = hashlib.sha256()
        h.update(np.ascontiguousarray(X).tobytes())
        h.update(np.ascontiguousarray(codes).tobytes())
        params = {k: v for k, v in vars(self).items()
                  if not k.endswith("_") and k not in ("progress", "n_threads")}
        h.update(repr(sorted(params.items())).encode())
        # the compiled epoch and torch's optimiser save their states in different forms: a
        # checkpoint of one route (a batch-normalised fit from before the kernel ran norms)
        # is not resumed by the other, the fit starts over
        h.update(b"compiled epoch" if self._uses_kernel() else b"torch")
        return h.hexdigest()

    # -- inference ------------------------------------------------------------------
    def _logits(self, X: np.ndarray) -> list[torch.Tensor]:
        xt = self._check_X(X)
        with torch_threads(self.n_threads), torch.no_grad():
            return self.net_(xt)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities of a one-head model.

        Returns
        -------
        ndarray of shape (n_samples, n_classes), float32
            Columns in the order of ``classes_``.

        Raises
        ------
        ValueError
            For a model with several heads: use :meth:`predict_proba_heads`.
        """
        self._check_fitted()
        if self.n_heads_ != 1:
            raise ValueError(f"predict_proba is for one head; this model has {self.n_heads_} "
                             "(y had that many columns): use predict_proba_heads, which "
                             "returns one array per head")
        return self.predict_proba_heads(X)[0]

    def predict_proba_heads(self, X: np.ndarray) -> list[np.ndarray]:
        """Class probabilities of every head.

        Returns
        -------
        list of ndarray
            One per head h, of shape (n_samples, len(head_classes_[h])), float32.
        """
        return [torch.softmax(lg, dim=1).numpy() for lg in self._logits(X)]

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted labels: (n_samples,), or (n_samples, n_heads) for several heads."""
        preds = [self.head_classes_[h][lg.argmax(1).numpy()]
                 for h, lg in enumerate(self._logits(X))]
        return preds[0] if self.n_heads_ == 1 else np.stack(preds, axis=1)

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        """Accuracy (mean over heads) on X and y."""
        pred = self.predict(X)
        y_arr = np.asarray(y)
        if y_arr.shape[0] != pred.shape[0]:
            raise ValueError(f"X and y must have the same number of rows, got "
                             f"{pred.shape[0]} and {y_arr.shape[0]}")
        return float(np.mean(pred.reshape(y_arr.shape) == y_arr))

    def embed(self, X: np.ndarray) -> np.ndarray:
        """Embedding (last hidden layer) of X: ndarray of shape (n_samples, embed_dim), float32."""
        xt = self._check_X(X)
        with torch_threads(self.n_threads), torch.no_grad():
            return np.ascontiguousarray(self.net_.embed(xt).numpy(), dtype=np.float32)


def _dense_index(net: _Net, layer: int) -> int:
    """Position in ``net.trunk`` of dense layer ``layer``."""
    lin = net.dense[layer]
    return next(i for i, m in enumerate(net.trunk) if m is lin)


def _accuracy(net: _Net, X: torch.Tensor, codes: torch.Tensor) -> float:
    """Minimum over heads of the accuracy, so that every head must reach the target."""
    net.eval()
    with torch.no_grad():
        logits = net(X)
    net.train()
    return min(float((lg.argmax(1) == codes[:, h]).float().mean())
               for h, lg in enumerate(logits))


def _save_checkpoint(path: str | os.PathLike, state: dict) -> None:
    from symfast._io import atomic_path

    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def _load_checkpoint(path: str | os.PathLike | None, fingerprint: str) -> dict | None:
    """The saved state if ``path`` holds one for this data and these parameters."""
    if path is None or not os.path.exists(path):
        return None
    try:
        state = torch.load(path, weights_only=False)
    except Exception:                  # unreadable: start over rather than fail
        return None
    return state if state.get("fingerprint") == fingerprint else None
