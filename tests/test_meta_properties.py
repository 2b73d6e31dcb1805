"""Property tests (hypothesis) of the pooling engine."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tolerances import ALGEBRAIC, EXACT, REFIT_ESTIMATE, REFIT_TAU2, SHIFT_ESTIMATE, SHIFT_TAU2, SHIFT_TAU2_ATOL

from ruptstats.meta import rma

METHODS = ["DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM"]

effects = st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=2, max_size=12)


@st.composite
def tables(draw):
    y = draw(effects)
    v = draw(st.lists(st.floats(0.001, 0.5), min_size=len(y), max_size=len(y)))
    return np.array(y), np.array(v)


@settings(max_examples=40, deadline=None)
@given(tables(), st.sampled_from(METHODS), st.randoms(use_true_random=False))
def test_invariant_to_study_order(table, method, rnd):
    y, v = table
    order = list(range(y.size))
    rnd.shuffle(order)
    a, b = rma(y, v, method=method), rma(y[order], v[order], method=method)
    assert b.estimate == pytest.approx(a.estimate, rel=REFIT_ESTIMATE, abs=ALGEBRAIC)
    assert b.tau2 == pytest.approx(a.tau2, rel=REFIT_TAU2, abs=ALGEBRAIC)
    assert b.q == pytest.approx(a.q, rel=ALGEBRAIC, abs=ALGEBRAIC)


@settings(max_examples=40, deadline=None)
@given(tables(), st.sampled_from(METHODS), st.floats(-5, 5))
def test_location_equivariance(table, method, shift):
    """Adding c to every effect adds c to the estimate and its CI and leaves tau2 unchanged."""
    y, v = table
    a, b = rma(y, v, method=method), rma(y + shift, v, method=method)
    assert b.estimate == pytest.approx(a.estimate + shift, rel=SHIFT_ESTIMATE, abs=SHIFT_ESTIMATE)
    assert b.ci_lower == pytest.approx(a.ci_lower + shift, rel=SHIFT_ESTIMATE, abs=SHIFT_ESTIMATE)
    assert b.tau2 == pytest.approx(a.tau2, rel=SHIFT_TAU2, abs=SHIFT_TAU2_ATOL)


@settings(max_examples=30, deadline=None)
@given(st.floats(-2, 2), st.lists(st.floats(0.001, 0.5), min_size=2, max_size=10), st.sampled_from(METHODS))
def test_tau2_is_zero_when_all_effects_are_equal(value, v, method):
    res = rma([value] * len(v), v, method=method)
    assert res.tau2 == 0.0
    assert res.i2 == 0.0


@settings(max_examples=40, deadline=None)
@given(tables(), st.sampled_from(METHODS))
def test_fe_ci_never_wider_than_re_ci(table, method):
    y, v = table
    fe, re = rma(y, v, method="FE"), rma(y, v, method=method)
    assert fe.ci_upper - fe.ci_lower <= (re.ci_upper - re.ci_lower) * (1 + EXACT)


@settings(max_examples=30, deadline=None)
@given(tables(), st.sampled_from(METHODS))
def test_tau2_nonnegative_and_q_profile_ci_brackets(table, method):
    y, v = table
    res = rma(y, v, method=method)
    assert res.tau2 >= 0
    assert 0 <= res.tau2_ci_lower <= res.tau2_ci_upper
    assert 0 <= res.i2 <= 100
