"""power_plot draws the power tables of ruptstats.power as they are (Agg backend): one line per effect size or
design through the table's own numbers, the dashed 0.80 line, Monte Carlo SE bars for simulated power; and
power_curve is meta_power over a grid."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from ruptstats.exceptions import DataError, OptionError  # noqa: E402
from ruptstats.plotting import power_plot, save_figure  # noqa: E402
from ruptstats.power import meta_power, power_curve  # noqa: E402
from ruptstats.vocabulary import unknown_names  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _curves(fig):
    return {line.get_gid(): line for line in fig.axes[0].lines if str(line.get_gid()).startswith("curve-")}


# --- power_curve -------------------------------------------------------------------------------------------

def test_power_curve_is_meta_power_on_every_combination():
    curve = power_curve([0.3, 0.5, 0.62], range(2, 31), 25, [20, 30], tau2=[0.0, 0.05])
    assert len(curve) == 3 * 29 * 2 * 2  # every combination once
    assert list(curve.columns) == ["true_smd", "k", "n1", "n2", "tau2", "power"]
    assert unknown_names(curve.columns) == []
    assert not curve.duplicated(["true_smd", "k", "n2", "tau2"]).any()
    want = meta_power(curve["true_smd"], curve["k"], curve["n1"], curve["n2"], curve["tau2"])
    np.testing.assert_array_equal(curve["power"].to_numpy(), want)  # the same formula on the same numbers
    # order: effect slowest, tau2 fastest
    assert curve["true_smd"].tolist()[:116] == [0.3] * 116 and curve["tau2"].tolist()[:2] == [0.0, 0.05]
    assert curve["k"].dtype == np.int64


def test_power_curve_hand_value():
    # meta_power's docstring: v = 50/625 + 0.09/100 = 0.0809, lambda = 0.3/sqrt(0.1309/10) = 2.6221, power 0.7461
    curve = power_curve(0.3, 10, 25, 25, tau2=0.05)
    assert len(curve) == 1 and round(float(curve["power"].iloc[0]), 4) == 0.7461


@pytest.mark.parametrize("kwargs, text", [({"effect": [[0.3, 0.5]]}, "one-dimensional"),
                                          ({"k": []}, "one-dimensional"),
                                          ({"effect": "big"}, "effect='big'"),
                                          ({"k": [0, 5]}, "k must be finite and >= 1"),
                                          ({"tau2": -0.1}, "tau2 must be finite and >= 0")])
def test_power_curve_bad_input(kwargs, text):
    args = {"effect": 0.3, "k": 10, "n1": 25, "n2": 25, **kwargs}
    with pytest.raises(OptionError, match=text):
        power_curve(**args)


# --- power_plot --------------------------------------------------------------------------------------------

def test_one_line_per_effect_size_through_the_table_values_and_the_target_line():
    curve = power_curve([0.3, 0.5, 0.62], range(2, 31), 25, 25, tau2=0.05)
    fig = power_plot(curve)
    ax = fig.axes[0]
    lines = _curves(fig)
    assert sorted(lines) == ["curve-1", "curve-2", "curve-3"]
    for i, d in enumerate([0.3, 0.5, 0.62], start=1):
        part = curve[curve["true_smd"] == d]
        np.testing.assert_array_equal(lines[f"curve-{i}"].get_xdata(), part["k"].to_numpy(dtype=float))
        np.testing.assert_array_equal(lines[f"curve-{i}"].get_ydata(), part["power"].to_numpy())
        assert lines[f"curve-{i}"].get_label() == f"\u03b4 = {d:g}"
    target = [line for line in ax.lines if line.get_gid() == "target"]
    assert len(target) == 1 and list(target[0].get_ydata()) == [0.8, 0.8]
    assert target[0].get_linestyle() == "--"
    assert ax.get_ylim() == (0.0, 1.0)
    assert ax.get_xlabel() == "Number of studies (k)" and ax.get_ylabel() == "Power"
    # curves differ in colour and marker (greyscale-safe)
    assert len({line.get_marker() for line in lines.values()}) == 3
    assert len({line.get_color() for line in lines.values()}) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["80% power", "\u03b4 = 0.3", "\u03b4 = 0.5",
                                                                   "\u03b4 = 0.62"]


def test_simulated_power_against_clients_with_se_bars_sorted_by_x():
    # a simulate_power-like table, rows deliberately not in x order
    sim = pd.DataFrame({"n_clients": [120, 60, 90, 60, 90, 120], "true_smd": [0.6] * 3 + [0.8] * 3,
                        "effect_repaired": [0.3] * 3 + [0.4] * 3, "power": [0.7, 0.3, 0.5, 0.5, 0.7, 0.9],
                        "power_se": [0.046, 0.046, 0.05, 0.05, 0.046, 0.03], "n_reps": [100] * 6,
                        "n_analysed": [100] * 6})
    fig = power_plot(sim, x="n_clients", by="true_smd", target=0.9)
    ax = fig.axes[0]
    lines = _curves(fig)
    assert list(lines["curve-1"].get_xdata()) == [60, 90, 120]
    assert list(lines["curve-1"].get_ydata()) == [0.3, 0.5, 0.7]
    assert lines["curve-2"].get_label() == "\u03b4 = 0.8"
    bars = [c for c in ax.collections if str(c.get_gid()).startswith("se-")]
    assert len(bars) == 2
    segments = bars[0].get_segments()  # one vertical bar per point: power -+ power_se, as given
    assert [tuple(np.round(s[:, 1], 10)) for s in segments] == [(0.254, 0.346), (0.45, 0.55), (0.654, 0.746)]
    assert [line.get_ydata()[0] for line in ax.lines if line.get_gid() == "target"] == [0.9]
    assert ax.get_xlabel() == "Number of clients"
    assert ax.get_legend().get_title().get_text() == "Bars: \u00b1 1 Monte Carlo SE"
    assert not [c for c in power_plot(sim, x="n_clients", by="true_smd", errorbars=False).axes[0].collections
                if str(c.get_gid()).startswith("se-")]


def test_default_groups_are_the_varying_parameter_columns():
    curve = power_curve(0.3, range(2, 11), 25, 25, tau2=[0.0, 0.1])
    lines = _curves(power_plot(curve))
    assert [line.get_label() for line in lines.values()] == ["\u03c4\u00b2 = 0", "\u03c4\u00b2 = 0.1"]
    one = _curves(power_plot(power_curve(0.3, range(2, 11), 25, 25), target=None))
    assert len(one) == 1  # nothing varies but k: one curve


def test_two_rows_at_one_x_in_a_curve_is_an_error_naming_by():
    curve = power_curve([0.3, 0.5], range(2, 6), 25, 25)
    with pytest.raises(DataError, match="by="):
        power_plot(curve, by=[])


@pytest.mark.parametrize("frame, kwargs, error, text", [
    (pd.DataFrame({"k": [2, 3]}), {}, DataError, "missing: power"),
    (pd.DataFrame({"k": [], "power": []}), {}, DataError, "at least one row"),
    (pd.DataFrame({"k": [2, 3], "power": [0.2, np.nan]}), {}, DataError, "row 2"),
    (pd.DataFrame({"k": [2, 3], "power": [0.2, 1.2]}), {}, DataError, "between 0 and 1"),
    (pd.DataFrame({"k": ["a", "b"], "power": [0.2, 0.3]}), {}, DataError, "'k' must hold numbers"),
    (pd.DataFrame({"k": [2, 3], "power": [0.2, 0.3]}), {"target": 1.5}, OptionError, "target=1.5"),
    (pd.DataFrame({"k": [2, 3], "power": [0.2, 0.3]}), {"by": "tau2"}, DataError, "missing: tau2"),
])
def test_bad_tables_and_options(frame, kwargs, error, text):
    with pytest.raises(error, match=text):
        power_plot(frame, **kwargs)


def test_not_a_table_is_a_data_error():
    with pytest.raises(DataError, match="DataFrame"):
        power_plot([0.2, 0.3])


def test_saved_at_300_dpi(tmp_path):
    from PIL import Image

    fig = power_plot(power_curve([0.3, 0.5], range(2, 21), 25, 25, tau2=0.05))
    path = save_figure(fig, tmp_path / "power.png")
    with Image.open(path) as img:
        assert tuple(round(v) for v in img.info["dpi"]) == (300, 300)


def test_draws_into_given_axes():
    fig, ax = plt.subplots()
    out = power_plot(power_curve(0.5, range(2, 8), 25, 25), ax=ax)
    assert out is fig and len(_curves(out)) == 1
