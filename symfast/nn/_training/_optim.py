"""Adam and NAdam as torch writes them, reduced to the scalars each step needs.

Every backend holds the parameters p and the two moments m, v itself (a flat float32
buffer in C, a stacked tensor in torch) and applies, at step t (1-based), with the
gradient g (plus ``weight_decay * p``, torch's L2):

Adam (``torch.optim.Adam``, single-tensor form)::

    m <- m + (1 - beta1) (g - m)
    v <- beta2 v + (1 - beta2) g^2
    p <- p - lr step_factor[t] m / (sqrt(v) / bias2_sqrt[t] + eps)

NAdam (``torch.optim.NAdam``, momentum_decay psi)::

    m, v as above
    p <- p - lr grad_factor[t] g / (sqrt(v / bias2[t]) + eps)
           - lr avg_factor[t]  m / (sqrt(v / bias2[t]) + eps)

What depends on t alone is computed here, in float64, for a run of steps at once (an
epoch of the compiled kernel is one call): the kernels take the arrays, so that no
backend writes the schedule again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AdamRule:
    """torch's Adam: the step scalars of steps ``first + 1 .. first + n``.

    Attributes
    ----------
    beta1, beta2, eps : float
        torch's defaults, which every symfast model uses.
    """

    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8

    def scalars(self, first: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """``step_factor`` = 1 / (1 - beta1^t) and ``bias2_sqrt`` = sqrt(1 - beta2^t),
        each of shape (n,), for t = first + 1 .. first + n."""
        t = np.arange(first + 1, first + n + 1, dtype=np.float64)
        return 1.0 / (1.0 - self.beta1 ** t), np.sqrt(1.0 - self.beta2 ** t)


@dataclass(frozen=True)
class NAdamRule:
    """torch's NAdam: the step scalars of steps ``first + 1 .. first + n``.

    The momentum factor of step t is mu_t = beta1 (1 - 0.5 * 0.96^(t psi)); the running
    product of the mu's so far is the state that carries over from one run of steps to
    the next (``mu_product``, 1 before the first step).
    """

    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    momentum_decay: float = 4e-3

    def mu(self, t: np.ndarray) -> np.ndarray:
        return self.beta1 * (1.0 - 0.5 * 0.96 ** (t * self.momentum_decay))

    def scalars(self, first: int, n: int, mu_product: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``grad_factor``, ``avg_factor``, ``bias2`` and the running products, each (n,).

        grad_factor_t = (1 - mu_t) / (1 - P_t), avg_factor_t = mu_{t+1} / (1 - P_t mu_{t+1}),
        bias2_t = 1 - beta2^t, with P_t = mu_product * mu_{first+1} ... mu_t (the fourth
        array: the state after each step, for a run that stops early).
        """
        t = np.arange(first + 1, first + n + 1, dtype=np.float64)
        mu, mu_next = self.mu(t), self.mu(t + 1.0)
        # the running product one step at a time, as the kernels accumulated it (each
        # entry is the previous times one factor)
        prod = np.cumprod(np.concatenate([[float(mu_product)], mu]))[1:]
        return ((1.0 - mu) / (1.0 - prod), mu_next / (1.0 - prod * mu_next),
                1.0 - self.beta2 ** t, prod)


#: The rules every symfast model trains with.
ADAM = AdamRule()
NADAM = NAdamRule()
