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
import importlib
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from symfast._io import atomic_path, write_json
from symfast.experiments._common import config_class

PAPER_KS = "Krippendorf & Syvaeri, arXiv 2003.13679"
PAPER_BK = "Betzler & Krippendorf, arXiv 2002.05169"
POTENTIALS = ("higgs", "so3", "so4", "so5", "so6", "so2xso2", "so3xso2", "z4", "generic")


@dataclass(frozen=True)
class Study:
    """One study of the report: how to configure it and which claims it checks."""

    name: str                        # subdirectory of the output
    module: str                      # symfast.experiments.<module>
    preset_args: tuple               # positional arguments of quick()/paper()
    claims: Callable[[dict], list[dict]]
    seconds: tuple[float, float]     # rough duration (quick, paper) on 2 cores, for the ETA
    figures: tuple[str, ...] = ()
    data: str | None = None          # subdirectory of SYMFAST_DATA the study cannot run without
    paper_data: str | None = None    # the same, at the published scale only


def numeric(claim: str, paper: str, published: float, value: float | None,
            tolerance: float) -> dict[str, Any]:
    """A numeric claim row with its verdict."""
    if value is None:
        verdict, diff = "not run", None
    else:
        diff = float(value) - float(published)
        verdict = ("reproduced" if abs(diff) <= tolerance else
                   "close" if abs(diff) <= 3 * tolerance else "not reproduced")
    return {"claim": claim, "paper": paper, "published": published, "symfast": value,
            "difference": diff, "tolerance": f"±{tolerance:g} (close: ±{3 * tolerance:g})",
            "verdict": verdict}


def qualitative(claim: str, paper: str, published: str, value: str, holds: bool,
                test: str) -> dict[str, Any]:
    """A claim that holds or not; ``test`` says what was checked."""
    return {"claim": claim, "paper": paper, "published": published, "symfast": value,
            "difference": None, "tolerance": test,
            "verdict": "reproduced" if holds else "not reproduced"}


# -- claims per study -------------------------------------------------------------------

def _discover_claims(d: dict) -> list[dict]:
    name = d["config"]["invariance"]["potential"]
    truth = d["truth"]
    groups_ok = all(int(d["orbit_groups"][k]) == int(v)
                    for k, v in (d.get("expected_orbit_groups") or {}).items() if v is not None)
    rows = [qualitative(f"{name}: points of one level set are neighbours in the embedding",
                        PAPER_KS + ", sec. 3", "neighbour purity near 1",
                        f"{d['neighbor_purity']:.4f}", d["neighbor_purity"] >= 0.95,
                        "purity >= 0.95"),
            qualitative(f"{name}: generators of the invariance recovered", PAPER_KS + ", sec. 3",
                        f"{truth['algebra']} ({truth.get('group', '')})",
                        f"{d['algebra']} ({d['n_generators']} generators, similarity "
                        f"{d['similarity']:.4f})" if d["similarity"] is not None
                        else f"{d['algebra']} ({d['n_generators']} generators)",
                        d["algebra"] == truth["algebra"], "same algebra")]
    if d.get("expected_orbit_groups"):
        rows.append(qualitative(f"{name}: orbits per level set", PAPER_KS + ", sec. 3",
                                str(d["expected_orbit_groups"]), str(d["orbit_groups"]),
                                groups_ok, "equal to the exact count for every level"))
    return rows


def _mnist_claims(d: dict) -> list[dict]:
    dom, nxt = d["dominant_explained_variance"], d["second_explained_variance"]
    return [qualitative("rotated digits: one dominant generator (the rotation)",
                        PAPER_KS + ", sec. 5", "one dominant, antisymmetric generator",
                        f"explained variance {dom:.3f} (next {nxt:.3f}), antisymmetry "
                        f"{d['antisymmetry']:.3f}", dom > 1.5 * nxt and d["antisymmetry"] > 0.9,
                        "dominant > 1.5 x next and antisymmetry > 0.9")]


def _cicy_claims(d: dict) -> list[dict]:
    lp, tr, dist = d["largest_pair"], d["train_accuracy"], d["distinct_inputs"]
    return [numeric("manifolds with mean neighbour accuracy above 95 %", PAPER_KS + ", sec. 4",
                    0.866, d["fraction_manifolds_above_95"], 0.03),
            numeric(f"largest Hodge pair ({lp['h11']}, {lp['h21']}): manifolds above 95 %",
                    PAPER_KS + ", sec. 4", 0.806, lp["fraction_above_95"], 0.03),
            qualitative("training reaches 95 % on both heads", PAPER_KS + ", sec. 4",
                        "trained until both heads pass 95 %",
                        f"train accuracy h11 {tr['h11']:.3f}, h21 {tr['h21']:.3f}",
                        min(tr["h11"], tr["h21"]) >= 0.95, "both train accuracies >= 0.95"),
            qualitative("different matrices of one manifold sit together in the embedding",
                        PAPER_KS + ", sec. 4", "86.6 % of manifolds above 95 %",
                        f"with permutation copies (equal features) merged: "
                        f"{dist['fraction_manifolds_above_95']:.3f} above 95 % (mean point "
                        f"accuracy {dist['mean_point_accuracy']:.3f})",
                        dist["fraction_manifolds_above_95"] >= 0.866 - 3 * 0.03,
                        "the figure within 0.09 of the paper's once exact copies are merged")]


def _chain_claims(d: dict) -> list[dict]:
    rows = []
    for n, r in d["dual_vs_original"].items():
        cells = [c for c in r["sizes"].values() if c["available"]]
        if cells:
            wins = all(c["dual"] > c["original"] for c in cells)
            rows.append(qualitative(
                f"chain n={n}: metastability is easier in the dual variables",
                PAPER_BK + ", sec. 4", "dual > spins",
                "; ".join(f"{c['dual']:.3f} vs {c['original']:.3f}" for c in cells), wins,
                "dual accuracy above spin accuracy at every available size"))
    for r in d["table3"]:
        if r["paper"] is not None:
            rows.append(numeric(f"Table 3: latent {r['latent']}, {r['train_size']} samples, "
                                f"n={r['n']}", PAPER_BK + ", Table 3", r["paper"],
                                r["accuracy"], 0.02))
    return rows


def _ising2d_claims(d: dict) -> list[dict]:
    rows = []
    for T0, r in d["T0"].items():
        n = len(r["delta_T"])
        less = sum(o_d < o_o for o_d, o_o in zip(r["overlap_dual"], r["overlap_original"]))
        rows.append(qualitative(f"T0={T0}: energy distributions overlap less in the dual frame",
                                PAPER_BK + ", Fig. 9", "smaller overlap at the dual temperatures",
                                f"smaller for {less} of {n} ΔT", less == n, "every ΔT"))
        gain = sum(a - b for a, b in zip(r["accuracy_dual"], r["accuracy_original"])) / n
        rows.append(qualitative(f"T0={T0}: classification is easier in the dual frame",
                                PAPER_BK + ", Fig. 7", "dual accuracy above original",
                                f"mean gain {gain:+.3f} over {n} ΔT", gain > 0,
                                "mean accuracy gain > 0"))
    return rows


def _fourier_claims(d: dict) -> list[dict]:
    a = d["accuracy"]
    act = d["activation"]
    return [numeric(f"learned representation, amplitude {d['amplitude']}", PAPER_BK + ", sec. 2",
                    0.8802, a["learned"], 0.02),
            numeric("raw samples (simple network near chance)", PAPER_BK + ", sec. 2", 0.5,
                    a["raw"], 0.05),
            qualitative("each frequency carried by two or three learned components",
                        PAPER_BK + ", Figs. 11-14", "2 to 3",
                        f"median {act['median_dims_90']:.0f} (90 % of the energy)",
                        act["median_dims_90"] <= 3, "median components for 90 % <= 3")]


STUDIES: tuple[Study, ...] = tuple(
    [Study(f"discover-{p}", "discover", (p,), _discover_claims, (12.0, 120.0),
           ("embedding_tsne.png", "generators.png")) for p in POTENTIALS]
    + [Study("mnist", "mnist", (), _mnist_claims, (25.0, 300.0), (), paper_data="mnist"),
       Study("cicy", "cicy", (), _cicy_claims, (25.0, 600.0),
             ("manifold_accuracy.png", "accuracy_by_identities.png", "distance_curves.png"),
             data="cicy3"),
       Study("chain", "chain", (), _chain_claims, (30.0, 4400.0),
             ("dual_vs_original.png", "table3.png", "sensitivity.png")),
       Study("ising2d", "ising2d", (), _ising2d_claims, (40.0, 3600.0),
             ("accuracy_vs_delta_T.png", "energy_histograms.png")),
       Study("fourier", "fourier", (), _fourier_claims, (12.0, 40.0),
             ("accuracy_vs_amplitude.png", "activation_matrix.png", "representations.png"))])


def _config(study: Study, paper: bool, seed: int | None):
    module = importlib.import_module(f"symfast.experiments.{study.module}")
    cls = config_class(module)
    over = {} if seed is None else {"seed": seed}
    return module, (cls.paper if paper else cls.quick)(*study.preset_args, **over)


def reproduce(out_dir: str | Path, *, paper: bool = False, force: bool = False,
              seed: int | None = None, progress: bool = True, n_threads: int | None = None,
              only: tuple[str, ...] | None = None) -> dict[str, Any]:
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
    """
    from symfast.experiments._common import config_dict, run_or_resume

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    studies = [s for s in STUDIES if only is None or s.name in only]
    if only is not None:
        unknown = sorted(set(only) - {s.name for s in STUDIES})
        if unknown:
            raise ValueError(f"unknown studies {unknown}; expected some of "
                             f"{[s.name for s in STUDIES]}")
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
        data, resumed = run_or_resume(module, config, sub, force=force, progress=progress,
                                      n_threads=n_threads)
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
    """Why a study cannot run here (its data directory is missing), or None."""
    from symfast._config import DATA_ENV, data_dir

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
