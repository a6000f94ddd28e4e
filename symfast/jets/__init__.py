"""Collider jets: top-quark and QCD jets generated with Pythia 8 and clustered with FastJet."""

from symfast.jets._dataset import SHARD_SIZE, build_dataset, load_jets, plan_shards, shard_seed
from symfast.jets._generate import (FEATURES, PROCESSES, JetCuts, cluster, delta_r,
                                    exclusive_axes, final_particles, generate_shard,
                                    invariant_mass, jet_features, leading, nsubjettiness,
                                    pt_eta_phi, pythia_settings, rapidity, require, select_jet,
                                    tau32, top_decays)

__all__ = ["FEATURES", "PROCESSES", "SHARD_SIZE", "JetCuts", "build_dataset", "load_jets",
           "plan_shards", "shard_seed", "cluster", "delta_r", "exclusive_axes",
           "final_particles", "generate_shard", "invariant_mass", "jet_features", "leading",
           "nsubjettiness", "pt_eta_phi", "pythia_settings", "rapidity", "require",
           "select_jet", "tau32", "top_decays"]
