r"""Three-level meta-analysis: effect sizes nested in clusters (studies, samples, therapists), as metafor's
``rma.mv(yi, vi, random = ~ 1 | cluster/effect)``.

The model (Konstantopoulos, 2011; Cheung, 2014) is

.. math:: y_{ij} = x_{ij}^\top\beta + u_j + w_{ij} + e_{ij}, \quad u_j \sim N(0, \sigma^2_{(3)}), \;
          w_{ij} \sim N(0, \sigma^2_{(2)}), \; e_{ij} \sim N(0, v_{ij}),

so :math:`V = \operatorname{diag}(v) + \sigma^2_{(3)} ZZ^\top + \sigma^2_{(2)} I` with :math:`Z` the
cluster indicator matrix. The variance components maximise the restricted log-likelihood

.. math:: \ell_R = -\tfrac12\left[\log|V| + \log|X^\top V^{-1} X| + y^\top P y\right], \qquad
          P = V^{-1} - V^{-1}X(X^\top V^{-1}X)^{-1}X^\top V^{-1},

found by Fisher scoring (score :math:`\tfrac12(y^\top P G_r P y - \operatorname{tr} P G_r)`, information
:math:`\tfrac12\operatorname{tr}(P G_r P G_s)`, :math:`G_3 = ZZ^\top`, :math:`G_2 = I`) with steps projected
onto :math:`\sigma^2 \ge 0`, iterated to machine precision. Then :math:`\hat\beta = (X^\top V^{-1}X)^{-1}
X^\top V^{-1} y` with z tests. :math:`Q_E` is Cochran's Q at :math:`V = \operatorname{diag}(v)`, computed
from centred residuals :math:`\sum_i (y_i - \hat\mu)^2 / v_i`. Level-wise
:math:`I^2` (Cheung, 2014; metafor's FAQ) is :math:`100\,\sigma^2_{(l)} / (\sigma^2_{(3)} + \sigma^2_{(2)} +
\tilde v)` with the typical within-study variance :math:`\tilde v = (k - p)/\operatorname{tr} P_{1/v}`.

References
----------
Cheung, M. W.-L. (2014). Modeling dependent effect sizes with three-level meta-analyses: A structural equation
modeling approach. *Psychological Methods, 19*, 211-229.
Konstantopoulos, S. (2011). Fixed effects and variance components estimation in three-level meta-analysis.
*Research Synthesis Methods, 2*, 61-76.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._checks import check_level
from .._dist import chi2_sf, critical_value, two_sided_p
from ..exceptions import ConvergenceError, DataError, OptionError
from ._small import SmallResult
from ._wls import Wls
from ..intake.study import effect_columns, find_column
from .results import MetaResult

__all__ = ["ThreeLevelResult", "three_level"]


@dataclass(frozen=True, repr=False)
class ThreeLevelResult(SmallResult):
    """A fitted three-level model (intercept only).

    Attributes
    ----------
    k, n_clusters : int
        Effect sizes and clusters.
    estimate, se, statistic, p, ci_lower, ci_upper : float
        Pooled effect with its z test and CI.
    sigma2_cluster, sigma2_within : float
        Between-cluster (level 3) and within-cluster (level 2) variance components.
    i2_cluster, i2_within : float
        Level-wise I² (percent).
    q, q_df, q_p : float, int, float
        Cochran's Q test of heterogeneity.
    loglik : float
        Restricted log-likelihood (with metafor's constant).
    level : float
    iterations : int
    """

    k: int
    n_clusters: int
    estimate: float
    se: float
    statistic: float
    p: float
    ci_lower: float
    ci_upper: float
    sigma2_cluster: float
    sigma2_within: float
    i2_cluster: float
    i2_within: float
    q: float
    q_df: int
    q_p: float
    loglik: float
    level: float
    iterations: int
    yi: np.ndarray = field(default=None, compare=False)
    vi: np.ndarray = field(default=None, compare=False)
    cluster: np.ndarray = field(default=None, compare=False)
    V: np.ndarray = field(default=None, compare=False)
    title = "Three-level model (REML): effects within clusters"
    #: ``to_dict()`` keys (the ``three_level`` JSON section); every scalar is in :meth:`summary_frame`.
    json_fields = ("k", "estimate", "se", "statistic", "p", "ci_lower", "ci_upper", "sigma2_cluster",
                   "sigma2_within", "i2_cluster", "i2_within", "q", "q_p")

    def __repr__(self) -> str:
        return (f"ThreeLevelResult(k={self.k}, estimate={self.estimate!r}, sigma2_cluster={self.sigma2_cluster!r}, "
                f"sigma2_within={self.sigma2_within!r})")


def _reml_parts(s2, y, v, X, G):
    V = np.diag(v) + s2[0] * G[0] + s2[1] * G[1]
    Vi = np.linalg.inv(V)
    ViX = Vi @ X
    XtViX = X.T @ ViX
    P = Vi - ViX @ np.linalg.solve(XtViX, ViX.T)
    return V, P, XtViX


def _reml_loglik(y, X, V, P, XtViX) -> float:
    k, p = X.shape
    return float(-0.5 * (k - p) * np.log(2 * np.pi) + 0.5 * np.linalg.slogdet(X.T @ X)[1]
                 - 0.5 * np.linalg.slogdet(V)[1] - 0.5 * np.linalg.slogdet(XtViX)[1] - 0.5 * y @ P @ y)


def _fisher_scoring(y, v, X, G, maxiter=1000, tol=1e-12):
    """REML variance components by projected Fisher scoring; returns (sigma2, iterations)."""
    k, p = X.shape
    ls0 = Wls(1.0 / v, X)
    _, r0 = ls0.fit(y)
    start = max(float(np.dot(r0 * r0, ls0.w) - (k - p)) / ls0.trace_p(), 0.01 * float(np.var(y)), 1e-4)
    s2 = np.array([start / 2, start / 2])
    for it in range(1, maxiter + 1):
        _, P, _ = _reml_parts(s2, y, v, X, G)
        PG = [P @ g for g in G]
        Py = P @ y
        score = np.array([0.5 * (Py @ g @ Py - np.trace(pg)) for g, pg in zip(G, PG)])
        info = np.array([[0.5 * np.sum(a * b.T) for b in PG] for a in PG])
        free = ~((s2 <= 0) & (score <= 0))
        step = np.zeros(2)
        if free.any():
            step[free] = np.linalg.solve(info[np.ix_(free, free)], score[free])
        new = np.maximum(s2 + step, 0.0)
        if np.max(np.abs(new - s2)) <= tol * max(1.0, float(np.max(np.abs(s2)))):
            return new, it
        s2 = new
    raise ConvergenceError(f"REML estimation of the three-level model did not converge in {maxiter} iterations")


def _inputs(data, cluster, yi, vi):
    if isinstance(data, MetaResult):
        y, v = data.yi, data.vi
        labels = pd.Series(list(cluster) if not isinstance(cluster, pd.Series) else cluster.to_list())
        return y, v, labels, data.level
    if not isinstance(data, pd.DataFrame):
        raise OptionError(f"data must be a DataFrame or a MetaResult, got {type(data).__name__}")
    if not isinstance(cluster, str):
        raise OptionError(f"cluster={cluster!r} must be a column name when data is a DataFrame")
    source = data.attrs.get("source")
    find_column(data, cluster, option="cluster", source=source)
    y, v = effect_columns(data.reset_index(drop=True), yi, vi, source=source)
    return y, v, data[cluster].reset_index(drop=True), 0.95


def three_level(data, cluster, *, yi: str = "yi", vi: str = "vi", level=None) -> ThreeLevelResult:
    """Fit the three-level random-effects model by REML (metafor's ``rma.mv(random = ~ 1 | cluster/effect)``).

    Parameters
    ----------
    data : MetaResult or pandas.DataFrame
        A fitted result (its ``yi``, ``vi`` and level are used) or a table with ``yi`` and ``vi`` columns.
    cluster : array_like or str
        Cluster label per effect size (with a MetaResult), or the cluster column of the table.
    yi, vi : str
        Columns of the table.
    level : float, optional
        Confidence level (default the result's, or 0.95).

    Returns
    -------
    ThreeLevelResult

    Raises
    ------
    DataError
        Missing cluster labels, unequal lengths, fewer than 2 clusters or no cluster with 2 effect sizes.
    ConvergenceError
        The scoring iteration did not converge.
    """
    y, v, labels, default_level = _inputs(data, cluster, yi, vi)
    level = check_level(default_level if level is None else level)
    if len(labels) != y.size:
        raise DataError(f"{len(labels)} cluster labels for {y.size} effect sizes")
    if labels.isna().any():
        raise DataError(f"cluster label missing for effect size {int(np.flatnonzero(labels.isna())[0]) + 1}")
    codes, uniq = pd.factorize(labels.astype(str))
    if uniq.size < 2 or np.bincount(codes).max() < 2:
        raise DataError("a three-level model needs at least 2 clusters and a cluster with 2 or more effect sizes")
    k = y.size
    X = np.ones((k, 1))
    Z = (codes[:, None] == np.arange(uniq.size)[None, :]).astype(float)
    G = (Z @ Z.T, np.eye(k))
    s2, it = _fisher_scoring(y, v, X, G)
    V, P, XtViX = _reml_parts(s2, y, v, X, G)
    vcov = np.linalg.inv(XtViX)
    beta = vcov @ (X.T @ np.linalg.solve(V, y))
    se = float(np.sqrt(vcov[0, 0]))
    est = float(beta[0])
    crit = critical_value(level)
    ls0 = Wls(1.0 / v, X)
    _, r0 = ls0.fit(y)
    q = float(np.dot(ls0.w, r0 * r0))  # from centred residuals: invariant to the row order
    vt = (k - 1) / ls0.trace_p()
    total = s2.sum() + vt
    return ThreeLevelResult(
        k=k, n_clusters=int(uniq.size), estimate=est, se=se, statistic=est / se, p=float(two_sided_p(est / se)),
        ci_lower=est - crit * se, ci_upper=est + crit * se, sigma2_cluster=float(s2[0]),
        sigma2_within=float(s2[1]), i2_cluster=float(100 * s2[0] / total), i2_within=float(100 * s2[1] / total),
        q=q, q_df=k - 1, q_p=float(chi2_sf(q, k - 1)), loglik=_reml_loglik(y, X, V, P, XtViX), level=level,
        iterations=it, yi=y, vi=v, cluster=codes, V=V)
