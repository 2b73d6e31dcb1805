"""Influence diagnostics of meta-regressions for k > 200 from moment series (issue 10 item 6: O(k p^2)).

The reference is metafor 3.8.1's ``influence()`` on a seeded table of 210 studies
(tests/reference/make_deletion_regression_reference.R, run with control threshold = tol = 1e-12 so that its
refits converge to about machine precision, as ours do); other tests check the series path against our own
refit-per-deletion path (itself tested against metafor for k <= 200) on awkward tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE_DIR, load_reference
from tolerances import ALGEBRAIC, TIGHT_CONTROL, TIGHT_CONTROL_ABS, ZERO_ATOL

from ruptstats.meta import TAU2_METHODS, rma, sensitivity
from ruptstats.meta._deletion_regression import deleted_regression_fits

REF = load_reference("deletion_regression")
DATA = pd.read_csv(REFERENCE_DIR / "deletion_regression.csv")
CONTROL = {"threshold": 1e-12, "tol": 1e-12, "maxiter": 1000}
FIELDS = ("rstudent", "dffits", "cooks_distance", "cov_ratio", "tau2_deleted", "q_deleted", "hat")


def _column(values):
    return np.array([np.nan if x is None else x for x in values], dtype=float)


@pytest.mark.parametrize("name", sorted(REF["cases"]))
def test_influence_of_a_meta_regression_equals_metafor(name):
    case = REF["cases"][name]
    res = rma("yi", "vi", mods=case["mods"], data=DATA, method=case["method"], test=case["test"], control=CONTROL)
    assert res.fit.k > sensitivity.DIRECT_MAX_K  # the series path, not a refit per deletion
    np.testing.assert_allclose(res.fit.het.q, case["QE"], rtol=TIGHT_CONTROL)
    inf = sensitivity.influence(res)
    for field in FIELDS:
        np.testing.assert_allclose(getattr(inf, field), _column(case[field]), rtol=TIGHT_CONTROL,
                                   atol=TIGHT_CONTROL_ABS, err_msg=field)
    want = np.column_stack([_column(col) for col in case["dfbetas"].values()])
    np.testing.assert_allclose(inf.dfbetas, want, rtol=TIGHT_CONTROL, atol=TIGHT_CONTROL_ABS, err_msg="dfbetas")


def test_no_intercept_q_is_metafors_centred_qe():
    """metafor's QE is Ymc' P Ymc (mean-centred y): without an intercept it differs from y' P y (468.74 here)."""
    case = REF["cases"]["REML_no_intercept"]
    res = rma("yi", "vi", mods=case["mods"], data=DATA, control=CONTROL)
    np.testing.assert_allclose([res.fit.het.q, res.fit.het.q_p], [case["QE"], case["QEp"]], rtol=TIGHT_CONTROL)


def test_series_path_is_used_and_refits_only_what_it_must():
    """The singleton level's study (leverage 1) is left to the refit path; every other deletion comes from the
    moment series."""
    res = rma("yi", "vi", mods="~ x1 + site", data=DATA, method="DL")
    d = deleted_regression_fits(res.fit)
    assert d["direct"].tolist() == [6]  # row 7 is the only study of level "c" (see the R script)
    assert np.isfinite(d["tau2"][np.arange(len(DATA)) != 6]).all()


def _awkward_tables():
    rng = np.random.default_rng(20261130)
    k = 205
    x1, v = rng.normal(size=k), rng.uniform(0.01, 0.2, k)
    noise = rng.normal(size=k)
    return {
        "heterogeneous": pd.DataFrame({"yi": 0.2 + 0.1 * x1 + noise * np.sqrt(v + 0.05), "vi": v, "x1": x1}),
        "homogeneous": pd.DataFrame({"yi": 0.2 + 0.1 * x1 + noise * np.sqrt(v), "vi": v, "x1": x1}),
        "huge_spread": pd.DataFrame({"yi": 30.0 * noise, "vi": v, "x1": x1}),
        "large_mean": pd.DataFrame({"yi": 1e4 + 0.1 * x1 + noise * np.sqrt(v + 0.05), "vi": v, "x1": x1}),
    }


# every estimator on one table; the likelihood, moment and root-finding estimators on the awkward ones
_GRID = ([("heterogeneous", method, "z") for method in TAU2_METHODS] + [("heterogeneous", "REML", "knha")]
         + [(table, method, "z") for table in ("homogeneous", "huge_spread", "large_mean")
            for method in ("REML", "DL", "PM")])


@pytest.mark.parametrize(("table", "method", "test"), _GRID)
def test_series_path_equals_refitting_each_deletion(table, method, test, monkeypatch):
    data = _awkward_tables()[table]
    res = rma("yi", "vi", mods="~ x1", data=data, method=method, test=test,
              control={"threshold": 1e-13, "tol": 1e-15, "maxiter": 1000})
    fast = sensitivity.influence(res)
    monkeypatch.setattr(sensitivity, "DIRECT_MAX_K", 10**9)
    direct = sensitivity.influence(res)
    for field in FIELDS + ("dfbetas",):
        a, b = getattr(fast, field), getattr(direct, field)
        scale = np.nanmax(np.abs(b)) if np.isfinite(b).any() else 1.0
        np.testing.assert_allclose(a, b, rtol=ALGEBRAIC, atol=ALGEBRAIC * scale + ZERO_ATOL, err_msg=field)
    assert (fast.influential == direct.influential).all()


@pytest.mark.parametrize("test", ["z", "knha"])
def test_exact_fit_gives_a_result_not_a_traceback(test):
    """Effects on a line (every residual 0): tau2 and Q of each deletion are 0; with knha the covariance is 0, so
    the studentized quantities are undefined (NaN, null in JSON), as the refit path gives."""
    rng = np.random.default_rng(3)
    x1 = rng.normal(size=240)
    data = pd.DataFrame({"yi": 0.2 + 0.1 * x1, "vi": rng.uniform(0.01, 0.2, 240), "x1": x1})
    inf = sensitivity.influence(rma("yi", "vi", mods="~ x1", data=data, method="DL", test=test))
    assert np.allclose(inf.tau2_deleted, 0.0) and np.allclose(inf.q_deleted, 0.0, atol=ZERO_ATOL)
    if test == "knha":
        assert np.isnan(inf.cooks_distance).all() and not inf.influential.any()
    else:
        assert np.allclose(inf.rstudent, 0.0, atol=ZERO_ATOL)
