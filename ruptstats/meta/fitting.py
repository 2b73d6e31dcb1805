r"""The (mixed-effects) meta-analytic model fitted by weighted least squares, as metafor's ``rma.uni``.

Given :math:`\hat\tau^2` (see :mod:`ruptstats.meta.estimators`), the coefficients and their covariance are

.. math:: \hat\beta = (X^\top W X)^{-1} X^\top W y, \qquad
          \operatorname{Var}(\hat\beta) = s^2 (X^\top W X)^{-1}, \qquad w_i = 1/(v_i + \hat\tau^2),

with :math:`s^2 = 1` for ``test="z"`` (normal tests, Wald-type CIs) and, for ``test="knha"`` (Knapp & Hartung,
2003), :math:`s^2 = \sum_i w_i (y_i - x_i^\top\hat\beta)^2 / (k - p)` with t and F tests on :math:`k - p`
degrees of freedom. The prediction interval for a new study is
:math:`\hat\mu \pm c \sqrt{\operatorname{SE}^2 + \hat\tau^2}` with the same critical value :math:`c` as the CI
(metafor's ``predict()``).

This module is the engine shared by :func:`ruptstats.meta.rma` (intercept-only models), subgroup analyses and
meta-regression.

References
----------
Knapp, G., & Hartung, J. (2003). Improved tests for a random effects meta-regression with a single covariate.
*Statistics in Medicine, 22*, 2693-2710.
Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package. *Journal of Statistical
Software, 36*(3), 1-48.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .._checks import check_choice, check_level
from .._dist import chi2_sf, critical_value, f_sf, two_sided_p
from ..exceptions import DataError, OptionError
from .estimators import DEFAULT_CONTROL, TAU2_METHODS, Tau2Estimate, estimate_tau2
from ._wls import Wls, is_intercept, weighted_mean
from .heterogeneity import Heterogeneity, heterogeneity, q_profile_ci

__all__ = ["ModelFit", "fit_model", "weighted_fit", "TESTS", "EQUAL_EFFECTS_ALIASES"]

#: Allowed values of ``test``.
TESTS = ("z", "knha")

#: metafor's names of the equal-effects model (``FE`` in ruptstats: results report ``method="FE"``).
EQUAL_EFFECTS_ALIASES = ("EE", "CE")

#: Estimators that weight by 1/vi, undefined with a zero sampling variance.
_NEED_POSITIVE_V = ("FE", "DL", "HS", "PM")


@dataclass(frozen=True)
class ModelFit:
    r"""Everything a fitted meta-analytic model knows; the result classes present it.

    Attributes
    ----------
    y, v, X : numpy.ndarray
        Effect sizes, sampling variances, model matrix (k x p).
    method, test : str
        τ² estimator and test type.
    level : float
        Confidence level (proportion).
    beta, vcov, se, statistic, p, ci_lower, ci_upper : numpy.ndarray
        Coefficients, their covariance, SEs, z or t statistics, two-sided p-values and CIs.
    df : int or None
        Residual degrees of freedom of the t and F tests (``knha``), else None.
    tau2 : Tau2Estimate
        The τ² estimate with its SE.
    tau2_ci : tuple of float or None
        Q-profile CI of τ² (None for the common-effect model, k - p < 1 or a zero sampling variance);
        computed on first use and kept (metafor computes it only in ``confint()``), so a fit that never
        reads it does not pay for its root searches.
    het : Heterogeneity
        Q test, I², H² and the typical within-study variance.
    qm, qm_df, qm_p : float, int, float
        Omnibus test of the coefficients other than the intercept (Wald χ², or F for ``knha``); NaN when the
        model has only an intercept.
    weights : numpy.ndarray
        Inverse-variance weights :math:`1/(v_i + \hat\tau^2)` (all 1, the limit of the relative weights, when
        :math:`\hat\tau^2` is infinite).
    notes : tuple of str
        What the analyst should know about this fit (fallbacks, undefined quantities).
    control : dict or None
        The iteration settings the fit was made with (to refit subsets the same way).
    user_weights : numpy.ndarray or None
        The analyst's weights (metafor's ``weights=``) when given; the coefficients are then
        :math:`(X^\top A X)^{-1} X^\top A y` with :math:`A = \operatorname{diag}(a)`.
    intercept : bool
        Whether the first column of ``X`` is an intercept (the omnibus test leaves it out).
    """

    y: np.ndarray
    v: np.ndarray
    X: np.ndarray
    method: str
    test: str
    level: float
    beta: np.ndarray
    vcov: np.ndarray
    se: np.ndarray
    statistic: np.ndarray
    p: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    df: int | None
    tau2: Tau2Estimate
    het: Heterogeneity
    qm: float
    qm_df: int
    qm_p: float
    weights: np.ndarray
    notes: tuple[str, ...] = field(default=())
    control: dict | None = None
    user_weights: np.ndarray | None = None
    intercept: bool = True

    @property
    def k(self) -> int:
        """Number of effect sizes."""
        return int(self.y.size)

    @cached_property
    def tau2_ci(self) -> tuple[float, float] | None:
        """Q-profile CI of τ² at the fit's level (see :func:`~ruptstats.meta.heterogeneity.q_profile_ci`).

        Computed on first read from the fit's ``y``, ``v``, ``X``, τ² and ``control`` (its ``tol``), then kept
        (a cached property: not a dataclass field, so ``==`` and ``repr`` ignore it).
        """
        k, p = self.X.shape
        if self.method == "FE" or k <= p or bool(np.any(self.v == 0)) or np.isinf(self.tau2.tau2):
            return None
        con = dict(DEFAULT_CONTROL, **(self.control or {}))
        return q_profile_ci(self.y, self.v, self.X, self.tau2.tau2, self.level, tol=con["tol"])

    def prediction_interval(self, x0=None) -> tuple[float, float, float]:
        """Return ``(prediction, pi_lower, pi_upper)`` for a new study with model-matrix row ``x0``.

        ``x0`` may be omitted for an intercept-only model; otherwise it is a full row of the model matrix
        (intercept first).
        """
        if x0 is None:
            if self.X.shape[1] != 1:
                raise OptionError("x0 (a row of the model matrix) is needed for a model with moderators")
            pred, var = float(self.beta[0]), float(self.vcov[0, 0])  # x0 = (1): no products of 1 x 1 arrays
        else:
            x0 = np.asarray(x0, dtype=float)
            pred = float(x0 @ self.beta)
            var = float(x0 @ self.vcov @ x0)
        half = critical_value(self.level, self.df) * np.sqrt(var + self.tau2.tau2)
        return pred, float(pred - half), float(pred + half)


def fit_model(y, v, X=None, *, method: str = "REML", test: str = "z", level=0.95,
              control: dict | None = None, weights=None, intercept: bool | None = None) -> ModelFit:
    r"""Fit the meta-analytic model to effect sizes ``y`` with sampling variances ``v``.

    Parameters
    ----------
    y, v : array_like
        Effect sizes and sampling variances (finite, ``v > 0``), validated by the caller.
    X : array_like, optional
        Model matrix with an intercept column first (default: intercept only).
    method : {"FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM"}
        τ² estimator; ``FE`` is the common-effect model.
    test : {"z", "knha"}
        Normal tests, or Knapp-Hartung t and F tests.
    level : float
        Confidence level, as a proportion or a percentage.
    control : dict, optional
        Iteration settings, see :data:`ruptstats.meta.estimators.DEFAULT_CONTROL`.
    weights : array_like, optional
        The analyst's weights (>= 0), as metafor's ``weights=``: they change the coefficients and their
        covariance (:math:`(X^\top A X)^{-1} X^\top A M A X (X^\top A X)^{-1}`, :math:`M = \operatorname{diag}(v_i
        + \hat\tau^2)`), not the estimate of τ² nor the heterogeneity statistics.
    intercept : bool, optional
        Whether the first column of ``X`` is an intercept (default: when it is a column of ones).

    Returns
    -------
    ModelFit

    Raises
    ------
    DataError
        A zero sampling variance where the model is not defined: the common-effect model and the estimators
        that weight by :math:`1/v_i` (DL, HS, PM), or a τ² estimate of 0.
    """
    method = check_choice("method", method, TAU2_METHODS + EQUAL_EFFECTS_ALIASES)
    method = "FE" if method in EQUAL_EFFECTS_ALIASES else method
    test = check_choice("test", test, TESTS)
    level = check_level(level)
    if control is not None:
        unknown = sorted(set(control) - set(DEFAULT_CONTROL))
        if unknown:
            raise OptionError(f"control has unknown keys {unknown}; allowed: {sorted(DEFAULT_CONTROL)}")
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    if X is None:
        X = np.ones((y.size, 1))
        X.setflags(write=False)  # read-only: is_intercept caches its answer for the evaluations of this fit
    else:
        X = np.asarray(X, dtype=float)
    k, p = X.shape
    if intercept is None:
        intercept = bool(p > 0 and np.all(X[:, 0] == 1.0))
    a = None if weights is None else np.asarray(weights, dtype=float)
    zero_v = bool(np.any(v == 0))
    if zero_v and method in _NEED_POSITIVE_V:
        row = int(np.flatnonzero(v == 0)[0]) + 1
        raise DataError(f"a sampling variance of 0 leaves the {'common-effect model' if method == 'FE' else method}"
                        " undefined (it weights by 1/vi); use a random-effects estimator such as REML, ML, HE, SJ"
                        " or EB", row=row, column="vi")
    if k < p:
        raise DataError(f"{k} effect sizes cannot estimate {p} coefficients")
    if _rank(X) < p:
        raise DataError("the model matrix is not of full rank (a moderator is constant or redundant)")
    if a is not None and _rank(X * np.sqrt(a)[:, None]) < p:
        raise DataError(f"the weights leave {int(np.count_nonzero(a))} stud(ies) with a weight above 0: too few "
                        f"(or too alike) to estimate {p} coefficient(s)", column="weights")
    notes: list[str] = []
    if test == "knha" and k == 1 and p == 1:  # metafor 3.8.1: 'Setting argument test="z" since k=1.'
        test = "z"
        notes.append("test='knha' needs at least 2 studies: with k = 1 the z-test is used (as metafor does)")
    if test == "knha" and k <= p:
        raise OptionError(f"test='knha' needs more effect sizes than coefficients (k = {k}, p = {p})")
    if k > p and method != "FE":
        with np.errstate(divide="ignore", invalid="ignore"):
            try:
                tau2 = estimate_tau2(y, v, X, method, control)
            except (ZeroDivisionError, np.linalg.LinAlgError, ValueError):
                if not zero_v:
                    raise
                tau2 = Tau2Estimate(0.0, float("nan"), method)
        if tau2.fallback:
            notes.append(tau2.note or f"{method}: tau2 was found by a bracketed search of its estimating equation")
    else:
        tau2 = Tau2Estimate(0.0, float("nan"), method)
        if method != "FE":
            notes.append(f"heterogeneity is undefined with k = {k} and {p} coefficient(s); tau2 is set to 0")
    if zero_v and not tau2.tau2 > 0:
        row = int(np.flatnonzero(v == 0)[0]) + 1
        raise DataError(f"a sampling variance of 0 needs a between-study variance above 0, but {method} "
                        "estimates tau2 = 0: the model is not defined", row=row, column="vi")
    df = k - p if test == "knha" else None
    if np.isinf(tau2.tau2):
        beta, vcov, se, w = _infinite_tau2_fit(y, X, test, a)
        notes.append(_INFINITE_TAU2_NOTE[test])
    else:
        beta, vcov, _, w = weighted_fit(y, v, X, tau2.tau2, test, a)
        se = np.sqrt(np.diag(vcov))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(np.isfinite(se), beta / se, np.nan)
    pval = two_sided_p(stat, df)
    crit = critical_value(level, df)
    if zero_v:
        het = Heterogeneity(float("nan"), k - p, float("nan"), float("nan"), float("nan"), float("nan"))
        notes.append("a sampling variance is 0: the Q test, I2 and H2 are undefined (as in metafor)")
    else:
        with np.errstate(over="ignore"):  # Q is inf when the squares overflow double precision
            het = heterogeneity(y, v, X, tau2.tau2, method == "FE")
    qm, qm_df, qm_p = _omnibus(beta, vcov, p, df, intercept)
    return ModelFit(y=y, v=v, X=X, method=method, test=test, level=level, beta=beta, vcov=vcov, se=se,
                    statistic=stat, p=pval, ci_lower=beta - crit * se, ci_upper=beta + crit * se, df=df,
                    tau2=tau2, het=het, qm=qm, qm_df=qm_df, qm_p=qm_p, weights=w,
                    notes=tuple(notes), control=None if control is None else dict(control), user_weights=a,
                    intercept=intercept)


#: What the model reports when tau2 is infinite, by test.
_INFINITE_TAU2_NOTE = {
    "z": ("with tau2 infinite the random-effects weights 1/(vi + tau2) are equal, so the estimate is the "
          "unweighted (least-squares) estimate; its variance (vi + tau2)/k is infinite, so se, statistic, p, "
          "the confidence interval and the prediction interval are undefined (null); use test='knha' for a "
          "finite standard error"),
    "knha": ("with tau2 infinite the random-effects weights 1/(vi + tau2) are equal, so the estimate is the "
             "unweighted (least-squares) estimate and the Knapp-Hartung variance takes its exact finite limit "
             "s^2 (X'X)^-1, s^2 = sum of squared residuals/(k - p) (the t-test of ordinary least squares); the "
             "prediction interval is unbounded (null)"),
}


def _infinite_tau2_fit(y, X, test: str, a=None):
    r"""The limit of :func:`weighted_fit` as :math:`\tau^2 \to \infty`: ``(beta, vcov, se, weights)``.

    The weights :math:`1/(v_i + \tau^2)` become equal, so :math:`\hat\beta` is the least-squares estimate
    (with the analyst's weights ``a``: :math:`(X^\top A X)^{-1} X^\top A y`, which does not involve
    :math:`\tau^2`). For ``test="z"`` the covariance is infinite; for ``test="knha"`` the factor
    :math:`s^2_w = \sum w_i r_i^2/(k-p)` times :math:`(v_i + \tau^2)` tends to :math:`\mathrm{RSS}/(k - p)`,
    so the covariance tends to :math:`\mathrm{RSS}/(k-p)\, B X^\top A^2 X B` (:math:`B = (X^\top A X)^{-1}`;
    :math:`A = I` without weights), finite. Computed on ``y`` divided by a power of 2 (exact), so that no
    square overflows; ``se`` is returned separately because ``vcov`` may overflow where ``se`` does not.
    ``weights`` are the limit of the relative weights (all 1).
    """
    k, p = X.shape
    big = float(np.max(np.abs(y)))
    e = int(np.frexp(big)[1]) if big > 0 and np.isfinite(big) else 0
    ys = np.ldexp(y, -e)
    ones = np.ones(k)
    _, r = Wls(ones, X).fit(ys)
    aw = ones if a is None else a
    la = Wls(aw, X)
    beta_s, _ = la.fit(ys)
    B = la.xtwx_inv()
    cov = B @ ((X * (aw * aw)[:, None]).T @ X) @ B
    beta = np.ldexp(beta_s, e)
    if test != "knha":
        inf = np.full((p, p), np.inf)
        return beta, inf, np.full(p, np.inf), ones
    cov_s = float(np.dot(r, r)) / (k - p) * cov
    se = np.ldexp(np.sqrt(np.diag(cov_s)), e)
    with np.errstate(over="ignore"):
        vcov = np.ldexp(cov_s, 2 * e)  # infinite where the variance exceeds the largest double
    return beta, vcov, se, ones


def _rank(X) -> int:
    """The rank of ``X``; for one column, 0 or 1 without an SVD (a column has rank 1 unless it is all 0,
    which is what ``numpy.linalg.matrix_rank`` finds for it: its one singular value is the column's norm)."""
    if X.shape[1] == 1:
        return int(bool(np.any(X[:, 0] != 0.0)))
    return int(np.linalg.matrix_rank(X))


def weighted_fit(y, v, X, tau2: float, test: str, a=None):
    r"""Weighted least squares given :math:`\tau^2`: return ``(beta, vcov, s2w, weights)``.

    ``vcov`` is :math:`(X^\top W X)^{-1}`, multiplied for ``test="knha"`` by the Knapp-Hartung factor
    :math:`s^2_w = \sum_i w_i (y_i - x_i^\top\hat\beta)^2/(k - p)` (0 when the residuals vanish, as in
    metafor); ``s2w`` is 1 for ``test="z"``. O(k p^2), no k x k matrix; the residuals come from centred data.
    Shared by :func:`fit_model` and the lean refits of the
    sensitivity analyses, so both compute the same numbers. With the analyst's weights ``a`` (metafor's
    ``weights=``) the coefficients are :math:`B X^\top A y` with :math:`B = (X^\top A X)^{-1}` and covariance
    :math:`B (\sum_i a_i^2 (v_i + \tau^2) x_i x_i^\top) B`; the Knapp-Hartung factor still comes from the
    inverse-variance fit, as in metafor.
    """
    k, p = X.shape
    if p == 1 and is_intercept(X):
        return _intercept_fit(y, v, tau2, test, a)
    w = 1.0 / (v + tau2)
    ls = Wls(w, X)
    vcov = ls.xtwx_inv()
    beta, resid = ls.fit(y)
    s2w = 1.0
    if test == "knha":
        rss = float(np.dot(w, resid * resid))
        s2w = 0.0 if rss <= np.finfo(float).eps else rss / (k - p)
    if a is not None:
        la = Wls(a, X)
        B = la.xtwx_inv()
        beta, _ = la.fit(y)
        meat = (X * (a * a * (v + tau2))[:, None]).T @ X
        vcov = B @ meat @ B
    if test == "knha":
        vcov = s2w * vcov
    return beta, vcov, s2w, w


def _intercept_fit(y, v, tau2: float, test: str, a=None):
    r""":func:`weighted_fit` for the intercept-only model in scalar arithmetic: :math:`\hat\mu = \sum w_i y_i /
    \sum w_i` (one correction step), :math:`\operatorname{Var} = 1/\sum w_i`; with the analyst's weights
    :math:`\hat\mu = \sum a_i y_i / \sum a_i`, :math:`\operatorname{Var} = \sum a_i^2 (v_i + \tau^2) /
    (\sum a_i)^2`. The same operations as the general path with :math:`X = 1` (Wls' one-column branch)."""
    k = y.size
    w = 1.0 / (v + tau2)
    s = float(w.sum())
    mu = weighted_mean(y, w, s)
    var = 1.0 / s
    s2w = 1.0
    if test == "knha":
        resid = y - mu
        rss = float(np.dot(w, resid * resid))
        s2w = 0.0 if rss <= np.finfo(float).eps else rss / (k - 1)
    if a is not None:
        sa = float(a.sum())
        mu = weighted_mean(y, a, sa)
        var = float(np.sum(a * a * (v + tau2))) / sa / sa
    if test == "knha":
        var = s2w * var
    return np.array([mu]), np.array([[var]]), s2w, w


def _omnibus(beta, vcov, p, df, intercept: bool = True):
    """Wald test of all coefficients but the intercept: χ²(m) for z, F(m, k - p) for knha."""
    first = 1 if intercept else 0
    m = p - first
    if m < 1:
        return float("nan"), 0, float("nan")
    b = beta[first:]
    if not np.all(np.isfinite(vcov[first:, first:])):  # tau2 infinite with the z-test: the Wald test is undefined
        return float("nan"), m, float("nan")
    try:
        qm = float(b @ np.linalg.solve(vcov[first:, first:], b))
    except np.linalg.LinAlgError:
        return float("nan"), m, float("nan")
    if df is None:
        return qm, m, float(chi2_sf(qm, m))
    qm /= m
    return qm, m, float(f_sf(qm, m, df))
