"""The lattice CNN that ScoredClassifier trains on Ising configurations.

Its own module so that the compiled pattern epoch (``symfast.nn._dense_kernel``) can
recognise it without importing the estimator that trains it (that import went both ways).
"""

from __future__ import annotations

import torch
from torch import nn


class LatticeCNN(nn.Module):
    """A small translation-invariant CNN for configurations on a periodic L x L lattice.

    conv (2 x 2, circular padding) -> ReLU -> global average -> dense ReLU -> logits.
    The convolution's weights are an ``nn.Conv2d``'s; it is computed as one matrix product
    over the four shifted copies of the lattice (the same sums, several times faster for
    a kernel this small).
    Two-by-two kernels see every nearest-neighbour pair, so the network can form
    bond products (``|s_i + s_j| = 1 + s_i s_j`` from two ReLUs) and hence the energy,
    and the dense layer after the average can form ``|m|``.

    Parameters
    ----------
    channels : int
        Input channels (1 for spins, 2 for horizontal and vertical bonds).
    L : int
        Lattice size; inputs arrive flattened, shape (n, channels * L * L).
    n_classes : int
    width : int, default=8
        Convolution filters.
    hidden : int, default=16
        Width of the dense layer after the average.
    """

    def __init__(self, channels: int, L: int, n_classes: int, width: int = 8, hidden: int = 16):
        super().__init__()
        self.shape = (channels, L, L)
        self.conv = nn.Conv2d(channels, width, kernel_size=2)
        self.head = nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), nn.Linear(hidden, n_classes))

    def _conv(self, x: torch.Tensor, W: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """The periodic 2 x 2 convolution, ReLU and spatial mean as one matrix product.

        ``x`` (..., C, L, L); ``W`` (..., width, C, 2, 2) and ``b`` (..., width), with the
        same leading dimensions as x's minus one (members), or none.  A 2 x 2 kernel on a
        one-channel lattice is far below what a convolution routine is built for (measured:
        1.8 ms forward and 2.6 ms backward for 64 lattices of 32 x 32); its four shifted
        copies and one product do the same sums.
        """
        L = self.shape[1]
        # patch[..., c, a, b, i, j] = x[..., c, (i + a) % L, (j + b) % L]
        rows = torch.stack([x, x.roll(-1, dims=-2)], dim=-3)            # (..., C, 2, L, L)
        patch = torch.stack([rows, rows.roll(-1, dims=-1)], dim=-3)     # (..., C, 2, 2, L, L)
        patch = patch.flatten(-5, -3).flatten(-2)                       # (..., 4C, L*L)
        Wf = W.flatten(-3)                                              # (..., width, 4C)
        if Wf.dim() == 3:                                               # members: (M, 1, ...)
            Wf, b = Wf.unsqueeze(1), b.unsqueeze(1)
        h = torch.matmul(Wf, patch) + b.unsqueeze(-1)                   # (..., width, L*L)
        return torch.relu(h).mean(dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.view(-1, *self.shape)
        return self.head(self._conv(x, self.conv.weight, self.conv.bias))

    #: At most this many values in a 2 x 2 patch (channels x 4) for the pattern route.
    MAX_PATTERN_BITS = 12

    def encode_inputs(self, x: torch.Tensor) -> torch.Tensor | None:
        """Per input, how often each 2 x 2 patch pattern occurs, when every value is +-1.

        On spins (or bond variables) the convolution sees only ``2 ** (4 C)`` distinct
        patches, and its ReLU-then-average is a sum over patterns weighted by their counts:

            mean_s relu(W . x_s + b) = sum_p H_p relu(W . v_p + b) / L^2,

        with v_p the +-1 vector of pattern p and H_p its count.  Training on the counts
        (:meth:`forward_encoded`) is the same function and gradient at a fraction of the
        cost (the lattice is read once, not at every step).

        Parameters
        ----------
        x : Tensor of shape (n, C * L * L)

        Returns
        -------
        Tensor of shape (n, 2 ** (4 C)), float32, or None
            None when some value is not +-1 or the patterns would be too many.
        """
        C, L, _ = self.shape
        bits = 4 * C
        if bits > self.MAX_PATTERN_BITS or not bool(((x == 1) | (x == -1)).all()):
            return None
        out = torch.zeros(x.shape[0], 1 << bits, device=x.device)
        for start in range(0, x.shape[0], 1024):         # 1024 inputs at a time
            xb = (x[start:start + 1024] > 0).to(torch.int64).view(-1, C, L, L)
            # bit c * 4 + a * 2 + b of a site's code: the value at (i + a, j + b) of channel
            # c, the order of the convolution's flattened weights
            code = torch.zeros(xb.shape[0], L, L, dtype=torch.int64, device=x.device)
            for c in range(C):
                for a in range(2):
                    for b in range(2):
                        code += xb[:, c].roll((-a, -b), dims=(-2, -1)) << (c * 4 + a * 2 + b)
            code = code.view(xb.shape[0], -1)
            out[start:start + 1024].scatter_add_(1, code, torch.ones(code.shape, device=x.device))
        return out

    def forward_encoded(self, h: torch.Tensor) -> torch.Tensor:
        """The forward from pattern counts (:meth:`encode_inputs`): h (n, 2 ** (4 C))."""
        L = self.shape[1]
        W = self.conv.weight.flatten(1)                                  # (width, 4C)
        act = torch.relu(torch.addmm(self.conv.bias, self._patterns(h), W.T))   # (P, width)
        return self.head(h @ act / (L * L))

    def _patterns(self, like: torch.Tensor) -> torch.Tensor:
        """The +-1 vector of every pattern, (2 ** (4 C), 4 C), made once per dtype and
        device (a plain attribute, not a buffer: it is no part of the model's state)."""
        key = (like.dtype, like.device)
        cache = self.__dict__.setdefault("_pattern_cache", {})
        if key not in cache:
            bits = 4 * self.shape[0]
            p = torch.arange(1 << bits, device=like.device)[:, None]
            cache[key] = ((p >> torch.arange(bits, device=like.device)) & 1).to(like.dtype) * 2 - 1
        return cache[key]

    def forward_stacked(self, r, x: torch.Tensor) -> torch.Tensor:
        """The forward of M stacked copies (:func:`symfast.nn.fit_many`): x (M, b, n_in)."""
        M, b = x.shape[:2]
        h = self._conv(x.view(M, b, *self.shape), r.param("conv.weight"), r.param("conv.bias"))
        return r(self.head, "head", h)
