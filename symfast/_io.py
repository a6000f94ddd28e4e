"""Atomic writes: a reader (or a crash) sees the old file or the new one, never half of one."""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

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
