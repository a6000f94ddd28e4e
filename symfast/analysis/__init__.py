"""Reading what a network learned: neighbours, purity, orbit groups, pictures.

FAISS and scikit-learn are imported when a function first needs them.  The symmetry
finders and the algebra tools that lived here moved to :mod:`symfast.symmetry`; their
old names still import from here for one release, with a ``DeprecationWarning``.
"""

from __future__ import annotations

from typing import Any

from symfast._deprecation import forward
from symfast.analysis._jumps import knn_within_groups, largest_jump
from symfast.analysis._neighbors import (exact_distances, knn, knn_ivf, neighbor_purity,
                                         recall_at_k)
from symfast.analysis._orbits import (count_orbit_groups, minimum_spanning_edges,
                                      orbit_group_labels, orbit_groups)
from symfast.analysis._plots import (figure, plot_embedding_tsne, plot_generators,
                                     plot_input_classes, plot_learning_curve, plot_spectrum,
                                     tsne_2d)
from symfast.analysis._thresholds import threshold_accuracy

__all__ = ["count_orbit_groups", "exact_distances", "figure", "knn", "knn_ivf",
           "knn_within_groups", "largest_jump", "minimum_spanning_edges", "neighbor_purity",
           "orbit_group_labels", "orbit_groups", "plot_embedding_tsne", "plot_generators",
           "plot_input_classes", "plot_learning_curve", "plot_spectrum", "recall_at_k",
           "threshold_accuracy", "tsne_2d"]

#: Names that moved to :mod:`symfast.symmetry` (issue 32); ``symfast.analysis.X`` warns.
MOVED = frozenset({"AlgebraDescription", "DiscreteSymmetryResult", "LevelFunction",
                   "PolynomialSurrogate", "SymmetryResult", "affine_matrices",
                   "algebra_similarity", "describe_algebra", "find_discrete_symmetries",
                   "find_generators", "identify_algebra", "intrinsic_dimension",
                   "level_normals", "orthonormal_basis", "plane_candidates", "random_planes",
                   "reference_algebra", "structure_constants"})


def __getattr__(name: str) -> Any:
    if name in MOVED:
        return forward(f"symfast.analysis.{name}", f"symfast.symmetry.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
