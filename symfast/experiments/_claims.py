"""Rows of the reproduction report: a published claim beside symfast's value and a verdict.

Each study module builds its rows with :func:`numeric` and :func:`qualitative` in its
``claims`` function (``STUDY.claims``); ``symfast reproduce`` collects them.
"""

from __future__ import annotations

from typing import Any

PAPER_KS = "Krippendorf & Syvaeri, arXiv 2003.13679"
PAPER_BK = "Betzler & Krippendorf, arXiv 2002.05169"


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
