"""Collider jets: top-quark and QCD jets generated with Pythia 8 and clustered with FastJet."""

from symfast.jets._dataset import SHARD_SIZE, build_dataset, load_jets, plan_shards, shard_seed
from symfast.jets._generate import (FEATURES, HEP_MODULES, PROCESSES, JetCuts, cluster, delta_r,
                                    exclusive_axes, final_particles, generate_shard, hep_versions,
                                    invariant_mass, jet_features, leading, nsubjettiness,
                                    pt_eta_phi, pythia_settings, rapidity, require, select_jet,
                                    tau32, top_decays)

__all__ = ["FEATURES", "HEP_MODULES", "PROCESSES", "SHARD_SIZE", "JetCuts", "build_dataset",
           "cluster", "delta_r", "exclusive_axes", "final_particles", "generate_shard",
           "hep_versions", "invariant_mass", "jet_features", "leading", "load_jets",
           "nsubjettiness", "plan_shards", "pt_eta_phi", "pythia_settings", "rapidity",
           "require", "select_jet", "shard_seed", "tau32", "top_decays"]
