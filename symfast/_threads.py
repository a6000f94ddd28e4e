"""Thread limits scoped to one call, restored afterwards.

symfast changes no process-wide setting for good: ``import symfast`` leaves
``os.environ`` alone, and a call that is given ``n_threads`` limits the thread
pools it uses for its own duration only:

* the compiled kernels take ``n_threads`` as an argument (OpenMP ``num_threads``);
* FAISS, OpenMP runtimes and BLAS go through :func:`thread_limits`
  (threadpoolctl), which restores the previous limits on exit;
* torch's intra-op threads go through ``symfast.nn``'s scoped count.

OpenMP's thread limit is a per-thread setting (the calling thread's ``nthreads``
ICV), so two Python threads that run symfast calls with different ``n_threads``
do not disturb each other's FAISS or torch pools.  BLAS libraries (OpenBLAS) keep
one process-wide count; a limit on them is restored on exit but is visible to
other threads meanwhile.
"""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager
from typing import Any, Iterator

from symfast._validation import check_n_threads

_lock = threading.Lock()
_controller: Any = None
_controller_modules = -1


def _threadpool_controller() -> Any:
    """A threadpoolctl controller of the libraries loaded now (re-made after imports)."""
    global _controller, _controller_modules
    from threadpoolctl import ThreadpoolController

    with _lock:
        # a controller knows the libraries loaded when it was made: make a new one
        # once more modules are imported (FAISS or torch may have brought a runtime)
        if _controller is None or _controller_modules != len(sys.modules):
            _controller = ThreadpoolController()
            _controller_modules = len(sys.modules)
        return _controller


@contextmanager
def thread_limits(n_threads: int | None) -> Iterator[int]:
    """Limit the OpenMP (FAISS included) and BLAS pools to ``n_threads`` in a block.

    Parameters
    ----------
    n_threads : int or None
        None means symfast's default (``SYMFAST_NUM_THREADS``, else every CPU this
        process may use).

    Yields
    ------
    int
        The thread count in force.
    """
    n = check_n_threads(n_threads)
    with _threadpool_controller().limit(limits=n):
        yield n


#: Callers inside a block that holds one BLAS limit for all its threads (see
#: :func:`blas_limits`); their own limits are skipped meanwhile.
_blas_shared = 0


@contextmanager
def blas_limits(n_threads: int | None, *, shared: bool = False) -> Iterator[None]:
    """Limit the BLAS pools (only) to ``n_threads`` in a block.

    BLAS keeps one process-wide count, so limits set and restored by several Python
    threads at once would interleave and could leave the wrong count behind.  A caller
    that runs work over a thread pool sets the limit once with ``shared=True`` around the
    pool; inside it, every other ``blas_limits`` is a no-op.
    """
    global _blas_shared
    if _blas_shared and not shared:
        yield
        return
    n = check_n_threads(n_threads)
    with _threadpool_controller().limit(limits=n, user_api="blas"):
        if not shared:
            yield
            return
        with _lock:
            _blas_shared += 1
        try:
            yield
        finally:
            with _lock:
                _blas_shared -= 1
