"""Publication-bias analyses against metafor 3.8.1.

Sources: molloy2014.json ``bias_REML`` (make_reference_shared.R ``bias_keys(rma(yi, vi))``: ``regtest(res,
model = "lm", predictor = "sei")``, ``ranktest(res)``, ``trimfill(res)``, ``fsn(yi, vi)``), and
analyses_reference.json (make_analyses_reference.R: ``trimfill(res, estimator = "R0")``, ``fsn(type = "Orwin")``,
``lm(yi ~ sqrt(vi), weights = 1/vi)`` for PET and ``lm(yi ~ vi, weights = 1/vi)`` for PEESE,
``selmodel(res, type = "stepfun", steps = 0.025)``).
"""

import numpy as np
import pytest
from analyses_helpers import ANALYSES, bcg, close, load, molloy
from tolerances import CLOSED_FORM, EXACT, ITERATIVE, OPTIMISER_AGREEMENT

from ruptstats.exceptions import DataError, OptionError
from ruptstats.meta import MetaResult, egger_test, fail_safe_n, pet_peese, rank_test, rma, trim_and_fill
from ruptstats.meta.selection import selection_model

BIAS = {"molloy2014": load("molloy2014.json")["bias_REML"], "bcg": ANALYSES["bcg"]["bias_REML"]}


def model(name):
    d = molloy() if name == "molloy2014" else bcg()
    return rma(d.yi, d.vi, study=d.study if name == "molloy2014" else d.author)


@pytest.mark.parametrize("name", ["molloy2014", "bcg"])
def test_egger_regression_test(name):
    ref = BIAS[name]["egger"]
    eg = egger_test(model(name))
    for key in ("intercept", "se", "statistic", "p"):
        close(getattr(eg, key), ref[key], CLOSED_FORM)
    assert eg.df == ref["df"]


@pytest.mark.parametrize("name, exact", [("molloy2014", False), ("bcg", True)])
def test_rank_correlation_test(name, exact):
    # molloy2014 has tied variances: cor.test falls back to the normal approximation; dat.bcg has no ties
    ref = ANALYSES[name]["ranktest"]
    rk = rank_test(model(name))
    close([rk.tau, rk.p], [ref["tau"], ref["p"]], CLOSED_FORM)
    assert rk.exact is exact is ref["exact"]
    close([rk.tau, rk.p], [BIAS[name]["begg"]["tau"], BIAS[name]["begg"]["p"]], CLOSED_FORM)


def test_fail_safe_numbers():
    f = fail_safe_n(model("molloy2014"))
    ref = ANALYSES["molloy2014"]["failsafe_n"]
    assert (f.rosenthal, f.orwin) == (ref["rosenthal"], ref["orwin"])
    assert f.rosenthal == BIAS["molloy2014"]["failsafe_n"]["rosenthal"]
    close(f.orwin_target, ref["orwin_target"], CLOSED_FORM)
    fb = fail_safe_n(model("bcg"))
    assert (fb.rosenthal, fb.orwin) == (BIAS["bcg"]["failsafe_n"]["rosenthal"], ANALYSES["bcg"]["failsafe_n"]["orwin"])
    with pytest.raises(OptionError, match="alpha"):
        fail_safe_n(model("bcg"), alpha=1.5)


@pytest.mark.parametrize("name", ["molloy2014", "bcg"])
def test_pet_peese(name):
    ref = ANALYSES[name]["pet_peese"]
    pp = pet_peese(model(name))
    for part in ("pet", "peese"):
        close([getattr(pp, f"{part}_{k}") for k in ("estimate", "se", "statistic", "p")],
              [ref[part][k] for k in ("estimate", "se", "statistic", "p")], CLOSED_FORM)
    assert pp.df == ref["df"]
    # conditional rule: PEESE when PET's intercept is significant one-tailed at .05 (two-sided p < .10)
    assert pp.chosen == ("PEESE" if ref["pet"]["p"] < 0.10 else "PET")
    assert pp.estimate == getattr(pp, f"{pp.chosen.lower()}_estimate")


@pytest.mark.parametrize("name", ["molloy2014", "bcg"])
def test_trim_and_fill_L0(name):
    ref = BIAS[name]["trimfill"]
    res = model(name)
    tf = trim_and_fill(res)
    assert (tf.k0, tf.side) == (ref["k0"], ref["side"])
    for key in ("estimate", "se", "ci_lower", "ci_upper", "tau2"):
        close(getattr(tf, key), ref[key], ITERATIVE)
    assert isinstance(tf, MetaResult) and tf.k == res.k + tf.k0
    assert tf.is_filled.sum() == tf.k0 and not tf.is_filled[: res.k].any()
    assert tf.original is res and tf.study[-1] == (f"Filled {tf.k0}" if tf.k0 else res.study[-1])


def test_trim_and_fill_filled_studies_equal_metafor():
    ref = ANALYSES["molloy2014"]["trimfill_L0_REML_filled"]
    tf = trim_and_fill(model("molloy2014"))
    close(tf.yi[tf.is_filled], ref["filled_yi"], ITERATIVE)
    close(tf.vi[tf.is_filled], ref["filled_vi"], CLOSED_FORM)
    rows = tf.to_dict()["studies"]
    assert [r["filled"] for r in rows].count(True) == 2


@pytest.mark.parametrize("name", ["molloy2014", "bcg"])
def test_trim_and_fill_R0(name):
    ref = ANALYSES[name]["trimfill_R0_REML"]
    tf = trim_and_fill(model(name), estimator="R0")
    assert (tf.k0, tf.side) == (ref["k0"], ref["side"])
    for key in ("estimate", "se", "ci_lower", "ci_upper", "tau2"):
        close(getattr(tf, key), ref[key], ITERATIVE)


@pytest.mark.parametrize("estimator, key", [("R0", "trimfill_R0_FE"), ("L0", "trimfill_L0_FE")])
def test_trim_and_fill_common_effect_model_fills_studies(estimator, key):
    # trimfill(rma(yi, vi, method = "FE"), estimator = ...) on dat.molloy2014: k0 = 2 (R0), 3 (L0)
    ref = ANALYSES["molloy2014"][key]
    d = molloy()
    tf = trim_and_fill(rma(d.yi, d.vi, method="FE"), estimator=estimator)
    assert (tf.k0, tf.side) == (ref["k0"], ref["side"]) and tf.k0 > 0
    for k in ("estimate", "se", "ci_lower", "ci_upper"):
        close(getattr(tf, k), ref[k], CLOSED_FORM)
    close(tf.yi[tf.is_filled], ref["filled_yi"], CLOSED_FORM)


def test_trim_and_fill_fills_the_side_it_is_told():
    d = bcg()
    res = rma(d.yi, d.vi)
    right = trim_and_fill(res, side="right")  # metafor chooses "right" here as well (bcg.json: k0 = 1)
    assert right.side == "right" and right.k0 == 1
    assert np.all(right.yi[right.is_filled] > res.estimate)
    with pytest.raises(OptionError, match="side"):
        trim_and_fill(res, side="up")
    with pytest.raises(OptionError, match="estimator"):
        trim_and_fill(res, estimator="Q9")


def test_selection_model_three_parameters():
    # selmodel(rma(yi, vi), type = "stepfun", steps = 0.025) on dat.molloy2014; metafor fits by ML
    ref = ANALYSES["molloy2014"]["selection_model_stepfun_025"]
    sel = selection_model(model("molloy2014"))
    for key in ("estimate", "se", "tau2", "lrt", "lrt_p"):
        close(getattr(sel, key), ref[key], ITERATIVE)
    close(sel.delta, ref["delta"], ITERATIVE)
    close(sel.loglik, ref["ll"], ITERATIVE)
    assert sel.k_per_interval == (9, 7) and sel.lrt_df == 1


def test_selection_model_needs_studies_in_every_interval():
    res = rma([0.8, 0.9, 1.0, 1.2], [0.01, 0.01, 0.02, 0.01])  # every one-sided p < .025
    with pytest.raises(DataError, match="no study has a p-value"):
        selection_model(res)
    with pytest.raises(OptionError, match="steps"):
        selection_model(res, steps=(1.5,))


def test_small_results_have_the_house_methods():
    res = model("bcg")
    eg = egger_test(res)
    assert set(eg.to_dict()) >= {"intercept", "se", "statistic", "p", "df"}
    assert list(eg.summary_frame().columns)[:2] == ["intercept", "se"]
    assert "Egger" in eg.summary()
    with pytest.raises(DataError, match="at least 3"):
        egger_test(rma([0.1, 0.2], [0.01, 0.02]))


def test_selection_model_reaches_at_least_metafor_default_optimum():
    # selmodel(..., control = list(reltol = 1e-14)) (BFGS) stops short of the maximum that Nelder-Mead reaches;
    # our fit must not be worse than either, and agrees with BFGS's estimate to 1e-4
    bfgs = ANALYSES["molloy2014"]["selection_model_stepfun_025_bfgs"]
    sel = selection_model(model("molloy2014"))
    assert sel.loglik >= bfgs["ll"] - EXACT
    close(sel.estimate, bfgs["estimate"], OPTIMISER_AGREEMENT)
