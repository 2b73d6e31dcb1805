"""Conversions: Borenstein et al. (2009) worked examples, cross-checks with metafor/R values in
effects_reference.json (tests/reference/make_effects_reference.R), and round trips as property tests."""

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tolerances import ALGEBRAIC, ELEMENTWISE, PUBLISHED_TABLE, QUANTILE_ROUND_TRIP, ULP, ZERO_ATOL

from ruptstats.effects import convert
from ruptstats.effects.means import hedges_correction, smd
from ruptstats.exceptions import DataError, OptionError

CONV = json.loads((Path(__file__).parent / "reference" / "effects_reference.json").read_text())["conversions"]


def first(pair):
    return tuple(float(x[0]) for x in pair)


# --- Borenstein, Hedges, Higgins & Rothstein (2009), Introduction to meta-analysis, Wiley ---------------------

def test_book_r_to_d():
    # ch. 7, p. 48, worked example: r = 0.50, V_r = 0.0058 -> d = 1.1547, V_d = 0.0550
    d, vd = first(convert.r_to_d(0.50, 0.0058))
    assert d == pytest.approx(1.1547, abs=PUBLISHED_TABLE) and vd == pytest.approx(0.0550, abs=PUBLISHED_TABLE)


def test_book_d_to_r():
    # ch. 7, pp. 48-49, worked example: d = 1.1547, V_d = 0.0550, n1 = n2 = 50 -> r = 0.5000, V_r = 0.0058
    r, vr = first(convert.d_to_r(1.1547, 0.0550, 50, 50))
    assert r == pytest.approx(0.5000, abs=PUBLISHED_TABLE) and vr == pytest.approx(0.0058, abs=PUBLISHED_TABLE)


def test_book_d_from_means_and_its_variance():
    # ch. 4, pp. 27-28: means 103/100, SDs 5.5/4.5, n = 50/50 -> S_within = 5.0249, d = 0.5970, V_d = 0.0418,
    # J = 0.9923 (the book's approximation 1 - 3/(4 df - 1)); the exact J of metafor agrees to 4 decimals
    g, _ = first(smd([103.0], [5.5], [50], [100.0], [4.5], [50]))
    d = g / float(hedges_correction(98))  # the package's g without its correction: the book's d
    assert d == pytest.approx(0.5970, abs=PUBLISHED_TABLE)
    assert float(convert.var_d(d, 50, 50)[0]) == pytest.approx(0.0418, abs=PUBLISHED_TABLE)
    assert float(hedges_correction(98)) == pytest.approx(0.9923, abs=PUBLISHED_TABLE)


def test_book_fisher_z():
    # ch. 6, p. 42: r = 0.50, n = 100 -> z = 0.5493, V_z = 0.0103
    from ruptstats.effects import zcor
    z, vz = first(zcor([0.5], [100]))
    assert z == pytest.approx(0.5493, abs=PUBLISHED_TABLE) and vz == pytest.approx(0.0103, abs=PUBLISHED_TABLE)


# --- cross-checks with metafor / R (effects_reference.json) ---------------------------------------------------

def test_log_or_to_d_equals_metafor_or2dl():
    ref = CONV["log_or_to_d"]  # escalc("OR") and escalc("OR2DL") on the same four 2x2 tables
    d, vd = convert.log_or_to_d(ref["log_or"], ref["v_log_or"])
    np.testing.assert_allclose(d, ref["d"], rtol=ELEMENTWISE)
    np.testing.assert_allclose(vd, ref["vd"], rtol=ELEMENTWISE)


def test_chi2_to_r_equals_metafor_phi():
    ref = CONV["chi2_to_r"]  # chisq.test(correct = FALSE) and escalc("PHI") on the same tables
    sign = np.sign(ref["r"])
    r, vr = convert.chi2_to_r(ref["chi2"], ref["n"], sign=sign)
    np.testing.assert_allclose(r, ref["r"], rtol=ELEMENTWISE)
    np.testing.assert_allclose(vr, (1 - np.asarray(ref["r"]) ** 2) ** 2 / (np.asarray(ref["n"]) - 1),
                               rtol=ELEMENTWISE)


def test_t_to_d_equals_metafor_smd_from_t():
    ref = CONV["t_to_d"]  # escalc("SMD", ti, n1i, n2i): g = c(n1 + n2 - 2) * t * sqrt(1/n1 + 1/n2)
    n1, n2 = np.asarray(ref["n1i"], float), np.asarray(ref["n2i"], float)
    d, _ = convert.t_to_d(ref["ti"], n1, n2)
    g = hedges_correction(n1 + n2 - 2) * d
    np.testing.assert_allclose(g, ref["g"], rtol=ELEMENTWISE)
    # metafor's variance of g has the same form as Borenstein's variance of d, evaluated at g
    np.testing.assert_allclose(convert.var_d(g, n1, n2), ref["vg"], rtol=ELEMENTWISE)


def test_f_to_d_is_t_to_d_of_the_root():
    ref = CONV["t_to_d"]  # F(1, df) = t^2; the sign comes from the report
    t = np.asarray(ref["ti"])
    d_f, vd_f = convert.f_to_d(t**2, ref["n1i"], ref["n2i"], sign=np.sign(t))
    d_t, vd_t = convert.t_to_d(t, ref["n1i"], ref["n2i"])
    np.testing.assert_allclose(d_f, d_t, rtol=ELEMENTWISE)
    np.testing.assert_allclose(vd_f, vd_t, rtol=ELEMENTWISE)


def test_f_to_r_matches_r_from_t():
    # r = t / sqrt(t^2 + df) with df = n1 + n2 - 2 (Rosenthal, 1994), t from effects_reference.json
    ref = CONV["t_to_d"]
    t = np.asarray(ref["ti"])
    df = np.asarray(ref["n1i"]) + np.asarray(ref["n2i"]) - 2
    r, _ = convert.f_to_r(t**2, df, sign=np.sign(t))
    np.testing.assert_allclose(r, t / np.sqrt(t**2 + df), rtol=ELEMENTWISE)


def test_paired_t_to_d_equals_metafor_smcr_with_equal_sds():
    ref = CONV["paired_t_to_d"]  # escalc("SMCR", m1i, m2i, sd1i = sd, ni, ri); t from the same summaries
    n = np.asarray(ref["ni"], float)
    d, _ = convert.paired_t_to_d(ref["t"], n, ref["ri"])
    np.testing.assert_allclose(hedges_correction(n - 1) * d, ref["g"], rtol=ELEMENTWISE)


def test_p_to_z_equals_qnorm():
    ref = CONV["p_to_z"]  # qnorm(1 - p / 2)
    np.testing.assert_allclose(convert.p_to_z(ref["p"]), ref["z"], rtol=ELEMENTWISE, atol=ULP)


def test_p_to_r_is_z_over_root_n():
    ref = CONV["p_to_z"]
    r, vr = convert.p_to_r(ref["p"], 400, sign=-1)
    # r = z / sqrt(n) with n = 400 (Rosenthal, 1991), and the variance of r, (1 - r^2)^2 / (n - 1)
    np.testing.assert_allclose(r, -np.asarray(ref["z"]) / 20.0, rtol=ELEMENTWISE, atol=ULP)
    np.testing.assert_allclose(vr, (1 - r**2) ** 2 / 399, rtol=ELEMENTWISE)


def test_ci_to_log_scale_equals_r():
    ref = CONV["ci_to_se"]  # (log(ub) - log(lb)) / (2 * qnorm(0.975))
    yi, vi = convert.ci_to_yi_vi(ref["estimate"], ref["lower"], ref["upper"])
    np.testing.assert_allclose(yi, ref["yi"], rtol=ELEMENTWISE)
    np.testing.assert_allclose(np.sqrt(vi), ref["se"], rtol=ELEMENTWISE)


def test_ci_identity_scale_and_level():
    # a mean difference 2.0 with 90 % CI 1.0 to 3.0: SE = 1 / qnorm(0.95) = 1 / 1.6448536269514722 (R)
    se = float(convert.ci_to_se(1.0, 3.0, level=90)[0])
    assert se == pytest.approx(1 / 1.6448536269514722, rel=ELEMENTWISE)


# --- round trips (property tests) ------------------------------------------------------------------------------

sizes = st.integers(min_value=2, max_value=5000)


@settings(max_examples=200, deadline=None)
@given(r=st.floats(-0.999, 0.999), vr=st.floats(1e-6, 1.0), n=sizes)
def test_round_trip_r_to_d_to_r_with_equal_groups(r, vr, n):
    d, vd = convert.r_to_d(r, vr)
    back, vback = convert.d_to_r(d, vd, n, n)  # r_to_d implies a = 4, i.e. equal groups
    assert float(back[0]) == pytest.approx(r, rel=ALGEBRAIC, abs=ZERO_ATOL)
    assert float(vback[0]) == pytest.approx(vr, rel=ALGEBRAIC)


@settings(max_examples=200, deadline=None)
@given(d=st.floats(-5, 5), vd=st.floats(1e-6, 2.0), n1=sizes, n2=sizes)
def test_round_trip_d_to_r_to_d_recovers_d_only_for_equal_groups(d, vd, n1, n2):
    r, vr = convert.d_to_r(d, vd, n1, n2)
    back, _ = convert.r_to_d(r, vr)
    a = (n1 + n2) ** 2 / (n1 * n2)  # back = 2 d / sqrt(a): the a = 4 assumption of r_to_d
    assert float(back[0]) == pytest.approx(2 * d / np.sqrt(a), rel=ALGEBRAIC, abs=ZERO_ATOL)


@settings(max_examples=200, deadline=None)
@given(d=st.floats(-5, 5), vd=st.floats(1e-6, 2.0))
def test_round_trip_d_to_log_or_to_d(d, vd):
    lor, vlor = convert.d_to_log_or(d, vd)
    back, vback = convert.log_or_to_d(lor, vlor)
    assert float(back[0]) == pytest.approx(d, rel=ALGEBRAIC, abs=ZERO_ATOL)
    assert float(vback[0]) == pytest.approx(vd, rel=ALGEBRAIC)


@settings(max_examples=200, deadline=None)
@given(t=st.floats(-20, 20), n1=sizes, n2=sizes)
def test_round_trip_t_and_f_give_the_same_d(t, n1, n2):
    d_t, _ = convert.t_to_d(t, n1, n2)
    d_f, _ = convert.f_to_d(t * t, n1, n2, sign=1 if t >= 0 else -1)
    assert float(d_f[0]) == pytest.approx(float(d_t[0]), rel=ALGEBRAIC, abs=ZERO_ATOL)


@settings(max_examples=200, deadline=None)
@given(z=st.floats(-8, 8))
def test_round_trip_z_to_p_to_z(z):
    from scipy.stats import norm
    p = 2 * norm.sf(abs(z))
    back = float(convert.p_to_z(p, sign=1 if z >= 0 else -1)[0])
    assert back == pytest.approx(z, rel=QUANTILE_ROUND_TRIP, abs=QUANTILE_ROUND_TRIP)


# --- bad input --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, column, row", [
    (lambda: convert.p_to_r([0.04, 1.5], [50, 50]), "p", 2),
    (lambda: convert.p_to_r([0.0], [50]), "p", 1),
    (lambda: convert.r_to_d([0.2, 1.0], [0.01, 0.01]), "r", 2),
    (lambda: convert.t_to_d([2.0, 1.0, 0.5], [20, 1, 10], [20, 20, 20]), "n1", 2),
    (lambda: convert.chi2_to_r([5.0], [40], sign=0), "sign", 1),
    (lambda: convert.chi2_to_r([50.0], [40]), "chi2", 1),
    (lambda: convert.f_to_d([-1.0], [20], [20]), "F", 1),
    (lambda: convert.ci_to_yi_vi([2.0], [3.0], [1.0]), "ci_upper", 1),
    (lambda: convert.ci_to_yi_vi([2.0], [-1.0], [3.0]), "ci_lower", 1),
    (lambda: convert.paired_t_to_d([2.0], [20], [1.0]), "r_prepost", 1),
    (lambda: convert.d_to_r([np.nan], [0.1], [10], [10]), "d", 1),
])
def test_bad_values_name_position_and_argument(call, column, row):
    with pytest.raises(DataError) as err:
        call()
    assert err.value.column == column and err.value.row == row


def test_bad_options_are_option_errors():
    with pytest.raises(OptionError, match="tails"):
        convert.p_to_z(0.05, tails=3)
    with pytest.raises(OptionError, match="level"):
        convert.ci_to_se(1.0, 2.0, level=150)
