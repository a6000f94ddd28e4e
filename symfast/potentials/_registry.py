"""Built-in potentials with their known invariance groups (the ground truth)."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

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
    polynomial : Polynomial
        The potential itself, V(x) as a polynomial in d variables.
    generators : ndarray of shape (k, d, d)
        A basis of the Lie algebra of the continuous invariance group
        (antisymmetric matrices T with grad V(x) . T x = 0); k = 0 when the
        potential has no continuous symmetry.
    group : str
        Name of the continuous invariance group (``"none"`` when k = 0).
    discrete : str
        Known discrete symmetries beyond those of the continuous group.
    description : str
        The formula, for humans.
    """

    name: str
    dim: int
    radius: float
    polynomial: Polynomial
    generators: np.ndarray
    group: str
    discrete: str = ""
    description: str = ""
    tags: tuple[str, ...] = field(default=())

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """V at the rows of ``X`` of shape (n, dim); returns shape (n,)."""
        return self.polynomial(X)

    def gradient(self, X: np.ndarray) -> np.ndarray:
        """grad V at the rows of ``X``; returns shape (n, dim)."""
        return self.polynomial.gradient(X)

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
        if "radial" not in self.tags:
            return None
        r = np.linspace(0.0, self.radius, n_grid)
        pts = np.zeros((n_grid, self.dim))
        pts[:, 0] = r
        inside = np.abs(self.polynomial(pts) - level) <= width
        return int(np.count_nonzero(inside[1:] & ~inside[:-1]) + inside[0])

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
        tags=("radial",))


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
        description=(f"V = f(x1^2+..+x{dims[0]}^2) + g(x{dims[0] + 1}^2+..+x{d}^2), "
                     "f(s) = s^2 - 2.3 s, g(s) = 2 s^2 - s"),
        tags=("product",))


def _z4() -> Potential:
    x, y = Polynomial.variable(0, 2), Polynomial.variable(1, 2)
    r2 = radial_squared(2)
    c = 0.25
    # r^4 cos(4 theta) = Re (x + i y)^4 = x^4 - 6 x^2 y^2 + y^4
    V = _quartic_well(r2) + c * (x * x * x * x - 6.0 * x * x * y * y + y * y * y * y)
    return Potential(
        name="z4", dim=2, radius=2.0, polynomial=V, generators=np.zeros((0, 2, 2)),
        group="none", discrete="Z4 rotations by pi/2 (and the reflections of D4)",
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
        group="none", discrete="none",
        description=(f"V = r^4 - {HIGGS_A} r^2 + 0.15 x^3 - 0.1 x^2 y + 0.1 y^3 "
                     "+ 0.3 x y + 0.2 x"),
        tags=("negative-control",))


def _builtins() -> dict[str, Potential]:
    pots = [_radial("higgs", 2)]
    pots += [_radial(f"so{n}", n) for n in (3, 4, 5, 6)]
    pots += [_block("so2xso2", (2, 2)), _block("so3xso2", (3, 2)), _z4(), _generic()]
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
    if potential.name in REGISTRY and not overwrite:
        raise ValueError(f"potential name {potential.name!r} is already registered; "
                         "pass overwrite=True to replace it")
    REGISTRY[potential.name] = potential
