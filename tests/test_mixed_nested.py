"""The nested-intercepts fast path (issue 13 item 2): ``(1 | therapist/client)`` through per-client and per-therapist
sufficient statistics, against the general sparse path and against lme4/lmerTest.

lme4 numbers: the nested cases of ``tests/reference/mixed_reference.json`` (see tests/test_mixed_reference.py for
the exact R call) and, for ``tests/reference/mixed_nested_singular.csv`` (written by this file's
``_singular_table``: 6 therapists x 4 clients x 5 sessions, no therapist effect, ``numpy.random.default_rng(13)``),
R 4.2.2, lme4 1.1.31, lmerTest 3.1.3::

    d <- read.csv("tests/reference/mixed_nested_singular.csv")
    m <- lmerTest::lmer(y ~ session + (1 | therapist/client), data = d, REML = reml,
                        control = lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-12, maxfun = 1e5)))
    getME(m, "theta"); sigma(m); logLik(m); summary(m)$coefficients; as.data.frame(VarCorr(m))$vcov; isSingular(m)
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ruptstats.mixed.model as model_module
from ruptstats.mixed import mixed_model
from ruptstats.mixed.design import build_design
from ruptstats.mixed.formula import parse_formula
from ruptstats.mixed.general import SparseModel
from ruptstats.mixed.nested import NestedInterceptModel, nesting
from ruptstats.mixed.profile import profiled_deviance
from ruptstats.mixed.satterthwaite import satterthwaite_df
from tests.tolerances import (ALGEBRAIC, LME4_CRITERION, LME4_ESTIMATE, PATH_AGREEMENT, SATTERTHWAITE,
                              ZERO_ATOL)

REF_DIR = Path(__file__).parent / "reference"
CASES = {c["name"]: c for c in json.loads((REF_DIR / "mixed_reference.json").read_text(encoding="utf-8"))["cases"]}
FORMULA = "y ~ session + (1 | therapist/client)"

#: lme4/lmerTest on mixed_nested_singular.csv (the R call in the module docstring)
SINGULAR_REF = {
    True: {"theta": [0.840104565936932, 0.177450071741958], "sigma": 0.980618545789145, "loglik": -187.955302901194,
           "estimate": [5.05371666666665, 0.305275000000004], "se": [0.278206755020129, 0.0632986549470583],
           "df": [16.8529819948264, 95.0000002238459],
           "vcov": [0.678682881710398, 0.0302797694103358, 0.961612732345617], "singular": False},
    False: {"theta": [0.838861656855913, 0.0], "sigma": 0.975497788791225, "loglik": -185.39375099976,
            "estimate": [5.05371666666666, 0.305275000000006], "se": [0.267424678435881, 0.0629681115041762],
            "df": [76.6116574187199, 96.0000000130422], "vcov": [0.669627477746604, 0.0, 0.95159593593657],
            "singular": True},
}

#: Satterthwaite df where the therapist θ is small (0.18): a second numerical derivative with numDeriv's steps
#: (d = 1e-4 |θ|) of a deviance of about 375 is at the rounding floor; both our paths and lmerTest move by about
#: 0.5 % under a 1e-7 change of θ on this table, so the df agree to that and no better
SMALL_THETA_DF = 1e-2


def _singular_table() -> pd.DataFrame:
    """The table of mixed_nested_singular.csv (client intercepts SD 0.8, residual SD 1, no therapist effect)."""
    rng = np.random.default_rng(13)
    rows = []
    for t in range(6):
        for c in range(4):
            u = rng.normal(0, 0.8)
            for s in range(1, 6):
                rows.append((f"t{t + 1}", f"c{t * 4 + c + 1}", s, round(5 + 0.2 * s + u + rng.normal(0, 1.0), 3)))
    return pd.DataFrame(rows, columns=["therapist", "client", "session", "y"])


def _engines(formula, data):
    design = build_design(parse_formula(formula), data)
    return design, model_module._engine(design), SparseModel(design.y, design.X, design.terms)


@pytest.fixture
def fast_only(monkeypatch):
    """mixed_model with the general sparse path disabled: a fit that succeeds went through another path."""
    def refuse(*args, **kwargs):
        raise AssertionError("the general sparse path was taken")

    monkeypatch.setattr(model_module, "SparseModel", refuse)


def test_the_csv_is_the_documented_table():
    pd.testing.assert_frame_equal(pd.read_csv(REF_DIR / "mixed_nested_singular.csv"), _singular_table())


@pytest.mark.parametrize("formula", [
    FORMULA,
    "y ~ session + (1 | therapist) + (1 | therapist:client)",
    "y ~ session + (1 | client) + (1 | therapist)",  # with client labels unique across therapists (below)
])
def test_nested_structures_take_the_nested_path(formula):
    data = pd.read_csv(REF_DIR / "mixed_nested.csv")  # clients c1-c5 within each of 8 therapists
    data["client"] = data["therapist"] + "_" + data["client"]
    _, engine, _ = _engines(formula, data)
    assert isinstance(engine, NestedInterceptModel)
    assert mixed_model(formula, data).loglik == pytest.approx(CASES["nested_reml"]["loglik"], rel=LME4_CRITERION)


def test_crossed_and_sloped_structures_do_not():
    _, crossed, _ = _engines("y ~ x + (1 | client) + (1 | rater)", pd.read_csv(REF_DIR / "mixed_crossed.csv"))
    assert isinstance(crossed, SparseModel)
    # mixed_nested.csv labels its clients c1-c5 within every therapist: (1 | client) is then crossed
    _, engine, _ = _engines("y ~ session + (1 | client) + (1 | therapist)", pd.read_csv(REF_DIR / "mixed_nested.csv"))
    assert isinstance(engine, SparseModel)
    _, engine, _ = _engines("y ~ session + (session | therapist) + (1 | client)", _singular_table())
    assert not isinstance(engine, NestedInterceptModel)


def test_nesting_map():
    inner = np.array([0, 0, 1, 2, 2, 3])
    assert nesting(inner, 4, np.array([1, 1, 1, 0, 0, 0])).tolist() == [1, 1, 0, 0]
    assert nesting(inner, 4, np.array([1, 0, 1, 0, 0, 0])) is None  # level 0 in two outer levels


@pytest.mark.parametrize("file, formula", [("mixed_nested.csv", FORMULA), ("mixed_nested_singular.csv", FORMULA)])
@pytest.mark.parametrize("reml", [True, False])
def test_nested_path_equals_the_general_path(file, formula, reml):
    design, fast, general = _engines(formula, pd.read_csv(REF_DIR / file))
    n, p = design.X.shape
    for theta in ([0.0, 0.0], [0.3, 1.2], [1.7, 0.0], [0.0, 2.0], [4.0, 0.05]):
        a, b = fast.evaluate(theta), general.evaluate(theta)
        np.testing.assert_allclose([a.ld_l2, a.ld_rx2, a.r2], [b.ld_l2, b.ld_rx2, b.r2], rtol=ALGEBRAIC)
        np.testing.assert_allclose(a.beta, b.beta, rtol=ALGEBRAIC, atol=ALGEBRAIC)
        np.testing.assert_allclose(a.rx_inv2, b.rx_inv2, rtol=ALGEBRAIC, atol=ALGEBRAIC)
        np.testing.assert_allclose(fast.random_effects(theta, a.beta), general.random_effects(theta, a.beta),
                                   rtol=ALGEBRAIC, atol=ALGEBRAIC)
    th_fast, ok_fast, _ = fast.fit(reml)
    th_general, ok_general, _ = general.fit(reml)
    assert ok_fast and ok_general
    np.testing.assert_allclose(th_fast, th_general, rtol=PATH_AGREEMENT * 10, atol=PATH_AGREEMENT)
    dev_fast = profiled_deviance(fast.evaluate(th_fast), n, p, reml)
    assert dev_fast <= profiled_deviance(general.evaluate(th_general), n, p, reml) + ALGEBRAIC * abs(dev_fast)
    if file == "mixed_nested.csv":
        sigma = np.sqrt(fast.evaluate(th_fast).r2 / (n - p if reml else n))
        np.testing.assert_allclose(satterthwaite_df(fast, th_fast, sigma, reml)[0],
                                   satterthwaite_df(general, th_fast, sigma, reml)[0], rtol=SATTERTHWAITE)
    beta = fast.evaluate(th_fast).beta
    np.testing.assert_allclose(fast.fitted_random(th_fast, beta), general.fitted_random(th_fast, beta),
                               rtol=ALGEBRAIC, atol=ALGEBRAIC)


@pytest.mark.parametrize("name", ["nested_reml", "nested_ml"])
def test_reference_cases_through_the_nested_path_equal_lme4(fast_only, name):
    case = CASES[name]
    res = mixed_model(case["formula"], pd.read_csv(REF_DIR / case["file"]), reml=case["reml"])
    ref = pd.DataFrame(case["fixed"])
    for col in ("estimate", "se", "statistic", "ci_lower", "ci_upper"):
        np.testing.assert_allclose(res.fixed[col], ref[col], rtol=LME4_ESTIMATE)
    np.testing.assert_allclose(res.fixed["df"], ref["df"], rtol=SATTERTHWAITE)
    np.testing.assert_allclose(np.log(res.fixed["p"]), np.log(ref["p"]), rtol=SATTERTHWAITE)
    variance = pd.DataFrame(case["variance"])
    assert res.variance["group"].tolist() == variance["group"].tolist() == ["client:therapist", "therapist",
                                                                              "Residual"]
    np.testing.assert_allclose(res.variance["vcov"], variance["vcov"], rtol=LME4_ESTIMATE, atol=ZERO_ATOL)
    np.testing.assert_allclose(res.theta, case["theta"], rtol=LME4_ESTIMATE)
    for key in ("loglik", "aic", "bic"):
        assert getattr(res, key) == pytest.approx(case[key], rel=LME4_CRITERION)
    assert res.deviance == pytest.approx(case["deviance_criterion"], rel=LME4_CRITERION)
    assert res.n_groups == case["n_groups"] and res.singular is case["singular"] and res.converged


@pytest.mark.parametrize("reml", [True, False])
def test_singular_table_equals_lme4(fast_only, reml):
    ref = SINGULAR_REF[reml]
    res = mixed_model(FORMULA, pd.read_csv(REF_DIR / "mixed_nested_singular.csv"), reml=reml)
    np.testing.assert_allclose(res.theta, ref["theta"], rtol=LME4_ESTIMATE, atol=ZERO_ATOL)
    assert res.sigma == pytest.approx(ref["sigma"], rel=LME4_ESTIMATE)
    assert res.loglik == pytest.approx(ref["loglik"], rel=LME4_CRITERION)
    np.testing.assert_allclose(res.fixed["estimate"], ref["estimate"], rtol=LME4_ESTIMATE)
    np.testing.assert_allclose(res.fixed["se"], ref["se"], rtol=LME4_ESTIMATE)
    np.testing.assert_allclose(res.fixed["df"], ref["df"], rtol=SATTERTHWAITE if not reml else SMALL_THETA_DF)
    np.testing.assert_allclose(res.variance["vcov"], ref["vcov"], rtol=LME4_ESTIMATE, atol=ZERO_ATOL)
    assert res.singular is ref["singular"]
    if ref["singular"]:
        assert res.theta[1] == 0.0 and res.variance["vcov"].iloc[1] == 0.0
        assert any("singular" in note for note in res.notes)


def test_result_does_not_depend_on_row_order_or_labels(fast_only):
    data = pd.read_csv(REF_DIR / "mixed_nested.csv")
    base = mixed_model(FORMULA, data)
    other = data.sample(frac=1.0, random_state=5).reset_index(drop=True)
    other["therapist"] = "T" + other["therapist"].astype(str).str[::-1]
    moved = mixed_model(FORMULA, other)
    np.testing.assert_allclose(moved.fixed[["estimate", "se"]], base.fixed[["estimate", "se"]], rtol=PATH_AGREEMENT)
    np.testing.assert_allclose(moved.theta, base.theta, rtol=PATH_AGREEMENT * 10)
    assert moved.loglik == pytest.approx(base.loglik, rel=ALGEBRAIC)


def test_unbalanced_clients_with_single_sessions_equal_the_general_path():
    data = _singular_table().iloc[::3].reset_index(drop=True)  # 1 or 2 sessions per client
    data.loc[data.index % 4 == 0, "y"] += 2.0 * (data["therapist"].str[1:].astype(int) % 3)
    design, fast, general = _engines(FORMULA, data)
    assert isinstance(fast, NestedInterceptModel)
    for reml in (True, False):
        th_fast, _, _ = fast.fit(reml)
        th_general, _, _ = general.fit(reml)
        n, p = design.X.shape
        d_fast = profiled_deviance(fast.evaluate(th_fast), n, p, reml)
        d_general = profiled_deviance(general.evaluate(th_general), n, p, reml)
        assert d_fast <= d_general + ALGEBRAIC * abs(d_general)
        np.testing.assert_allclose(th_fast, th_general, rtol=1e-4, atol=1e-5)
