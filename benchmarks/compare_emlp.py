"""symfast's invariant model against EMLP, both given the symmetry symfast *found*.

EMLP (Finzi, Welling & Wilson 2021) builds an equivariant MLP from a group given as plain
data, ``lie_algebra`` (k, d, d) and ``discrete_generators``: exactly what
:class:`symfast.Symmetry` holds.  EMLP needs JAX and objax, which symfast does not depend
on, so the comparison runs in two steps and two environments, with files between them:

    # 1. in symfast's environment: find so(3), write data, symmetry and symfast's curve
    python benchmarks/compare_emlp.py export DIR
    # 2. in an environment with emlp: train EMLP on the same data; emlp 1.0.3's objax 1.8
    #    fails on JAX 0.10, so: pip install emlp six "jax==0.4.23" "jaxlib==0.4.23"
    #    "numpy<2" "scipy<1.13" "optax==0.1.7" "chex<0.1.86"
    python benchmarks/compare_emlp.py emlp DIR

Step 2 imports only NumPy, JAX, objax and emlp; the symmetry arrives as JSON
(``Symmetry.save``).  Both print held-out 1 - R^2 at 50, 200 and 1000 training samples.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

SIZES = (50, 200, 1000)


def export(out: Path) -> None:
    import numpy as np

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from invariant_cases import CASES
    from symfast.nn import invariant_learning_curve

    find, data, degree = CASES["so3"]
    sym = find()
    X, y = data(max(SIZES), 1)
    Xt, yt = data(2000, 2)
    out.mkdir(parents=True, exist_ok=True)
    sym.save(out / "symmetry.json")
    np.savez(out / "data.npz", X=X, y=y, Xt=Xt, yt=yt)
    t = time.perf_counter()
    curve = invariant_learning_curve(sym, X, y, Xt, yt, sizes=SIZES, degree=degree)
    curve["seconds"] = time.perf_counter() - t
    (out / "symfast.json").write_text(json.dumps(curve, indent=2))
    print(f"found {sym.name}; symfast invariant model: {curve['invariant']}, raw network "
          f"{curve['unconstrained']} ({curve['seconds']:.0f} s)")


def emlp(out: Path, steps: int = 3000) -> None:
    import jax.numpy as jnp
    import numpy as np
    import objax
    from emlp.groups import Group
    from emlp.nn import EMLP
    from emlp.reps import Scalar, V

    sym = json.loads((out / "symmetry.json").read_text())
    d = sym["dim"]

    class Found(Group):
        """The Lie algebra symfast found, as EMLP's group."""

        def __init__(self):
            self.lie_algebra = np.asarray(sym["lie_algebra"]).reshape(-1, d, d)
            self.discrete_generators = np.asarray(sym["discrete_generators"]).reshape(-1, d, d)
            super().__init__()

    z = np.load(out / "data.npz")
    G = Found()
    errs, t0 = [], time.perf_counter()
    for n in SIZES:
        X, y = z["X"][:n], z["y"][:n]
        mu, sd = y.mean(), y.std()
        model = EMLP(V(G), Scalar(G), G, ch=64, num_layers=2)
        opt = objax.optimizer.Adam(model.vars())

        def loss(x, t):
            return ((model(x)[:, 0] - t) ** 2).mean()

        grad_and_val = objax.GradValues(loss, model.vars())

        @objax.Jit
        @objax.Function.with_vars(model.vars() + opt.vars())
        def step(x, t, lr):
            g, v = grad_and_val(x, t)
            opt(lr=lr, grads=g)
            return v

        Xj, yj = jnp.asarray(X), jnp.asarray((y - mu) / sd)
        for i in range(steps):           # full batch, as the lbfgs of the other two models
            step(Xj, yj, 3e-3 if i < steps * 2 // 3 else 3e-4)
        pred = np.asarray(model(jnp.asarray(z["Xt"]))[:, 0]) * sd + mu
        errs.append(float(np.mean((pred - z["yt"]) ** 2) / np.var(z["yt"])))
        print(f"EMLP n={n}: held-out 1 - R^2 = {errs[-1]:.3e}", flush=True)
    res = {"sizes": list(SIZES), "emlp": errs, "seconds": time.perf_counter() - t0,
           "steps": steps}
    (out / "emlp.json").write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("export", "emlp"):
        sys.exit(__doc__)
    (export if sys.argv[1] == "export" else emlp)(Path(sys.argv[2]))
