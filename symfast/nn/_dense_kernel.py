"""Training dense ReLU networks (and the lattice CNN on pattern counts) with the compiled
kernel instead of torch's autograd.

For the small MLPs symfast trains (an 80-wide trunk on batches of 128), a torch step costs
its operator dispatch and autograd bookkeeping more than its arithmetic: on 2 cores a step
of the (80, 80, 80) benchmark network took about 830 us in torch (fused Adam, one
thread), of which the products are a small part.  ``symfast._ext._mlp.train_epoch`` runs a
whole epoch (forward, the written-out gradient, torch's Adam update) in C with BLAS for the
products: about 150-220 us per step on the same machine.

:class:`DenseTrainer` binds the torch module's parameters to one flat float32 buffer that
the kernel updates in place, so the module is always the model: evaluation, ``state_dict``
and checkpoints go through torch as before.  :class:`AutoencoderTrainer` does the same for
the task-constrained autoencoder (``train_ae_epoch``, NAdam): 222 / 399 us a step at
latent 18 / 50 (batch 256, hidden 128), against about 2.3 ms in torch on one thread.
:class:`PatternTrainer` trains a LatticeCNN on the counts of its 2 x 2 patterns
(``train_pattern_epoch``).  A batch norm after a dense layer's activation runs in the
kernel too, as torch's ``BatchNorm1d`` in training mode.

The update is the same algorithm as torch's (the same batches in the same order, the same
Adam and NAdam formulas, whose per-step scalars come from the one definition in
:mod:`symfast.nn._training`); the two differ by float32 rounding (about 3e-8 on the
weights after one epoch, tested).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import nn

from symfast.nn._lattice_cnn import LatticeCNN
from symfast.nn._training import ADAM, NADAM


def _n_steps(n_rows: int, batch_size: int) -> int:
    """Minibatches in one pass over n_rows (the last may be short)."""
    return -(-int(n_rows) // int(batch_size))


class _Flat:
    """The parameters bound to one flat float32 buffer (torch's order), with Adam's or
    NAdam's two moments beside it."""

    def __init__(self, params: Sequence[torch.Tensor]):
        self.params = list(params)
        size = sum(p.numel() for p in self.params)
        self.flat = np.empty(size, dtype=np.float32)
        off = 0
        for p in self.params:   # the module's parameters become views of the flat buffer
            n = p.numel()
            self.flat[off:off + n] = p.detach().reshape(-1).numpy()
            p.data = torch.from_numpy(self.flat[off:off + n]).view(p.shape)
            off += n
        self.exp_avg = np.zeros(size, dtype=np.float32)
        self.exp_avg_sq = np.zeros(size, dtype=np.float32)
        self.step = 0

    def state_dict(self) -> dict:
        """The optimiser's state (the weights live in the module)."""
        return {"exp_avg": self.exp_avg.copy(), "exp_avg_sq": self.exp_avg_sq.copy(),
                "step": self.step}

    def load_state_dict(self, state: dict) -> None:
        self.exp_avg[:] = state["exp_avg"]
        self.exp_avg_sq[:] = state["exp_avg_sq"]
        self.step = int(state["step"])

    def release(self) -> None:
        """Give each parameter its own storage again (the flat buffer is let go)."""
        for p in self.params:
            p.data = p.data.clone()


class DenseTrainer(_Flat):
    """Adam training of ``trunk`` (Linear, ReLU, ..., Linear[, ReLU]) plus linear ``heads``,
    with a ``BatchNorm1d`` after any layer's activation.

    Parameters
    ----------
    n_in : int
        Input features.
    linears : sequence of nn.Linear
        The trunk's dense layers in order (may be empty); a ReLU follows each one, except
        the last when ``relu_last`` is false.
    heads : sequence of nn.Linear
        One head per label column, each reading the last trunk layer.
    relu_last : bool
    learning_rate, weight_decay : float
        Adam's step size and L2 added to the gradient (torch's ``weight_decay``).
    layer_l2 : sequence of float, optional
        Per trunk layer, ``l2 * sum(W**2)`` added to the loss.
    batch_size : int
    batch_norms : sequence of (nn.BatchNorm1d or None), optional
        Per trunk layer, the batch normalisation after its activation (affine, with running
        statistics and a fixed momentum), or None.  Its running mean and variance become
        views of a buffer the kernel updates.

    Notes
    -----
    The parameters must be registered in the module in the order trunk layers (weight,
    bias[, the norm's weight and bias]), then heads (weight, bias): the flat layout the
    kernel reads.
    """

    def __init__(self, n_in: int, linears: Sequence[nn.Linear], heads: Sequence[nn.Linear], *,
                 relu_last: bool, learning_rate: float, weight_decay: float = 0.0,
                 layer_l2: Sequence[float] | None = None, batch_size: int,
                 batch_norms: Sequence[nn.BatchNorm1d | None] | None = None):
        norms = list(batch_norms) if batch_norms is not None else [None] * len(linears)
        if len(norms) != len(linears) or not all(self.supports_norm(m) for m in norms):
            raise ValueError("batch_norms must hold, per trunk layer, None or an affine "
                             "BatchNorm1d with running statistics and a momentum")
        _Flat.__init__(self, [t for lin, bn in zip(list(linears) + list(heads),
                                                   norms + [None] * len(heads))
                              for t in ((lin.weight, lin.bias) if bn is None else
                                        (lin.weight, lin.bias, bn.weight, bn.bias))])
        self.norms = [m for m in norms if m is not None]
        self.bn = np.array([m is not None for m in norms], dtype=np.int64)
        self.running = np.empty(sum(2 * m.num_features for m in self.norms), dtype=np.float32)
        off = 0
        for m in self.norms:   # the running statistics become views of one buffer too
            n = m.num_features
            for buf in (m.running_mean, m.running_var):
                self.running[off:off + n] = buf.detach().numpy()
                buf.data = torch.from_numpy(self.running[off:off + n])
                off += n
        self.widths = np.array([n_in] + [lin.out_features for lin in linears],
                               dtype=np.int64)
        self.n_classes = np.array([h.out_features for h in heads], dtype=np.int64)
        self.relu_last = bool(relu_last)
        self.lr = float(learning_rate)
        self.weight_decay = float(weight_decay)
        self.layer_l2 = np.asarray(layer_l2 if layer_l2 is not None else [0.0] * len(linears),
                                   dtype=np.float32)
        self.batch_size = int(batch_size)

    @staticmethod
    def supports_norm(m: nn.Module | None) -> bool:
        """Whether the kernel runs ``m`` (None: no norm) as torch would in training."""
        return m is None or (type(m) is nn.BatchNorm1d and m.affine
                             and m.track_running_stats and m.momentum is not None)

    @classmethod
    def for_mlp(cls, net: nn.Sequential, *, learning_rate: float, batch_size: int
                ) -> "DenseTrainer | None":
        """The trainer of an :func:`symfast.nn.mlp` network (Linear, ReLU, ..., Linear), or
        None for any other module."""
        layers = list(net) if isinstance(net, nn.Sequential) else []
        if not layers or len(layers) % 2 == 0 or not all(
                isinstance(m, nn.Linear) if i % 2 == 0 else type(m) is nn.ReLU
                for i, m in enumerate(layers)):
            return None
        return cls(layers[0].in_features, layers[:-1:2], layers[-1:], relu_last=True,
                   learning_rate=learning_rate, batch_size=batch_size)

    def epoch(self, X: np.ndarray, codes: np.ndarray, order: np.ndarray) -> float:
        """One pass over ``X[order]`` in minibatches; returns the mean training loss.

        Parameters
        ----------
        X : ndarray of shape (n, n_features), float32, C-contiguous
            Inputs as the trunk's first layer sees them (already standardised).
        codes : ndarray of shape (n, n_heads), int64
        order : ndarray of shape (m,), int64
        """
        from symfast._ext._mlp import train_epoch

        factor, bias2_sqrt = ADAM.scalars(self.step, _n_steps(len(order), self.batch_size))
        total, taken = train_epoch(
            X, codes, order, self.batch_size, self.widths, self.n_classes, self.relu_last,
            self.flat, self.exp_avg, self.exp_avg_sq, self.layer_l2, self.lr, ADAM.beta1,
            ADAM.beta2, ADAM.eps, self.weight_decay, factor, bias2_sqrt, self.bn, self.running,
            *self._norm_settings())
        self.step += taken
        for m in self.norms:
            m.num_batches_tracked += taken
        return total / len(order)

    def _norm_settings(self) -> tuple[float, float]:
        """The norms' momentum and eps (the kernel takes one of each)."""
        if not self.norms:
            return 0.1, 1e-5
        settings = {(float(m.momentum), float(m.eps)) for m in self.norms}
        if len(settings) > 1:
            raise ValueError("the batch norms of one network must share momentum and eps")
        return settings.pop()

    def release(self) -> None:
        super().release()
        for m in self.norms:
            m.running_mean.data = m.running_mean.data.clone()
            m.running_var.data = m.running_var.data.clone()


class PatternTrainer(_Flat):
    """Adam training of a :class:`~symfast.nn.LatticeCNN` on pattern counts (its
    ``encode_inputs``) on the compiled epoch (``symfast._ext._mlp.train_pattern_epoch``):
    the convolution over the patterns, the spatial mean as a product with the counts, then
    the dense head, as ``forward_encoded`` computes them.

    Parameters
    ----------
    net : LatticeCNN
    learning_rate : float
    batch_size : int
    """

    def __init__(self, net: nn.Module, *, learning_rate: float, batch_size: int):
        head = list(net.head)
        super().__init__(net.parameters())
        C, L, _ = net.shape
        self.patterns = np.ascontiguousarray(
            net._patterns(torch.zeros(0)).numpy(), dtype=np.float32)
        self.scale = 1.0 / (L * L)
        self.widths = np.array([net.conv.out_channels]
                               + [m.out_features for m in head[:-1] if isinstance(m, nn.Linear)],
                               dtype=np.int64)
        self.n_classes = np.array([head[-1].out_features], dtype=np.int64)
        self.lr = float(learning_rate)
        self.batch_size = int(batch_size)

    @classmethod
    def for_net(cls, net: nn.Module, *, learning_rate: float, batch_size: int
                ) -> "PatternTrainer | None":
        """The trainer of a LatticeCNN as it builds itself (a 2 x 2 convolution with bias,
        a Linear, ReLU, Linear head, its own ``forward_encoded``), or None for any other
        module, a subclass that computes something else included."""
        head = getattr(net, "head", None)
        layers = list(head) if isinstance(head, nn.Sequential) else []
        if (not isinstance(net, LatticeCNN)
                or type(net).forward_encoded is not LatticeCNN.forward_encoded
                or type(net.conv) is not nn.Conv2d or net.conv.bias is None
                or tuple(net.conv.kernel_size) != (2, 2)
                or len(layers) != 3 or type(layers[0]) is not nn.Linear
                or type(layers[1]) is not nn.ReLU or type(layers[2]) is not nn.Linear):
            return None
        return cls(net, learning_rate=learning_rate, batch_size=batch_size)

    def epoch(self, counts: np.ndarray, codes: np.ndarray, order: np.ndarray) -> float:
        """One pass over ``counts[order]`` in minibatches; returns the mean training loss.

        Parameters
        ----------
        counts : ndarray of shape (n, n_patterns), float32, C-contiguous
        codes : ndarray of shape (n, 1), int64
        order : ndarray of shape (m,), int64
        """
        from symfast._ext._mlp import train_pattern_epoch

        factor, bias2_sqrt = ADAM.scalars(self.step, _n_steps(len(order), self.batch_size))
        total, taken = train_pattern_epoch(
            counts, codes, order, self.batch_size, self.patterns, self.scale, self.widths,
            self.n_classes, True, self.flat, self.exp_avg, self.exp_avg_sq, self.lr, ADAM.beta1,
            ADAM.beta2, ADAM.eps, 0.0, factor, bias2_sqrt)
        self.step += taken
        return total / len(order)


class AutoencoderTrainer(_Flat):
    """NAdam training of a :class:`~symfast.nn.TaskAutoencoder`'s network on the compiled
    epoch (``symfast._ext._mlp.train_ae_epoch``).

    Parameters
    ----------
    net : the autoencoder's module
        Encoder ``mlp(N, (H,), K)``, energy ``Linear(K, 1)``, decoder ``mlp(K, (H,), N)``.
    target_weight : float
    batch_size : int
    """

    def __init__(self, net: nn.Module, *, target_weight: float, batch_size: int):
        super().__init__(net.parameters())
        self.hidden = net.encoder[0].out_features
        self.latent = net.energy.in_features
        self.target_weight = float(target_weight)
        self.batch_size = int(batch_size)
        self.mu_product = 1.0

    def epoch(self, X: np.ndarray, target: np.ndarray, order: np.ndarray,
              learning_rate: float) -> tuple[float, float]:
        """One pass over ``X[order]`` at step size ``learning_rate``; returns the epoch's
        mean target and reconstruction errors (standardised units).

        Parameters
        ----------
        X : ndarray of shape (n, N), float32, C-contiguous
        target : ndarray of shape (n,), float32 (standardised)
        order : ndarray of shape (m,), int64
        """
        from symfast._ext._mlp import train_ae_epoch

        grad_f, avg_f, bias2, products = NADAM.scalars(
            self.step, _n_steps(len(order), self.batch_size), self.mu_product)
        t_sum, r_sum, taken = train_ae_epoch(
            X, target, order, self.batch_size, self.hidden, self.latent, self.target_weight,
            self.flat, self.exp_avg, self.exp_avg_sq, float(learning_rate), NADAM.beta1,
            NADAM.beta2, NADAM.eps, grad_f, avg_f, bias2)
        if taken:
            self.step += taken
            self.mu_product = float(products[taken - 1])
        return t_sum / len(order), r_sum / len(order)

    def state_dict(self) -> dict:
        return {**super().state_dict(), "mu_product": self.mu_product}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self.mu_product = float(state["mu_product"])
