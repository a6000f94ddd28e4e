"""Library-wide settings: thread counts and where data files live."""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "SYMFAST_DATA"
THREADS_ENV = "SYMFAST_NUM_THREADS"


def default_threads() -> int:
    """Threads the compiled kernels use when ``n_threads=None``.

    ``SYMFAST_NUM_THREADS`` if set, else the number of CPUs this process may
    run on.
    """
    env = os.environ.get(THREADS_ENV)
    if env:
        try:
            value = int(env)
        except ValueError:
            raise ValueError(f"{THREADS_ENV} must be a positive integer, got {env!r}") from None
        if value < 1:
            raise ValueError(f"{THREADS_ENV} must be a positive integer, got {env!r}")
        return value
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def data_dir(path: str | os.PathLike | None = None, *, required: bool = True) -> Path | None:
    """Directory that holds symfast's data files.

    Parameters
    ----------
    path : path-like, optional
        An explicit directory; wins over the environment.
    required : bool, default=True
        Raise when no directory is found; otherwise return ``None``.

    Notes
    -----
    symfast never downloads data: it reads the files the user names, or those
    under ``$SYMFAST_DATA``.
    """
    candidate = path if path is not None else os.environ.get(DATA_ENV)
    if candidate is None:
        if required:
            raise FileNotFoundError(
                f"no data directory: pass a path or set {DATA_ENV} to a directory "
                "holding the data (for example cicy3/ and mnist/)")
        return None
    p = Path(candidate).expanduser()
    if not p.is_dir():
        if required:
            source = "path" if path is not None else DATA_ENV
            raise FileNotFoundError(f"{source}={str(candidate)!r} is not a directory")
        return None
    return p
