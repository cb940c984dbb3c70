"""Plot helpers draw exactly the numbers they are given (scaled as asked), label every axis and
put one legend entry per series."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from crmresearch import plots


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _labels(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_plot_groups_scales_and_orders_the_groups():
    t = pd.DataFrame({"x": [0.1, 0.5, 0.2, 0.9], "y": [0.2, 0.4, 0.1, 0.3], "g": ["b", "b", "a", "a"]})
    ax = plots.plot_groups(t, "x", "y", "g", scale_x=100, scale_y=10, diagonal=True, diagonal_label="random",
                           reference=0.0, start_at_origin=True, title="T", xlabel="X (%)", ylabel="Y")
    lines = ax.get_lines()
    np.testing.assert_allclose(lines[0].get_xdata(), [0, 10, 50])
    np.testing.assert_allclose(lines[0].get_ydata(), [0, 2, 4])
    np.testing.assert_allclose(lines[1].get_ydata(), [0, 1, 3])
    assert _labels(ax) == ["b", "a", "random"]
    assert (ax.get_title(loc="left"), ax.get_xlabel(), ax.get_ylabel()) == ("T", "X (%)", "Y")


def test_plot_lines_draws_each_column_and_marks_the_cut():
    t = pd.DataFrame({"week": [1, 2, 3], "actual": [1.0, 3.0, 6.0], "expected": [1.5, 3.5, 5.5]})
    ax = plots.plot_lines(t, "week", {"actual": "actual", "expected": "model"}, scale=2, vline=2.5,
                          vline_label="holdout", xlabel="Week", ylabel="Count")
    data = [line.get_ydata() for line in ax.get_lines()[:2]]
    np.testing.assert_allclose(data[0], [2, 6, 12])
    np.testing.assert_allclose(data[1], [3, 7, 11])
    assert ax.get_lines()[2].get_xdata()[0] == 2.5 and any(a.get_text() == "holdout" for a in ax.texts)
    assert _labels(ax) == ["actual", "model"]


def test_plot_fit_by_group_pairs_dots_and_lines_in_one_colour():
    t = pd.DataFrame({"p": [0, 1, 0, 1], "obs": [1.0, 0.8, 1.0, 0.6], "fit": [1.0, 0.79, 1.0, 0.61],
                      "cohort": ["q1", "q1", "q2", "q2"]})
    ax = plots.plot_fit_by_group(t, "p", "obs", "fit", "cohort", scale=100)
    dots, line = ax.get_lines()[:2]
    assert dots.get_color() == line.get_color() and dots.get_linestyle() == "None"
    np.testing.assert_allclose(line.get_ydata(), [100, 79])
    assert _labels(ax) == ["q1", "q2"]


def test_interval_helpers_draw_percentages_and_means():
    tb = pd.DataFrame({"item": ["a", "b", "a", "b"], "share": [0.1, 0.2, 0.3, 0.4], "lo": [0.05, 0.15, 0.2, 0.3],
                       "hi": [0.15, 0.25, 0.4, 0.5], "asked": ["exp", "exp", "per", "per"]})
    ax = plots.plot_share_intervals(tb, "item", "share", "lo", "hi", "asked")
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), [10, 20])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["b", "a"]  # first item on top
    cells = pd.DataFrame({"arm": ["c", "c", "t", "t"], "period": ["pre", "post", "pre", "post"],
                          "mean": [5.0, 5.1, 5.0, 5.6], "ci_lower": [4.8, 4.9, 4.8, 5.4],
                          "ci_upper": [5.2, 5.3, 5.2, 5.8], "n": [60, 60, 60, 60]})
    ax = plots.plot_group_means(cells, "period", "arm", x_labels=["before", "after"])
    assert _labels(ax) == ["c (n = 60)", "t (n = 60)"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["before", "after"]


def test_plot_distributions_and_dumbbell():
    ax = plots.plot_distributions({"a": [0.0, 1.0, 10.0], "b": [5.0, 50.0]}, bins=np.logspace(-1, 2, 7),
                                  log_x=True, floor=0.1)
    assert ax.get_xscale() == "log" and _labels(ax) == ["a", "b"]
    g = pd.DataFrame({"dim": ["x", "y"], "e": [6.0, 7.0], "p": [5.0, 7.5]})
    ax = plots.plot_dumbbell(g, "dim", "e", "p", labels=("expectation", "perception"))
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), [6.0, 7.0])
    assert _labels(ax) == ["expectation", "perception"]


def test_plot_cumulative_incidence_stacks_the_causes_up_to_all_exits():
    from crmresearch import survival

    rng = np.random.default_rng(1)
    t = rng.exponential(5, 300)
    f = pd.DataFrame({"duration": np.minimum(t, 8), "event": np.where(t > 8, 0, rng.integers(1, 4, 300))})
    ax = plots.plot_cumulative_incidence(survival.cuminc(f, horizons=(4,)).curves_, title="gone", xlabel="Months")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["1", "2", "3"]
    top = ax.collections[-1].get_paths()[0].vertices[:, 1].max()  # the top edge: 1 - KM of any exit
    km = survival.km(f.assign(event=(f["event"] > 0).astype(int)))
    assert top == pytest.approx(100 * (1 - km.curves_["survival"].min()), abs=1e-9)
    assert ax.get_ylabel() == "Left, by cause (%)"
