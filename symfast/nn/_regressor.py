"""A smooth MLP regressor whose input gradients are the normals of the learned level sets.

Trained on (X, y) with continuous y, the network learns f(x) ~ E[y | x]; the
gradient of f at a point is normal to the level set of f through it.  The
activation is smooth (SiLU by default), because a ReLU network's gradient is
piecewise constant: its normals jump from one linear region to the next and
are wrong by the angle between neighbouring regions.
"""

from __future__ import annotations

import math
import time
from typing import Any, Sequence

import numpy as np
import torch
from sklearn.base import BaseEstimator, RegressorMixin
from torch import nn

from symfast._validation import (check_array, check_float, check_int, check_seed,
                                 take_renamed)
from symfast.nn._utils import (NotFittedError, adam, check_device, epoch_bar, float32_tensor,
                               seeded, to_device, torch_threads, training_threads)

#: Smooth activations offered (name -> module); the gradient of the fit must be smooth.
ACTIVATIONS = {"silu": nn.SiLU, "tanh": nn.Tanh, "softplus": nn.Softplus, "gelu": nn.GELU}
#: Training losses: squared error on standardised values, or the logit of two classes.
LOSSES = ("squared", "logistic")


class _RegNet(nn.Module):
    """Dense trunk ending in the embedding layer, plus one linear output layer."""

    def __init__(self, n_in: int, hidden: Sequence[int], n_out: int, activation: str):
        super().__init__()
        layers: list[nn.Module] = []
        width = n_in
        for h in hidden:
            layers += [nn.Linear(width, h), ACTIVATIONS[activation]()]
            width = h
        self.trunk = nn.Sequential(*layers)
        self.head = nn.Linear(width, n_out)
        self.register_buffer("x_mean", torch.zeros(n_in))
        self.register_buffer("x_white", torch.eye(n_in))       # x' = (x - mean) @ white

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.trunk((x - self.x_mean) @ self.x_white)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))


class GradientRegressor(RegressorMixin, BaseEstimator):
    """An MLP regressor with smooth activations, its embedding and its input gradients.

    Parameters
    ----------
    hidden : sequence of int, default=(64, 64, 64)
        Widths of the hidden layers; the last one is the embedding.
    activation : {"silu", "tanh", "softplus", "gelu"}, default="silu"
    learning_rate : float, default=3e-3
        Peak step size of Adam; it warms up linearly over the first 5 % of the
        steps and then follows a cosine to zero.
    batch_size : int, default=256
    max_epochs : int, default=200
    patience : int, default=30
        Stop when the held-out loss has not improved for this many epochs.
    validation_fraction : float, default=0.2
    standardize : {"whiten", True}, default="whiten"
        How the inputs are standardised with the training statistics: "whiten"
        decorrelates them (ZCA whitening with the training covariance), True only
        centres and scales each feature (as the classifiers' ``standardize=True``).
        The old ``whiten=True`` / ``whiten=False`` still work for one release, with a
        warning.  Data in a skewed linear frame
        otherwise hide the function's variation along a thin direction: in
        R^4 with a frame of condition number 190, a quadratic form was fitted
        to held-out R^2 0.62 with scaling and 0.9998 with whitening.
    seed : int, default=0
    progress : bool, default=True
    n_threads : int, optional
        torch intra-op threads (default as for
        :class:`~symfast.nn.EmbeddingClassifier`: one for small networks).
    device : str, optional
        Where torch trains: "cpu" (default) or a GPU such as "cuda".  The fitted model
        comes back on the CPU.
    loss : {"squared", "logistic"}, default="squared"
        "logistic": y holds 0/1 labels of two classes (one column), the network's
        output is the logit of class 1, trained with the binary cross-entropy, and
        :meth:`gradient` gives the logit's input gradient (normal to the level sets of
        the classifier's probability, as a logit is monotone in it).

    Attributes
    ----------
    n_features_in_, n_outputs_ : int
    val_r2_ : ndarray of shape (n_outputs,)
        Held-out R^2 per output of the restored (best) weights (for ``loss="logistic"``,
        of the predicted probability against the labels: one minus the Brier score over
        the labels' variance).
    history_ : list of dict
        Per epoch: ``epoch``, ``loss``, ``val_loss`` (standardised units).
    n_epochs_ : int
    fit_time_ : float
    """

    def __init__(self, hidden: Sequence[int] = (64, 64, 64), *, activation: str = "silu",
                 learning_rate: float = 3e-3, batch_size: int = 256, max_epochs: int = 200,
                 patience: int = 30, validation_fraction: float = 0.2,
                 standardize: bool | str = "whiten",
                 seed: int = 0,
                 progress: bool = True, n_threads: int | None = None,
                 device: str | None = None, loss: str = "squared", **renamed: Any):
        self.hidden = hidden
        self.activation = activation
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.standardize = standardize
        self.seed = seed
        self.progress = progress
        self.n_threads = n_threads
        self.device = device
        self.loss = loss
        old = take_renamed("GradientRegressor", renamed, {"whiten": "standardize"})
        if "standardize" in old:            # whiten=True meant ZCA, whiten=False per feature
            self.standardize = "whiten" if old["standardize"] else True

    def _check_params(self) -> None:
        check_device(self.device)
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(map(repr, LOSSES))}, got "
                             f"{self.loss!r}")
        if isinstance(self.hidden, (int, np.integer)) or len(self.hidden) == 0 or not all(
                isinstance(h, (int, np.integer)) and not isinstance(h, bool) and h >= 1
                for h in self.hidden):
            raise ValueError(f"hidden must be a non-empty sequence of positive ints, got "
                             f"{self.hidden!r}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got "
                             f"{self.activation!r}")
        check_float(self.learning_rate, "learning_rate", positive=True)
        check_int(self.batch_size, "batch_size", minimum=1)
        check_int(self.max_epochs, "max_epochs", minimum=1)
        check_int(self.patience, "patience", minimum=1)
        check_float(self.validation_fraction, "validation_fraction", minimum=0.05,
                    maximum=0.9)
        check_seed(self.seed)
        if not (self.standardize is True or (isinstance(self.standardize, str)
                                              and self.standardize == "whiten")):
            raise ValueError(f"standardize must be 'whiten' or True, got {self.standardize!r}")

    def _check_X(self, X: np.ndarray) -> torch.Tensor:
        if not hasattr(self, "net_"):
            raise NotFittedError("this GradientRegressor is not fitted yet; call fit(X, y) first")
        arr = check_array(X, "X", ndim=2, n_features=self.n_features_in_)
        return float32_tensor(arr, "X")

    def fit(self, X: np.ndarray, y: np.ndarray) -> "GradientRegressor":
        """Train on X (n_samples, n_features) and y (n_samples,) or (n_samples, n_outputs)."""
        self._check_params()
        Xa = check_array(X, "X", ndim=2, min_rows=10)
        ya = check_array(y, "y")
        if ya.ndim not in (1, 2) or ya.shape[0] != Xa.shape[0]:
            raise ValueError(f"y must have shape ({Xa.shape[0]},) or ({Xa.shape[0]}, m) to "
                             f"match X, got {ya.shape}")
        Y = ya.reshape(Xa.shape[0], -1)
        if np.any(Y.std(axis=0) == 0):
            raise ValueError("y is constant (in at least one column): nothing to learn")
        logistic = self.loss == "logistic"
        if logistic and (Y.shape[1] != 1 or not np.all((Y == 0) | (Y == 1))):
            raise ValueError("loss='logistic' needs one column of 0/1 labels in y")
        t0 = time.perf_counter()
        n, d = Xa.shape
        self.n_features_in_, self.n_outputs_ = d, Y.shape[1]
        seed = int(self.seed)
        perm = np.random.default_rng(seed).permutation(n)
        n_val = max(1, int(round(self.validation_fraction * n)))
        va, tr = perm[:n_val], perm[n_val:]
        # the logit is not standardised: its scale is the classifier's confidence
        self.y_mean_ = np.zeros(Y.shape[1]) if logistic else Y[tr].mean(axis=0)
        self.y_scale_ = np.ones(Y.shape[1]) if logistic else Y[tr].std(axis=0)
        Ys = ((Y - self.y_mean_) / self.y_scale_).astype(np.float32)
        Xt, yt = float32_tensor(Xa[tr], "X"), torch.from_numpy(Ys[tr])
        Xv, yv = float32_tensor(Xa[va], "X"), torch.from_numpy(Ys[va])
        bs = min(int(self.batch_size), tr.size)
        steps_per_epoch = math.ceil(tr.size / bs)
        total = steps_per_epoch * int(self.max_epochs)
        warm = max(1, total // 20)
        peak = float(self.learning_rate)

        def lr_at(step: int) -> float:
            if step < warm:
                return peak * (step + 1) / warm
            return 0.5 * peak * (1.0 + math.cos(math.pi * (step - warm) / max(1, total - warm)))

        crit = (torch.nn.functional.binary_cross_entropy_with_logits if logistic
                else torch.nn.functional.mse_loss)
        with seeded(seed) as gen:
            net = _RegNet(d, self.hidden, self.n_outputs_, self.activation)
            net.x_mean.copy_(torch.from_numpy(Xa[tr].mean(axis=0).astype(np.float32)))
            net.x_white.copy_(torch.from_numpy(_whitening(Xa[tr], self.standardize == "whiten")))
            dev, (Xt, yt, Xv, yv) = to_device(self.device, net, Xt, yt, Xv, yv)
            with torch_threads(training_threads(self.n_threads, net, bs)):
                opt = adam(net.parameters(), peak)
                self.history_ = []
                best, best_state, since = math.inf, None, 0
                bar = epoch_bar(int(self.max_epochs), self.progress, "regression")
                step = 0
                for epoch in range(1, int(self.max_epochs) + 1):
                    net.train()
                    order = torch.randperm(tr.size, generator=gen).to(dev)
                    run = 0.0
                    for s in range(0, tr.size, bs):
                        idx = order[s:s + bs]
                        for g in opt.param_groups:
                            g["lr"] = lr_at(step)
                        loss = crit(net(Xt[idx]), yt[idx])
                        opt.zero_grad(set_to_none=True)
                        loss.backward()
                        opt.step()
                        run += float(loss.detach()) * idx.numel()
                        step += 1
                    net.eval()
                    with torch.no_grad():
                        val = float(crit(net(Xv), yv))
                    self.history_.append({"epoch": epoch, "loss": run / tr.size,
                                          "val_loss": val})
                    if bar is not None:
                        bar.update(1)
                        bar.set_postfix(loss=f"{run / tr.size:.2e}", val=f"{val:.2e}")
                    if val < best:
                        best, since = val, 0
                        best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
                    else:
                        since += 1
                        if since >= int(self.patience):
                            break
                if bar is not None:
                    bar.close()
            net.load_state_dict(best_state)
            net.eval()
            with torch.no_grad():
                out = torch.sigmoid(net(Xv)) if logistic else net(Xv)
                res = (out - yv).cpu().numpy().astype(np.float64)
        self.net_ = net.cpu()              # a model trained on a GPU comes back to the CPU
        var = np.maximum(Ys[va].astype(np.float64).var(axis=0), 1e-300)
        self.val_r2_ = 1.0 - (res ** 2).mean(axis=0) / var
        self.n_epochs_ = len(self.history_)
        self.fit_time_ = time.perf_counter() - t0
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted values, shape (n_samples,) for one output, else (n_samples, n_outputs)."""
        xt = self._check_X(X)
        with torch_threads(self.n_threads), torch.no_grad():
            out = self.net_(xt).numpy().astype(np.float64) * self.y_scale_ + self.y_mean_
        return out[:, 0] if self.n_outputs_ == 1 else out

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        """R^2 on (X, y), the minimum over outputs."""
        pred = self.predict(X).reshape(np.shape(X)[0], -1)
        ya = check_array(y, "y").reshape(pred.shape[0], -1)
        if ya.shape != pred.shape:
            raise ValueError(f"y must have shape {pred.shape[:1]} or {pred.shape}, got "
                             f"{np.shape(y)}")
        r2 = 1.0 - ((ya - pred) ** 2).mean(axis=0) / np.maximum(ya.var(axis=0), 1e-300)
        return float(r2.min())

    def embed(self, X: np.ndarray) -> np.ndarray:
        """The last hidden layer, shape (n_samples, hidden[-1]), float32."""
        xt = self._check_X(X)
        with torch_threads(self.n_threads), torch.no_grad():
            return np.ascontiguousarray(self.net_.embed(xt).numpy(), dtype=np.float32)

    def gradient(self, X: np.ndarray, *, chunk: int = 16384) -> np.ndarray:
        """Gradients of the fitted outputs with respect to the inputs, shape (n, m, d).

        Computed ``chunk`` rows at a time (one backward pass per output), so the
        memory held is that of one chunk whatever the size of X.
        """
        xt = self._check_X(X)
        chunk = check_int(chunk, "chunk", minimum=1)
        n, d, m = xt.shape[0], self.n_features_in_, self.n_outputs_
        G = np.empty((n, m, d))
        with torch_threads(self.n_threads):
            for s in range(0, n, chunk):
                xb = xt[s:s + chunk].clone().requires_grad_(True)
                out = self.net_(xb)
                for j in range(m):
                    g, = torch.autograd.grad(out[:, j].sum(), xb, retain_graph=j < m - 1)
                    G[s:s + chunk, j] = g.numpy()
        return G * self.y_scale_[None, :, None]


def _whitening(X: np.ndarray, full: bool) -> np.ndarray:
    """(d, d) float32 map W with cov((X - mean) W) = I (ZCA), or diag(1 / std)."""
    if not full:
        return np.diag(1.0 / np.maximum(X.std(axis=0), 1e-12)).astype(np.float32)
    w, V = np.linalg.eigh(np.cov(X, rowvar=False).reshape(X.shape[1], X.shape[1]))
    w = np.maximum(w, 1e-12 * max(float(w.max()), 1e-300))
    return ((V / np.sqrt(w)) @ V.T).astype(np.float32)
