"""Reading what a network learned: neighbours, purity, orbit groups, pictures.

FAISS and scikit-learn are imported when a function first needs them.
"""

from symfast.analysis._neighbors import knn, neighbor_purity
from symfast.analysis._orbits import count_orbit_groups, minimum_spanning_edges, orbit_groups
from symfast.analysis._plots import plot_embedding_tsne, plot_input_classes, tsne_2d

__all__ = ["count_orbit_groups", "knn", "minimum_spanning_edges", "neighbor_purity", "orbit_groups",
           "plot_embedding_tsne", "plot_input_classes", "tsne_2d"]
