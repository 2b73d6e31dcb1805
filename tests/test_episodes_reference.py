"""time_to_repair, repair_by_type and stronger_after_repair against R (tests/reference/episodes_reference.json).

The values were produced by ``tests/reference/make_episodes_reference.R`` (survival::survfit with
conf.type = "log" and "log-log", survdiff, coxph(..., cluster = client, ties = "efron"), geepack::geeglm binomial
and gaussian with corstr = "exchangeable", prop.test(correct = FALSE), t.test(paired = TRUE)) on the seeded episode
tables episodes_a.csv (three types) and episodes_b.csv (two types, latencies of 0); the R call of each block is
stored beside its numbers in the JSON.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ruptstats.episodes import repair_by_type, stronger_after_repair, time_to_repair

from tolerances import EPISODE_CLOSED_FORM, EPISODE_ITERATIVE

HERE = Path(__file__).parent / "reference"
REF = json.loads((HERE / "episodes_reference.json").read_text())
CASES = {"a": ["withdrawal", "confrontation", "both"], "b": ["withdrawal", "confrontation"]}
CONF = {"log": "log", "log-log": "log-log"}


def listed(value):
    """R's jsonlite (auto_unbox) writes a vector of length 1 as a scalar: back to a list."""
    return value if isinstance(value, list) else [value]


def table(case):
    return pd.read_csv(HERE / f"episodes_{case}.csv")


def close(got, want, rtol):
    got = np.asarray(got, dtype=float)
    want = np.asarray([np.nan if v is None else v for v in np.atleast_1d(want)], dtype=float)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=0, equal_nan=True)


def test_reference_grid_is_complete():
    assert set(REF) == {"versions", "a", "b"}
    assert {"R", "survival", "geepack", "jsonlite"} <= set(REF["versions"])
    for case, levels in CASES.items():
        c = REF[case]
        assert set(c) == {"type", "strategy", "gee_repaired", "gee_gain", "stronger", "stronger_by_type"}
        for by in ("type", "strategy"):
            assert set(c[by]) == {"log", "log-log", "logrank", "cox"}
        assert set(c["stronger_by_type"]) == set(levels)
        assert len(listed(c["type"]["cox"]["term"])) == len(levels) - 1
        assert len(c["gee_repaired"]["term"]) == 2 * len(levels)  # 1 + (k-1) + 1 + (k-1) with two strategies


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("by", ["type", "strategy"])
@pytest.mark.parametrize("conf_type", ["log", "log-log"])
def test_kaplan_meier_equals_survfit(case, by, conf_type):
    ref = REF[case][by][conf_type]
    overall = time_to_repair(table(case), conf_type=conf_type)
    grouped = time_to_repair(table(case), by=by, conf_type=conf_type)
    for res, want in ((overall, ref["all"]), (grouped, ref["by"])):
        got = res.summary_frame()
        assert got["group"].astype(str).tolist() == [str(g) for g in want["group"]] if res.by is None else True
        for col in ("time", "n_risk", "n_event", "survival", "ci_lower", "ci_upper"):
            close(got[col], want[col], EPISODE_CLOSED_FORM)
    assert got["group"].tolist() == list(want["group"])  # grouped rows: strata in R's factor order
    close(overall.median["all"], ref["median_all"]["all"], EPISODE_CLOSED_FORM)
    assert set(grouped.median) == set(ref["median_by"])
    for g, v in ref["median_by"].items():
        close(grouped.median[g], v, EPISODE_CLOSED_FORM)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("by", ["type", "strategy"])
def test_logrank_and_cox_equal_survdiff_and_coxph_cluster(case, by):
    res = time_to_repair(table(case), by=by)
    lr = REF[case][by]["logrank"]
    close(res.logrank["chi2"], lr["chi2"], EPISODE_CLOSED_FORM)
    close(res.logrank["p"], lr["p"], EPISODE_CLOSED_FORM)
    assert res.logrank["df"] == lr["df"]
    cox = REF[case][by]["cox"]
    frame = res.cox_frame()
    assert [t.split(" vs ")[0] for t in frame["term"]] == [t[len(by):] for t in listed(cox["term"])]
    for col in ("hr", "ci_lower", "ci_upper", "p"):
        close(frame[col], cox[col], EPISODE_ITERATIVE)


@pytest.mark.parametrize("case", list(CASES))
def test_gee_equals_geeglm(case):
    res = repair_by_type(table(case))
    for model, key in ((res.repair, "gee_repaired"), (res.gain, "gee_gain")):
        ref = REF[case][key]
        frame = model.summary_frame()
        assert frame["term"].tolist() == ref["term"]
        close(frame["estimate"], ref["estimate"], EPISODE_ITERATIVE)
        close(frame["se"], ref["se"], EPISODE_ITERATIVE)
        close(frame["p"], ref["p"], EPISODE_ITERATIVE)
        close(model.working_correlation, ref["alpha"], EPISODE_ITERATIVE)
        close(model.scale, ref["scale"], EPISODE_ITERATIVE)
        close(model.interaction["chi2"], ref["interaction_chi2"], EPISODE_ITERATIVE)
        close(model.interaction["p"], ref["interaction_p"], EPISODE_ITERATIVE)
        assert model.interaction["df"] == ref["interaction_df"]
    close(res.repair.summary_frame()["odds_ratio"], np.exp(REF[case]["gee_repaired"]["estimate"]),
          EPISODE_ITERATIVE)


@pytest.mark.parametrize("case", list(CASES))
def test_stronger_after_repair_equals_prop_test_and_paired_t(case):
    res = stronger_after_repair(table(case))
    frame = res.summary_frame().set_index("group")
    wants = {"all": REF[case]["stronger"], **REF[case]["stronger_by_type"]}
    assert list(frame.index) == ["all", *CASES[case]]
    for group, want in wants.items():
        row = frame.loc[group]
        assert row["n"] == want["n"] and row["n_stronger"] == want["x"]
        for col, key in (("share", "share"), ("ci_lower", "ci_lower"), ("ci_upper", "ci_upper"),
                         ("mean_gain", "mean_gain"), ("gain_ci_lower", "gain_ci_lower"),
                         ("gain_ci_upper", "gain_ci_upper"), ("statistic", "t"), ("p", "p")):
            close(row[col], want[key], EPISODE_CLOSED_FORM)


def test_strict_json_of_every_result():
    e = table("a")
    for res in (time_to_repair(e, by="type"), repair_by_type(e), stronger_after_repair(e)):
        text = json.dumps(res.to_dict(), allow_nan=False)
        assert "c01" not in text  # client identifiers never leave
        assert isinstance(res.summary(), str) and res.summary()
