r"""Cluster-robust (sandwich) inference, for intercept-only models and meta-regressions, univariate or
three-level: the CR2 small-sample correction with Satterthwaite degrees of freedom and the HTZ Wald test of the
moderators, as ``clubSandwich::coef_test(model, vcov = "CR2")`` / ``Wald_test(test = "HTZ")`` and metafor's
``robust(model, cluster, clubSandwich = TRUE)``; or metafor's default CR1 estimator
(``robust(model, cluster)``: ``adjust = TRUE``),

.. math:: V^{CR1} = \frac{n}{n - p}\, M \Big[\sum_j X_j^\top W_j e_j e_j^\top W_j X_j\Big] M

with t tests and an F test of the moderators on :math:`n - p` df (:math:`n` clusters, :math:`p` coefficients;
all coefficients when the model has no intercept, as metafor's ``btt``). metafor forms the CR1 bread from the
model's covariance, which for a ``test = "knha"`` fit carries the Knapp-Hartung factor :math:`s^2_w`; so does
ruptstats, so :math:`V^{CR1}` of a knha fit is :math:`s_w^4` times the formula above, as in metafor 3.8.1
(the CR2 path, like clubSandwich, does not depend on the test).

With working covariance :math:`V` of the fitted model (block-diagonal by cluster), :math:`W = V^{-1}`,
:math:`M = (X^\top W X)^{-1}`, :math:`H = X M X^\top W` and residuals :math:`e = y - X\hat\beta`, the CR2
estimator (Bell & McCaffrey, 2002; Pustejovsky & Tipton, 2018) is

.. math:: V^{CR2} = M \Big[\sum_j X_j^\top W_j A_j e_j e_j^\top A_j W_j X_j\Big] M,

where :math:`A_j` is the symmetric solution of :math:`A_j B_j A_j = V_j` with
:math:`B_j = (I - H)_j V (I - H)_j^\top` (rows of cluster :math:`j`), which with :math:`W = V^{-1}` is :math:`B_j = V_j - X_j M X_j^\top`; with
:math:`V_j = D_j^\top D_j`,
:math:`A_j = D_j^\top (D_j B_j D_j^\top)^{-1/2} D_j`. The test of coefficient :math:`c` uses
:math:`t = \hat\beta_c / \sqrt{V^{CR2}_{cc}}` on the Satterthwaite degrees of freedom under the working
model,

.. math:: \nu = \frac{\left(\sum_j g_j^\top V g_j\right)^2}{\sum_i\sum_j (g_i^\top V g_j)^2}, \qquad
          g_j = (I - H)_j^\top A_j W_j X_j M c ,

computed cluster by cluster: with :math:`u_j = A_j W_j X_j M c` and :math:`z_j = X_j^\top u_j`,
:math:`g_i^\top V g_j = \delta_{ij} u_j^\top V_j u_j - z_i^\top M z_j`, so no k x k (or clusters x clusters)
matrix is formed. The HTZ test of :math:`q` contrasts :math:`C\beta = 0` (Pustejovsky & Tipton, 2018) takes
:math:`Q = (C\hat\beta)^\top \Omega^{-1} C\hat\beta` with :math:`\Omega = C V^{CR2} C^\top`, the degrees of
freedom :math:`\eta = q(q+1)/\sum_{s,t} \operatorname{Var}(d_{st})` of the normalised contrasts
:math:`\Omega_0^{-1/2}C` (:math:`\Omega_0` the expectation of :math:`\Omega` under the working model, as in
clubSandwich), and :math:`F = \frac{\eta - q + 1}{\eta q} Q \sim F(q, \eta - q + 1)`.

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
from .._dist import critical_value, f_sf, two_sided_p
from ..exceptions import DataError, OptionError
from ._refit import refuse_user_weights
from .design import INTERCEPT
from ._small import CoefficientsResult
from .fitting import weighted_fit
from .multilevel import ThreeLevelResult

__all__ = ["RobustResult", "robust", "cr2_vcov"]


@dataclass(frozen=True)
class RobustResult(CoefficientsResult):
    """Cluster-robust tests of a model's coefficients.

    Attributes
    ----------
    estimate, se, statistic, df, p, ci_lower, ci_upper : float
        The intercept (the pooled effect of an intercept-only model): estimate, robust SE, t statistic, df
        (Satterthwaite for CR2, n - p for CR1), p-value and t-based CI.
    n_clusters : int
    level : float
    method : {"CR2", "CR1"}
    coefficients : tuple of dict
        Per coefficient: ``term, estimate, se, statistic, df, p, ci_lower, ci_upper``.
    qm, qm_df, qm_p : float, list, float
        Robust test of the moderators (of the intercept for an intercept-only model): HTZ F (CR2) or Wald F
        (CR1), metafor's ``QM``, ``QMdf`` (numerator and denominator df), ``QMp``.
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
    method: str = "CR2"
    coefficients: tuple = ()
    qm: float | None = None
    qm_df: tuple | None = None
    qm_p: float | None = None
    #: ``to_dict()`` keys (the ``robust`` JSON section).
    json_fields = ("estimate", "se", "statistic", "df", "p", "ci_lower", "ci_upper", "method", "coefficients", "qm",
                   "qm_df", "qm_p")

    @property
    def title(self) -> str:
        if self.method == "CR2":
            return "Cluster-robust inference (CR2, Satterthwaite df)"
        return "Cluster-robust inference (CR1, metafor's robust(); df = clusters - coefficients)"


def _inv_sqrt(S: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eigh((S + S.T) / 2)
    return (vecs / np.sqrt(vals)) @ vecs.T


class _Sandwich:
    """Per-cluster pieces of a fitted model: ``groups`` (row indices), ``Vb`` (covariance blocks), ``Wb``
    (their inverses), ``M = (X'WX)^-1``, ``beta`` and residuals ``e``."""

    def __init__(self, y, X, blocks, groups):
        self.X, self.groups, self.Vb = X, groups, blocks
        self.Wb = [np.linalg.inv(Vj) for Vj in blocks]
        p = X.shape[1]
        XtWX, XtWy = np.zeros((p, p)), np.zeros(p)
        for idx, Wj in zip(groups, self.Wb):
            XtWX += X[idx].T @ Wj @ X[idx]
            XtWy += X[idx].T @ Wj @ y[idx]
        self.M = np.linalg.inv(XtWX)
        self.beta = self.M @ XtWy
        self.e = y - X @ self.beta

    def cr1(self):
        p = self.X.shape[1]
        n = len(self.groups)
        meat = np.zeros((p, p))
        for idx, Wj in zip(self.groups, self.Wb):
            u = self.X[idx].T @ Wj @ self.e[idx]
            meat += np.outer(u, u)
        return n / (n - p) * self.M @ meat @ self.M

    def cr2(self):
        p = self.X.shape[1]
        meat = np.zeros((p, p))
        self.A = []
        for idx, Vj, Wj in zip(self.groups, self.Vb, self.Wb):
            Xj = self.X[idx]
            D = np.linalg.cholesky(Vj).T  # Vj = D' D
            A = D.T @ _inv_sqrt(D @ (Vj - Xj @ self.M @ Xj.T) @ D.T) @ D
            self.A.append(A)
            u = Xj.T @ Wj @ A @ self.e[idx]
            meat += np.outer(u, u)
        return self.M @ meat @ self.M

    def parts(self, c):
        """For contrast ``c`` (p-vector): ``alpha_j = u_j' V_j u_j``-ready vectors ``u_j`` and ``Z`` (J x p)."""
        Mc = self.M @ c
        us = [A @ Wj @ (self.X[idx] @ Mc) for idx, A, Wj in zip(self.groups, self.A, self.Wb)]
        Z = np.array([self.X[idx].T @ u for idx, u in zip(self.groups, us)])
        return us, Z

    def pair_sum(self, a, b, c, d) -> float:
        """:math:`\\sum_{ij} S^{ab}_{ij} S^{cd}_{ij}` with :math:`S^{ab}_{ij} = g_{ai}^\\top V g_{bj}`."""
        alpha = lambda x, y: np.array([ux @ Vj @ uy for ux, uy, Vj in zip(x[0], y[0], self.Vb)])  # noqa: E731
        al_ab, al_cd = alpha(a, b), alpha(c, d)
        zz = lambda x, y: np.einsum("ip,pq,iq->i", x[1], self.M, y[1])  # noqa: E731
        cross = np.trace(self.M @ b[1].T @ d[1] @ self.M @ c[1].T @ a[1])
        return float(al_ab @ al_cd - al_ab @ zz(c, d) - al_cd @ zz(a, b) + cross)

    def _trace(self, a, b) -> float:
        """:math:`\\operatorname{tr} S^{ab} = \\sum_j (u_{aj}^\\top V_j u_{bj} - z_{aj}^\\top M z_{bj})`: the expected
        value of the robust covariance of contrasts a and b under the working model."""
        return float(sum(ua @ Vj @ ub for ua, ub, Vj in zip(a[0], b[0], self.Vb))
                     - np.einsum("ip,pq,iq->", a[1], self.M, b[1]))

    def satterthwaite(self, c) -> float:
        part = self.parts(c)
        return float(self._trace(part, part) ** 2 / self.pair_sum(part, part, part, part))

    def htz(self, C, vcov):
        """HTZ Wald test of ``C beta = 0``: ``(F, q, eta - q + 1)``."""
        q = C.shape[0]
        omega = C @ vcov @ C.T
        b = C @ self.beta
        Q = float(b @ np.linalg.solve(omega, b))
        raw = [self.parts(row) for row in C]
        expected = np.array([[self._trace(raw[s], raw[t]) for t in range(q)] for s in range(q)])
        normed = _inv_sqrt(expected) @ C  # clubSandwich normalises by the expected Omega under the working model
        parts = [self.parts(row) for row in normed]
        total = sum(self.pair_sum(parts[s], parts[t], parts[t], parts[s]) + self.pair_sum(parts[s], parts[s], parts[t],
                                                                                           parts[t])
                    for s in range(q) for t in range(q))
        eta = q * (q + 1) / total
        return (eta - q + 1) / (eta * q) * Q, q, eta - q + 1


def _groups(cluster):
    codes = pd.factorize(pd.Series(list(cluster)).astype(str))[0]
    return [np.flatnonzero(codes == g) for g in range(codes.max() + 1)]


def cr2_vcov(y, X, V, cluster) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(beta, vcov_cr2, df)``: coefficients, CR2 covariance and a Satterthwaite df per coefficient.

    ``V`` is the model's working covariance (a k x k matrix); it must not link effect sizes of different
    clusters. :func:`robust` works from the model's covariance blocks instead.
    """
    y, X, V = np.asarray(y, float), np.asarray(X, float), np.asarray(V, float)
    groups = _groups(cluster)
    codes = np.empty(y.size, dtype=int)
    for g, idx in enumerate(groups):
        codes[idx] = g
    if np.any(V[codes[:, None] != codes[None, :]] != 0):
        raise OptionError("the model's covariance links effect sizes of different clusters; cluster at the "
                          "model's top level (or a coarser one)")
    sw = _Sandwich(y, X, [V[np.ix_(idx, idx)] for idx in groups], groups)
    vcov = sw.cr2()
    df = np.array([sw.satterthwaite(np.eye(X.shape[1])[c]) for c in range(X.shape[1])])
    return sw.beta, vcov, df


def _model(result, cluster):
    """``(y, X, terms, block, model_clusters, labels, intercept, s2w)`` of a supported fitted model.

    ``intercept`` says whether the first coefficient is an intercept (the Wald test leaves it out); ``s2w`` is
    the Knapp-Hartung factor of a univariate ``test="knha"`` fit (1 otherwise), which metafor's CR1 bread
    carries (see :func:`robust`).
    """
    if isinstance(result, ThreeLevelResult):
        labels = result.cluster if cluster is None else cluster
        return result.yi, result.X, result.terms, result.block, result.cluster, labels, True, 1.0
    fit = getattr(result, "fit", None)
    if fit is None:
        raise OptionError("robust needs a ThreeLevelResult, a MetaResult or a MetaRegressionResult, got "
                          f"{type(result).__name__}")
    if cluster is None:
        raise OptionError("cluster= is required for a MetaResult or MetaRegressionResult")
    refuse_user_weights(fit, "robust()")
    v = np.asarray(fit.v, float) + float(fit.tau2.tau2)
    terms = tuple(getattr(result, "terms", None) or (INTERCEPT,))
    if len(terms) != fit.X.shape[1]:
        terms = (INTERCEPT,) + tuple(f"x{j}" for j in range(1, fit.X.shape[1]))
    s2w = 1.0
    if fit.test == "knha" and fit.user_weights is None and np.isfinite(fit.tau2.tau2):
        s2w = float(weighted_fit(fit.y, fit.v, fit.X, fit.tau2.tau2, "knha")[2])
    return (np.asarray(fit.y, float), np.asarray(fit.X, float), terms, lambda idx: np.diag(v[np.asarray(idx)]),
            np.arange(v.size), cluster, bool(fit.intercept), s2w)


def robust(result, cluster=None, *, clubsandwich: bool = True, level=None) -> RobustResult:
    """Cluster-robust tests of a fitted model's coefficients (metafor's ``robust``, clubSandwich's CR2).

    Parameters
    ----------
    result : ThreeLevelResult, MetaResult or MetaRegressionResult
        A three-level model (clusters default to its clusters; its working covariance is block-diagonal), or a
        univariate model (intercept-only or with moderators) whose working covariance is
        :math:`\\operatorname{diag}(v_i + \\hat\\tau^2)`.
    cluster : array_like, optional
        Cluster label per effect size (required for a univariate model); must not split a cluster of a
        three-level model.
    clubsandwich : bool, default True
        ``True``: CR2 with Satterthwaite df and the HTZ test (metafor's ``clubSandwich = TRUE``); ``False``:
        metafor's default CR1 estimator with df = clusters - coefficients.
    level : float, optional
        Confidence level (default the model's).

    Returns
    -------
    RobustResult

    Raises
    ------
    DataError
        Fewer than 2 clusters (CR1: not more clusters than coefficients), missing labels or a length mismatch.
    OptionError
        An unsupported model, no clusters, or clusters that split the model's clusters.
    """
    y, X, terms, block, model_clusters, labels, intercept, s2w = _model(result, cluster)
    labels = pd.Series(list(labels))
    if len(labels) != y.size:
        raise DataError(f"{len(labels)} cluster labels for {y.size} effect sizes")
    if labels.isna().any():
        raise DataError("a cluster label is missing")
    groups = _groups(labels)
    n, p = len(groups), X.shape[1]
    if n < 2 or (not clubsandwich and n <= p):
        raise DataError(f"cluster-robust inference needs at least {2 if clubsandwich else p + 1} clusters, got {n}")
    user = np.empty(y.size, dtype=int)
    for g, idx in enumerate(groups):
        user[idx] = g
    split = pd.Series(user).groupby(np.asarray(model_clusters)).nunique()
    if (split > 1).any():
        raise OptionError("the model's covariance links effect sizes of different clusters; cluster at the "
                          "model's top level (or a coarser one)")
    level = check_level(result.level if level is None else level)
    sw = _Sandwich(y, X, [block(idx) for idx in groups], groups)
    eye = np.eye(p)
    btt = list(range(1, p)) if p > 1 and intercept else list(range(p))
    if clubsandwich:
        vcov = sw.cr2()
        dfs = [sw.satterthwaite(eye[c]) for c in range(p)]
        if btt != [0]:
            qm, qdf1, qdf2 = sw.htz(eye[btt], vcov)
        else:
            qm, qdf1, qdf2 = None, 1, dfs[0]
    else:
        vcov = s2w * s2w * sw.cr1()
        dfs = [float(n - p)] * p
        b = sw.beta[btt]
        qm, qdf1, qdf2 = float(b @ np.linalg.solve(vcov[np.ix_(btt, btt)], b)) / len(btt), len(btt), float(n - p)
    coefs = []
    for c in range(p):
        est, se, nu = float(sw.beta[c]), float(np.sqrt(vcov[c, c])), float(dfs[c])
        crit = float(critical_value(level, nu))
        coefs.append({"term": terms[c], "estimate": est, "se": se, "statistic": est / se, "df": nu,
                      "p": float(two_sided_p(est / se, nu)), "ci_lower": est - crit * se, "ci_upper": est + crit * se})
    if qm is None:  # intercept only, CR2: metafor reports QM = t^2 on (1, df)
        qm = coefs[0]["statistic"] ** 2
    first = {k: coefs[0][k] for k in ("estimate", "se", "statistic", "df", "p", "ci_lower", "ci_upper")}
    return RobustResult(**first, n_clusters=int(n), level=level, method="CR2" if clubsandwich else "CR1",
                        coefficients=tuple(coefs), qm=float(qm), qm_df=(int(qdf1), float(qdf2)),
                        qm_p=float(f_sf(qm, qdf1, qdf2)))
