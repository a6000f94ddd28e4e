"""The Weisfeiler–Lehman test on configuration matrices: what no message-passing encoder
can tell apart.

A configuration matrix is a bipartite graph: one node per factor (typed by n_r), one per
equation (typed by its degree), an edge per nonzero entry labelled by its value, exactly
as :class:`symfast.nn.ConfigurationEncoder` reads it.  ``rounds`` rounds of WL colour
refinement (:func:`networkx.weisfeiler_lehman_graph_hash`) separate at least every pair of
graphs that such an encoder with as many rounds separates; two matrices with one hash
look alike to any of them.  Classes of different invariants that share a hash therefore
cap what the encoder can reach.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


def wl_hash(matrix: np.ndarray, rounds: int = 4) -> str:
    """The WL hash of one configuration matrix as a typed bipartite graph.

    Examples
    --------
    >>> import numpy as np
    >>> wl_hash(np.array([[3], [3]])) == wl_hash(np.array([[3, 3]]).T)
    True
    >>> wl_hash(np.array([[5]])) == wl_hash(np.array([[3], [3]]))
    False
    """
    import networkx as nx

    q = np.asarray(matrix)
    g = nx.Graph()
    for r, deg in enumerate(q.sum(axis=1)):
        g.add_node(("r", r), t=f"P{int(deg) - 1}")
    for c, deg in enumerate(q.sum(axis=0)):
        g.add_node(("c", c), t=f"d{int(deg)}")
    for r, c in zip(*np.nonzero(q)):
        g.add_edge(("r", int(r)), ("c", int(c)), q=str(int(q[r, c])))
    return nx.weisfeiler_lehman_graph_hash(g, node_attr="t", edge_attr="q",
                                           iterations=rounds)


def wl_shared(matrices: Sequence[np.ndarray], labels: np.ndarray, rounds: int = 4
              ) -> np.ndarray:
    """Which labels share a WL hash with another label.

    Parameters
    ----------
    matrices : sequence of array_like of shape (m_i, K_i)
    labels : ndarray of shape (n,)
        Class of each matrix.
    rounds : int, default=4

    Returns
    -------
    ndarray of the distinct labels (sorted) whose matrices' hashes also occur under
    another label.
    """
    labels = np.asarray(labels)
    if len(labels) != len(matrices):
        raise ValueError(f"labels must have one entry per matrix ({len(matrices)}), got "
                         f"{len(labels)}")
    owners: dict[str, set] = {}
    for q, lab in zip(matrices, labels.tolist()):
        owners.setdefault(wl_hash(q, rounds), set()).add(lab)
    shared = set().union(*[s for s in owners.values() if len(s) > 1]) if owners else set()
    return np.array(sorted(shared), dtype=labels.dtype)
