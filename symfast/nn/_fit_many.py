"""fit_many: independent estimators of one architecture fitted as one batched computation
(the engine is :func:`symfast.nn._batched.run_plans`), or one by one where they cannot be
stacked.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from symfast.nn._batched import STACK_THREAD_WORK, run_plans
from symfast.nn._utils import check_device


def fit_many(estimators: Sequence[Any], datasets: Sequence[Sequence[Any]], *,
             n_threads: int | None = None, device: str | None = None,
             progress: bool = False, desc: str | None = None,
             stack: bool | None = None) -> list[Any]:
    """Fit independent estimators of one architecture as one batched computation.

    Each estimator is fitted on its own data, with its own seed, data order, early
    stopping and best-epoch bookkeeping, and ends as the model a lone ``fit`` would give
    up to floating-point rounding (the batched products add in another order).

    Dense ReLU networks (an EmbeddingClassifier without batch normalisation, a
    ScoredClassifier's MLP) train alone on symfast's compiled epoch faster than any stack
    of them in torch (measured: 10 chain classifiers, 0.18 s one after another against
    0.56 s stacked); on the CPU, ``fit_many`` then runs their lone fits over a pool of
    ``n_threads`` threads (the compiled epoch releases the GIL), and each ends as exactly
    the model its lone ``fit`` gives.

    Parameters
    ----------
    estimators : sequence of estimators
        EmbeddingClassifier, ScoredClassifier or TaskAutoencoder instances of one class
        and one architecture (the same layer widths, number of inputs and of classes);
        learning rates, seeds, epochs and early-stopping settings may differ.
    datasets : sequence of tuple
        One per estimator: the positional arguments of its ``fit``, e.g. ``(X, y)``, or
        ``(X, y, X_test, y_test)`` for a ScoredClassifier.  Lengths may differ.
    n_threads : int, optional
        torch intra-op threads for a stacked fit.  Default: torch's (every core) once a
        step's work (members x weights x batch size) reaches ``STACK_THREAD_WORK``, one
        thread below.  Members fitted alone: the threads of the pool (default: every core
        symfast may use, ``SYMFAST_NUM_THREADS``).  On a machine other processes keep
        busy, give it explicitly.
    device : str, optional
        "cpu" (default) or a torch device such as "cuda"; the fitted models come back on
        the CPU.
    progress : bool, default=False
        One progress bar for the whole fit: member-epochs done, members still training,
        the furthest epoch and the best score so far.
    desc : str, optional
        The bar's label (default: the estimators' class name).
    stack : bool, optional
        True: stack the members into one torch computation; False: fit each alone (over
        a thread pool on the CPU).  Default: alone where every member trains on the
        compiled epoch and the device is the CPU, stacked otherwise.

    Returns
    -------
    list
        The estimators, fitted (the same objects).

    Raises
    ------
    ValueError
        Different classes or architectures, a network that cannot be batched (batch
        normalisation, dropout), or unequal batch sizes or optimisers.
    """
    from symfast.nn._training import COMPILED, STACKED, backends_of
    from symfast.nn._utils import torch_threads

    estimators = list(estimators)
    datasets = list(datasets)
    if len(estimators) != len(datasets):
        raise ValueError(f"fit_many needs one dataset per estimator, got {len(estimators)} "
                         f"estimators and {len(datasets)} datasets")
    if not estimators:
        return []
    kinds = {type(e) for e in estimators}
    if len(kinds) > 1:
        raise ValueError("fit_many batches estimators of one class, got "
                         + ", ".join(sorted(k.__name__ for k in kinds)))
    est0 = estimators[0]
    if STACKED not in backends_of(est0):
        raise TypeError(f"{type(est0).__name__} cannot be fitted by fit_many (it does not "
                        "declare the stacked backend); use EmbeddingClassifier, "
                        "ScoredClassifier or TaskAutoencoder, or fit it alone")
    dev = check_device(device)
    for i, d in enumerate(datasets):
        if not isinstance(d, (tuple, list)):
            raise TypeError(f"datasets[{i}] must be a tuple of fit's arguments such as "
                            f"(X, y), got {type(d).__name__}")
    if stack is None:
        stack = dev.type != "cpu" or not all(COMPILED in backends_of(e) for e in estimators)
    if not stack:
        if dev.type != "cpu":
            raise ValueError(f"fit_many(stack=False) fits each member alone on the CPU; "
                             f"device={device!r} needs stack=True")
        return _fit_alone(estimators, datasets, n_threads=n_threads, progress=progress,
                          desc=desc or type(est0).__name__)
    plans = [e._batched_plan(*d) for e, d in zip(estimators, datasets)]
    threads = n_threads
    if threads is None:
        # a stack is worth a second thread sooner than a lone network: measured on 2 idle
        # cores, 10 chain classifiers (step work 0.8M multiply-adds) 71 against 59 us per
        # member-step, 128 of them 45 against 33, 8 autoencoders 4.6 against 3.2 s an
        # epoch.  On a core another process keeps busy, threads wait on each other (21
        # against 2.8 ms an autoencoder step): pass n_threads there.
        work = len(plans) * plans[0].batch_size * sum(
            p.numel() for p in plans[0].net.parameters() if p.dim() > 1)
        threads = 1 if work < STACK_THREAD_WORK else None
    with torch_threads(threads):
        run_plans(plans, device=dev, progress=progress, desc=desc or type(est0).__name__)
        for e, p in zip(estimators, plans):
            e._batched_finish(p)
    return estimators


def _fit_alone(estimators: list[Any], datasets: list[Sequence[Any]], *,
               n_threads: int | None, progress: bool, desc: str) -> list[Any]:
    """Each estimator's own ``fit``, over a pool of threads, under one progress bar."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from symfast._threads import blas_limits
    from symfast._validation import check_n_threads

    workers = min(check_n_threads(n_threads), len(estimators))
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(estimators), desc=desc, unit="net", leave=False)
    best = -math.inf

    # set by a member's error (or Ctrl-C): the members not started yet then return at once.
    # Cancelling the queued futures alone raced: with one worker, the worker that raised
    # went on to the next members before the main thread saw the error and cancelled them
    # (tests/test_fit_many.py, under load in CI; observed)
    stop = threading.Event()

    def fit(i: int) -> Any:
        est = estimators[i]
        if stop.is_set():
            return est                    # dropped, not run
        # a member's own epoch bar would fight the pool's bar: off for its fit
        had_bar = getattr(est, "progress", None)
        if had_bar:
            est.progress = False
        try:
            return est.fit(*datasets[i])
        except BaseException:
            stop.set()
            raise
        finally:
            if had_bar:
                est.progress = had_bar

    # one BLAS limit for the whole pool (one thread per member: the products are small)
    with blas_limits(1, shared=True):
        pool = ThreadPoolExecutor(workers)
        try:
            for est in pool.map(fit, range(len(estimators))):
                if bar is not None:
                    # an accuracy where the estimator has one (the autoencoder has none)
                    score = getattr(est, "_progress_score", lambda: math.nan)()
                    best = max(best, score) if score == score else best
                    bar.update(1)
                    if best > -math.inf:
                        bar.set_postfix(best=f"{best:.4f}")
        except BaseException:
            # Ctrl-C or a member's error: the members not started yet are dropped, not run
            stop.set()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        finally:
            pool.shutdown(wait=True)
            if bar is not None:
                bar.close()
    return estimators
