"""Discrete symmetries of sampled level sets: time to the named group at the issue's scale.

``find_discrete_symmetries`` on the paper's eleven level sets of built-in potentials
whose groups are worked out by hand: D4 (``z4``, 4510 points in R^2), the component
group Z2 of O(3) (``so3``, 4510 points in R^3), S3 = D3 (``s3``, 11000 points in R^3:
at 410 points per level set the rotations about its (1, 1, 1) axis are near-symmetries
and the answer is "unresolved") and Z2 x Z2 (``so2xso2``, 11000 points in R^4); and
D4 again through a shear, with ``metric="invariant"``.  The
issue's target is under 5 s for 4,500 points in R^2 or R^3 on 2 cores.

No reference route stands beside it: no package finds finite symmetry groups of point
clouds (the paper leaves the step open), and the route a user would write instead, a
scan of O(2) on a grid of angles scored by nearest-sample distances (SciPy k-d trees),
found 6 or 7 of D4's 8 elements on these samples (measured), so its time would not be
the time to the same result.  The group's name is checked, so a fast wrong answer fails.
"""

from __future__ import annotations

import numpy as np
import pytest

from symfast import find_discrete_symmetries
from symfast.potentials import PAPER_LEVELS, get, sample_level_sets

#: (potential, points per level set, metric): "invariant" on z4 seen through a shear
CASES = [("z4", 410, "euclidean"), ("so3", 410, "euclidean"), ("s3", 1000, "euclidean"),
         ("so2xso2", 1000, "euclidean"), ("z4", 410, "invariant")]
SHEAR = np.array([[1.0, 0.6], [0.0, 2.5]])


@pytest.mark.parametrize("name, per, metric", CASES)
def test_find_discrete_symmetries(benchmark, name, per, metric):
    X, y = sample_level_sets(name, PAPER_LEVELS, per_class=per, seed=1)
    if metric == "invariant":
        X = X @ SHEAR.T
    benchmark.group = (f"discrete symmetries {name} {X.shape[0]} points in R^{X.shape[1]}"
                       + (" sheared, metric=invariant" if metric == "invariant" else ""))
    benchmark.extra_info.update(role="kernel", items=1, points=X.shape[0], dim=X.shape[1])
    res = benchmark.pedantic(find_discrete_symmetries, args=(X, y),
                             kwargs={"seed": 1, "metric": metric}, rounds=2, iterations=1)
    benchmark.extra_info.update(group=res.name, order=res.order,
                                continuous_dim=res.continuous_dim)
    assert res.name == get(name).discrete_group


# -- issue 31: the 10-frame protocol, timed ----------------------------------------------------
#: One draw of a plane group (d3, 400 points per level set: target 1 s a search) and of
#: space groups (S4 = T_d, B3 = O_h of order 48 and I_h of order 120, 1000 per level:
#: target 5 s), each seen in 10 random orthogonal frames (``frames_discrete.py``'s
#: protocol, without its re-draws).  SYMFAST_BENCH_TINY=1 runs 2 frames.
FRAMES = 2 if __import__("os").environ.get("SYMFAST_BENCH_TINY") else 10


@pytest.mark.parametrize("name", ["d3", "S4", "B3", "Ih"])
def test_ten_random_frames(benchmark, name):
    from scipy.stats import ortho_group

    from frames_discrete import BUILTINS, HAND_PER, _draw

    per = HAND_PER.get(name, BUILTINS.get(name))
    X, y, dim, truth, _ = _draw(name, per, 100)
    frames = [ortho_group.rvs(dim, random_state=f) for f in range(FRAMES)]
    benchmark.group = f"discrete symmetries, {FRAMES} random frames: {name} {X.shape[0]} " \
                      f"points in R^{dim}"
    benchmark.extra_info.update(role="kernel", items=FRAMES, points=X.shape[0], dim=dim,
                                target_seconds_per_search=1.0 if dim == 2 else 5.0)

    def run():
        return [find_discrete_symmetries(X @ Q.T, y, seed=f, stability=0)
                for f, Q in enumerate(frames)]

    results = benchmark.pedantic(run, rounds=1, iterations=1)
    names = [r.name for r in results]
    benchmark.extra_info.update(names=names, right=sum(n == truth[0] for n in names))
    # a wrong group fails; an unresolved frame is counted, not failed (frames_discrete.py
    # states the success rates)
    assert all(n in (truth[0], "unresolved") for n in names), names
