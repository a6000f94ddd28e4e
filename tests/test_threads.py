"""No process-wide side effects: the environment, FAISS, OpenMP, BLAS and torch thread
counts are the same after a symfast call as before it."""

from __future__ import annotations

import subprocess
import sys
import threading

import numpy as np

from symfast._config import default_threads


def test_import_and_use_leave_the_environment_alone():
    """``import symfast`` changes nothing; nor does using it, beyond what its dependencies
    set when they are first imported: scikit-learn and threadpoolctl (KMP_* settings of
    Intel's OpenMP runtime) and torch._dynamo, which torch.optim loads
    (TORCHINDUCTOR_CACHE_DIR).  Those are imported before the snapshot."""
    code = (
        "import os\n"
        "bare = dict(os.environ)\n"
        "import symfast\n"
        "assert dict(os.environ) == bare, set(os.environ.items()) ^ set(bare.items())\n"
        "import sklearn, threadpoolctl, torch._dynamo\n"
        "before = dict(os.environ)\n"
        "import symfast.nn, symfast.analysis, symfast.potentials\n"
        "from symfast.potentials import sample_level_sets\n"
        "from symfast.analysis import knn\n"
        "from symfast.nn import EmbeddingClassifier\n"
        "X, y = sample_level_sets('higgs', [0.2, 0.4], per_class=50)\n"
        "knn(X, 3)\n"
        "EmbeddingClassifier((8,), 8, max_epochs=1, progress=False).fit(X, y)\n"
        "assert dict(os.environ) == before, set(os.environ.items()) ^ set(before.items())\n"
    )
    env = {"PATH": "/usr/bin:/bin", "SYMFAST_NUM_THREADS": "2"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_faiss_and_blas_limits_are_restored():
    import faiss
    from threadpoolctl import threadpool_info

    from symfast._threads import thread_limits
    from symfast.analysis import knn, knn_within_groups

    before_faiss = faiss.omp_get_max_threads()
    before = {i["filepath"]: i["num_threads"] for i in threadpool_info()}
    X = np.random.default_rng(0).normal(size=(200, 4))
    knn(X, 3, n_threads=1)
    knn_within_groups(X, np.arange(200) % 3, 3, n_threads=1)
    with thread_limits(1) as n:
        assert n == 1
        assert faiss.omp_get_max_threads() == 1
        assert all(i["num_threads"] == 1 for i in threadpool_info())
    assert faiss.omp_get_max_threads() == before_faiss
    after = {i["filepath"]: i["num_threads"] for i in threadpool_info()}
    assert {k: after[k] for k in before} == before


def test_a_limit_in_one_thread_does_not_reach_another():
    """OpenMP's thread count is per calling thread: a limit in a worker thread leaves
    the main thread's FAISS pool as it was."""
    import faiss

    from symfast._threads import thread_limits

    seen = {}
    inside, release = threading.Event(), threading.Event()

    def worker():
        with thread_limits(1):
            seen["worker"] = faiss.omp_get_max_threads()
            inside.set()
            release.wait(10)

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(10)
    seen["main"] = faiss.omp_get_max_threads()
    release.set()
    t.join()
    assert seen["worker"] == 1
    assert seen["main"] == faiss.omp_get_max_threads() >= 1


def test_training_restores_torch_threads():
    import torch

    from symfast.nn import EmbeddingClassifier

    before = torch.get_num_threads()
    X = np.random.default_rng(0).normal(size=(120, 3))
    y = (X[:, 0] > 0).astype(int)
    clf = EmbeddingClassifier((8,), 8, max_epochs=2, progress=False, n_threads=1).fit(X, y)
    clf.predict(X)
    assert torch.get_num_threads() == before


def test_sweep_workers_share_the_cpus(tmp_path):
    from symfast.batch import run_sweep

    tasks = [{"kernel": "chain_count", "N": 8, "n": 2}]
    s = run_sweep(tasks, out_dir=tmp_path / "a", max_workers=2, progress=False)
    assert s.threads_per_task == max(1, default_threads() // 2)
    assert s.status == {next(iter(s.tasks)): "ok"}
    s = run_sweep(tasks, out_dir=tmp_path / "b", max_workers=1, threads_per_task=1,
                  progress=False)
    assert s.threads_per_task == 1
