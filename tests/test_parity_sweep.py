"""Cases a randomized parity sweep found apart from metafor (issues 10/11: equal to R on any data).

A throwaway harness drew hundreds of random tables (k = 2-60, varied scales, ties, a dominant study, continuous,
binary and factor moderators with and without intercept) and compared every estimator and method of ruptstats
with metafor 3.8.1 run with ``control = list(threshold = 1e-12)``. Each disagreement that was a ruptstats defect
became a case of ``tests/reference/make_sweep_reference.R`` (small seeded tables stored beside the values in
``tests/reference/sweep_reference.json``, with the R call of each case).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import load_reference
from tolerances import (BOUNDARY_I2_ABS, CLOSED_FORM, ITERATIVE, RMA_MV_BOUNDARY_ABS, RMA_MV_ITERATIVE,
                        TAU2_BOUNDARY_ATOL, TIGHT_CONTROL, ZERO_ATOL)

from ruptstats.meta import (cumulative, influence, leave_one_out, permutation_test, rma, robust, rstudent,
                            three_level)

REF = load_reference("sweep_reference")
CONTROL = {"threshold": 1e-12, "tol": 1e-12, "maxiter": 10000}
EXPECTED_CASES = {"robust_cr1_knha_intercept", "robust_cr1_knha_x", "robust_cr1_no_intercept",
                  "robust_cr2_no_intercept", "r2_zero_tau2_ML", "r2_zero_tau2_REML", "r2_zero_tau2_DL",
                  "three_level_boundary_REML", "three_level_boundary_ML", "deletion_rank_deficient",
                  "influence_weights_intercept_z", "influence_weights_intercept_knha", "influence_weights_x_z",
                  "influence_weights_x_knha", "leave1out_weights_z", "leave1out_weights_knha",
                  "cumul_weights_z", "cumul_weights_knha", "deletion_k2_knha", "deletion_k2_knha_weights",
                  "permutest_no_intercept_DL", "permutest_no_intercept_REML"}


def _cases(kind):
    return sorted(name for name, case in REF["cases"].items() if case["kind"] == kind)


def _fit(case):
    data = pd.DataFrame(case["data"])
    mods = None if case["mods"] == "~ 1" else case["mods"]
    return rma("yi", "vi", mods=mods, data=data, method=case["method"], test=case["test"], control=CONTROL), data


def test_the_reference_grid_is_complete():
    assert set(REF["cases"]) == EXPECTED_CASES
    assert REF["versions"]["metafor"] == "3.8.1"


@pytest.mark.parametrize("name", _cases("robust"))
def test_robust_equals_metafor(name):
    """CR1 of a knha fit carries metafor's s2w (its bread is the model's vb); without an intercept the Wald
    test covers every coefficient (metafor's btt), for CR1 (F on clusters - p df) and CR2 (HTZ)."""
    case = REF["cases"][name]
    res, data = _fit(case)
    rb = robust(res, cluster=data["cl"], clubsandwich=case["clubsandwich"])
    want = case["value"]
    got = {"beta": [c["estimate"] for c in rb.coefficients], "se": [c["se"] for c in rb.coefficients],
           "zval": [c["statistic"] for c in rb.coefficients], "pval": [c["p"] for c in rb.coefficients],
           "dfs": [c["df"] for c in rb.coefficients], "ci_lb": [c["ci_lower"] for c in rb.coefficients],
           "ci_ub": [c["ci_upper"] for c in rb.coefficients], "QM": rb.qm, "QMp": rb.qm_p, "QMdf": list(rb.qm_df)}
    tol = TIGHT_CONTROL  # REML tau2 solved to about machine precision on both sides (threshold 1e-12)
    for key, value in want.items():
        expected = np.broadcast_to(np.asarray(value, dtype=float), np.shape(got[key]))
        np.testing.assert_allclose(got[key], expected, rtol=tol, err_msg=f"{name}: {key}")


@pytest.mark.parametrize("name", _cases("r2"))
def test_pseudo_r2_is_zero_when_the_intercept_only_tau2_is_zero(name):
    case = REF["cases"][name]
    assert case["tau2_intercept_only"] == 0  # the situation under test, as metafor fitted it
    res, _ = _fit(case)
    assert res.r2 is not None
    np.testing.assert_allclose(res.r2, case["value"]["R2"], rtol=CLOSED_FORM, atol=ZERO_ATOL)
    np.testing.assert_allclose(res.tau2, case["value"]["tau2"], rtol=CLOSED_FORM, atol=ZERO_ATOL)


@pytest.mark.parametrize("name", _cases("three_level"))
def test_three_level_fit_at_a_boundary_converges_to_metafors_optimum(name):
    """The within-cluster variance is 0 at the optimum: Fisher scoring without step halving cycled there and
    raised ConvergenceError. metafor's BFGS stops about 1e-7 short of the boundary, so sigma2 is compared with
    an absolute tolerance."""
    case = REF["cases"][name]
    res = three_level(pd.DataFrame(case["data"]), "cl", method=case["method"], profile=False)
    want = case["value"]
    np.testing.assert_allclose([res.sigma2_cluster, res.sigma2_within], want["sigma2"], rtol=RMA_MV_ITERATIVE,
                               atol=RMA_MV_BOUNDARY_ABS)
    np.testing.assert_allclose([res.estimate, res.se], [want["beta"], want["se"]], rtol=RMA_MV_ITERATIVE)
    np.testing.assert_allclose(res.q, want["QE"], rtol=CLOSED_FORM)


def _column(values):
    return np.array([np.nan if x is None else x for x in values], dtype=float)


def test_a_deletion_that_leaves_the_model_matrix_rank_deficient_is_nan_as_in_metafor():
    """Study 5 is the only one of level "a": without it the coefficient of that level is not estimable, so
    metafor leaves its row NA (it used to be refitted into numbers of order 1e15 here; with ``weights=``
    rstudent raised DataError). Every other row equals metafor's."""
    case = REF["cases"]["deletion_rank_deficient"]
    res, data = _fit(case)
    inf = influence(res)
    want = case["value"]
    pairs = {"rstudent": inf.rstudent, "dffits": inf.dffits, "cook_d": inf.cooks_distance, "cov_r": inf.cov_ratio,
             "tau2_del": inf.tau2_deleted, "QE_del": inf.q_deleted, "hat": inf.hat,
             "rstudent_z": rstudent(res).z}
    for key, got in pairs.items():
        np.testing.assert_allclose(got, _column(want[key]), rtol=TIGHT_CONTROL, atol=ZERO_ATOL, err_msg=key)
    weighted = rma("yi", "vi", mods=case["mods"], data=data.assign(w=1 / data["vi"]), weights="w",
                   method=case["method"], control=CONTROL)
    np.testing.assert_allclose(rstudent(weighted).z, _column(want["rstudent_z_weighted"]), rtol=TIGHT_CONTROL)


@pytest.mark.parametrize("name", _cases("influence_weights"))
def test_influence_with_the_analysts_weights_equals_metafor(name):
    """metafor refits each deletion with the weights and takes hat values, DFFITS and DFBETAS from
    H = X (X'AX)^-1 X'A, and the weight column from the analyst's weights."""
    case = REF["cases"][name]
    data = pd.DataFrame(case["data"])
    mods = None if case["mods"] == "~ 1" else case["mods"]
    res = rma("yi", "vi", mods=mods, data=data, weights="w", method=case["method"], test=case["test"],
              control=CONTROL)
    inf = influence(res)
    want = case["value"]
    pairs = {"rstudent": inf.rstudent, "dffits": inf.dffits, "cook_d": inf.cooks_distance, "cov_r": inf.cov_ratio,
             "tau2_del": inf.tau2_deleted, "QE_del": inf.q_deleted, "hat": inf.hat, "weight": inf.weight,
             "dfbs": inf.dfbetas}
    for key, got in pairs.items():
        expected = np.array(want[key], dtype=float).reshape(np.shape(got))
        np.testing.assert_allclose(got, expected, rtol=TIGHT_CONTROL, atol=ZERO_ATOL, err_msg=key)
    assert list(inf.influential) == want["inf"]


@pytest.mark.parametrize("name", _cases("sequence_weights"))
def test_leave_one_out_and_cumulative_keep_the_analysts_weights(name):
    case = REF["cases"][name]
    res = rma("yi", "vi", data=pd.DataFrame(case["data"]), weights="w", method=case["method"], test=case["test"],
              control=CONTROL)
    out = (leave_one_out if case["fn"] == "leave1out" else cumulative)(res)
    want = case["value"]
    pairs = {"estimate": out.estimate, "se": out.se, "ci_lb": out.ci_lower, "ci_ub": out.ci_upper, "pval": out.p,
             "Q": out.q, "tau2": out.tau2, "I2": out.i2}
    atol = {"tau2": TAU2_BOUNDARY_ATOL, "I2": BOUNDARY_I2_ABS}  # subsets whose tau2 is at the boundary 0
    for key, got in pairs.items():
        np.testing.assert_allclose(got, _column(want[key]), rtol=TIGHT_CONTROL, atol=atol.get(key, ZERO_ATOL),
                                   err_msg=key)


@pytest.mark.parametrize("name", _cases("deletion_k2"))
def test_deletions_of_a_two_study_knha_fit_use_a_z_test_as_metafor(name):
    """Without one of two studies no residual df is left for Knapp-Hartung: metafor refits with z (s2w = 1)."""
    case = REF["cases"][name]
    data = pd.DataFrame(case["data"])
    res = rma("yi", "vi", data=data, weights="w" if case["weighted"] else None, method=case["method"],
              test=case["test"])
    inf = influence(res)
    want = case["value"]
    pairs = {"rstudent": inf.rstudent, "dffits": inf.dffits, "cook_d": inf.cooks_distance, "cov_r": inf.cov_ratio,
             "rstudent_se": rstudent(res).se}
    for key, got in pairs.items():
        np.testing.assert_allclose(got, _column(want[key]), rtol=CLOSED_FORM, err_msg=key)
    assert list(inf.influential) == want["inf"]


@pytest.mark.parametrize("name", _cases("permutest"))
def test_exact_permutation_test_without_an_intercept_tests_every_coefficient(name):
    """Exact p-values are fractions of the 90 distinct arrangements: compared as closed forms."""
    case = REF["cases"][name]
    res, _ = _fit(case)
    pt = permutation_test(res, exact=True)
    want = case["value"]
    np.testing.assert_allclose(pt.qm, want["QM"], rtol=TIGHT_CONTROL)
    np.testing.assert_allclose(pt.qm_p, want["QMp"], rtol=CLOSED_FORM)
    np.testing.assert_allclose(pt.p, want["pval"], rtol=CLOSED_FORM)


@pytest.mark.parametrize("case", ["REML_z", "REML_knha", "DL_z", "DL_knha"])
def test_regtest_of_a_weighted_fit_keeps_the_weights(case):
    """metafor 3.8.1 regtest(rma(yi, vi, weights = w)) refits with the same weights and sei added
    (tests/reference/make_weighted_regtest_reference.R, dat.bcg log RR)."""
    from ruptstats.meta.bias import regtest

    ref = load_reference("weighted_regtest")
    want = ref["cases"][case]
    res = rma(ref["yi"], ref["vi"], weights=ref["weights"], method=want["method"], test=want["test"],
              control={"threshold": 1e-12})
    got = regtest(res)
    np.testing.assert_allclose([got.statistic, got.p, got.intercept, got.se, got.limit_estimate, got.limit_ci_lower,
                                got.limit_ci_upper],
                               [want["zval"], want["pval"], want["coef"][1], want["se"][1], want["est"],
                                want["ci_lb"], want["ci_ub"]], rtol=TIGHT_CONTROL)


def test_analyses_that_do_not_carry_the_weights_refuse_a_weighted_fit():
    """robust(), trim-and-fill and the permutation test would silently use inverse-variance weights on a model
    fitted with weights= (metafor keeps them): each refuses, naming the way out."""
    from ruptstats.exceptions import OptionError
    from ruptstats.meta.trimfill import trim_and_fill

    ref = load_reference("weighted_regtest")
    res = rma(ref["yi"], ref["vi"], weights=ref["weights"])
    for call in (lambda: trim_and_fill(res), lambda: permutation_test(res, iterations=10, seed=1),
                 lambda: robust(res, cluster=np.arange(len(ref["yi"])))):
        with pytest.raises(OptionError, match="weights=.*refit without weights="):
            call()
    assert any("refuse a weighted model" in note for note in res.notes)


@pytest.mark.parametrize("case", ["REML_z_95", "REML_z_90", "REML_knha_95", "REML_knha_90", "DL_knha_90"])
def test_trim_and_fill_refits_with_metafors_defaults(case):
    """metafor 3.8.1 trimfill() refits the filled data with the z-test at 95% whatever the model's test and level
    (tests/reference/make_trimfill_knha_reference.R, dat.bcg log RR; metafor's default control, so ITERATIVE)."""
    from ruptstats.meta.trimfill import trim_and_fill

    ref = load_reference("trimfill_knha")
    want = ref["cases"][case]
    res = rma(ref["yi"], ref["vi"], method=want["method"], test=want["test"], level=want["level"])
    tf = trim_and_fill(res)
    assert tf.k0 == want["k0"] and tf.side == want["side"] and tf.test == "z"
    np.testing.assert_allclose([tf.estimate, tf.se, tf.statistic, tf.p, tf.ci_lower, tf.ci_upper, tf.tau2],
                               [want["beta"], want["se"], want["zval"], want["pval"], want["ci_lb"], want["ci_ub"],
                                want["tau2"]], rtol=ITERATIVE)
    assert any("as metafor's trimfill()" in n for n in tf.notes) == (want["test"] != "z" or want["level"] != 0.95)
