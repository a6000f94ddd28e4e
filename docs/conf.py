"""Sphinx configuration: numpydoc-style docstrings (napoleon), API pages from autodoc,
the CLI reference generated from the argument parser at build time."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

project = "symfast"
author = "the symfast developers"
copyright = "2026, the symfast developers"
# sphinx-mathjax-offline copies MathJax 3 into _static/mathjax and points mathjax_path
# there: formulas render without a network (checked by docs/check_render.py)
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax",
              "sphinx.ext.autosummary", "sphinx-mathjax-offline"]
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True          # Attributes sections as fields, not duplicate objects
autodoc_typehints = "description"
autodoc_member_order = "bysource"
# scikit-learn's generated metadata-routing setters (set_fit_request, ...) on estimators
# that subclass BaseEstimator cite scikit-learn's own glossary: not symfast's API
autodoc_default_options = {"members": True, "undoc-members": False,
                           "exclude-members": "set_fit_request, set_score_request, "
                                              "set_predict_request, set_transform_request, "
                                              "set_partial_fit_request"}
autosummary_generate = False
exclude_patterns = ["_build"]
html_theme = "alabaster"
# several config dataclasses share field names (N, seed, ...): not a broken reference
suppress_warnings = ["ref.python"]
# Cross-references are checked (-n in `make docs`); names from other libraries and the
# free-text types of numpydoc parameter lists cannot resolve and are not errors.
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(np|numpy|torch|nn|pd|faiss|sklearn|scipy|argparse|pathlib|os)\..*"),
    (r"py:.*", r"(ndarray|array_like|array-like|callable|optional|path|str or Path|"
               r"sequence of .*|list of .*|dict of .*|tuple of .*|int|float|bool|str|dict|"
               r"list|tuple|None|Any|Path|Generator|Iterator|Callable|Sequence|Module|"
               r"Tensor|default=.*|shape.*|of|or|\{.*|.*\}|\(.*|.*\)|\d.*|\".*|'.*)"),
    (r"py:class", r".*"),          # numpydoc types are prose ("int, >= 1"); keep refs to funcs
]


def _write_cli_reference(app) -> None:
    """docs/_generated/cli.txt: ``symfast --help`` and every subcommand's help."""
    from symfast.cli import build_parser

    parser = build_parser()
    out = [parser.format_help()]
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, p in sub.choices.items():
        out.append(f"\n{'=' * 78}\nsymfast {name}\n{'=' * 78}\n{p.format_help()}")
    gen = Path(app.srcdir) / "_generated"
    gen.mkdir(exist_ok=True)
    (gen / "cli.txt").write_text("".join(out))


def _write_study_table(app) -> None:
    """docs/_generated/studies.rst: the registry of studies as a table."""
    from symfast.experiments import studies

    rows = [".. list-table::", "   :header-rows: 1", "",
            "   * - study", "     - module", "     - on a potential", "     - claims in "
            "the report", "     - what it does"]
    for spec in studies().values():
        rows += [f"   * - ``{spec.name}``", f"     - ``{spec.module}``",
                 f"     - {'yes' if spec.takes_potential else 'no'}",
                 f"     - {'yes' if spec.claims is not None else 'no'}", f"     - {spec.help}"]
    gen = Path(app.srcdir) / "_generated"
    gen.mkdir(exist_ok=True)
    (gen / "studies.rst").write_text("\n".join(rows) + "\n")


def setup(app):
    app.connect("builder-inited", _write_cli_reference)
    app.connect("builder-inited", _write_study_table)
