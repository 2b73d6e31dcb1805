"""The condition, dropout, trajectory and rule-comparison figures (ruptstats.plotting.conditions / .trajectories),
tested for what they draw under the Agg backend, and the Wilson intervals of the dropout analysis against R.

Every drawn number is compared with the result object it was drawn from (the plots compute nothing); the Wilson
intervals come from R's prop.test (tests/reference/conditions_reference.json, made by
tests/reference/make_conditions_reference.R, and the Rscript calls quoted beside the edge cases below).
"""

import json
import math
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ruptstats.conditions import compare_conditions  # noqa: E402
from ruptstats.conditions.dropout import wilson_interval  # noqa: E402
from ruptstats.exceptions import DataError, OptionError  # noqa: E402
from ruptstats.plotting import (condition_plot, dropout_plot, rules_plot, save_figure,  # noqa: E402
                                trajectory_plot)
from ruptstats.sessions import (alliance_around_ruptures, classify_sessions, client_conditions,  # noqa: E402
                                compare_rules, read_sessions)

ROOT = Path(__file__).resolve().parents[1]
REF = Path(__file__).parent / "reference"
STUDY = ROOT / "data" / "sessions" / "study_b_wide.xlsx"
CLOSED_FORM_REL = 1e-12  # Wilson's interval is closed form: R and numpy differ only by rounding
DRAWN_REL = 1e-12  # a drawn coordinate is the result's number itself (float64 through matplotlib)
ORDER = ("none", "unrepaired", "repaired")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def study():
    """Bundled Study B (Excel, trajectory rule): 10 / 11 / 9 clients (none / unrepaired / repaired)."""
    data = read_sessions(STUDY, STUDY.with_suffix(".toml"))
    classified = classify_sessions(data.sessions, rule=data.rule)
    clients = client_conditions(classified, by=data.condition_by, covariates=data.report.client_level)
    comparison = compare_conditions(clients, outcome="post", baseline="pre", dropout="dropout",
                                    higher_is_better=False)
    return data, classified, comparison


def _gid(ax, gid):
    return [a for a in ax.get_children() if a.get_gid() == gid]


def _segments(ax, gid="ci"):
    (lc,) = _gid(ax, gid)
    return [np.asarray(s) for s in lc.get_segments()]


# -- condition_plot ---------------------------------------------------------------------------------------------

def test_condition_plot_draws_every_client_and_the_result_means_and_intervals(study):
    _, _, res = study
    ax = condition_plot(res).axes[0]
    (points,) = _gid(ax, "clients")
    xy = np.asarray(points.get_offsets())
    assert len(xy) == len(res.values) == sum(res.n.values()) == 30  # 10 + 11 + 9 clients of Study B
    for i, cond in enumerate(ORDER):  # each client's value, spread around its condition's slot
        mine = np.abs(xy[:, 0] - i) <= 0.12 + 1e-12
        assert sorted(xy[mine, 1]) == sorted(res.values.loc[res.values["condition"] == cond, "value"])
    (means,) = _gid(ax, "means")
    desc = res.descriptives_frame()
    assert np.asarray(means.get_offsets())[:, 1] == pytest.approx(desc["mean"], rel=DRAWN_REL)
    segments = _segments(ax)
    assert len(segments) == 3
    assert [s[0, 1] for s in segments] == pytest.approx(desc["ci_lower"], rel=DRAWN_REL)
    assert [s[1, 1] for s in segments] == pytest.approx(desc["ci_upper"], rel=DRAWN_REL)
    assert ax.get_ylabel() == "Change, post \u2212 pre (lower is better)"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["No rupture\nn = 10", "Unrepaired\nn = 11",
                                                            "Repaired\nn = 9"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Client", "Mean and 95% CI"]
    assert len(_gid(ax, "no-change")) == 1  # the zero line of a change score


def test_condition_plot_adjusted_draws_the_ancova_means_and_the_outcome(study):
    _, _, res = study
    ax = condition_plot(res, adjusted=True).axes[0]
    adj = res.adjusted_means_frame()
    (means,) = _gid(ax, "means")
    assert np.asarray(means.get_offsets())[:, 1] == pytest.approx(adj["adjusted_mean"], rel=DRAWN_REL)
    segments = _segments(ax)
    assert [s[0, 1] for s in segments] == pytest.approx(adj["ci_lower"], rel=DRAWN_REL)
    assert [s[1, 1] for s in segments] == pytest.approx(adj["ci_upper"], rel=DRAWN_REL)
    (points,) = _gid(ax, "clients")
    assert sorted(np.asarray(points.get_offsets())[:, 1]) == sorted(res.values["outcome"])
    assert ax.get_ylabel() == "post, adjusted for pre (lower is better)"
    assert ax.get_legend().get_texts()[1].get_text() == "Adjusted mean and 95% CI"
    assert _gid(ax, "no-change") == []


def test_condition_plot_adjusted_without_ancova_is_an_option_error():
    clients = pd.DataFrame({"condition": list(ORDER) * 3, "post": np.arange(9.0)})
    res = compare_conditions(clients, outcome="post")
    with pytest.raises(OptionError, match="adjusted=True.*baseline="):
        condition_plot(res, adjusted=True)
    assert plt.get_fignums() == []  # no figure left behind


def test_condition_plot_direction_and_outcome_labels():
    clients = pd.DataFrame({"condition": list(ORDER) * 3, "ors": np.arange(9.0) ** 1.5})
    label = {hib: condition_plot(compare_conditions(clients, outcome="ors", higher_is_better=hib)).axes[0]
             .get_ylabel() for hib in (True, False, None)}
    assert label == {True: "ors (higher is better)", False: "ors (lower is better)", None: "ors"}


def test_condition_with_one_or_no_client_is_drawn_without_an_interval_and_without_warnings():
    clients = pd.DataFrame({"condition": ["none"] * 4 + ["repaired"], "post": [1.0, 2.0, 4.0, 5.0, 9.0]})
    res = compare_conditions(clients, outcome="post")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = condition_plot(res).axes[0]
    (points,) = _gid(ax, "clients")
    assert len(points.get_offsets()) == 5
    (means,) = _gid(ax, "means")
    offsets = np.asarray(means.get_offsets())
    assert offsets[:, 1].tolist() == [3.0, 9.0]  # means of 1, 2, 4, 5 and of the single repaired client
    assert np.round(offsets[:, 0]).tolist() == [0.0, 2.0]  # none and repaired; unrepaired has no clients
    (segment,) = _segments(ax)  # only "none" has an interval (t(3) interval of the result)
    assert segment[:, 1].tolist() == pytest.approx([res.descriptives[0]["ci_lower"], res.descriptives[0]["ci_upper"]])
    assert ax.get_xticklabels()[1].get_text() == "Unrepaired\nn = 0"


def test_condition_plot_jitter_is_deterministic_and_checked(study):
    _, _, res = study
    a = np.asarray(_gid(condition_plot(res).axes[0], "clients")[0].get_offsets())
    b = np.asarray(_gid(condition_plot(res).axes[0], "clients")[0].get_offsets())
    assert np.array_equal(a, b)
    assert np.unique(a[:, 0]).size == len(a)  # spread: no two clients of a condition share an x
    flat = np.asarray(_gid(condition_plot(res, jitter=0).axes[0], "clients")[0].get_offsets())
    assert set(flat[:, 0]) == {0.0, 1.0, 2.0}
    with pytest.raises(OptionError, match="jitter"):
        condition_plot(res, jitter=0.5)


def test_condition_plot_into_given_axes_and_rejects_other_objects(study):
    _, _, res = study
    fig, (left, right) = plt.subplots(1, 2)
    assert condition_plot(res, ax=right) is fig
    assert len(_gid(right, "clients")[0].get_offsets()) == 30 and _gid(left, "clients") == []
    with pytest.raises(DataError, match="ConditionComparison"):
        condition_plot(pd.DataFrame({"condition": ["none"], "value": [1.0]}))


# -- dropout_plot and the Wilson interval ------------------------------------------------------------------------

def test_dropout_plot_draws_the_proportions_and_their_wilson_intervals(study):
    _, _, res = study
    ax = dropout_plot(res).axes[0]
    frame = res.dropout_frame()
    assert frame[["n", "dropouts"]].values.tolist() == [[10, 1], [11, 0], [9, 1]]  # Study B's Abbruch column
    bars = ax.patches
    assert len(bars) == 3
    assert [b.get_height() for b in bars] == pytest.approx(frame["proportion"], rel=DRAWN_REL)
    segments = _segments(ax)
    assert [s[0, 1] for s in segments] == pytest.approx(frame["ci_lower"], rel=DRAWN_REL)
    assert [s[1, 1] for s in segments] == pytest.approx(frame["ci_upper"], rel=DRAWN_REL)
    # Rscript -e 'options(digits = 15); prop.test(1, 10, correct = FALSE)$conf.int'
    # [1] 0.0178762130950729 0.4041500267952384
    assert frame.loc[0, ["ci_lower", "ci_upper"]].tolist() == pytest.approx(
        [0.0178762130950729, 0.4041500267952384], rel=CLOSED_FORM_REL)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["No rupture\n1 of 10", "Unrepaired\n0 of 11",
                                                            "Repaired\n1 of 9"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Dropout proportion", "95% CI (Wilson)"]


def test_dropout_plot_without_dropout_is_an_option_error():
    res = compare_conditions(pd.DataFrame({"condition": list(ORDER) * 2, "post": np.arange(6.0)}), outcome="post")
    with pytest.raises(OptionError, match="dropout="):
        dropout_plot(res)


def test_wilson_intervals_equal_r_prop_test_on_the_reference_tables():
    ref = json.loads((REF / "conditions_reference.json").read_text(encoding="utf-8"))
    checked = 0
    for name, case in ref["cases"].items():
        clients = pd.read_csv(REF / case["file"])
        kwargs = {"baseline": "pre"} if "change" in name else {}
        got = compare_conditions(clients, outcome="post", dropout="dropout", **kwargs).to_dict()["dropout"]
        for g, w in zip(got["proportions"], case["dropout"]["proportions"], strict=True):
            assert w["ci_call"] == "prop.test(dropouts, n, correct = FALSE)$conf.int"
            assert (g["condition"], g["n"], g["dropouts"]) == (w["condition"], w["n"], w["dropouts"])
            for key in ("ci_lower", "ci_upper"):
                assert math.isclose(g[key], w[key], rel_tol=CLOSED_FORM_REL, abs_tol=1e-15), (name, key)
            checked += 1
    assert checked == 12  # 4 cases x 3 conditions


@pytest.mark.parametrize("x, n, level, want", [
    # Rscript -e 'prop.test(0, 5, correct = FALSE)$conf.int' (and so on; options(digits = 15))
    (0, 5, 0.95, (0.0, 0.434482464783175)),
    (5, 5, 0.95, (0.565517535216825, 1.0)),
    (3, 7, 0.90, (0.186443190363956, 0.710522908986407)),  # prop.test(3, 7, conf.level = 0.90, correct = FALSE)
    (1, 1, 0.95, (0.206549314377238, 1.0)),
    (0, 1, 0.95, (0.0, 0.793450685622763)),
])
def test_wilson_interval_edges_equal_r(x, n, level, want):
    assert wilson_interval(x, n, level) == pytest.approx(want, rel=1e-13, abs=1e-15)


@given(n=st.integers(1, 500), data=st.data(), level=st.floats(0.5, 0.999))
def test_wilson_interval_contains_the_proportion_inside_zero_one(n, data, level):
    x = data.draw(st.integers(0, n))
    lower, upper = wilson_interval(x, n, level)
    assert 0.0 <= lower <= x / n <= upper <= 1.0
    assert (lower == 0.0) == (x == 0) and (upper == 1.0) == (x == n)


def test_a_condition_without_clients_has_a_null_interval_in_strict_json():
    clients = pd.DataFrame({"condition": ["none", "none", "repaired", "repaired"], "post": [1.0, 2.0, 3.0, 4.0],
                            "dropout": [True, False, False, False]})
    res = compare_conditions(clients, outcome="post", dropout="dropout")
    row = res.to_dict()["dropout"]["proportions"][1]
    assert (row["n"], row["ci_lower"], row["ci_upper"]) == (0, None, None)
    json.dumps(res.to_dict(), allow_nan=False)
    assert res.dropout_frame()["ci_lower"].isna().tolist() == [False, True, False]
    assert len(_segments(dropout_plot(res).axes[0])) == 2  # no interval, no bar for unrepaired


# -- trajectory_plot ---------------------------------------------------------------------------------------------

def test_trajectory_plot_draws_the_v_shape_from_the_frame(study):
    _, classified, _ = study
    frame = alliance_around_ruptures(classified, before=3, after=3)
    ax = trajectory_plot(frame).axes[0]
    for cond in ("unrepaired", "repaired"):
        (line,) = _gid(ax, f"mean-{cond}")
        part = frame[frame["condition"] == cond]
        assert line.get_xdata().tolist() == [-3, -2, -1, 0, 1, 2, 3]
        assert np.asarray(line.get_ydata()) == pytest.approx(part["mean"], rel=DRAWN_REL)
        (band,) = _gid(ax, f"band-{cond}")
        ys = band.get_paths()[0].vertices[:, 1]
        assert min(ys) == pytest.approx(np.nanmin(part["ci_lower"]), rel=DRAWN_REL)
        assert max(ys) == pytest.approx(np.nanmax(part["ci_upper"]), rel=DRAWN_REL)
    (vline,) = _gid(ax, "rupture-session")
    assert list(vline.get_xdata()) == [0, 0]
    n0 = frame[frame["offset"] == 0].set_index("condition")["n_clients"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        f"Unrepaired (n = {n0['unrepaired']})", f"Repaired (n = {n0['repaired']})", "95% CI"]
    assert ax.get_xlabel() == "Session relative to the rupture session"
    assert [t for t in ax.get_xticks()] == [-3, -2, -1, 0, 1, 2, 3]


def test_trajectory_plot_checks_its_table():
    with pytest.raises(DataError, match="missing: ci_lower, ci_upper"):
        trajectory_plot(pd.DataFrame({"condition": ["repaired"], "offset": [0], "n_clients": [1], "mean": [1.0]}))
    bad = pd.DataFrame({"condition": ["none"], "offset": [0], "n_clients": [1], "mean": [1.0], "ci_lower": [0.0],
                        "ci_upper": [2.0]})
    with pytest.raises(DataError, match="'unrepaired' or 'repaired'"):
        trajectory_plot(bad)


# -- rules_plot --------------------------------------------------------------------------------------------------

def test_rules_plot_draws_one_stacked_bar_per_rule(study):
    data, _, _ = study
    rules = [data.rule, {"type": "trajectory", "c": 2, "sd": "sample"}]
    counts = compare_rules(data.sessions, rules, by=data.condition_by)
    fig = rules_plot(counts)
    (ax,) = fig.axes
    clients = counts[counts["level"] == "client"]
    for cond in ORDER:
        bars = _gid(ax, f"bar-{cond}")
        n = clients[clients["condition"] == cond]["n"].to_numpy()
        assert [b.get_width() for b in bars] == pytest.approx(n / 30)  # 30 clients under each rule
    labels = {t.get_text(): y for t, y in zip(ax.get_yticklabels(), ax.get_yticks())}
    assert sorted(labels, key=labels.get, reverse=True) == list(dict.fromkeys(clients["rule"]))  # first on top
    assert ax.get_xlabel() == "Proportion of clients" and ax.get_title(loc="left") == "Study B"
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["No rupture", "Unrepaired", "Repaired"]
    counted = rules_plot(counts, proportions=False, level="session").axes[0]
    sessions = counts[(counts["level"] == "session") & (counts["condition"] == "repaired")]["n"]
    assert [b.get_width() for b in _gid(counted, "bar-repaired")] == sessions.tolist()
    assert counted.get_xlabel() == "Number of sessions"


def test_rules_plot_one_panel_per_study_and_checks():
    counts = pd.DataFrame({"study": ["S1"] * 6 + ["S2"] * 6, "rule": (["a"] * 3 + ["b"] * 3) * 2,
                           "condition": list(ORDER) * 4, "n": [1, 2, 3, 4, 5, 6, 0, 0, 0, 2, 2, 4]})
    fig = rules_plot(counts)
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["S1", "S2"]
    assert [b.get_width() for b in _gid(fig.axes[1], "bar-repaired")] == [0.0, 0.5]  # rule a of S2 has no client
    with pytest.raises(OptionError, match="level"):
        rules_plot(counts, level="therapist")
    with pytest.raises(DataError, match="missing: n"):
        rules_plot(counts.drop(columns="n"))
    with pytest.raises(DataError, match="condition"):
        rules_plot(counts.assign(condition="other"))


def test_rules_plot_lists_only_each_studys_own_rules():
    """Studies whose rules differ (e.g. an observer rule only where observer ratings exist): each panel lists the
    rules of its own study, no empty rows for the others' rules."""
    counts = pd.DataFrame({"study": ["S1"] * 6 + ["S2"] * 9, "rule": ["a"] * 3 + ["b"] * 3 + ["a"] * 3 + ["c"] * 6,
                           "condition": list(ORDER) * 5, "n": [1, 2, 3, 4, 5, 6, 2, 2, 4, 1, 1, 2, 3, 3, 6]})
    counts.loc[12:, "rule"] = "d"
    fig = rules_plot(counts)
    labels = [[t.get_text() for t in ax.get_yticklabels()] for ax in fig.axes[:2]]
    assert labels == [["a", "b"], ["a", "c", "d"]]  # S1 has rules a, b; S2 has a, c, d (first on top)
    assert [len(_gid(ax, "bar-repaired")) for ax in fig.axes[:2]] == [2, 3]
    # rule c of S2: 1 / 1 / 2 clients, so its repaired bar is 2 / 4 long (the counts above)
    assert [b.get_width() for b in _gid(fig.axes[1], "bar-repaired")] == [0.5, 0.5, 0.5]
    heights = [ax.get_position().height for ax in fig.axes[:2]]
    assert heights[1] > heights[0]  # three bars get a taller panel than two


# -- saving ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("ext", ["png", "pdf", "svg"])
def test_the_four_figures_save_byte_identically(study, tmp_path, ext):
    data, classified, res = study
    draw = {"conditions": lambda: condition_plot(res), "dropout": lambda: dropout_plot(res),
            "trajectory": lambda: trajectory_plot(alliance_around_ruptures(classified)),
            "rules": lambda: rules_plot(compare_rules(data.sessions, [data.rule], by=data.condition_by))}
    for name, make in draw.items():
        a = save_figure(make(), tmp_path / f"{name}_a.{ext}").read_bytes()
        b = save_figure(make(), tmp_path / f"{name}_b.{ext}").read_bytes()
        assert a == b, name
        assert len(a) > 1000
