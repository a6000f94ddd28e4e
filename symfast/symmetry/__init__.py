"""Symmetries found in data, and using them.

* The finders: :func:`find_generators` (the Lie algebra of a continuous symmetry),
  :func:`find_discrete_symmetries` (a finite group) and :func:`discover` (both, on any
  (X, y), with a network when asked), and :func:`discover_equivariance` (the fields that act
  on the inputs and outputs of a map so that F(g x) = rho(g) F(x)).
* What they return: :class:`Symmetry`, one immutable object for any found symmetry, held by
  :class:`SymmetryResult`, :class:`DiscreteSymmetryResult` and :class:`DiscoveryResult`.
* Using it: :func:`invariants` (polynomial invariants solved from the generators) and the
  invariant models of :mod:`symfast.nn` built on them.
* Naming it: :func:`describe_algebra` (the real form, read off the structure),
  :func:`reference_algebra`, :func:`algebra_similarity` and the level functions whose
  gradients serve as normals (:class:`LevelFunction`, :func:`level_normals`).

Layout: ``_continuous`` (pairs, tangent, route choice), ``_discrete`` (candidates,
scoring, closure), ``_algebra`` (structure, real forms, names), ``_discover``,
``_invariants``, ``_object``, ``_equivariance``.
"""

from symfast.symmetry._algebra import (AlgebraDescription, affine_matrices, algebra_similarity,
                                       describe_algebra, identify_algebra, orthonormal_basis,
                                       reference_algebra, structure_constants)
from symfast.symmetry._continuous import (LevelFunction, PolynomialSurrogate, SymmetryResult,
                                          find_generators, find_tied_generators,
                                          intrinsic_dimension, level_normals, plane_candidates,
                                          random_planes, tied_representation,
                                          tied_residuals)
from symfast.symmetry._discover import discover, fit_invariant_model
from symfast.symmetry._discrete import DiscreteSymmetryResult, find_discrete_symmetries
from symfast.symmetry._equivariance import EquivarianceResult, discover_equivariance
from symfast.symmetry._invariants import PolynomialInvariants, invariants
from symfast.symmetry._object import Symmetry
from symfast.symmetry._result import DiscoveryResult

__all__ = ["AlgebraDescription", "DiscoveryResult", "DiscreteSymmetryResult",
           "EquivarianceResult", "LevelFunction", "PolynomialInvariants",
           "PolynomialSurrogate", "Symmetry", "SymmetryResult", "affine_matrices",
           "algebra_similarity", "describe_algebra", "discover", "discover_equivariance",
           "find_discrete_symmetries", "find_generators", "find_tied_generators",
           "fit_invariant_model",
           "identify_algebra", "intrinsic_dimension", "invariants", "level_normals",
           "orthonormal_basis", "plane_candidates", "random_planes", "reference_algebra",
           "structure_constants", "tied_representation", "tied_residuals"]
