"""Peak memory of each kernel at its largest benchmark size, each in a fresh process.

For every kernel the inputs are built and the kernel called once (imports and
first-call set-up do not count); then the kernel's peak resident memory
above that point is read from the kernel's own high-water mark (/proc/self/status
VmHWM after resetting it through /proc/self/clear_refs), so C and OpenMP buffers
count as well as NumPy arrays.  The input and output sizes are reported beside it:
a kernel should hold no more than a small multiple of them.

    python benchmarks/memory.py [--tiny] [--out benchmarks/results/memory.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

# name -> (set-up code defining `args` (a tuple) and `fn`, output-size expression)
KERNELS = {
    "level-set sampler (higgs, 20,000 points, width 1e-3)": (
        "from symfast.potentials import sample_level_sets, PAPER_LEVELS\n"
        "fn = lambda: sample_level_sets('higgs', PAPER_LEVELS, width=1e-3, per_class=20_000)\n"
        "args = ()", "sum(a.nbytes for a in out)"),
    "generators (1e6 points x 1000 planes)": (
        "import numpy as np\n"
        "from symfast.analysis import plane_candidates, random_planes\n"
        "from symfast.symmetry._continuous._pairs import default_delta_eps\n"
        "from symfast.potentials import sample_level_sets\n"
        "X, _ = sample_level_sets('so3', [0.4], per_class=1_000_000, seed=0)\n"
        "X = X - X.mean(0); rng = np.random.default_rng(1)\n"
        "d, e = default_delta_eps(X, rng, 200, max_kept=800)\n"
        "B = random_planes(X, 1000, rng)\n"
        "fn = lambda *a: plane_candidates(*a, max_kept=800)\nargs = (X, B, d, e)",
        "sum(v.nbytes for v in out.values())"),
    "CICY spectra (78,900 matrices)": (
        "from symfast.cicy import augment, load, pack, spectra\n"
        "L = load()\n"
        "P = pack([a for i, q in enumerate(L.matrices) for a in augment(q, 10, seed=i)])\n"
        "fn = spectra\nargs = (P,)", "out.nbytes"),
    "FAISS IVF k=250 (50,000 x 100)": (
        "import numpy as np\nfrom symfast.analysis import knn_ivf\n"
        "E = np.random.default_rng(0).normal(size=(50_000, 100)).astype(np.float32)\n"
        "fn = lambda E: knn_ivf(E, 250, target_recall=0.9)\nargs = (E,)",
        "out[0].nbytes + out[1].nbytes"),
    "2D Ising sweeps (1024 x 64 x 64, 100 sweeps)": (
        "import numpy as np\nfrom symfast.ising import sweep\n"
        "s = np.ones((1024, 64, 64), np.int8)\n"
        "fn = lambda s: sweep(s, 1.5, 100)\nargs = (s,)", "out.nbytes"),
    "chain mask (N = 24, n = 5)": (
        "from symfast.chain import metastable_mask\n"
        "fn = lambda: metastable_mask(24, 5)\nargs = ()", "out.nbytes"),
    "chain streaming count (N = 30, n = 5)": (
        "from symfast.chain import count_metastable_enumerated\n"
        "fn = lambda: count_metastable_enumerated(30, 5)\nargs = ()", "0"),
}

TINY = {"1_000_000": "20_000", "1000, rng": "50, rng", "augment(q, 10": "augment(q, 1",
        "50_000, 100": "5_000, 100", "1024, 64, 64": "64, 16, 16", "(24, 5)": "(16, 5)",
        "(30, 5)": "(20, 5)", "20_000)\n": "200)\n"}

CHILD = r"""
import json, sys
def rss(key):
    for line in open('/proc/self/status'):
        if line.startswith(key):
            return int(line.split()[1]) * 1024
    return 0
{setup}
in_bytes = sum(getattr(a, 'nbytes', 0) for a in args)
fn(*args)                     # warm-up: lazy imports and first-call set-up do not count
try:                          # give the warm-up's freed memory back to the OS, or the
    import ctypes             # measured call reuses it without raising the high-water mark
    ctypes.CDLL('libc.so.6').malloc_trim(0)
except OSError:
    pass
base = rss('VmRSS:')
try:
    open('/proc/self/clear_refs', 'w').write('5')   # reset the high-water mark
    reset = True
except OSError:
    reset = False
out = fn(*args)
peak = rss('VmHWM:')
print(json.dumps({{'peak_above_inputs': max(peak - base, 0), 'input_bytes': in_bytes,
                  'output_bytes': int({out_size}), 'hwm_reset': reset}}))
"""


def _has_cicy_data() -> bool:
    from symfast._config import data_dir

    d = data_dir(required=False)
    return d is not None and (d / "cicy3").is_dir()


def measure(tiny: bool) -> dict:
    results = {}
    for name, (setup, out_size) in KERNELS.items():
        if name.startswith("CICY") and not _has_cicy_data():
            results[name] = {"skipped": "SYMFAST_DATA/cicy3 not found"}
            print(f"{name:<55} skipped: SYMFAST_DATA/cicy3 not found", flush=True)
            continue
        if tiny:
            for a, b in TINY.items():
                setup = setup.replace(a, b)
        code = CHILD.format(setup=setup, out_size=out_size)
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env={**os.environ})
        if proc.returncode != 0:
            results[name] = {"error": proc.stderr.strip().splitlines()[-1:]}
            print(f"{name:<55} failed: {results[name]['error']}", flush=True)
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        io = r["input_bytes"] + r["output_bytes"]
        r["ratio_to_inputs_and_outputs"] = r["peak_above_inputs"] / io if io else None
        if tiny:
            name += " [tiny sizes]"
        results[name] = r
        print(f"{name:<55} peak {r['peak_above_inputs'] / 2**20:9.1f} MiB above the inputs; "
              f"inputs {r['input_bytes'] / 2**20:8.1f} MiB, outputs "
              f"{r['output_bytes'] / 2**20:8.1f} MiB", flush=True)
    return results


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tiny", action="store_true", help="small sizes (CI)")
    p.add_argument("--out", default=None, help="write the results as JSON here")
    a = p.parse_args()
    res = measure(a.tiny)
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(res, indent=2) + "\n")
    return 0 if all("error" not in r for r in res.values()) else 1   # skipped is not an error


if __name__ == "__main__":
    sys.exit(main())
