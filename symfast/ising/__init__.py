"""The 2D Ising model: a multi-spin-coded Metropolis sampler and exact references.

``sample`` and ``sweep`` run 64 independent replicas per machine word (one bit
per spin) with checkerboard updates and exact acceptance probabilities;
``exact_energy`` (Onsager) and ``exact_magnetization`` (Yang) are the references
the sampler is tested against, and ``dual_temperature`` the Kramers–Wannier map.
"""

from symfast.ising._dual import bond_variables, energy_overlap
from symfast.ising._exact import (T_CRITICAL, critical_temperature, dual_temperature,
                                  exact_energy, exact_magnetization)
from symfast.ising._sampler import LANES, check_lattice_size, energy, magnetization, sample, sweep

__all__ = ["LANES", "T_CRITICAL", "bond_variables", "check_lattice_size",
           "critical_temperature", "dual_temperature", "energy", "energy_overlap",
           "exact_energy", "exact_magnetization", "magnetization", "sample", "sweep"]
