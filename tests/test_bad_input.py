"""Bad input is refused before any work, by the command line and the Python API alike.

One table: each row is a bad input, the command line that receives it, the Python call
that receives it, and the words both messages must contain.  Every CLI case must exit with
status 2, print one ``symfast <command>: error: ...`` line (no traceback) and leave no
output directory behind; every API case must raise ``ValueError`` or ``TypeError``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import symfast
from symfast.cli import main
from symfast._io import read_table

RNG = np.random.default_rng(0)
X_OK = RNG.normal(size=(300, 3))
Y_OK = (X_OK**2).sum(axis=1)


def _csv(path: Path, X: np.ndarray, y: np.ndarray | None, header="a,b,c,E") -> Path:
    rows = [header] + [",".join(repr(float(v)) for v in row)
                       for row in (np.c_[X, y] if y is not None else X)]
    path.write_text("\n".join(rows) + "\n")
    return path


def _big(a: np.ndarray, where: tuple, value=1e300) -> np.ndarray:
    a = a.copy()
    a[where] = value
    return a


def _unwritable(tmp: Path) -> Path:
    """A directory no one may write in: /sys refuses even root; else a 0o555 folder."""
    if os.geteuid() != 0:
        d = tmp / "ro"
        d.mkdir()
        d.chmod(0o555)
        return d / "out"
    return Path("/sys/symfast-test-out")


# (id, files to write: {name: (X, y)}, CLI args with {tmp} and {out}, API call, message)
CASES = [
    ("empty-after-header", {"d.csv": (np.zeros((0, 3)), np.zeros(0))},
     ["discover", "--data", "{tmp}/d.csv", "--target", "E"],
     lambda t: read_table(t / "d.csv", "E"), "no data rows after the header"),
    ("empty-array", {"d.csv": (np.zeros((0, 3)), np.zeros(0))},
     ["discover", "--data", "{tmp}/d.csv", "--target", "E"],
     lambda t: symfast.discover(np.zeros((0, 3)), np.zeros(0), progress=False),
     r"no data rows after the header|X has 0 points"),
    ("target-overflows", {"d.csv": (X_OK, _big(Y_OK, (5,)))},
     ["discover", "--data", "{tmp}/d.csv", "--target", "E"],
     lambda t: symfast.discover(X_OK, _big(Y_OK, (5,)), progress=False),
     r"1 (target )?values? beyond \+-1e\+150"),
    ("feature-overflows-once", {"d.csv": (_big(X_OK, (7, 1)), Y_OK)},
     ["discover", "--data", "{tmp}/d.csv", "--target", "E"],
     lambda t: symfast.find_generators(_big(X_OK, (7, 1))),
     r"1 (feature )?value beyond \+-1e\+150"),
    ("feature-overflow-location", {"d.csv": (_big(X_OK, (7, 1)), Y_OK)},
     ["discover", "--data", "{tmp}/d.csv", "--target", "E"],
     lambda t: symfast.discover(_big(X_OK, (7, 1)), Y_OK, progress=False),
     r"data row 8 \(line 9 of the file\), feature column 'b'|X\[7, 1\] = 1e\+300"),
    ("nan-feature", {"d.csv": (_big(X_OK, (3, 0), np.nan), Y_OK)},
     ["discover", "--data", "{tmp}/d.csv", "--target", "E"],
     lambda t: symfast.discover(_big(X_OK, (3, 0), np.nan), Y_OK, progress=False),
     r"NaN or inf"),
    ("nan-labels", {"d.csv": (X_OK, _big(np.arange(300.0) % 3, (4,), np.nan))},
     ["discover", "--data", "{tmp}/d.csv", "--target", "E"],
     lambda t: symfast.find_generators(X_OK, _big(np.arange(300.0) % 3, (4,), np.nan)),
     r"NaN or inf"),
    ("nan-labels-neighbours", {},
     None,
     lambda t: symfast.analysis.neighbor_purity(X_OK, _big(np.arange(300.0) % 3, (4,),
                                                          np.nan)),
     r"labels must be finite class labels: it holds 1 NaN or inf label \(first labels\[4\]"),
    ("too-few-points", {"d.csv": (X_OK[:3], Y_OK[:3])},
     ["discover", "--data", "{tmp}/d.csv", "--target", "E"],
     lambda t: symfast.find_generators(X_OK[:3]),
     r"X has 3 points; (find_generators needs )?at least"),
    ("missing-file", {},
     ["discover", "--data", "{tmp}/nope.csv", "--target", "E"],
     lambda t: read_table(t / "nope.csv", "E"), "does not exist"),
    ("ragged-row", {},
     ["discover", "--data", "{tmp}/r.csv", "--target", "E"],
     lambda t: read_table(t / "r.csv", "E"), r"data row 2 \(line 3 of the file\) has 1 fields"),
    ("text-value", {},
     ["discover", "--data", "{tmp}/s.csv", "--target", "E"],
     lambda t: read_table(t / "s.csv", "E"),
     r"data row 1 \(line 2 of the file\), column 'E': 'x' is not a number"),
    ("out-is-a-file", {},
     ["discover", "--data", "{tmp}/ok.csv", "--target", "E", "--out", "{tmp}/afile"],
     lambda t: symfast.batch.run_sweep([], out_dir=t / "afile"), "is a file; expected a "
     "directory"),
    ("out-under-a-file", {},
     ["invariance", "--potential", "higgs", "--out", "{tmp}/afile/sub"],
     lambda t: symfast.batch.run_sweep([], out_dir=t / "afile" / "sub"),
     "cannot be created: .* is a file"),
    ("out-not-writable", {},
     ["invariance", "--potential", "higgs", "--out", "{unwritable}"],
     lambda t: symfast.batch.run_sweep([], out_dir=_unwritable(t)), "is not writable"),
]


def _setup(tmp: Path, files: dict) -> None:
    for name, (X, y) in files.items():
        _csv(tmp / name, X, y)
    _csv(tmp / "ok.csv", X_OK, Y_OK)
    (tmp / "r.csv").write_text("a,E\n1,2\n3\n")
    (tmp / "s.csv").write_text("a,E\n1,x\n")
    (tmp / "afile").write_text("not a directory\n")


CLI_CASES = [c for c in CASES if c[2] is not None]     # those a command line can receive


@pytest.mark.parametrize("case", CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_cli_refuses_before_work(case, tmp_path, capsys):
    _, files, argv, _, match = case
    _setup(tmp_path, files)
    out = tmp_path / "out"
    unwritable = _unwritable(tmp_path)
    args = [a.format(tmp=tmp_path, out=out, unwritable=unwritable) for a in argv]
    if "--out" not in args:
        args += ["--out", str(out)]
    before = sorted(p.name for p in tmp_path.iterdir())
    code = main(args + ["--no-progress"])
    err = capsys.readouterr().err
    assert code == 2, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines[-1].startswith(f"symfast {args[0]}: error: "), err
    assert "Traceback" not in err
    import re

    assert re.search(match, lines[-1]), lines[-1]
    # nothing written: no output directory, no new file beside the inputs
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert not Path(args[args.index("--out") + 1]).exists() or case[0] == "out-is-a-file"


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_api_refuses_before_work(case, tmp_path):
    _, files, _, call, match = case
    _setup(tmp_path, files)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises((ValueError, TypeError, FileNotFoundError), match=match):
        call(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_python_m_symfast_runs_the_command():
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-m", "symfast", "--version"], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0 and res.stdout.startswith("symfast "), res


def test_out_parent_policy_is_stated(tmp_path, capsys):
    """A missing parent of --out is created, and the command says so before the work."""
    from symfast._io import prepare_out

    target = tmp_path / "new" / "deeper" / "out"
    prepare_out(target)
    err = capsys.readouterr().err
    assert "will be created with its missing parent directories" in err
    assert str(tmp_path / "new") in err and not (tmp_path / "new").exists()


def test_moved_names_still_import_with_a_deprecation_warning():
    import symfast.experiments.data as old

    for name, new in (("discover", "symfast.symmetry"), ("read_table", "symfast._io")):
        with pytest.warns(DeprecationWarning, match=f"moved to {new}.{name}"):
            assert getattr(old, name) is getattr(__import__(new, fromlist=[name]), name)
