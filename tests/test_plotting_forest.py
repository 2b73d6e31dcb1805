"""Forest plots: what they draw (rows, squares, diamonds, PI bar, labels, axis) under the Agg backend.

The numbers compared with the drawing come from the result the plot was given (``res.back_transformed``,
``res.weight``, ``sg.q``): the plot must show them, not recompute them.
"""

import matplotlib

matplotlib.use("Agg")

import math  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from tolerances import ZERO_ATOL

from ruptstats.exceptions import DataError  # noqa: E402
from ruptstats.meta import rma, subgroup_analysis  # noqa: E402
from ruptstats.plotting import forest_plot  # noqa: E402

# A small correlation table of our own: r and n, analysed as Fisher's z with v = 1/(n - 3).
R = np.array([0.45, 0.12, 0.30, -0.05, 0.38, 0.22])
N = np.array([40, 210, 95, 60, 120, 75])
LABELS = ["Safran (1996)", "Muran (2009)", "Eubanks (2018)", "Chen (2020)", "Doran (2012)", "Lee (2015)"]
GROUPS = ["observer", "client", "observer", "client", "observer", "client"]


def teardown_function(function):
    plt.close("all")


@pytest.fixture
def res():
    return rma(np.arctanh(R), 1.0 / (N - 3), study=LABELS, ni=N, measure="ZCOR")


def _by_gid(fig, gid):
    ax = fig.axes[0]
    return [a for a in ax.get_children() if a.get_gid() == gid]


def _texts(fig, gid=None):
    return [t.get_text() for t in fig.texts if gid is None or t.get_gid() == gid]


def test_one_square_and_one_interval_per_study(res):
    fig = forest_plot(res)
    (squares,) = _by_gid(fig, "study-markers")
    (cis,) = _by_gid(fig, "study-ci")
    assert len(squares.get_offsets()) == res.k
    assert len(cis.get_segments()) == res.k
    # drawn on the r scale: study CIs are tanh of the z-scale CIs of studies_frame()
    st = res.studies_frame()
    lows = sorted(seg[0][0] for seg in cis.get_segments())
    assert lows == pytest.approx(sorted(np.tanh(st["ci_lower"])))


def test_squares_are_sized_by_weight(res):
    fig = forest_plot(res)
    (squares,) = _by_gid(fig, "study-markers")
    sizes = squares.get_sizes()
    assert np.argmax(sizes) == np.argmax(res.weight)
    assert np.argmin(sizes) == np.argmin(res.weight)
    # areas proportional to weights (none is below the 2.5 pt floor here)
    assert sizes / sizes.max() == pytest.approx(res.weight / res.weight.max())


def test_pooled_diamond_and_prediction_interval_on_the_r_scale(res):
    fig = forest_plot(res)
    bt = res.back_transformed
    (diamond,) = _by_gid(fig, "pooled-diamond")
    xs = diamond.get_xy()[:, 0]
    assert xs.min() == pytest.approx(bt["ci_lower"])
    assert xs.max() == pytest.approx(bt["ci_upper"])
    assert np.min(np.abs(xs - bt["estimate"])) == pytest.approx(0.0, abs=ZERO_ATOL)
    (pi,) = _by_gid(fig, "prediction-interval")
    x = pi.get_xdata()
    assert np.nanmin(x) == pytest.approx(bt["pi_lower"])
    assert np.nanmax(x) == pytest.approx(bt["pi_upper"])
    assert fig.axes[0].get_xlabel() == "Correlation (r)"
    assert fig.axes[0].get_xscale() == "linear"


def test_labels_estimates_weights_and_headers_are_written(res):
    fig = forest_plot(res)
    assert _texts(fig, "study-label") == LABELS
    headers = _texts(fig, "header")
    assert headers == ["Study", "r [95% CI]", "Weight"]
    values = _texts(fig, "value")
    # APA: correlations without a leading zero; weights in percent with one decimal
    est = res.summary_frame(back_transform=True).iloc[0]
    assert f".{round(est.estimate * 100):02d} [" in values[0]
    assert f"{res.weight[0]:.1f}%" in values
    assert "100.0%" in values
    note = _texts(fig, "note")[0]
    assert f"Q({res.q_df}) = {res.q:.2f}" in note and f"I\u00b2 = {res.i2:.1f}%" in note


def test_without_weights_and_without_prediction(res):
    fig = forest_plot(res, weights=False, prediction=False)
    assert "Weight" not in _texts(fig, "header")
    assert not _by_gid(fig, "prediction-interval")
    assert not any(t.endswith("%") and "I\u00b2" not in t for t in _texts(fig, "value"))


def test_analysis_scale_when_not_back_transformed(res):
    fig = forest_plot(res, back_transform=False)
    (diamond,) = _by_gid(fig, "pooled-diamond")
    assert diamond.get_xy()[:, 0].min() == pytest.approx(res.ci_lower)
    assert fig.axes[0].get_xlabel() == "Fisher's z"


def test_odds_ratios_on_a_log_axis():
    log_or = np.log([1.5, 0.8, 2.2, 1.1])
    res = rma(log_or, [0.10, 0.20, 0.05, 0.08], measure="OR", study=list("ABCD"))
    fig = forest_plot(res)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "Odds ratio (log scale)"
    (squares,) = _by_gid(fig, "study-markers")
    assert sorted(squares.get_offsets()[:, 0]) == pytest.approx(sorted([1.5, 0.8, 2.2, 1.1]))
    (ref,) = _by_gid(fig, "reference-line")
    assert set(ref.get_xdata()) == {1.0}


def test_subgroup_blocks_with_their_own_diamonds_and_the_test(res):
    sg = subgroup_analysis(res, GROUPS, name="Rater")
    fig = forest_plot(sg)
    assert len(_by_gid(fig, "subgroup-diamond")) == len(sg.subgroups) == 2
    (overall,) = _by_gid(fig, "pooled-diamond")
    assert overall.get_xy()[:, 0].min() == pytest.approx(sg.overall.back_transformed["ci_lower"])
    sub = sorted(p.get_xy()[:, 0].min() for p in _by_gid(fig, "subgroup-diamond"))
    assert sub == pytest.approx(sorted(r.back_transformed["ci_lower"] for r in sg.subgroups.values()))
    assert _texts(fig, "heading-label") == ["Rater: observer", "Rater: client"]
    (squares,) = _by_gid(fig, "study-markers")
    assert len(squares.get_offsets()) == res.k
    notes = _texts(fig, "note")
    assert f"Test for subgroup differences: Q({sg.df}) = {sg.q:.2f}" in notes[-1]
    # squares and weights are the overall model's, comparable across blocks
    drawn = dict(zip(_texts(fig, "study-label"), squares.get_sizes()))
    ordered = [drawn[s] for s in sg.overall.study]
    assert np.array(ordered) / max(ordered) == pytest.approx(sg.overall.weight / sg.overall.weight.max())
    assert f"{sg.overall.weight[0]:.1f}%" in _texts(fig, "value")


def test_plain_table_of_estimates():
    table = pd.DataFrame({"study": ["Trial 1", "Trial 2", "Pooled"], "estimate": [0.2, 0.5, 0.35],
                          "ci_lower": [0.0, 0.3, 0.2], "ci_upper": [0.4, 0.7, 0.5], "weight": [40.0, 60.0, 100.0],
                          "kind": ["study", "study", "pooled"], "pi_lower": [np.nan, np.nan, 0.05],
                          "pi_upper": [np.nan, np.nan, 0.65]})
    fig = forest_plot(table)
    (squares,) = _by_gid(fig, "study-markers")
    assert list(squares.get_offsets()[:, 0]) == [0.2, 0.5]
    (diamond,) = _by_gid(fig, "pooled-diamond")
    assert diamond.get_xy()[:, 0].min() == pytest.approx(0.2)
    (pi,) = _by_gid(fig, "prediction-interval")
    assert np.nanmax(pi.get_xdata()) == pytest.approx(0.65)
    assert _texts(fig, "header")[:2] == ["Study", "Estimate [95% CI]"]
    assert fig.axes[0].get_xlabel() == "Estimate"


def test_summary_frame_draws_like_the_result(res):
    from_frame = forest_plot(res.summary_frame(back_transform=True), measure=None)
    (diamond,) = _by_gid(from_frame, "pooled-diamond")
    assert diamond.get_xy()[:, 0].max() == pytest.approx(res.back_transformed["ci_upper"])


def test_table_on_the_analysis_scale_back_transformed_by_measure():
    table = pd.DataFrame({"study": ["A", "B"], "estimate": [0.5, 0.1], "ci_lower": [0.2, -0.1],
                          "ci_upper": [0.8, 0.3]})
    fig = forest_plot(table, measure="ZCOR")
    (squares,) = _by_gid(fig, "study-markers")
    assert list(squares.get_offsets()[:, 0]) == pytest.approx(list(np.tanh([0.5, 0.1])))


@pytest.mark.parametrize("table, missing", [
    (pd.DataFrame({"study": ["A"], "estimate": [0.1], "ci_lower": [0.0]}), "ci_upper"),
    (pd.DataFrame({"estimate": [0.1], "ci_lower": [0.0], "ci_upper": [0.2]}), "study"),
])
def test_table_without_needed_columns_is_a_data_error(table, missing):
    with pytest.raises(DataError, match=missing):
        forest_plot(table)


def test_label_column_still_works_with_a_deprecation_warning():
    table = pd.DataFrame({"label": ["A", "B"], "estimate": [0.1, 0.3], "ci_lower": [0.0, 0.1],
                          "ci_upper": [0.2, 0.5]})
    with pytest.warns(DeprecationWarning, match="'label' is deprecated"):
        fig = forest_plot(table)
    assert _texts(fig, "study-label") == ["A", "B"]


def test_bad_kind_is_a_data_error():
    table = pd.DataFrame({"study": ["A"], "estimate": [0.1], "ci_lower": [0.0], "ci_upper": [0.2],
                          "kind": ["summary"]})
    with pytest.raises(DataError, match="kind"):
        forest_plot(table)


def _inside_figure(fig):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    outside = []
    for t in fig.texts + fig.axes[0].get_xticklabels() + [fig.axes[0].xaxis.label]:
        if not t.get_text():
            continue
        b = t.get_window_extent(renderer)
        if b.x0 < box.x0 - 0.5 or b.x1 > box.x1 + 0.5 or b.y0 < box.y0 - 0.5 or b.y1 > box.y1 + 0.5:
            outside.append(t.get_text())
    return outside


def test_two_studies():
    res = rma([0.2, 0.4], [0.02, 0.03], study=["A", "B"], measure="ZCOR")
    fig = forest_plot(res)
    (squares,) = _by_gid(fig, "study-markers")
    assert len(squares.get_offsets()) == 2
    assert _inside_figure(fig) == []


def test_three_hundred_studies_grow_the_figure_and_keep_labels_inside():
    rng = np.random.default_rng(6)
    k = 300
    n = rng.integers(30, 400, size=k)
    z = rng.normal(0.3, 0.2, size=k)
    labels = [f"Study {i + 1}" for i in range(k)]
    labels[17] = "A study with a very long label: Rupture resolution and outcome in brief relational therapy"
    big = rma(z, 1.0 / (n - 3), study=labels, measure="ZCOR")
    small = rma(z[:2], 1.0 / (n[:2] - 3), study=labels[:2], measure="ZCOR")
    fig_big, fig_small = forest_plot(big), forest_plot(small)
    h_big, h_small = fig_big.get_size_inches()[1], fig_small.get_size_inches()[1]
    # each study adds one row of 0.2 inch
    assert h_big - h_small == pytest.approx((k - 2) * 0.2)
    (squares,) = _by_gid(fig_big, "study-markers")
    assert len(squares.get_offsets()) == k
    assert _inside_figure(fig_big) == []
    long_label = next(t for t in fig_big.texts if t.get_text() == labels[17])
    fig_big.canvas.draw()
    label_right = long_label.get_window_extent().x1
    panel_left = fig_big.axes[0].get_window_extent().x0
    assert label_right < panel_left  # the label column is as wide as the longest label


def test_style_is_not_left_behind(res):
    before = dict(matplotlib.rcParams)
    forest_plot(res)
    assert matplotlib.rcParams["font.size"] == before["font.size"]
    assert matplotlib.rcParams["axes.spines.top"] == before["axes.spines.top"]


def test_fixed_effect_model_has_no_prediction_row():
    res = rma(np.arctanh(R), 1.0 / (N - 3), method="FE", measure="ZCOR")
    fig = forest_plot(res)
    assert not _by_gid(fig, "prediction-interval")
    assert "Common-effect model" in _texts(fig, "diamond-label")
    assert not any("\u03c4" in t for t in _texts(fig, "note"))
    assert math.isfinite(res.estimate)


def test_trim_and_fill_studies_are_hollow_squares():
    from ruptstats.meta import trim_and_fill

    yi = np.array([0.1, 0.15, 0.2, 0.5, 0.7, 0.9, 0.3])
    vi = np.array([0.005, 0.008, 0.01, 0.04, 0.06, 0.09, 0.02])
    tf = trim_and_fill(rma(yi, vi))
    assert tf.is_filled.sum() == 3  # the engine's L0 estimate for this table
    fig = forest_plot(tf)
    (solid,) = _by_gid(fig, "study-markers")
    (hollow,) = _by_gid(fig, "filled-study-markers")
    assert len(solid.get_offsets()) == 7
    assert np.asarray(hollow.get_offsets())[:, 0] == pytest.approx(tf.yi[tf.is_filled])
    assert len(hollow.get_facecolor()) == 0


def test_numbers_use_a_true_minus_and_no_negative_zero():
    table = pd.DataFrame({"study": ["A", "B"], "estimate": [-0.004, -0.25], "ci_lower": [-0.2, -0.5],
                          "ci_upper": [0.19, 0.0]})
    values = _texts(forest_plot(table), "value")
    assert values == ["0.00 [\u22120.20, 0.19]", "\u22120.25 [\u22120.50, 0.00]"]
