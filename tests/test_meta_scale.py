"""O(k) paths (issue 10, deliverable 6): equal to the dense k x k formulas on small k, exact fallbacks,
truthful notes, the permutation-test limit, and a k = 200,000 smoke run (no timing assertion).

The dense references below are the textbook matrix formulas (metafor's ``rma.uni`` code) with
:math:`P = W - W X (X^\\top W X)^{-1} X^\\top W`, computed with the k x k matrix the library no longer builds.
"""

import tracemalloc

import numpy as np
import pytest

import ruptstats.meta.sensitivity as sensitivity
from ruptstats.exceptions import OptionError
from ruptstats.meta import permutation_test, rma
from ruptstats.meta._progress import progress
from ruptstats.meta.estimators import TAU2_METHODS, estimate_tau2, generalized_q, projection
from ruptstats.meta.fitting import fit_model
from tests.tolerances import ALGEBRAIC, EXACT, ZERO_ATOL

_RNG = np.random.default_rng(20261130)
_K = 24
_Y = _RNG.normal(0.3, 0.3, _K)
_V = _RNG.uniform(0.01, 0.1, _K)
_X = np.column_stack([np.ones(_K), _RNG.normal(0, 1, _K), (np.arange(_K) % 3 == 0).astype(float)])
_EXACT_CONTROL = {"threshold": 1e-13, "tol": 1e-15}  # every estimator to machine precision (README)


def _rel(a, b) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def _dense_closed_form(method, y, v, X):
    """The dense formulas of metafor's rma.uni for the closed-form estimators: (tau2, se)."""
    k, p = X.shape
    y = y - y.mean()
    if method in ("DL", "HS"):
        w = 1 / v
        P = projection(w, X)
        trP, q = np.trace(P), y @ P @ y
        tau2 = max(0.0, (q - (k - p)) / trP) if method == "DL" else max(0.0, (q - k) / w.sum())
        den = trP**2 if method == "DL" else w.sum() ** 2
        return tau2, np.sqrt((2 * (k - p) + 4 * tau2 * trP + 2 * tau2**2 * np.sum(P * P)) / den)
    if method == "HE":
        P = projection(np.ones(k), X)
        PV = P * v[None, :]
        tau2 = max(0.0, (y @ P @ y - np.trace(PV)) / (k - p))
        return tau2, np.sqrt((2 * np.sum(PV * PV.T) + 4 * tau2 * np.trace(PV) + 2 * tau2**2 * (k - p)) / (k - p) ** 2)
    tau0 = np.mean((y - y.mean()) ** 2)  # SJ
    P = projection(1 / (v + tau0), X)
    tau2 = max(0.0, tau0 * (y @ P @ y) / (k - p))
    PV = P * v[None, :]
    return tau2, np.sqrt(tau0**2 / (k - p) ** 2 * (2 * np.sum(PV * PV.T) + 4 * tau2 * np.sum(PV * P)
                                                   + 2 * tau2**2 * np.sum(P * P)))


@pytest.mark.parametrize("X", [_X[:, :1], _X], ids=["intercept", "moderators"])
@pytest.mark.parametrize("method", ["DL", "HE", "HS", "SJ"])
def test_closed_form_estimators_equal_dense_formulas(method, X):
    est = estimate_tau2(_Y, _V, X, method)
    tau2, se = _dense_closed_form(method, _Y, _V, X)
    assert _rel(est.tau2, tau2) <= ALGEBRAIC and _rel(est.se, se) <= ALGEBRAIC


@pytest.mark.parametrize("X", [_X[:, :1], _X], ids=["intercept", "moderators"])
def test_reml_solves_dense_score_and_its_se(X):
    """At the REML estimate the dense score y'PPy - tr P is 0, and the SE is sqrt(2 / tr(PP)) (dense)."""
    est = estimate_tau2(_Y, _V, X, "REML", _EXACT_CONTROL)
    P = projection(1 / (_V + est.tau2), X)
    py = P @ _Y
    assert abs(py @ py - np.trace(P)) <= ALGEBRAIC * np.trace(P)
    assert _rel(est.se, np.sqrt(2 / np.sum(P * P))) <= ALGEBRAIC


@pytest.mark.parametrize("X", [_X[:, :1], _X], ids=["intercept", "moderators"])
def test_q_and_typical_variance_equal_dense(X):
    fit = fit_model(_Y, _V, X, method="DL")
    P = projection(1 / _V, X)
    assert _rel(fit.het.q, _Y @ P @ _Y) <= ALGEBRAIC
    assert _rel(fit.het.typical_vi, (X.shape[0] - X.shape[1]) / np.trace(P)) <= ALGEBRAIC
    W = np.diag(1 / (_V + fit.tau2.tau2))
    assert np.allclose(fit.vcov, np.linalg.inv(X.T @ W @ X), rtol=ALGEBRAIC, atol=0)
    assert _rel(generalized_q(0.05, _Y, _V, X), _Y @ projection(1 / (_V + 0.05), X) @ _Y) <= ALGEBRAIC


@pytest.mark.parametrize("test", ["z", "knha"])
@pytest.mark.parametrize("method", TAU2_METHODS)
def test_deletion_sums_equal_direct_refits(method, test, monkeypatch):
    """The O(k) leave-one-out and influence path equals refitting each deletion (both solved exactly)."""
    res = rma(_Y, _V, method=method, test=test, control=_EXACT_CONTROL)
    direct_loo, direct_inf = sensitivity.leave_one_out(res), sensitivity.influence(res)
    monkeypatch.setattr(sensitivity, "DIRECT_MAX_K", 5)
    fast_loo, fast_inf = sensitivity.leave_one_out(res), sensitivity.influence(res)
    for name in ("estimate", "se", "p", "ci_lower", "ci_upper", "q", "q_p", "tau2", "i2", "h2"):
        np.testing.assert_allclose(getattr(fast_loo, name), getattr(direct_loo, name), rtol=ALGEBRAIC,
                                   atol=ZERO_ATOL, err_msg=name)
    for name in ("rstudent", "dffits", "cooks_distance", "cov_ratio", "tau2_deleted", "q_deleted", "hat",
                 "weight", "dfbetas"):
        np.testing.assert_allclose(getattr(fast_inf, name), getattr(direct_inf, name), rtol=ALGEBRAIC,
                                   atol=ZERO_ATOL, err_msg=name)
    assert (fast_inf.influential == direct_inf.influential).all()


def test_eb_fallback_is_the_exact_root():
    """metafor 3.8.1: rma(yi, vi, method = "EB") stops with "Fisher scoring algorithm did not converge" on this
    table; the fallback is the root of Q(tau2) = k - 1 (metafor's PM with control = list(tol = 1e-15) prints
    0.016563641462347). Before issue 10 the fallback stopped at uniroot's tolerance (0.0165729915527359)."""
    y = np.array([-0.45, -0.27, -0.35, -0.06, -0.01, -0.02])
    v = np.array([0.0001, 0.233, 0.105, 0.258, 0.01, 0.193])
    res = rma(y, v, method="EB")
    assert abs(res.tau2 - 0.016563641462347) <= EXACT * 0.016563641462347
    assert abs(generalized_q(res.tau2, y, v, np.ones((6, 1))) - 5) <= EXACT * 5  # Q(tau2) = k - 1 at the root
    assert "did not converge" in res.notes[0] and "machine precision" in res.notes[0]


def test_boundary_optimum_note_is_truthful():
    """Found by a random search: ML Fisher scoring converges to tau2 = 6.35e-06 but the likelihood is higher at 0."""
    res = rma([0.081, -0.125, 0.119], [0.009, 0.0175, 0.022], method="ML")
    assert res.tau2 == 0.0
    assert "did not converge" not in " ".join(res.notes)
    assert any("converged to tau2 = 6.35321e-06" in n and "boundary" in n for n in res.notes)


def test_exact_permutation_test_refuses_above_limit_with_the_way_out():
    res = rma(np.linspace(0.0, 1.0, 30), np.full(30, 0.1))
    with pytest.raises(OptionError, match=r"1,073,741,824 fits.*--permutations N --seed S"):
        permutation_test(res, exact=True)


def test_permutation_count_of_a_large_table_does_not_overflow():
    res = rma(np.linspace(0.0, 1.0, 1100), np.full(1100, 0.1))  # 2^1100 overflows a float
    with pytest.raises(OptionError, match=r"about 10\^331 fits"):
        permutation_test(res, exact=True)


def test_progress_off_the_terminal_returns_the_iterable():
    items = [1, 2, 3]
    assert progress(items, total=3, desc="x") is items  # pytest's stderr is not a terminal


def test_k_200000_smoke_no_k_by_k_matrix():
    """k = 200,000 REML with CI, prediction interval and leave-one-out; a k x k matrix would need 320 GB."""
    rng = np.random.default_rng(1)
    k = 200_000
    v = rng.uniform(0.01, 0.1, k)
    y = rng.normal(0.3, np.sqrt(v + 0.04))  # the random-effects model with tau2 = 0.04
    tracemalloc.start()
    res = rma(y, v, method="REML")
    loo = sensitivity.leave_one_out(rma(y, v, method="DL"))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 400 * 8 * k  # a few hundred k-vectors at most
    w = 1 / (v + res.tau2)
    mu = np.sum(w * y) / w.sum()
    assert _rel(res.estimate, mu) <= EXACT
    assert res.tau2_ci_lower < res.tau2 < res.tau2_ci_upper and res.pi_lower < res.estimate < res.pi_upper
    assert np.isfinite(loo.estimate).all()
