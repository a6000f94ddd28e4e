"""`symfast reproduce --quick`: every study runs, every row of the report is filled."""

from __future__ import annotations

import importlib.util
import json

import pytest

from symfast._config import data_dir
from symfast.experiments.reproduce import numeric, qualitative, report_studies


def test_verdicts():
    assert numeric("c", "p", 0.9, 0.91, 0.02)["verdict"] == "reproduced"
    assert numeric("c", "p", 0.9, 0.95, 0.02)["verdict"] == "close"
    assert numeric("c", "p", 0.9, 0.5, 0.02)["verdict"] == "not reproduced"
    assert numeric("c", "p", 0.9, None, 0.02)["verdict"] == "not run"
    assert qualitative("c", "p", "a", "b", False, "t")["verdict"] == "not reproduced"


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    from symfast.experiments.reproduce import reproduce

    out = tmp_path_factory.mktemp("reproduce")
    return out, reproduce(out, progress=False)


def test_quick_reproduction_fills_every_row(quick_report):
    out, report = quick_report
    assert [s["study"] for s in report["sections"]] == [s.name for s in report_studies()]
    d = data_dir(required=False)
    have_cicy = d is not None and (d / "cicy3").is_dir()
    have_hep = all(importlib.util.find_spec(m) is not None for m in ("pythia8mc", "fastjet"))
    skipped = [s["study"] for s in report["sections"] if s.get("skipped")]
    # only for want of their data (the CICY studies read SYMFAST_DATA/cicy3) or of the
    # optional extra symfast[hep] (the jets are generated with Pythia and FastJet)
    assert skipped == (([] if have_cicy else ["cicy", "identifier", "hodge"])
                       + ([] if have_hep else ["jets"]))
    rows = [r for s in report["sections"] if not s.get("skipped") for r in s["claims"]]
    assert len(rows) >= 28
    for r in rows:
        assert r["symfast"] is not None, r
        assert r["verdict"] in ("reproduced", "close", "not reproduced"), r
        assert r["published"] is not None and r["tolerance"], r
    for name in ("report.md", "report.html", "report.json"):
        assert (out / name).stat().st_size > 1000
    assert json.loads((out / "report.json").read_text())["summary"] == report["summary"]
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 10       # figures embedded


def test_a_second_run_resumes_every_study(quick_report):
    from symfast.experiments.reproduce import reproduce

    out, first = quick_report
    again = reproduce(out, progress=False)
    assert all(s["resumed"] for s in again["sections"] if not s.get("skipped"))
    assert again["summary"] == first["summary"]


def test_paper_scale_skips_mnist_without_its_data(tmp_path, monkeypatch):
    from symfast.experiments.reproduce import _missing_data

    monkeypatch.setenv("SYMFAST_DATA", str(tmp_path))
    mnist = next(s for s in report_studies() if s.name == "mnist")
    assert _missing_data(mnist, paper=False) is None          # quick falls back
    assert _missing_data(mnist, paper=True) == "skipped: mnist/ not found (set SYMFAST_DATA)"
