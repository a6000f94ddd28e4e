"""Shared fixtures: seeded generators, a headless matplotlib, the data directory."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[1]

# Tests read real data from ../shared/data unless SYMFAST_DATA says otherwise.
if "SYMFAST_DATA" not in os.environ and (REPO.parent / "shared" / "data").is_dir():
    os.environ["SYMFAST_DATA"] = str(REPO.parent / "shared" / "data")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


#: Modules whose module-scoped set-up runs for minutes (reproduce --quick trains every
#: study): collected first, so that under pytest-xdist one worker starts on them while the
#: others share the rest, instead of the longest job starting last.
LONG_FIRST = ("test_reproduce.py",)


def pytest_collection_modifyitems(session, config, items):
    items.sort(key=lambda item: item.path.name not in LONG_FIRST)     # stable: order kept
