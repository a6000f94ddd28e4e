"""Helpers shared by the torch models: label encoding, seeding, thread scoping."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

import numpy as np
import torch

from symfast._validation import check_array, check_int


try:                                    # scikit-learn's class, where it is installed
    from sklearn.exceptions import NotFittedError as _SklearnNotFitted
except ImportError:                     # pragma: no cover - scikit-learn is a dependency
    _SklearnNotFitted = ValueError


class NotFittedError(_SklearnNotFitted, RuntimeError):
    """Raised when a model is used before ``fit``: scikit-learn's NotFittedError, and a
    RuntimeError as symfast raised before."""


def check_input_X(X, name: str, estimator: str, n_features: int | None = None) -> np.ndarray:
    """Validate an estimator's X with scikit-learn's wording where its checks look for it.

    Refuses sparse matrices (densify first), 1-D arrays (reshape), and a feature count
    other than the fitted one, then applies :func:`symfast._validation.check_array`.
    """
    import scipy.sparse

    if scipy.sparse.issparse(X):
        raise TypeError(f"{name}: sparse input is not supported by {estimator}; pass a dense "
                        "array (X.toarray())")
    arr = np.asarray(X) if not isinstance(X, np.ndarray) else X
    if arr.ndim == 1:
        raise ValueError(f"{name} must be 2-dimensional, got shape {arr.shape}: Reshape your "
                         "data with X.reshape(-1, 1) for one feature or X.reshape(1, -1) for "
                         "one sample")
    if n_features is not None and arr.ndim == 2 and arr.shape[1] != n_features:
        raise ValueError(f"{name} has {arr.shape[1]} features, but {estimator} is expecting "
                         f"{n_features} features as input ({name} must have {n_features} "
                         "columns)")
    return check_array(X, name, ndim=2, n_features=n_features)


def float32_tensor(arr: np.ndarray, name: str) -> torch.Tensor:
    """``arr`` (already validated as finite float64) as a float32 tensor.

    A value beyond float32's range (about 3.4e38) would become inf in the cast and
    poison the training silently; it is refused with an error naming ``name``.
    """
    with np.errstate(over="ignore"):
        out = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.isfinite(out).all():
        bad = int(out.size - np.isfinite(out).sum())
        raise ValueError(f"{name} must fit in float32 (|value| <= 3.4e38): {bad} values "
                         f"overflow it")
    return torch.from_numpy(out)


def encode_labels(y: np.ndarray, n_rows: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Validate labels and map each column to 0..n_classes-1.

    Parameters
    ----------
    y : array_like of shape (n_samples,) or (n_samples, n_heads)
    n_rows : int
        Number of samples in X, which y must match.

    Returns
    -------
    codes : ndarray of shape (n_samples, n_heads), int64
    classes : list of ndarray
        The sorted distinct labels of each head.
    """
    y_arr = np.asarray(y)
    if y_arr.ndim not in (1, 2):
        raise ValueError(f"y must be 1- or 2-dimensional, got shape {y_arr.shape}")
    if y_arr.shape[0] != n_rows:
        raise ValueError(f"X and y must have the same number of rows, got {n_rows} and "
                         f"{y_arr.shape[0]}")
    if y_arr.dtype.kind == "f":
        y_arr = check_array(y_arr, "y", ndim=y_arr.ndim)
    elif y_arr.dtype.kind not in "iubUSO":
        raise TypeError(f"y must hold class labels (integers, floats or strings), got dtype "
                        f"{y_arr.dtype}")
    y2 = y_arr.reshape(n_rows, -1)
    classes, codes = [], np.empty(y2.shape, dtype=np.int64)
    for h in range(y2.shape[1]):
        cls, inv = np.unique(y2[:, h], return_inverse=True)
        if cls.size < 2:
            raise ValueError(f"y column {h} must hold at least 2 classes, got {cls.size}")
        classes.append(cls)
        codes[:, h] = inv
    return codes, classes


@contextmanager
def torch_threads(n_threads: int | None) -> Iterator[None]:
    """Run a block with ``n_threads`` intra-op threads, restoring the old count."""
    if n_threads is None:
        yield
        return
    n_threads = check_int(n_threads, "n_threads", minimum=1)
    old = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(old)


#: torch's global generator is one per process: a block that seeds it holds this lock,
#: so that fits in several threads (``fit_many``'s pool, a user's) each draw their own
#: initial weights.
_global_rng_lock = threading.RLock()


@contextmanager
def seeded(seed: int) -> Iterator[torch.Generator]:
    """Seed torch's global generator for a block without leaking the state.

    Yields a separate generator for data shuffling, seeded from the same seed (it stays
    valid after the block).  The block holds a process-wide lock: keep it to what draws
    from the global generator (building the network), so that other threads' fits are
    not held up.
    """
    with _global_rng_lock, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        gen = torch.Generator().manual_seed(seed + 1)
        yield gen


#: Below this many weight multiply-adds per training step, torch trains on one thread.
#: Measured on 2 cores: an 80-wide MLP (batch 128) took 0.78 s on two threads and 0.81 s
#: on one for 3 epochs of 60,000 samples, so a second thread buys nothing there and one
#: thread leaves the other core to the rest of the process.  (When symfast set
#: OMP_WAIT_POLICY=PASSIVE, every small parallel region paid a thread wake-up: one thread
#: ran at 7.1 us per sample against 17.3 on two; at 315 wide, batch 256, they were even,
#: and at 1024 wide two threads won, 132 against 222.)
SMALL_STEP_WORK = 50_000_000


def training_threads(n_threads: int | None, net: torch.nn.Module, batch_size: int) -> int | None:
    """The intra-op threads to train ``net`` with: the user's choice if given, else one
    thread for small networks and torch's default for large ones."""
    if n_threads is not None:
        return n_threads
    weights = sum(p.numel() for name, p in net.named_parameters() if p.dim() > 1)
    return 1 if weights * batch_size < SMALL_STEP_WORK else None


def adam(params, lr: float, weight_decay: float = 0.0) -> torch.optim.Optimizer:
    """Adam, fused into one kernel where torch offers it on the CPU (torch >= 2.4).

    Measured on the 80-wide benchmark network: 4.6 against 6.0 us per training sample
    (one thread); the update is the same algorithm, in a different rounding order.
    """
    params = list(params)
    try:
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)


def epoch_bar(total: int, enabled: bool, desc: str):
    """A tqdm bar over training epochs, or None when progress is off."""
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="epoch", leave=False)


def check_device(device: str | torch.device | None) -> torch.device:
    """A torch device from a user's ``device=``: "cpu" by default; a clear error for a
    device torch cannot use here."""
    if device is None:
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device must be 'cpu', 'cuda' or another torch device, got "
                         f"{device!r}") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r}: torch sees no CUDA GPU here (this torch "
                         f"build: {torch.__version__}); use device='cpu'")
    if dev.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
    return dev


def to_device(device: str | torch.device | None, net: torch.nn.Module,
              *tensors: torch.Tensor) -> tuple[torch.device, tuple[torch.Tensor, ...]]:
    """Check ``device``, move ``net`` there (in place) and return the device with
    ``tensors`` on it (nothing moves on the CPU)."""
    dev = check_device(device)
    if dev.type != "cpu":
        net.to(dev)
        tensors = tuple(t.to(dev) for t in tensors)
    return dev, tensors
