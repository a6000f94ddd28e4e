"""The figures say what they show: feature names on the generator maps, integer component
ticks, the cut that chose the count, and the route in the title."""

from __future__ import annotations

import pytest

import symfast.analysis._plots as plots
from symfast.analysis import plot_generators, plot_spectrum
from symfast.symmetry import find_generators
from symfast.potentials import PAPER_LEVELS, sample_level_sets


@pytest.fixture()
def captured(monkeypatch):
    """The figure each plot function would save, kept open for inspection."""
    figs = []

    def keep(fig, path, **kwargs):
        figs.append(fig)
        return path

    monkeypatch.setattr(plots, "save_figure", keep)
    return figs


@pytest.fixture(scope="module")
def so3():
    X, y = sample_level_sets("so3", PAPER_LEVELS[:4], per_class=500, seed=0)
    return X, y


def test_generator_maps_carry_the_feature_names(captured, so3):
    res = find_generators(*so3)
    plot_generators(res.generators, "g.png", feature_names=["px", "py", "pz"])
    ax = captured[0].axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["px", "py", "pz"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["px", "py", "pz"]
    with pytest.raises(ValueError, match="feature_names must name the 3 features"):
        plot_generators(res.generators, "g.png", feature_names=["a", "b"])


@pytest.mark.parametrize("method, title, line", [
    ("auto", "tangent fields, surrogate-fit normals: 3 generator(s), so(3)",
     "acceptance threshold"),
    ("tangent", "tangent fields, local-PCA normals: 3 generator(s), so(3)",
     "acceptance threshold"),
    ("pairs", "pair regression (hyperplane-filtered): 3 generator(s), so(3)", "largest gap"),
])
def test_spectrum_marks_the_cut_and_names_the_route(captured, so3, method, title, line):
    res = find_generators(*so3, method=method)
    plot_spectrum(res, "s.png")
    ax = captured[0].axes[0]
    assert ax.get_title() == title
    labels = [h.get_label() for h in ax.get_legend().legend_handles]
    assert any(line in lab for lab in labels), labels
    ticks = [t for t in ax.get_xticks() if 1 <= t <= len(res.explained_variance_ratio)]
    assert ticks and all(float(t).is_integer() for t in ticks)
    if method != "pairs":                   # the threshold sits between kept and rejected
        level = next(h for h in ax.get_lines() if h.get_linestyle() == "--").get_ydata()[0]
        spec = res.explained_variance_ratio
        assert spec[:3].max() < level < spec[3]
