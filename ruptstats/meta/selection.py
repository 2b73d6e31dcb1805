r"""Step-function selection model (Vevea & Hedges, 1995), as metafor's
``selmodel(res, type = "stepfun", steps = ...)``.

One-sided p-values :math:`p_i = 1 - \Phi(y_i/\sqrt{v_i})` (``alternative="greater"``; ``"less"`` mirrors it)
fall into intervals :math:`(a_{j-1}, a_j]` cut at ``steps`` (with :math:`a_N = 1`). A study in interval
:math:`j` is published with relative probability :math:`\delta_j` (:math:`\delta_1 = 1`). With
:math:`y_i \sim N(\mu, v_i + \tau^2)` before selection, the log-likelihood is

.. math:: \ell = \sum_i \Big[\log\delta_{j(i)} + \log\phi(y_i; \mu, v_i + \tau^2) - \log A_i\Big], \quad
          A_i = \sum_j \delta_j\, P\big(c_{ij} < Y_i \le c_{i,j-1}\big),

with :math:`c_{ij} = \sqrt{v_i}\, z_{1-a_j}` and :math:`Y_i \sim N(\mu, v_i + \tau^2)`. :math:`\mu`,
:math:`\tau^2 \ge 0` and :math:`0 \le \delta_j \le 100` (metafor's bounds) are estimated by maximum likelihood
(L-BFGS-B, restarted until the log-likelihood stops improving); the SE of :math:`\mu` comes from the
numerically differentiated Hessian. The likelihood-ratio test compares with the random-effects model fitted by
ML (all :math:`\delta_j = 1`) on ``len(steps)`` degrees of freedom. The default ``steps=(0.025,)`` is the
three-parameter selection model (:math:`\mu, \tau^2, \delta`).

References
----------
Vevea, J. L., & Hedges, L. V. (1995). A general linear model for estimating effect size in the presence of
publication bias. *Psychometrika, 60*, 419-435.
Vevea, J. L., & Woods, C. M. (2005). Publication bias in research synthesis: Sensitivity analysis using a priori
weight functions. *Psychological Methods, 10*, 428-443.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_choice
from .._dist import chi2_sf, norm_ppf, norm_sf
from ..exceptions import ConvergenceError, DataError, OptionError
from ._small import SmallResult, json_value
from .estimators import estimate_tau2

__all__ = ["SelectionModelResult", "selection_model"]

_DELTA_MAX = 100.0
_DELTA_MIN = 1e-10  # metafor's exp() transform keeps delta > 0 too


@dataclass(frozen=True)
class SelectionModelResult(SmallResult):
    """A fitted step-function selection model.

    Attributes
    ----------
    estimate, se : float
        Selection-adjusted pooled effect and its SE.
    tau2 : float
        Selection-adjusted τ².
    delta : tuple of float
        Relative publication probabilities per p-value interval (the first is 1).
    steps : tuple of float
        Upper bounds of the p-value intervals (ending with 1).
    k_per_interval : tuple of int
        Studies per interval.
    lrt, lrt_df, lrt_p : float, int, float
        Likelihood-ratio test against the unadjusted (ML) random-effects model.
    loglik, loglik_unadjusted : float
    estimate_unadjusted, tau2_unadjusted : float
        The ML random-effects model.
    """

    estimate: float
    se: float
    tau2: float
    delta: tuple
    steps: tuple
    k_per_interval: tuple
    lrt: float
    lrt_df: int
    lrt_p: float
    loglik: float
    loglik_unadjusted: float
    estimate_unadjusted: float
    tau2_unadjusted: float
    title = "Step-function selection model (Vevea & Hedges, 1995)"

    def to_dict(self) -> dict:
        """``estimate, se, tau2, delta, lrt, lrt_p`` (the ``bias.selection_model`` JSON section).

        ``delta`` is the weight of the second p-value interval, the one free weight of the default
        two-interval model; with more steps, ``deltas`` (every weight) and ``steps`` are added.
        """
        out = {"estimate": json_value(self.estimate), "se": json_value(self.se), "tau2": json_value(self.tau2),
               "delta": json_value(self.delta[1]), "lrt": json_value(self.lrt), "lrt_p": json_value(self.lrt_p)}
        if len(self.delta) > 2:
            out.update(deltas=json_value(self.delta), steps=json_value(self.steps))
        return out

    def summary(self) -> str:
        """The estimates table and the selection weights per p-value interval (see
        :func:`ruptstats.report.format_selection`)."""
        from ..report import format_selection

        return format_selection(self)


def _negloglik(par, y, v, cuts, groups, n_delta):
    mu, tau2 = par[0], max(par[1], 0.0)
    delta = np.concatenate([[1.0], par[2:2 + n_delta]])
    s = np.sqrt(v + tau2)
    upper = norm_sf((cuts - mu) / s[:, None])  # P(Y > c_ij), columns j = 0..N-2
    probs = np.column_stack([upper[:, :1], np.diff(upper, axis=1), 1.0 - upper[:, -1:]])  # P(interval j)
    A = probs @ delta
    ll = (np.log(delta[groups]) - 0.5 * np.log(2 * np.pi * (v + tau2)) - 0.5 * (y - mu) ** 2 / (v + tau2)
          - np.log(A))
    return -float(np.sum(ll))


def _hessian(f, x, idx):
    """Central-difference Hessian of f at x over the coordinates ``idx``."""
    n = len(idx)
    H = np.empty((n, n))
    h = np.array([1e-4 * max(abs(x[i]), 1e-2) for i in idx])

    def at(a, da, b, db):
        z = x.copy()
        z[idx[a]] += da
        z[idx[b]] += db
        return f(z)

    for a in range(n):
        for b in range(a, n):
            num = at(a, h[a], b, h[b]) - at(a, h[a], b, -h[b]) - at(a, -h[a], b, h[b]) + at(a, -h[a], b, -h[b])
            H[a, b] = H[b, a] = num / (4 * h[a] * h[b])
    return H


def _on_bound(x, i) -> bool:
    """Whether parameter i (0 mu, 1 tau2, 2.. delta) sits on its bound (left out of the Hessian)."""
    if i == 0:
        return False
    if i == 1:
        return x[1] <= 0.0
    return x[i] <= _DELTA_MIN or x[i] >= _DELTA_MAX


def selection_model(result, *, steps=(0.025,), alternative: str = "greater") -> SelectionModelResult:
    """Fit the Vevea-Hedges step-function selection model to an intercept-only model's data.

    Parameters
    ----------
    result : MetaResult
        The model; only its ``yi`` and ``vi`` are used (the fit is by ML whatever its estimator).
    steps : sequence of float, default (0.025,)
        Cut points of the one-sided p-values in (0, 1); 1 is added as the last bound.
    alternative : {"greater", "less"}, default "greater"
        Direction of the one-sided p-values (which effects are favoured for publication).

    Returns
    -------
    SelectionModelResult

    Raises
    ------
    OptionError
        Bad ``steps`` or ``alternative``.
    DataError
        An interval without studies (its δ cannot be estimated), or k < 3.
    ConvergenceError
        The optimiser failed.
    """
    from scipy.optimize import minimize

    alternative = check_choice("alternative", alternative, ("greater", "less"))
    bounds_ = sorted({float(s) for s in steps})
    if not bounds_ or bounds_[0] <= 0 or bounds_[-1] > 1:
        raise OptionError(f"steps={steps!r} must be values in (0, 1]")
    if bounds_[-1] != 1.0:
        bounds_.append(1.0)
    y = np.asarray(result.yi, float) * (1.0 if alternative == "greater" else -1.0)
    v = np.asarray(result.vi, float)
    if y.size < 3:
        raise DataError(f"the selection model needs at least 3 studies, got {y.size}")
    pvals = norm_sf(y / np.sqrt(v))
    groups = np.searchsorted(np.array(bounds_), pvals, side="left")
    counts = np.bincount(groups, minlength=len(bounds_))
    if np.any(counts == 0):
        empty = [f"({([0.0] + bounds_)[j]}, {bounds_[j]}]" for j in np.flatnonzero(counts == 0)]
        raise DataError(f"no study has a p-value in {', '.join(empty)}: choose other steps")
    cuts = np.sqrt(v)[:, None] * norm_ppf(1.0 - np.array(bounds_[:-1]))[None, :]
    n_delta = len(bounds_) - 1
    X = np.ones((y.size, 1))
    ml = estimate_tau2(y, v, X, "ML", {"threshold": 1e-12, "tol": 1e-14})
    w0 = 1.0 / (v + ml.tau2)
    mu0 = float(np.sum(w0 * y) / np.sum(w0))
    ll0 = -_negloglik(np.r_[mu0, ml.tau2, np.ones(n_delta)], y, v, cuts, groups, n_delta)
    f = lambda par: _negloglik(par, y, v, cuts, groups, n_delta)  # noqa: E731
    box = [(None, None), (0.0, None)] + [(_DELTA_MIN, _DELTA_MAX)] * n_delta
    x, best = np.r_[mu0, ml.tau2, np.ones(n_delta)], np.inf
    for _ in range(20):
        opt = minimize(f, x, method="L-BFGS-B", bounds=box, options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10000})
        if not np.isfinite(opt.fun):
            raise ConvergenceError(f"the selection model could not be fitted: {opt.message}")
        improved = best - opt.fun > 1e-13
        x, best = opt.x, min(best, opt.fun)
        if not improved:
            break
    free = [i for i in range(x.size) if not _on_bound(x, i)]
    cov = np.linalg.inv(_hessian(f, x, free))
    sign = 1.0 if alternative == "greater" else -1.0
    lrt = max(0.0, 2.0 * (-best - ll0))
    return SelectionModelResult(
        estimate=sign * float(x[0]), se=float(np.sqrt(cov[0, 0])), tau2=float(x[1]),
        delta=(1.0,) + tuple(float(d) for d in x[2:]), steps=tuple(bounds_),
        k_per_interval=tuple(int(c) for c in counts), lrt=float(lrt), lrt_df=n_delta,
        lrt_p=float(chi2_sf(lrt, n_delta)), loglik=-float(best), loglik_unadjusted=float(ll0),
        estimate_unadjusted=sign * mu0, tau2_unadjusted=float(ml.tau2))
