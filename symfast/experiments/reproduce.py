"""Reproduce both papers: run every study, set each claim beside the published value.

``symfast reproduce --out DIR`` runs the studies (each in ``DIR/<study>/``, resuming
a study whose ``result.json`` already holds the same configuration) and writes
``DIR/report.md``, ``DIR/report.html`` (figures embedded) and ``DIR/report.json``.

Each claim is a row: the published value, symfast's value, the difference and a
verdict.  Numeric claims are "reproduced" within their stated tolerance, "close"
within three times it, else "not reproduced"; qualitative claims (an algebra, an
ordering) are reproduced or not.
"""

from __future__ import annotations

import base64
import html
import inspect
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from symfast._io import atomic_path, write_json
from symfast.experiments._claims import PAPER_BK, PAPER_KS, numeric, qualitative  # noqa: F401 (re-exported)
from symfast.experiments._registry import StudySpec, studies

POTENTIALS = ("higgs", "so3", "so4", "so5", "so6", "so2xso2", "so3xso2", "z4", "generic")


@dataclass(frozen=True)
class Study:
    """One section of the report: a registered study (``spec``), on one potential for the
    studies that take one."""

    name: str                        # subdirectory of the output
    spec: StudySpec
    preset_args: tuple = ()          # positional arguments of quick()/paper()

    @property
    def claims(self) -> Callable[[dict], list[dict]]:
        return self.spec.claims

    @property
    def seconds(self) -> tuple[float, float]:
        return self.spec.seconds

    @property
    def figures(self) -> tuple[str, ...]:
        return self.spec.figures

    @property
    def data(self) -> str | None:
        return self.spec.data

    @property
    def paper_data(self) -> str | None:
        return self.spec.paper_data


def report_studies() -> tuple[Study, ...]:
    """The report's sections: every registered study with claims, in registry order, and a
    study that takes a potential once per potential of ``POTENTIALS``."""
    out: list[Study] = []
    for spec in studies().values():
        if spec.claims is None:
            continue
        if spec.takes_potential:
            out += [Study(f"{spec.name}-{p}", spec, (p,)) for p in POTENTIALS]
        else:
            out.append(Study(spec.name, spec))
    return tuple(out)


def _config(study: Study, paper: bool, seed: int | None):
    over = {} if seed is None else {"seed": seed}
    return study.spec.load(), study.spec.preset("paper" if paper else "quick",
                                                   *study.preset_args, **over)


def reproduce(out_dir: str | Path, *, paper: bool = False, force: bool = False,
              seed: int | None = None, progress: bool = True, n_threads: int | None = None,
              only: tuple[str, ...] | None = None,
              device: str | None = None) -> dict[str, Any]:
    """Run every study and write the report; returns the report as a dict.

    Parameters
    ----------
    out_dir : path
        Each study goes to ``out_dir/<study>``; the report to ``out_dir/report.*``.
    paper : bool
        The published scales instead of the quick presets.
    force : bool
        Rerun studies whose results already exist.
    seed : int, optional
        Overrides every study's seed.
    progress : bool
    n_threads : int, optional
    only : tuple of str, optional
        Names of the studies to run (default: all); for partial reruns.
    device : str, optional
        Torch device of every study that trains a torch model ("cpu" by default); the
        others (mnist) run as always.
    """
    from symfast.experiments._common import config_dict, run_or_resume
    from symfast.nn import check_device

    check_device(device)             # before the first study, not after

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    every = report_studies()
    studies = [s for s in every if only is None or s.name in only]
    if only is not None:
        unknown = sorted(set(only) - {s.name for s in every})
        if unknown:
            raise ValueError(f"unknown studies {unknown}; expected some of "
                             f"{[s.name for s in every]}")
    est = [s.seconds[1 if paper else 0] for s in studies]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=sum(est), desc="reproduce", unit="s (est.)",
                   bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix} [{elapsed}<{remaining}]")
    sections, t_start = [], time.perf_counter()
    for study, seconds in zip(studies, est):
        module, config = _config(study, paper, seed)
        sub = out / study.name
        if bar is not None:
            bar.set_postfix_str(study.name)
        t0 = time.perf_counter()
        missing = _missing_data(study, paper)
        if missing:
            # the report still lists the study, with its claims marked as not run
            sections.append({"study": study.name, "directory": study.name,
                             "config": config_dict(config), "resumed": False, "seconds": 0.0,
                             "study_timings": {}, "skipped": missing,
                             "claims": [{"claim": f"{study.name}: all claims", "paper": "",
                                         "published": None, "symfast": None,
                                         "difference": None, "tolerance": missing,
                                         "verdict": "not run"}], "figures": []})
            if bar is not None:
                bar.update(seconds)
            continue
        takes = "device" in inspect.signature(module.run).parameters
        data, resumed = run_or_resume(module, config, sub, force=force, progress=progress,
                                      n_threads=n_threads, device=device if takes else None)
        sections.append({"study": study.name, "directory": study.name,
                         "config": data["config"], "resumed": resumed,
                         "seconds": time.perf_counter() - t0,
                         "study_timings": data.get("timings", {}),
                         "claims": study.claims(data),
                         "figures": [f for f in study.figures if (sub / f).is_file()]})
        if bar is not None:
            bar.update(seconds)
    if bar is not None:
        bar.close()
    report = {"preset": "paper" if paper else "quick", "sections": sections,
              "summary": _summary(sections), "seconds": time.perf_counter() - t_start,
              "machine": _machine(), "versions": _versions()}
    write_json(out / "report.json", report)
    _write_text(out / "report.md", render_markdown(report))
    _write_text(out / "report.html", render_html(report, out))
    return report


def _missing_data(study: Study, paper: bool = False) -> str | None:
    """Why a study cannot run here (its data directory or an extra is missing), or None."""
    import importlib.util

    from symfast._config import DATA_ENV, data_dir

    absent = [m for m in study.spec.requires if importlib.util.find_spec(m) is None]
    if absent:
        return (f"skipped: needs {', '.join(absent)} (pip install 'symfast[hep]')")

    need = study.data or (study.paper_data if paper else None)
    if need is None:
        return None
    d = data_dir(required=False)
    if d is None or not (d / need).is_dir():
        return f"skipped: {need}/ not found (set {DATA_ENV})"
    return None


def _summary(sections: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in sections:
        for r in s["claims"]:
            counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    return counts


def _machine() -> dict[str, Any]:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    model = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": model, "cpus": cpus, "platform": platform.platform(),
            "python": platform.python_version()}


def _versions() -> dict[str, str]:
    from symfast.experiments._common import software_versions

    import numpy  # noqa: F401  (make sure the main libraries are listed)
    import torch  # noqa: F401
    return software_versions()


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.4f}"
    return str(v)


def render_markdown(report: dict) -> str:
    s = report["summary"]
    lines = [f"# symfast reproduction report ({report['preset']} preset)", "",
             f"{sum(s.values())} claims: " + ", ".join(f"{v} {k}" for k, v in sorted(s.items())),
             "", f"Machine: {report['machine']['cpu']}, {report['machine']['cpus']} CPUs, "
             f"{report['machine']['platform']}; total time {report['seconds']:.0f} s.", "",
             "Software: " + ", ".join(f"{k} {v}" for k, v in report["versions"].items()), ""]
    for sec in report["sections"]:
        lines += [f"## {sec['study']}", "",
                  f"{'resumed from an earlier run' if sec['resumed'] else 'run'} in "
                  f"{sec['seconds']:.1f} s; results in `{sec['directory']}/`.", "",
                  "| claim | source | published | symfast | difference | tolerance | verdict |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        for r in sec["claims"]:
            lines.append("| " + " | ".join(_fmt(r[k]).replace("|", "/") for k in (
                "claim", "paper", "published", "symfast", "difference", "tolerance",
                "verdict")) + " |")
        lines.append("")
        for f in sec["figures"]:
            lines += [f"![{f}]({sec['directory']}/{f})", ""]
        lines += ["<details><summary>configuration</summary>", "", "```",
                  *[f"{k} = {v}" for k, v in sec["config"].items()], "```", "</details>", ""]
    return "\n".join(lines) + "\n"


def render_html(report: dict, out: Path) -> str:
    """The report as one self-contained HTML page (figures embedded as data URIs)."""
    e = html.escape
    colour = {"reproduced": "#d4f4d4", "close": "#fff3c4", "not reproduced": "#f8d0d0"}
    s = report["summary"]
    parts = ["<!doctype html><html><head><meta charset='utf-8'>",
             f"<title>symfast reproduction report ({e(report['preset'])})</title>",
             "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}"
             "table{border-collapse:collapse;width:100%;font-size:90%}"
             "td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}"
             "img{max-width:48%;margin:4px}</style></head><body>",
             f"<h1>symfast reproduction report ({e(report['preset'])} preset)</h1>",
             f"<p>{sum(s.values())} claims: "
             + ", ".join(f"{v} {e(k)}" for k, v in sorted(s.items())) + "</p>",
             f"<p>Machine: {e(report['machine']['cpu'])}, {report['machine']['cpus']} CPUs, "
             f"{e(report['machine']['platform'])}; total time {report['seconds']:.0f} s.</p>",
             "<p>Software: " + e(", ".join(f"{k} {v}" for k, v in report["versions"].items()))
             + "</p>"]
    for sec in report["sections"]:
        parts.append(f"<h2>{e(sec['study'])}</h2><p>{'resumed' if sec['resumed'] else 'run'} "
                     f"in {sec['seconds']:.1f} s</p><table><tr><th>claim</th><th>source</th>"
                     "<th>published</th><th>symfast</th><th>difference</th><th>tolerance</th>"
                     "<th>verdict</th></tr>")
        for r in sec["claims"]:
            cells = "".join(f"<td>{e(_fmt(r[k]))}</td>" for k in (
                "claim", "paper", "published", "symfast", "difference", "tolerance"))
            parts.append(f"<tr>{cells}<td style='background:{colour.get(r['verdict'], '#eee')}'>"
                         f"{e(r['verdict'])}</td></tr>")
        parts.append("</table>")
        for f in sec["figures"]:
            data = base64.b64encode((out / sec["directory"] / f).read_bytes()).decode()
            parts.append(f"<img alt='{e(f)}' src='data:image/png;base64,{data}'>")
        parts.append("<details><summary>configuration</summary><pre>"
                     + e("\n".join(f"{k} = {v}" for k, v in sec["config"].items()))
                     + "</pre></details>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)
