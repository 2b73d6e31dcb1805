"""The fast random-intercept path against the general sparse path, statsmodels' MixedLM as a cross-check, and
properties any correct fit has (issue 13 item 2)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from ruptstats import OptionError
from ruptstats.mixed import mixed_model
from ruptstats.mixed.design import build_design
from ruptstats.mixed.formula import parse_formula
from ruptstats.mixed.general import SparseModel
from ruptstats.mixed.intercept import InterceptModel
from ruptstats.mixed.profile import profiled_deviance
from ruptstats.mixed.satterthwaite import satterthwaite_df
from tests.tolerances import ALGEBRAIC, PATH_AGREEMENT, SATTERTHWAITE, STATSMODELS_MIXEDLM

REF_DIR = Path(__file__).parent / "reference"


def _engines(formula, data):
    design = build_design(parse_formula(formula), data)
    term = design.terms[0]
    return (design, InterceptModel(design.y, design.X, term.codes, term.n_levels),
            SparseModel(design.y, design.X, design.terms))


@pytest.mark.parametrize("file, formula", [
    ("mixed_intercept.csv", "y ~ session + condition + (1 | client)"),
    ("mixed_unbalanced.csv", "y ~ session + condition + session:condition + (1 | client)"),
    ("mixed_singular.csv", "y ~ x + (1 | client)"),
])
@pytest.mark.parametrize("reml", [True, False])
def test_fast_path_equals_the_general_path(file, formula, reml):
    design, fast, general = _engines(formula, pd.read_csv(REF_DIR / file))
    n, p = design.X.shape
    for theta in (0.0, 0.3, 1.7):  # the same pieces at any theta (sufficient statistics vs sparse PLS)
        a, b = fast.evaluate([theta]), general.evaluate([theta])
        np.testing.assert_allclose([a.ld_l2, a.ld_rx2, a.r2], [b.ld_l2, b.ld_rx2, b.r2], rtol=ALGEBRAIC)
        np.testing.assert_allclose(a.beta, b.beta, rtol=ALGEBRAIC, atol=ALGEBRAIC)
        np.testing.assert_allclose(a.rx_inv2, b.rx_inv2, rtol=ALGEBRAIC, atol=ALGEBRAIC)
    th_fast, ok_fast, _ = fast.fit(reml)
    th_general, ok_general, _ = general.fit(reml)
    assert ok_fast and ok_general
    np.testing.assert_allclose(th_fast, th_general, rtol=PATH_AGREEMENT, atol=PATH_AGREEMENT)
    dev_fast = profiled_deviance(fast.evaluate(th_fast), n, p, reml)
    assert dev_fast <= profiled_deviance(general.evaluate(th_general), n, p, reml) + ALGEBRAIC * abs(dev_fast)
    if th_fast[0] > 0:
        sigma = np.sqrt(fast.evaluate(th_fast).r2 / (n - p if reml else n))
        df_fast, _ = satterthwaite_df(fast, th_fast, sigma, reml)
        df_general, _ = satterthwaite_df(general, th_fast, sigma, reml)
        # the same numerical derivatives of two roundings of one deviance: see SATTERTHWAITE
        np.testing.assert_allclose(df_fast, df_general, rtol=SATTERTHWAITE)
    beta = fast.evaluate(th_fast).beta
    np.testing.assert_allclose(fast.fitted_random(th_fast, beta), general.fitted_random(th_fast, beta),
                               rtol=ALGEBRAIC, atol=ALGEBRAIC)


def test_statsmodels_mixedlm_agrees_on_estimates_and_variances():
    # statsmodels MixedLM (REML) as a cross-check only: its fixed effects and variance components agree with
    # lme4's; its standard errors come from its joint Hessian and are not compared (issue 13)
    data = pd.read_csv(REF_DIR / "mixed_intercept.csv")
    sm = smf.mixedlm("y ~ session + C(condition)", data, groups=data["client"]).fit(reml=True)
    res = mixed_model("y ~ session + condition + (1 | client)", data)
    ours = res.fixed.set_index("term")["estimate"]
    names = {"Intercept": "(Intercept)", "session": "session", "C(condition)[T.repaired]": "conditionrepaired",
             "C(condition)[T.unrepaired]": "conditionunrepaired"}
    for sm_name, name in names.items():
        assert ours[name] == pytest.approx(sm.fe_params[sm_name], rel=STATSMODELS_MIXEDLM)
    assert res.variance["vcov"].iloc[0] == pytest.approx(sm.cov_re.iloc[0, 0], rel=STATSMODELS_MIXEDLM)
    assert res.variance["vcov"].iloc[1] == pytest.approx(sm.scale, rel=STATSMODELS_MIXEDLM)


@pytest.mark.parametrize("formula", ["y ~ session + (1 | therapist/client)", "y ~ session + (session | client)"])
def test_row_order_and_group_labels_do_not_matter(formula):
    file = "mixed_nested.csv" if "therapist" in formula else "mixed_slope.csv"
    data = pd.read_csv(REF_DIR / file)
    base = mixed_model(formula, data)
    shuffled = data.sample(frac=1.0, random_state=3).reset_index(drop=True)
    shuffled["client"] = "id_" + shuffled["client"].astype(str).str[::-1]  # relabel: other names, other order
    other = mixed_model(formula, shuffled)
    np.testing.assert_allclose(other.fixed[["estimate", "se"]], base.fixed[["estimate", "se"]], rtol=PATH_AGREEMENT)
    np.testing.assert_allclose(other.fixed["df"], base.fixed["df"], rtol=SATTERTHWAITE)
    np.testing.assert_allclose(other.variance["vcov"], base.variance["vcov"], rtol=PATH_AGREEMENT * 10)
    assert other.loglik == pytest.approx(base.loglik, rel=ALGEBRAIC)


def test_shifting_the_outcome_moves_only_the_intercept():
    data = pd.read_csv(REF_DIR / "mixed_intercept.csv")
    base = mixed_model("y ~ session + condition + (1 | client)", data)
    shifted = mixed_model("y ~ session + condition + (1 | client)", data.assign(y=data["y"] + 100.0))
    assert shifted.fixed["estimate"].iloc[0] == pytest.approx(base.fixed["estimate"].iloc[0] + 100.0, rel=1e-9)
    np.testing.assert_allclose(shifted.fixed["estimate"].iloc[1:], base.fixed["estimate"].iloc[1:], rtol=1e-7)
    np.testing.assert_allclose(shifted.variance["vcov"], base.variance["vcov"], rtol=1e-6)


def test_uncorrelated_slopes_have_no_covariance_row_and_two_groups_named_as_r():
    res = mixed_model("y ~ session + (session || client)", pd.read_csv(REF_DIR / "mixed_slope.csv"))
    assert res.variance["group"].tolist() == ["client", "client.1", "Residual"]
    assert res.n_groups == {"client": 30}


@pytest.mark.parametrize("file, formula", [
    ("mixed_intercept.csv", "y ~ session + condition + (1 | client)"),
    ("mixed_unbalanced.csv", "y ~ session + condition + session:condition + (1 | client)"),
    ("mixed_unbalanced.csv", "y ~ session * condition + (1 | client)"),
    ("mixed_unbalanced.csv", "y ~ 0 + condition + session + (1 | client)"),
    ("mixed_crossed.csv", "y ~ x + (1 | client) + (1 | rater)"),
])
def test_the_small_fixed_builder_equals_formulaic(monkeypatch, file, formula):
    # without formulaic installed the fixed part is built by ruptstats.mixed.fixed: the same columns and names
    import ruptstats.mixed.design as design_module

    data = pd.read_csv(REF_DIR / file)
    with_formulaic = build_design(parse_formula(formula), data)
    monkeypatch.setattr(design_module, "_formulaic", lambda: None)
    without = build_design(parse_formula(formula), data)
    assert without.fixed_names == with_formulaic.fixed_names
    np.testing.assert_array_equal(without.X, with_formulaic.X)


def test_the_small_fixed_builder_refuses_what_it_cannot_read(monkeypatch):
    import ruptstats.mixed.design as design_module

    monkeypatch.setattr(design_module, "_formulaic", lambda: None)
    data = pd.read_csv(REF_DIR / "mixed_intercept.csv")
    with pytest.raises(OptionError, match="log\\(session\\)"):
        mixed_model("y ~ log(session) + (1 | client)", data)


@pytest.mark.parametrize("formula", ["y ~ session + (session | client)", "y ~ session + (session || client)",
                                     "y ~ 1 + (0 + session | client)"])
def test_block_path_equals_the_general_path(formula):
    from ruptstats.mixed.block import BlockModel

    design = build_design(parse_formula(formula), pd.read_csv(REF_DIR / "mixed_slope.csv"))
    block, general = BlockModel(design.y, design.X, design.terms), SparseModel(design.y, design.X, design.terms)
    np.testing.assert_array_equal(block.theta_lower, general.theta_lower)
    rng = np.random.default_rng(5)
    for theta in (np.abs(rng.normal(size=len(block.theta_lower))) for _ in range(3)):
        a, b, fast = block.evaluate(theta), general.evaluate(theta), block.evaluate(theta, precise=False)
        np.testing.assert_allclose([a.ld_l2, a.ld_rx2, a.r2], [b.ld_l2, b.ld_rx2, b.r2], rtol=ALGEBRAIC)
        assert fast.r2 == pytest.approx(a.r2, rel=ALGEBRAIC)
        np.testing.assert_allclose(a.beta, b.beta, rtol=ALGEBRAIC, atol=ALGEBRAIC)
        np.testing.assert_allclose(block.fitted_random(theta, a.beta), general.fitted_random(theta, a.beta),
                                   rtol=ALGEBRAIC, atol=ALGEBRAIC)
    n, p = design.X.shape
    th_block, ok, _ = block.fit(True)
    th_general, _, _ = general.fit(True)
    assert ok
    np.testing.assert_allclose(th_block, th_general, rtol=PATH_AGREEMENT * 10, atol=PATH_AGREEMENT)
    assert profiled_deviance(block.evaluate(th_block), n, p, True) == pytest.approx(
        profiled_deviance(general.evaluate(th_general), n, p, True), rel=ALGEBRAIC)
