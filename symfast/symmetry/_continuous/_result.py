"""The result of :func:`find_generators`: :class:`SymmetryResult`, and lifting it off an
affine span.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from symfast.symmetry._algebra._structure import (affine_matrices, algebra_similarity,
                                                  structure_constants)


@dataclass
class SymmetryResult:
    """The symmetry algebra found in a point cloud.

    Attributes
    ----------
    generators : ndarray of shape (k, d, d)
        Orthonormal basis (Frobenius) of the discovered algebra, in the input
        coordinates; also available as ``lie_algebra``.
    n_generators : int
    method : str
        "pairs" or "tangent" (what "auto" chose).
    explained_variance_ratio : ndarray
        The whole spectrum of the method.  pairs: explained-variance ratios of
        the candidate PCA, descending (generators are the leading entries).
        tangent: squared residuals of all null-space directions normalised to
        sum 1, ascending (generators are the leading, small entries).
    residuals : ndarray of shape (k,)
        Per generator: the RMS sine of the angle between T x + b and the
        tangent space (tangent) or the median relative residual of the plane
        fits (pairs, the same value for every generator).
    noise_level : float or None
        tangent: the estimated noise of the local normals, sigma.
    translations : ndarray of shape (k, d)
        Translation part of each generator: symmetry j is the affine field
        x -> generators[j] @ x + translations[j]; a pure translation has a zero
        linear part.  For fields about a common fixed point c this is -T c.
    isomorphic : list of str
        Other common names of the algebra (so(1,3) <-> sl(2,C), ...).
    compact_part : str
        Name of a maximal compact subalgebra.
    is_compact : bool
    structure_constants : ndarray of shape (k, k, k)
        [A_a, A_b] = sum_c f_abc A_c for the affine fields A = (T, b).
    closure_error : float
        How far the span is from closing under the bracket.
    algebra : str
        The algebra named by its structure (:func:`describe_algebra`): "so(3)",
        "u(1)+u(1)", "so(3)+u(1)", "so(4)", "sl(2,R)", "so(1,3)", "so(4,C)", "r",
        "so(2)⋉r^2", "trivial", ...
    center : ndarray of shape (d,)
        The fixed point the generators act around (cloud mean for pairs).
    diagnostics : dict
        planes tried / fitted, pairs used, delta, eps, intrinsic dimensions, ...
    reason : str
        Why no generator was found, when none was ("" otherwise).
    frame : ndarray of shape (d, d), optional
        Coordinates in which the algebra is named: the fields are conjugated into
        u = frame @ (x - frame_origin) first (the whitening of the data, from
        :func:`find_generators`).  A name does not depend on the basis, but its
        numerical reading does: in a frame skewed by a condition number of 190 the
        structure constants of so(4) lose their ranks; whitened, they are exact.
    frame_origin : ndarray of shape (d,), optional
    unresolved : bool
        True when the data could not fix the number of generators (too few
        points for local PCA and no polynomial level function that fits them):
        ``algebra`` is then "unresolved", ``generators`` is empty and ``reason``
        says why and how many points per level set would do.
    """

    generators: np.ndarray
    method: str
    explained_variance_ratio: np.ndarray
    residuals: np.ndarray
    center: np.ndarray
    noise_level: float | None = None
    diagnostics: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    translations: np.ndarray | None = None
    frame: np.ndarray | None = field(default=None, repr=False)
    frame_origin: np.ndarray | None = field(default=None, repr=False)
    unresolved: bool = False
    structure_constants: np.ndarray = field(init=False)
    closure_error: float = field(init=False)
    algebra: str = field(init=False)
    isomorphic: list[str] = field(init=False)
    compact_part: str = field(init=False)
    is_compact: bool = field(init=False)
    description: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        from symfast.symmetry._algebra._realforms import describe_algebra

        k, d = self.generators.shape[0], self.generators.shape[1]
        if self.translations is None:
            self.translations = np.zeros((k, d))
        self.translations = np.asarray(self.translations, dtype=np.float64).reshape(k, d)
        self.structure_constants, self.closure_error = structure_constants(self.affine)
        desc = describe_algebra(*self._framed())
        # too little evidence to fix the count: no name rather than a wrong one
        self.algebra = "unresolved" if self.unresolved else desc.name
        self.isomorphic = desc.isomorphic
        self.compact_part = desc.compact_part
        self.is_compact = desc.is_compact
        self.description = desc

    def _framed(self) -> tuple[np.ndarray, np.ndarray]:
        """The fields in the naming frame u = F (x - o): F T F^-1 and F (T o + b)."""
        if self.frame is None:
            return self.generators, self.translations
        F = np.asarray(self.frame, dtype=np.float64)
        o = (np.zeros(F.shape[0]) if self.frame_origin is None
             else np.asarray(self.frame_origin, dtype=np.float64))
        Fi = np.linalg.inv(F)
        T = np.einsum("ij,kjl,lm->kim", F, self.generators, Fi)
        b = (np.einsum("kij,j->ki", self.generators, o) + self.translations) @ F.T
        return T, b

    @property
    def affine(self) -> np.ndarray:
        """The fields as (d+1) x (d+1) matrices [[T, b], [0, 0]], shape (k, d+1, d+1)."""
        return affine_matrices(self.generators, self.translations)

    @property
    def n_translations(self) -> int:
        """How many generators are pure translations (zero linear part)."""
        if self.n_generators == 0:
            return 0
        lin = np.linalg.norm(self.generators.reshape(self.n_generators, -1), axis=1)
        return int(np.sum(lin == 0.0))

    @property
    def n_generators(self) -> int:
        return int(self.generators.shape[0])

    @property
    def symmetry(self) -> Any:
        """The fields as a :class:`symfast.symmetry.Symmetry` (immutable, serialisable, acts)."""
        from symfast.symmetry._object import Symmetry

        return Symmetry.from_results(self)

    @property
    def lie_algebra(self) -> np.ndarray:
        """Alias of ``generators`` (shape (k, d, d)), as equivariant-network libraries name it."""
        return self.generators

    def similarity(self, reference: np.ndarray,
                   reference_translations: np.ndarray | None = None) -> float:
        """:func:`algebra_similarity` of the fields with ``reference`` (k', d, d).

        The linear parts are compared, unless either side has translations
        (``reference_translations`` of shape (k', d), or translations of this
        result beyond those of fields about a common fixed point); then the
        affine fields are compared as (d+1) x (d+1) matrices about the origin.
        """
        ref = np.asarray(reference, dtype=np.float64)
        if ref.ndim == 2:
            ref = ref[None]
        own_shift = self._has_free_translations()
        if reference_translations is None and not own_shift:
            return algebra_similarity(self.generators, ref)
        rb = (np.zeros((ref.shape[0], ref.shape[1])) if reference_translations is None
              else np.asarray(reference_translations, dtype=np.float64))
        return algebra_similarity(self.affine, affine_matrices(ref, rb))

    def _has_free_translations(self) -> bool:
        """Translations not explained as -T c by the common fixed point ``center``."""
        if self.n_generators == 0:
            return False
        about = -np.einsum("kij,j->ki", self.generators, self.center)
        scale = max(1.0, float(np.linalg.norm(self.center)))
        return bool(np.abs(self.translations - about).max() > 1e-3 * scale)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method, "n_generators": self.n_generators, "algebra": self.algebra,
            "isomorphic": list(self.isomorphic), "compact_part": self.compact_part,
            "is_compact": self.is_compact, "n_translations": self.n_translations,
            "generators": self.generators.tolist(),
            "translations": self.translations.tolist(),
            "explained_variance_ratio": self.explained_variance_ratio.tolist(),
            "residuals": self.residuals.tolist(), "noise_level": self.noise_level,
            "structure_constants": self.structure_constants.tolist(),
            "closure_error": self.closure_error, "center": self.center.tolist(),
            "diagnostics": self.diagnostics, "reason": self.reason,
            "unresolved": self.unresolved,
        }

    def to_json(self, **kwargs: Any) -> str:
        """The result as a JSON string."""
        from symfast._io import json_default

        return json.dumps(self.to_dict(), default=json_default, **kwargs)

    def __repr__(self) -> str:
        extra = f", reason={self.reason!r}" if self.reason else ""
        return (f"SymmetryResult(algebra={self.algebra!r}, n_generators={self.n_generators}, "
                f"method={self.method!r}{extra})")


def lift_result(res: SymmetryResult, span: Any) -> SymmetryResult:
    """A result found on the coordinates of an :class:`~symfast.symmetry._span.AffineSpan`,
    as fields of the input columns that act on the span only.

    The naming frame is lifted with it (identity off the span), so the algebra's name
    is read exactly as on the span.
    """
    G, b = span.lift(res.generators, res.translations)
    P, r = span.basis, span.dim
    F = None
    if res.frame is not None:
        F = P @ np.asarray(res.frame) @ P.T + (np.eye(span.ambient) - P @ P.T)
    origin = span.mean + P @ (np.zeros(r) if res.frame_origin is None else res.frame_origin)
    diag = dict(res.diagnostics, span=span.summary())
    return SymmetryResult(G, res.method, res.explained_variance_ratio, res.residuals,
                          span.mean + P @ res.center, noise_level=res.noise_level,
                          diagnostics=diag, reason=res.reason, translations=b, frame=F,
                          frame_origin=origin, unresolved=res.unresolved)

