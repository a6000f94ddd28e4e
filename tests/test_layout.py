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
