"""A study's trainings, batched: many checkpointed units fitted by :func:`symfast.nn.fit_many`.

A study lists its trainings as :class:`Unit` s (a checkpoint key, an estimator, a function
that builds its data when its turn comes, a function that turns the fitted estimator into
the unit's record).  :func:`fit_units` groups them by architecture, fits each group in
chunks, and records a chunk's units together once it is done: a killed study resumes at
the first unfinished chunk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Hashable, Sequence

#: Members of one batched fit, at most: a chunk is also the unit of resuming.
MAX_MEMBERS = 128
#: Float elements of training data (samples x features, summed over members) in one
#: batched fit, at most (4 bytes each, held twice: the data and its epoch order).
MAX_ELEMENTS = 1 << 25


@dataclass
class Unit:
    """One training of a study.

    Attributes
    ----------
    key : str
        The checkpoint key its record is saved under.
    group : hashable
        Units of one group share an architecture and batch size (they are batched together).
    estimator : estimator
        Unfitted; :func:`symfast.nn.fit_many` fits it.
    data : callable
        ``data() -> tuple``: the arguments of the estimator's ``fit``, built when its chunk
        runs (so that a study's datasets are not all held at once).
    size : int
        Training samples times features, for sizing chunks.
    summary : callable
        ``summary(fitted_estimator) -> dict``: the unit's record.
    """

    key: str
    group: Hashable
    estimator: Any
    data: Callable[[], tuple]
    size: int
    summary: Callable[[Any], dict]


def chunks(units: Sequence[Unit], max_members: int = MAX_MEMBERS,
           max_elements: int = MAX_ELEMENTS) -> list[list[Unit]]:
    """Split units (one group, in order) into chunks within both limits."""
    out: list[list[Unit]] = []
    cur: list[Unit] = []
    total = 0
    for u in units:
        if cur and (len(cur) >= max_members or total + u.size > max_elements):
            out.append(cur)
            cur, total = [], 0
        cur.append(u)
        total += u.size
    if cur:
        out.append(cur)
    return out


def fit_units(units: Sequence[Unit], record: Callable[[dict[str, Any]], None], *,
              n_threads: int | None = None, device: str | None = None,
              progress: bool = False, desc: str = "training",
              on_chunk: Callable[[int], None] | None = None,
              max_members: int = MAX_MEMBERS, stack: bool | None = None) -> None:
    """Fit ``units`` batched, group by group and chunk by chunk, recording each chunk.

    Parameters
    ----------
    units : sequence of Unit
        Grouped by ``Unit.group`` in order of first appearance; within a group, units of
        one size go together (their epochs then stay aligned, the batched fit's fast case).
    record : callable
        ``record({key: record, ...})``, called once per chunk (a study's checkpoint).
    n_threads, device
        For :func:`symfast.nn.fit_many`.
    progress : bool
        A progress bar per batched fit.
    desc : str
        The bars' label.
    on_chunk : callable, optional
        ``on_chunk(n_units)`` after each chunk (to advance a study's own bar).
    max_members : int
        Members per batched fit at most.
    stack : bool, optional
        For :func:`symfast.nn.fit_many`: stack the members (True), fit them alone over a
        thread pool (False), or let it choose (None).
    """
    from symfast.nn import fit_many

    groups: dict[Hashable, list[Unit]] = {}
    for u in units:
        groups.setdefault(u.group, []).append(u)
    plan = [c for g in groups.values()
            for c in chunks(sorted(g, key=lambda u: u.size), max_members)]
    for i, chunk in enumerate(plan, 1):
        estimators = [u.estimator for u in chunk]
        fit_many(estimators, [u.data() for u in chunk], n_threads=n_threads, device=device,
                 progress=progress, desc=f"{desc} {i}/{len(plan)}", stack=stack)
        record({u.key: u.summary(u.estimator) for u in chunk})
        if on_chunk is not None:
            on_chunk(len(chunk))
