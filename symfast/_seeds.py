"""Independent random streams derived from one seed.

A study's ``seed`` decides every random stream it draws: data, splits, network
initialisations.  Each stream's seed comes from ``numpy.random.SeedSequence`` over
the study seed and the stream's own key, so streams never share state: seed 0's
"test data" stream is unrelated to seed 100's "training data" stream, as it was
not when streams were ``seed + offset``.
"""

from __future__ import annotations

import zlib

import numpy as np


def derive_seed(seed: int, *keys: int | float | str) -> int:
    """A seed in [0, 2^63) for the stream named by ``keys`` under study seed ``seed``.

    Parameters
    ----------
    seed : int
        The study's seed (non-negative).
    *keys : int, float or str
        What the stream is for: a name ("classifier"), indices, temperatures.
        Floats are keyed at a resolution of 1e-9; strings by their CRC-32.

    Examples
    --------
    >>> derive_seed(0, "train", 1) == derive_seed(0, "train", 1)
    True
    >>> derive_seed(0, "train", 1) != derive_seed(1, "train", 1)
    True
    """
    entropy = [int(seed)]
    for k in keys:
        if isinstance(k, str):
            entropy.append(zlib.crc32(k.encode()))
        elif isinstance(k, (float, np.floating)):
            entropy.append(int(round(float(k) * 1e9)) & (2**64 - 1))
        else:
            entropy.append(int(k) & (2**64 - 1))
    state = np.random.SeedSequence(entropy).generate_state(1, dtype=np.uint64)[0]
    return int(state >> np.uint64(1))
