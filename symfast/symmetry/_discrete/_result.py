"""The result of :func:`find_discrete_symmetries`: :class:`DiscreteSymmetryResult`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from symfast.symmetry._discrete._finite_groups import (center_size, commutator_subgroup_size,
                                                       element_orders)


@dataclass
class DiscreteSymmetryResult:
    """The finite group of maps that send the sampled level sets onto themselves.

    Attributes
    ----------
    elements : ndarray of shape (order, d, d)
        Linear parts A of the maps x -> c + A (x - c), identity first; with a
        continuous symmetry, one representative per component.
    translations : ndarray of shape (order, d)
        c - A c: the map is x -> A x + translations[i].
    generators : ndarray of shape (k, d, d)
        A minimal generating set (``generator_indices`` into ``elements``).
    name : str
        "trivial", "Z2", "Z3", "Z4", "Z2xZ2", "D3", "D4", "D6", "A4", "S4",
        "Z2^3", "B3", ... or "order-N" for a group not in the table; "unresolved"
        when the accepted maps do not close into a group within ``max_order``
        elements (or the search budget): the samples are too sparse to tell
        symmetries from near-symmetries, and ``diagnostics["reason"]`` says so.
    isomorphic : list of str
        Other names (D3 <-> S3, ...).
    cayley_table : ndarray of shape (order, order), int64
        ``cayley_table[i, j]`` is the index of elements[i] @ elements[j].
    residuals : ndarray of shape (order,)
        Per element: the median offset of g x from the level set (the local plane
        of its nearest samples), in units of the samples' own offsets.
    element_orders : ndarray of shape (order,)
    continuous_dim : int
        Dimension of the compact continuous symmetry quotiented out (0 when
        none): with it, the group is the component group.
    center : ndarray of shape (d,)
    diagnostics : dict
    stability : float or None
        The fraction of re-draws (half of every level set, a fresh search) that name the
        same group; None when not measured (``find_discrete_symmetries(stability=0)``).
        ``diagnostics["stability"]`` holds the re-draws' names.
    """

    elements: np.ndarray
    translations: np.ndarray
    generator_indices: list[int]
    name: str
    isomorphic: list[str]
    cayley_table: np.ndarray
    residuals: np.ndarray
    continuous_dim: int
    center: np.ndarray
    diagnostics: dict[str, Any] = field(default_factory=dict)
    stability: float | None = None

    @property
    def order(self) -> int:
        return int(self.elements.shape[0])

    @property
    def generators(self) -> np.ndarray:
        return self.elements[self.generator_indices]

    @property
    def element_orders(self) -> np.ndarray:
        return element_orders(self.cayley_table)

    @property
    def symmetry(self) -> Any:
        """The group as a :class:`symfast.symmetry.Symmetry` (its finite part)."""
        from symfast.symmetry._object import Symmetry

        return Symmetry.from_results(discrete=self)

    @property
    def point_group(self) -> str | None:
        """Schoenflies name where the abstract name does not fix the geometry: ``C6`` (the
        six rotations) against ``D3`` in the plane, ``O`` (rotations, det +1) against
        ``Td`` in space, both S4; None for axial groups of space and other dimensions."""
        from symfast.symmetry._discrete._finite_groups import point_group

        return point_group(self.name, self.elements) if self.continuous_dim == 0 else None

    @property
    def is_abelian(self) -> bool:
        return bool(np.array_equal(self.cayley_table, self.cayley_table.T))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "order": self.order, "isomorphic": list(self.isomorphic),
                "elements": self.elements.tolist(), "translations": self.translations.tolist(),
                "generators": self.generators.tolist(),
                "generator_indices": list(self.generator_indices),
                "cayley_table": self.cayley_table.tolist(),
                "residuals": self.residuals.tolist(),
                "element_orders": self.element_orders.tolist(),
                "point_group": self.point_group, "abelian": self.is_abelian,
                "center_size": center_size(self.cayley_table),
                "commutator_subgroup_size": commutator_subgroup_size(self.cayley_table),
                "continuous_dim": self.continuous_dim, "center": self.center.tolist(),
                "stability": self.stability,
                "diagnostics": self.diagnostics}

    def to_json(self, **kwargs: Any) -> str:
        """The result as a JSON string."""
        from symfast._io import json_default

        return json.dumps(self.to_dict(), default=json_default, **kwargs)

    def __repr__(self) -> str:
        cont = f", continuous_dim={self.continuous_dim}" if self.continuous_dim else ""
        stab = "" if self.stability is None else f", stability={self.stability:.2f}"
        return f"DiscreteSymmetryResult(name={self.name!r}, order={self.order}{cont}{stab})"

