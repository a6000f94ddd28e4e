"""Benchmark plumbing: make tests/reference.py importable, print reference/kernel ratios.

Each benchmark group holds a kernel and its reference timed on the same task in
the same run; the summary divides the reference's mean time per item by the
kernel's, so the ratio does not depend on how loaded the machine was between
runs.
"""

from __future__ import annotations

import sys

import pytest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _curve import CURVE, curve_table  # noqa: E402
from _ratios import ratio_rows  # noqa: E402


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if CURVE:
        terminalreporter.write_sep("-", "learning curve of find_generators (bench_generators)")
        for line in curve_table(CURVE):
            terminalreporter.write_line(line)
    session = getattr(config, "_benchmarksession", None)
    rows = ratio_rows(getattr(session, "groups", None))
    if not rows:
        return
    terminalreporter.write_sep("-", "reference / kernel time per item (same run)")
    for r in rows:
        terminalreporter.write_line(
            f"{r['group']:<36} kernel {r['kernel_s_per_item'] * 1e6:10.3f} us   "
            f"reference {r['reference_s_per_item'] * 1e6:12.3f} us   ratio {r['ratio']:9.1f}x"
            + (f"   (naive: {r['naive_ratio']:.1f}x)" if "naive_ratio" in r else "")
            + (f"   (built-in: {r['builtin_s_per_item'] * 1e6:.3f} us, kernel takes "
               f"{1 / r['builtin_ratio']:.2f}x its time)" if "builtin_ratio" in r else ""))
