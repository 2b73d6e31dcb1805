"""metafor's model interface (issue 11, items 1-4) against metafor 3.8.1.

Every reference number comes from ``tests/reference/make_parity_reference.R`` (the R call of each case is stored
beside its values in ``parity_reference.json`` under ``call``); the data are the CSVs that script writes.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ruptstats.exceptions import DataError
from ruptstats.meta import (MetaRegressionResult, MetaResult, anova, blup, confint, fitstats, predict, profile,
                            ranef, rma, rstandard, rstudent)
from tolerances import CLOSED_FORM, DELETED_FIT_ABS, ITERATIVE, ITERATIVE_ABS, METAFOR_DEFAULT_STOP

REF_DIR = Path(__file__).parent / "reference"
REF = json.loads((REF_DIR / "parity_reference.json").read_text())
BCG = pd.read_csv(REF_DIR / "parity_bcg.csv")
RAW_BCG = BCG.drop(columns=["yi", "vi", "ni"])
RAU = pd.read_csv(REF_DIR / "parity_raudenbush1985.csv")
MOL = pd.read_csv(REF_DIR / "parity_molloy2014.csv")
MISS = pd.read_csv(REF_DIR / "parity_bcg_missing.csv")


def _bcg(method="REML", test="z", mods=None, **kw):
    return rma("yi", "vi", mods=mods, data=BCG, method=method, test=test, **kw)


#: case name -> the Python call equal to the R call stored under ``call``
FITS = {
    "bcg_ablat_year_REML": lambda: _bcg(mods="~ ablat + year"),
    "bcg_ablat_year_REML_knha": lambda: _bcg(mods="~ ablat + year", test="knha"),
    "bcg_ablat_year_ML": lambda: _bcg("ML", mods="~ ablat + year"),
    "bcg_ablat_year_DL": lambda: _bcg("DL", mods="~ ablat + year"),
    "bcg_ablat_year_EE": lambda: _bcg("EE", mods="~ ablat + year"),
    "bcg_factor_alloc": lambda: _bcg(mods="~ factor(alloc)"),
    "bcg_interaction": lambda: _bcg(mods="~ ablat * factor(alloc) + I(year - 1948)"),
    "bcg_alloc_no_intercept": lambda: _bcg(mods="~ alloc - 1"),
    "bcg_EE": lambda: _bcg("EE"),
    "bcg_REML": lambda: _bcg(),
    "bcg_DL_knha": lambda: _bcg("DL", test="knha"),
    "bcg_escalc_OR": lambda: rma(measure="OR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=RAW_BCG),
    "bcg_weights_ni": lambda: _bcg(mods="~ ablat", weights="ni"),
    "bcg_weights_ni_knha": lambda: _bcg(test="knha", weights="ni"),
    "bcg_missing": lambda: rma("yi", "vi", mods="~ ablat", data=MISS),
    "bcg_vi0_lm": lambda: rma("yi", np.zeros(len(BCG)), mods="~ ablat", data=BCG),
    "raudenbush_weeks": lambda: rma("yi", "vi", mods="~ weeks_c", data=RAU),
    "raudenbush_REML": lambda: rma("yi", "vi", data=RAU),
    "molloy_meanage_design": lambda: rma("yi", "vi", mods="~ meanage + factor(design)", data=MOL),
}

#: likelihood-ratio cases: (full, reduced)
LRTS = {
    "lrt_ML_year": lambda: (_bcg("ML", mods="~ ablat + year"), _bcg("ML", mods="~ ablat")),
    "lrt_ML_intercept": lambda: (_bcg("ML", mods="~ ablat + year"), _bcg("ML")),
    "lrt_REML_vs_EE": lambda: (_bcg(), _bcg("EE")),
    "lrt_EE": lambda: (_bcg("EE", mods="~ ablat"), _bcg("EE")),
}

#: newmods of each case's ``predict_new`` (as in the R call)
NEWMODS = {
    "bcg_ablat_year_REML": [[10, 1950], [30, 1970], [50, 1980]],
    "bcg_ablat_year_REML_knha": [[10, 1950], [30, 1970]],
    "bcg_ablat_year_ML": [30, 1970], "bcg_ablat_year_DL": [30, 1970], "bcg_ablat_year_EE": [30, 1970],
    "bcg_weights_ni": [10, 40],
    "raudenbush_weeks": [0, 1, 2, 3],
}


def _tol(res):
    return (CLOSED_FORM, 1e-12) if res.fit.method in ("FE", "DL") else (ITERATIVE, ITERATIVE_ABS)


def close(actual, expected, tol):
    rtol, atol = tol
    exp = np.array([np.nan if e is None else e for e in np.atleast_1d(expected)], dtype=float)
    act = np.atleast_1d(np.asarray(actual, dtype=float))
    assert act.shape == exp.shape, (act, exp)
    np.testing.assert_allclose(act, exp, rtol=rtol, atol=atol, equal_nan=True)


def test_the_reference_grid_is_complete():
    """Every case the R script writes is tested here, and nothing tested is missing from the file."""
    assert set(REF["cases"]) == set(FITS) | set(LRTS)
    assert REF["versions"]["metafor"] == "3.8.1"


@pytest.mark.parametrize("name", sorted(FITS))
def test_model_equals_metafor(name):
    ref, res = REF["cases"][name]["model"], FITS[name]()
    fit, tol = res.fit, _tol(res)
    assert res.k == ref["k"]
    ref_terms = ref["terms"] if isinstance(ref["terms"], list) else [ref["terms"]]  # jsonlite unboxes length 1
    int_only = ref_terms == ["intrcpt"]
    assert isinstance(res, MetaResult if int_only else MetaRegressionResult)
    terms = ["intercept" if t == "intrcpt" else t for t in ref_terms]
    assert list(getattr(res, "terms", ["intercept"])) == terms
    for mine, theirs in ((fit.beta, "beta"), (fit.se, "se"), (fit.statistic, "zval"), (fit.p, "pval"),
                         (fit.ci_lower, "ci_lb"), (fit.ci_upper, "ci_ub")):
        close(mine, ref[theirs], tol)
    close(res.estimate, ref["beta"], tol)
    close(0.0 if fit.method == "FE" else fit.tau2.tau2, ref["tau2"], tol)
    if ref["se_tau2"] is not None:
        close(fit.tau2.se, ref["se_tau2"], tol)
    for mine, theirs in ((fit.het.q, "QE"), (fit.het.q_p, "QEp"), (fit.het.i2, "I2"), (fit.het.h2, "H2")):
        close(mine, ref[theirs], tol)
    if not int_only:
        close([fit.qm, fit.qm_p], [ref["QM"], ref["QMp"]], tol)
        close(np.nan if res.r2 is None else res.r2, ref.get("R2"), tol)
    fs_ml, fs_reml = fitstats(res, reml=False), fitstats(res, reml=True)
    for key, attr in (("ll", "loglik"), ("dev", "deviance"), ("AIC", "aic"), ("BIC", "bic"), ("AICc", "aicc")):
        close(getattr(fs_ml, attr), ref[f"{key}_ML"], tol)
        close(getattr(fs_reml, attr), ref[f"{key}_REML"], tol)
    close([res.loglik(), res.deviance(), res.aic(), res.bic(), res.aicc()],
          [ref["logLik"], ref["deviance"], ref["AIC"], ref["BIC"], ref["AICc"]], tol)


def _pred(p, ref, tol):
    close(p.pred, ref["pred"], tol)
    close(p.ci_lower, ref["ci_lb"], tol)
    close(p.ci_upper, ref["ci_ub"], tol)
    if ref.get("pi_lb") is not None:
        close(p.pi_lower, ref["pi_lb"], tol)
        close(p.pi_upper, ref["pi_ub"], tol)
    if not p.transformed:
        close(p.se, ref["se"], tol)


@pytest.mark.parametrize("name", sorted(n for n in FITS if {"predict", "predict_new", "predict_fitted",
                                                             "predict_exp"} & set(REF["cases"][n])))
def test_predict_equals_metafor(name):
    case, res = REF["cases"][name], FITS[name]()
    tol = _tol(res)
    checked = 0
    if "predict_new" in case and name in NEWMODS:
        _pred(predict(res, NEWMODS[name]), case["predict_new"], tol)
        _pred(res.predict(NEWMODS[name]), case["predict_new"], tol)
        checked += 1
    if "predict_fitted" in case or "predict" in case:
        _pred(predict(res), case.get("predict_fitted", case.get("predict")), tol)
        checked += 1
    if "predict_exp" in case:
        _pred(predict(res, transf=np.exp), case["predict_exp"], tol)
        checked += 1
    if name == "molloy_meanage_design":  # predict(r, newmods = c(40, 1), transf = transf.ztor)
        _pred(predict(res, [40, 1], transf=np.tanh), case["predict_new"], tol)  # transf.ztor is tanh
        checked += 1
    assert checked


@pytest.mark.parametrize("name", sorted(n for n in FITS if {"rstandard", "rstudent", "blup", "ranef"}
                                       & set(REF["cases"][n])))
def test_residuals_and_blups_equal_metafor(name):
    case, res = REF["cases"][name], FITS[name]()
    tol = _tol(res)
    # deleted fits: metafor may stop within its threshold of tau2 = 0 where ruptstats reports the boundary
    loo = tol if res.fit.method in ("FE", "DL") else (METAFOR_DEFAULT_STOP, DELETED_FIT_ABS)
    kinds = {"rstandard": (rstandard, tol), "rstudent": (rstudent, loo)}
    for key, (func, t) in kinds.items():
        if key in case:
            r = func(res)
            close(r.resid, case[key]["resid"], t)
            close(r.se, case[key]["se"], t)
            close(r.z, case[key]["z"], t)
    for key, func in (("blup", blup), ("ranef", ranef)):
        if key in case:
            b = func(res)
            for mine, theirs in ((b.pred, "pred"), (b.se, "se"), (b.pi_lower, "pi_lb"), (b.pi_upper, "pi_ub")):
                close(mine, case[key][theirs], tol)


@pytest.mark.parametrize("name", sorted(n for n in FITS if "confint" in REF["cases"][n] or "profile" in REF["cases"][n]))
def test_confint_and_profile_equal_metafor(name):
    case, res = REF["cases"][name], FITS[name]()
    tol = _tol(res)
    if "confint" in case:
        frame = confint(res).summary_frame()
        close(frame["estimate"], case["confint"]["estimate"], tol)
        close(frame["ci_lower"], case["confint"]["ci_lb"], tol)
        close(frame["ci_upper"], case["confint"]["ci_ub"], tol)
    if "profile" in case:
        pr = profile(res, steps=len(case["profile"]["tau2"]))
        close(pr.tau2, case["profile"]["tau2"], tol)
        close(pr.loglik, case["profile"]["ll"], tol)


@pytest.mark.parametrize("name, btt", [("bcg_ablat_year_REML", {"wald_btt_2": [1], "wald_btt_23": ["ablat", "year"]}),
                                       ("bcg_ablat_year_REML_knha", {"wald_btt_2": ["ablat"]}),
                                       ("bcg_factor_alloc", {"wald_alloc": "alloc"})])
def test_wald_test_equals_metafor(name, btt):
    case, res = REF["cases"][name], FITS[name]()
    for key, sel in btt.items():
        w = anova(res, btt=sel)
        close([w.qm, w.qm_p], [case[key]["QM"], case[key]["QMp"]], _tol(res))
        assert w.qm_df == case[key]["QMdf"][0]
        assert w.df == (None if case[key]["QMdf"][1] is None else case[key]["QMdf"][1])


@pytest.mark.parametrize("name", sorted(LRTS))
def test_likelihood_ratio_test_equals_metafor(name):
    ref = REF["cases"][name]["lrt"]
    full, reduced = LRTS[name]()
    tol = _tol(full)
    for a in (anova(full, reduced), anova(reduced, full), full.anova(reduced)):  # the order does not matter
        close([a.lrt, a.lrt_p], [ref["LRT"], ref["pval"]], tol)
        assert (a.full.parms, a.reduced.parms) == (ref["parms_f"], ref["parms_r"])
        close([a.full.loglik, a.full.deviance, a.full.aic, a.full.bic, a.full.aicc], ref["fit_f"], tol)
        close([a.reduced.loglik, a.reduced.deviance, a.reduced.aic, a.reduced.bic, a.reduced.aicc], ref["fit_r"], tol)
        close([a.q_full, a.q_reduced, a.tau2_full, a.tau2_reduced, a.r2],
              [ref["QE_f"], ref["QE_r"], ref["tau2_f"], ref["tau2_r"], ref["R2"]], tol)
    table = anova(full, reduced).summary_frame()
    assert list(table.columns) == ["model", "parms", "aic", "bic", "aicc", "loglik", "lrt", "lrt_p", "q", "tau2", "r2"]


def test_missing_rows_are_left_out_with_a_note_as_metafor():
    res = FITS["bcg_missing"]()
    assert REF["cases"]["bcg_missing"]["dropped_rows"] == [3, 5, 9]
    note = next(n for n in res.notes if n.startswith("left out"))
    assert "row 3 (yi)" in note and "row 5 (a moderator)" in note and "row 9 (vi)" in note
    assert len(res.excluded) == 3


def test_vi_zero_reproduces_lm():
    """rma(yi, 0, mods = ~ ablat) is lm(yi ~ ablat): coefficients, SEs and tau2 = sigma^2 (metafor's tests)."""
    case, res = REF["cases"]["bcg_vi0_lm"], FITS["bcg_vi0_lm"]()
    close(res.estimate, case["lm_coef"], (ITERATIVE, ITERATIVE_ABS))
    close(res.se, case["lm_se"], (ITERATIVE, ITERATIVE_ABS))
    close(res.tau2, case["lm_sigma2"], (ITERATIVE, ITERATIVE_ABS))


@pytest.mark.parametrize("mods", ["~ intercept", "~ intercept - 1", ["intercept"]])
def test_a_moderator_named_intercept_is_refused(mods):
    """Our intercept term is called 'intercept' (metafor: 'intrcpt'); a column of that name would give two
    coefficients of one name, so it is refused with the way out."""
    data = pd.DataFrame({"yi": [0.1, 0.3, 0.2, 0.5, 0.4], "vi": [0.01, 0.02, 0.01, 0.03, 0.02],
                         "intercept": [1.0, 2.0, 3.0, 4.0, 2.0]})
    with pytest.raises(DataError, match="rename the column"):
        rma("yi", "vi", mods=mods, data=data)
