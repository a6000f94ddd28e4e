"""Argument checks shared by the public API.

Every public function validates its arguments once, here, and raises a
``ValueError`` or ``TypeError`` whose message names the argument, shows the
value and says what was expected.  Code below the boundary assumes valid input.
"""

from __future__ import annotations

import numbers
import warnings
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


#: The largest magnitude a float input may hold.  Beyond it the squares and sums of
#: the arithmetic downstream (standardising, distances, polynomial features) overflow
#: float64 (whose squares end near 1.3e154), and the failure would surface far from its
#: cause ("SVD did not converge"); the boundary refuses it instead, naming the argument.
MAX_ABS = 1e150


def _where(arr: np.ndarray, mask: np.ndarray, name: str) -> str:
    """``name[i, j] = value`` of the first True entry of ``mask`` (0-based NumPy indices)."""
    idx = tuple(int(i) for i in np.argwhere(mask)[0])
    return f"{name}[{', '.join(map(str, idx))}] = {arr[idx].item()!r}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def bad_values(arr: np.ndarray, limit: float) -> tuple[str, np.ndarray] | None:
    """The first kind of bad value in the float array ``arr``, with its mask.

    ``("non-finite", mask)`` for NaN or inf, else ``("too large", mask)`` for magnitudes
    above ``limit``, else None.  Callers word the message (array indices or file rows).
    """
    ok = np.isfinite(arr)
    if not ok.all():
        return "non-finite", ~ok
    # a limit beyond the input's own range cannot be exceeded (and would overflow when
    # NumPy casts it to that dtype for the comparison)
    if arr.size and np.isfinite(limit) and limit < float(np.finfo(arr.dtype).max):
        big = np.abs(arr) > limit
        if big.any():
            return "too large", big
    return None


def check_array(X: Any, name: str, *, ndim: int | None = None,
                dtype: Any = np.float64, finite: bool = True,
                min_rows: int = 0, n_features: int | None = None,
                max_abs: float | None = MAX_ABS) -> np.ndarray:
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
    max_abs : float or None, default=MAX_ABS
        Refuse magnitudes above this (and above the range of ``dtype``), checked with
        ``finite``.  ``None`` checks only the range of ``dtype``.

    Notes
    -----
    Messages locate the first offending value with 0-based NumPy indices
    (``X[7, 1] = 1e+300``) and count every offending value.
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
    target = np.dtype(dtype)
    if finite and arr.dtype.kind == "f":
        # checked before the cast: a huge float64 must not turn into a float32 inf quietly
        limit = np.inf if max_abs is None else float(max_abs)
        if target.kind == "f":
            limit = min(limit, float(np.finfo(target).max))
        found = bad_values(arr, limit)
        if found is not None and found[0] == "non-finite":
            raise ValueError(f"{name} must be finite: it holds "
                             f"{_plural(int(found[1].sum()), 'NaN or inf value')} "
                             f"(first {_where(arr, found[1], name)})")
        if found is not None:
            why = (f"the range of {target.name}" if limit < (max_abs or np.inf)
                   else "float64 arithmetic (squares, sums)")
            raise ValueError(f"{name} holds {_plural(int(found[1].sum()), 'value')} beyond "
                             f"+-{limit:.3g} (first {_where(arr, found[1], name)}): values "
                             f"this large overflow {why}; rescale the data")
    with np.errstate(over="ignore"):
        arr = np.ascontiguousarray(arr, dtype=dtype)
    if finite and arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = int(np.size(arr) - np.isfinite(arr).sum())
        raise ValueError(f"{name} must be finite in {target.name}: {bad} values "
                         f"overflow it")
    return arr


def check_labels(labels: Any, name: str, n: int, *, against: str = "X",
                 ndim: tuple[int, ...] = (1,)) -> np.ndarray:
    """Class labels for ``n`` points: integers, strings or finite floats.

    NaN and inf are refused: NaN cannot name a class (NaN != NaN, so every NaN point
    would be a class of its own).

    Parameters
    ----------
    labels : array_like of shape (n,) (or (n, m) where ``2 in ndim``)
    name : str
        Argument name used in error messages.
    n : int
        Number of points the labels must match.
    against : str, default="X"
        Name of the argument holding the points, for the message.
    ndim : tuple of int, default=(1,)
        Accepted numbers of dimensions.

    Returns
    -------
    ndarray
        The labels, unchanged in dtype.
    """
    if labels is None:
        raise TypeError(f"{name} must be an array of class labels, got None")
    lab = np.asarray(labels)
    if lab.dtype == object:
        raise TypeError(f"{name} must hold numbers or strings, got an array of objects")
    if lab.dtype.kind not in "iubfUS":
        raise TypeError(f"{name} must hold class labels (integers, floats or strings), got "
                        f"dtype {lab.dtype}")
    if lab.ndim not in ndim or lab.shape[0] != n:
        shapes = " or ".join(f"({n},)" if k == 1 else f"({n}, m)" for k in ndim)
        raise ValueError(f"{name} must have shape {shapes} to match {against}, got "
                         f"{lab.shape}")
    if lab.dtype.kind == "f":
        ok = np.isfinite(lab)
        if not ok.all():
            raise ValueError(f"{name} must be finite class labels: it holds "
                             f"{_plural(int(ok.size - ok.sum()), 'NaN or inf label')} "
                             f"(first {_where(lab, ~ok, name)})")
    return lab


def check_seed(seed: Any, name: str = "seed") -> int:
    """A non-negative integer seed below 2**63."""
    return check_int(seed, name, minimum=0, maximum=2**63 - 1)


def check_n_threads(n_threads: Any, name: str = "n_threads") -> int:
    """Resolve a thread count: ``None`` means the library default."""
    from symfast._config import default_threads

    if n_threads is None:
        return default_threads()
    return check_int(n_threads, name, minimum=1, maximum=1024)


def take_renamed(owner: str, given: dict[str, Any], renames: dict[str, str]) -> dict[str, Any]:
    """Keywords given under a spelling the package dropped, keyed by their new name.

    ``given`` is the ``**renamed`` catch-all of a function or estimator whose keywords now
    have one spelling across the package (``max_epochs``, ``embed_dim``, ``standardize``,
    ``center``).  A known old name warns (``DeprecationWarning``; it goes in the next
    release); any other keyword raises the ``TypeError`` Python would.
    """
    out: dict[str, Any] = {}
    for old, value in given.items():
        if old not in renames:
            raise TypeError(f"{owner}() got an unexpected keyword argument {old!r}")
        new = renames[old]
        warnings.warn(f"{owner}({old}=...) is now spelt {new}=...; the old name goes in the "
                      "next release", DeprecationWarning, stacklevel=3)
        out[new] = value
    return out
