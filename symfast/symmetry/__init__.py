"""Symmetries found in data: the :class:`Symmetry` object, equivariance of maps.

:func:`discover_equivariance` finds the fields that act on the inputs and outputs of a map
so that F(g x) = rho(g) F(x).
"""

from symfast.symmetry._equivariance import EquivarianceResult, discover_equivariance
from symfast.symmetry._invariants import PolynomialInvariants, invariants
from symfast.symmetry._object import Symmetry

__all__ = ["EquivarianceResult", "PolynomialInvariants", "Symmetry", "discover_equivariance",
           "invariants"]
