"""Survival numerics equal to R's ``survival`` package: Kaplan-Meier (``survfit``), its median, the log-rank test
(``survdiff``) and the Cox model with Efron ties and cluster-robust SEs (``coxph(..., cluster = )``).

Every function works on arrays (times, event flags, group codes) and returns plain numbers; the result object
lives in :mod:`~ruptstats.episodes.survival`.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats
from statsmodels.tools.sm_exceptions import ConvergenceWarning

__all__ = ["kaplan_meier", "km_median", "km_median_ci", "logrank", "cox_efron"]


def kaplan_meier(time: np.ndarray, event: np.ndarray, *, level: float = 0.95, conf_type: str = "log") -> dict:
    """Kaplan-Meier estimate at every distinct time (event or censoring), as ``survfit`` lists them.

    .. math:: \\hat S(t) = \\prod_{t_j \\le t} (1 - d_j / n_j), \\qquad
              \\sigma^2(t) = \\sum_{t_j \\le t} \\frac{d_j}{n_j (n_j - d_j)}

    :math:`\\sigma` is Greenwood's standard error of the cumulative hazard (``survfit``'s ``std.err``). CIs:
    ``"log"`` (R's default) :math:`\\hat S \\exp(\\pm z \\sigma)`, upper limit capped at 1, missing when
    :math:`\\hat S = 0`; ``"log-log"`` :math:`\\exp(-\\exp(\\log(-\\log \\hat S) \\mp z \\sigma / \\log \\hat S))`,
    missing when :math:`\\hat S` is 0 or 1 (Kalbfleisch & Prentice, 2002, sec. 1.4; Therneau, survival 3.5,
    ``survfit.formula``).

    Returns a dict of arrays: ``time, n_risk, n_event, n_censor, survival, std_err, ci_lower, ci_upper``.
    """
    time = np.asarray(time, dtype=np.float64)
    event = np.asarray(event, dtype=bool)
    times, inverse = np.unique(time, return_inverse=True)
    n_event = np.bincount(inverse, weights=event, minlength=len(times))
    n_all = np.bincount(inverse, minlength=len(times)).astype(np.float64)
    n_risk = n_all[::-1].cumsum()[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1.0 - n_event / n_risk)
        var = np.cumsum(np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0))
    se = np.sqrt(var)
    z = stats.norm.ppf(1 - (1 - level) / 2)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "log":
            s = np.where(surv > 0, surv, np.nan)
            lower, upper = s * np.exp(-z * se), np.minimum(s * np.exp(z * se), 1.0)
        else:  # log-log
            s = np.where((surv > 0) & (surv < 1), surv, np.nan)
            ll, se2 = np.log(-np.log(s)), se / np.log(s)
            lower, upper = np.exp(-np.exp(ll - z * se2)), np.exp(-np.exp(ll + z * se2))
    bad = ~np.isfinite(se)
    lower, upper = np.where(bad, np.nan, lower), np.where(bad, np.nan, upper)
    return {"time": times, "n_risk": n_risk, "n_event": n_event, "n_censor": n_all - n_event, "survival": surv,
            "std_err": np.where(bad, np.nan, se), "ci_lower": lower, "ci_upper": upper}


def km_median(times: np.ndarray, surv: np.ndarray) -> float:
    """Median of a Kaplan-Meier curve as ``survival``'s ``quantile.survfit``: the first time with
    :math:`\\hat S < 0.5`; when the curve equals 0.5 (to ``sqrt(eps)``) over a stretch, the mean of the time it
    reaches 0.5 and the next time it drops below, or the last time when it ends at 0.5 (R's ``findq``). NaN when
    the curve never reaches 0.5.

    >>> km_median(np.array([1., 2., 3.]), np.array([0.75, 0.5, 0.25]))
    2.5
    """
    tol = np.sqrt(np.finfo(float).eps)
    return _findq(np.r_[0.0, np.asarray(times, dtype=np.float64)], np.r_[0.0, 1.0 - np.asarray(surv, dtype=np.float64)],
                  0.5, tol)


def _findq(x: np.ndarray, y: np.ndarray, p: float, tol: float) -> float:
    """Time at which the cumulative incidence ``y`` (0 prepended, may hold NaN) reaches ``p``: R survival's
    internal ``findq`` (``approx(..., method = "constant", f = 1)`` with NaN pairs dropped, as ``approx`` does)."""
    if np.all(np.isnan(y)) or np.nanmax(y) < p:
        return float("nan")
    xmax = x[-1]
    _, first = np.unique(np.where(np.isnan(y), np.inf, y), return_index=True)  # duplicated(y): NaN counts once
    keep = np.sort(first)
    x, y = x[keep], y[keep]
    index = np.arange(len(y))

    def step(yy):  # approx(yy, 1:n, p, "constant", f = 1): approx sorts by yy (a confidence curve need not be
        ok = ~np.isnan(yy)  # monotone), then takes the first point at or above p; NaN outside the range
        order = np.argsort(yy[ok], kind="stable")
        xs, vs = yy[ok][order], index[ok][order]
        if len(xs) == 0 or p < xs[0] or p > xs[-1]:
            return None
        return int(vs[np.searchsorted(xs, p, side="left")])

    i1, i2 = step(y + tol), step(y - tol)
    if i1 is not None and not np.isnan(y[-1]) and abs(p - y[-1]) < tol:  # the curve ends at p: up to the last time
        return float((x[i1] + xmax) / 2)
    if i1 is None or i2 is None:
        return float("nan")
    return float((x[i1] + x[i2]) / 2)


def km_median_ci(times: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> tuple[float, float]:
    """Confidence interval of the Kaplan-Meier median as ``quantile.survfit``: the times at which the lower and
    the upper confidence curve of :math:`S` fall to 0.5 (Brookmeyer & Crowley, 1982), found as R survival's
    ``findq`` does (curves from (0, 1); a curve ending exactly at 0.5 gives the mean of that time and the last
    time; NaN when a curve never reaches 0.5, e.g. an upper curve that stays above it).

    >>> t = np.array([1., 2., 3., 4.])
    >>> km_median_ci(t, np.array([0.6, 0.4, 0.2, 0.1]), np.array([0.9, 0.7, 0.45, 0.3]))
    (2.0, 3.0)
    """
    tol = np.sqrt(np.finfo(float).eps)
    x = np.r_[0.0, np.asarray(times, dtype=np.float64)]
    lo = _findq(x, np.r_[0.0, 1.0 - np.asarray(lower, dtype=np.float64)], 0.5, tol)
    hi = _findq(x, np.r_[0.0, 1.0 - np.asarray(upper, dtype=np.float64)], 0.5, tol)
    return lo, hi


def logrank(time: np.ndarray, event: np.ndarray, group: np.ndarray, n_groups: int) -> dict:
    """Log-rank test of equal hazards across groups (``survdiff``, ``rho = 0``).

    .. math:: \\chi^2 = (O - E)^\\top V^{-1} (O - E), \\quad E_g = \\sum_t n_{gt} d_t / n_t, \\quad
              V_{gh} = \\sum_t d_t \\frac{n_t - d_t}{n_t - 1} \\frac{n_{gt}}{n_t}
              \\left(\\delta_{gh} - \\frac{n_{ht}}{n_t}\\right)

    over groups with observations, the last one dropped; ``df`` = groups with observations - 1 (Peto & Peto, 1972;
    R ``survdiff``). Returns ``{chi2, df, p, observed, expected}``.
    """
    time = np.asarray(time, dtype=np.float64)
    event = np.asarray(event, dtype=bool)
    times, inverse = np.unique(time, return_inverse=True)
    k = len(times)
    cell = group * k + inverse
    n_gt = np.bincount(cell, minlength=n_groups * k).reshape(n_groups, k).astype(np.float64)
    d_gt = np.bincount(cell, weights=event, minlength=n_groups * k).reshape(n_groups, k)
    risk_gt = n_gt[:, ::-1].cumsum(axis=1)[:, ::-1]
    n_t, d_t = risk_gt.sum(axis=0), d_gt.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = risk_gt / n_t
        f = np.where(n_t > 1, d_t * (n_t - d_t) / (n_t - 1), 0.0)
    observed, expected = d_gt.sum(axis=1), (share * d_t).sum(axis=1)
    var = np.diag((f * share).sum(axis=1)) - np.einsum("t,gt,ht->gh", f, share, share)
    present = np.flatnonzero(n_gt.sum(axis=1) > 0)
    diff = (observed - expected)[present[:-1]]
    v = var[np.ix_(present[:-1], present[:-1])]
    chi2 = float(diff @ np.linalg.pinv(v) @ diff) if len(diff) else float("nan")
    df = len(present) - 1
    p = float(stats.chi2.sf(chi2, df)) if df > 0 else float("nan")
    return {"chi2": chi2, "df": df, "p": p, "observed": observed, "expected": expected}


def _efron_score_residuals(time, event, x, beta):
    """Score residuals of the Efron partial likelihood (R ``residuals(fit, "score")``, Therneau & Grambsch, 2000,
    sec. 4.6): for subject i, the sum over event times t <= T_i of
    ``dN_i(t) (x_i - mean_k xbar_k) - sum_k c_ik w_i (x_i - xbar_k) / D_k`` with the Efron sub-steps k = 0..d-1,
    ``D_k`` the risk-set sum with tied deaths down-weighted by (1 - k/d), ``c_ik`` = 1 - k/d for a tied death."""
    w = np.exp(x @ beta)
    times = np.unique(time[event])
    if len(times) == 0:
        return np.zeros_like(x)
    at = np.searchsorted(times, time)  # index of each subject's time among event times (first >=)
    # risk-set sums at each event time: subjects with time >= t
    order = np.argsort(-time, kind="stable")
    pos = np.searchsorted(-time[order], -times, side="right")  # number of subjects with time >= t
    cw, cwx = np.r_[0, np.cumsum(w[order])], np.vstack([np.zeros(x.shape[1]), np.cumsum((w[:, None] * x)[order], 0)])
    s0, s1 = cw[pos], cwx[pos]
    dead = event & (at < len(times)) & (times[np.minimum(at, len(times) - 1)] == time)
    d = np.bincount(at[dead], minlength=len(times)).astype(np.float64)
    d0 = np.bincount(at[dead], weights=w[dead], minlength=len(times))
    d1 = np.vstack([np.bincount(at[dead], weights=w[dead] * x[dead, j], minlength=len(times))
                    for j in range(x.shape[1])]).T
    # Efron sub-steps: one per death, k = 0..d-1 at each event time (vectorised over all deaths)
    t_of = np.repeat(np.arange(len(times)), d.astype(np.int64))
    k = np.arange(len(t_of)) - np.repeat(np.cumsum(d) - d, d.astype(np.int64))
    frac = k / d[t_of]
    den = s0[t_of] - frac * d0[t_of]
    xbar = (s1[t_of] - frac[:, None] * d1[t_of]) / den[:, None]
    a = np.bincount(t_of, weights=1 / den, minlength=len(times))  # sum_k 1/D_k
    b = np.vstack([np.bincount(t_of, weights=xbar[:, j] / den, minlength=len(times)) for j in range(x.shape[1])]).T
    a2 = np.bincount(t_of, weights=(1 - frac) / den, minlength=len(times))  # tied deaths' own weights
    b2 = np.vstack([np.bincount(t_of, weights=(1 - frac) * xbar[:, j] / den, minlength=len(times))
                    for j in range(x.shape[1])]).T
    mean_xbar = np.vstack([np.bincount(t_of, weights=xbar[:, j], minlength=len(times)) for j in range(x.shape[1])]).T
    mean_xbar /= np.maximum(d, 1)[:, None]
    ca, cb = np.r_[0, np.cumsum(a)], np.vstack([np.zeros(x.shape[1]), np.cumsum(b, 0)])
    # event times strictly before T_i (all weights 1), then the subject's own time
    before = np.searchsorted(times, time, side="left")
    resid = -w[:, None] * (x * ca[before][:, None] - cb[before])
    own = np.flatnonzero(before < len(times))
    own = own[times[before[own]] == time[own]]
    t_i = before[own]
    wt_a = np.where(dead[own], a2[t_i], a[t_i])
    wt_b = np.where(dead[own][:, None], b2[t_i], b[t_i])
    resid[own] -= w[own, None] * (x[own] * wt_a[:, None] - wt_b)
    resid[dead] += x[dead] - mean_xbar[at[dead]]
    return resid


def cox_efron(time: np.ndarray, event: np.ndarray, x: np.ndarray, cluster: np.ndarray) -> dict:
    """Cox proportional hazards fit with Efron ties (R ``coxph``'s default) and the cluster-robust covariance
    ``coxph(..., cluster = client)`` reports: :math:`V = I^{-1} (\\sum_c U_c U_c^\\top) I^{-1}`, :math:`U_c` the
    sum of the Efron score residuals of cluster c (Lin & Wei, 1989; no small-sample factor, as in R).

    The coefficients and information matrix come from statsmodels' ``PHReg(ties="efron")``; the score residuals
    are computed here (statsmodels' robust covariance uses Breslow-type residuals, which differ with ties).
    Returns ``{coef, se, robust_se, cov, loglik, converged}``.
    """
    from statsmodels.duration.hazard_regression import PHReg

    model = PHReg(np.asarray(time, dtype=np.float64), x, status=np.asarray(event, dtype=np.float64), ties="efron")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = model.fit(gtol=1e-10)
    beta = np.asarray(fit.params, dtype=np.float64)
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    # a coefficient running off to +-infinity (monotone likelihood: one group's repairs all before or after the
    # others'): R's coxph warns "coefficient may be infinite"; here the fit is reported as not converged
    converged = converged and bool(np.all(np.abs(beta) < 15))
    info_inv = np.linalg.inv(-model.hessian(beta))
    resid = _efron_score_residuals(np.asarray(time, dtype=np.float64), np.asarray(event, dtype=bool), x, beta)
    codes = np.unique(cluster, return_inverse=True)[1]
    u = np.vstack([np.bincount(codes, weights=resid[:, j]) for j in range(x.shape[1])]).T
    cov = info_inv @ (u.T @ u) @ info_inv
    return {"coef": beta, "se": np.sqrt(np.diag(info_inv)), "robust_se": np.sqrt(np.diag(cov)), "cov": cov,
            "loglik": float(model.loglike(beta)), "converged": converged}
