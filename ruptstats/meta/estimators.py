r"""Estimators of the between-study variance :math:`\tau^2`, each as metafor 3.8 defines it.

Notation (Viechtbauer, 2005; metafor's ``rma.uni``): :math:`y` is the vector of :math:`k` effect sizes,
:math:`v` their sampling variances, :math:`X` the :math:`k \times p` model matrix (a column of ones for an
intercept-only model), :math:`W = \operatorname{diag}(w)` and

.. math:: P_w = W - W X (X^\top W X)^{-1} X^\top W ,

so that :math:`Q(\tau^2) = y^\top P_w y` with :math:`w_i = 1/(v_i + \tau^2)` is the generalised Q statistic
(Cochran's Q at :math:`\tau^2 = 0`). Every estimator returns a :class:`Tau2Estimate` with the estimate
truncated at 0 (as metafor does) and metafor's standard error for it.

The iterative estimators follow metafor's algorithms and stopping rules, so that they report the same
values as metafor (which stops its iterations early: ``threshold`` :math:`10^{-5}` on the change in
:math:`\tau^2`, ``tol`` :math:`\epsilon^{1/4}` in ``uniroot``): ``ML``, ``REML`` and ``EB`` by Fisher scoring from
the ``HE`` estimate, ``PM`` by Brent's method on :math:`Q(\tau^2) = k - p` over metafor's interval. Where Fisher
scoring fails (it can oscillate, e.g. with one very large study among small ones, where metafor stops with
"Fisher scoring algorithm did not converge") or stops at a point that is not the maximum, the estimate comes
from a bracketed solve of the score equation that takes the global maximum on :math:`[0, \infty)`; the
result records that it did. ``control={"threshold": 1e-12, "tol": 1e-14}`` solves every estimator to
machine precision.

References
----------
DerSimonian, R., & Laird, N. (1986). Meta-analysis in clinical trials. *Controlled Clinical Trials, 7*, 177-188.
Hedges, L. V. (1983). A random effects model for effect sizes. *Psychological Bulletin, 93*, 388-395.
Hunter, J. E., & Schmidt, F. L. (2004). *Methods of meta-analysis* (2nd ed.). Sage.
Sidik, K., & Jonkman, J. N. (2005). Simple heterogeneity variance estimation for meta-analysis. *Journal of the
Royal Statistical Society C, 54*, 367-384.
Morris, C. N. (1983). Parametric empirical Bayes inference. *JASA, 78*, 47-55; Berkey, C. S., et al. (1995).
A random-effects regression model for meta-analysis. *Statistics in Medicine, 14*, 395-411.
Paule, R. C., & Mandel, J. (1982). Consensus values and weighting factors. *Journal of Research of the National
Bureau of Standards, 87*, 377-385.
Viechtbauer, W. (2005). Bias and efficiency of meta-analytic variance estimators in the random-effects model.
*Journal of Educational and Behavioral Statistics, 30*, 261-293.
Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package. *Journal of Statistical
Software, 36*(3), 1-48.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._roots import brent_root, expand_upper
from ..exceptions import ConvergenceError
from ._wls import Wls, intercept_q, is_intercept, weighted_mean

__all__ = ["TAU2_METHODS", "OVERFLOW_NOTE", "Tau2Estimate", "estimate_tau2", "projection", "generalized_q"]

#: Estimator names accepted by :func:`estimate_tau2` and ``rma(method=...)``.
TAU2_METHODS = ("FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")

#: metafor 3.8's defaults (``rma.uni`` ``control``): scoring threshold, uniroot tolerance, iteration limit,
#: step adjustment; ``tau2_max`` ``None`` means metafor's ``max(100, 10 * mad(yi)^2)``.
DEFAULT_CONTROL = {"threshold": 1e-5, "tol": 2.220446049250313e-16 ** 0.25, "maxiter": 100, "stepadj": 1.0,
                   "tau2_max": None}

#: Absolute tolerance of the fallback root searches: Brent's test then stops at 4 eps |root| (full precision,
#: also for tau2 on the scale of 1e-30 as in measurements of physical constants).
_FULL_PRECISION = 1e-300


@dataclass(frozen=True)
class Tau2Estimate:
    """An estimate of :math:`\\tau^2` with its standard error.

    Attributes
    ----------
    tau2 : float
        The estimate, truncated at 0.
    se : float
        metafor's standard error of the estimate (``nan`` for ``FE``).
    method : str
        The estimator.
    iterations : int
        Iterations used (0 for closed forms).
    fallback : bool
        True when metafor's algorithm failed (or stopped where the likelihood is not largest) and the
        bracketed solve of the estimating equation was used.
    note : str
        What happened when ``fallback`` is True, in words (empty otherwise).
    """

    tau2: float
    se: float
    method: str
    iterations: int = 0
    fallback: bool = False
    note: str = ""

    def __post_init__(self):
        object.__setattr__(self, "tau2", float(self.tau2))
        object.__setattr__(self, "se", float(self.se))


def projection(w: np.ndarray, X: np.ndarray) -> np.ndarray:
    r"""Return the dense :math:`P_w = W - W X (X^\top W X)^{-1} X^\top W` for weights ``w``.

    A k x k matrix: kept for small checks and tests; the estimators use :class:`ruptstats.meta._wls.Wls`,
    which needs no k x k matrix.
    """
    WX = X * w[:, None]
    return np.diag(w) - WX @ np.linalg.solve(X.T @ WX, WX.T)


def generalized_q(tau2: float, y: np.ndarray, v: np.ndarray, X: np.ndarray) -> float:
    r"""The generalised Q statistic :math:`Q(\tau^2) = y^\top P_w y`, :math:`w_i = 1/(v_i + \tau^2)`.

    Computed as the weighted residual sum of squares :math:`\sum_i w_i (y_i - x_i^\top\hat\beta)^2` of the
    weighted least-squares fit from centred data (no :math:`k \times k` matrix; invariant to the order of the
    rows).
    """
    if is_intercept(X):
        q = intercept_q(tau2, y, v)
        if np.isfinite(q):
            return q
        w = 1.0 / (v + tau2)  # the square of the tiny correction overflowed: sum w r^2 from the residuals
        r = y - weighted_mean(y, w)
        return float(np.dot(w * r, r))
    w = 1.0 / (v + tau2)
    _, r = Wls(w, X).fit(y)
    return float(np.dot(w, r * r))


def estimate_tau2(y, v, X=None, method: str = "REML", control: dict | None = None) -> Tau2Estimate:
    """Estimate the between-study variance with one of :data:`TAU2_METHODS`.

    Parameters
    ----------
    y, v : array_like
        Effect sizes and their sampling variances (all > 0).
    X : array_like, optional
        Model matrix, k x p (default: a column of ones).
    method : str
        One of ``FE, DL, HE, HS, SJ, ML, REML, EB, PM``.
    control : dict, optional
        Overrides of :data:`DEFAULT_CONTROL` (``threshold``, ``tol``, ``maxiter``, ``stepadj``, ``tau2_max``).

    Returns
    -------
    Tau2Estimate

    Examples
    --------
    >>> est = estimate_tau2([0.1, 0.3, 0.5, 0.2], [0.01, 0.02, 0.015, 0.01], method="DL")
    >>> round(est.tau2, 6)  # metafor: rma(yi, vi, method = "DL")$tau2 = 0.01636364
    0.016364
    """
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    if X is None:
        X = np.ones((y.size, 1))
        X.setflags(write=False)  # read-only: is_intercept caches its answer for the many evaluations
    else:
        X = np.asarray(X, dtype=float)
    # metafor centres y before estimating tau2 (Ymc); with an intercept in X this changes nothing.
    con = dict(DEFAULT_CONTROL)
    con.update(control or {})
    if con["tau2_max"] is None and method in ("PM", "EB"):  # only the Paule-Mandel root (PM, EB's fallback) uses it
        mad = 1.482602218505602 * np.median(np.abs(y - np.median(y)))  # R's mad()
        with np.errstate(over="ignore"):  # inf when mad^2 overflows: the spread is then rescaled (below)
            con["tau2_max"] = max(100.0, 10.0 * float(mad) ** 2 if mad < 1e154 else float("inf"))
    y = y - _stable_mean(y)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        spread = float(np.max(np.abs(y))) if y.size else 0.0
        big = spread > _RESCALE_ABOVE
        try:
            if big and method not in _WEIGHT_BY_INVERSE_V:
                est = _rescaled(y, v, X, con, method, spread)
            elif method in _ITERATIVE:
                est = _ITERATIVE[method](y, v, X, con)
            else:
                est = _CLOSED_FORM[method](y, v, X)
        except (ArithmeticError, np.linalg.LinAlgError):
            if not (big and _mean_square_overflows(y, spread)):
                raise
            est = Tau2Estimate(float("inf"), float("nan"), method)
    if big and not np.isfinite(est.tau2):
        return Tau2Estimate(float("inf"), float("nan"), method, est.iterations, True, OVERFLOW_NOTE)
    return est


#: Above this spread of the centred effect sizes (2^128, about 3.4e38) the iterative estimators work on the
#: data scaled by a power of 2 (exact in binary floating point), since tau2^2 and w^2 leave double precision.
_RESCALE_ABOVE = 2.0**128

#: Closed forms that weight by 1/vi only: computed on the original scale, where those weights are representable
#: (their standard errors are factored so that tau2^2 does not overflow).
_WEIGHT_BY_INVERSE_V = ("DL", "HS")

#: The note of an estimate of tau2 that is larger than the largest double.
OVERFLOW_NOTE = ("tau2 is infinite: the between-study variance of these effect sizes exceeds the largest double "
                 "(about 1.8e308), so it cannot be represented; reported as null")


def _stable_mean(y) -> float:
    """The mean of ``y`` without overflow in the sum (scaled by a power of 2 when it would overflow)."""
    if y.size == 0:
        return 0.0
    with np.errstate(over="ignore"):
        m = float(y.mean())
    if np.isfinite(m):
        return m
    s = 2.0 ** np.frexp(float(np.max(np.abs(y))))[1]
    return float(np.mean(y / s)) * s


def _mean_square_overflows(y, spread) -> bool:
    """Whether the mean square of the centred ``y`` (about tau2 when the sampling variances are negligible)
    exceeds the largest double: then the estimates of tau2 do too, and a failure of the arithmetic is that."""
    e = int(np.frexp(spread)[1])
    ms = float(np.mean(np.ldexp(y, -e) ** 2))
    return np.log2(ms) + 2 * e > np.log2(np.finfo(float).max)


def _rescaled(y, v, X, con, method, spread) -> Tau2Estimate:
    r"""An iterative estimator on :math:`y/s, v/s^2` with :math:`s = 2^e` of the size of ``spread``.

    Every operation of metafor's algorithms is homogeneous in the scale, and division by a power of 2 is exact,
    so the iterates are metafor's divided by :math:`s^2` (the thresholds ``threshold``, ``tol`` and
    ``tau2_max`` are divided by :math:`s^2` too): the same estimate, without the overflow of
    :math:`\tau^4` and the underflow of :math:`w^2` on the original scale. ``tau2`` and its SE are multiplied
    back by :math:`s^2` (infinite when the product exceeds the largest double).
    """
    e = int(np.frexp(spread)[1])
    s2 = np.ldexp(1.0, 2 * e)
    scaled = dict(con, threshold=np.ldexp(con["threshold"], -2 * e), tol=np.ldexp(con["tol"], -2 * e))
    if scaled["tau2_max"] is not None:
        scaled["tau2_max"] = np.ldexp(con["tau2_max"], -2 * e)
    ys, vs = np.ldexp(y, -e), np.ldexp(v, -2 * e)
    est = _ITERATIVE[method](ys, vs, X, scaled) if method in _ITERATIVE else _CLOSED_FORM[method](ys, vs, X)
    return Tau2Estimate(est.tau2 * s2, est.se * s2, method, est.iterations, est.fallback, est.note)


def _quad_se(c0: float, c1: float, c2: float, tau2: float, denom: float) -> float:
    r""":math:`\sqrt{c_0 + c_1\tau^2 + c_2\tau^4}/d` without overflow of :math:`\tau^4` (factored as
    :math:`\tau^2\sqrt{c_0/\tau^4 + c_1/\tau^2 + c_2}/d` when :math:`\tau^2 > 1`)."""
    if tau2 > 1.0:
        return float(tau2 * np.sqrt(c0 / tau2 / tau2 + c1 / tau2 + c2) / denom)
    return float(np.sqrt(c0 + c1 * tau2 + c2 * tau2 * tau2) / denom)


def _fe(y, v, X):
    return Tau2Estimate(0.0, float("nan"), "FE")


def _dl(y, v, X):
    r"""DerSimonian-Laird: :math:`\hat\tau^2 = \dfrac{Q - (k - p)}{\operatorname{tr} P}` at :math:`w_i = 1/v_i`."""
    k, p = X.shape
    w = 1.0 / v
    ls = Wls(w, X)
    _, r = ls.fit(y)
    trP = ls.trace_p()
    tau2 = max(0.0, (float(np.dot(w, r * r)) - (k - p)) / trP)
    se = _quad_se(2 * (k - p), 4 * trP, 2 * ls.trace_pp(), tau2, trP)
    return Tau2Estimate(tau2, se, "DL")


def _he(y, v, X):
    r"""Hedges (method of moments, unweighted): :math:`\dfrac{y^\top P_I y - \operatorname{tr}(P_I V)}{k - p}`."""
    k, p = X.shape
    ls = Wls(np.ones(k), X)
    _, r = ls.fit(y)
    trPV = float(np.dot(v, 1.0 - ls.lev))
    tau2 = max(0.0, (float(np.dot(r, r)) - trPV) / (k - p))
    se = _quad_se(2 * ls.pair_sum(v, v), 4 * trPV, 2 * (k - p), tau2, k - p)
    return Tau2Estimate(tau2, se, "HE")


def _hs(y, v, X):
    r"""Hunter-Schmidt: :math:`\hat\tau^2 = \dfrac{Q - k}{\sum_i w_i}` at :math:`w_i = 1/v_i`."""
    k, p = X.shape
    w = 1.0 / v
    ls = Wls(w, X)
    _, r = ls.fit(y)
    sw = float(w.sum())
    tau2 = max(0.0, (float(np.dot(w, r * r)) - k) / sw)
    se = _quad_se(2 * (k - p), 4 * ls.trace_p(), 2 * ls.trace_pp(), tau2, sw)
    return Tau2Estimate(tau2, se, "HS")


def _sj(y, v, X):
    r"""Sidik-Jonkman: :math:`\hat\tau^2 = \tau_0^2\, Q(\tau_0^2)/(k - p)`, :math:`\tau_0^2 = \frac1k\sum(y_i - \bar y)^2`."""
    k, p = X.shape
    tau0 = float(np.mean((y - y.mean()) ** 2))
    if not np.isfinite(tau0):  # the squares overflow: so does tau2 = tau0 Q(tau0)/(k - p)
        return Tau2Estimate(float("inf"), float("nan"), "SJ")
    w = 1.0 / (v + tau0)
    ls = Wls(w, X)
    _, r = ls.fit(y)
    tau2 = max(0.0, tau0 * float(np.dot(w, r * r)) / (k - p))
    wv = w * v
    # sum(PV * PV^T) = sum_ij (wv)_i (wv)_j (I-H)_ij^2; sum(PV * P) = sum_ij w_i (wv)_j (I-H)_ij^2
    se = tau0 * _quad_se(2 * ls.pair_sum(wv, wv), 4 * ls.pair_sum(w, wv), 2 * ls.trace_pp(), tau2, k - p)
    return Tau2Estimate(tau2, se, "SJ")


def _score(tau2, y, v, X, reml: bool) -> float:
    """Twice the derivative of the (restricted) log-likelihood with respect to tau2."""
    w = 1.0 / (v + tau2)
    ls = Wls(w, X)
    _, r = ls.fit(y)
    py = w * r
    if reml:
        return float(np.dot(py, py) - ls.trace_p())
    return float(np.dot(py, py) - w.sum())


def _loglik(tau2, y, v, X, reml: bool) -> float:
    """(Restricted) log-likelihood up to a constant."""
    w = 1.0 / (v + tau2)
    ls = Wls(w, X)
    _, r = ls.fit(y)
    ll = -0.5 * np.sum(np.log(v + tau2)) - 0.5 * np.dot(w, r * r)
    if reml:
        ll -= 0.5 * ls.logdet_xtwx()
    return float(ll)


def _likelihood_root(y, v, X, reml: bool) -> float:
    """Maximise the (restricted) likelihood over tau2 >= 0 by bracketing sign changes of the score.

    A grid over ``[0, upper]`` locates every sign change from + to - of the score (each a local maximum);
    each is refined by Brent's method to machine precision, and the one with the largest likelihood is
    returned. The boundary ``tau2 = 0`` is a candidate when the score there is <= 0.
    """
    def score(t):
        return _score(t, y, v, X, reml)

    s0 = score(0.0)
    scale = max(float(np.var(y)), float(np.median(v))) or 1e-12
    upper, _ = expand_upper(score, 10.0 * scale)
    grid = np.concatenate([[0.0], upper * np.geomspace(1e-6, 1.0, 60)])
    values = [s0] + [score(t) for t in grid[1:]]
    candidates = [0.0] if s0 <= 0 else []
    for i in range(len(grid) - 1):
        if values[i] > 0 >= values[i + 1]:
            candidates.append(brent_root(score, grid[i], grid[i + 1], fa=values[i], fb=values[i + 1],
                                         tol=_FULL_PRECISION))
    return float(max(candidates, key=lambda t: _loglik(t, y, v, X, reml)))


def _fisher_scoring(y, v, X, method: str, con: dict) -> tuple[float, int, bool]:
    """metafor's scoring iteration for ML, REML and EB; returns ``(tau2, iterations, converged)``.

    Each step is O(k p^2): ``P y = w r`` (r the WLS residuals), ``tr P`` and ``tr(P P)`` from the leverages.
    """
    k, p = X.shape
    tau2 = max(0.0, _he_raw(y, v, X))
    step = _intercept_step if is_intercept(X) else _wls_step
    for it in range(1, int(con["maxiter"]) + 2):
        try:
            adj = step(tau2, y, v, X, method) * con["stepadj"]
        except ZeroDivisionError:
            adj = 0.0
        if not np.isfinite(adj):
            adj = 0.0
        while tau2 + adj < 0:
            adj /= 2.0
        change = abs(adj)
        tau2 = tau2 + adj
        if change <= con["threshold"]:
            return tau2, it, True
    return tau2, int(con["maxiter"]) + 1, False


def _wls_step(tau2, y, v, X, method) -> float:
    """One scoring step, O(k p^2)."""
    k, p = X.shape
    w = 1.0 / (v + tau2)
    ls = Wls(w, X)
    _, r = ls.fit(y)
    py = w * r
    if method == "ML":
        return float((np.dot(py, py) - w.sum()) / np.dot(w, w))
    if method == "REML":
        return float((np.dot(py, py) - ls.trace_p()) / ls.trace_pp())
    return float((np.dot(w, r * r) * k / (k - p) - k) / w.sum())  # EB


def _intercept_step(tau2, y, v, X, method) -> float:
    r"""One scoring step of the intercept-only model from sums: :math:`S_j = \sum w^j`,
    :math:`\operatorname{tr} P = S_1 - S_2/S_1`, :math:`\operatorname{tr}(PP) = S_2 - 2S_3/S_1 + S_2^2/S_1^2`,
    :math:`P y = w (y - \hat\mu)`."""
    k = y.size
    w = np.add(v, tau2)
    np.reciprocal(w, out=w)
    s1 = float(w.sum())
    r = y - weighted_mean(y, w, s1)
    py = w * r
    pypy = float(np.dot(py, py))
    if method == "EB":
        return (float(np.dot(py, r)) * k / (k - 1) - k) / s1
    w2 = np.multiply(w, w, out=py)
    s2 = float(w2.sum())
    if method == "ML":
        return (pypy - s1) / s2
    s3 = float(np.dot(w2, w))
    return (pypy - (s1 - s2 / s1)) / (s2 - 2.0 * s3 / s1 + (s2 / s1) ** 2)


def _likelihood_estimator(y, v, X, con, method: str):
    reml = method == "REML"
    tau2, it, converged = _fisher_scoring(y, v, X, method, con)
    fallback, note = False, ""
    if not converged:
        tau2, fallback = _likelihood_root(y, v, X, reml), True
        note = (f"{method}: metafor's Fisher scoring did not converge in {it - 1} iterations; tau2 is the "
                "maximum of the likelihood on [0, inf) found by a bracketed search of the score equation")
    elif _loglik(0.0, y, v, X, reml) - _loglik(max(tau2, 0.0), y, v, X, reml) > con["tol"]:
        stopped = tau2
        tau2, fallback = _likelihood_root(y, v, X, reml), True
        if tau2 == 0.0:
            note = (f"{method}: Fisher scoring converged to tau2 = {stopped:.6g}, but the likelihood is higher at "
                    "tau2 = 0: the optimum is at the boundary, so tau2 is 0")
        else:
            note = (f"{method}: Fisher scoring converged to tau2 = {stopped:.6g}, which is not the maximum of the "
                    "likelihood; tau2 is the maximum on [0, inf) found by a bracketed search of the score equation")
    tau2 = max(0.0, tau2)
    w = 1.0 / (v + tau2)
    if reml:
        se = np.sqrt(2.0 / Wls(w, X).trace_pp())
    else:
        se = np.sqrt(2.0 / np.dot(w, w))
    return Tau2Estimate(tau2, float(se), method, it, fallback, note)


def _ml(y, v, X, con):
    r"""Maximum likelihood: root of :math:`y^\top P P y = \sum_i w_i` (Hardy & Thompson, 1996).

    metafor's Fisher scoring step is :math:`(y^\top P P y - \sum w_i) / \sum w_i^2`; SE
    :math:`\sqrt{2 / \sum w_i^2}`.
    """
    return _likelihood_estimator(y, v, X, con, "ML")


def _reml(y, v, X, con):
    r"""Restricted maximum likelihood: root of :math:`y^\top P P y = \operatorname{tr} P` (Viechtbauer, 2005).

    metafor's Fisher scoring step is :math:`(y^\top P P y - \operatorname{tr} P) / \operatorname{tr}(P P)`; SE
    :math:`\sqrt{2 / \operatorname{tr}(P P)}`.
    """
    return _likelihood_estimator(y, v, X, con, "REML")


def _pm_root(y, v, X, con, exact: bool = False) -> tuple[float, bool]:
    """Root of Q(tau2) = k - p: metafor's uniroot on [0, tau2_max], else a bracket grown until it holds.

    ``exact`` solves to machine precision instead of uniroot's tolerance (for fallbacks).
    """
    k, p = X.shape

    def f(t):
        return generalized_q(t, y, v, X) - (k - p)

    f0 = f(0.0)
    if f0 < 0:
        return 0.0, False
    upper = con["tau2_max"]
    fu = f(upper)
    tol = _FULL_PRECISION if exact else con["tol"]
    if fu <= 0:
        return brent_root(f, 0.0, upper, fa=f0, fb=fu, tol=tol, maxiter=1000), False
    upper, fu = expand_upper(f, upper)
    return brent_root(f, 0.0, upper, fa=f0, fb=fu, tol=_FULL_PRECISION, maxiter=1000), True


def _eb_pm_se(tau2, v, k, p) -> float:
    w = 1.0 / (v + tau2)
    return float(np.sqrt(2.0 * k**2 / (k - p) / w.sum() ** 2))


def _pm(y, v, X, con):
    r"""Paule-Mandel: the root of :math:`Q(\tau^2) = k - p` (0 when :math:`Q(0) < k - p`).

    SE (metafor): :math:`\sqrt{2 k^2 / (k - p)} / \sum_i w_i`.
    """
    k, p = X.shape
    tau2, fallback = _pm_root(y, v, X, con)
    note = ("PM: Q(tau2) - (k - p) is still positive at the upper end of metafor's search interval "
            f"(tau2_max = {con['tau2_max']:.6g}), where metafor stops; the root beyond it was found by a bracket "
            "grown until it held, solved to machine precision") if fallback else ""
    return Tau2Estimate(tau2, _eb_pm_se(tau2, v, k, p), "PM", 0, fallback, note)


def _eb(y, v, X, con):
    r"""Empirical Bayes (Morris, 1983; Berkey et al., 1995) by metafor's scoring iteration from the HE estimate,

    .. math:: \tau^2 \leftarrow \tau^2 + \frac{\tfrac{k}{k-p}\, Q(\tau^2) - k}{\sum_i w_i};

    its fixed point is the Paule-Mandel root, which is the fallback. SE as for ``PM``.
    """
    k, p = X.shape
    tau2, it, converged = _fisher_scoring(y, v, X, "EB", con)
    fallback, note = not converged, ""
    if fallback:
        tau2, _ = _pm_root(y, v, X, con, exact=True)
        note = (f"EB: metafor's scoring iteration did not converge in {it - 1} iterations; tau2 is the root of "
                "the estimating equation Q(tau2) = k - p solved to machine precision")
    tau2 = max(0.0, tau2)
    return Tau2Estimate(tau2, _eb_pm_se(tau2, v, k, p), "EB", it, fallback, note)


def _he_raw(y, v, X) -> float:
    """The untruncated HE estimate (metafor's starting value for its scoring iterations)."""
    k, p = X.shape
    ls = Wls(np.ones(k), X)
    _, r = ls.fit(y)
    return float((np.dot(r, r) - np.dot(v, 1.0 - ls.lev)) / (k - p))


_CLOSED_FORM = {"FE": _fe, "DL": _dl, "HE": _he, "HS": _hs, "SJ": _sj}
_ITERATIVE = {"ML": _ml, "REML": _reml, "EB": _eb, "PM": _pm}
