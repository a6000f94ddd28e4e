"""Files: atomic writes (a reader, or a crash, sees the old file or the new one, never half
of one), output-directory checks, and the CSV/NPZ table readers."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp makes 0600; give the usual mode
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:  # data on disk before the rename
            os.fsync(fh.fileno())
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def check_out_dir(path: str | os.PathLike, option: str = "out_dir") -> tuple[Path, list[Path]]:
    """Check, before any work, that results can be written to the directory ``path``.

    The policy: ``path`` is a directory, existing or not; what is missing of it and of
    its parents is created when the first result is written (like ``mkdir -p``).  It is
    refused when it names a file, when one of its parents is a file, or when the nearest
    existing ancestor cannot be written (a temporary file is created and removed there,
    which also catches read-only file systems and, for root, what permissions do not).

    Parameters
    ----------
    path : str or path-like
    option : str, default="out_dir"
        The argument's name in messages (``--out`` on the command line).

    Returns
    -------
    path : Path
    missing : list of Path
        The directories that will be created, outermost first (empty if it exists).

    Raises
    ------
    ValueError
        Naming ``option``, the path and what is wrong.  Nothing is created.
    """
    p = Path(path)
    if str(path) == "":
        raise ValueError(f"{option} must name a directory, got an empty path")
    if p.exists() and not p.is_dir():
        raise ValueError(f"{option} {str(p)!r} is a file; expected a directory (it is created "
                         "if missing)")
    missing, anc = [], p
    while not anc.exists():
        missing.append(anc)
        if anc.parent == anc:
            break
        anc = anc.parent
    if not anc.is_dir():
        raise ValueError(f"{option} {str(p)!r} cannot be created: {str(anc)!r} is a file")
    try:
        fd, probe = tempfile.mkstemp(prefix=".symfast-write-probe-", dir=anc)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ValueError(f"{option} {str(p)!r} is not writable: cannot create a file in "
                         f"{str(anc)!r} ({exc.strerror or exc})") from None
    return p, missing[::-1]


def prepare_out(path: str | os.PathLike, option: str = "--out") -> Path:
    """The command line's check of its output directory, before any work.

    :func:`check_out_dir`, then a note on stderr naming what will be created, so a
    mistyped parent does not pass unnoticed.  Nothing is created here.
    """
    import sys

    p, missing = check_out_dir(path, option)
    if len(missing) > 1:
        print(f"symfast: {option} {p}/ will be created with its missing parent "
              f"director{'ies' if len(missing) > 2 else 'y'} "
              f"{', '.join(str(m) + '/' for m in missing[:-1])}", file=sys.stderr)
    return p


def json_default(obj: Any) -> Any:
    """JSON for NumPy scalars and arrays and paths (``json.dumps(default=...)``)."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot serialise {type(obj).__name__} to JSON")


def write_json(path: str | os.PathLike, data: Any) -> Path:
    """Write ``data`` as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=json_default) + "\n")
    return Path(path)


def write_npz(path: str | os.PathLike, **arrays: np.ndarray) -> Path:
    """Write arrays to a compressed ``.npz``, atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)
    return Path(path)


def save_figure(fig: Any, path: str | os.PathLike, **kwargs: Any) -> Path:
    """Save a matplotlib figure as PNG, atomically, and close it."""
    import matplotlib.pyplot as plt

    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", **kwargs)
    plt.close(fig)
    return Path(path)


# -- reading a table -----------------------------------------------------------------------
def read_table(path: str | Path, target: str, features: Sequence[str] | None = None
               ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Read (X, y) from ``.npz`` (arrays ``X`` and ``y``) or ``.csv`` (a header row).

    Parameters
    ----------
    path : str or Path
    target : str
        The target: for ``.csv``, a column name (several, comma-separated, for
        several outputs); for ``.npz``, the array holding y (usually "y"), or
        ``y:J`` for column J of a 2-D y.
    features : sequence of str, optional
        ``.csv``: the feature columns (default every column but the target);
        ``.npz``: indices of the columns of X to use.

    Returns
    -------
    X : ndarray of shape (n, d), y : ndarray of shape (n,) or (n, m), names : list of str

    Raises
    ------
    FileNotFoundError, ValueError
        Naming the file, and the column or row at fault (missing columns, text
        or missing values, NaN).
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"data file {str(p)!r} does not exist")
    if p.suffix == ".npz":
        return _read_npz(p, target, features)
    if p.suffix == ".csv":
        return _read_csv(p, target, features)
    raise ValueError(f"data file {str(p)!r}: expected a .npz or .csv file, got "
                     f"{p.suffix or 'no suffix'!r}")


def _read_npz(p: Path, target: str, features: Sequence[str] | None):
    with np.load(p, allow_pickle=False) as z:
        arrays = dict(z)
    if "X" not in arrays:
        raise ValueError(f"{p}: holds no array 'X' (arrays: {', '.join(arrays) or 'none'})")
    name, _, col = target.partition(":")
    if name not in arrays:
        raise ValueError(f"{p}: holds no target array {name!r} (arrays: "
                         f"{', '.join(arrays)})")
    X = np.asarray(arrays["X"])
    y = np.asarray(arrays[name])
    if X.ndim != 2:
        raise ValueError(f"{p}: X must be 2-dimensional, got shape {X.shape}")
    if X.shape[0] == 0:
        raise ValueError(f"{p}: X holds no rows (shape {X.shape})")
    if y.shape[:1] != X.shape[:1]:
        raise ValueError(f"{p}: {name!r} has {y.shape[0] if y.ndim else 0} rows, X "
                         f"{X.shape[0]}")
    if col:
        if y.ndim != 2 or not col.isdigit() or int(col) >= y.shape[1]:
            raise ValueError(f"{p}: target {target!r} names column {col} of {name!r}, "
                             f"which has shape {y.shape}")
        y = y[:, int(col)]
    names = [f"x{i}" for i in range(X.shape[1])]
    if features:
        try:
            idx = [int(f) for f in features]
        except ValueError:
            raise ValueError(f"{p}: features of a .npz file are column indices of X, got "
                             f"{list(features)}") from None
        bad = [i for i in idx if not 0 <= i < X.shape[1]]
        if bad:
            raise ValueError(f"{p}: X has {X.shape[1]} columns; no column {bad[0]}")
        X, names = X[:, idx], [names[i] for i in idx]
    _check_finite_rows(p, X, y)
    return X, y, names


def _read_csv(p: Path, target: str, features: Sequence[str] | None):
    import csv

    with open(p, newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise ValueError(f"{p}: the file is empty") from None
        rows, lines = [], []
        for row in reader:
            rows.append(row)
            lines.append(reader.line_num)      # the file line this row ended on
    targets = [t.strip() for t in target.split(",")]
    missing = [c for c in targets + list(features or []) if c not in header]
    if missing:
        raise ValueError(f"{p}: no column {missing[0]!r} (columns: {', '.join(header)})")
    feats = list(features) if features else [h for h in header if h not in targets]
    if not feats:
        raise ValueError(f"{p}: no feature column left besides the target")
    if not rows:
        raise ValueError(f"{p}: no data rows after the header")
    data = np.empty((len(rows), len(header)))
    for r, row in enumerate(rows):
        if len(row) != len(header):
            raise ValueError(f"{p}: {_row_name(r, lines)} has {len(row)} fields, the header "
                             f"{len(header)}")
        for c, v in enumerate(row):
            try:
                data[r, c] = float(v)
            except ValueError:
                raise ValueError(f"{p}: {_row_name(r, lines)}, column {header[c]!r}: {v!r} "
                                 "is not a number") from None
    col = {h: i for i, h in enumerate(header)}
    X = data[:, [col[f] for f in feats]]
    y = data[:, [col[t] for t in targets]]
    y = y[:, 0] if len(targets) == 1 else y
    _check_finite_rows(p, X, y, feats, targets, lines)
    return X, y, feats


def _row_name(r: int, lines: Sequence[int] | None) -> str:
    """How every message names a row: ``data row N`` counts data rows from 1, the
    header excluded; a ``.csv`` adds the line of the file."""
    return f"data row {r + 1}" + (f" (line {lines[r]} of the file)" if lines else "")


def _check_finite_rows(p: Path, X: np.ndarray, y: np.ndarray, feats=None, targets=None,
                       lines: Sequence[int] | None = None) -> None:
    """Refuse NaN, inf and overflowing values, counting them and naming the first."""
    from symfast._validation import MAX_ABS, _plural, bad_values

    for arr, what, names in ((X, "feature", feats), (y, "target", targets)):
        if arr.dtype.kind not in "fiub":
            raise ValueError(f"{p}: the {what} array must hold numbers, got dtype {arr.dtype}")
        a = arr.reshape(arr.shape[0], -1).astype(np.float64)
        found = bad_values(a, MAX_ABS)
        if found is not None:
            kind, bad = found
            r, c = map(int, np.argwhere(bad)[0])
            cname = names[c] if names else str(c)
            nonfinite = kind == "non-finite"
            raise ValueError(
                f"{p}: {_plural(int(bad.sum()), what + ' value')} "
                f"{'NaN or inf' if nonfinite else f'beyond +-{MAX_ABS:.0e}'}; the first "
                f"in {_row_name(r, lines)}, {what} column {cname!r}: {a[r, c]:g}"
                + (" (NaN or inf values must be removed first)" if nonfinite
                   else " (values this large overflow float64 arithmetic; rescale)"))


def data_fingerprint(X: np.ndarray, y: np.ndarray) -> str:
    """SHA-256 of the data, to tell whether a saved result was made from them."""
    h = hashlib.sha256()
    for a in (X, y):
        a = np.ascontiguousarray(a)
        h.update(str((a.shape, a.dtype.str)).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def software_versions() -> dict[str, str]:
    """Versions of symfast, Python and the libraries a result depends on."""
    import platform
    import sys

    from symfast._version import __version__

    out = {"symfast": __version__, "python": platform.python_version(),
           "platform": platform.platform()}
    for mod in ("numpy", "scipy", "torch", "faiss", "sklearn", "numba"):
        m = sys.modules.get(mod)
        if m is not None:
            out[mod] = str(getattr(m, "__version__", "?"))
    return out
