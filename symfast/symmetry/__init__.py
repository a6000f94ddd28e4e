"""Symmetries found in data: :func:`discover` on any (X, y), the :class:`Symmetry` object,
invariants and invariant models' features, equivariance of maps.

:func:`discover_equivariance` finds the fields that act on the inputs and outputs of a map
so that F(g x) = rho(g) F(x).
"""

from symfast.symmetry._discover import discover, fit_invariant_model
from symfast.symmetry._equivariance import EquivarianceResult, discover_equivariance
from symfast.symmetry._invariants import PolynomialInvariants, invariants
from symfast.symmetry._object import Symmetry
from symfast.symmetry._result import DiscoveryResult

__all__ = ["DiscoveryResult", "EquivarianceResult", "PolynomialInvariants", "Symmetry",
           "discover", "discover_equivariance", "fit_invariant_model", "invariants"]
