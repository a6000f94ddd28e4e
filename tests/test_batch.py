"""Sweeps: resumable, failures recorded and retried; chain shards combine exactly,
also on a Dask LocalCluster."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from symfast.batch import (chain_shard, chain_shards, combine_chain_shards, run_sweep,
                           task_key)
from symfast.chain import count_metastable, energies, metastable_mask


def test_shards_combine_to_the_whole_space_answer():
    N, n = 18, 4
    whole = chain_shard(N, n, 0, 1 << N, sample=40, seed=5)
    parts = [chain_shard(**{k: v for k, v in t.items() if k != "kernel"})
             for t in chain_shards(N, n, 5, sample=40, seed=5)]
    c = combine_chain_shards(parts, sample=40)
    mask = metastable_mask(N, n)
    assert c["count"] == whole["count"] == count_metastable(N, n) == int(mask.sum())
    vals, cnt = np.unique(energies(N, n)[mask], return_counts=True)
    assert c["histogram"] == dict(zip(vals.tolist(), cnt.tolist()))
    assert c["sample"] == sorted(i for _, i in whole["sample"]) and len(c["sample"]) == 40
    assert mask[c["sample"]].all()
    with pytest.raises(ValueError, match="tile"):
        combine_chain_shards([parts[0], parts[2]])


def test_shard_samples_are_uniform():
    """Every metastable state is about equally likely to be drawn (over seeds)."""
    from scipy.stats import chisquare

    N, n = 10, 3
    mask = metastable_mask(N, n)
    hits = np.zeros(1 << N)
    for seed in range(400):
        for i in chain_shard(N, n, 0, 1 << N, sample=5, seed=seed)["sample"]:
            hits[i[1]] += 1
    obs = hits[mask]
    assert chisquare(obs).pvalue > 1e-3 and hits[~mask].sum() == 0


def test_sweep_resumes_and_records_failures(tmp_path):
    tasks = [{"kernel": "chain_count", "N": 40, "n": k} for k in (2, 3, 4)]
    bad = {"kernel": "chain_count", "N": 3, "n": 5}          # n > N: a ValueError
    with ThreadPoolExecutor(2) as ex:
        s = run_sweep(tasks + [bad], executor=ex, out_dir=tmp_path, retries=2, progress=False)
    assert s.status[task_key(bad)] == "failed" and s.attempts[task_key(bad)] == 3
    failure = json.loads((tmp_path / task_key(bad) / "failure.json").read_text())
    assert "n=5 must not exceed N=3" in failure["error"] and "Traceback" in failure["traceback"]
    for t in tasks:
        k = task_key(t)
        assert s.status[k] == "ok"
        assert s.results[k]["count"] == count_metastable(40, t["n"])
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["counts"] == {"failed": 1, "ok": 3}
    with ThreadPoolExecutor(2) as ex:                           # rerun: nothing runs again
        again = run_sweep(tasks, executor=ex, out_dir=tmp_path, progress=False)
    assert set(again.status.values()) == {"skipped"}
    assert again.results == {task_key(t): s.results[task_key(t)] for t in tasks}


def test_sweep_on_a_local_process_pool(tmp_path):
    tasks = chain_shards(16, 3, 3, sample=10, seed=1)
    s = run_sweep(tasks, out_dir=tmp_path, max_workers=2, progress=False)
    assert combine_chain_shards(s.results.values(), 10)["count"] == count_metastable(16, 3)


def test_sharded_enumeration_on_a_dask_local_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    N, n = 20, 3
    tasks = chain_shards(N, n, 4, sample=25, seed=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        s = run_sweep(tasks, executor=client.get_executor(), out_dir=tmp_path, progress=False)
    dask = combine_chain_shards(s.results.values(), 25)
    one = chain_shard(N, n, 0, 1 << N, sample=25, seed=2)
    assert dask["count"] == one["count"] == count_metastable(N, n)
    assert dask["sample"] == sorted(i for _, i in one["sample"])
    assert sum(dask["histogram"].values()) == one["count"]


def test_sweep_cli_with_a_toml_spec(tmp_path, capsys):
    from symfast.cli import main

    spec = tmp_path / "spec.toml"
    spec.write_text('retries = 0\n[[task]]\nkernel = "chain_count"\nN = 30\n'
                    '[task.grid]\nn = [2, 3]\n')
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--threads", "1",
                 "--no-progress"]) == 0
    assert "2 ok" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text('[[task]]\nstudy = "nope"\n')
    assert main(["sweep", str(bad), "--out", str(out)]) == 2
    assert "task 1: unknown study 'nope'" in capsys.readouterr().err


@pytest.mark.parametrize("task, words", [
    ("not a dict", "must be a dict"),
    ({"study": "invariance", "kernel": "chain_count"}, "exactly one"),
    ({"kernel": "fft"}, "unknown kernel job"),
    ({"study": "invariance", "preset": "huge"}, "preset"),
])
def test_bad_tasks_are_refused_up_front(task, words, tmp_path):
    with pytest.raises((TypeError, ValueError), match=words):
        run_sweep([task], out_dir=tmp_path, progress=False)


def test_a_study_task_runs_its_preset_with_overrides(tmp_path):
    task = {"study": "fourier", "N": 16, "n_train": 100, "n_test": 40, "amplitudes": [2.0],
            "amplitude": 2.0, "n_feature_train": 100, "feature_epochs": 2, "epochs": 2}
    with ThreadPoolExecutor(1) as ex:
        s = run_sweep([task], executor=ex, out_dir=tmp_path, retries=0, progress=False)
    r = s.results[task_key(task)]
    assert s.status[task_key(task)] == "ok", s.status
    assert r["config"]["N"] == 16 and r["config"]["amplitudes"] == [2.0]
    assert set(r["accuracy"]) == {"raw", "dft", "learned"}
