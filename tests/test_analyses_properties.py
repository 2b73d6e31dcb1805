"""Properties of the analyses that hold for any data (hypothesis), beside the metafor comparisons."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from tolerances import ALGEBRAIC, EXACT, ZERO_ATOL

from ruptstats.meta import gosh, influence, meta_regression, rma
from ruptstats.meta.bias import _kendall_cdf

effects = st.lists(st.tuples(st.floats(-1, 1), st.floats(0.005, 0.2), st.floats(0, 10)), min_size=5, max_size=12)


@settings(max_examples=25, deadline=None)
@given(effects, st.randoms(use_true_random=False))
def test_meta_regression_does_not_depend_on_row_order(rows, rnd):
    frame = pd.DataFrame(rows, columns=["yi", "vi", "x"])
    if frame.x.nunique() < 2:
        return
    shuffled = frame.sample(frac=1.0, random_state=rnd.randint(0, 10**6))
    a, b = meta_regression(frame, ["x"], method="DL"), meta_regression(shuffled, ["x"], method="DL")
    np.testing.assert_allclose(a.estimate, b.estimate, rtol=ALGEBRAIC, atol=ZERO_ATOL)
    np.testing.assert_allclose(a.qm, b.qm, rtol=ALGEBRAIC, atol=ZERO_ATOL)


@settings(max_examples=25, deadline=None)
@given(effects)
def test_hat_values_sum_to_the_number_of_coefficients(rows):
    frame = pd.DataFrame(rows, columns=["yi", "vi", "x"])
    if frame.x.nunique() < 2:
        return
    inf = influence(meta_regression(frame, ["x"], method="DL"))
    assert abs(inf.hat.sum() - 2) < ALGEBRAIC
    assert abs(inf.weight.sum() - 100) < ALGEBRAIC


@settings(max_examples=25, deadline=None)
@given(effects)
def test_gosh_full_set_and_singletons_equal_direct_fits(rows):
    y = np.array([r[0] for r in rows])
    v = np.array([r[1] for r in rows])
    res = rma(y, v, method="DL")
    g = gosh(res)
    full = g.incl.all(axis=1)
    assert abs(g.estimate[full][0] - res.estimate) < ALGEBRAIC * max(1, abs(res.estimate))
    single = g.k == 1
    np.testing.assert_allclose(g.estimate[single], y[np.argmax(g.incl[single], axis=1)], rtol=EXACT)
    assert g.incl.shape[0] == 2 ** y.size - 1


@settings(deadline=None)
@given(st.integers(2, 30))
def test_kendall_null_distribution_is_a_symmetric_distribution(n):
    pairs = n * (n - 1) // 2
    assert abs(_kendall_cdf(pairs, n) - 1) < EXACT
    for q in range(pairs):
        assert abs(_kendall_cdf(q, n) - (1 - _kendall_cdf(pairs - q - 1, n))) < EXACT
