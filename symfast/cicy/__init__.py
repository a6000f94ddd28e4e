"""Complete intersection Calabi–Yau threefolds: the list, exact topology, augmentation,
graph features."""

from typing import Any

from symfast._deprecation import forward
from symfast.cicy._augment import (MAX_NODES, augment, contract_identities, contract_identity,
                                   expand_identity)
from symfast.cicy._classes import (EquivalenceClasses, canonical_form, class_table,
                                   equivalence_classes)
from symfast.cicy._features import FEATURE_NAMES, graph_features, pack, pad_matrices, spectra
from symfast.cicy._invariants import (ROW_INVARIANT_NAMES, Invariants, c2, intersection_numbers,
                                      invariants, row_invariants)
from symfast.cicy._load import CICYList, load
from symfast.cicy._topology import check_configuration, euler
from symfast.cicy._wl import wl_hash, wl_shared

__all__ = ["CICYList", "EquivalenceClasses", "FEATURE_NAMES", "Invariants", "MAX_NODES",
           "ROW_INVARIANT_NAMES", "augment", "c2", "canonical_form", "check_configuration",
           "class_table", "contract_identities", "contract_identity", "equivalence_classes", "euler",
           "expand_identity", "graph_features", "intersection_numbers", "invariants", "load",
           "pack", "pad_matrices", "row_invariants", "spectra", "wl_hash", "wl_shared"]

#: The neighbour scoring needs the learning layer, so it belongs to the study
#: (ARCHITECTURE.md): served from there, with a warning, for one release.
MOVED = {name: "symfast.experiments.cicy_scoring." + name
         for name in ("copies_only", "distinct_inputs", "feature_ids", "fraction_above",
                      "manifold_means", "matches_before_jump", "neighbor_accuracy")}


def __getattr__(name: str) -> Any:
    if name in MOVED:
        return forward(f"symfast.cicy.{name}", MOVED[name])
    # one spelling across the package (issue 32); the British name works for one release
    if name == "neighbour_accuracy":
        return forward("symfast.cicy.neighbour_accuracy",
                       MOVED["neighbor_accuracy"], how="is now spelt")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
