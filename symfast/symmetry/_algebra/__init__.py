"""The algebra of found fields: structure constants and similarity (``_structure``), the
real form's name read off the structure (``_realforms``, ``_names``) and the classical
reference algebras the names are tested against (``_classical``).
"""

from symfast.symmetry._algebra._classical import reference_algebra
from symfast.symmetry._algebra._realforms import AlgebraDescription, describe_algebra
from symfast.symmetry._algebra._structure import (affine_matrices, algebra_similarity,
                                                  identify_algebra, orthonormal_basis,
                                                  structure_constants)

__all__ = ["AlgebraDescription", "affine_matrices", "algebra_similarity", "describe_algebra",
           "identify_algebra", "orthonormal_basis", "reference_algebra", "structure_constants"]
