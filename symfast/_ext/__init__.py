"""Compiled kernels (built from ``csrc/`` by ``setup.py``); private.

``KERNELS`` names every extension module ``setup.py`` builds, with what it computes;
``symfast info`` reports each one (a test checks the list against ``setup.py``).
"""

#: module name -> what it computes
KERNELS: dict[str, str] = {
    "_levelset": "level-set sampling of the built-in polynomial potentials",
    "_fnband": "level-set sampling of user functions (from_function)",
    "_generators": "hyperplane-filtered pair regression of generators",
    "_neighbors": "neighbour lists re-measured in float64 (exact_distances)",
    "_cicy": "CICY adjacency-eigenvalue (graph) features",
    "_intersect": "CICY triple intersection numbers and c2",
    "_ising": "2D Ising Metropolis sweeps (64 replicas per word)",
    "_chain": "n-spin chain: exhaustive metastability masks and counts",
    "_mlp": "compiled training epochs of the small dense networks",
    "_planes": "local planes of level-set samples (the finite-group search's scorer)",
}
