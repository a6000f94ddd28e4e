"""Built-in potentials, their known invariances, and level-set samplers.

>>> from symfast import potentials
>>> potentials.get("higgs").generators.shape
(1, 2, 2)
"""

from symfast.potentials._compiled import CompiledFunction, NumbaFallbackWarning, from_function
from symfast.potentials._dynamics import oscillator_generators, simulate_oscillator
from symfast.potentials._polynomial import Polynomial, radial_squared
from symfast.potentials._registry import (HIGGS_A, PAPER_LEVELS, PAPER_WIDTH, REGISTRY,
                                          Potential, get, names, register, so_generators)
from symfast.potentials._joint import joint_bins, joint_class
from symfast.potentials._sampling import sample_level_sets

__all__ = [
    "HIGGS_A", "PAPER_LEVELS", "PAPER_WIDTH", "REGISTRY", "CompiledFunction",
    "NumbaFallbackWarning", "Polynomial", "Potential", "from_function", "get", "joint_bins", "joint_class", "names", "oscillator_generators", "radial_squared",
    "register", "sample_level_sets", "simulate_oscillator", "so_generators",
]
