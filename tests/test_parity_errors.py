"""rma's model interface (issue 11): hostile input gives a clear DataError/OptionError, and the properties that
hold on any data (aliases, one result type, weights, row order, JSON without NaN)."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from ruptstats.exceptions import DataError, OptionError
from ruptstats.meta import (MetaModel, MetaRegressionResult, MetaResult, anova, blup, confint, predict, profile,
                            rma, rstandard, rstudent)
from tolerances import CLOSED_FORM, EXACT

matplotlib.use("Agg")
BCG = pd.read_csv(Path(__file__).parent / "reference" / "parity_bcg.csv")


def test_ee_and_ce_are_the_equal_effects_model_reported_as_fe():
    fe = rma("yi", "vi", data=BCG, method="FE")
    for alias in ("EE", "ce"):
        res = rma("yi", "vi", data=BCG, method=alias)
        assert res.method == "FE" and res.estimate == fe.estimate and res.se == fe.se


def test_one_base_for_both_result_types():
    int_only = rma("yi", "vi", data=BCG, mods="~ 1")
    with_mods = rma("yi", "vi", data=BCG, mods="~ ablat")
    assert isinstance(int_only, MetaResult) and isinstance(with_mods, MetaRegressionResult)
    assert isinstance(int_only, MetaModel) and isinstance(with_mods, MetaModel)
    assert int_only.estimate == rma("yi", "vi", data=BCG).estimate


@pytest.mark.parametrize("method", ["EE", "FE", "DL", "HS", "PM"])
def test_zero_variance_where_the_model_is_undefined_is_a_data_error(method):
    vi = BCG["vi"].to_numpy().copy()
    vi[4] = 0.0
    with pytest.raises(DataError, match="row 5, column 'vi'"):
        rma(BCG["yi"], vi, method=method)


def test_zero_variance_with_tau2_zero_is_a_data_error():
    with pytest.raises(DataError, match="tau2 = 0"):
        rma([0.1, 0.1, 0.1], [0.0, 0.01, 0.01])


def test_zero_variance_random_effects_model_is_strict_json():
    vi = BCG["vi"].to_numpy().copy()
    vi[0] = 0.0
    res = rma(BCG["yi"], vi)
    assert res.q is None and res.i2 is None and res.tau2 > 0
    json.dumps(res.to_dict(), allow_nan=False)
    with pytest.raises(DataError, match="zero sampling variance"):
        confint(res)


def test_missing_policy():
    d = BCG.copy()
    d.loc[3, "ablat"] = np.nan
    with pytest.raises(DataError, match="row 4"):
        rma("yi", "vi", mods="~ ablat", data=d, missing="error")
    with pytest.raises(OptionError, match="missing='skip'"):
        rma("yi", "vi", data=d, missing="skip")
    res = rma("yi", "vi", mods="~ ablat", data=d)
    assert res.k == 12 and any("row 4 (a moderator)" in n for n in res.notes)
    with pytest.raises(DataError, match="nothing left"):
        rma([np.nan, np.nan], [0.1, 0.1])


@pytest.mark.parametrize("kwargs, error, match", [
    ({"yi": [0.1, 0.2], "vi": [0.01, -0.02]}, DataError, "row 2, column 'vi'"),
    ({"yi": [0.1, 0.2], "vi": [0.01, 0.02], "weights": [1.0, -1.0]}, DataError, "row 2, column 'weights'"),
    ({"yi": [0.1, 0.2], "vi": [0.01, 0.02], "mods": "~ x"}, OptionError, "data="),
    ({"yi": "yi", "vi": "vi", "data": BCG, "mods": "~ nonexistent"}, OptionError, "cannot be evaluated"),
    ({"yi": "yi", "vi": "vi", "data": BCG, "mods": "~ ablat +"}, OptionError, "cannot be evaluated"),
    ({"yi": "yi", "vi": "vi", "data": BCG, "mods": "yi ~ ablat"}, OptionError, "one-sided"),
    ({"yi": "nope", "vi": "vi", "data": BCG}, DataError, "not found"),
    ({"ai": "tpos", "bi": "tneg", "ci": "cpos", "di": "cneg", "data": BCG}, OptionError, "measure="),
    ({"yi": "yi", "measure": "OR", "ai": "tpos", "data": BCG}, OptionError, "not both"),
])
def test_bad_input_is_a_clear_error(kwargs, error, match):
    with pytest.raises(error, match=match):
        rma(**kwargs)


def test_formula_on_the_left_names_effect_sizes():
    a = rma("yi ~ ablat + year", "vi", data=BCG)
    b = rma("yi", "vi", mods="~ ablat + year", data=BCG)
    np.testing.assert_array_equal(a.estimate, b.estimate)


def test_text_moderators_are_named_as_r_names_them():
    # R 4.2.2: colnames(model.matrix(~ alloc + ablat:alloc, dat.bcg)) and (~ ablat * year + I(year^2):ablat)
    res = rma("yi", "vi", mods="~ alloc + ablat:alloc", data=BCG)
    assert res.terms == ("intercept", "allocrandom", "allocsystematic", "allocalternate:ablat",
                         "allocrandom:ablat", "allocsystematic:ablat")
    res = rma("yi", "vi", mods="~ ablat * year + I(year^2):ablat", data=BCG)
    assert res.terms == ("intercept", "ablat", "year", "ablat:year", "ablat:I(year^2)")


def test_row_order_does_not_change_a_formula_model():
    shuffled = BCG.sample(frac=1.0, random_state=3)
    a = rma("yi", "vi", mods="~ ablat * factor(alloc)", data=BCG)
    b = rma("yi", "vi", mods="~ ablat * factor(alloc)", data=shuffled)
    np.testing.assert_allclose(a.estimate, b.estimate, rtol=CLOSED_FORM)
    assert a.terms == b.terms


def test_inverse_variance_user_weights_reproduce_the_model():
    """weights = 1/vi under the equal-effects model is the model itself (metafor: (X'AX)^-1 X'AMAX (X'AX)^-1 = (X'WX)^-1)."""
    a = rma("yi", "vi", mods="~ ablat", data=BCG, method="EE")
    b = rma("yi", "vi", mods="~ ablat", data=BCG, method="EE", weights=1.0 / BCG["vi"])
    np.testing.assert_allclose(b.estimate, a.estimate, rtol=EXACT * 100)
    np.testing.assert_allclose(b.se, a.se, rtol=EXACT * 100)
    with pytest.raises(OptionError, match="weights"):
        blup(b)


def test_newmods_forms_agree_and_bad_newmods_are_errors():
    res = rma("yi", "vi", mods="~ ablat + year", data=BCG)
    by_array = predict(res, [[20, 1960], [40, 1970]])
    by_frame = predict(res, pd.DataFrame({"ablat": [20, 40], "year": [1960, 1970]}))
    by_dict = res.predict({"ablat": [20, 40], "year": [1960, 1970]})
    for other in (by_frame, by_dict):
        np.testing.assert_allclose(other.pred, by_array.pred, rtol=EXACT)
    with pytest.raises(OptionError, match="column"):
        predict(res, [1, 2, 3])
    with pytest.raises(OptionError, match="no moderators"):
        predict(rma("yi", "vi", data=BCG), [1.0])
    with pytest.raises(OptionError, match="transf"):
        predict(res, transf="log")
    factor = rma("yi", "vi", mods="~ factor(alloc)", data=BCG)
    with pytest.raises(OptionError, match="newmods"):
        predict(factor, pd.DataFrame({"alloc": ["unheard-of level"]}))


def test_prediction_interval_adds_tau2_and_knha_uses_t():
    res = rma("yi", "vi", mods="~ ablat", data=BCG, test="knha")
    p = predict(res, [30.0])
    from scipy import stats

    crit = stats.t.ppf(0.975, res.k - 2)
    np.testing.assert_allclose(p.pi_upper - p.pred, crit * np.sqrt(p.se**2 + res.tau2), rtol=EXACT)
    np.testing.assert_allclose(p.ci_upper - p.pred, crit * p.se, rtol=EXACT)


def test_anova_errors():
    reml_full = rma("yi", "vi", mods="~ ablat", data=BCG)
    reml_reduced = rma("yi", "vi", data=BCG)
    with pytest.raises(OptionError, match="REML comparisons"):
        anova(reml_full, reml_reduced)
    with pytest.raises(OptionError, match="same number of parameters"):
        anova(reml_full, rma("yi", "vi", mods="~ year", data=BCG))
    with pytest.raises(OptionError, match="ML and the reduced model REML"):
        anova(rma("yi", "vi", mods="~ ablat", data=BCG, method="ML"), reml_reduced)
    with pytest.raises(DataError, match="same effect sizes"):
        anova(rma("yi", "vi", mods="~ ablat", data=BCG, method="ML"),
              rma("yi", "vi", data=BCG.iloc[1:], method="ML"))
    with pytest.raises(OptionError, match="not both"):
        anova(reml_full, reml_reduced, btt=1)
    with pytest.raises(OptionError, match="matches none"):
        anova(reml_full, btt="latitude")
    with pytest.raises(OptionError, match="0-based position"):
        anova(reml_full, btt=7)


def test_profile_and_confint_errors_and_plot():
    ee = rma("yi", "vi", data=BCG, method="EE")
    for func in (profile, confint):
        with pytest.raises(OptionError, match="equal-effects"):
            func(ee)
    res = rma("yi", "vi", mods="~ ablat", data=BCG)
    with pytest.raises(OptionError, match="steps"):
        profile(res, steps=1)
    with pytest.raises(OptionError, match="tau2"):
        profile(res, [-1.0])
    pr = profile(res, steps=7)
    assert pr.tau2.size == 7 and np.nanmax(pr.loglik) <= pr.loglik_max + 1e-9
    from ruptstats.plotting import profile_plot

    fig = profile_plot(pr)
    gids = {line.get_gid() for line in fig.axes[0].lines}
    assert gids == {"profile", "estimate", "maximum"}
    assert fig.axes[0].get_ylabel() == "Restricted log-likelihood"
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_xdata(), pr.tau2)
    import matplotlib.pyplot as plt

    plt.close(fig)
    with pytest.raises(DataError):
        profile_plot(res)


def test_residual_results_are_strict_json():
    res = rma("yi", "vi", mods="~ ablat", data=BCG, test="knha")
    for r in (rstandard(res), rstudent(res), blup(res), res.ranef(), res.fitstats(), res.anova(), predict(res),
              confint(res), profile(res, steps=3)):
        json.dumps(r.to_dict(), allow_nan=False)


def test_escalc_entry_carries_the_measure():
    raw = BCG.drop(columns=["yi", "vi"])
    res = rma(measure="RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=raw, mods="~ ablat")
    assert res.measure == "RR"
    np.testing.assert_allclose(res.yi, BCG["yi"], rtol=CLOSED_FORM)
    p = predict(res, [30.0], transf=True)
    np.testing.assert_allclose(p.pred, np.exp(predict(res, [30.0]).pred), rtol=EXACT)


@pytest.mark.parametrize("call, error, match", [
    (lambda: rma("yi", "vi", data=BCG, weights=np.zeros(len(BCG))), DataError, "weights"),
    (lambda: rma("yi", "vi", data=BCG, mods="~ ablat", weights=np.r_[np.zeros(12), 1.0]), DataError, "weights"),
    (lambda: rma(BCG.yi, BCG.vi, mods=np.ones((5, 1))), DataError, "shape"),
    (lambda: anova(rma("yi", "vi", data=BCG, mods="~ ablat"), btt=[]), OptionError, "no coefficient"),
    (lambda: rma("yi", "vi", data=BCG, mods="~ I(ablat * 0)"), DataError, "full rank"),
    (lambda: rstudent(rma([0.1], [0.1])), OptionError, "at least 2"),
])
def test_degenerate_models_are_domain_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_predict_of_an_intercept_only_model_is_its_pooled_row():
    for method, test in (("REML", "z"), ("DL", "knha"), ("EE", "z")):
        res = rma("yi", "vi", data=BCG, method=method, test=test)
        p = predict(res)
        np.testing.assert_allclose([p.pred[0], p.se[0], p.ci_lower[0], p.ci_upper[0], p.pi_lower[0], p.pi_upper[0]],
                                   [res.estimate, res.se, res.ci_lower, res.ci_upper, res.pi_lower, res.pi_upper],
                                   rtol=EXACT)


def test_r_spellings_and_a_profile_frame():
    from ruptstats.meta import AIC, AICc, BIC, logLik
    from ruptstats.plotting import profile_plot

    res = rma("yi", "vi", mods="~ ablat", data=BCG, method="ML")
    assert (logLik(res), AIC(res), BIC(res), AICc(res)) == (res.loglik(), res.aic(), res.bic(), res.aicc())
    assert (res.logLik(), res.AIC(), res.BIC(), res.AICc()) == (res.loglik(), res.aic(), res.bic(), res.aicc())
    frame = profile(res, steps=4).summary_frame()
    assert list(frame.columns) == ["tau2", "loglik", "intercept", "ablat"]
    fig = profile_plot(frame)
    assert len(fig.axes[0].lines) == 1 and fig.axes[0].get_ylabel() == "Log-likelihood"
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_levels_are_printed_as_r_prints_them():
    """R 4.2.2: colnames(model.matrix(~ factor(g) + b, data.frame(g = c(1, 2, 2.5, 1), b = c(TRUE, FALSE, TRUE,
    FALSE)))) is (Intercept), factor(g)2, factor(g)2.5, bTRUE."""
    from ruptstats.meta.design import formula_matrix

    t = pd.DataFrame({"g": [1.0, 2.0, 2.5, 1.0], "b": [True, False, True, False]})
    assert formula_matrix(t, "~ factor(g) + b").terms == ("intercept", "factor(g)2", "factor(g)2.5", "bTRUE")


def test_rows_escalc_drops_keep_their_row_numbers_and_the_moderators_stay_aligned():
    raw = BCG.drop(columns=["yi", "vi"])
    raw.loc[2, "tpos"] = np.nan
    raw.loc[5, "ablat"] = np.nan
    with pytest.warns(Warning):  # escalc names the row it drops
        res = rma(measure="RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=raw, mods="~ ablat")
    assert res.k == 11
    assert any("row 3 (yi, vi), row 6 (a moderator)" in n for n in res.notes)
    keep = ~BCG.index.isin([2, 5])
    np.testing.assert_allclose(res.yi, BCG["yi"][keep], rtol=CLOSED_FORM)
    np.testing.assert_allclose(res.X[:, 1], BCG["ablat"][keep])
