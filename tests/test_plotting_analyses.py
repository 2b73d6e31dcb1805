"""Funnel, leave-one-out, cumulative, Baujat, GOSH and bubble plots, and the figure CLI, under Agg.

Inputs are small tables of our own; every drawn number is compared with the number the plot was given.
"""

import json
import matplotlib

matplotlib.use("Agg")

from types import SimpleNamespace  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from tolerances import printed

from ruptstats.exceptions import DataError  # noqa: E402
from ruptstats.meta import rma  # noqa: E402
from ruptstats.plotting import (baujat_plot, bubble_plot, cumulative_plot, funnel_plot, gosh_plot,  # noqa: E402
                                leave_one_out_plot)

YI = np.array([0.48, 0.38, 0.55, 0.16, -0.09, 0.05, 0.41])
VI = np.array([0.016, 0.005, 0.019, 0.006, 0.004, 0.023, 0.020])
STUDIES = [f"Study {c}" for c in "ABCDEFG"]


def teardown_function(function):
    plt.close("all")


@pytest.fixture
def res():
    return rma(YI, VI, study=STUDIES, measure="ZCOR")


def _gid(ax, gid):
    return [a for a in ax.get_children() if a.get_gid() == gid]


# -- funnel ---------------------------------------------------------------------------------------------------

def test_funnel_draws_each_study_against_its_standard_error(res):
    fig = funnel_plot(res)
    ax = fig.axes[0]
    (studies,) = _gid(ax, "studies")
    assert np.asarray(studies.get_offsets())[:, 0] == pytest.approx(YI)
    assert np.asarray(studies.get_offsets())[:, 1] == pytest.approx(np.sqrt(VI))
    bottom, top = ax.get_ylim()
    assert bottom > top == 0.0  # standard error axis inverted, 0 at the top
    assert ax.get_ylabel() == "Standard error"
    assert ax.get_xlabel() == "Fisher's z"
    (line,) = _gid(ax, "estimate-line")
    assert set(line.get_xdata()) == {res.estimate}
    assert len(_gid(ax, "pseudo-ci")) == 1
    assert not _gid(ax, "filled-studies")


def test_funnel_contours_and_their_legend(res):
    fig = funnel_plot(res)
    ax = fig.axes[0]
    regions = _gid(ax, "contour-region")
    assert len(regions) == 4  # background (p <= .01) and the 99%, 95%, 90% regions
    # the 95% region's edge is y = 1.959964 * SE (qnorm(0.975) in R)
    widths = sorted(p.get_xy()[:, 0].max() / p.get_xy()[:, 1].max() for p in regions[1:])
    assert widths == pytest.approx([1.644854, 1.959964, 2.575829], abs=printed(6))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:4] == ["p > .10", ".05 < p \u2264 .10", ".01 < p \u2264 .05", "p \u2264 .01"]
    assert funnel_plot(res, contours=(), legend=False).axes[0].get_legend() is None


def test_funnel_draws_filled_studies_hollow():
    filled = np.r_[np.zeros(YI.size, dtype=bool), [True, True]]
    tf = SimpleNamespace(yi=np.r_[YI, [-0.2, -0.1]], vi=np.r_[VI, [0.02, 0.01]], is_filled=filled,
                         estimate=0.2, measure="ZCOR")
    ax = funnel_plot(tf).axes[0]
    (observed,) = _gid(ax, "studies")
    (hollow,) = _gid(ax, "filled-studies")
    assert len(observed.get_offsets()) == YI.size
    assert np.asarray(hollow.get_offsets())[:, 0] == pytest.approx([-0.2, -0.1])  # the filled yi given above
    assert len(hollow.get_facecolor()) == 0  # facecolor 'none'
    assert len(observed.get_facecolor()) == 1
    assert "Filled studies (trim and fill)" in [t.get_text() for t in ax.get_legend().get_texts()]
    # the attribute may also be called 'filled'
    tf2 = SimpleNamespace(yi=tf.yi, vi=tf.vi, filled=list(filled), estimate=0.2)
    assert _gid(funnel_plot(tf2).axes[0], "filled-studies")


def test_funnel_egger_line_is_drawn_from_the_given_coefficients(res):
    ax = funnel_plot(res, egger=(0.1, 1.5)).axes[0]
    (line,) = _gid(ax, "regression-line")
    x, y = line.get_xdata(), line.get_ydata()
    assert x == pytest.approx(0.1 + 1.5 * np.asarray(y))  # x = 0.1 + 1.5 * SE: the coefficients given
    ax = funnel_plot(res, egger={"limit_estimate": -0.05, "intercept": 2.0}).axes[0]
    (line,) = _gid(ax, "regression-line")
    assert line.get_xdata()[0] == pytest.approx(-0.05)  # the given limit estimate, at SE = 0
    with pytest.raises(DataError, match="limit_estimate"):
        funnel_plot(res, egger={"slope": 1.0})


def test_funnel_takes_the_engine_egger_result(res):
    from ruptstats.meta import egger_test

    eg = egger_test(res)
    (line,) = _gid(funnel_plot(res, egger=eg).axes[0], "regression-line")
    assert line.get_xdata()[0] == pytest.approx(eg.limit_estimate)  # at SE = 0
    se_end = line.get_ydata()[-1]
    assert line.get_xdata()[-1] == pytest.approx(eg.limit_estimate + eg.intercept * se_end)


def test_funnel_of_the_engine_trim_and_fill_result():
    from ruptstats.meta import trim_and_fill

    # small studies with large effects only: the engine's L0 fills 3 studies on the left; the plot must show them
    yi = np.array([0.1, 0.15, 0.2, 0.5, 0.7, 0.9, 0.3])
    vi = np.array([0.005, 0.008, 0.01, 0.04, 0.06, 0.09, 0.02])
    tf = trim_and_fill(rma(yi, vi))
    assert tf.k0 == 3
    ax = funnel_plot(tf).axes[0]
    (hollow,) = _gid(ax, "filled-studies")
    assert np.asarray(hollow.get_offsets())[:, 0] == pytest.approx(tf.yi[tf.is_filled])
    (observed,) = _gid(ax, "studies")
    assert len(observed.get_offsets()) == 7
    (line,) = _gid(ax, "estimate-line")
    assert line.get_xdata()[0] == pytest.approx(tf.estimate)  # the adjusted estimate


def test_funnel_input_errors(res):
    with pytest.raises(DataError, match="yi"):
        funnel_plot(object())
    bad = SimpleNamespace(yi=YI, vi=VI, is_filled=[True], estimate=0.1)
    with pytest.raises(DataError, match="filled"):
        funnel_plot(bad)


# -- leave-one-out and cumulative ----------------------------------------------------------------------------

@pytest.fixture
def loo():
    frame = pd.DataFrame({"study": STUDIES, "estimate": np.linspace(0.20, 0.32, 7),
                          "ci_lower": np.linspace(0.05, 0.17, 7), "ci_upper": np.linspace(0.35, 0.47, 7),
                          "i2": np.linspace(70.0, 82.0, 7)})
    frame.attrs["measure"] = "ZCOR"
    return frame


def test_leave_one_out_plot_rows_labels_and_reference(loo, res):
    fig = leave_one_out_plot(loo, reference=res.estimate)
    ax = fig.axes[0]
    (dots,) = _gid(ax, "point-markers")
    # r scale, from the measure in the table's attrs
    assert np.asarray(dots.get_offsets())[:, 0] == pytest.approx(np.tanh(loo["estimate"]))
    (cis,) = _gid(ax, "point-ci")
    assert len(cis.get_segments()) == 7
    assert [t.get_text() for t in fig.texts if t.get_gid() == "point-label"] == STUDIES
    headers = [t.get_text() for t in fig.texts if t.get_gid() == "header"]
    assert headers == ["Study omitted", "r [95% CI]", "I\u00b2"]
    (ref,) = _gid(ax, "estimate-line")
    assert list(ref.get_xdata()) == pytest.approx([np.tanh(res.estimate)] * 2)
    assert "82.0%" in [t.get_text() for t in fig.texts]
    assert ax.get_xlabel() == "Correlation (r)"


def test_leave_one_out_on_the_analysis_scale(loo):
    ax = leave_one_out_plot(loo, back_transform=False).axes[0]
    (dots,) = _gid(ax, "point-markers")
    assert np.asarray(dots.get_offsets())[:, 0] == pytest.approx(loo["estimate"])
    assert ax.get_xlabel() == "Fisher's z"


def test_cumulative_plot_keeps_the_order(loo):
    frame = loo.drop(columns="i2")
    frame.attrs = {}  # no measure: numbers drawn as given
    fig = cumulative_plot(frame)
    labels = [t.get_text() for t in fig.texts if t.get_gid() == "point-label"]
    assert labels == STUDIES
    (dots,) = _gid(fig.axes[0], "point-markers")
    ys = np.asarray(dots.get_offsets())[:, 1]
    assert list(ys) == sorted(ys)  # first study on top (row 0)
    assert [t.get_text() for t in fig.texts if t.get_gid() == "header"] == ["Study added", "Estimate [95% CI]"]


def test_sensitivity_plots_need_their_columns(loo):
    with pytest.raises(DataError, match="ci_upper"):
        cumulative_plot(loo.drop(columns="ci_upper"))
    with pytest.raises(DataError, match="DataFrame"):
        leave_one_out_plot([1, 2, 3])


def test_result_with_summary_frame_is_accepted(loo):
    class LeaveOneOut:
        measure = "ZCOR"

        def summary_frame(self):
            return loo

    ax = leave_one_out_plot(LeaveOneOut()).axes[0]
    assert len(_gid(ax, "point-markers")[0].get_offsets()) == 7


# -- Baujat and GOSH ------------------------------------------------------------------------------------------

@pytest.fixture
def baujat():
    return pd.DataFrame({"study": STUDIES, "x": [0.5, 4.0, 1.0, 0.2, 9.0, 0.1, 2.0],
                         "y": [0.10, 0.90, 0.30, 0.05, 1.40, 0.02, 0.20]})


def test_baujat_plot_points_and_labels(baujat):
    ax = baujat_plot(baujat).axes[0]
    (pts,) = _gid(ax, "studies")
    assert np.asarray(pts.get_offsets())[:, 0] == pytest.approx(baujat["x"])
    assert len(pts.get_facecolor()) == 0  # hollow circles
    assert sorted(t.get_text() for t in ax.texts) == sorted(STUDIES)
    assert ax.get_xlabel() == "Contribution to overall heterogeneity"
    assert ax.get_ylabel() == "Influence on overall result"
    top2 = baujat_plot(baujat, labels=2).axes[0]
    assert sorted(t.get_text() for t in top2.texts) == ["Study B", "Study E"]
    assert len(baujat_plot(baujat, labels=None).axes[0].texts) == 0
    with pytest.raises(DataError, match="labels"):
        baujat_plot(baujat, labels="some")


def test_gosh_plot_scatter_and_histograms():
    rng = np.random.default_rng(3)
    g = pd.DataFrame({"estimate": rng.normal(0.3, 0.05, 500), "i2": rng.uniform(0, 90, 500), "k": 5})
    fig = gosh_plot(g, bins=25)
    scatter_ax, top, right = fig.axes
    (pts,) = _gid(scatter_ax, "subsets")
    assert len(pts.get_offsets()) == 500
    assert pts.get_rasterized()
    assert len(top.patches) == len(right.patches) == 25
    assert scatter_ax.get_ylabel() == "I\u00b2 (%)"
    assert scatter_ax.get_xlabel() == "Estimate"
    with pytest.raises(DataError, match="i2"):
        gosh_plot(g.drop(columns="i2"))


def test_gosh_plot_back_transforms_with_measure():
    g = pd.DataFrame({"estimate": [0.2, 0.3], "i2": [10.0, 20.0]})
    ax = gosh_plot(g, measure="ZCOR").axes[0]
    assert np.asarray(ax.collections[0].get_offsets())[:, 0] == pytest.approx(np.tanh([0.2, 0.3]))
    assert ax.get_xlabel() == "Correlation (r)"


# -- bubble -------------------------------------------------------------------------------------------------

def test_bubble_plot_line_bubbles_and_band():
    x = np.array([1999, 2004, 2010, 2016])
    yi = np.array([0.5, 0.35, 0.3, 0.1])
    w = np.array([10.0, 40.0, 20.0, 30.0])
    band = pd.DataFrame({"x": [1999, 2016], "ci_lower": [0.2, -0.1], "ci_upper": [0.7, 0.4]})
    ax = bubble_plot(x=x, yi=yi, weight=w, intercept=45.0, slope=-0.0223, band=band,
                     xlabel="Publication year").axes[0]
    (line,) = _gid(ax, "fitted-line")
    # the given line, intercept 45.0 and slope -0.0223, at the first and last year
    assert line.get_ydata()[0] == pytest.approx(45.0 - 0.0223 * 1999)
    assert line.get_ydata()[-1] == pytest.approx(45.0 - 0.0223 * 2016)
    (bubbles,) = _gid(ax, "studies")
    assert np.asarray(bubbles.get_offsets())[:, 1] == pytest.approx(yi)
    assert bubbles.get_sizes() / bubbles.get_sizes().max() == pytest.approx(w / w.max())
    assert _gid(ax, "confidence-band")
    assert ax.get_xlabel() == "Publication year"
    with pytest.raises(DataError, match="equal length"):
        bubble_plot(x=x, yi=yi[:3], weight=w, intercept=0.0, slope=0.0)
    with pytest.raises(DataError, match="slope"):
        bubble_plot(x=x, yi=yi, weight=w, intercept=0.0)


def test_bubble_plot_on_the_r_scale():
    ax = bubble_plot(x=[1, 2], yi=[0.2, 0.4], weight=[1, 1], intercept=0.0, slope=0.2, measure="ZCOR",
                     back_transform=True).axes[0]
    assert np.asarray(ax.collections[0].get_offsets())[:, 1] == pytest.approx(np.tanh([0.2, 0.4]))
    assert ax.get_ylabel() == "Correlation (r)"


def test_bubble_plot_of_an_engine_meta_regression(res):
    from ruptstats.meta import meta_regression

    year = [1999, 2002, 2004, 2006, 2009, 2012, 2015]
    mr = meta_regression(res, {"year": year})
    ax = bubble_plot(mr).axes[0]
    assert ax.get_xlabel() == "year"
    (line,) = _gid(ax, "fitted-line")
    b0, b1 = mr.estimate
    assert line.get_ydata()[0] == pytest.approx(b0 + b1 * 1999)
    (bubbles,) = _gid(ax, "studies")
    assert np.asarray(bubbles.get_offsets())[:, 0] == pytest.approx(year)
    assert bubbles.get_sizes() / bubbles.get_sizes().max() == pytest.approx(mr.weight / mr.weight.max())
    two = meta_regression(res, {"year": year, "n": [40, 200, 60, 170, 230, 45, 50]})
    with pytest.raises(DataError, match="moderator="):
        bubble_plot(two)
    assert _gid(bubble_plot(two, moderator="n").axes[0], "fitted-line")


# -- command line -------------------------------------------------------------------------------------------

ASYM_YI = [0.1, 0.15, 0.2, 0.5, 0.7, 0.9, 0.3]  # small studies with large effects: L0 fills 3 on the left
ASYM_VI = [0.005, 0.008, 0.01, 0.04, 0.06, 0.09, 0.02]


def test_cli_figures_are_drawn_from_the_result_objects(tmp_path, res):
    from ruptstats.cli._common import save_figures
    from ruptstats.cli.meta import meta_figures
    from ruptstats.cli.meta_analyses import Analyses, publication_bias
    from ruptstats.meta import subgroup_analysis

    asym = rma(ASYM_YI, ASYM_VI, study=STUDIES, measure="ZCOR")
    bias = publication_bias(asym)
    assert bias.trimfill.k0 == 3  # the engine's L0 on this table (also checked through main() below)
    sg = subgroup_analysis(asym, ["a", "a", "a", "b", "b", "b", "b"])
    analyses = Analyses(model=asym, subgroups=sg, bias=bias)
    paths = save_figures(meta_figures(analyses, forest=tmp_path / "forest.svg", funnel=tmp_path / "funnel.svg"))
    assert [p.name for p in paths] == ["forest.svg", "funnel.svg"]
    forest = (tmp_path / "forest.svg").read_text()
    funnel = (tmp_path / "funnel.svg").read_text()
    assert forest.count('id="subgroup-diamond"') == 2
    assert 'id="filled-studies"' in funnel and 'id="regression-line"' in funnel
    assert plt.get_fignums() == []  # figures are closed after saving
    plain = save_figures(meta_figures(Analyses(model=res), funnel=tmp_path / "plain.svg"))
    assert [p.name for p in plain] == ["plain.svg"]
    text = (tmp_path / "plain.svg").read_text()
    assert 'id="filled-studies"' not in text and 'id="regression-line"' not in text
    assert save_figures(meta_figures(Analyses(model=res))) == []


def test_cli_options_through_the_meta_command(tmp_path, capsys):
    from ruptstats.cli.meta import main

    forest, funnel = tmp_path / "f.pdf", tmp_path / "g.png"
    assert main(["--forest", str(forest), "--funnel", str(funnel), "--format", "json"]) == 0
    assert forest.read_bytes()[:5] == b"%PDF-" and funnel.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(SystemExit) as exc:
        main(["--forest", str(tmp_path / "f.jpg")])
    assert exc.value.code == 2
    assert "extension" in capsys.readouterr().err


# -- results of the engine's sensitivity analyses --------------------------------------------------------------

def test_plots_take_the_engine_sensitivity_results(res):
    from ruptstats.meta import baujat, cumulative, gosh, leave_one_out

    loo = leave_one_out(res)
    fig = leave_one_out_plot(loo, measure=res.measure, reference=res.estimate)
    (dots,) = _gid(fig.axes[0], "point-markers")
    assert np.asarray(dots.get_offsets())[:, 0] == pytest.approx(np.tanh(loo.estimate))
    assert "I\u00b2" in [t.get_text() for t in fig.texts if t.get_gid() == "header"]

    cm = cumulative(res, order=[2001, 1999, 2005, 2003, 2010, 2008, 2012])
    fig = cumulative_plot(cm, measure=res.measure)
    labels = [t.get_text() for t in fig.texts if t.get_gid() == "point-label"]
    assert labels == list(cm.study) == ["Study B", "Study A", "Study D", "Study C", "Study F", "Study E",
                                        "Study G"]

    b = baujat(res)
    (pts,) = _gid(baujat_plot(b).axes[0], "studies")
    assert np.asarray(pts.get_offsets())[:, 1] == pytest.approx(b.y)

    g = gosh(res, method="DL")  # 2^7 - 1 = 127 subsets
    ax = gosh_plot(g).axes[0]
    assert len(ax.collections[0].get_offsets()) == 127
    assert ax.get_xlabel() == "Correlation (r)"  # the GOSH result carries the measure


# -- figures/ from data/ ------------------------------------------------------------------------------------------

def test_make_figures_writes_png_and_pdf_of_every_figure(tmp_path, capsys):
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("make_figures", root / "figures" / "make_figures.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    main = script.main
    data = root / "ruptstats" / "data" / "example_studies.csv"
    assert main(["--data", str(data), "--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    stems = ["baujat", "bubble_year", "cumulative_by_year", "forest", "forest_by_rater", "funnel",
             "funnel_trimfill", "gosh", "leave_one_out",
             "sessions_conditions", "sessions_dropout", "sessions_rules", "sessions_trajectory"]
    assert names == sorted(f"{s}.{ext}" for s in stems for ext in ("pdf", "png"))
    assert len(capsys.readouterr().out.splitlines()) == 26
    assert main(["--data", str(tmp_path / "missing.csv"), "--out", str(tmp_path)]) == 2
    assert "make_example.py" in capsys.readouterr().err


def test_meta_command_with_bias_draws_filled_studies_hollow(tmp_path):
    from ruptstats.cli.meta import main

    table = tmp_path / "asymmetric.csv"
    pd.DataFrame({"study": list("ABCDEFG"), "yi": [0.1, 0.15, 0.2, 0.5, 0.7, 0.9, 0.3],
                  "vi": [0.005, 0.008, 0.01, 0.04, 0.06, 0.09, 0.02]}).to_csv(table, index=False)
    funnel, forest = tmp_path / "funnel.svg", tmp_path / "forest.svg"
    assert main([str(table), "--bias", "--funnel", str(funnel), "--forest", str(forest), "--format", "json",
                 "--output", str(tmp_path / "out.json")]) == 0
    assert 'id="filled-studies"' in funnel.read_text()  # 3 studies filled by the engine's L0 (see above)
    assert 'id="pooled-diamond"' in forest.read_text()


def test_options_are_checked_with_their_names(res, loo):
    from ruptstats.exceptions import OptionError
    from ruptstats.plotting import forest_plot

    with pytest.raises(OptionError, match="contours"):
        funnel_plot(res, contours=(0.9, 1.5e3))
    with pytest.raises(OptionError, match="contours"):
        funnel_plot(res, contours=(0.8, 0.9, 0.95, 0.99))
    with pytest.raises(OptionError, match="bins"):
        gosh_plot(pd.DataFrame({"estimate": [0.1], "i2": [0.0]}), bins=0)
    with pytest.raises(OptionError, match="row_height"):
        forest_plot(res, row_height=0)
    with pytest.raises(OptionError, match="digits"):
        leave_one_out_plot(loo, digits=1.5)
    assert plt.get_fignums() == []  # no figure is left behind by a rejected option


def test_cli_funnel_with_bias_draws_the_egger_line_and_keeps_it_out_of_json(tmp_path, capsys):
    """--bias hands the Egger test to the funnel plot (drawn as the 'regression-line' artist in the SVG)."""
    from ruptstats.cli.meta import main

    funnel = tmp_path / "funnel.svg"
    assert main(["--bias", "--funnel", str(funnel), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert 'id="regression-line"' in funnel.read_text()
    assert "egger_result" not in out and "trimfill_result" not in out
    assert set(out["bias"]["egger"]) == {"intercept", "se", "statistic", "p", "df", "model", "predictor"}
