r"""Cluster-robust (sandwich) inference with the CR2 small-sample correction and Satterthwaite degrees of
freedom, as ``clubSandwich::coef_test(model, vcov = "CR2")`` and metafor's ``robust(model, cluster,
clubSandwich = TRUE)``.

With working covariance :math:`V` of the fitted model (block-diagonal by cluster), :math:`W = V^{-1}`,
:math:`M = (X^\top W X)^{-1}`, :math:`H = X M X^\top W` and residuals :math:`e = y - X\hat\beta`, the CR2
estimator (Bell & McCaffrey, 2002; Pustejovsky & Tipton, 2018) is

.. math:: V^{CR2} = M \Big[\sum_j X_j^\top W_j A_j e_j e_j^\top A_j W_j X_j\Big] M,

where :math:`A_j` is the symmetric solution of :math:`A_j B_j A_j = V_j` with
:math:`B_j = (I - H)_j V (I - H)_j^\top` (rows of cluster :math:`j`); with :math:`V_j = D_j^\top D_j`,
:math:`A_j = D_j^\top (D_j B_j D_j^\top)^{-1/2} D_j`. The test of coefficient :math:`c` uses
:math:`t = \hat\beta_c / \sqrt{V^{CR2}_{cc}}` on the Satterthwaite degrees of freedom under the working
model,

.. math:: \nu = \frac{\left(\sum_j g_j^\top V g_j\right)^2}{\sum_i\sum_j (g_i^\top V g_j)^2}, \qquad
          g_j = (I - H)_j^\top A_j W_j X_j M c .

References
----------
Bell, R. M., & McCaffrey, D. F. (2002). Bias reduction in standard errors for linear regression with
multi-stage samples. *Survey Methodology, 28*, 169-181.
Pustejovsky, J. E., & Tipton, E. (2018). Small-sample methods for cluster-robust variance estimation and
hypothesis testing in fixed effects models. *Journal of Business & Economic Statistics, 36*, 672-683.
Tipton, E. (2015). Small sample adjustments for robust variance estimation with meta-regression.
*Psychological Methods, 20*, 375-393.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._checks import check_level
from .._dist import critical_value, two_sided_p
from ..exceptions import DataError, OptionError
from ._small import SmallResult
from .multilevel import ThreeLevelResult

__all__ = ["RobustResult", "robust", "cr2_vcov"]


@dataclass(frozen=True)
class RobustResult(SmallResult):
    """CR2 cluster-robust test of the pooled effect.

    Attributes
    ----------
    estimate, se, statistic, df, p, ci_lower, ci_upper : float
        Estimate, CR2 SE, t statistic, Satterthwaite df, p-value and t-based CI.
    n_clusters : int
    level : float
    """

    estimate: float
    se: float
    statistic: float
    df: float
    p: float
    ci_lower: float
    ci_upper: float
    n_clusters: int
    level: float
    title = "Cluster-robust inference (CR2, Satterthwaite df)"
    #: ``to_dict()`` keys (the ``robust`` JSON section).
    json_fields = ("estimate", "se", "statistic", "df", "p", "ci_lower", "ci_upper")


def _inv_sqrt(S: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eigh((S + S.T) / 2)
    return (vecs / np.sqrt(vals)) @ vecs.T


def cr2_vcov(y, X, V, cluster) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(beta, vcov_cr2, df)``: coefficients, CR2 covariance and a Satterthwaite df per coefficient.

    ``V`` is the model's working covariance; it must not link effect sizes of different clusters.
    """
    y, X, V = np.asarray(y, float), np.asarray(X, float), np.asarray(V, float)
    codes = pd.factorize(pd.Series(list(cluster)).astype(str))[0]
    same = codes[:, None] == codes[None, :]
    if np.any(V[~same] != 0):
        raise OptionError("the model's covariance links effect sizes of different clusters; cluster at the "
                          "model's top level (or a coarser one)")
    W = np.linalg.inv(V)
    M = np.linalg.inv(X.T @ W @ X)
    beta = M @ X.T @ W @ y
    IH = np.eye(y.size) - X @ M @ X.T @ W
    e = IH @ y
    groups = [np.flatnonzero(codes == g) for g in range(codes.max() + 1)]
    meat = np.zeros((X.shape[1], X.shape[1]))
    G = []  # per cluster: N x p matrix whose column c is g_j for coefficient c
    for idx in groups:
        Vj = V[np.ix_(idx, idx)]
        D = np.linalg.cholesky(Vj).T  # Vj = D' D
        B = IH[idx] @ V @ IH[idx].T
        A = D.T @ _inv_sqrt(D @ B @ D.T) @ D
        u = X[idx].T @ W[np.ix_(idx, idx)] @ A @ e[idx]
        meat += np.outer(u, u)
        G.append(IH[idx].T @ A @ W[np.ix_(idx, idx)] @ X[idx] @ M)
    vcov = M @ meat @ M
    df = np.empty(X.shape[1])
    for c in range(X.shape[1]):
        g = np.column_stack([gj[:, c] for gj in G])  # N x J
        S = g.T @ V @ g
        df[c] = np.trace(S) ** 2 / np.sum(S * S)
    return beta, vcov, df


def robust(result, cluster=None, *, level=None) -> RobustResult:
    """CR2 cluster-robust test of a fitted model's pooled effect (clubSandwich / metafor ``robust``).

    Parameters
    ----------
    result : ThreeLevelResult or MetaResult
        A three-level model (clusters default to its clusters) or an intercept-only model, whose working
        covariance is :math:`\\operatorname{diag}(v_i + \\hat\\tau^2)`.
    cluster : array_like, optional
        Cluster label per effect size (required for a MetaResult).
    level : float, optional
        Confidence level (default the model's).

    Returns
    -------
    RobustResult

    Raises
    ------
    DataError
        Fewer than 2 clusters, missing labels or a length mismatch.
    """
    if isinstance(result, ThreeLevelResult):
        y, V = result.yi, result.V
        cluster = result.cluster if cluster is None else cluster
    elif getattr(result, "fit", None) is not None and result.fit.X.shape[1] == 1:
        y, V = result.yi, np.diag(result.vi + result.fit.tau2.tau2)
        if cluster is None:
            raise OptionError("cluster= is required for a MetaResult")
    else:
        raise OptionError("robust needs a ThreeLevelResult or an intercept-only MetaResult")
    labels = pd.Series(list(cluster))
    if len(labels) != y.size:
        raise DataError(f"{len(labels)} cluster labels for {y.size} effect sizes")
    if labels.isna().any():
        raise DataError("a cluster label is missing")
    n_cl = labels.astype(str).nunique()
    if n_cl < 2:
        raise DataError("cluster-robust inference needs at least 2 clusters")
    level = check_level(result.level if level is None else level)
    beta, vcov, df = cr2_vcov(y, np.ones((y.size, 1)), V, labels)
    est, se, nu = float(beta[0]), float(np.sqrt(vcov[0, 0])), float(df[0])
    crit = float(critical_value(level, nu))
    return RobustResult(estimate=est, se=se, statistic=est / se, df=nu, p=float(two_sided_p(est / se, nu)),
                        ci_lower=est - crit * se, ci_upper=est + crit * se, n_clusters=int(n_cl), level=level)
