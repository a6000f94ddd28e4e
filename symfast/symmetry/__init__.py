"""Symmetries found in data: equivariance of maps (and, as the package grows, the finders).

:func:`discover_equivariance` finds the fields that act on the inputs and outputs of a map
so that F(g x) = rho(g) F(x).
"""

from symfast.symmetry._equivariance import EquivarianceResult, discover_equivariance

__all__ = ["EquivarianceResult", "discover_equivariance"]
