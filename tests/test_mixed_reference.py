"""mixed_model against lme4/lmerTest (issue 13 items 1 and 7).

Every reference number comes from ``tests/reference/mixed_reference.json``, written by
``tests/reference/make_mixed_reference.R`` (R 4.2.2, lme4 1.1.31, lmerTest 3.1.3; the versions are in the file):
per case ``summary(lmerTest::lmer(formula, data = read.csv(file, na.strings = c('', 'NA')), REML = reml,
control = lmerControl(optimizer = 'bobyqa', optCtrl = list(rhoend = 1e-12, maxfun = 1e5))))`` (the exact call is
the case's ``call``), ``as.data.frame(VarCorr(m))``, ``logLik``, ``AIC``, ``BIC``, ``ngrps``, ``isSingular``.
"""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ruptstats.mixed import MixedModelResult, mixed_model
from tests.tolerances import LME4_CRITERION, LME4_ESTIMATE, SATTERTHWAITE, ZERO_ATOL

REF_DIR = Path(__file__).parent / "reference"
REFERENCE = json.loads((REF_DIR / "mixed_reference.json").read_text(encoding="utf-8"))
CASES = {case["name"]: case for case in REFERENCE["cases"]}

#: the reference grid: random intercept, nested, crossed, correlated and uncorrelated slopes (REML and ML), a
#: singular fit, unbalanced clients with 1-40 sessions and missing values; it may grow, never shrink
EXPECTED = {"intercept_reml", "intercept_ml", "nested_reml", "nested_ml", "crossed_reml", "crossed_ml",
            "slope_reml", "slope_ml", "slope_uncorrelated_reml", "slope_uncorrelated_ml", "singular_reml",
            "unbalanced_reml", "unbalanced_ml"}


def test_reference_grid_is_complete_and_versioned():
    assert EXPECTED <= set(CASES)
    versions = REFERENCE["versions"]
    assert versions["lme4"] and versions["lmerTest"] and versions["R"].startswith("R version")
    for case in CASES.values():
        assert (REF_DIR / case["file"]).is_file()
        assert case["fixed"] and case["variance"][-1]["group"] == "Residual"


@pytest.fixture(scope="module")
def fits():
    out = {}
    for name, case in CASES.items():
        data = pd.read_csv(REF_DIR / case["file"])
        out[name] = mixed_model(case["formula"], data, reml=case["reml"])
    return out


def _close(actual, expected, rtol, atol=0.0):
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=rtol,
                               atol=atol)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixed_effects_equal_lmertest(fits, name):
    res, ref = fits[name], pd.DataFrame(CASES[name]["fixed"])
    got = res.fixed_frame()
    assert got["term"].tolist() == ref["term"].tolist()  # lme4's names: conditionunrepaired, session:condition...
    for col in ("estimate", "se", "statistic", "ci_lower", "ci_upper"):
        _close(got[col], ref[col], LME4_ESTIMATE)
    _close(got["df"], ref["df"], SATTERTHWAITE)
    _close(np.log(got["p"]), np.log(ref["p"]), SATTERTHWAITE)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_variance_components_equal_lme4(fits, name):
    res, ref = fits[name], pd.DataFrame(CASES[name]["variance"])
    got = res.variance_frame()
    assert got["group"].tolist() == ref["group"].tolist()
    for col in ("var1", "var2"):
        assert [v if isinstance(v, str) else None for v in got[col]] == \
            [v if isinstance(v, str) else None for v in ref[col]]
    _close(got["vcov"], ref["vcov"], LME4_ESTIMATE, atol=ZERO_ATOL)
    _close(got["sdcor"], ref["sdcor"], LME4_ESTIMATE, atol=ZERO_ATOL)
    _close(res.theta, CASES[name]["theta"], LME4_ESTIMATE, atol=ZERO_ATOL)
    _close(res.sigma, CASES[name]["sigma"], LME4_ESTIMATE)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_likelihood_and_counts_equal_lme4(fits, name):
    res, case = fits[name], CASES[name]
    _close(res.loglik, case["loglik"], LME4_CRITERION)
    _close(res.aic, case["aic"], LME4_CRITERION)
    _close(res.bic, case["bic"], LME4_CRITERION)
    _close(res.deviance, case["deviance_criterion"], LME4_CRITERION)
    assert res.n_obs == case["n_obs"]
    assert res.n_groups == case["n_groups"]
    assert res.singular is case["singular"]
    assert res.method == ("REML" if case["reml"] else "ML")
    assert res.converged


def test_singular_fit_is_reported_as_lme4_reports_it(fits):
    res = fits["singular_reml"]
    assert res.singular and res.theta[0] == 0.0 and res.variance["vcov"].iloc[0] == 0.0
    assert any("singular" in note for note in res.notes)
    assert "boundary (singular) fit" in res.summary()
    assert not fits["intercept_reml"].singular


def test_missing_values_are_left_out_and_counted(fits):
    data = pd.read_csv(REF_DIR / "mixed_unbalanced.csv")
    used = data[["y", "session", "condition", "client"]]
    res = fits["unbalanced_reml"]
    assert res.n_dropped == int(used.isna().any(axis=1).sum()) > 0
    assert res.n_obs == len(data) - res.n_dropped == CASES["unbalanced_reml"]["n_obs"]
    assert any(f"{res.n_dropped} row(s)" in note for note in res.notes)
    sizes = data.dropna(subset=["y", "session", "condition"]).groupby("client").size()
    assert sizes.min() == 1 and sizes.max() >= 35  # unbalanced: 1 to 40 sessions per client


def test_to_dict_is_strict_json_with_the_contract(fits):
    for name, res in fits.items():
        payload = res.to_dict()
        json.dumps(payload, allow_nan=False)
        assert set(payload["fixed"][0]) == {"term", "estimate", "se", "df", "statistic", "p", "ci_lower",
                                            "ci_upper"}, name
        assert set(payload["variance"][0]) == {"group", "var1", "var2", "vcov", "sdcor"}, name
        assert payload["variance"][-1] == {"group": "Residual", "var1": None, "var2": None,
                                           "vcov": res.sigma ** 2, "sdcor": res.sigma}
        for key in ("loglik", "aic", "bic", "n_obs", "n_groups", "icc", "converged", "singular", "notes"):
            assert key in payload, (name, key)
    slope = fits["slope_reml"].to_dict()
    assert slope["variance"][2]["var2"] == "session" and slope["icc"] is None


def test_nan_correlation_becomes_null_in_json(fits):
    import dataclasses

    res = fits["slope_reml"]
    variance = res.variance.copy()
    variance.loc[2, "sdcor"] = math.nan  # a correlation with a zero variance is NaN in R
    payload = dataclasses.replace(res, variance=variance).to_dict()
    assert payload["variance"][2]["sdcor"] is None
    json.dumps(payload, allow_nan=False)


def test_icc_from_the_variance_components(fits):
    res = fits["nested_reml"]
    v = res.variance["vcov"].to_numpy()
    assert res.icc == pytest.approx((v[0] + v[1]) / v.sum(), rel=1e-12)  # both intercepts over the total
    assert 0 < fits["intercept_ml"].icc < 1


def test_summary_reads_like_lmertest(fits):
    text = fits["slope_ml"].summary()
    assert text.startswith("Linear mixed model fit by maximum likelihood. t-tests use Satterthwaite's method")
    for part in ("Random effects:", "Fixed effects:", "Number of obs: 360, groups:  client, 30", "(Intercept) ~ session",
                 "Pr(>|t|)", "Scaled residuals:"):
        assert part in text
    assert fits["intercept_reml"].summary().splitlines()[3].startswith("REML criterion at convergence: ")
    assert isinstance(fits["intercept_reml"], MixedModelResult)
