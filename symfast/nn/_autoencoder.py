"""The task-constrained autoencoder of Betzler & Krippendorf (arXiv 2002.05169, sec. 4).

An encoder maps a configuration to a latent vector from which a *linear* layer
must predict a physical quantity (the energy) while a decoder reconstructs the
input.  The linear energy head is the task constraint: for the n-spin Ising
chain at B = 0 the energy is linear in the dual variables, so a latent space
close to the dual frame serves the task best.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from torch import nn

from symfast._validation import (check_array, check_float, check_int, check_seed,
                                 take_renamed)
from symfast.nn._scored import mlp
from symfast.nn._training import COMPILED, STACKED, TORCH, TrainingBackends
from symfast.nn._utils import (NotFittedError, check_device, epoch_bar, float32_tensor,
                               seeded, to_device, torch_threads, training_threads)


class _AE(nn.Module):
    def __init__(self, n_in: int, hidden: int, latent: int):
        super().__init__()
        self.encoder = mlp(n_in, (hidden,), latent)
        self.energy = nn.Linear(latent, 1)
        self.decoder = mlp(latent, (hidden,), n_in)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        z = self.encoder(x)
        return z, self.energy(z)[:, 0], self.decoder(z)

    def forward_stacked(self, r, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """The forward of M stacked copies (:func:`symfast.nn.fit_many`): x (M, b, n_in)."""
        z = r(self.encoder, "encoder", x)
        return z, r(self.energy, "energy", z)[..., 0], r(self.decoder, "decoder", z)


class TaskAutoencoder(TrainingBackends, TransformerMixin, BaseEstimator):
    """Encoder (``hidden`` ReLU) -> latent -> linear target head + decoder (``hidden`` ReLU).

    Parameters
    ----------
    embed_dim : int, default=18
        Width of the latent layer (linear), the embedding :meth:`transform` returns.
        The old spelling ``latent_dim=`` still works for one release, with a warning.
    hidden : int, default=128
        Width of the ReLU layer in the encoder and in the decoder.
    max_epochs : int, default=30
        Epochs trained (no early stopping; the old spelling ``epochs=`` warns).
    batch_size : int, default=256
    learning_rate : float, default=1e-3
        NAdam's initial step size.
    decay : float, default=0.95
        The step size is multiplied by this after every epoch.
    target_weight : float, default=1.0
        Weight of the (standardised) target loss against the reconstruction loss.
    seed : int, default=0
    progress : bool, default=False
        A progress bar over epochs.
    n_threads : int, optional
        torch intra-op threads.  Default: one thread for training a small network
        (fewer than ``SMALL_STEP_WORK`` weight multiply-adds per step, where one
        thread is no slower and leaves the other cores free) and torch's default otherwise.
    device : str, optional
        Where torch trains: "cpu" (default; the autoencoder trains on symfast's
        compiled epoch there) or a GPU such as "cuda" (torch's autograd on the device).  The fitted
        model comes back on the CPU.

    Attributes
    ----------
    history_ : list of dict
        Per epoch: ``target_mse`` and ``reconstruction_mse`` (standardised units).
    fit_time_ : float
    """

    def __init__(self, embed_dim: int = 18, hidden: int = 128, *, max_epochs: int = 30,
                 batch_size: int = 256, learning_rate: float = 1e-3, decay: float = 0.95,
                 target_weight: float = 1.0, seed: int = 0, progress: bool = False,
                 n_threads: int | None = None, device: str | None = None, **renamed: Any):
        self.embed_dim = embed_dim
        self.hidden = hidden
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.decay = decay
        self.target_weight = target_weight
        self.seed = seed
        self.progress = progress
        self.n_threads = n_threads
        self.device = device
        old = {"epochs": "max_epochs", "latent_dim": "embed_dim"}
        for name, value in take_renamed("TaskAutoencoder", renamed, old).items():
            setattr(self, name, value)

    def fit(self, X: np.ndarray, target: np.ndarray) -> "TaskAutoencoder":
        """Train on inputs X of shape (n_samples, n_features) and targets of shape (n_samples,)."""
        st = self._prepare(X, target)
        xt, tt, seed = st["xt"], st["tt"], st["seed"]
        epochs, batch_size = int(self.max_epochs), int(self.batch_size)
        with ExitStack() as stack:
            with seeded(seed) as gen:           # the initial weights; the rest draws from gen
                net = _AE(xt.shape[1], int(self.hidden), int(self.embed_dim))
            dev, (xt, tt) = to_device(self.device, net, xt, tt)
            # threads chosen after the net exists: small networks train faster on one
            threads = training_threads(self.n_threads, net, batch_size)
            stack.enter_context(torch_threads(threads))
            kernel = self._trainer(net) if dev.type == "cpu" else None
            lr = float(self.learning_rate)
            if kernel is not None:      # the compiled epoch (see _dense_kernel): same steps
                from symfast._threads import blas_limits

                stack.enter_context(blas_limits(threads))
                stack.callback(kernel.release)
                xk, tk = xt.numpy(), tt.numpy()
            else:
                opt = torch.optim.NAdam(net.parameters(), lr=lr)
                sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=self.decay)
            bar = epoch_bar(epochs, self.progress, "autoencoder")
            n = xt.shape[0]
            for _ in range(epochs):
                perm = torch.randperm(n, generator=gen)
                if kernel is not None:
                    means = np.array(kernel.epoch(xk, tk, perm.numpy(), lr))
                    lr *= self.decay
                else:
                    means = self._torch_epoch(net, opt, xt, tt, perm)
                    sched.step()
                self._end_epoch(means)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(energy=f"{means[0]:.2e}", recon=f"{means[1]:.2e}")
            if bar is not None:
                bar.close()
        self._finish(net, st["t0"])
        return self

    def _torch_epoch(self, net: nn.Module, opt, xt: torch.Tensor, tt: torch.Tensor,
                     perm: torch.Tensor) -> np.ndarray:
        """One epoch through torch's autograd; the mean target and reconstruction errors."""
        sums = np.zeros(2)
        perm = perm.to(xt.device)
        for start in range(0, xt.shape[0], int(self.batch_size)):
            idx = perm[start:start + int(self.batch_size)]
            _, e, rec = net(xt[idx])
            l_target = nn.functional.mse_loss(e, tt[idx])
            l_rec = nn.functional.mse_loss(rec, xt[idx])
            loss = self.target_weight * l_target + l_rec
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sums += np.array([l_target.item(), l_rec.item()]) * idx.numel()
        return sums / xt.shape[0]

    TRAINING_BACKENDS = frozenset({TORCH, COMPILED, STACKED})

    def _uses_kernel(self) -> bool:
        """Whether a lone fit runs on the compiled epoch (on the CPU it always does: the
        architecture is fixed)."""
        return check_device(self.device).type == "cpu"

    def _trainer(self, net: nn.Module):
        """The compiled trainer of ``net`` (``symfast.nn._dense_kernel.AutoencoderTrainer``)."""
        from symfast.nn._dense_kernel import AutoencoderTrainer

        return AutoencoderTrainer(net, target_weight=self.target_weight,
                                  batch_size=self.batch_size)

    # -- the pieces fit and fit_many share ------------------------------------------
    def _prepare(self, X: np.ndarray, target: np.ndarray) -> dict:
        check_int(self.embed_dim, "embed_dim", minimum=1)
        check_int(self.hidden, "hidden", minimum=1)
        check_int(self.max_epochs, "max_epochs", minimum=1)
        check_int(self.batch_size, "batch_size", minimum=1)
        check_float(self.learning_rate, "learning_rate", positive=True)
        check_float(self.decay, "decay", positive=True, maximum=1.0)
        check_float(self.target_weight, "target_weight", minimum=0.0)
        seed = check_seed(self.seed)
        check_device(self.device)
        Xa = check_array(X, "X", ndim=2, min_rows=2)
        t = check_array(target, "target", ndim=1)
        if t.shape[0] != Xa.shape[0]:
            raise ValueError(f"X and target must have the same number of rows, got "
                             f"{Xa.shape[0]} and {t.shape[0]}")
        self.n_features_in_ = Xa.shape[1]
        self.target_mean_, self.target_scale_ = float(t.mean()), float(t.std()) or 1.0
        self.history_: list[dict[str, float]] = []
        return {"seed": seed, "t0": time.perf_counter(), "xt": float32_tensor(Xa, "X"),
                "tt": float32_tensor((t - self.target_mean_) / self.target_scale_, "target")}

    def _end_epoch(self, means: np.ndarray) -> None:
        self.history_.append({"target_mse": float(means[0]),
                              "reconstruction_mse": float(means[1])})

    def _finish(self, net: nn.Module, t0: float) -> None:
        net.eval()
        self.net_ = net.cpu()              # a model trained on a GPU comes back to the CPU
        self.fit_time_ = time.perf_counter() - t0

    def _batched_plan(self, X: np.ndarray, target: np.ndarray):
        """This fit as one member of :func:`symfast.nn.fit_many`."""
        from symfast.nn._batched import BatchedPlan

        st = self._prepare(X, target)
        with seeded(st["seed"]) as gen:
            net = _AE(st["xt"].shape[1], int(self.hidden), int(self.embed_dim))
        w = float(self.target_weight)

        def loss(out, targets, weight, params):
            _, e, rec = out
            x, t = targets
            w_sum = weight.sum(1)
            l_target = (((e - t) ** 2) * weight).sum(1) / w_sum
            l_rec = (((rec - x) ** 2).mean(2) * weight).sum(1) / w_sum
            return w * l_target + l_rec, torch.stack([l_target, l_rec], 1).detach()

        def end_epoch(epoch: int, logs: np.ndarray) -> bool:
            self._end_epoch(logs)
            return False

        return BatchedPlan(net=net, generator=gen, inputs=st["xt"], targets=(st["xt"], st["tt"]),
                           batch_size=int(self.batch_size), max_epochs=int(self.max_epochs),
                           learning_rate=float(self.learning_rate), optimizer="nadam",
                           lr_decay=float(self.decay), loss=loss, end_epoch=end_epoch,
                           state=st)

    def _batched_finish(self, plan) -> None:
        self._finish(plan.net, plan.state["t0"])

    def _tensor(self, X: np.ndarray) -> torch.Tensor:
        if not hasattr(self, "net_"):
            raise NotFittedError("this TaskAutoencoder is not fitted yet; call fit(X, target)")
        arr = check_array(X, "X", ndim=2, n_features=self.n_features_in_)
        return float32_tensor(arr, "X")

    def encode(self, X: np.ndarray) -> np.ndarray:
        """Latent vectors: ndarray of shape (n_samples, embed_dim), float32."""
        xt = self._tensor(X)
        with torch_threads(self.n_threads), torch.no_grad():
            return self.net_.encoder(xt).numpy()

    def transform(self, X: np.ndarray) -> np.ndarray:
        """The latent code, as :meth:`encode` (scikit-learn's transformer interface)."""
        return self.encode(X)

    def predict_target(self, X: np.ndarray) -> np.ndarray:
        """The target (energy) predicted by the linear head: shape (n_samples,)."""
        xt = self._tensor(X)
        with torch_threads(self.n_threads), torch.no_grad():
            _, e, _ = self.net_(xt)
        return e.numpy().astype(np.float64) * self.target_scale_ + self.target_mean_

    def reconstruct(self, X: np.ndarray) -> np.ndarray:
        """Decoder output: shape (n_samples, n_features)."""
        xt = self._tensor(X)
        with torch_threads(self.n_threads), torch.no_grad():
            return self.net_(xt)[2].numpy()


def sensitivity(f, X: np.ndarray) -> np.ndarray:
    """``S_ij`` = mean over states of ``|f_j(x) - f_j(x with spin i flipped)|``.

    Parameters
    ----------
    f : callable
        Maps spins of shape (n_samples, N) to features of shape (n_samples, M).
    X : ndarray of shape (n_samples, N)
        Spin configurations (values +-1).

    Returns
    -------
    ndarray of shape (N, M)
    """
    Xa = np.asarray(X)
    base = np.asarray(f(Xa), dtype=np.float64)
    out = np.empty((Xa.shape[1], base.shape[1]))
    for i in range(Xa.shape[1]):
        flipped = Xa.copy()
        flipped[:, i] = -flipped[:, i]
        out[i] = np.abs(np.asarray(f(flipped), dtype=np.float64) - base).mean(0)
    return out
