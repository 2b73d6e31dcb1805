"""The pooling engine against metafor 3.8.1.

Reference values: tests/reference/*.json, made by the R scripts beside them (see PROVENANCE.md):
molloy2014 / normand1999 / bcg from make_reference_shared.R, meta_reference.json from make_meta_reference.R,
convergence.json from make_convergence_reference.R.
"""

import math

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE_DIR, load_reference
from tolerances import (CLOSED_FORM, EXACT, ITERATIVE, METAFOR_DEFAULT_STOP,
                        SCORE_AT_OPTIMUM, TAU2_BOUNDARY_ATOL, ZERO_ATOL)

from ruptstats.effects import zcor
from ruptstats.meta import load_example, rma, subgroup_analysis

#: closed-form estimators (CLOSED_FORM tolerance); the others are iterative (ML, REML, EB, PM), as is everything
#: computed by a root search (Q-profile CIs)
CLOSED_FORM_METHODS = {"FE", "DL", "HE", "HS", "SJ"}

K1_UNDEFINED = {"tau2", "tau2_se", "i2", "h2", "q", "q_df", "q_p"}
MOLLOY_MODELS = {"FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM", "DL_knha", "REML_knha"}


def _tolerance(method: str, key: str) -> float:
    if method in CLOSED_FORM_METHODS and not key.startswith(("tau2_ci", "i2_ci")):
        return CLOSED_FORM
    return ITERATIVE


def assert_model_matches(result, expected: dict, method: str, label: str):
    """Compare every key metafor wrote (model_keys in shared_lib/contract.R) with our to_dict()."""
    got = result.to_dict()
    checked = 0
    for key, want in expected.items():
        if result.k == 1 and key in K1_UNDEFINED:
            # metafor fills in tau2 = 0, I2 = 0, H2 = 1, Q = 0, p = 1 for one study; ruptstats reports
            # heterogeneity as undefined (None) and says so in the notes.
            assert got[key] is None, (label, key)
            continue
        if key in ("method", "test"):
            assert got[key] == want, (label, key)
            continue
        if key == "back_transformed":
            for sub, w in want.items():
                assert got[key][sub] == pytest.approx(w, rel=_tolerance(method, sub), abs=ZERO_ATOL), (label, key, sub)
                checked += 1
            continue
        if want is None:
            assert got.get(key) is None or method == "FE", (label, key)
            continue
        assert got[key] is not None, (label, key)
        assert got[key] == pytest.approx(want, rel=_tolerance(method, key), abs=ZERO_ATOL), (label, key)
        checked += 1
    assert checked >= (8 if result.k == 1 else 15), f"{label}: only {checked} values compared"


def _arrays(entries):
    return np.array([e["yi"] for e in entries]), np.array([e["vi"] for e in entries])


def test_reference_grids_are_complete():
    """The reference files hold every model the tests rely on; a shrunken grid fails here."""
    assert set(load_reference("molloy2014")["models"]) == MOLLOY_MODELS
    assert set(load_reference("normand1999")["models"]) == {"SMD_FE", "SMD_DL", "SMD_REML", "SMD_PM"}
    assert set(load_reference("bcg")["models"]) == {"RR_FE", "RR_DL", "RR_REML"}
    meta = load_reference("meta_reference")
    assert set(meta["example"]) == {"FE", "DL", "REML", "PM", "REML_knha", "REML_level90"}
    assert set(meta["k2"]["models"]) == {"FE", "DL", "REML", "PM", "REML_knha"}
    assert set(load_reference("convergence")["tables"]) == {"big_study_a", "big_study_b"}


def test_molloy_escalc_zcor_matches_metafor():
    ref = load_reference("molloy2014")
    data = pd.read_csv(REFERENCE_DIR / "molloy2014.csv")
    yi, vi = zcor(data["ri"], data["ni"])
    want_y, want_v = _arrays(ref["escalc"])
    np.testing.assert_allclose(yi, want_y, rtol=EXACT)
    np.testing.assert_allclose(vi, want_v, rtol=EXACT)


@pytest.mark.parametrize("name", sorted(MOLLOY_MODELS))
def test_molloy_every_estimator(name):
    """molloy2014.json: rma(yi, vi, method = m[, test = "knha"]) with Fisher z, back-transformed to r."""
    ref = load_reference("molloy2014")
    yi, vi = _arrays(ref["escalc"])
    method, _, test = name.partition("_")
    res = rma(yi, vi, method=method, test=test or "z", measure="ZCOR")
    assert_model_matches(res, ref["models"][name], method, f"molloy {name}")


@pytest.mark.parametrize("name", ["SMD_FE", "SMD_DL", "SMD_REML", "SMD_PM"])
def test_normand_smd_models(name):
    ref = load_reference("normand1999")
    yi, vi = _arrays(ref["escalc"]["SMD"])
    method = name.split("_")[1]
    assert_model_matches(rma(yi, vi, method=method, measure="SMD"), ref["models"][name], method, name)


@pytest.mark.parametrize("name", ["RR_FE", "RR_DL", "RR_REML"])
def test_bcg_log_risk_ratio_models(name):
    """bcg.json: log risk ratios, back-transformed with exp."""
    ref = load_reference("bcg")
    yi, vi = _arrays(ref["escalc"]["RR"])
    method = name.split("_")[1]
    assert_model_matches(rma(yi, vi, method=method, measure="RR"), ref["models"][name], method, name)


def _example_effects():
    table = load_example()
    yi, vi = zcor(table["r"], table["n"])
    return table, yi, vi


@pytest.mark.parametrize("name", ["FE", "DL", "REML", "PM", "REML_knha", "REML_level90"])
def test_bundled_example(name):
    """meta_reference.json: the bundled example table pooled by metafor."""
    expected = load_reference("meta_reference")["example"][name]
    table, yi, vi = _example_effects()
    method = name.split("_")[0]
    test = "knha" if name.endswith("knha") else "z"
    level = 90 if name.endswith("level90") else 95
    res = rma(yi, vi, method=method, test=test, level=level, measure="ZCOR", study=table["study"])
    assert_model_matches(res, expected, method, f"example {name}")


def test_example_weights_percent():
    """metafor's weights(res) are percentages: 100 w_i / sum(w)."""
    want = load_reference("meta_reference")["example_weights_REML"]
    _, yi, vi = _example_effects()
    np.testing.assert_allclose(rma(yi, vi).weight, want, rtol=ITERATIVE)
    assert rma(yi, vi).weight.sum() == pytest.approx(100.0, rel=EXACT)


def test_subgroups_separate_tau2_and_q_between():
    """Per-level REML models and Q_B = QE of rma(estimates, sei = ses, method = "FE") in R."""
    ref = load_reference("meta_reference")["example_subgroups_rater"]
    table, yi, vi = _example_effects()
    sg = subgroup_analysis(rma(yi, vi, measure="ZCOR"), table["rater"], name="rater")
    assert set(sg.subgroups) == set(ref["levels"])
    for level, expected in ref["levels"].items():
        assert_model_matches(sg.subgroups[level], expected, "REML", f"subgroup {level}")
    assert sg.q == pytest.approx(ref["q"], rel=ITERATIVE)
    assert sg.df == ref["df"] == 2
    assert sg.p == pytest.approx(ref["p"], rel=ITERATIVE)


@pytest.mark.parametrize("name", ["FE", "DL", "REML", "PM", "REML_knha"])
def test_two_studies(name):
    ref = load_reference("meta_reference")["k2"]
    method = name.split("_")[0]
    res = rma(ref["yi"], ref["vi"], method=method, test="knha" if name.endswith("knha") else "z")
    assert_model_matches(res, ref["models"][name], method, f"k2 {name}")


@pytest.mark.parametrize("table", ["big_study_a", "big_study_b"])
@pytest.mark.parametrize("method", ["REML", "ML"])
def test_converges_where_fisher_scoring_fails(table, method):
    """metafor's default rma() stops with "Fisher scoring algorithm did not converge" on these tables (recorded
    in convergence.json); ruptstats needs no options and finds the maximum metafor reaches with stepadj = 0.25."""
    ref = load_reference("convergence")["tables"][table]
    yi, vi = zcor(ref["r"], ref["n"])
    res = rma(yi, vi, method=method)
    want = ref[method]
    assert res.tau2 == pytest.approx(want["tau2"], rel=ITERATIVE, abs=TAU2_BOUNDARY_ATOL)
    assert res.estimate == pytest.approx(want["estimate"], rel=ITERATIVE)
    assert res.se == pytest.approx(want["se"], rel=ITERATIVE)
    assert res.tau2_se == pytest.approx(want["tau2_se"], rel=ITERATIVE)
    if ref["default_fails"][method]:
        assert res.fit.tau2.fallback
        assert any("did not converge" in note for note in res.notes)


def test_tight_control_reaches_the_exact_maximum():
    """With control={"threshold": 1e-12} the REML score (y'PPy - tr P) is zero at the estimate."""
    from ruptstats.meta.estimators import _score

    ref = load_reference("molloy2014")
    yi, vi = _arrays(ref["escalc"])
    res = rma(yi, vi, control={"threshold": 1e-13})
    X = np.ones((yi.size, 1))
    assert abs(_score(res.tau2, yi - yi.mean(), vi, X, reml=True)) < SCORE_AT_OPTIMUM
    # metafor's default threshold (1e-5) stops within 1e-3 of the exact maximum on this table
    assert math.isclose(res.tau2, ref["models"]["REML"]["tau2"], rel_tol=METAFOR_DEFAULT_STOP)
