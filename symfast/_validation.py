"""Argument checks shared by the public API.

Every public function validates its arguments once, here, and raises a
``ValueError`` or ``TypeError`` whose message names the argument, shows the
value and says what was expected.  Code below the boundary assumes valid input.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_int(value: Any, name: str, *, minimum: int | None = None,
              maximum: int | None = None) -> int:
    """Return ``value`` as a Python int, checking type and bounds."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {_short(value)} "
                        f"of type {type(value).__name__}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_float(value: Any, name: str, *, positive: bool = False,
                minimum: float | None = None, maximum: float | None = None) -> float:
    """Return ``value`` as a finite Python float, checking type and bounds."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_short(value)} "
                        f"of type {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_array(X: Any, name: str, *, ndim: int | None = None,
                dtype: Any = np.float64, finite: bool = True,
                min_rows: int = 0, n_features: int | None = None) -> np.ndarray:
    """Coerce ``X`` to a C-contiguous array of ``dtype`` and check it.

    Parameters
    ----------
    X : array_like
        The user's data.
    name : str
        Argument name used in error messages.
    ndim : int, optional
        Required number of dimensions.
    dtype : numpy dtype, default=float64
        Target dtype.  Complex or non-numeric input is refused.
    finite : bool, default=True
        Refuse NaN and inf.
    min_rows : int, default=0
        Minimum length of the first axis.
    n_features : int, optional
        Required length of the second axis.
    """
    if X is None:
        raise TypeError(f"{name} must be an array, got None")
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name} could not be converted to an array: {exc}") from None
    if arr.dtype == object or arr.dtype.kind in "USVmMc":
        raise TypeError(f"{name} must hold real numbers, got an array of dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    if arr.ndim >= 1 and arr.shape[0] < min_rows:
        raise ValueError(f"{name} must have at least {min_rows} rows, got shape {arr.shape}")
    if n_features is not None and (arr.ndim < 2 or arr.shape[1] != n_features):
        raise ValueError(f"{name} must have {n_features} columns, got shape {arr.shape}")
    if arr.ndim == 2 and arr.shape[1] == 0 and arr.shape[0] > 0:
        raise ValueError(f"{name} must have at least one column (feature), got shape "
                         f"{arr.shape}")
    if finite and arr.dtype.kind == "f" and not np.isfinite(arr).all():
        # checked before the cast too: a huge float64 must not turn into a float32 inf quietly
        bad = int(np.size(arr) - np.isfinite(arr).sum())
        raise ValueError(f"{name} must be finite: it holds {bad} NaN or inf values")
    with np.errstate(over="ignore"):
        arr = np.ascontiguousarray(arr, dtype=dtype)
    if finite and arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = int(np.size(arr) - np.isfinite(arr).sum())
        raise ValueError(f"{name} must be finite in {np.dtype(dtype).name}: {bad} values "
                         f"overflow it")
    return arr


def check_seed(seed: Any, name: str = "seed") -> int:
    """A non-negative integer seed below 2**63."""
    return check_int(seed, name, minimum=0, maximum=2**63 - 1)


def check_n_threads(n_threads: Any, name: str = "n_threads") -> int:
    """Resolve a thread count: ``None`` means the library default."""
    from symfast._config import default_threads

    if n_threads is None:
        return default_threads()
    return check_int(n_threads, name, minimum=1, maximum=1024)
