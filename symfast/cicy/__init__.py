"""Complete intersection Calabi–Yau threefolds: the list, exact topology, augmentation,
graph features."""

from typing import Any

from symfast._deprecation import forward
from symfast.cicy._augment import MAX_NODES, augment, contract_identity, expand_identity
from symfast.cicy._classes import (EquivalenceClasses, canonical_form, class_table,
                                   equivalence_classes)
from symfast.cicy._features import FEATURE_NAMES, graph_features, pack, spectra
from symfast.cicy._invariants import Invariants, c2, intersection_numbers, invariants
from symfast.cicy._load import CICYList, load
from symfast.cicy._neighbors import (copies_only, distinct_inputs, feature_ids, fraction_above,
                                     manifold_means, matches_before_jump, neighbor_accuracy)
from symfast.cicy._topology import check_configuration, euler

__all__ = ["CICYList", "EquivalenceClasses", "FEATURE_NAMES", "Invariants", "MAX_NODES",
           "augment", "c2", "canonical_form", "check_configuration", "contract_identity",
           "class_table", "copies_only", "distinct_inputs", "equivalence_classes", "euler", "expand_identity",
           "feature_ids", "fraction_above", "graph_features", "intersection_numbers",
           "invariants", "load", "manifold_means", "matches_before_jump",
           "neighbor_accuracy", "pack", "spectra"]


def __getattr__(name: str) -> Any:
    # one spelling across the package (issue 32); the British name works for one release
    if name == "neighbour_accuracy":
        return forward("symfast.cicy.neighbour_accuracy", "symfast.cicy.neighbor_accuracy",
                       how="is now spelt")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
