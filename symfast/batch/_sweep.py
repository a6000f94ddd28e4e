"""Run many tasks over any ``concurrent.futures.Executor``, resumably.

Each task's outcome is written atomically to ``out_dir/<key>/result.json`` (key: a
hash of the task), so a rerun skips what finished; a failed task is recorded with
its traceback in ``out_dir/<key>/failure.json`` and retried up to ``retries`` times
without stopping the others.  ``out_dir/summary.json`` and ``summary.md`` collect
every task's status at the end.
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from symfast._config import default_threads
from symfast._io import atomic_path, write_json
from symfast._validation import check_int
from symfast.batch._tasks import check_task, run_task, task_key


@dataclass
class SweepSummary:
    """Outcome of :func:`run_sweep`: per task key, its task, status and result."""

    out_dir: Path
    tasks: dict[str, dict[str, Any]]
    status: dict[str, str]                      # ok | failed | skipped (finished earlier)
    results: dict[str, Any] = field(repr=False, default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    threads_per_task: int | None = None

    @property
    def n_failed(self) -> int:
        return sum(s == "failed" for s in self.status.values())

    def to_dict(self) -> dict[str, Any]:
        return {"out_dir": str(self.out_dir), "seconds": self.seconds,
                "threads_per_task": self.threads_per_task,
                "counts": {s: list(self.status.values()).count(s)
                           for s in sorted(set(self.status.values()))},
                "tasks": [{"key": k, "task": self.tasks[k], "status": self.status[k],
                           "attempts": self.attempts.get(k, 0)} for k in self.tasks]}

    def table(self) -> str:
        """A Markdown table: key, status, attempts, the task."""
        rows = ["| key | status | attempts | task |", "| --- | --- | --- | --- |"]
        for k, t in self.tasks.items():
            rows.append(f"| {k} | {self.status[k]} | {self.attempts.get(k, 0)} | "
                        f"{json.dumps(t, sort_keys=True)} |")
        return "\n".join(rows) + "\n"


def _local_executor(max_workers: int | None) -> Executor:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: forking a process that already runs torch or OpenMP threads can
    # deadlock the child
    return ProcessPoolExecutor(max_workers=max_workers, mp_context=mp.get_context("spawn"))


def run_sweep(tasks: Iterable[dict[str, Any]], *, executor: Executor | None = None,
              out_dir: str | Path, resume: bool = True, retries: int = 1,
              max_workers: int | None = None, threads_per_task: int | None = None,
              progress: bool = True) -> SweepSummary:
    """Map tasks over an executor, writing each result atomically under ``out_dir``.

    Parameters
    ----------
    tasks : iterable of dict
        Study or kernel tasks (see :mod:`symfast.batch`); duplicates run once.
    executor : concurrent.futures.Executor, optional
        Where tasks run: default a local process pool (``max_workers`` processes);
        for a Dask cluster pass ``distributed.Client(...).get_executor()``.
    out_dir : path
        One subdirectory per task key, plus ``summary.json`` and ``summary.md``.
    resume : bool, default=True
        Skip tasks whose ``result.json`` exists.
    retries : int, default=1
        Extra attempts for a failed task.
    max_workers : int, optional
        Size of the default process pool (default: one per CPU).
    threads_per_task : int, optional
        Threads each task may use (kernels, FAISS, torch).  Default: with the local
        pool, the CPUs shared out among its workers (``cpus // workers``, at least
        1), so that the workers together never oversubscribe the machine; with
        another executor, symfast's default in each worker (all its CPUs).
    progress : bool, default=True
        A progress bar as tasks finish.

    Returns
    -------
    SweepSummary
    """
    checked = [check_task(t) for t in tasks]
    retries = check_int(retries, "retries", minimum=0)
    if max_workers is not None:
        max_workers = check_int(max_workers, "max_workers", minimum=1)
    if threads_per_task is not None:
        threads_per_task = check_int(threads_per_task, "threads_per_task", minimum=1)
    elif executor is None:
        threads_per_task = max(1, default_threads() // (max_workers or default_threads()))
    from symfast._io import check_out_dir

    out, _ = check_out_dir(out_dir, "out_dir")
    out.mkdir(parents=True, exist_ok=True)
    todo: dict[str, dict[str, Any]] = {}
    for t in checked:
        todo.setdefault(task_key(t), t)
    summary = SweepSummary(out_dir=out, tasks=dict(todo), status={},
                           threads_per_task=threads_per_task)
    t0 = time.perf_counter()
    pending_keys = []
    for key, task in todo.items():
        done = out / key / "result.json"
        if resume and done.is_file():
            summary.status[key] = "skipped"
            summary.results[key] = json.loads(done.read_text())["result"]
        else:
            pending_keys.append(key)
            write_json(out / key / "task.json", task)
    own = executor is None and pending_keys
    ex = _local_executor(max_workers or default_threads()) if own else executor
    bar = None
    if progress and pending_keys:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(pending_keys), desc="sweep", unit="task")
    try:
        running: dict[Future, str] = {}
        for key in pending_keys:
            running[ex.submit(run_task, todo[key], threads_per_task)] = key
            summary.attempts[key] = 1
        while running:
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for fut in finished:
                key = running.pop(fut)
                try:
                    outcome = fut.result()
                except Exception as exc:      # the executor itself failed (worker died)
                    outcome = {"status": "failed", "error": f"{type(exc).__name__}: {exc}",
                               "traceback": ""}
                if outcome["status"] == "ok":
                    write_json(out / key / "result.json", {"task": todo[key], **outcome})
                    failure = out / key / "failure.json"
                    if failure.exists():
                        failure.unlink()
                    summary.status[key] = "ok"
                    summary.results[key] = outcome["result"]
                else:
                    write_json(out / key / "failure.json",
                               {"task": todo[key], "attempt": summary.attempts[key], **outcome})
                    if summary.attempts[key] <= retries:
                        summary.attempts[key] += 1
                        running[ex.submit(run_task, todo[key], threads_per_task)] = key
                        continue
                    summary.status[key] = "failed"
                    print(f"task {key} failed after {summary.attempts[key]} attempt(s): "
                          f"{outcome['error']} (traceback in {out / key / 'failure.json'})",
                          file=sys.stderr)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(failed=summary.n_failed)
    finally:
        if bar is not None:
            bar.close()
        if own:
            ex.shutdown(wait=True, cancel_futures=True)
        summary.seconds = time.perf_counter() - t0
        for key in todo:
            summary.status.setdefault(key, "interrupted")
        write_json(out / "summary.json", summary.to_dict())
        with atomic_path(out / "summary.md") as tmp:
            tmp.write_text(summary.table())
    return summary
