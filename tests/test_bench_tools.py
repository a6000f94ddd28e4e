"""The benchmark report: ratios come out of a pytest-benchmark JSON as documented."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


def test_report_renders_ratios_throughput_and_memory():
    import report

    def bench(name, group, role, mean, items, **extra):
        return {"name": name, "group": group, "stats": {"mean": mean},
                "extra_info": {"role": role, "items": items, **extra}}

    data = {"machine_info": {"cpu": {"brand_raw": "Test CPU", "count": 2},
                             "python_version": "3.11"}, "datetime": "today",
            "benchmarks": [bench("k", "g", "kernel", 0.5, 1000, flips_per_ns=3.0),
                           bench("r", "g", "reference", 50.0, 100),
                           bench("lonely", "h", "kernel", 1.0, 1)]}
    memory = {"kernel A": {"peak_above_inputs": 2**21, "input_bytes": 2**20,
                           "output_bytes": 0}, "kernel B": {"error": ["boom"]}}
    md = report.render(data, memory)
    # per item: kernel 0.5 ms, reference 0.5 s -> 1000x; group h has no reference
    assert "| g | 500.00 µs | 500.00 ms | **1000.0×** |" in md
    assert "| h |" not in md
    assert "3 flips/ns" in md and "Test CPU, 2 CPUs" in md
    assert "| kernel A | 2.0 MiB | 1.0 MiB | 0.0 MiB |" in md and "failed: boom" in md
