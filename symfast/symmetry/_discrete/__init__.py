"""Discrete symmetries of sampled level sets: the step the paper leaves open (its Sec. 3.4).

A finite group of affine maps g(x) = c + A (x - c) that sends every sampled level
set onto itself is found in five steps:

1. **Centring.**  A symmetry of the sampled distribution fixes its mean c; the
   maps sought are orthogonal in the input's metric about it (rotations,
   reflections, permutations of coordinates in any orthonormal frame), written in
   y = (x - c) / s for the cloud's RMS radius s.
2. **Candidates from matched points.**  A map is fixed by where it sends d - 1
   independent points (up to the sign of the last direction).  Anchor points a_i
   are drawn from the cloud; their possible images are points q_i of the same
   level set with |q_i| = |a_i| and <q_i, q_j> = <a_i, a_j> within the sampling
   spacing (widened by the standard error of c, which a symmetry's fixed point
   differs from).  Each consistent tuple gives two orthogonal candidates (det +1
   and det -1).
3. **Refinement and acceptance.**  Candidates close to the cloud (median distance
   to the nearest sample under 6 spacings) are refined by ICP: rigid Procrustes on
   nearest-sample matches, then rigid point-to-plane Gauss-Newton steps.  A map is
   scored by the median offset of the mapped samples from the local plane of their
   nearest samples of the same level set, in units of the samples' own offsets
   (the same estimator): about 1 for a symmetry, however sparse the samples.  Maps
   scoring under ``accept`` are kept, up to the first jump by 1.6x in the sorted
   scores (maps that only come close to a symmetry sit above it).  Each new element
   that scores like a symmetry brings its products with the known ones at once
   (a product of symmetries is one), so the candidates soon repeat known elements
   and the search stops.  Where no jump is found and the maps do not close into a
   group, the cut at the largest ratio is tried and kept only if its maps close
   into a group that passes the tests of step 5.  The local planes are fitted by a
   compiled kernel (``symfast._ext._planes``); the refinement's first steps use the
   nearest sample's plane, its last steps planes fitted at the mapped points.
4. **Continuous part.**  When the level sets also have a continuous symmetry,
   its compact generators (antisymmetric in these coordinates) span the
   identity component G0, and accepted maps are grouped into cosets of G0: the
   result is the component group (O(2) -> Z2).  A generator is kept only if its
   flow holds at finite angles (the search for it is first order, and passes
   near-symmetries on sparse samples), and a map only if it normalises G0
   (g K g^-1 stays in span K, as any symmetry must: the near-symmetries of
   so3xso2 fail this by 0.36-1.0, its true cosets pass within 0.06).
5. **Closure and polish.**  Products of accepted elements are added while they
   pass the same test and duplicates are merged; the Cayley table, a minimal
   generating set and the name follow from the table.  The elements are then
   refined on every sample, averaged into an exact representation
   (g_i <- mean_j g_(ij) g_j^-1, then the nearest orthogonal matrix) and given
   their common fixed point.  The square and cube roots of every rotation are
   tested last: a finite group's roots are elements or fail, so a root that
   passes without being an element means the samples show a family of
   near-symmetries, not a finite group, and the result is "unresolved".

Skewed frames.  By default the maps sought are orthogonal in the input's metric.  A
symmetry seen in a skewed linear frame (features in different units, a shear) is not
orthogonal there; ``metric="invariant"`` first learns a frame where it is.  Whitening
the sample covariance alone is not enough (its sampling error, a fraction of a
percent, already moves a thin band off itself: z4 came out Z2), so maps are fitted as
general linear ones and the mean of L^T L over them, an invariant quadratic form of a
finite group, corrects the frame; once the group is found its elements give the form
again, and the search runs once more.

Limits.  A
finite cloud cannot tell a large finite group from a continuous one
(the paper's footnote 9): once the rotation angle 2 pi / n of a cyclic factor
falls below about the angular spacing of the samples on a level set (roughly
2 pi / (points per level set) in 2D), neighbouring rotations pass the test too, the
closure grows past ``max_order`` (120 by default, the order of I_h) and the result
says so.  Maps that are symmetries only within the sampling width (a perturbation
smaller than the spacing) are accepted: the resolution is the sampling spacing.  An
``unresolved`` reason names the density at which the groups measured in that dimension
came out right (400 points per level set in R^2, 1000 in R^3 to R^5;
``docs/tables/discrete_frames.csv``), or asks for twice the points where the cloud
already has that many.

Modules: ``_candidates`` (matched frames, flows of the continuous part), ``_scoring`` (how
well a map keeps the level sets), ``_closure`` (products, table, cosets of the identity
component), ``_frame`` (the invariant metric), ``_find`` (:func:`find_discrete_symmetries`),
``_finite_groups`` (naming a finite group from its table) and ``_result``.
"""

from symfast.symmetry._discrete._find import find_discrete_symmetries
from symfast.symmetry._discrete._result import DiscreteSymmetryResult
from symfast.symmetry._discrete._scoring import METRICS

__all__ = ["DiscreteSymmetryResult", "METRICS", "find_discrete_symmetries"]
