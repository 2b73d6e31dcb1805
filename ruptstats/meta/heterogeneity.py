r"""Heterogeneity statistics: Cochran's Q, I², H² and the Q-profile confidence interval for τ².

Definitions follow metafor 3.8 (``rma.uni`` and ``confint.rma.uni``):

- :math:`Q_E = y^\top P_{w} y = \sum_i w_i (y_i - x_i^\top\hat\beta)^2` with :math:`w_i = 1/v_i` (Cochran,
  1954), :math:`k - p` degrees of freedom, computed from centred residuals (the weighted mean subtracted first),
  so it keeps its digits on precise measurements around a large mean and does not depend on the row order;
- the typical within-study variance :math:`\tilde v = (k - p) / \operatorname{tr} P_w` (Higgins & Thompson,
  2002, eq. 9, generalised to meta-regression);
- :math:`I^2 = 100\,\hat\tau^2 / (\tilde v + \hat\tau^2)` (percent) and :math:`H^2 = \hat\tau^2/\tilde v + 1`
  for random-effects models; for the common-effect model :math:`I^2 = 100 \max(0, (Q - (k - p))/Q)` and
  :math:`H^2 = Q/(k - p)`;
- the Q-profile interval (Viechtbauer, 2007): the values of :math:`\tau^2` where the generalised
  :math:`Q(\tau^2)` equals the :math:`1 - \alpha/2` and :math:`\alpha/2` quantiles of
  :math:`\chi^2_{k-p}`, found with Brent's method on metafor's interval :math:`[0, \max(100, 10\hat\tau^2)]`
  and its tolerance; the interval for :math:`I^2` and :math:`H^2` transforms its bounds.

References
----------
Cochran, W. G. (1954). The combination of estimates from different experiments. *Biometrics, 10*, 101-129.
Higgins, J. P. T., & Thompson, S. G. (2002). Quantifying heterogeneity in a meta-analysis. *Statistics in
Medicine, 21*, 1539-1558.
Viechtbauer, W. (2007). Confidence intervals for the amount of heterogeneity in meta-analysis. *Statistics in
Medicine, 26*, 37-52.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._dist import chi2_ppf, chi2_sf
from .._roots import brent_root
from ._wls import Wls
from .estimators import generalized_q

__all__ = ["Heterogeneity", "heterogeneity", "q_profile_ci"]


@dataclass(frozen=True)
class Heterogeneity:
    """Q test and heterogeneity measures of one model (see the module docstring for the formulas)."""

    q: float
    q_df: int
    q_p: float
    i2: float
    h2: float
    typical_vi: float


def heterogeneity(y, v, X, tau2: float, common_effect: bool) -> Heterogeneity:
    """Cochran's Q with its test, and I² (percent) and H² as metafor reports them."""
    k, p = X.shape
    if k <= p:
        return Heterogeneity(0.0, 0, 1.0, 0.0, 1.0, 0.0)
    w = 1.0 / v
    ls = Wls(w, X)
    # metafor's QE is Ymc' P Ymc with Ymc = y - mean(y): the same with an intercept, not without one
    _, r = ls.fit(y - y.mean())
    q = max(0.0, float(np.dot(w, r * r)))  # centred residuals: invariant to the order of the rows
    df = k - p
    vt = df / ls.trace_p()
    if common_effect:
        i2 = max(0.0, 100.0 * (q - df) / q) if q > 0 else 0.0
        h2 = q / df
    elif np.isinf(tau2):  # the limits as tau2 -> inf: I2 = 100 exactly, H2 unbounded
        i2, h2 = 100.0, float("inf")
    else:
        i2 = 100.0 * tau2 / (vt + tau2)
        with np.errstate(over="ignore"):
            h2 = float(np.float64(tau2) / vt + 1.0)  # inf when tau2/vt exceeds the largest double
    return Heterogeneity(q, df, float(chi2_sf(q, df)), i2, h2, vt)


def q_profile_ci(y, v, X, tau2: float, level: float, tol: float = 2.220446049250313e-16 ** 0.25,
                 tau2_max: float | None = None) -> tuple[float, float]:
    r"""Q-profile confidence interval for :math:`\tau^2` (Viechtbauer, 2007), as metafor's ``confint()``.

    Parameters
    ----------
    y, v, X : numpy.ndarray
        Effect sizes, sampling variances, model matrix.
    tau2 : float
        The model's estimate (sets metafor's search interval :math:`[0, \max(100, 10\hat\tau^2)]`).
    level : float
        Confidence level as a proportion.
    tol : float
        Root-finding tolerance (metafor's default, :math:`\epsilon^{1/4}`).
    tau2_max : float, optional
        Upper end of the search interval.

    Returns
    -------
    (lower, upper) : tuple of float
        Both 0 when even :math:`Q(0)` is below the lower critical value; an end of the search interval is
        returned when the bound lies beyond it (as metafor does).
    """
    k, p = X.shape
    df = k - p
    alpha = 1.0 - level
    crit_u = float(chi2_ppf(1.0 - alpha / 2.0, df))
    crit_l = float(chi2_ppf(alpha / 2.0, df))
    hi = max(100.0, min(10.0 * tau2, np.finfo(float).max)) if tau2_max is None else tau2_max

    def qgen(t):
        return generalized_q(t, y, v, X)

    q_lo, q_hi = qgen(0.0), qgen(hi)
    if q_lo < crit_l:
        return 0.0, 0.0
    if q_hi > crit_l:
        upper = hi
    else:
        upper = brent_root(lambda t: qgen(t) - crit_l, 0.0, hi, fa=q_lo - crit_l, fb=q_hi - crit_l, tol=tol)
    if q_hi > crit_u:
        return hi, hi
    if q_lo < crit_u:
        lower = 0.0
    else:
        lower = brent_root(lambda t: qgen(t) - crit_u, 0.0, hi, fa=q_lo - crit_u, fb=q_hi - crit_u, tol=tol)
    return float(lower), float(upper)
