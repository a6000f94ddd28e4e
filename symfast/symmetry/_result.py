"""What :func:`symfast.symmetry.discover` returns: :class:`DiscoveryResult`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from symfast._io import software_versions, write_json

NAME = "discover-data"
TARGETS = ("auto", "regression", "bins", "classes")
METHODS = ("auto", "gradient", "embedding", "both")
#: Fewest data points accepted (a network and a held-out split need some).
MIN_POINTS = 50
#: Class labels: at most this many distinct integer values count as classes in "auto".
MAX_AUTO_CLASSES = 20


@dataclass
class DiscoveryResult:
    """What :func:`discover` found in (X, y).

    Attributes
    ----------
    continuous : SymmetryResult
        The reported continuous symmetry (generators (k, d, d), translations
        (k, d), the algebra's names, the route's spectrum); ``algebra``,
        ``generators`` and the other fields below read from it.  ``symmetry``
        (a property) holds it and the finite part as one :class:`symfast.symmetry.Symmetry`.
    routes : dict
        The result of each route that ran ("gradient", "embedding").
    target : str
        "regression", "bins" or "classes".
    method : str
        The route reported: "gradient", "embedding" or "both".
    score : dict
        ``{"r2": ...}`` (held-out R^2 of the regression, minimum over outputs)
        and/or ``{"accuracy": ...}`` (held-out accuracy of the classifier), or
        ``{"brier_skill": ...}`` (the gradient route on two classes: one minus the
        held-out Brier score over the labels' variance).
    neighbor_purity : float
        Mean fraction of a point's 10 nearest neighbours in the embedding that
        share its class (for regression: its quantile bin of y).
    orbit_groups : dict
        Class -> number of orbit groups in the embedding.
    discrete : DiscreteSymmetryResult or None
    discrete_reason : str
    diagnostics : dict
        Normal noise and threshold, networks' epochs and fit times, points used.
    timings : dict
        Seconds per stage and in total.
    config : dict
        The arguments of the call.
    feature_names : list of str
    source : dict
        Where the data came from (the CLI records the file, target and a SHA-256
        of the data); written as ``data`` in ``result.json``.
    models : list
        The fitted networks of the gradient route
        (:class:`~symfast.nn.GradientRegressor`; on two classes their ``predict`` is the
        logit of the second class), to score or reuse; not saved.
    """

    continuous: Any
    routes: dict[str, Any]
    target: str
    method: str
    score: dict[str, float]
    neighbor_purity: float | None
    orbit_groups: dict[str, int]
    discrete: Any
    discrete_reason: str
    diagnostics: dict[str, Any]
    timings: dict[str, float]
    config: dict[str, Any]
    feature_names: list[str]
    versions: dict[str, str] = field(default_factory=software_versions)
    source: dict[str, Any] = field(default_factory=dict)
    invariant_model: dict[str, Any] | None = None
    models: list = field(default_factory=list, repr=False, compare=False)

    @property
    def symmetry(self) -> Any:
        """Everything found as one :class:`symfast.symmetry.Symmetry`: the continuous part
        (``continuous``) and the finite part (``discrete``)."""
        from symfast.symmetry._object import Symmetry

        return Symmetry.from_results(self.continuous, self.discrete)

    @property
    def algebra(self) -> str:
        return self.continuous.algebra

    @property
    def isomorphic(self) -> list[str]:
        return self.continuous.isomorphic

    @property
    def compact_part(self) -> str:
        return self.continuous.compact_part

    @property
    def is_compact(self) -> bool:
        return self.continuous.is_compact

    @property
    def generators(self) -> np.ndarray:
        return self.continuous.generators

    @property
    def translations(self) -> np.ndarray:
        return self.continuous.translations

    @property
    def n_generators(self) -> int:
        return self.continuous.n_generators

    def similarity(self, reference: np.ndarray,
                   reference_translations: np.ndarray | None = None) -> float:
        """Similarity of the found span with ``reference`` (k', d, d); see SymmetryResult."""
        return self.continuous.similarity(reference, reference_translations)

    def to_dict(self) -> dict[str, Any]:
        sym = self.continuous
        g = self.discrete
        disc = ({"name": None, "order": None, "generators": [], "reason": self.discrete_reason}
                if g is None else
                {"name": g.name, "order": g.order, "generators": g.generators.tolist(),
                 "isomorphic": g.isomorphic, "continuous_dim": g.continuous_dim,
                 "stability": g.stability, "reason": g.diagnostics.get("reason", "")})
        return {
            "experiment": NAME, "config": self.config, "data": self.source,
            "target": self.target,
            "method": self.method, "feature_names": self.feature_names,
            "algebra": sym.algebra, "isomorphic": sym.isomorphic,
            "compact_part": sym.compact_part, "is_compact": sym.is_compact,
            "n_generators": sym.n_generators, "n_translations": sym.n_translations,
            "generators": sym.generators.tolist(), "translations": sym.translations.tolist(),
            "residuals": np.asarray(sym.residuals).tolist(), "reason": sym.reason,
            "discrete_group": disc, **self.score,
            "neighbor_purity": self.neighbor_purity, "orbit_groups": self.orbit_groups,
            "routes": {k: v.to_dict() for k, v in self.routes.items()},
            "diagnostics": self.diagnostics, "timings": self.timings,
            "versions": self.versions,
            **({"invariant_model": self.invariant_model} if self.invariant_model else {}),
        }

    def to_json(self, **kwargs: Any) -> str:
        """The result as a JSON string (what ``save`` writes to ``result.json``)."""
        from symfast._io import json_default

        return json.dumps(self.to_dict(), default=json_default, **kwargs)

    def save(self, out_dir: str | Path, *, figures: bool = True) -> Path:
        """Write ``result.json`` and, with ``figures``, ``generators.png`` and one
        ``spectrum-<route>.png`` per route that ran (``spectrum-gradient.png``,
        ``spectrum-embedding.png``) into ``out_dir``; returns the path of ``result.json``.

        ``out_dir`` is checked first (``symfast._io.check_out_dir``) and created with
        its parents if missing."""
        from symfast._io import check_out_dir

        out, _ = check_out_dir(out_dir, "out_dir")
        out.mkdir(parents=True, exist_ok=True)
        if figures:
            from symfast.analysis import plot_generators, plot_spectrum

            plot_generators(self.continuous.generators, out / "generators.png",
                            title=f"{self.method}: {self.continuous.algebra}",
                            feature_names=self.feature_names)
            for name, res in self.routes.items():
                plot_spectrum(res, out / f"spectrum-{name}.png")
        return write_json(out / "result.json", self.to_dict())

    def __repr__(self) -> str:
        score = ", ".join(f"{k}={v:.4f}" for k, v in self.score.items())
        return (f"DiscoveryResult(algebra={self.algebra!r}, n_generators={self.n_generators}, "
                f"method={self.method!r}, {score})")

