"""What the package declares matches what it builds and ships.

The build itself (sdist -> wheel from the sdist -> a fresh environment) is checked by
``.ci/package-check`` (``make package-check``), which CI runs after the suite.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:                                     # pragma: no cover - Python 3.10
    import tomli as tomllib

from symfast._ext import KERNELS
from symfast.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_kernels_listed_once_for_setup_info_and_sources():
    built = re.findall(r'\("symfast\._ext\.(\w+)"', (ROOT / "setup.py").read_text())
    sources = sorted(p.stem for p in (ROOT / "csrc").glob("*.pyx"))
    assert sorted(built) == sorted(KERNELS) == sources


def test_info_lists_every_kernel_as_built(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert f"compiled kernels ({len(KERNELS)})" in out
    for name in KERNELS:
        assert re.search(rf"^  {name}\s+built", out, flags=re.M), (name, out)


def test_manifest_ships_every_build_source():
    """setup.py cythonizes csrc/*.pyx with csrc/*.pxd and *.h: the sdist must hold them."""
    manifest = (ROOT / "MANIFEST.in").read_text()
    assert re.search(r"^recursive-include csrc .*\*\.pyx.*\*\.pxd.*\*\.h", manifest, re.M)


def test_extras_are_declared():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert {"hep", "dask", "docs", "test"} <= set(meta["optional-dependencies"])
    assert meta["scripts"]["symfast"] == "symfast.cli:main"
    assert (ROOT / "symfast" / "__main__.py").is_file()
