"""A small MLP trained on one split and scored on another after every epoch.

The dual-representation studies (Betzler & Krippendorf) compare frames by the
test accuracy that one and the same simple network reaches in each; they report
the *best* test accuracy over the epochs, so the whole test curve is kept.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from torch import nn

from symfast._validation import (check_array, check_float, check_int, check_seed,
                                 take_renamed)
from symfast.nn._training import COMPILED, STACKED, TORCH, TrainingBackends
from symfast.nn._utils import (NotFittedError, adam, check_device, encode_labels,
                               float32_tensor, seeded, to_device, torch_threads,
                               training_threads)


@dataclass
class ScoredTraining:
    """The outcome of :func:`train_and_score`.

    Attributes
    ----------
    best_test_accuracy : float
        Highest test accuracy over the epochs (the papers' metric; it picks the
        epoch on the test set, so it is an optimistic estimate).
    final_test_accuracy : float
        Test accuracy after the last epoch (no selection on the test set).
    train_accuracy : float
        Training accuracy after the last epoch.
    test_curve : list of float
        Test accuracy after each epoch.
    """

    best_test_accuracy: float
    final_test_accuracy: float
    train_accuracy: float
    test_curve: list[float] = field(default_factory=list, repr=False)


def mlp(n_in: int, hidden: Sequence[int], n_out: int) -> nn.Sequential:
    """Dense ReLU layers of widths ``hidden`` followed by a linear output layer."""
    layers: list[nn.Module] = []
    width = n_in
    for h in hidden:
        layers += [nn.Linear(width, int(h)), nn.ReLU()]
        width = int(h)
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)


def train_and_score(X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray,
                    y_test: np.ndarray, *, hidden: Sequence[int] = (64,), max_epochs: int = 100,
                    batch_size: int = 64, learning_rate: float = 1e-3, standardize: bool = True,
                    seed: int = 0, n_threads: int | None = None,
                    model: Callable[[int, int], nn.Module] | None = None,
                    **renamed: Any) -> ScoredTraining:
    """Train an MLP classifier with Adam and score it on the test set after every epoch.

    The function form of :class:`ScoredClassifier` (its ``result_``); to train many at
    once, give ScoredClassifiers to :func:`symfast.nn.fit_many`.

    Parameters
    ----------
    X_train : ndarray of shape (n_train, n_features)
    y_train : ndarray of shape (n_train,)
        Class labels (any integer or float values; at least two classes).
    X_test : ndarray of shape (n_test, n_features)
    y_test : ndarray of shape (n_test,)
        Labels from the same set as ``y_train``.
    hidden, model, max_epochs, batch_size, learning_rate, standardize, seed, n_threads
        As for :class:`ScoredClassifier` (``epochs=`` is the old spelling of ``max_epochs``).

    Returns
    -------
    ScoredTraining
    """
    max_epochs = take_renamed("train_and_score", renamed, {"epochs": "max_epochs"}).get(
        "max_epochs", max_epochs)
    return ScoredClassifier(hidden, max_epochs=max_epochs, batch_size=batch_size,
                            learning_rate=learning_rate, standardize=standardize, seed=seed,
                            n_threads=n_threads, model=model).fit(
        X_train, y_train, X_test, y_test).result_


class ScoredClassifier(TrainingBackends, ClassifierMixin, BaseEstimator):
    """An MLP classifier trained with Adam for a fixed number of epochs and scored on a
    test set after every epoch (the dual-representation studies' protocol).

    Parameters
    ----------
    hidden : sequence of int, default=(64,)
        Widths of the ReLU hidden layers (empty: logistic regression).
    max_epochs : int, default=100
        Epochs trained (every one is scored; no early stopping).  The old spelling
        ``epochs=`` still works for one release, with a ``DeprecationWarning``.
    batch_size : int, default=64
    learning_rate : float, default=1e-3
    standardize : bool, default=True
        Centre and scale features with the training statistics.
    seed : int, default=0
        Seeds initialisation and shuffling.
    n_threads : int, optional
        torch intra-op threads.  Default: one thread for training a small network
        (fewer than ``SMALL_STEP_WORK`` weight multiply-adds per step, where one
        thread is no slower and leaves the other cores free) and torch's default otherwise.
    model : callable, optional
        ``model(n_features, n_classes)`` builds the network instead of the MLP
        (for example a :class:`LatticeCNN`); ``hidden`` is then unused.
    device : str, optional
        Where torch trains: "cpu" (default; dense ReLU networks use symfast's compiled
        epoch there) or a GPU such as "cuda" (torch's autograd on the device).  The fitted
        model comes back on the CPU.

    Attributes
    ----------
    classes_ : ndarray
    result_ : ScoredTraining
        Test accuracy after every epoch, its best and final values, the final training
        accuracy (the test figures are NaN when ``fit`` had no test set).
    net_ : nn.Module
    """

    def __init__(self, hidden: Sequence[int] = (64,), *, max_epochs: int = 100,
                 batch_size: int = 64,
                 learning_rate: float = 1e-3, standardize: bool = True, seed: int = 0,
                 n_threads: int | None = None,
                 model: Callable[[int, int], nn.Module] | None = None,
                 device: str | None = None, **renamed: Any):
        self.hidden = hidden
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.standardize = standardize
        self.seed = seed
        self.n_threads = n_threads
        self.model = model
        self.device = device
        for name, value in take_renamed("ScoredClassifier", renamed,
                                        {"epochs": "max_epochs"}).items():
            setattr(self, name, value)

    def _prepare(self, X_train, y_train, X_test, y_test) -> dict:
        Xtr = check_array(X_train, "X_train", ndim=2, min_rows=2)
        codes, (classes,) = encode_labels(np.asarray(y_train).reshape(-1), Xtr.shape[0])
        if X_test is None:
            Xte, te_codes = Xtr[:0], np.zeros(0, dtype=np.int64)
        else:
            Xte = check_array(X_test, "X_test", ndim=2, min_rows=1, n_features=Xtr.shape[1])
            if y_test is None:
                raise ValueError("y_test is needed with X_test")
            y_te = np.asarray(y_test).reshape(-1)
            if y_te.shape[0] != Xte.shape[0]:
                raise ValueError(f"X_test and y_test must have the same number of rows, got "
                                 f"{Xte.shape[0]} and {y_te.shape[0]}")
            te_codes = np.searchsorted(classes, y_te)
            if np.any(te_codes >= classes.size) or np.any(
                    classes[np.minimum(te_codes, classes.size - 1)] != y_te):
                raise ValueError("y_test holds labels that y_train does not")
        hidden = self.hidden
        if isinstance(hidden, (int, np.integer)) or any(int(h) < 1 for h in hidden):
            raise ValueError(f"hidden must be a sequence of positive ints, got {hidden!r}")
        check_int(self.max_epochs, "max_epochs", minimum=1)
        check_int(self.batch_size, "batch_size", minimum=1)
        check_float(self.learning_rate, "learning_rate", positive=True)
        seed = check_seed(self.seed)
        check_device(self.device)
        self.classes_ = classes
        self.n_features_in_ = Xtr.shape[1]
        self.mean_, self.scale_ = np.zeros(Xtr.shape[1]), np.ones(Xtr.shape[1])
        if self.standardize:
            mean, scale = Xtr.mean(0), Xtr.std(0)
            scale[scale < 1e-12] = 1.0
            Xtr, Xte = (Xtr - mean) / scale, (Xte - mean) / scale
            self.mean_, self.scale_ = mean, scale
        return {"seed": seed, "xt": float32_tensor(Xtr, "X_train"),
                "yt": torch.from_numpy(codes[:, 0]), "xv": float32_tensor(Xte, "X_test"),
                "yv": torch.from_numpy(te_codes.astype(np.int64)), "curve": []}

    def _build_net(self, st: dict) -> nn.Module:
        n_in, k = st["xt"].shape[1], self.classes_.size
        return mlp(n_in, self.hidden, k) if self.model is None else self.model(n_in, k)

    def _encode(self, st: dict, net: nn.Module) -> tuple[Callable, torch.Tensor]:
        """The forward and training inputs a lone fit trains on: the network's own encoding
        of the data where it offers one (``encode_inputs`` / ``forward_encoded``, as
        :class:`LatticeCNN` on spins), else the network on the inputs."""
        encode = getattr(net, "encode_inputs", None)
        if encode is not None:
            with torch.no_grad():
                zt, zv = encode(st["xt"]), encode(st["xv"])
            if zt is not None and zv is not None:
                st["encoded"] = (zt, zv)
                return net.forward_encoded, zt
        return net, st["xt"]

    def _scored_inputs(self, st: dict, net: nn.Module):
        """(forward, training inputs, test inputs) for scoring."""
        if "encoded" in st:
            return (net.forward_encoded, *st["encoded"])
        return net, st["xt"], st["xv"]

    def _end_epoch(self, st: dict, net: nn.Module) -> None:
        if st["xv"].shape[0]:
            forward, _, xv = self._scored_inputs(st, net)
            with torch.no_grad():
                st["curve"].append(float((forward(xv).argmax(1) == st["yv"]).float().mean()))

    def _finish(self, st: dict, net: nn.Module) -> None:
        forward, xt, _ = self._scored_inputs(st, net)
        with torch.no_grad():
            train_acc = float((forward(xt).argmax(1) == st["yt"]).float().mean())
        curve = st["curve"]
        nan = float("nan")
        self.result_ = ScoredTraining(best_test_accuracy=max(curve) if curve else nan,
                                      final_test_accuracy=curve[-1] if curve else nan,
                                      train_accuracy=train_acc, test_curve=curve)
        self.net_ = net.cpu()              # a model trained on a GPU comes back to the CPU

    def fit(self, X: np.ndarray, y: np.ndarray, X_test: np.ndarray | None = None,
            y_test: np.ndarray | None = None) -> "ScoredClassifier":
        """Train on X (n, n_features) and y (n,), scoring on X_test and y_test after every
        epoch; returns ``self``."""
        st = self._prepare(X, y, X_test, y_test)
        xt, yt = st["xt"], st["yt"]
        batch_size = int(self.batch_size)
        with ExitStack() as stack:
            with seeded(st["seed"]) as gen:        # the initial weights; the rest draws from gen
                net = self._build_net(st)
            dev, (xt, yt, st["xv"], st["yv"]) = to_device(self.device, net, xt, yt,
                                                          st["xv"], st["yv"])
            st["xt"], st["yt"] = xt, yt
            # threads chosen after the net exists: small networks train faster on one
            threads = training_threads(self.n_threads, net, batch_size)
            stack.enter_context(torch_threads(threads))
            forward, xin = self._encode(st, net)
            kernel = self._dense_trainer(net, st) if dev.type == "cpu" else None
            if kernel is not None:      # the compiled epoch (see _dense_kernel): same steps
                from symfast._threads import blas_limits

                stack.enter_context(blas_limits(threads))
                stack.callback(kernel.release)
                xk, codes_k = xin.numpy(), yt.numpy().reshape(-1, 1)
            opt = adam(net.parameters(), self.learning_rate) if kernel is None else None
            n = xt.shape[0]
            for _ in range(int(self.max_epochs)):
                perm = torch.randperm(n, generator=gen)
                if kernel is not None:
                    kernel.epoch(xk, codes_k, perm.numpy())
                else:
                    perm = perm.to(xin.device)
                    for start in range(0, n, batch_size):
                        idx = perm[start:start + batch_size]
                        loss = nn.functional.cross_entropy(forward(xin[idx]), yt[idx])
                        opt.zero_grad(set_to_none=True)
                        loss.backward()
                        opt.step()
                self._end_epoch(st, net)
            self._finish(st, net)
        return self

    def _progress_score(self) -> float:
        """The figure a progress bar shows after a fit: the last test accuracy (NaN
        without a test set)."""
        return _last(self.result_.test_curve)

    TRAINING_BACKENDS = frozenset({TORCH, COMPILED, STACKED})

    def _uses_kernel(self) -> bool:
        """Whether every lone fit runs on the compiled epoch, whatever the data (the MLP,
        not a ``model``, on the CPU; a LatticeCNN does on +-1 inputs only)."""
        return self.model is None and check_device(self.device).type == "cpu"

    def _dense_trainer(self, net: nn.Module, st: dict):
        """The compiled trainer of the network on the CPU: the MLP's, a LatticeCNN's on
        pattern counts (``st`` holds them once :meth:`_encode` made them); None for any
        other ``model``."""
        from symfast.nn._dense_kernel import DenseTrainer, PatternTrainer

        if check_device(self.device).type != "cpu":
            return None
        if self.model is None:
            return DenseTrainer.for_mlp(net, learning_rate=self.learning_rate,
                                        batch_size=self.batch_size)
        if "encoded" in st:
            return PatternTrainer.for_net(net, learning_rate=self.learning_rate,
                                          batch_size=self.batch_size)
        return None

    def _batched_plan(self, X, y, X_test=None, y_test=None):
        """This fit as one member of :func:`symfast.nn.fit_many`."""
        from symfast.nn._batched import BatchedPlan

        st = self._prepare(X, y, X_test, y_test)
        with seeded(st["seed"]) as gen:
            net = self._build_net(st)

        def end_epoch(epoch: int, logs: np.ndarray) -> bool:
            self._end_epoch(st, net)
            return False

        return BatchedPlan(net=net, generator=gen, inputs=st["xt"], targets=(st["yt"],),
                           batch_size=int(self.batch_size), max_epochs=int(self.max_epochs),
                           learning_rate=float(self.learning_rate), loss=_mean_cross_entropy,
                           end_epoch=end_epoch,
                           score=lambda: _last(st["curve"]),
                           state=st)

    def _batched_finish(self, plan) -> None:
        self._finish(plan.state, plan.net)

    def _check_X(self, X: np.ndarray) -> torch.Tensor:
        if not hasattr(self, "net_"):
            raise NotFittedError("this ScoredClassifier is not fitted yet; call fit(X, y)")
        arr = check_array(X, "X", ndim=2, n_features=self.n_features_in_)
        return float32_tensor((arr - self.mean_) / self.scale_, "X")

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted labels, shape (n_samples,)."""
        xt = self._check_X(X)
        with torch_threads(self.n_threads), torch.no_grad():
            return self.classes_[self.net_(xt).argmax(1).numpy()]


def _last(curve: list[float]) -> float:
    return curve[-1] if curve else float("nan")


def _mean_cross_entropy(out: torch.Tensor, targets: tuple[torch.Tensor, ...],
                        weight: torch.Tensor, params: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """Each member's mean cross-entropy over its real samples (the batched loss)."""
    codes, = targets
    ce = nn.functional.cross_entropy(out.reshape(-1, out.shape[-1]), codes.reshape(-1),
                                     reduction="none").view_as(weight)
    loss = (ce * weight).sum(1) / weight.sum(1)
    return loss, loss.detach()[:, None]


# fit_many runs a ReLU MLP under this loss with its hand-written backward
_mean_cross_entropy.manual = "cross_entropy"
