"""One-stage IPD model and the two-stage comparison (issue 13 item 4).

Reference numbers come from ``tests/reference/ipd_reference.json``, written by
``tests/reference/make_ipd_reference.R`` (R 4.2.2, lme4 1.1.31, lmerTest 3.1.3, metafor 3.8.1; versions in the
file) on the committed table ``tests/reference/ipd_clients.csv``; each case carries its exact R call.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ruptstats.conditions import compare_conditions
from ruptstats.exceptions import DataError, OptionError
from ruptstats.mixed import IPDComparison, OneStageResult, one_stage, two_stage_vs_one_stage
from tests.tolerances import CLOSED_FORM, ITERATIVE, LME4_ESTIMATE, SATTERTHWAITE

REF_DIR = Path(__file__).parent / "reference"
REFERENCE = json.loads((REF_DIR / "ipd_reference.json").read_text(encoding="utf-8"))
ONE = {case["name"]: case for case in REFERENCE["one_stage"]}
TWO = {case["name"]: case for case in REFERENCE["two_stage"]}
CLIENTS = pd.read_csv(REF_DIR / "ipd_clients.csv")


def test_reference_grid_is_complete_and_versioned():
    assert {"random_baseline_none", "random_baseline_unrepaired", "random_unrepaired", "fixed_baseline_none",
            "one_study_a"} <= set(ONE)
    assert {"two_stage_md", "two_stage_ancova"} <= set(TWO)
    versions = REFERENCE["versions"]
    assert versions["lme4"] and versions["lmerTest"] and versions["metafor"]
    assert ONE["random_baseline_none"]["tau2"] > 0.1  # not a singular fit: the random study effect is estimated


def _fixed_close(got: pd.DataFrame, ref: list):
    ref = pd.DataFrame(ref)
    assert got["term"].tolist() == ref["term"].tolist()
    for col in ("estimate", "se", "statistic"):
        np.testing.assert_allclose(got[col], ref[col], rtol=LME4_ESTIMATE)
    np.testing.assert_allclose(got["df"], ref["df"], rtol=SATTERTHWAITE)
    np.testing.assert_allclose(np.log(got["p"]), np.log(ref["p"]), rtol=SATTERTHWAITE)


@pytest.mark.parametrize("name,baseline,reference", [("random_baseline_none", "pre", "none"),
                                                     ("random_baseline_unrepaired", "pre", "unrepaired"),
                                                     ("random_unrepaired", None, "unrepaired")])
def test_random_study_model_equals_lmertest(name, baseline, reference):
    ref = ONE[name]
    res = one_stage(CLIENTS, outcome="post", baseline=baseline, reference=reference)
    _fixed_close(res.fixed_frame(), ref["fixed"])
    np.testing.assert_allclose([res.tau2, res.sigma2], [ref["tau2"], ref["sigma2"]], rtol=LME4_ESTIMATE)
    assert res.n_obs == ref["n_obs"] == 84 and res.n_dropped == 3  # 2 missing post + 1 missing condition
    assert res.n_studies == 4 and res.formula == ref["formula"]
    rows = res.effects.set_index("term")
    fixed = pd.DataFrame(ref["fixed"]).set_index("term")
    others = [c for c in ("none", "unrepaired", "repaired") if c != reference]
    assert res.effects["condition"].tolist() == others
    np.testing.assert_allclose(rows.loc[[f"condition{c}" for c in others], "estimate"],
                               fixed.loc[[f"condition{c}" for c in others], "estimate"], rtol=LME4_ESTIMATE)


def test_fixed_study_model_equals_lm():
    ref = ONE["fixed_baseline_none"]  # summary(lm(post ~ pre + condition + study))
    res = one_stage(CLIENTS, outcome="post", baseline="pre", study_effect="fixed")
    got = res.fixed_frame()
    refd = pd.DataFrame(ref["fixed"])
    assert got["term"].tolist() == refd["term"].tolist()  # studyStudy B ... as R names them
    for col in ("estimate", "se", "df", "statistic", "p", "ci_lower", "ci_upper"):
        np.testing.assert_allclose(got[col], refd[col], rtol=CLOSED_FORM)
    np.testing.assert_allclose(res.sigma2, ref["sigma2"], rtol=CLOSED_FORM)
    assert res.tau2 is None and res.model is None


@pytest.mark.parametrize("study_effect", ["random", "fixed"])
def test_one_study_is_lm_and_the_studys_own_comparison(study_effect):
    ref = ONE["one_study_a"]  # summary(lm(post ~ condition)) on Study A, reference unrepaired
    study_a = CLIENTS[CLIENTS["study"] == "Study A"]
    res = one_stage(study_a, outcome="post", reference="unrepaired", study_effect=study_effect)
    got = res.fixed_frame()
    refd = pd.DataFrame(ref["fixed"])
    for col in ("estimate", "se", "df", "statistic", "p", "ci_lower", "ci_upper"):
        np.testing.assert_allclose(got[col], refd[col], rtol=CLOSED_FORM)
    assert res.n_studies == 1 and any("one study" in n for n in res.notes)
    # the repaired coefficient is the study's own repaired-vs-unrepaired mean difference
    own = compare_conditions(study_a, outcome="post").contrasts[0]
    repaired = res.effects.set_index("condition").loc["repaired", "estimate"]
    np.testing.assert_allclose(repaired, own["mean_difference"], rtol=CLOSED_FORM)
    # with a baseline: the study's own ANCOVA coefficient, estimate and SE
    res_b = one_stage(study_a, outcome="post", baseline="pre", reference="unrepaired", study_effect=study_effect)
    anc = compare_conditions(study_a, outcome="post", baseline="pre", reference="unrepaired").ancova
    row = next(r for r in anc["coefficient_rows"] if r["term"] == "repaired")
    eff = res_b.effects.set_index("condition").loc["repaired"]
    np.testing.assert_allclose([eff["estimate"], eff["se"], eff["p"]], [row["estimate"], row["se"], row["p"]],
                               rtol=CLOSED_FORM)


@pytest.mark.parametrize("name,baseline", [("two_stage_md", None), ("two_stage_ancova", "pre")])
def test_two_stage_equals_escalc_md_or_ancova_and_rma(name, baseline):
    ref = TWO[name]
    both = two_stage_vs_one_stage(CLIENTS, outcome="post", baseline=baseline)
    studies = pd.DataFrame(ref["studies"])
    assert both.studies["study"].tolist() == studies["study"].tolist()
    np.testing.assert_allclose(both.studies["estimate"], studies["yi"], rtol=CLOSED_FORM)
    np.testing.assert_allclose(both.studies["se"] ** 2, studies["vi"], rtol=CLOSED_FORM)
    two = both.two_stage
    np.testing.assert_allclose([two.estimate, two.se, two.tau2, two.ci_lower, two.ci_upper],
                               [ref["estimate"], ref["se"], ref["tau2"], ref["ci_lower"], ref["ci_upper"]],
                               rtol=ITERATIVE)
    frame = both.summary_frame()
    assert frame["approach"].tolist() == ["study"] * 4 + ["two_stage", "one_stage"]
    one_ref = pd.DataFrame(ONE["random_baseline_unrepaired" if baseline else "random_unrepaired"]["fixed"])
    np.testing.assert_allclose(frame["estimate"].iloc[-1],
                               one_ref.set_index("term").loc["conditionrepaired", "estimate"], rtol=LME4_ESTIMATE)
    assert both.measure == ("ANCOVA" if baseline else "MD")


def _simulate(seed, k=8, n=90, effect=-6.0, tau=4.0, baseline=False):
    """k studies with a known repaired-vs-unrepaired difference ``effect`` on the outcome scale."""
    rng = np.random.default_rng(seed)
    study = np.repeat([f"S{i}" for i in range(k)], n)
    cond = np.tile(["none", "unrepaired", "repaired"], k * n // 3)
    pre = rng.normal(80, 10, k * n)
    post = (40 + (0.5 * pre if baseline else 0) + rng.normal(0, tau, k)[np.repeat(np.arange(k), n)]
            + effect * (cond == "repaired") + rng.normal(0, 6, k * n))
    return pd.DataFrame({"study": study, "condition": cond, "pre": pre, "post": post})


@pytest.mark.parametrize("baseline", [None, "pre"])
def test_both_stages_recover_a_known_effect(baseline):
    clients = _simulate(13, baseline=baseline is not None)
    both = two_stage_vs_one_stage(clients, outcome="post", baseline=baseline)
    frame = both.summary_frame().set_index("approach")
    for approach in ("two_stage", "one_stage"):
        row = frame.loc[approach]
        assert row["ci_lower"] < -6.0 < row["ci_upper"]  # the true difference, set in _simulate
        assert abs(row["estimate"] + 6.0) < 3 * row["se"]
    # the one-stage random model with a known between-study SD of 4 finds a clearly positive tau2
    assert both.one_stage.tau2 > 1.0


def test_recovery_over_replications_is_unbiased():
    """Over 20 seeded replications both mean estimates lie within 3 Monte Carlo SEs of the true -6."""
    one, two = [], []
    for seed in range(20):
        both = two_stage_vs_one_stage(_simulate(seed, k=5, n=60), outcome="post", study_effect="fixed")
        frame = both.summary_frame().set_index("approach")["estimate"]
        one.append(frame["one_stage"])
        two.append(frame["two_stage"])
    for values in (one, two):
        mc_se = np.std(values, ddof=1) / np.sqrt(len(values))
        assert abs(np.mean(values) + 6.0) < 3 * mc_se + 1e-9


def test_dict_input_and_strict_json():
    tables = {s: t.drop(columns="study") for s, t in CLIENTS.groupby("study")}
    from_dict = two_stage_vs_one_stage(tables, outcome="post", baseline="pre")
    from_frame = two_stage_vs_one_stage(CLIENTS, outcome="post", baseline="pre")
    pd.testing.assert_frame_equal(from_dict.summary_frame(), from_frame.summary_frame())
    assert isinstance(from_dict, IPDComparison) and isinstance(from_dict.one_stage, OneStageResult)
    payload = from_dict.to_dict()
    json.dumps(payload, allow_nan=False)
    assert [r["approach"] for r in payload["rows"]][-2:] == ["two_stage", "one_stage"]
    assert "One-stage" in from_dict.summary() and "Two-stage" in from_dict.summary()
    text = one_stage(CLIENTS, outcome="post").summary()
    assert "repaired vs none" in text and "tau2" in text


def test_a_study_without_an_estimate_is_left_out_with_a_note():
    clients = CLIENTS.copy()
    drop = (clients["study"] == "Study C") & (clients["condition"] == "repaired")
    clients = pd.concat([clients[~drop], clients[drop].head(1)])  # one repaired client: no SD
    both = two_stage_vs_one_stage(clients, outcome="post")
    assert "Study C" not in both.studies["study"].tolist() and both.two_stage.k == 3
    assert any("Study C" in n for n in both.notes)


def test_terms_carry_the_callers_column_names():
    renamed = CLIENTS.rename(columns={"condition": "group", "study": "trial", "pre": "oq_pre"})
    res = one_stage(renamed, outcome="post", baseline="oq_pre", condition="group", study="trial",
                    study_effect="fixed")
    assert res.fixed["term"].tolist()[:4] == ["(Intercept)", "oq_pre", "groupunrepaired", "grouprepaired"]
    assert res.fixed["term"].tolist()[4] == "trialStudy B"
    assert res.formula == "post ~ oq_pre + group + trial"
    ref = pd.DataFrame(ONE["fixed_baseline_none"]["fixed"])
    np.testing.assert_allclose(res.fixed["estimate"], ref["estimate"], rtol=CLOSED_FORM)


def test_errors_name_the_problem():
    with pytest.raises(OptionError, match="study_effect"):
        one_stage(CLIENTS, outcome="post", study_effect="mixed")
    with pytest.raises(OptionError, match="reference"):
        one_stage(CLIENTS, outcome="post", reference="good")
    with pytest.raises(DataError, match="'trial'"):
        one_stage(CLIENTS, outcome="post", study="trial")
    with pytest.raises(DataError, match="post2"):
        one_stage(CLIENTS, outcome="post2")
    bad = CLIENTS.copy()
    bad.loc[3, "condition"] = "ruptured"
    with pytest.raises(DataError, match="ruptured") as info:
        one_stage(bad, outcome="post")
    assert info.value.row == 4
    text = CLIENTS.assign(post=CLIENTS["post"].astype(object))
    text.loc[6, "post"] = "seventy"
    with pytest.raises(DataError, match="seventy") as info:
        one_stage(text, outcome="post")
    assert info.value.row == 7
    with pytest.raises(DataError, match="reference condition"):
        one_stage(CLIENTS[CLIENTS["condition"] != "none"], outcome="post")
    with pytest.raises(DataError):
        one_stage([1, 2, 3], outcome="post")


def test_hostile_tables_give_data_errors_in_the_callers_terms():
    with pytest.raises(DataError, match="no client has a value"):
        one_stage(CLIENTS.assign(post=np.nan), outcome="post", baseline="pre")
    with pytest.raises(DataError, match="no client has a value"):
        one_stage(CLIENTS.iloc[:0], outcome="post")
    with pytest.raises(DataError, match="constant") as info:
        one_stage(CLIENTS.assign(post=1.0), outcome="post")
    assert info.value.column == "post"  # not the model's internal name
    with pytest.raises(DataError, match="pre") as info:
        one_stage(CLIENTS.head(3), outcome="post", baseline="pre", study_effect="fixed")
    assert "baseline" not in info.value.message
    with pytest.raises(DataError, match="finite"):
        one_stage(CLIENTS.assign(post=CLIENTS["post"].where(CLIENTS.index != 2, np.inf)), outcome="post")
    tables = {s: t.drop(columns="study").reset_index(drop=True) for s, t in CLIENTS.groupby("study")}
    tables["Study B"].loc[4, "condition"] = "ruptured"
    with pytest.raises(DataError, match="Study B") as info:
        two_stage_vs_one_stage(tables, outcome="post")
    assert info.value.row == 5  # the row of Study B's own table
    with pytest.raises(OptionError, match="different columns"):
        one_stage(CLIENTS, outcome="post", baseline="post")
