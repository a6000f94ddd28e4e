"""Generator discovery: from a point cloud to the Lie algebra of its symmetry.

Two methods, both data-only:

``pairs`` (Krippendorf & Syvaeri's hyperplane-filtered regression)
    Random planes through two points of a cloud; the points near each plane,
    paired when close, give chord velocities v ~ T m that a least-squares fit
    turns into one candidate generator per plane (compiled kernel,
    ``csrc/_generators.pyx``).  An uncentred PCA over all candidates gives the
    generators.  Right when each cloud is a union of whole orbits that a plane
    cuts in orbits (circles and spheres); wrong for level sets that hold a
    continuum of orbits, which a plane cuts in curves that are not orbits.

``tangent``
    A symmetry generator T moves every point along its level set: T x lies in
    the tangent space at x.  The normal space N(x) is estimated by local PCA
    over the k nearest neighbours; each point contributes the linear
    conditions N(x)^T (T x + b) = 0 on the affine field (T, b), whose null
    space (smallest singular vectors of the stacked conditions) is the
    symmetry algebra.  b absorbs an unknown fixed point, so no centring error
    enters; non-compact generators are admitted.  Rows are trimmed robustly
    (the worst 10 % are dropped, three times) because a few points sit where
    local PCA fails (near the origin, across sampling gaps).

Route choice (``method="auto"``)
    Both normal estimates are tried where they can be had: local PCA, and the
    gradients of a polynomial level function fitted to the labelled clouds
    (:class:`symfast.symmetry.LevelFunction`), used on dense clouds only when it
    is exact and separates the clouds.  The count whose first rejected residual
    lies furthest above its last accepted one wins; below ``MIN_COUNT_GAP`` the
    result is ``unresolved``.  Local PCA alone is fooled by a heavy-tailed
    density along the level sets and fails in high dimension, where an exact
    level function is not; the level function alone takes a coarser invariant
    (one constant on every cloud) when nothing checks that it separates them.

How many generators (when ``n_generators`` is not forced)
    tangent: the residual of each null vector (RMS over points of the sine of
    the angle between T x + b and the tangent space) is compared with the
    noise of the normals themselves, sigma, estimated from the disagreement of
    normals fitted to two halves of each neighbourhood.  Candidates are the
    vectors with residual below ``tol_ratio * sigma`` (default 0.75); their
    number is cut at the largest jump in residual among them and the first
    rejected one.  None below: zero generators.
    pairs: the count is the position of the largest ratio between consecutive
    explained-variance ratios of the candidate PCA, if that ratio is at least
    ``gap_ratio`` (default 5); and zero when the median relative residual of
    the plane fits exceeds ``max_residual`` (default 0.1), because chords of a
    curve that is not an orbit do not follow any linear field.

Modules: ``_pairs`` and ``_tangent`` (the two routes), ``_route`` (:func:`find_generators`
and the route choice), ``_result`` (:class:`SymmetryResult`), ``_surrogate`` and ``_levelfit``
(the polynomial level functions whose gradients serve as normals), ``_tied``
(:func:`find_tied_generators`: one matrix acting on every block of coordinates).
"""

from symfast.symmetry._continuous._levelfit import LevelFunction
from symfast.symmetry._continuous._pairs import plane_candidates, random_planes
from symfast.symmetry._continuous._result import SymmetryResult
from symfast.symmetry._continuous._route import METHODS, NORMAL_SOURCES, find_generators
from symfast.symmetry._continuous._surrogate import PolynomialSurrogate, level_normals
from symfast.symmetry._continuous._tangent import intrinsic_dimension
from symfast.symmetry._continuous._tied import (find_tied_generators, tied_representation,
                                                tied_residuals)

__all__ = ["LevelFunction", "METHODS", "NORMAL_SOURCES", "PolynomialSurrogate",
           "SymmetryResult", "find_generators", "find_tied_generators", "intrinsic_dimension",
           "level_normals", "plane_candidates", "random_planes", "tied_representation",
           "tied_residuals"]
