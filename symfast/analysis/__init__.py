"""Reading what a network learned: neighbours, purity, orbit groups, pictures.

FAISS and scikit-learn are imported when a function first needs them.
"""

from symfast.analysis._algebra import (affine_matrices, algebra_similarity, identify_algebra,
                                       orthonormal_basis, structure_constants)
from symfast.analysis._generators import (SymmetryResult, find_generators,
                                          intrinsic_dimension, plane_candidates, random_planes)
from symfast.analysis._realforms import AlgebraDescription, describe_algebra
from symfast.analysis._classical import reference_algebra
from symfast.analysis._discrete import DiscreteSymmetryResult, find_discrete_symmetries
from symfast.analysis._surrogate import PolynomialSurrogate, level_normals
from symfast.analysis._levelfit import LevelFunction
from symfast.analysis._jumps import knn_within_groups, largest_jump
from symfast.analysis._neighbors import (exact_distances, knn, knn_ivf, neighbor_purity,
                                         recall_at_k)
from symfast.analysis._orbits import (count_orbit_groups, minimum_spanning_edges,
                                      orbit_group_labels, orbit_groups)
from symfast.analysis._plots import (figure, plot_embedding_tsne, plot_generators,
                                     plot_input_classes, plot_learning_curve, plot_spectrum,
                                     tsne_2d)
from symfast.analysis._thresholds import threshold_accuracy

__all__ = ["AlgebraDescription", "DiscreteSymmetryResult", "SymmetryResult", "affine_matrices",
           "algebra_similarity",
           "describe_algebra", "exact_distances", "figure", "find_discrete_symmetries",
           "level_normals", "LevelFunction",
           "PolynomialSurrogate", "count_orbit_groups", "find_generators",
           "identify_algebra", "intrinsic_dimension", "knn", "knn_ivf", "knn_within_groups",
           "largest_jump", "minimum_spanning_edges", "neighbor_purity", "orbit_group_labels",
           "orbit_groups", "orthonormal_basis", "plane_candidates", "plot_embedding_tsne",
           "plot_generators", "plot_input_classes", "plot_learning_curve", "plot_spectrum", "random_planes",
           "recall_at_k", "reference_algebra", "structure_constants", "threshold_accuracy",
           "tsne_2d"]
