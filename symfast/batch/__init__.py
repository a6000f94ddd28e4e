"""Sweeps over many configurations on any executor (a local process pool or Dask), with
results written atomically and resumable, and exact chain enumeration in shards.

Tasks are plain dicts: ``{"study": "invariance", "potential": "so3", "seed": 1}`` runs a
study's quick preset with overrides (``"preset": "paper"`` for the published scale);
``{"kernel": "chain_shard", "N": 32, "n": 3, "start": 0, "stop": 2**31}`` runs a kernel job.
"""

from symfast.batch._sweep import SweepSummary, run_sweep
from symfast.batch._tasks import KERNELS, check_task, run_task, task_key
# the shard jobs live with the chain; re-exported here, where sweeps use them
from symfast.chain import chain_shard, chain_shards, combine_chain_shards

__all__ = ["KERNELS", "SweepSummary", "chain_shard", "chain_shards", "check_task",
           "combine_chain_shards", "run_sweep", "run_task", "task_key"]
