"""Surviving failures: a training killed with SIGKILL resumes to the same model, and a
kill while writing never leaves a half-written file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

# random labels: the held-out accuracy never reaches the target, so every run trains for
# all 150 epochs (a few seconds), long enough to be killed in the middle
TRAIN = """
import sys, numpy as np
from symfast.nn import EmbeddingClassifier
rng = np.random.default_rng(0)
X, y = rng.normal(size=(2000, 10)), rng.integers(0, 5, 2000)
clf = EmbeddingClassifier((48, 48), 24, max_epochs=150, target_accuracy=1.0, seed=3,
                          progress=False, n_threads=1)
clf.fit(X, y, checkpoint=sys.argv[1], checkpoint_every=2)
np.save(sys.argv[2], clf.embed(X))
"""


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    t0 = time.monotonic()
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the run ended before {path.name} appeared: "
                                 f"{proc.stderr.read().decode()[-2000:]}")
        if time.monotonic() - t0 > timeout:
            proc.kill()
            raise AssertionError(f"{path.name} did not appear within {timeout} s")
        time.sleep(0.05)


def test_killed_training_resumes_to_the_same_model(tmp_path):
    from symfast.nn import EmbeddingClassifier

    ckpt, out = tmp_path / "train.ckpt", tmp_path / "embedding.npy"
    script = tmp_path / "train.py"
    script.write_text(TRAIN)
    proc = subprocess.Popen([sys.executable, str(script), str(ckpt), str(out)],
                            stderr=subprocess.PIPE)
    _wait_for(ckpt, proc)
    time.sleep(0.1)                                  # kill somewhere after a checkpoint
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL and not out.exists() and ckpt.exists()
    subprocess.run([sys.executable, str(script), str(ckpt), str(out)], check=True)
    assert not ckpt.exists()                         # removed once training ended

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(2000, 10)), rng.integers(0, 5, 2000)
    clf = EmbeddingClassifier((48, 48), 24, max_epochs=150, target_accuracy=1.0, seed=3,
                              progress=False, n_threads=1).fit(X, y)
    assert np.array_equal(np.load(out), clf.embed(X))


def test_a_checkpoint_of_other_data_is_ignored(tmp_path):
    from symfast.nn import EmbeddingClassifier

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 3)), rng.integers(0, 2, 200)
    ckpt = tmp_path / "c.ckpt"
    kw = dict(max_epochs=4, target_accuracy=1.0, progress=False, n_threads=1)
    EmbeddingClassifier((8,), 4, **kw).fit(X, y, checkpoint=ckpt, checkpoint_every=1)
    assert not ckpt.exists()
    ckpt.write_bytes(b"not a checkpoint")            # unreadable: training starts over
    a = EmbeddingClassifier((8,), 4, **kw).fit(X, y, checkpoint=ckpt)
    b = EmbeddingClassifier((8,), 4, **kw).fit(X, y)
    assert np.array_equal(a.embed(X), b.embed(X))


WRITE = """
import sys, numpy as np
from symfast._io import write_npz
path = sys.argv[1]
a = np.zeros(6_000_000); b = np.ones(6_000_000)
i = 0
while True:
    write_npz(path, x=a if i % 2 else b)
    print(i, flush=True)
    i += 1
"""


def test_a_kill_while_writing_leaves_the_old_or_the_new_file(tmp_path):
    script = tmp_path / "write.py"
    script.write_text(WRITE)
    target = tmp_path / "big.npz"
    rng = np.random.default_rng(0)
    for trial in range(4):
        proc = subprocess.Popen([sys.executable, str(script), str(target)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdout.readline()                       # at least one complete file exists
        time.sleep(float(rng.uniform(0.05, 0.6)))    # then kill at a random moment
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with np.load(target) as f:
            x = f["x"]
        assert x.shape == (6_000_000,) and (np.all(x == 0) or np.all(x == 1)), trial
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".big.npz.")]
    assert len(leftovers) <= 4   # temporary files of killed writes; never the target itself
