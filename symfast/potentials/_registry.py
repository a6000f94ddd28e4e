"""Built-in potentials with their known invariance groups (the ground truth)."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, Callable, Mapping

import numpy as np

from symfast.potentials._polynomial import Polynomial, radial_squared

#: The paper's classes: V_k = [k/5 - 1e-3, k/5 + 1e-3] for k = -5..5.
PAPER_LEVELS: tuple[float, ...] = tuple(k / 5 for k in range(-5, 6))
PAPER_WIDTH: float = 1e-3

#: Coefficient a of the quartic well r^4 - a r^2 used throughout.
HIGGS_A: float = 2.3


@dataclass(frozen=True, eq=False)
class Potential:
    """A potential with its known continuous invariance.

    Attributes
    ----------
    name : str
        Registry name.
    dim : int
        Dimension d of the input space.
    radius : float
        Radius of the ball in which level sets are sampled; every paper level
        in [-1, 1] is reached inside it.
    polynomial : Polynomial, tuple of Polynomial, or None
        The potential itself, V(x) as a polynomial in d variables; a tuple of m
        polynomials for a potential with m real outputs (Re W and Im W of a
        holomorphic W); None for a potential given by ``function`` only.
    generators : ndarray of shape (k, d, d)
        A basis of the Lie algebra of the continuous invariance: matrices T (with
        ``translations`` b) such that every level set is preserved by the field
        x -> T x + b, i.e. grad V(x) . (T x + b) = 0; k = 0 when the potential has
        no continuous symmetry.
    group : str
        Name of the continuous invariance group (``"none"`` when k = 0).
    discrete : str
        Known discrete symmetries beyond those of the continuous group.
    description : str
        The formula, for humans.
    translations : ndarray of shape (k, d), optional
        Translation parts of the generators (zero when omitted).
    algebra : str
        The exact symmetry algebra by name (as :func:`symfast.symmetry.describe_algebra`
        names it), worked out by hand.
    function : callable, optional
        Vectorised V(X) -> (n,) or (n, m) for a potential that is not a polynomial.
    default_levels, default_width : optional
        The levels (applied to every output) and window half-width that the
        studies use for this potential instead of the paper's eleven levels.
    study_defaults : mapping
        Settings the studies use for this potential (network layout, ...).
    discrete_group : str
        The finite group of linear maps preserving every level set, modulo the
        identity component of the continuous symmetry (the component group), by
        its name in :func:`symfast.symmetry.find_discrete_symmetries`, worked out by hand.
    components : callable, optional
        ``components(X, values)`` -> int labels of the exact connected pieces of
        each joint level set (values of shape (n, m): the level each point's class
        stands for), for potentials whose orbit families are known in closed form.
    """

    name: str
    dim: int
    radius: float
    polynomial: Polynomial | tuple[Polynomial, ...] | None
    generators: np.ndarray
    group: str
    discrete: str = ""
    description: str = ""
    tags: tuple[str, ...] = field(default=())
    translations: np.ndarray | None = None
    algebra: str = ""
    function: Callable[[np.ndarray], np.ndarray] | None = None
    default_levels: tuple[float, ...] | None = None
    default_width: float | None = None
    study_defaults: Mapping[str, Any] = field(default_factory=dict)
    components: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    discrete_group: str = ""

    @property
    def polynomials(self) -> tuple[Polynomial, ...]:
        """The output polynomials, one per output (empty for a non-polynomial potential)."""
        if self.polynomial is None:
            return ()
        return self.polynomial if isinstance(self.polynomial, tuple) else (self.polynomial,)

    @property
    def n_outputs(self) -> int:
        """Number of real outputs m (2 for a complex potential)."""
        if self.polynomial is None:
            return int(self.study_defaults.get("outputs", 1))
        return len(self.polynomials)

    @property
    def symmetry(self) -> Any:
        """The exact continuous symmetry as a :class:`symfast.symmetry.Symmetry`: the
        generators and translations worked out by hand, named by ``algebra`` (the finite
        part is known by name only, ``discrete_group``, and left out of the arrays)."""
        from symfast.symmetry._algebra._realforms import describe_algebra
        from symfast.symmetry._object import Symmetry

        T = np.asarray(self.generators, dtype=np.float64).reshape(-1, self.dim, self.dim)
        desc = describe_algebra(T, self.affine_translations)
        name = self.algebra or desc.name
        if T.shape[0] == 0 and self.discrete_group not in ("", "trivial"):
            name = self.discrete_group              # as Symmetry.from_results names it
        return Symmetry(lie_algebra=T, translations=self.affine_translations,
                        discrete_generators=np.zeros((0, self.dim, self.dim)), elements=None,
                        center=None, name=name,
                        isomorphic=tuple(desc.isomorphic), compact_part=desc.compact_part,
                        is_compact=desc.is_compact,
                        component_group=self.discrete_group or None,
                        diagnostics={"source": f"exact ({self.name})"})

    @property
    def affine_translations(self) -> np.ndarray:
        """``translations`` as an array of shape (k, d) (zeros when not given)."""
        if self.translations is None:
            return np.zeros((self.n_generators, self.dim))
        return np.asarray(self.translations, dtype=np.float64)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """V at the rows of ``X`` of shape (n, dim); shape (n,), or (n, m) for m outputs."""
        if self.polynomial is None:
            return np.asarray(self.function(np.asarray(X, dtype=np.float64)), dtype=np.float64)
        vals = [p(X) for p in self.polynomials]
        return vals[0] if len(vals) == 1 else np.stack(vals, axis=1)

    def gradient(self, X: np.ndarray) -> np.ndarray:
        """grad V at the rows of ``X``; shape (n, dim), or (n, m, dim) for m outputs.

        Exact for polynomials; central differences for a ``function`` potential.
        """
        if self.polynomial is None:
            from symfast.potentials._joint import numerical_jacobian

            J = numerical_jacobian(self, np.asarray(X, dtype=np.float64), self.n_outputs)
            return J[:, 0] if self.n_outputs == 1 else J
        grads = [p.gradient(X) for p in self.polynomials]
        return grads[0] if len(grads) == 1 else np.stack(grads, axis=1)

    def orbit_count(self, level: float, width: float = PAPER_WIDTH,
                    n_grid: int = 2_000_001) -> int | None:
        """Exact number of orbits in the window ``|V - level| <= width``, or None.

        Known only for radial potentials, where V depends on r alone: the
        window is a union of spherical shells (a ball when it holds the
        origin), one per interval of r in [0, radius] with ``|V(r) - level| <=``
        width, and each shell is a single SO(d) orbit family that a network
        cannot split.  The intervals are read off V on a grid of ``n_grid``
        radii, far finer than the thinnest shell (width / max ``|dV/dr|``).
        """
        shells = self.shell_intervals(level, width, n_grid)
        return None if shells is None else int(shells.shape[0])

    def shell_intervals(self, level: float, width: float = PAPER_WIDTH,
                        n_grid: int = 2_000_001) -> np.ndarray | None:
        """The shells of :meth:`orbit_count` as radial intervals, shape (n_shells, 2), or None.

        Inner first; read off V on ``n_grid`` radii.
        """
        if "radial" not in self.tags or self.n_outputs != 1:
            return None
        r = np.linspace(0.0, self.radius, n_grid)
        pts = np.zeros((n_grid, self.dim))
        pts[:, 0] = r
        inside = np.abs(self.polynomial(pts) - level) <= width
        edges = np.flatnonzero(np.diff(np.concatenate([[0], inside.astype(np.int8), [0]])))
        return np.stack([r[edges[0::2]], r[edges[1::2] - 1]], axis=1)

    def shell_shares(self, level: float, width: float = PAPER_WIDTH) -> np.ndarray | None:
        """Share of a uniform sample of the window that each shell holds, or None.

        Each shell of :meth:`shell_intervals` weighted by its volume, the integral of
        r^(d-1) dr (uniform sampling in the band, the paper's distribution).  In high
        dimensions an inner shell holds little: for ``so6`` at V = -0.4 under 1 %.
        """
        iv = self.shell_intervals(level, width)
        if iv is None:
            return None
        vol = iv[:, 1] ** self.dim - iv[:, 0] ** self.dim
        return vol / vol.sum() if vol.sum() > 0 else vol

    @property
    def n_generators(self) -> int:
        return int(self.generators.shape[0])

    def __repr__(self) -> str:
        return (f"Potential(name={self.name!r}, dim={self.dim}, group={self.group!r}, "
                f"n_generators={self.n_generators})")


def so_generators(dim: int, axes: list[int] | None = None) -> np.ndarray:
    """Basis L_ij = E_ji - E_ij (i < j, both in ``axes``) of so(len(axes)) inside gl(dim).

    Returns
    -------
    ndarray of shape (m (m - 1) / 2, dim, dim)
        For dim = 2 the single generator is [[0, -1], [1, 0]], the
        counter-clockwise rotation.
    """
    axes = list(range(dim)) if axes is None else list(axes)
    gens = []
    for i, j in combinations(axes, 2):
        T = np.zeros((dim, dim))
        T[j, i] = 1.0
        T[i, j] = -1.0
        gens.append(T)
    return np.array(gens).reshape(len(gens), dim, dim)


def _quartic_well(s: Polynomial, a: float = HIGGS_A, b: float = 1.0) -> Polynomial:
    """b s^2 - a s for s = a sum of squares."""
    return b * (s * s) - a * s


def _radial(name: str, dim: int) -> Potential:
    r2 = radial_squared(dim)
    return Potential(
        name=name, dim=dim, radius=2.0, polynomial=_quartic_well(r2),
        generators=so_generators(dim), group=f"SO({dim})",
        description=f"V = r^4 - {HIGGS_A} r^2 in {dim}D",
        tags=("radial",), algebra={2: "u(1)"}.get(dim, f"so({dim})"),
        discrete_group="Z2")        # O(d) / SO(d)


def _block(name: str, dims: tuple[int, int]) -> Potential:
    d = sum(dims)
    ax1 = list(range(dims[0]))
    ax2 = list(range(dims[0], d))
    s1, s2 = radial_squared(d, ax1), radial_squared(d, ax2)
    # f(s) = s^2 - 2.3 s and g(s) = 2 s^2 - s: different wells, so the two
    # blocks cannot be rotated into each other and the group is exactly
    # SO(m) x SO(n).
    V = _quartic_well(s1) + _quartic_well(s2, a=1.0, b=2.0)
    gens = np.concatenate([so_generators(d, ax1), so_generators(d, ax2)])
    return Potential(
        name=name, dim=d, radius=2.0, polynomial=V, generators=gens,
        group=f"SO({dims[0]})xSO({dims[1]})",
        algebra={(2, 2): "u(1)+u(1)", (3, 2): "so(3)+u(1)"}[dims],
        discrete_group="Z2xZ2",     # O(m) x O(n) / SO(m) x SO(n)
        description=(f"V = f(x1^2+..+x{dims[0]}^2) + g(x{dims[0] + 1}^2+..+x{d}^2), "
                     "f(s) = s^2 - 2.3 s, g(s) = 2 s^2 - s"),
        tags=("product",),
        # on uniform samples the fields mixing the two blocks of so3xso2 come within a
        # factor 2 of the true generators' residuals at 1000 points per level (the count
        # rule then reads so(5)); 3000 separate them by a factor 3.6
        study_defaults={"discover_per_class": 3000} if dims == (3, 2) else {})


def _z4() -> Potential:
    x, y = Polynomial.variable(0, 2), Polynomial.variable(1, 2)
    r2 = radial_squared(2)
    c = 0.25
    # r^4 cos(4 theta) = Re (x + i y)^4 = x^4 - 6 x^2 y^2 + y^4
    V = _quartic_well(r2) + c * (x * x * x * x - 6.0 * x * x * y * y + y * y * y * y)
    return Potential(
        name="z4", dim=2, radius=2.0, polynomial=V, generators=np.zeros((0, 2, 2)),
        group="none", discrete="Z4 rotations by pi/2 (and the reflections of D4)",
        algebra="trivial", discrete_group="D4",
        description=f"V = r^4 - {HIGGS_A} r^2 + {c} r^4 cos(4 theta)",
        tags=("negative-control",))


def _generic() -> Potential:
    x, y = Polynomial.variable(0, 2), Polynomial.variable(1, 2)
    r2 = radial_squared(2)
    # Cubic, quadratic and linear terms with unrelated coefficients break
    # every rotation and reflection; the quartic keeps V bounded below and
    # every level in [-1, 1] inside radius 2.
    V = (_quartic_well(r2) + 0.15 * x * x * x - 0.1 * x * x * y + 0.1 * y * y * y
         + 0.3 * x * y + 0.2 * x)
    return Potential(
        name="generic", dim=2, radius=2.0, polynomial=V, generators=np.zeros((0, 2, 2)),
        group="none", discrete="none", algebra="trivial", discrete_group="trivial",
        description=(f"V = r^4 - {HIGGS_A} r^2 + 0.15 x^3 - 0.1 x^2 y + 0.1 y^3 "
                     "+ 0.3 x y + 0.2 x"),
        tags=("negative-control",))


def so_pq_generators(p: int, q: int) -> np.ndarray:
    """Basis of so(p, q) = {X : X^T eta + eta X = 0}, eta = diag(+1 * p, -1 * q).

    X = eta A for the antisymmetric A = E_ji - E_ij (i < j): rotations among the
    first p or among the last q axes, boosts mixing the two.  Shape
    ((p + q)(p + q - 1) / 2, p + q, p + q).
    """
    eta = np.diag([1.0] * p + [-1.0] * q)
    return np.einsum("ij,kjl->kil", eta, so_generators(p + q))


def _quadratic_form(name: str, signs: tuple[int, ...], algebra: str, group: str) -> Potential:
    d = len(signs)
    V = Polynomial.constant(0.0, d)
    for i, s in enumerate(signs):
        xi = Polynomial.variable(i, d)
        V = V + float(s) * (xi * xi)
    p = sum(1 for s in signs if s > 0)
    # order the axes so that eta = diag(+..+, -..-) matches signs
    order = [i for i, s in enumerate(signs) if s > 0] + [i for i, s in enumerate(signs) if s < 0]
    G = so_pq_generators(p, d - p)
    P = np.eye(d)[:, order]                           # new axis j is old axis order[j]
    G = np.einsum("ij,kjl,ml->kim", P, G, P)
    terms = " ".join(f"{'+' if s > 0 else '-'} x{i}^2" for i, s in enumerate(signs)).lstrip("+ ")
    return Potential(name=name, dim=d, radius=2.0, polynomial=V, generators=G, group=group,
                     description=f"V = {terms} (a quadratic form of signature "
                                 f"({p}, {d - p}))", tags=("non-compact",), algebra=algebra,
                     # O(p, q) has four components; the maps that keep the sampled ball,
                     # O(p) x O(q), meet all four: Z2 x Z2
                     discrete_group="Z2xZ2")


def _squeeze() -> Potential:
    x, y = Polynomial.variable(0, 2), Polynomial.variable(1, 2)
    return Potential(name="squeeze", dim=2, radius=2.0, polynomial=x * y,
                     generators=np.diag([1.0, -1.0])[None], group="SO(1,1) (squeezes)",
                     description="V = x y: hyperbolas, preserved by (x, y) -> (e^t x, e^-t y)",
                     tags=("non-compact",), algebra="r",
                     # the orthogonal maps that keep x y: +-1 and +-(x, y) -> (y, x)
                     discrete_group="Z2xZ2")


def _translation_function(X: np.ndarray) -> np.ndarray:
    return np.sin(X[:, 0] - X[:, 1]) + X[:, 2] ** 2


def _translation() -> Potential:
    e = np.array([1.0, 1.0, 0.0]) / np.sqrt(2.0)
    u1 = np.array([1.0, -1.0, 0.0]) / np.sqrt(2.0)
    u2 = np.array([0.0, 0.0, 1.0])
    # V depends on x - y and z only, so every field along e that is affine in x,
    # (a . x + beta) e, preserves every level set: the translation along e, the
    # dilation along e and the two shears that move points along e in proportion
    # to x - y or z.  Nothing else does (sin(s) + z^2 has no continuous symmetry in
    # the (s, z) plane).
    G = np.array([np.zeros((3, 3)), np.outer(e, e), np.outer(e, u1), np.outer(e, u2)])
    b = np.zeros((4, 3))
    b[0] = e
    return Potential(
        name="translation", dim=3, radius=3.0, polynomial=None, generators=G,
        translations=b, group="R (translation along (1,1,0)) with the affine fields along it",
        description=("V = sin(x - y) + z^2: invariant under the translation along (1, 1, 0); "
                     "every affine field (a . x + beta)(1, 1, 0) preserves its level sets, "
                     "so the exact affine algebra is r⋉r^3 (translation and shears as r^3, "
                     "the dilation along the axis acting on them)"),
        tags=("non-compact", "affine"), algebra="r⋉r^3", function=_translation_function,
        # z -> -z and (x, y) -> (-y, -x) (which keeps x - y), inside the ball
        discrete_group="Z2xZ2")


def superpotential_generators() -> np.ndarray:
    """The 12 real generators of so(4, C) acting on C^4 = R^8 (Re z, Im z).

    They are the complex-linear maps A of z = (x1, x2, y1, y2) that preserve the
    quadratic form u = x1 y2 - x2 y1 = z^T Q z (A^T Q + Q A = 0), taken with real
    and imaginary multiples and written as real 8 x 8 matrices [[Re A, -Im A],
    [Im A, Re A]].
    """
    Q = np.zeros((4, 4))
    Q[0, 3] = Q[3, 0] = 0.5
    Q[1, 2] = Q[2, 1] = -0.5
    M = []
    for k in range(16):
        E = np.zeros(16)
        E[k] = 1.0
        E = E.reshape(4, 4)
        M.append((E.T @ Q + Q @ E).ravel())
    _, s, Vt = np.linalg.svd(np.array(M).T)
    null = Vt[int(np.sum(s > 1e-10)):]
    out = []
    for v in null:
        A = v.reshape(4, 4)
        for Ac in (A, 1j * A):
            out.append(np.block([[Ac.real, -Ac.imag], [Ac.imag, Ac.real]]))
    return np.array(out)


def superpotential_u(X: np.ndarray) -> np.ndarray:
    """u = x1 y2 - x2 y1 (complex) at the rows of X in R^8 = (Re z, Im z)."""
    z = X[:, :4] + 1j * X[:, 4:]
    return z[:, 0] * z[:, 3] - z[:, 1] * z[:, 2]


def superpotential_branches(X: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Which root of u^2/2 + u - W = 0, u = -1 +- sqrt(1 + 2 W), each point lies nearer.

    ``values`` (n, 2) holds (Re W, Im W) of each point's class.  {W = w} is the union
    of {u = u+} and {u = u-}; each is one orbit of the complex-linear maps that
    preserve u, so a joint class holds exactly two orbit families (w != -1/2).
    """
    W = values[:, 0] + 1j * values[:, 1]
    root = np.sqrt(1.0 + 2.0 * W + 0j)
    u = superpotential_u(X)
    return (np.abs(u - (-1.0 - root)) < np.abs(u - (-1.0 + root))).astype(np.int64)


def _superpotential() -> Potential:
    d = 8
    a = [Polynomial.variable(i, d) for i in range(d)]
    # z = (x1, x2, y1, y2) with Re z = a[0:4], Im z = a[4:8]; u = x1 y2 - x2 y1
    re_u = a[0] * a[3] - a[4] * a[7] - (a[1] * a[2] - a[5] * a[6])
    im_u = a[0] * a[7] + a[4] * a[3] - (a[1] * a[6] + a[5] * a[2])
    re_w = re_u + 0.5 * (re_u * re_u - im_u * im_u)
    im_w = im_u + re_u * im_u
    return Potential(
        name="superpotential", dim=d, radius=4.0, polynomial=(re_w, im_w),
        generators=superpotential_generators(), group="SO(4,C) (contains SU(2) and SU(2)xSU(2))",
        description=("W = u + u^2/2, u = x1 y2 - x2 y1, x, y in C^2 (Krippendorf & Syvaeri, "
                     "eq. 3); inputs (Re x1, Re x2, Re y1, Re y2, Im x1, Im x2, Im y1, Im y2), "
                     "outputs (Re W, Im W).  The level sets {W = w} are preserved by every "
                     "complex-linear map that preserves u: so(4,C), whose compact part so(4) = "
                     "su(2)+su(2) holds the paper's SU(2)"),
        tags=("non-compact", "multi-output"), algebra="so(4,C)",
        default_levels=tuple(float(k) for k in range(-5, 6)), default_width=1e-2,
        study_defaults={"hidden": (60, 60, 60, 60, 60, 60), "embed_dim": 60},
        components=superpotential_branches)


def _rotated(dim: int, angles: tuple[float, ...]) -> list[Polynomial]:
    """Coordinates u = Q x as polynomials, Q a product of plane rotations by ``angles``.

    The built-ins with finite groups are stated in rotated coordinates, so that a
    method cannot find their mirrors and rotations along the axes by accident.
    """
    Q = np.eye(dim)
    planes = [(i, j) for i in range(dim) for j in range(i + 1, dim)]
    for (i, j), a in zip(planes, angles):
        R = np.eye(dim)
        R[i, i] = R[j, j] = np.cos(a)
        R[i, j], R[j, i] = -np.sin(a), np.sin(a)
        Q = R @ Q
    xs = [Polynomial.variable(k, dim) for k in range(dim)]
    out = []
    for i in range(dim):
        u = Polynomial.constant(0.0, dim)
        for k in range(dim):
            u = u + float(Q[i, k]) * xs[k]
        out.append(u)
    return out


def _dihedral3() -> Potential:
    u, v = _rotated(2, (0.35,))
    r2 = u * u + v * v
    V = _quartic_well(r2) + 0.3 * (u * u * u - 3.0 * u * v * v)      # r^3 cos 3 theta
    return Potential(
        name="d3", dim=2, radius=2.0, polynomial=V, generators=np.zeros((0, 2, 2)),
        group="none", discrete="D3: rotations by 2 pi / 3 and three reflections",
        description=f"V = r^4 - {HIGGS_A} r^2 + 0.3 r^3 cos 3 theta, in axes rotated by 0.35 rad",
        tags=("discrete",), algebra="trivial", discrete_group="D3")


def _chiral3() -> Potential:
    u, v = _rotated(2, (-0.6,))
    r2 = u * u + v * v
    cos3 = u * u * u - 3.0 * u * v * v                               # r^3 cos 3 theta
    u2, v2 = u * u, v * v
    sin6 = 6.0 * u2 * u2 * u * v - 20.0 * u2 * u * v2 * v + 6.0 * u * v2 * v2 * v   # r^6 sin 6t
    V = _quartic_well(r2) + 0.3 * cos3 + 0.05 * sin6
    return Potential(
        name="z3", dim=2, radius=2.0, polynomial=V, generators=np.zeros((0, 2, 2)),
        group="none", discrete="Z3: rotations by 2 pi / 3 only (sin 6 theta breaks every "
                              "reflection)",
        description=(f"V = r^4 - {HIGGS_A} r^2 + 0.3 r^3 cos 3 theta + 0.05 r^6 sin 6 theta, "
                     "in axes rotated by -0.6 rad"),
        tags=("discrete",), algebra="trivial", discrete_group="Z3")


def _permutations3() -> Potential:
    u = _rotated(3, (0.3, -0.5, 0.8))
    p2 = u[0] * u[0] + u[1] * u[1] + u[2] * u[2]
    p3 = u[0] * u[0] * u[0] + u[1] * u[1] * u[1] + u[2] * u[2] * u[2]
    e1 = u[0] + u[1] + u[2]
    V = _quartic_well(p2) + 0.5 * p3 + 0.2 * e1
    return Potential(
        name="s3", dim=3, radius=2.0, polynomial=V, generators=np.zeros((0, 3, 3)),
        group="none", discrete="S3: the permutations of the three (rotated) coordinates",
        description=(f"V = p2^2 - {HIGGS_A} p2 + 0.5 p3 + 0.2 e1 with p_k = sum u_i^k, "
                     "e1 = sum u_i, u = Q x for a fixed rotation Q: symmetric polynomials, "
                     "and e1 and p3 break the sign flips and the rotations about (1, 1, 1)"),
        tags=("discrete",), algebra="trivial", discrete_group="D3")


def _builtins() -> dict[str, Potential]:
    pots = [_radial("higgs", 2)]
    pots += [_radial(f"so{n}", n) for n in (3, 4, 5, 6)]
    pots += [_block("so2xso2", (2, 2)), _block("so3xso2", (3, 2)), _z4(), _generic()]
    pots += [_quadratic_form("lorentz", (1, -1, -1, -1), "so(1,3)", "SO(1,3)"),
             _quadratic_form("sl2r", (1, 1, -1), "sl(2,R)", "SO(2,1)"),
             _squeeze(), _translation(), _superpotential(),
             _dihedral3(), _chiral3(), _permutations3()]
    return {p.name: p for p in pots}


REGISTRY: dict[str, Potential] = _builtins()


def names() -> list[str]:
    """Names of the registered potentials."""
    return list(REGISTRY)


def get(name: str) -> Potential:
    """The registered potential called ``name``.

    Raises
    ------
    ValueError
        If no potential of that name is registered.
    """
    if not isinstance(name, str):
        raise TypeError(f"potential must be a registry name (str) or a callable, "
                        f"got {type(name).__name__}")
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"potential={name!r} is not a known potential; "
                         f"expected one of {', '.join(REGISTRY)}") from None


def register(potential: Potential, *, overwrite: bool = False) -> None:
    """Add a user-defined polynomial potential to the registry."""
    if not isinstance(potential, Potential):
        raise TypeError(f"potential must be a Potential, got {type(potential).__name__}")
    if potential.polynomial is None and potential.function is None:
        raise ValueError(f"potential {potential.name!r} has neither a polynomial nor a function")
    if potential.name in REGISTRY and not overwrite:
        raise ValueError(f"potential name {potential.name!r} is already registered; "
                         "pass overwrite=True to replace it")
    REGISTRY[potential.name] = potential
