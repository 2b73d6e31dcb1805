"""Q statistics do not depend on the order of the rows (issue 10, deliverable 5).

Q = y'Py on uncentred y lost its digits on precise measurements around a large mean (Q ranged from 20.6 to 29.0
over 100 orderings of one table of physical-constant measurements). Every Q is now computed from centred
residuals; these property tests draw such tables (yi = 6.674e-11 + noise with vi ~ 1e-30, and yi ~ 1e6 + noise),
permute the rows and compare Q and its p-value, and compare Q with exact rational arithmetic on the same doubles.
"""

from fractions import Fraction

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from ruptstats.meta import gosh, meta_regression, rma, subgroup_analysis, three_level
from tests.tolerances import EXACT_RATIONAL, ORDER_INVARIANCE

# (centre, scale of the sampling variances): Newton's gravitational constant measured to ~1e-15 (G ~ 6.674e-11,
# CODATA-like precision), and a large mean (1e6) with variances ~1e-6
_REGIMES = [(6.674e-11, 1e-30), (1e6, 1e-6)]


@st.composite
def precise_tables(draw):
    """k studies: yi = centre + noise * sqrt(vi) * spread, vi = scale * U(0.5, 2), and a row permutation."""
    centre, scale = _REGIMES[draw(st.integers(0, len(_REGIMES) - 1))]
    k = draw(st.integers(5, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    v = scale * rng.uniform(0.5, 2.0, k)
    y = centre + rng.normal(0.0, 1.0, k) * np.sqrt(v) * draw(st.sampled_from([0.5, 1.0, 2.0]))
    return y, v, rng.permutation(k)


def _close(a, b):
    return abs(a - b) <= ORDER_INVARIANCE * max(abs(a), abs(b), 1e-300)


def _exact_q(y, v) -> float:
    """Cochran's Q of the same doubles in exact rational arithmetic (the reference of these tests)."""
    fy = [Fraction(float(a)) for a in y]
    fw = [1 / Fraction(float(b)) for b in v]
    mu = sum(w * a for w, a in zip(fw, fy)) / sum(fw)
    return float(sum(w * (a - mu) ** 2 for w, a in zip(fw, fy)))


@settings(max_examples=40, deadline=None)
@given(precise_tables())
def test_q_and_p_invariant_to_row_order(table):
    y, v, perm = table
    for method in ("FE", "REML", "DL"):
        a, b = rma(y, v, method=method), rma(y[perm], v[perm], method=method)
        assert _close(a.q, b.q) and _close(a.q_p, b.q_p), (method, a.q, b.q)


@settings(max_examples=25, deadline=None)
@given(precise_tables())
def test_q_equals_exact_rational_value(table):
    y, v, _ = table
    q = rma(y, v, method="FE").q
    assert abs(q - _exact_q(y, v)) <= EXACT_RATIONAL * _exact_q(y, v)


@settings(max_examples=20, deadline=None)
@given(precise_tables())
def test_meta_regression_qe_invariant_to_row_order(table):
    y, v, perm = table
    x = np.arange(y.size) % 3 + 0.5  # a moderator that moves with its row
    frame = pd.DataFrame({"yi": y, "vi": v, "x": x})
    a = meta_regression(frame, ["x"], method="FE")
    b = meta_regression(frame.iloc[perm].reset_index(drop=True), ["x"], method="FE")
    assert _close(a.q_residual, b.q_residual) and _close(a.q_residual_p, b.q_residual_p)


@settings(max_examples=15, deadline=None)
@given(precise_tables())
def test_subgroup_three_level_and_gosh_q_invariant_to_row_order(table):
    y, v, perm = table
    groups = np.where(np.arange(y.size) % 2 == 0, "a", "b")
    a, b = rma(y, v, method="FE"), rma(y[perm], v[perm], method="FE")
    sa, sb = subgroup_analysis(a, groups), subgroup_analysis(b, groups[perm])
    assert _close(sa.q, sb.q)
    clusters = np.arange(y.size) // 2
    ta, tb = three_level(a, clusters), three_level(b, clusters[perm])
    assert _close(ta.q, tb.q) and _close(ta.q_p, tb.q_p)
    if y.size <= 10:
        ga, gb = gosh(a), gosh(b)
        full_a, full_b = ga.q[ga.incl.all(axis=1)][0], gb.q[gb.incl.all(axis=1)][0]
        assert _close(full_a, full_b) and _close(full_a, a.q)


def test_precise_table_q_is_one_value_over_100_orderings():
    """The issue's example: one table of precise measurements, 100 orderings, one Q (not 20.6 to 29.0)."""
    rng = np.random.default_rng(20261130)
    v = 1e-30 * rng.uniform(0.5, 2.0, 25)
    y = 6.674e-11 + rng.normal(0.0, 1.0, 25) * np.sqrt(v)
    qs = [rma(y[o], v[o], method="FE").q for o in (rng.permutation(25) for _ in range(100))]
    assert max(qs) - min(qs) <= ORDER_INVARIANCE * max(qs)
    assert abs(qs[0] - _exact_q(y, v)) <= EXACT_RATIONAL * qs[0]
