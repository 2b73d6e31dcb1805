r"""Three-level meta-analysis: effect sizes nested in clusters (studies, samples, therapists), as metafor's
``rma.mv(yi, vi, random = ~ 1 | cluster/effect)``.

The model (Konstantopoulos, 2011; Cheung, 2014) is

.. math:: y_{ij} = x_{ij}^\top\beta + u_j + w_{ij} + e_{ij}, \quad u_j \sim N(0, \sigma^2_{(3)}), \;
          w_{ij} \sim N(0, \sigma^2_{(2)}), \; e_{ij} \sim N(0, v_{ij}),

so :math:`V = \operatorname{diag}(v) + \sigma^2_{(3)} ZZ^\top + \sigma^2_{(2)} I` with :math:`Z` the
cluster indicator matrix (block-diagonal by cluster: the fit works cluster by cluster, see
:mod:`ruptstats.meta._multilevel_fit`, and never forms a k x k matrix). The variance components maximise the
restricted log-likelihood (``method="REML"``, or the log-likelihood with ``"ML"``)

.. math:: \ell_R = -\tfrac12\left[\log|V| + \log|X^\top V^{-1} X| + y^\top P y\right], \qquad
          P = V^{-1} - V^{-1}X(X^\top V^{-1}X)^{-1}X^\top V^{-1},

found by Fisher scoring (score :math:`\tfrac12(y^\top P G_r P y - \operatorname{tr} P G_r)`, information
:math:`\tfrac12\operatorname{tr}(P G_r P G_s)`, :math:`G_3 = ZZ^\top`, :math:`G_2 = I`) with steps projected
onto :math:`\sigma^2 \ge 0`, iterated to machine precision. Then :math:`\hat\beta = (X^\top V^{-1}X)^{-1}
X^\top V^{-1} y` with z tests, and the Wald test :math:`Q_M` of the moderators. :math:`Q_E` is the residual
Q at :math:`V = \operatorname{diag}(v)`, computed from centred residuals. Profile-likelihood CIs of each
component (metafor's ``confint.rma.mv``) are the values where twice the drop of the (restricted)
log-likelihood, maximised over the other component, equals :math:`\chi^2_{1}` at ``level``. Level-wise
:math:`I^2` (Cheung, 2014; metafor's FAQ) is :math:`100\,\sigma^2_{(l)} / (\sigma^2_{(3)} + \sigma^2_{(2)} +
\tilde v)` with the typical within-study variance :math:`\tilde v = (k - p)/\operatorname{tr} P_{1/v}`.

Differences from metafor on purpose: metafor's ``rma.mv`` stops its optimiser (``nlminb``) and the CI root search
(``uniroot``, tolerance about 1.2e-4) early; ruptstats iterates both to machine precision.

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

from .._checks import check_choice, check_level
from .._dist import chi2_sf, critical_value, two_sided_p
from ..exceptions import DataError, OptionError
from ..intake.study import effect_columns, find_column
from ._multilevel_fit import Blocks
from ._small import CoefficientsResult
from .design import INTERCEPT
from ._wls import Wls
from .results import MetaResult

__all__ = ["ThreeLevelResult", "three_level"]


@dataclass(frozen=True, repr=False)
class ThreeLevelResult(CoefficientsResult):
    """A fitted three-level model.

    Attributes
    ----------
    k, n_clusters : int
        Effect sizes and clusters.
    estimate, se, statistic, p, ci_lower, ci_upper : float
        The intercept (the pooled effect of an intercept-only model) with its z test and CI.
    sigma2_cluster, sigma2_within : float
        Between-cluster (level 3) and within-cluster (level 2) variance components.
    i2_cluster, i2_within : float
        Level-wise I² (percent).
    q, q_df, q_p : float, int, float
        Cochran's (residual) Q test of heterogeneity (metafor's ``QE``).
    loglik : float
        Restricted (REML) or full (ML) log-likelihood, with metafor's constant.
    level : float
    iterations : int
    method : {"REML", "ML"}
    terms : tuple of str
        Coefficient names (``"intercept"`` then the moderators; metafor: ``intrcpt``).
    coefficients : tuple of dict
        Per coefficient: ``term, estimate, se, statistic, p, ci_lower, ci_upper``.
    qm, qm_df, qm_p : float, int, float or None
        Wald test of the moderators (None without moderators).
    sigma2_cluster_ci_lower, sigma2_cluster_ci_upper, sigma2_within_ci_lower, sigma2_within_ci_upper : float
        Profile-likelihood CIs of the components (None with ``profile=False``).
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
    method: str = "REML"
    terms: tuple = (INTERCEPT,)
    coefficients: tuple = ()
    qm: float | None = None
    qm_df: int | None = None
    qm_p: float | None = None
    sigma2_cluster_ci_lower: float | None = None
    sigma2_cluster_ci_upper: float | None = None
    sigma2_within_ci_lower: float | None = None
    sigma2_within_ci_upper: float | None = None
    yi: np.ndarray = field(default=None, compare=False)
    vi: np.ndarray = field(default=None, compare=False)
    cluster: np.ndarray = field(default=None, compare=False)
    X: np.ndarray = field(default=None, compare=False)
    vcov: np.ndarray = field(default=None, compare=False)
    beta: np.ndarray = field(default=None, compare=False)
    #: ``to_dict()`` keys (the ``three_level`` JSON section); every scalar is in :meth:`summary_frame`.
    json_fields = ("k", "estimate", "se", "statistic", "p", "ci_lower", "ci_upper", "sigma2_cluster",
                   "sigma2_within", "i2_cluster", "i2_within", "q", "q_p", "method", "coefficients", "qm", "qm_df",
                   "qm_p", "sigma2_cluster_ci_lower", "sigma2_cluster_ci_upper", "sigma2_within_ci_lower",
                   "sigma2_within_ci_upper")

    @property
    def title(self) -> str:
        return f"Three-level model ({self.method}): effects within clusters"

    def block(self, idx) -> np.ndarray:
        """The model covariance of the effect sizes ``idx`` (row indices): a dense block, for cluster-robust
        inference."""
        idx = np.asarray(idx)
        same = self.cluster[idx][:, None] == self.cluster[idx][None, :]
        return np.diag(self.vi[idx] + self.sigma2_within) + self.sigma2_cluster * same

    def __repr__(self) -> str:
        return (f"ThreeLevelResult(k={self.k}, estimate={self.estimate!r}, sigma2_cluster={self.sigma2_cluster!r}, "
                f"sigma2_within={self.sigma2_within!r})")


def _inputs(data, cluster, yi, vi, mods):
    if isinstance(data, MetaResult):
        y, v = data.yi, data.vi
        labels = pd.Series(list(cluster) if not isinstance(cluster, pd.Series) else cluster.to_list())
        return y, v, labels, data.level, _mods_matrix(None, mods, y.size)
    if not isinstance(data, pd.DataFrame):
        raise OptionError(f"data must be a DataFrame or a MetaResult, got {type(data).__name__}")
    if not isinstance(cluster, str):
        raise OptionError(f"cluster={cluster!r} must be a column name when data is a DataFrame")
    source = data.attrs.get("source")
    find_column(data, cluster, option="cluster", source=source)
    table = data.reset_index(drop=True)
    y, v = effect_columns(table, yi, vi, source=source)
    return y, v, table[cluster], 0.95, _mods_matrix(table, mods, y.size)


def _mods_matrix(table, mods, k):
    """``(names, matrix)`` of the moderators: column names of the table, or a DataFrame / dict / 2-D array."""
    if mods is None:
        return (), np.empty((k, 0))
    if isinstance(mods, str):
        mods = [mods]
    named = not isinstance(mods, (pd.DataFrame, dict)) and all(isinstance(m, str) for m in mods)
    if named and table is None:
        raise OptionError("mods given as column names need data to be a table; with a MetaResult give the "
                          "moderators as a DataFrame (one row per effect size)")
    if named:
        for m in mods:
            find_column(table, m, option="mods", source=table.attrs.get("source"))
        frame = table[list(mods)]
    elif isinstance(mods, (pd.DataFrame, dict)):
        frame = pd.DataFrame(mods)
    else:
        arr = np.asarray(mods, dtype=float)
        arr = arr.reshape(k, -1) if arr.ndim == 1 else arr
        frame = pd.DataFrame(arr, columns=[f"mod{j + 1}" for j in range(arr.shape[1])])
    if len(frame) != k:
        raise DataError(f"{len(frame)} moderator rows for {k} effect sizes")
    out = np.empty((k, frame.shape[1]))
    for j, name in enumerate(frame.columns):
        col = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(col))
        if bad.size:
            raise DataError(f"moderator '{name}': row {int(bad[0]) + 1} is not a finite number (three_level takes "
                            "numeric moderators; code categories as 0/1 columns)")
        out[:, j] = col
    return tuple(str(c) for c in frame.columns), out


def three_level(data, cluster, *, yi: str = "yi", vi: str = "vi", mods=None, method: str = "REML", level=None,
                profile: bool = True) -> ThreeLevelResult:
    """Fit the three-level model (metafor's ``rma.mv(yi, vi, mods, random = ~ 1 | cluster/effect)``).

    Parameters
    ----------
    data : MetaResult or pandas.DataFrame
        A fitted result (its ``yi``, ``vi`` and level are used) or a table with ``yi`` and ``vi`` columns.
    cluster : array_like or str
        Cluster label per effect size (with a MetaResult), or the cluster column of the table.
    yi, vi : str
        Columns of the table.
    mods : str, sequence of str, DataFrame, dict or array_like, optional
        Numeric moderators: column names of the table, or one row per effect size (an intercept is added).
    method : {"REML", "ML"}, default "REML"
    level : float, optional
        Confidence level (default the result's, or 0.95).
    profile : bool, default True
        Compute the profile-likelihood CIs of the variance components (metafor's ``confint``).

    Returns
    -------
    ThreeLevelResult

    Raises
    ------
    DataError
        Missing cluster labels, unequal lengths, fewer than 2 clusters or no cluster with 2 effect sizes; a
        non-numeric moderator; a model matrix not of full rank.
    ConvergenceError
        The scoring iteration did not converge.
    """
    method = check_choice("method", method, ("REML", "ML"))
    y, v, labels, default_level, (names, mods_x) = _inputs(data, cluster, yi, vi, mods)
    level = check_level(default_level if level is None else level)
    if len(labels) != y.size:
        raise DataError(f"{len(labels)} cluster labels for {y.size} effect sizes")
    if labels.isna().any():
        raise DataError(f"cluster label missing for effect size {int(np.flatnonzero(labels.isna())[0]) + 1}")
    codes, uniq = pd.factorize(labels.astype(str))
    if uniq.size < 2 or np.bincount(codes).max() < 2:
        raise DataError("a three-level model needs at least 2 clusters and a cluster with 2 or more effect sizes; "
                        f"found {uniq.size} cluster(s), the largest with {np.bincount(codes).max()} effect size(s)")
    k = y.size
    X = np.column_stack([np.ones(k), mods_x])
    p = X.shape[1]
    if k <= p + 1 or np.linalg.matrix_rank(X) < p:
        raise DataError(f"the model matrix ({p} coefficients for {k} effect sizes) is not of full rank or leaves "
                        "no residual degrees of freedom")
    blocks = Blocks(y, v, X, codes)
    s2, st, it = blocks.fit(method)
    ll = blocks.loglik(st, method)
    beta, vcov = st["beta"], st["M"]
    se = np.sqrt(np.diag(vcov))
    crit = critical_value(level)
    stat = beta / se
    terms = (INTERCEPT,) + names
    coefs = tuple({"term": t, "estimate": float(b), "se": float(s), "statistic": float(z),
                   "p": float(two_sided_p(z)), "ci_lower": float(b - crit * s), "ci_upper": float(b + crit * s)}
                  for t, b, s, z in zip(terms, beta, se, stat))
    qm = qm_p = None
    if p > 1:
        b1 = beta[1:]
        qm = float(b1 @ np.linalg.solve(vcov[1:, 1:], b1))
        qm_p = float(chi2_sf(qm, p - 1))
    ls0 = Wls(1.0 / v, X)
    _, r0 = ls0.fit(y)
    q = float(np.dot(ls0.w, r0 * r0))  # from centred residuals: invariant to the row order
    total = s2.sum() + (k - p) / ls0.trace_p()
    cis = blocks.profile_ci(method, s2, ll, level) if profile else [(None, None), (None, None)]
    first = coefs[0]
    return ThreeLevelResult(
        k=k, n_clusters=int(uniq.size), estimate=first["estimate"], se=first["se"], statistic=first["statistic"],
        p=first["p"], ci_lower=first["ci_lower"], ci_upper=first["ci_upper"], sigma2_cluster=float(s2[0]),
        sigma2_within=float(s2[1]), i2_cluster=float(100 * s2[0] / total), i2_within=float(100 * s2[1] / total),
        q=q, q_df=k - p, q_p=float(chi2_sf(q, k - p)), loglik=ll, level=level, iterations=it, method=method,
        terms=terms, coefficients=coefs, qm=qm, qm_df=p - 1 if p > 1 else None, qm_p=qm_p,
        sigma2_cluster_ci_lower=cis[0][0], sigma2_cluster_ci_upper=cis[0][1], sigma2_within_ci_lower=cis[1][0],
        sigma2_within_ci_upper=cis[1][1], yi=y, vi=v, cluster=codes, X=X, vcov=vcov, beta=beta)
