r"""Sensitivity analyses: leave-one-out, influence diagnostics, cumulative meta-analysis and Baujat
coordinates, as metafor's ``leave1out()``, ``influence()``, ``cumul()`` and ``baujat()``.

Each refit uses the model's estimator, test, level and iteration settings. With :math:`\hat\beta_{(-i)}`,
:math:`\operatorname{Var}_{(-i)}`, :math:`\hat\tau^2_{(-i)}` and :math:`s^2_{(-i)}` (1, or the Knapp-Hartung
factor) from the fit without study :math:`i`, the full-model weights :math:`w_i = 1/(v_i + \hat\tau^2)`, the
hat values :math:`h_i = [X(X^\top W X)^{-1}X^\top W]_{ii}` and :math:`\hat y_{(-i)} = x_i^\top\hat\beta_{(-i)}`
(Viechtbauer & Cheung, 2010):

- externally studentized residual :math:`(y_i - \hat y_{(-i)}) / \sqrt{s^2_{(-i)}(v_i + \hat\tau^2_{(-i)}) +
  x_i^\top \operatorname{Var}_{(-i)} x_i}`;
- DFFITS :math:`(x_i^\top\hat\beta - \hat y_{(-i)}) / \sqrt{s^2_{(-i)} h_i (\hat\tau^2_{(-i)} + v_i)}`;
- Cook's distance :math:`(\hat\beta - \hat\beta_{(-i)})^\top \operatorname{Var}(\hat\beta)^{-1}
  (\hat\beta - \hat\beta_{(-i)})`;
- covariance ratio :math:`\det\operatorname{Var}_{(-i)} / \det\operatorname{Var}(\hat\beta)`;
- DFBETAS :math:`(\hat\beta - \hat\beta_{(-i)}) / \sqrt{s^2_{(-i)}\,\operatorname{diag}
  (X^\top W_{(-i)} X)^{-1}}` with all k rows and weights :math:`1/(v_j + \hat\tau^2_{(-i)})`;
- a study is flagged *influential* (metafor's asterisk) when :math:`|\text{DFFITS}| > 3\sqrt{p/(k-p)}`, or
  :math:`P(\chi^2_p \le D_i) > 0.5`, or :math:`h_i > 3p/k`, or any :math:`|\text{DFBETAS}| > 1`.

Baujat coordinates: :math:`x_i = (y_i - x_i^\top\hat\beta)^2 / (v_i + \hat\tau^2)` (contribution to Q) and
:math:`y_i = (\hat y_{(-i)} - x_i^\top\hat\beta)^2 / x_i^\top \operatorname{Var}_{(-i)} x_i` (influence on the
result).

References
----------
Baujat, B., Mahé, C., Pignon, J.-P., & Hill, C. (2002). A graphical method for exploring heterogeneity in
meta-analyses. *Statistics in Medicine, 21*, 2641-2652.
Lau, J., Schmid, C. H., & Chalmers, T. C. (1995). Cumulative meta-analysis of clinical trials. *Journal of
Clinical Epidemiology, 48*, 45-57.
Viechtbauer, W., & Cheung, M. W.-L. (2010). Outlier and influence diagnostics for meta-analysis. *Research
Synthesis Methods, 1*, 112-125.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._dist import chi2_cdf, chi2_sf, critical_value, two_sided_p
from ..exceptions import DataError, OptionError
from ._deletion import DIRECT_MAX_K, deleted_fits
from ._deletion_regression import deleted_regression_fits
from ._progress import progress
from ._refit import quick_fit
from ._wls import Wls, is_intercept
from ._small import PerStudyResult
from .estimators import generalized_q
from .fitting import _rank, fit_model

__all__ = ["LeaveOneOutResult", "InfluenceResult", "CumulativeResult", "BaujatResult", "leave_one_out",
           "influence", "cumulative", "baujat"]


def _fit_of(result):
    fit = getattr(result, "fit", None)
    if fit is None:
        raise OptionError("expected a fitted result (MetaResult or MetaRegressionResult)")
    if fit.k < 2:
        raise DataError("sensitivity analyses need at least 2 studies")
    return fit


def _model_rows(fit, idx) -> dict:
    """Refit on rows ``idx`` with fit_model (and the analyst's weights of those rows, as metafor's ``leave1out``
    and ``cumul``); return the vocabulary's per-model values."""
    a = None if fit.user_weights is None else fit.user_weights[idx]
    sub = fit_model(fit.y[idx], fit.v[idx], fit.X[idx], method=fit.method, test=fit.test, level=fit.level,
                    control=fit.control, weights=a)
    return {"estimate": sub.beta[0], "se": sub.se[0], "statistic": sub.statistic[0], "p": sub.p[0],
            "ci_lower": sub.ci_lower[0], "ci_upper": sub.ci_upper[0], "q": sub.het.q, "q_p": sub.het.q_p,
            "tau2": sub.tau2.tau2, "i2": sub.het.i2, "h2": sub.het.h2}


@dataclass(frozen=True, repr=False)
class LeaveOneOutResult(PerStudyResult):
    """One row per omitted study: the model without it.

    Attributes
    ----------
    study : tuple of str
        The omitted study.
    estimate, se, statistic, p, ci_lower, ci_upper : numpy.ndarray
        Pooled estimate without the study, SE, z (or t), p-value and CI.
    q, q_p, tau2, i2, h2 : numpy.ndarray
        Heterogeneity without the study (I² in percent).
    """

    study: tuple
    estimate: np.ndarray
    se: np.ndarray
    statistic: np.ndarray
    p: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    q: np.ndarray
    q_p: np.ndarray
    tau2: np.ndarray
    i2: np.ndarray
    h2: np.ndarray
    title = "Leave-one-out analysis"
    #: ``to_dict()`` row keys (the ``leave_one_out`` JSON section); every column is in ``summary_frame()``.
    json_fields = ("study", "estimate", "se", "ci_lower", "ci_upper", "tau2", "i2", "q")


def leave_one_out(result) -> LeaveOneOutResult:
    """Refit the intercept-only model without each study in turn (metafor's ``leave1out``).

    Examples
    --------
    >>> from ruptstats.meta import rma
    >>> loo = leave_one_out(rma([0.1, 0.3, 0.35, 0.25], [0.01, 0.02, 0.015, 0.012], method="FE"))
    >>> round(float(loo.estimate[0]), 6)  # metafor: leave1out(rma(yi, vi, method = "FE"))$estimate[1]
    0.295833
    """
    fit = _fit_of(result)
    if fit.X.shape[1] != 1:
        raise OptionError("leave_one_out needs an intercept-only model (use influence() for meta-regressions)")
    if fit.k > DIRECT_MAX_K and fit.user_weights is None:
        return LeaveOneOutResult(study=tuple(result.study), **_loo_columns(fit))
    rows = [_model_rows(fit, np.arange(fit.k) != i) for i in range(fit.k)]
    cols = {key: np.array([r[key] for r in rows], dtype=float) for key in rows[0]}
    return LeaveOneOutResult(study=tuple(result.study), **cols)


def _loo_columns(fit) -> dict:
    """Leave-one-out columns from the O(k) deletion sums (:mod:`ruptstats.meta._deletion`)."""
    k = fit.k
    d = deleted_fits(fit)
    df = k - 2
    est = d["beta"][:, 0]
    se = np.sqrt(d["vb"][:, 0, 0])
    tdf = df if fit.test == "knha" else None
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = est / se
        crit = critical_value(fit.level, tdf)
        q, t2 = d["qe"], d["tau2"]
        if fit.method == "FE":
            i2 = np.where(q > 0, np.maximum(0.0, 100.0 * (q - df) / q), 0.0)
            h2 = q / df
        else:
            vt = df / d["trp0"]
            i2, h2 = 100.0 * t2 / (vt + t2), t2 / vt + 1.0
    cols = {"estimate": est, "se": se, "statistic": stat, "p": np.asarray(two_sided_p(stat, tdf), float),
            "ci_lower": est - crit * se, "ci_upper": est + crit * se, "q": q,
            "q_p": np.asarray(chi2_sf(q, df), float), "tau2": t2, "i2": i2, "h2": h2}
    for i in d["direct"]:
        for key, val in _model_rows(fit, np.arange(k) != i).items():
            cols[key][i] = val
    return cols


def _deletions(fit) -> dict:
    """Per-study quantities of the fits without study i (metafor's ``influence`` loop).

    For k > DIRECT_MAX_K, intercept-only models use the O(k) deletion sums (:mod:`._deletion`) and
    meta-regressions the moment series (:mod:`._deletion_regression`, O(k p^2) memory and O(k p^3) arithmetic);
    the few deletions those leave (outside the series' radius, or a study whose deletion leaves X
    rank-deficient), fits with the analyst's weights and every deletion of a smaller table are refitted
    (O(k p^2) each, no k x k matrix) with metafor's iteration. A deletion that leaves X rank-deficient (the
    study alone determines a coefficient, e.g. the only study of a factor level) stays NaN, as metafor's
    ``influence``/``rstudent`` leave it NA.
    """
    k, p = fit.X.shape
    if p == 1 and k > DIRECT_MAX_K and is_intercept(fit.X):
        d = deleted_fits(fit)
        rows = d["direct"]
    elif k > DIRECT_MAX_K and fit.user_weights is None:
        d = deleted_regression_fits(fit)
        rows = d["direct"]
    else:
        d = {"beta": np.full((k, p), np.nan), "vb": np.full((k, p, p), np.nan), "tau2": np.full(k, np.nan),
             "s2w": np.full(k, np.nan), "qe": np.full(k, np.nan)}
        rows = range(k)
    out = d
    test = "z" if k - 1 <= p else fit.test  # no residual df left for Knapp-Hartung: metafor refits with z
    for i in progress(rows, total=len(rows), desc="deletions", enabled=len(rows) * k > 5_000_000):
        keep = np.arange(k) != i
        if p > 1 and _rank(fit.X[keep]) < p:  # the study alone carries a coefficient: metafor leaves the row NA
            continue
        try:
            q = quick_fit(fit.y[keep], fit.v[keep], fit.X[keep], fit.method, test, fit.control)
        except (np.linalg.LinAlgError, DataError):
            continue
        out["beta"][i], out["vb"][i], out["tau2"][i], out["s2w"][i] = q.beta, q.vcov, q.tau2, q.s2w
        y = fit.y[keep]  # metafor's QE.del is computed from mean-centred y (matters without an intercept)
        out["qe"][i] = generalized_q(0.0, y - y.mean(), fit.v[keep], fit.X[keep])
    return out


def _all_rows_vb_diag(fit, d) -> np.ndarray:
    """diag (X' W_(-i) X)^-1 over all k rows with weights 1/(v_j + tau2_(-i)), one row per deletion."""
    k, p = fit.X.shape
    out = np.full((k, p), np.nan)
    if "s1_all" in d:  # intercept only: the sum over all rows at each deletion's tau2 (O(k) in total)
        out[:, 0] = 1.0 / d["s1_all"]
    elif "vb_all_diag" in d:  # meta-regression: from the deletion moments (O(k p^2) in total)
        out[:] = d["vb_all_diag"]
    for i in np.flatnonzero(np.isfinite(d["tau2"]) & ~np.isfinite(out[:, 0])):
        out[i] = np.diag(Wls(1.0 / (fit.v + d["tau2"][i]), fit.X).xtwx_inv())
    return out


@dataclass(frozen=True, repr=False)
class InfluenceResult(PerStudyResult):
    """Influence diagnostics per study (metafor's ``influence()``; names in the project vocabulary).

    Attributes
    ----------
    study : tuple of str
    rstudent, dffits, cooks_distance, cov_ratio : numpy.ndarray
        Externally studentized residual, DFFITS, Cook's distance, covariance ratio (metafor's ``rstudent``,
        ``dffits``, ``cook.d``, ``cov.r``; formulas in :func:`influence`).
    tau2_deleted, q_deleted : numpy.ndarray
        τ² and :math:`Q_E` without the study (``tau2.del``, ``QE.del``).
    hat, weight : numpy.ndarray
        Hat value and weight (percent).
    influential : numpy.ndarray of bool
        metafor's flag (``inf``; the rule is in :func:`influence`).
    dfbetas : numpy.ndarray
        k x p DFBETAS (one column per coefficient).
    """

    study: tuple
    rstudent: np.ndarray
    dffits: np.ndarray
    cooks_distance: np.ndarray
    cov_ratio: np.ndarray
    tau2_deleted: np.ndarray
    q_deleted: np.ndarray
    hat: np.ndarray
    weight: np.ndarray
    influential: np.ndarray
    dfbetas: np.ndarray
    title = "Influence diagnostics"
    #: ``to_dict()`` row keys (the ``influence`` JSON section); DFBETAS are in ``summary_frame()``.
    json_fields = ("study", "rstudent", "dffits", "cooks_distance", "cov_ratio", "tau2_deleted", "q_deleted",
                   "hat", "weight", "influential")


def influence(result) -> InfluenceResult:
    r"""Outlier and influence diagnostics of every study (metafor's ``influence.rma.uni``).

    Each study :math:`i` is deleted in turn and the model refitted with the same estimator, test, level and
    iteration settings (metafor's ``influence(res)$inf`` and ``$dfbs``; names in the project vocabulary:
    ``cook.d`` is ``cooks_distance``, ``cov.r`` ``cov_ratio``, ``tau2.del`` ``tau2_deleted``, ``QE.del``
    ``q_deleted``, ``inf`` ``influential``).

    Parameters
    ----------
    result : MetaResult or MetaRegressionResult
        A fitted model with at least 2 studies (an intercept-only model or a meta-regression).

    Returns
    -------
    InfluenceResult
        One row per study: ``rstudent, dffits, cooks_distance, cov_ratio, tau2_deleted, q_deleted, hat,
        weight`` (percent), ``influential`` (bool) and ``dfbetas`` (k x p, one column per coefficient).
        A deletion whose refit fails leaves NaN in that study's row. With the analyst's weights (``weights=``)
        each deletion is refitted with them, and hat values, DFFITS and DFBETAS use
        :math:`H = X(X^\top A X)^{-1}X^\top A` and :math:`\operatorname{Var}_{(-i)} = B X^\top A D_{(-i)} A X B`
        (:math:`B = (X^\top A X)^{-1}`, :math:`D_{(-i)} = \operatorname{diag}(v + \hat\tau^2_{(-i)})`), and
        ``weight`` is :math:`100\, a_i / \sum a`, as metafor.

    Raises
    ------
    OptionError
        ``result`` is not a fitted model.
    DataError
        Fewer than 2 studies.

    Notes
    -----
    With the full model's weights :math:`w_i = 1/(v_i + \hat\tau^2)`, :math:`W = \operatorname{diag}(w)`,
    coefficients :math:`\hat\beta` and covariance :math:`\operatorname{Var}(\hat\beta)`, and the fit
    without study :math:`i` giving :math:`\hat\beta_{(-i)}`, :math:`\operatorname{Var}_{(-i)}`,
    :math:`\hat\tau^2_{(-i)}` and :math:`s^2_{(-i)}` (1, or the Knapp-Hartung factor with ``test="knha"``),
    :math:`\hat y_{(-i)} = x_i^\top\hat\beta_{(-i)}` (Viechtbauer & Cheung, 2010):

    - hat value :math:`h_i = [X(X^\top W X)^{-1}X^\top W]_{ii}`;
    - externally studentized residual (``rstudent``)

      .. math:: \frac{y_i - \hat y_{(-i)}}{\sqrt{s^2_{(-i)}(v_i + \hat\tau^2_{(-i)}) +
                x_i^\top \operatorname{Var}_{(-i)} x_i}};

    - DFFITS :math:`(x_i^\top\hat\beta - \hat y_{(-i)}) / \sqrt{s^2_{(-i)}\, h_i\,
      (\hat\tau^2_{(-i)} + v_i)}`;
    - Cook's distance :math:`D_i = (\hat\beta - \hat\beta_{(-i)})^\top \operatorname{Var}(\hat\beta)^{-1}
      (\hat\beta - \hat\beta_{(-i)})`;
    - covariance ratio :math:`\det\operatorname{Var}_{(-i)} / \det\operatorname{Var}(\hat\beta)`
      (below 1: deleting the study makes the estimate more precise);
    - ``tau2_deleted`` :math:`\hat\tau^2_{(-i)}` and ``q_deleted`` the residual heterogeneity statistic
      :math:`Q_{E(-i)} = \sum_{j \ne i} (y_j - x_j^\top\tilde\beta_{(-i)})^2 / v_j` (:math:`\tilde\beta` the
      common-effect fit without study i);
    - DFBETAS :math:`(\hat\beta - \hat\beta_{(-i)}) / \sqrt{s^2_{(-i)}\,\operatorname{diag}
      (X^\top W_{(-i)} X)^{-1}}` over all k rows with weights :math:`1/(v_j + \hat\tau^2_{(-i)})`;
    - ``weight`` :math:`100\, w_i / \sum_j w_j`;
    - ``influential`` (metafor's asterisk) when :math:`|\text{DFFITS}_i| > 3\sqrt{p/(k-p)}`, or
      :math:`P(\chi^2_p \le D_i) > 0.5`, or :math:`h_i > 3p/k`, or any :math:`|\text{DFBETAS}_i| > 1`
      (p coefficients, k studies).

    References
    ----------
    Viechtbauer, W., & Cheung, M. W.-L. (2010). Outlier and influence diagnostics for meta-analysis.
    *Research Synthesis Methods, 1*, 112-125. https://doi.org/10.1002/jrsm.11
    Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package. *Journal of Statistical
    Software, 36*(3), 1-48 (``influence.rma.uni``).

    Examples
    --------
    Study 4 lies far from the others and is flagged; every value equals metafor 3.8.1's
    ``influence(rma(yi, vi))`` with ``yi <- c(.10, .30, .35, .65, .25)``, ``vi <- c(.010, .020, .015, .012, .010)``
    (printed ``rstudent`` 3.2702, ``dffits`` 1.8458, ``cook.d`` 1.0149, ``cov.r`` 0.3827, ``hat`` 0.2051):

    >>> from ruptstats.meta import rma
    >>> inf = influence(rma([0.10, 0.30, 0.35, 0.65, 0.25], [0.010, 0.020, 0.015, 0.012, 0.010]))
    >>> [round(float(v[3]), 4) for v in (inf.rstudent, inf.dffits, inf.cooks_distance, inf.cov_ratio, inf.hat)]
    [3.2702, 1.8458, 1.0149, 0.3827, 0.2051]
    >>> inf.influential.tolist()
    [False, False, False, True, False]
    """
    fit = _fit_of(result)
    with np.errstate(divide="ignore", invalid="ignore"):  # undefined diagnostics are NaN (null in JSON)
        return _influence(result, fit)


def _weighted_parts(fit, d):
    r"""With the analyst's weights :math:`a` (metafor's ``weights=``), :math:`B = (X^\top A X)^{-1}` and
    :math:`H = X B X^\top A`: the hat values :math:`h_i = a_i x_i^\top B x_i`, :math:`[H D_{(-i)} H^\top]_{ii}`
    and :math:`\operatorname{diag} B X^\top A D_{(-i)} A X B` with :math:`D_{(-i)} =
    \operatorname{diag}(v + \hat\tau^2_{(-i)})` (metafor's ``influence`` for weighted fits), in O(k p^2)."""
    X, a = fit.X, fit.user_weights
    B = np.linalg.inv((X * a[:, None]).T @ X)
    XB = X @ B
    hat = a * np.einsum("ij,ij->i", XB, X)
    s_v, s_1 = (X * (a * a * fit.v)[:, None]).T @ X, (X * (a * a)[:, None]).T @ X
    t = d["tau2"]
    hdh = np.einsum("ij,jk,ik->i", XB, s_v, XB) + t * np.einsum("ij,jk,ik->i", XB, s_1, XB)
    vb_diag = np.diag(B @ s_v @ B)[None, :] + t[:, None] * np.diag(B @ s_1 @ B)[None, :]
    return hat, hdh, vb_diag


def _influence(result, fit) -> InfluenceResult:
    k, p = fit.X.shape
    X = fit.X
    if fit.user_weights is None:
        w = fit.weights
        hat = Wls(w, X).lev.copy()  # diag of X (X'WX)^-1 X'W, without the k x k matrix
        d = _deletions(fit)
        hdh, vb_diag = hat * (d["tau2"] + fit.v), _all_rows_vb_diag(fit, d)
    else:  # the analyst's weights: metafor refits with them and uses H = X (X'AX)^-1 X'A
        from .residuals import _deleted

        w = fit.user_weights
        d = _deleted(fit)
        hat, hdh, vb_diag = _weighted_parts(fit, d)
    hat[hat > 1 - 10 * np.finfo(float).eps] = 1.0
    pred_full = X @ fit.beta
    delpred = np.einsum("ij,ij->i", X, d["beta"])
    vdelpred = np.einsum("ij,ijk,ik->i", X, d["vb"], X)
    dffits = (pred_full - delpred) / np.sqrt(d["s2w"] * hdh)
    dfb = fit.beta[None, :] - d["beta"]
    dfbetas = dfb / np.sqrt(d["s2w"][:, None] * vb_diag)
    try:
        vb_inv = np.linalg.inv(fit.vcov)
    except np.linalg.LinAlgError:  # a Knapp-Hartung covariance of 0 (an exact fit): Cook's distance is undefined
        vb_inv = np.full_like(fit.vcov, np.nan)
    cook = np.einsum("ij,jk,ik->i", dfb, vb_inv, dfb)
    cov_ratio = np.linalg.det(d["vb"]) / np.linalg.det(fit.vcov)
    resid = fit.y - delpred
    resid[np.abs(resid) < 100 * np.finfo(float).eps] = 0.0
    rstudent = resid / np.sqrt(fit.v * d["s2w"] + vdelpred + d["tau2"] * d["s2w"])
    flag = ((np.abs(dffits) > 3 * np.sqrt(p / (k - p))) | (chi2_cdf(cook, p) > 0.5) | (hat > 3 * p / k)
            | (np.abs(dfbetas) > 1).any(axis=1))
    flag &= np.isfinite(cook)
    study = tuple(getattr(result, "study", ())) or tuple(str(i + 1) for i in range(k))
    return InfluenceResult(study=study, rstudent=rstudent, dffits=dffits, cooks_distance=cook,
                           cov_ratio=cov_ratio, tau2_deleted=d["tau2"], q_deleted=d["qe"], hat=hat,
                           weight=100.0 * w / w.sum(), influential=flag, dfbetas=dfbetas)


@dataclass(frozen=True, repr=False)
class CumulativeResult(LeaveOneOutResult):
    """Cumulative meta-analysis: row j is the model of the first j studies in the given order.

    The attributes are those of :class:`LeaveOneOutResult`; ``study`` is the study added at each step and
    heterogeneity is 0 in the first row.
    """

    title = "Cumulative meta-analysis"
    #: ``to_dict()`` row keys (the ``cumulative`` JSON section); every column is in ``summary_frame()``.
    json_fields = ("study", "estimate", "ci_lower", "ci_upper", "tau2")


def cumulative(result, order=None, *, decreasing: bool = False) -> CumulativeResult:
    """Add the studies one at a time in the order of ``order`` (metafor's ``cumul``).

    Parameters
    ----------
    result : MetaResult
        An intercept-only model.
    order : array_like, optional
        One sortable value per study (e.g. publication year); ties keep the input order. Default: input order.
    decreasing : bool, default False
        Sort ``order`` from the largest value.

    Notes
    -----
    With ``test="knha"`` the first step (k = 1, no residual df) reports the z test, as metafor's ``cumul()``
    does: the estimate is the study's effect, its SE :math:`\\sqrt{v_1}`, Q = 0 and p(Q) = 1.
    """
    from dataclasses import replace

    fit = _fit_of(result)
    if fit.X.shape[1] != 1:
        raise OptionError("cumulative needs an intercept-only model")
    key = np.arange(fit.k) if order is None else pd.Series(list(order))
    if order is not None:
        if len(key) != fit.k:
            raise DataError(f"order has {len(key)} values for {fit.k} studies")
        if key.isna().any():
            raise DataError(f"order has a missing value for study '{result.study[int(np.flatnonzero(key.isna())[0])]}'")
        key = key.to_numpy()
    idx = np.argsort(-key if decreasing else key, kind="stable")
    # steps with no residual df (k <= p) cannot use Knapp-Hartung: z test, as metafor 3.8.1's cumul() reports
    early = replace(fit, test="z") if fit.test == "knha" else fit
    rows = [_model_rows(early if j + 1 <= fit.X.shape[1] else fit, idx[: j + 1]) for j in range(fit.k)]
    cols = {c: np.array([r[c] for r in rows], dtype=float) for c in rows[0]}
    return CumulativeResult(study=tuple(result.study[i] for i in idx), **cols)


@dataclass(frozen=True, repr=False)
class BaujatResult(PerStudyResult):
    r"""Baujat plot coordinates per study (see :func:`baujat` for the formulas).

    Attributes
    ----------
    study : tuple of str
    x : numpy.ndarray
        Squared Pearson residual :math:`(y_i - x_i^\top\hat\beta)^2 / (v_i + \hat\tau^2)`: the study's
        contribution to Q.
    y : numpy.ndarray
        Influence on the fitted (pooled) value: its squared standardized change when the study is deleted.
    """

    study: tuple
    x: np.ndarray
    y: np.ndarray
    title = "Baujat coordinates"


def baujat(result) -> BaujatResult:
    r"""Baujat plot coordinates: each study's contribution to heterogeneity and influence on the result.

    The values metafor's ``baujat(res)`` plots (draw them with :func:`ruptstats.plotting.baujat_plot`).

    Parameters
    ----------
    result : MetaResult or MetaRegressionResult
        A fitted model with at least 2 studies.

    Returns
    -------
    BaujatResult
        ``study``, ``x`` (contribution to Q) and ``y`` (influence on the fitted value), one row per study.

    Raises
    ------
    OptionError
        ``result`` is not a fitted model.
    DataError
        Fewer than 2 studies.

    Notes
    -----
    With the full model's fitted value :math:`x_i^\top\hat\beta` and the fit without study :math:`i`
    (:math:`\hat\beta_{(-i)}`, :math:`\operatorname{Var}_{(-i)}`):

    .. math:: x_i = \frac{(y_i - x_i^\top\hat\beta)^2}{v_i + \hat\tau^2}, \qquad
              y_i = \frac{(x_i^\top\hat\beta_{(-i)} - x_i^\top\hat\beta)^2}{x_i^\top
              \operatorname{Var}_{(-i)}\, x_i}.

    :math:`x_i` is the squared Pearson residual, study i's term of the heterogeneity statistic Q
    (with :math:`\hat\tau^2 = 0` for the common-effect model, the terms sum to Q); :math:`y_i` is the squared
    standardized change of the fitted (pooled) value when study i is deleted. Studies at the top right both
    add heterogeneity and move the result.

    References
    ----------
    Baujat, B., Mahé, C., Pignon, J.-P., & Hill, C. (2002). A graphical method for exploring heterogeneity in
    meta-analyses: application to a meta-analysis of 65 trials. *Statistics in Medicine, 21*, 2641-2652.
    https://doi.org/10.1002/sim.1221

    Examples
    --------
    metafor 3.8.1's ``baujat(rma(yi, vi))`` with ``yi <- c(.10, .30, .35, .65, .25)``,
    ``vi <- c(.010, .020, .015, .012, .010)`` prints x = 1.2556, 0.0149, 0.0108, 2.4025, 0.1460 and
    y = 0.4399, 0.0033, 0.0015, 2.6522, 0.0327:

    >>> from ruptstats.meta import rma
    >>> b = baujat(rma([0.10, 0.30, 0.35, 0.65, 0.25], [0.010, 0.020, 0.015, 0.012, 0.010]))
    >>> [round(float(v), 4) for v in b.x], [round(float(v), 4) for v in b.y]
    ([1.2556, 0.0149, 0.0108, 2.4025, 0.146], [0.4399, 0.0033, 0.0015, 2.6522, 0.0327])
    """
    fit = _fit_of(result)
    d = _deletions(fit)
    pred = fit.X @ fit.beta
    delpred = np.einsum("ij,ij->i", fit.X, d["beta"])
    vdelpred = np.einsum("ij,ijk,ik->i", fit.X, d["vb"], fit.X)
    x = (fit.y - pred) ** 2 / (fit.tau2.tau2 + fit.v)
    return BaujatResult(study=tuple(result.study), x=x, y=(delpred - pred) ** 2 / vdelpred)
