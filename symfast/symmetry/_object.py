"""One immutable object for any symmetry symfast finds: :class:`Symmetry`.

A symmetry is plain data, as equivariant-network libraries take it (EMLP names the same
two arrays ``lie_algebra`` and ``discrete_generators``):

- the Lie algebra of the continuous part, as affine fields x -> T x + b: ``lie_algebra``
  (k, d, d) and ``translations`` (k, d), zero for linear fields;
- the finite part, maps x -> c + A (x - c) about ``center``: ``discrete_generators``
  (m, d, d) and, when the group is finite and small, all its ``elements``;
- names read off the structure: ``name``, ``isomorphic``, ``compact_part``, ``is_compact``,
  ``component_group``;
- ``frame``, the input frame it was found in, and ``diagnostics``.

It acts on points (:meth:`Symmetry.act`), measures how far a function is from invariant
(:meth:`Symmetry.invariance_error`), and round-trips through JSON.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from symfast._validation import check_array, check_float, check_int, check_seed

#: Version of the JSON layout written by :meth:`Symmetry.to_json`.
FORMAT = 1


def _frozen(a: Any, shape: tuple[int, ...] | None = None) -> np.ndarray:
    arr = np.array(a, dtype=np.float64)
    if shape is not None:
        arr = arr.reshape(shape)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class Symmetry:
    """A symmetry found in data (or known exactly): continuous part, finite part, names.

    Attributes
    ----------
    lie_algebra : ndarray of shape (k, d, d)
        Linear parts T of a basis of the Lie algebra of affine fields x -> T x + b.
    translations : ndarray of shape (k, d)
        Their translation parts b (zero for linear fields about the origin).
    discrete_generators : ndarray of shape (m, d, d)
        Linear parts A of a generating set of the finite part (maps x -> c + A (x - c)).
    elements : ndarray of shape (order, d, d) or None
        Every element of the finite part, identity first, when it was enumerated.
    center : ndarray of shape (d,)
        The point c the finite maps fix.
    name : str
        The algebra's name ("so(3)", "so(1,3)", "u(1)+u(1)", ...) when there is a
        continuous part, else the finite group's ("D4", "Z2", ...), else "trivial";
        "unresolved" when the data could not decide.
    isomorphic : tuple of str
        Other names of the algebra.
    compact_part : str
        A maximal compact subalgebra's name.
    is_compact : bool
    component_group : str or None
        Name of the finite part ("Z2", "D4", ...), None when none was looked for.
    frame : ndarray of shape (d, d) or None
        The linear frame the symmetry was named in (u = frame @ (x - origin)).
    diagnostics : dict
        What the finders reported (route, counts, reasons).
    """

    lie_algebra: np.ndarray
    translations: np.ndarray
    discrete_generators: np.ndarray
    elements: np.ndarray | None
    center: np.ndarray
    name: str
    isomorphic: tuple[str, ...] = ()
    compact_part: str = "trivial"
    is_compact: bool = True
    component_group: str | None = None
    frame: np.ndarray | None = None
    diagnostics: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        T = check_array(self.lie_algebra, "lie_algebra")
        if T.ndim != 3 or T.shape[1] != T.shape[2]:
            raise ValueError(f"lie_algebra must have shape (k, d, d), got {T.shape}")
        k, d = T.shape[0], T.shape[1]
        A = check_array(self.discrete_generators, "discrete_generators").reshape(-1, d, d) \
            if np.size(self.discrete_generators) else np.zeros((0, d, d))
        set_ = object.__setattr__
        set_(self, "lie_algebra", _frozen(T))
        set_(self, "translations", _frozen(
            np.zeros((k, d)) if self.translations is None else self.translations, (k, d)))
        set_(self, "discrete_generators", _frozen(A))
        if self.elements is not None:
            set_(self, "elements", _frozen(self.elements).reshape(-1, d, d))
        set_(self, "center", _frozen(np.zeros(d) if self.center is None else self.center, (d,)))
        if self.frame is not None:
            set_(self, "frame", _frozen(self.frame, (d, d)))
        set_(self, "isomorphic", tuple(self.isomorphic))

    # -- sizes -------------------------------------------------------------------------
    @property
    def dim(self) -> int:
        """The dimension d of the space it acts on."""
        return int(self.lie_algebra.shape[1])

    @property
    def n_generators(self) -> int:
        """k, the dimension of the Lie algebra."""
        return int(self.lie_algebra.shape[0])

    @property
    def order(self) -> int | None:
        """The order of the finite part, when its elements are known."""
        return None if self.elements is None else int(self.elements.shape[0])

    @property
    def affine(self) -> np.ndarray:
        """The fields as (d+1) x (d+1) matrices [[T, b], [0, 0]], shape (k, d+1, d+1)."""
        k, d = self.n_generators, self.dim
        out = np.zeros((k, d + 1, d + 1))
        out[:, :d, :d] = self.lie_algebra
        out[:, :d, d] = self.translations
        return out

    # -- acting on points --------------------------------------------------------------
    def act(self, X: np.ndarray, t: Any = 1.0, *, element: int | None = None) -> np.ndarray:
        """Move points by a group element: the flow exp(sum_a t_a A_a), then a finite map.

        Parameters
        ----------
        X : array_like of shape (n, d)
        t : float or array_like of shape (k,), default=1.0
            Coefficients on the Lie algebra basis; a scalar multiplies every generator
            (with one generator, the flow of that generator for time ``t``).
        element : int, optional
            Index into ``elements`` (or ``discrete_generators`` when the elements were
            not enumerated) of a finite map applied after the flow.

        Returns
        -------
        ndarray of shape (n, d)
        """
        from scipy.linalg import expm

        Xa = check_array(X, "X", ndim=2, n_features=self.dim)
        k, d = self.n_generators, self.dim
        if k:
            coef = np.broadcast_to(np.asarray(t, dtype=np.float64), (k,)) \
                if np.ndim(t) == 0 else check_array(t, "t", ndim=1)
            if coef.shape != (k,):
                raise ValueError(f"t must be a number or have shape ({k},), got {coef.shape}")
            g = expm(np.einsum("a,aij->ij", coef, self.affine))
            Xa = Xa @ g[:d, :d].T + g[:d, d]
        if element is not None:
            pool = self.elements if self.elements is not None else self.discrete_generators
            i = check_int(element, "element", minimum=0, maximum=max(pool.shape[0] - 1, 0))
            if pool.shape[0] == 0:
                raise ValueError("element: this symmetry has no finite part")
            A = pool[i]
            Xa = (Xa - self.center) @ A.T + self.center
        return Xa

    def sample_elements(self, n: int, *, scale: float = 0.5,
                        seed: int = 0) -> list[tuple[np.ndarray, int | None]]:
        """``n`` random group elements as (t, finite index): t ~ N(0, scale^2) per
        generator, the finite index uniform over the elements (None without them)."""
        n = check_int(n, "n", minimum=1)
        scale = check_float(scale, "scale", minimum=0.0)
        rng = np.random.default_rng(check_seed(seed))
        pool = self.elements if self.elements is not None else self.discrete_generators
        out = []
        for _ in range(n):
            t = rng.normal(0.0, scale, self.n_generators)
            out.append((t, int(rng.integers(pool.shape[0])) if pool.shape[0] else None))
        return out

    def invariance_error(self, f: Callable[[np.ndarray], Any], X: np.ndarray, *,
                         n_samples: int = 16, scale: float = 0.5, seed: int = 0) -> float:
        """How far ``f`` is from invariant: EMLP's relative error over sampled elements.

        For each sampled element g (:meth:`sample_elements`), the norm of
        f(g X) - f(X) over the sum of the norms of f(g X) and f(X), the norms over all
        points and outputs; the mean over the samples.  0 for an invariant f; about 1 for an unrelated one.

        Parameters
        ----------
        f : callable
            Maps an (n, d) array to (n,) or (n, m) values.
        X : array_like of shape (n, d)
        n_samples : int, default=16
        scale : float, default=0.5
            Standard deviation of the flow times (non-compact directions grow
            exponentially with it).
        seed : int, default=0
        """
        Xa = check_array(X, "X", ndim=2, n_features=self.dim, min_rows=1)
        base = np.asarray(f(Xa), dtype=np.float64).reshape(Xa.shape[0], -1)
        errs = []
        for t, i in self.sample_elements(n_samples, scale=scale, seed=seed):
            moved = np.asarray(f(self.act(Xa, t, element=i)), dtype=np.float64)
            moved = moved.reshape(base.shape)
            den = np.linalg.norm(moved) + np.linalg.norm(base)
            errs.append(float(np.linalg.norm(moved - base) / den) if den > 0 else 0.0)
        return float(np.mean(errs))

    def invariants(self, degree: int, *, X: np.ndarray | None = None,
                   n_invariants: int | None = None) -> Any:
        """The polynomial invariants up to ``degree``: ``symfast.invariants`` of this
        symmetry (the learning layer asks the object, not the package, ARCHITECTURE.md)."""
        from symfast.symmetry._invariants import invariants

        return invariants(self, degree, X=X, n_invariants=n_invariants)

    # -- serialisation -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (lists and numbers)."""
        return {"format": FORMAT, "name": self.name, "isomorphic": list(self.isomorphic),
                "compact_part": self.compact_part, "is_compact": self.is_compact,
                "component_group": self.component_group,
                "lie_algebra": self.lie_algebra.tolist(),
                "translations": self.translations.tolist(),
                "discrete_generators": self.discrete_generators.tolist(),
                "elements": None if self.elements is None else self.elements.tolist(),
                "center": self.center.tolist(),
                "frame": None if self.frame is None else self.frame.tolist(),
                "diagnostics": self.diagnostics, "dim": self.dim}

    def to_json(self, **kwargs: Any) -> str:
        from symfast._io import json_default

        return json.dumps(self.to_dict(), default=json_default, **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Symmetry":
        """The inverse of :meth:`to_dict`."""
        if not isinstance(data, dict) or "lie_algebra" not in data:
            raise ValueError("data must be a dict written by Symmetry.to_dict (it has no "
                             "'lie_algebra')")
        if data.get("format", FORMAT) > FORMAT:
            raise ValueError(f"Symmetry format {data['format']} is newer than this symfast "
                             f"reads ({FORMAT})")
        d = int(data["dim"])
        return cls(lie_algebra=np.asarray(data["lie_algebra"], dtype=float).reshape(-1, d, d),
                   translations=np.asarray(data["translations"], dtype=float).reshape(-1, d),
                   discrete_generators=np.asarray(data["discrete_generators"],
                                                  dtype=float).reshape(-1, d, d),
                   elements=None if data.get("elements") is None
                   else np.asarray(data["elements"], dtype=float),
                   center=np.asarray(data["center"], dtype=float), name=data["name"],
                   isomorphic=tuple(data.get("isomorphic", ())),
                   compact_part=data.get("compact_part", "trivial"),
                   is_compact=bool(data.get("is_compact", True)),
                   component_group=data.get("component_group"),
                   frame=None if data.get("frame") is None else np.asarray(data["frame"]),
                   diagnostics=data.get("diagnostics", {}))

    @classmethod
    def from_json(cls, text: str) -> "Symmetry":
        return cls.from_dict(json.loads(text))

    def save(self, path: str | os.PathLike) -> Path:
        """Write the symmetry as JSON, atomically."""
        from symfast._io import write_json

        return write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Symmetry":
        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(f"symmetry file {str(p)!r} does not exist")
        return cls.from_json(p.read_text())

    # -- construction ------------------------------------------------------------------
    @classmethod
    def from_results(cls, continuous: Any = None, discrete: Any = None, *,
                     dim: int | None = None) -> "Symmetry":
        """Combine a :class:`~symfast.symmetry.SymmetryResult` (continuous part) and a
        :class:`~symfast.symmetry.DiscreteSymmetryResult` (finite part), either optional."""
        if continuous is None and discrete is None and dim is None:
            raise ValueError("give a continuous or a discrete result (or dim for the "
                             "trivial symmetry)")
        if continuous is not None:
            d = continuous.generators.shape[1]
        elif discrete is not None:
            d = discrete.elements.shape[1]
        else:
            d = check_int(dim, "dim", minimum=1)
        diag: dict[str, Any] = {}
        if continuous is not None:
            T, b = continuous.generators, continuous.translations
            name, iso = continuous.algebra, continuous.isomorphic
            compact, is_compact = continuous.compact_part, continuous.is_compact
            frame = continuous.frame
            diag["continuous"] = {"method": continuous.method, "reason": continuous.reason,
                                  "unresolved": continuous.unresolved}
        else:
            T, b, name, iso, compact, is_compact, frame = (np.zeros((0, d, d)),
                                                           np.zeros((0, d)), "trivial", (),
                                                           "trivial", True, None)
        group, gens, elems, center = None, np.zeros((0, d, d)), None, np.zeros(d)
        if discrete is not None:
            group, gens, center = discrete.name, discrete.generators, discrete.center
            elems = discrete.elements if discrete.name != "unresolved" else None
            diag["discrete"] = {"reason": discrete.diagnostics.get("reason", ""),
                                "continuous_dim": discrete.continuous_dim}
            if T.shape[0] == 0 and name == "trivial":
                name = group
        return cls(lie_algebra=T, translations=b, discrete_generators=gens, elements=elems,
                   center=center, name=name, isomorphic=tuple(iso), compact_part=compact,
                   is_compact=is_compact, component_group=group, frame=frame,
                   diagnostics=diag)

    def __repr__(self) -> str:
        fin = f", component_group={self.component_group!r}" if self.component_group else ""
        return (f"Symmetry(name={self.name!r}, n_generators={self.n_generators}, "
                f"dim={self.dim}{fin})")
