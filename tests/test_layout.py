"""The package's layout (issue 32): finders in symfast.symmetry, small modules, old paths
that still work for one release and say where the names went."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import symfast
import symfast.analysis
import symfast.symmetry

PACKAGE = Path(symfast.__file__).parent
#: No module of the package above this many lines (issue 32).
MAX_LINES = 600


@pytest.mark.parametrize("name", sorted(symfast.analysis.MOVED))
def test_moved_analysis_names_warn_and_resolve(name):
    with pytest.warns(DeprecationWarning, match=f"moved to symfast.symmetry.{name}"):
        old = getattr(symfast.analysis, name)
    assert old is getattr(symfast.symmetry, name)


def test_the_moved_names_are_not_listed_in_analysis():
    assert not set(symfast.analysis.__all__) & symfast.analysis.MOVED
    assert symfast.analysis.MOVED <= set(symfast.symmetry.__all__)
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        symfast.analysis.not_a_name       # noqa: B018


def test_top_level_finders_come_from_the_symmetry_package():
    assert symfast.find_generators is symfast.symmetry.find_generators
    assert symfast.find_discrete_symmetries is symfast.symmetry.find_discrete_symmetries


def test_no_module_is_above_the_line_limit():
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules above {MAX_LINES} lines: {long}"


def test_every_module_imports_without_a_deprecation_warning(recwarn):
    # the package itself never uses a path it deprecates
    for p in sorted(PACKAGE.rglob("*.py")):
        mod = ".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts)
        if mod.endswith("__main__"):
            continue
        importlib.import_module(mod.removesuffix(".__init__"))
    ours = [w for w in recwarn if issubclass(w.category, DeprecationWarning)
            and "symfast" in str(w.message)]
    assert not ours, [str(w.message) for w in ours]


# -- one spelling (issue 32) ------------------------------------------------------------
#: Spellings the package dropped for code names: British forms and the synonyms of
#: max_epochs, embed_dim and standardize.  Prose may say "neighbours" and "centre".
DROPPED_IN_NAMES = ("neighbour", "centre")
DROPPED_PARAMETERS = {"epochs", "latent_dim", "whiten", "n_epochs", "centre_of_mass"}
PUBLIC = ("symfast.nn", "symfast.symmetry", "symfast.analysis", "symfast.cicy",
          "symfast.potentials", "symfast.chain", "symfast.ising", "symfast.fourier",
          "symfast.batch", "symfast.nbody")


def test_code_names_have_one_spelling():
    import io
    import tokenize

    found = []
    for p in sorted(PACKAGE.rglob("*.py")):
        for tok in tokenize.generate_tokens(io.StringIO(p.read_text()).readline):
            if tok.type == tokenize.NAME and any(w in tok.string for w in DROPPED_IN_NAMES):
                found.append(f"{p.relative_to(PACKAGE)}:{tok.start[0]} {tok.string}")
    assert not found, found


def _public_callables():
    import inspect

    for mod_name in PUBLIC:
        mod = importlib.import_module(mod_name)
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            target = obj.__init__ if inspect.isclass(obj) else obj
            if callable(target):
                try:
                    yield f"{mod_name}.{name}", inspect.signature(target)
                except (TypeError, ValueError):     # builtins without a signature
                    continue


def test_public_parameters_use_the_one_spelling():
    bad = [f"{where}({p})" for where, sig in _public_callables() for p in sig.parameters
           if p in DROPPED_PARAMETERS]
    assert not bad, bad


def test_old_keywords_warn_and_land_on_the_new_names():
    from sklearn.base import clone

    from symfast.nbody import nbody_pairs
    from symfast.nn import FeatureSeparation, GradientRegressor, ScoredClassifier, TaskAutoencoder

    cases = [(lambda: ScoredClassifier(epochs=3), {"max_epochs": 3}),
             (lambda: FeatureSeparation(epochs=4), {"max_epochs": 4}),
             (lambda: TaskAutoencoder(latent_dim=2, epochs=5), {"embed_dim": 2, "max_epochs": 5}),
             (lambda: GradientRegressor(whiten=True), {"standardize": "whiten"}),
             (lambda: GradientRegressor(whiten=False), {"standardize": True})]
    for make, expected in cases:
        with pytest.warns(DeprecationWarning, match="is now spelt"):
            est = make()
        params = est.get_params()
        assert {k: params[k] for k in expected} == expected
        assert not set(params) & DROPPED_PARAMETERS
        assert clone(est).get_params() == params          # no warning, same model
    with pytest.raises(TypeError, match="unexpected keyword argument 'epoch'"):
        ScoredClassifier(epoch=3)
    with pytest.raises(ValueError, match="standardize must be 'whiten' or True"):
        GradientRegressor(standardize="zca").fit([[0.0, 1.0]] * 20, range(20))
    new = nbody_pairs(n_orbits=2, steps=3, center_of_mass=False, seed=1)
    with pytest.warns(DeprecationWarning, match="centre_of_mass=.... is now spelt"):
        old = nbody_pairs(n_orbits=2, steps=3, centre_of_mass=False, seed=1)
    assert all((a == b).all() for a, b in zip(new, old))


def test_cli_takes_the_one_spelling_and_the_old_flag():
    from symfast.cli import build_parser

    parser = build_parser()
    for study in ("chain", "ising2d"):
        assert parser.parse_args([study, "--max-epochs", "3"]).epochs == 3
        assert parser.parse_args([study, "--epochs", "4"]).epochs == 4


def test_the_british_cicy_name_still_works_with_a_warning():
    import symfast.cicy

    from symfast.experiments import cicy_scoring

    with pytest.warns(DeprecationWarning, match="is now spelt symfast.experiments.cicy_scoring"):
        assert symfast.cicy.neighbour_accuracy is cicy_scoring.neighbor_accuracy
    for name in symfast.cicy.MOVED:
        with pytest.warns(DeprecationWarning, match=f"symfast.cicy.{name} moved to"):
            assert getattr(symfast.cicy, name) is getattr(cicy_scoring, name)


# -- the layering (ARCHITECTURE.md; issue 35) -------------------------------------------
#: Layer of each top-level part of the package: a module imports only from lower layers
#: (or its own part); layer 3 is ordered symmetry above analysis above nn.
LAYERS = {"_ext": 1, "potentials": 2, "cicy": 2, "ising": 2, "chain": 2, "fourier": 2,
          "nbody": 2, "images": 2, "jets": 2, "nn": 3.0, "analysis": 3.1, "symmetry": 3.2,
          "experiments": 4, "cli": 5, "batch": 5}
#: Known upward imports, each with its reason (lazy, inside one function).
ALLOWED_UPWARD = {
    # every built-in Potential carries its exact group as a Symmetry (issue 32); the
    # object lives in the symmetry package
    ("potentials", "symmetry"),
}


def _imports(path: Path) -> list[str]:
    import ast

    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [a.name for a in node.names]
    return [n for n in names if n.startswith("symfast.")]


def test_every_module_imports_only_from_lower_layers():
    bad = []
    for p in sorted(PACKAGE.rglob("*.py")):
        part = p.relative_to(PACKAGE).parts[0].removesuffix(".py")
        if part not in LAYERS:
            continue
        for mod in _imports(p):
            other = mod.split(".")[1]
            if other in LAYERS and other != part and LAYERS[other] > LAYERS[part] \
                    and (part, other) not in ALLOWED_UPWARD:
                bad.append(f"{p.relative_to(PACKAGE)} imports {mod}")
    assert not bad, bad


def test_no_library_part_imports_another_parts_private_module():
    # the library layers (1-3) talk through public names; the studies and the command
    # line are glue and may reach into the parts they drive
    bad = []
    for p in sorted(PACKAGE.rglob("*.py")):
        part = p.relative_to(PACKAGE).parts[0].removesuffix(".py")
        if LAYERS.get(part, 4) >= 4:
            continue
        for mod in _imports(p):
            parts = mod.split(".")
            if len(parts) > 2 and parts[1] != part and parts[1] in LAYERS and \
                    parts[1] != "_ext" and any(q.startswith("_") for q in parts[2:]) and \
                    (part, parts[1]) not in ALLOWED_UPWARD:
                bad.append(f"{p.relative_to(PACKAGE)} imports {mod}")
    assert not bad, bad


def _imports_between_modules(package: Path, prefix: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports anywhere (function bodies too)."""
    import ast

    graph = {}
    for p in package.rglob("*.py"):
        parts = p.relative_to(package).with_suffix("").parts
        name = ".".join((prefix,) + tuple(x for x in parts if x != "__init__"))
        graph[name] = {node.module for node in ast.walk(ast.parse(p.read_text()))
                       if isinstance(node, ast.ImportFrom) and node.module
                       and node.module.startswith(prefix + ".")}
    return graph


def _a_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}

    def visit(u: str, path: list[str]) -> list[str] | None:
        state[u] = 1
        for v in sorted(graph.get(u, ())):
            if state.get(v) == 1:
                return path[path.index(v):] + [v] if v in path else [u, v]
            if v not in state and (found := visit(v, path + [v])):
                return found
        state[u] = 2
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m, [m])):
            return found
    return None


def test_the_training_modules_import_in_one_direction():
    """Issue 33: the compiled trainers and the estimators once imported each other
    (_scored <-> _dense_kernel, inside functions).  No module of symfast.nn imports one
    that imports it back, however indirectly (the package's __init__ aside)."""
    graph = _imports_between_modules(PACKAGE / "nn", "symfast.nn")
    assert "symfast.nn._dense_kernel" in graph and "symfast.nn._training._optim" in graph
    assert _a_cycle(graph) is None, _a_cycle(graph)
    # the check has power: the old back-import closes a cycle
    graph["symfast.nn._dense_kernel"].add("symfast.nn._scored")
    assert _a_cycle(graph) is not None
