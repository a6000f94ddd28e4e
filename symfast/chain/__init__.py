"""The 1D Ising chain with n-spin interactions: energies, dual variables, exact enumeration
and exact counting of (meta)stable states."""

from symfast.chain._exact import (MAX_WHOLE_SPACE_N, count_metastable_enumerated, dual,
                                  dual_inverse, energies, energy_of, metastable_mask, spins_of,
                                  states)
from symfast.chain._shards import chain_shard, chain_shards, combine_chain_shards
from symfast.chain._transfer import count_metastable, count_method, sample_metastable

__all__ = ["MAX_WHOLE_SPACE_N", "chain_shard", "chain_shards", "combine_chain_shards",
           "count_metastable", "count_metastable_enumerated",
           "count_method", "dual", "dual_inverse", "energies", "energy_of", "metastable_mask",
           "sample_metastable", "spins_of", "states"]
