"""What an estimator can train on, declared by the estimator.

:func:`symfast.nn.fit_many` used to find out by looking up private methods by name
(``_batched_plan``, ``_uses_kernel``).  An estimator now lists its backends in
``TRAINING_BACKENDS`` and says which of them apply to its current parameters in
:meth:`TrainingBackends.training_backends`.

compiled
    The CPU epoch of ``csrc/_mlp.pyx`` (``symfast.nn._dense_kernel``).
torch
    torch's autograd, on any device.
stacked
    Many members trained as one batched network (``symfast.nn._batched``); an
    estimator that declares it provides ``_batched_plan`` and ``_batched_finish``.
"""

from __future__ import annotations

from typing import Any, ClassVar

COMPILED = "compiled"
TORCH = "torch"
STACKED = "stacked"


class TrainingBackends:
    """Mixin for estimators: the training backends they implement.

    An estimator that declares the compiled backend says through ``_uses_kernel``
    whether its current parameters allow it (an activation other than ReLU, a
    user-given model or a GPU device do not).
    """

    #: Every backend the class implements.
    TRAINING_BACKENDS: ClassVar[frozenset[str]] = frozenset({TORCH})

    def _uses_kernel(self) -> bool:
        """Whether a lone fit runs on the compiled epoch (by default: if declared)."""
        return COMPILED in self.TRAINING_BACKENDS

    def training_backends(self) -> frozenset[str]:
        """The declared backends that apply with the current parameters."""
        return (self.TRAINING_BACKENDS if self._uses_kernel()
                else self.TRAINING_BACKENDS - {COMPILED})


def backends_of(estimator: Any) -> frozenset[str]:
    """An estimator's training backends; torch alone for one that declares none."""
    if isinstance(estimator, TrainingBackends):
        return estimator.training_backends()
    return frozenset({TORCH})
