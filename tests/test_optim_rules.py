"""The one definition of Adam and NAdam (symfast.nn._training) against torch.optim.

Every backend (the compiled epoch, the stacked members) takes its per-step scalars
from these rules, so their formulas are checked once, here, in float64 against
torch's single-tensor implementations; tests/test_dense_kernel.py and
tests/test_fit_many.py check the backends' whole fits against torch's.
"""

import numpy as np
import pytest
import torch

from symfast.nn._training import ADAM, NADAM


@pytest.fixture
def float64_default():
    # torch keeps NAdam's running product in the default dtype
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def _grads(n_steps: int, size: int = 7) -> np.ndarray:
    return np.random.default_rng(0).normal(size=(n_steps, size))


def _torch_run(opt_cls, grads: np.ndarray, p0: np.ndarray, **kw) -> np.ndarray:
    p = torch.tensor(p0, dtype=torch.float64, requires_grad=True)
    opt = opt_cls([p], foreach=False, **kw)
    for g in grads:
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
    return p.detach().numpy()


@pytest.mark.parametrize("first", [0, 5])
def test_adam_rule_is_torchs(float64_default, first):
    lr, wd = 3e-2, 0.1
    grads, p0 = _grads(12), np.linspace(-1.0, 1.0, 7)
    p, m, v = p0.copy(), np.zeros(7), np.zeros(7)
    # the rule's scalars for steps 1..12, asked for in two runs as an epoch loop does
    parts = [ADAM.scalars(0, first), ADAM.scalars(first, 12 - first)]
    factor = np.concatenate([a for a, _ in parts])
    bias2_sqrt = np.concatenate([b for _, b in parts])
    for t, g in enumerate(grads):
        g = g + wd * p
        m += (1 - ADAM.beta1) * (g - m)
        v = ADAM.beta2 * v + (1 - ADAM.beta2) * g * g
        p -= lr * factor[t] * m / (np.sqrt(v) / bias2_sqrt[t] + ADAM.eps)
    want = _torch_run(torch.optim.Adam, grads, p0, lr=lr, weight_decay=wd)
    np.testing.assert_allclose(p, want, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("first", [0, 5])
def test_nadam_rule_is_torchs(float64_default, first):
    lr = 2e-2
    grads, p0 = _grads(12), np.linspace(-1.0, 1.0, 7)
    p, m, v = p0.copy(), np.zeros(7), np.zeros(7)
    a = NADAM.scalars(0, first, 1.0)
    mu_product = a[3][-1] if first else 1.0
    b = NADAM.scalars(first, 12 - first, mu_product)
    grad_f, avg_f, bias2 = (np.concatenate([x, y]) for x, y in zip(a[:3], b[:3]))
    for t, g in enumerate(grads):
        m += (1 - NADAM.beta1) * (g - m)
        v = NADAM.beta2 * v + (1 - NADAM.beta2) * g * g
        denom = np.sqrt(v / bias2[t]) + NADAM.eps
        p -= lr * grad_f[t] * g / denom + lr * avg_f[t] * m / denom
    want = _torch_run(torch.optim.NAdam, grads, p0, lr=lr)
    np.testing.assert_allclose(p, want, rtol=1e-13, atol=1e-15)


def test_a_wrong_rule_fails_the_check(float64_default):
    """The comparison has power: Adam's scalars without the first moment's bias
    correction miss torch's Adam by far more than the tolerance."""
    grads, p0 = _grads(12), np.linspace(-1.0, 1.0, 7)
    p, m, v = p0.copy(), np.zeros(7), np.zeros(7)
    _, bias2_sqrt = ADAM.scalars(0, 12)
    for t, g in enumerate(grads):
        m += (1 - ADAM.beta1) * (g - m)
        v = ADAM.beta2 * v + (1 - ADAM.beta2) * g * g
        p -= 3e-2 * m / (np.sqrt(v) / bias2_sqrt[t] + ADAM.eps)
    want = _torch_run(torch.optim.Adam, grads, p0, lr=3e-2)
    assert np.abs(p - want).max() > 1e-3


def test_the_kernels_refuse_a_short_schedule():
    from symfast._ext._mlp import train_ae_epoch

    X = np.zeros((10, 3), dtype=np.float32)
    P = 3 * 4 + 4 + 4 * 2 + 2 + 2 + 1 + 2 * 4 + 4 + 4 * 3 + 3
    z = np.zeros(P, dtype=np.float32)
    short = np.ones(2)
    with pytest.raises(ValueError, match="cover 2 steps; the epoch takes 3"):
        train_ae_epoch(X, np.zeros(10, dtype=np.float32), np.arange(10), 4, 4, 2, 1.0,
                       z, z.copy(), z.copy(), 1e-3, 0.9, 0.999, 1e-8, short, short, short)
