"""The training engine's shared parts.

Issue 33 moves symfast's three training engines for one small MLP (torch autograd, the
compiled epoch of ``csrc/_mlp.pyx``, the stacked members of ``symfast.nn._batched``)
into this package behind one protocol.  It begins with what every backend must agree
on to train the same network the same way: the optimisers.  :data:`ADAM` and
:data:`NADAM` are the one definition of torch's Adam and NAdam step schedules; the
compiled kernels receive their per-step scalars, and the stacked backend applies them
to its tensors.  ``tests/test_optim_rules.py`` checks them once against
``torch.optim.Adam`` and ``torch.optim.NAdam``.  Estimators declare the backends they
train on (:class:`TrainingBackends`), and :func:`symfast.nn.fit_many` reads the
declaration.
"""

from symfast.nn._training._backends import (COMPILED, STACKED, TORCH, TrainingBackends,
                                            backends_of)
from symfast.nn._training._optim import ADAM, NADAM, AdamRule, NAdamRule

__all__ = ["ADAM", "COMPILED", "NADAM", "STACKED", "TORCH", "AdamRule", "NAdamRule",
           "TrainingBackends", "backends_of"]
