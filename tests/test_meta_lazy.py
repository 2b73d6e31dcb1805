"""The cheap single ``rma()`` call (issue 14, item 1): a lazy Q-profile CI and a scalar intercept-only path.

- The Q-profile CI of tau2 (and its I2 and H2 versions) is computed only when something reads it, once, and
  gives the same numbers as the eager computation it replaced (the same function on the same arrays: EXACT).
- The intercept-only fit in scalar arithmetic equals the general weighted-least-squares path (EXACT: the same
  sums in a different grouping at most).
"""

import copy
import dataclasses
import math
import pickle

import numpy as np
import pytest

import ruptstats.meta.fitting as fitting
from ruptstats.meta import rma
from ruptstats.meta.estimators import DEFAULT_CONTROL
from ruptstats.meta.heterogeneity import q_profile_ci
from tests.tolerances import EXACT

CI_FIELDS = ("tau2_ci_lower", "tau2_ci_upper", "i2_ci_lower", "i2_ci_upper", "h2_ci_lower", "h2_ci_upper")
METHODS = ("REML", "ML", "DL", "HE", "HS", "SJ", "EB", "PM")


def _table(seed, k=20):
    """A random table: vi ~ U(0.01, 0.1), yi ~ N(0.3, vi + 0.02) (the benchmark's design)."""
    rng = np.random.default_rng(seed)
    vi = rng.uniform(0.01, 0.1, k)
    return rng.normal(0.3, np.sqrt(vi + 0.02)), vi


@pytest.fixture
def counter(monkeypatch):
    """Count the calls of the Q-profile routine used by the fits."""
    calls = []

    def counted(*args, **kwargs):
        calls.append(args)
        return q_profile_ci(*args, **kwargs)

    monkeypatch.setattr(fitting, "q_profile_ci", counted)
    return calls


def test_rma_alone_does_not_run_the_q_profile(counter):
    yi, vi = _table(1)
    res = rma(yi, vi, method="REML")
    assert res.tau2 > 0 and len(counter) == 0
    _ = (res.estimate, res.se, res.ci_lower, res.pi_upper, res.i2, res.h2, res.q_p, repr(res))
    res.summary_frame()
    assert len(counter) == 0


def test_reading_a_bound_runs_it_once(counter):
    yi, vi = _table(2)
    res = rma(yi, vi, method="REML")
    lo = res.tau2_ci_lower
    assert len(counter) == 1
    values = [getattr(res, name) for name in CI_FIELDS]
    res.to_dict()
    res.summary()
    assert len(counter) == 1 and values[0] == lo and lo <= res.tau2 <= values[1]


@pytest.mark.parametrize("reader", [lambda r: r.summary(), lambda r: r.to_dict(), lambda r: r.h2_ci_upper])
def test_summary_and_to_dict_compute_it(counter, reader):
    yi, vi = _table(3)
    res = rma(yi, vi)
    reader(res)
    assert len(counter) == 1
    assert all(isinstance(getattr(res, name), float) for name in CI_FIELDS)


def test_common_effect_and_k1_never_run_it(counter):
    yi, vi = _table(4)
    fe = rma(yi, vi, method="FE")
    one = rma(yi[:1], vi[:1], method="REML")
    for res in (fe, one):
        assert all(getattr(res, name) is None for name in CI_FIELDS)
        assert res.to_dict()["tau2_ci_lower"] is None
    assert len(counter) == 0


def _eager(res):
    """The six values as rma() computed them before they were lazy (results.py, from_fit, until this change)."""
    fit = res.fit
    ci = q_profile_ci(fit.y, fit.v, fit.X, fit.tau2.tau2, fit.level, tol=DEFAULT_CONTROL["tol"])
    vt = fit.het.typical_vi
    return (ci[0], ci[1], 100.0 * ci[0] / (vt + ci[0]), 100.0 * ci[1] / (vt + ci[1]), ci[0] / vt + 1.0,
            ci[1] / vt + 1.0)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", range(6))
def test_lazy_values_equal_the_eager_computation(method, seed):
    k = 3 + 7 * seed  # 3 to 38 studies
    yi, vi = _table(100 + seed, k)
    level = (0.95, 0.9, 0.99)[seed % 3]
    res = rma(yi, vi, method=method, level=level)
    eager = _eager(res)
    lazy = tuple(getattr(res, name) for name in CI_FIELDS)
    np.testing.assert_allclose(lazy, eager, rtol=EXACT, atol=0)
    assert res.to_dict()["tau2_ci_upper"] == pytest.approx(eager[1], rel=EXACT, abs=0)


def test_control_tol_reaches_the_lazy_ci():
    yi, vi = _table(7)
    loose = rma(yi, vi, control={"tol": 1e-2})
    tight = rma(yi, vi, control={"tol": 1e-14})
    fit = loose.fit
    expected = q_profile_ci(fit.y, fit.v, fit.X, fit.tau2.tau2, fit.level, tol=1e-2)
    assert loose.tau2_ci_lower == expected[0] and loose.tau2_ci_upper == expected[1]
    assert tight.tau2_ci_upper != loose.tau2_ci_upper  # the tolerance changes where Brent's method stops


def test_equality_copy_pickle_and_replace_see_the_values():
    yi, vi = _table(8)
    a, b = rma(yi, vi), rma(yi, vi)
    assert a.tau2_ci_lower == b.tau2_ci_lower
    for clone in (pickle.loads(pickle.dumps(rma(yi, vi))), copy.deepcopy(rma(yi, vi)), copy.copy(rma(yi, vi))):
        assert [getattr(clone, n) for n in CI_FIELDS] == [getattr(a, n) for n in CI_FIELDS]
    renoted = dataclasses.replace(rma(yi, vi), notes=("x",))
    assert renoted.tau2_ci_upper == a.tau2_ci_upper and renoted.notes == ("x",)
    assert "tau2_ci_lower" in {f.name for f in dataclasses.fields(a)}
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.tau2_ci_lower = 0.0


def test_values_given_to_the_constructor_are_kept():
    yi, vi = _table(9)
    res = rma(yi, vi)
    given = {f.name: getattr(res, f.name) for f in dataclasses.fields(res)}
    given["tau2_ci_lower"] = 0.125
    made = type(res)(**given)
    assert made.tau2_ci_lower == 0.125 and made.tau2_ci_upper == res.tau2_ci_upper


def test_zero_variance_leaves_the_ci_undefined(counter):
    res = rma([0.1, 0.5, 0.9, 0.2], [0.0, 0.02, 0.03, 0.01], method="REML")  # metafor: no Q test with vi = 0
    assert res.tau2 > 0 and res.tau2_ci_lower is None and res.i2_ci_upper is None
    assert len(counter) == 0


# -- the scalar intercept-only path equals the general path ---------------------------------------------------

def _general(monkeypatch):
    """Route fit_model through the general WLS path and numpy's SVD rank (as before the scalar path)."""
    monkeypatch.setattr(fitting, "is_intercept", lambda X: False)
    monkeypatch.setattr(fitting, "_rank", lambda X: int(np.linalg.matrix_rank(X)))


@pytest.mark.parametrize("test", ["z", "knha"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("seed", range(5))
def test_scalar_path_equals_the_general_path(monkeypatch, test, weighted, seed):
    yi, vi = _table(200 + seed, 4 + 5 * seed)
    a = np.random.default_rng(seed).uniform(0.5, 3.0, yi.size) if weighted else None
    fast = fitting.fit_model(yi, vi, method="REML", test=test, weights=a)
    with monkeypatch.context() as m:
        _general(m)
        slow = fitting.fit_model(yi, vi, method="REML", test=test, weights=a)
    assert fast.tau2.tau2 == slow.tau2.tau2  # tau2 does not use this path
    for name in ("beta", "vcov", "se", "statistic", "p", "ci_lower", "ci_upper", "weights"):
        np.testing.assert_allclose(getattr(fast, name), getattr(slow, name), rtol=EXACT, atol=0, err_msg=name)
    assert getattr(fast, "vcov").shape == (1, 1)
    np.testing.assert_allclose(fast.prediction_interval(), slow.prediction_interval([1.0]), rtol=EXACT)


def test_scalar_rank_check_agrees_with_numpy():
    for column in (np.ones(5), np.zeros(5), np.array([0.0, 0.0, 1e-300]), np.array([0.0, -2.0])):
        X = column[:, None]
        assert fitting._rank(X) == np.linalg.matrix_rank(X)


def test_zero_weights_are_still_refused():
    from ruptstats.exceptions import DataError

    with pytest.raises(DataError, match="weights"):
        rma([0.1, 0.2, 0.3], [0.01, 0.02, 0.03], weights=[0.0, 0.0, 0.0])


def test_intercept_only_estimate_is_the_weighted_mean():
    yi, vi = _table(11)
    res = rma(yi, vi, method="DL")
    w = 1.0 / (vi + res.tau2)
    assert res.estimate == pytest.approx(float(np.sum(w * yi) / np.sum(w)), rel=EXACT)
    assert res.se == pytest.approx(math.sqrt(1.0 / np.sum(w)), rel=EXACT)
