"""Markdown table of a benchmark run: ratios, throughputs and peak memory.

    python benchmarks/report.py benchmarks/results/latest.json [memory.json] > latest.md
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _ratios import ratio_rows  # noqa: E402


def render(bench: dict, memory: dict | None = None) -> str:
    groups: dict[str, list] = {}
    for b in bench["benchmarks"]:
        groups.setdefault(b["group"], []).append(b)
    info = bench.get("machine_info", {})
    lines = [f"Machine: {info.get('cpu', {}).get('brand_raw', '?')}, "
             f"{info.get('cpu', {}).get('count', '?')} CPUs, Python "
             f"{info.get('python_version', '?')}; run {bench.get('datetime', '?')}.", "",
             "| benchmark | kernel per item | reference per item | ratio | naive reference "
             "| built-in |", "| --- | --- | --- | --- | --- | --- |"]
    for r in ratio_rows(groups.items()):
        naive = (f"{_time(r['naive_s_per_item'])} ({r['naive_ratio']:.1f}×)"
                 if "naive_ratio" in r else "–")
        builtin = (f"{_time(r['builtin_s_per_item'])} (kernel {1 / r['builtin_ratio']:.2f}× "
                   "its time)" if "builtin_ratio" in r else "–")
        lines.append(f"| {r['group']} | {_time(r['kernel_s_per_item'])} | "
                     f"{_time(r['reference_s_per_item'])} | **{r['ratio']:.1f}×** | {naive} | "
                     f"{builtin} |")
    extras = []
    for b in bench["benchmarks"]:
        e = b.get("extra_info", {})
        for key, unit in (("flips_per_ns", "flips/ns"), ("ns_per_state", "ns/state"),
                          ("samples_per_s", "samples/s"), ("matrices_per_s", "matrices/s")):
            if key in e:
                extras.append(f"| {b['name']} | {e[key]:.3g} {unit} |")
    if extras:
        lines += ["", "| benchmark | throughput |", "| --- | --- |", *extras]
    if memory:
        lines += ["", "| kernel (largest size) | peak above inputs | inputs | outputs |",
                  "| --- | --- | --- | --- |"]
        for name, m in memory.items():
            if "error" in m:
                lines.append(f"| {name} | failed: {' '.join(m['error'])} | | |")
            elif "skipped" in m:
                lines.append(f"| {name} | skipped: {m['skipped']} | | |")
            else:
                lines.append(f"| {name} | {m['peak_above_inputs'] / 2**20:.1f} MiB | "
                             f"{m['input_bytes'] / 2**20:.1f} MiB | "
                             f"{m['output_bytes'] / 2**20:.1f} MiB |")
    return "\n".join(lines) + "\n"


def _time(s: float) -> str:
    return f"{s * 1e9:.1f} ns" if s < 1e-6 else f"{s * 1e6:.2f} µs" if s < 1e-3 else \
        f"{s * 1e3:.2f} ms" if s < 1 else f"{s:.2f} s"


def main() -> int:
    bench = json.loads(Path(sys.argv[1]).read_text())
    memory = json.loads(Path(sys.argv[2]).read_text()) if len(sys.argv) > 2 and \
        Path(sys.argv[2]).is_file() else None
    sys.stdout.write(render(bench, memory))
    return 0


if __name__ == "__main__":
    sys.exit(main())
