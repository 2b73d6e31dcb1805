r"""Small-study effects and publication bias: Egger's regression test, Begg and Mazumdar's rank correlation,
fail-safe N (Rosenthal, Orwin) and PET-PEESE. Trim-and-fill is in :mod:`ruptstats.meta.trimfill`, the
selection model in :mod:`ruptstats.meta.selection`.

Each function takes a fitted :class:`~ruptstats.meta.MetaResult` (only its ``yi`` and ``vi`` are used) and
returns a small frozen result with ``to_dict()``, ``summary_frame()`` and ``summary()``.

References
----------
Begg, C. B., & Mazumdar, M. (1994). Operating characteristics of a rank correlation test for publication bias.
*Biometrics, 50*, 1088-1101.
Egger, M., Davey Smith, G., Schneider, M., & Minder, C. (1997). Bias in meta-analysis detected by a simple,
graphical test. *BMJ, 315*, 629-634.
Orwin, R. G. (1983). A fail-safe N for effect size in meta-analysis. *Journal of Educational Statistics, 8*,
157-159.
Rosenthal, R. (1979). The file drawer problem and tolerance for null results. *Psychological Bulletin, 86*,
638-641.
Stanley, T. D., & Doucouliagos, H. (2014). Meta-regression approximations to reduce publication selection
bias. *Research Synthesis Methods, 5*, 60-78.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._checks import check_number
from .._dist import norm_cdf, norm_ppf, norm_sf, t_ppf, t_sf
from ..exceptions import DataError, OptionError
from ._small import SmallResult

__all__ = ["EggerResult", "RankTestResult", "FailSafeN", "PetPeeseResult", "egger_test", "regtest", "rank_test",
           "fail_safe_n", "pet_peese", "REGTEST_MODELS", "REGTEST_PREDICTORS"]

#: ``model`` values of :func:`regtest` (metafor's): the meta-regression, or weighted least squares.
REGTEST_MODELS = ("rma", "lm")
#: ``predictor`` values of :func:`regtest` (metafor's): SE, variance, sample size, 1/n, 1/sqrt(n).
REGTEST_PREDICTORS = ("sei", "vi", "ni", "ninv", "sqrtninv")


def _wls(y, v, x):
    """Weighted least squares of y on [1, x] with weights 1/v, as R's ``lm(y ~ x, weights = 1/v)``.

    Returns coefficients, their SEs (scaled by the residual variance) and the residual df.
    """
    k = y.size
    if k < 3:
        raise DataError(f"the regression test needs at least 3 studies, got {k}")
    if np.ptp(x) <= 1e-12 * np.max(np.abs(x)):  # a constant predictor: the slope is not identified
        raise DataError("not computable: every study has the same standard error (the same precision), so "
                        "the regression on the standard error has no slope to estimate")
    X = np.column_stack([np.ones(k), x])
    w = 1.0 / v
    XtWX = X.T @ (X * w[:, None])
    beta = np.linalg.solve(XtWX, X.T @ (w * y))
    r = y - X @ beta
    sigma2 = float(np.sum(w * r * r)) / (k - 2)
    se = np.sqrt(np.diag(np.linalg.inv(XtWX)) * sigma2)
    return beta, se, k - 2


def _wls_full(y, v, X):
    """R's ``lm(y ~ X - 1, weights = 1/v)``: coefficients, SEs with the residual variance, residual df."""
    k, p = X.shape
    w = 1.0 / v
    XtWX = X.T @ (X * w[:, None])
    beta = np.linalg.solve(XtWX, X.T @ (w * y))
    r = y - X @ beta
    sigma2 = float(np.sum(w * r * r)) / (k - p)
    return beta, np.sqrt(np.diag(np.linalg.inv(XtWX)) * sigma2), k - p


@dataclass(frozen=True)
class EggerResult(SmallResult):
    """Egger's regression test (metafor's ``regtest``).

    Attributes
    ----------
    intercept, se, statistic, p : float
        The asymmetry coefficient (the coefficient of the predictor: with ``predictor="sei"`` the slope on
        :math:`\\sqrt{v_i}`, which is the intercept of Egger's regression of :math:`y_i/\\sqrt{v_i}` on
        :math:`1/\\sqrt{v_i}`), its SE, z or t statistic and two-sided p-value (metafor's ``zval``, ``pval``).
    df : int or None
        Residual df of the t test (``model="lm"``: k - p - 1; ``model="rma"`` with ``test="knha"`` the same);
        None for a z test.
    limit_estimate : float or None
        The effect as the predictor goes to 0 (the PET estimate with ``sei``), for intercept-only models and
        the predictors ``sei``, ``vi``, ``ninv``, ``sqrtninv`` (metafor's ``est``); else None.
    model, predictor : str
        Which test ran: ``"lm"`` or ``"rma"``; ``"sei"``, ``"vi"``, ``"ni"``, ``"ninv"`` or ``"sqrtninv"``.
    limit_ci_lower, limit_ci_upper : float or None
        Confidence interval of ``limit_estimate`` (metafor's ``ci.lb``, ``ci.ub``).
    tau2 : float or None
        Residual τ² of the ``model="rma"`` meta-regression; None for ``"lm"``.
    """

    intercept: float
    se: float
    statistic: float
    p: float
    df: int | None
    limit_estimate: float | None
    model: str = "lm"
    predictor: str = "sei"
    limit_ci_lower: float | None = None
    limit_ci_upper: float | None = None
    tau2: float | None = None
    title = "Egger's regression test for funnel plot asymmetry"
    #: ``to_dict()`` keys (the ``bias.egger`` JSON section); ``limit_estimate`` is the PET estimate, written
    #: by :class:`PetPeeseResult`.
    json_fields = ("intercept", "se", "statistic", "p", "df", "model", "predictor")

    def summary_frame(self):
        """One row with every scalar field that has a value (``tau2`` only for ``model="rma"``, the limit
        estimate only where it is defined)."""
        frame = super().summary_frame()
        return frame[[c for c in frame.columns if frame[c].notna().all()]]


def egger_test(result) -> EggerResult:
    r"""Egger's regression test, metafor's ``regtest(res, model = "lm", predictor = "sei")``.

    Notes
    -----
    Weighted least squares :math:`y_i = b_0 + b_1 \sqrt{v_i} + e_i` with weights :math:`1/v_i` and a
    multiplicative residual variance; :math:`t = \hat b_1/\operatorname{SE}(\hat b_1) \sim t_{k-2}`.

    Examples
    --------
    >>> from ruptstats.meta import rma
    >>> res = rma([0.1, 0.3, 0.35, 0.25, 0.6], [0.01, 0.02, 0.015, 0.012, 0.04])
    >>> round(egger_test(res).intercept, 6)  # metafor: coef(regtest(res, model = "lm")$fit)["Xsei"]
    4.597138
    """
    beta, se, df = _wls(result.yi, result.vi, np.sqrt(result.vi))
    stat = beta[1] / se[1]
    crit = float(t_ppf(1.0 - (1.0 - result.level) / 2.0, df))
    return EggerResult(intercept=float(beta[1]), se=float(se[1]), statistic=float(stat),
                       p=float(2.0 * t_sf(abs(stat), df)), df=int(df), limit_estimate=float(beta[0]),
                       limit_ci_lower=float(beta[0] - crit * se[0]), limit_ci_upper=float(beta[0] + crit * se[0]))


def _predictor(result, predictor, ni):
    v = np.asarray(result.vi, dtype=float)
    if predictor in ("sei", "vi"):
        return np.sqrt(v) if predictor == "sei" else v
    n = getattr(result, "ni", None) if ni is None else ni
    if n is None:
        raise OptionError(f"predictor={predictor!r} needs the sample sizes: fit the model with ni= (or give ni= "
                          "to regtest)")
    n = np.asarray(n, dtype=float)
    if n.shape != v.shape or not np.all(np.isfinite(n) & (n > 0)):
        raise DataError(f"ni must hold {v.size} positive sample sizes, one per study of the model")
    return {"ni": n, "ninv": 1.0 / n, "sqrtninv": 1.0 / np.sqrt(n)}[predictor]


def regtest(result, *, model: str = "rma", predictor: str = "sei", ni=None) -> EggerResult:
    r"""Regression test for funnel plot asymmetry, metafor's ``regtest(res, model, predictor)``.

    Parameters
    ----------
    result : MetaResult or MetaRegressionResult
        The fitted model; its moderators, method, test and level are kept.
    model : {"rma", "lm"}, default "rma"
        ``"rma"`` (metafor's default): the model refitted with the predictor as an added moderator (a
        mixed-effects meta-regression with the model's τ² estimator and test). ``"lm"``: weighted least squares
        with weights :math:`1/v_i` and a multiplicative dispersion (Egger et al., 1997; :func:`egger_test`).
    predictor : {"sei", "vi", "ni", "ninv", "sqrtninv"}, default "sei"
        :math:`\sqrt{v_i}`, :math:`v_i`, :math:`n_i`, :math:`1/n_i` or :math:`1/\sqrt{n_i}`.
    ni : array_like, optional
        Sample sizes per study when the result does not carry them (``ni=`` of :func:`rma`).

    Returns
    -------
    EggerResult
        ``intercept`` is the coefficient of the predictor (the test of asymmetry).

    Raises
    ------
    OptionError
        Unknown ``model`` or ``predictor``; a sample-size predictor without sample sizes.
    DataError
        Too few studies, or a predictor that is constant or collinear with the moderators.

    Notes
    -----
    With the predictor :math:`x_i` added to the model matrix :math:`X`, the test is the z (or t) test of its
    coefficient. For an intercept-only model and ``sei``, ``vi``, ``ninv`` or ``sqrtninv`` the intercept is
    the estimate as :math:`x_i \to 0` (``limit_estimate``, with its CI).

    References
    ----------
    Sterne, J. A. C., & Egger, M. (2005). Regression methods to detect publication and other bias in
    meta-analysis. In H. R. Rothstein et al. (Eds.), *Publication bias in meta-analysis* (pp. 99-110). Wiley.

    Examples
    --------
    >>> from ruptstats.meta import rma
    >>> res = rma([0.1, 0.3, 0.35, 0.25, 0.6], [0.01, 0.02, 0.015, 0.012, 0.04])
    >>> round(regtest(res, model="lm").intercept, 6)  # metafor: coef(regtest(res, model = "lm")$fit)["Xsei"]
    4.597138
    """
    from .._checks import check_choice
    from .fitting import fit_model

    model = check_choice("model", model, REGTEST_MODELS)
    predictor = check_choice("predictor", predictor, REGTEST_PREDICTORS)
    fit = getattr(result, "fit", None)
    if fit is None:
        raise OptionError(f"regtest needs a MetaResult or MetaRegressionResult, got {type(result).__name__}")
    y, v = np.asarray(fit.y, float), np.asarray(fit.v, float)
    X = np.column_stack([fit.X, _predictor(result, predictor, ni)])
    k, p = X.shape
    if k <= p:
        raise DataError(f"the regression test needs at least {p + 1} studies for {p} coefficients, got {k}")
    if np.linalg.matrix_rank(X) < p:
        raise DataError(f"not computable: the predictor {predictor!r} is constant or collinear with the "
                        "moderators, so its coefficient is not identified")
    limit = p == 2 and predictor != "ni" and np.allclose(fit.X[:, 0], 1.0)
    if model == "lm":
        beta, se, df = _wls_full(y, v, X)
        stat = beta / se
        crit = float(t_ppf(1.0 - (1.0 - fit.level) / 2.0, df))
        lo, hi = beta[0] - crit * se[0], beta[0] + crit * se[0]
        pv, tau2 = 2.0 * t_sf(abs(stat[-1]), df), None
    else:
        f = fit_model(y, v, X, method=fit.method, test=fit.test, level=fit.level, control=fit.control,
                      weights=fit.user_weights)  # the analyst's weights kept, as metafor's regtest
        beta, se, stat, df = f.beta, f.se, f.statistic, f.df
        lo, hi, pv, tau2 = f.ci_lower[0], f.ci_upper[0], f.p[-1], float(f.tau2.tau2)
    return EggerResult(intercept=float(beta[-1]), se=float(se[-1]), statistic=float(stat[-1]), p=float(pv),
                       df=None if df is None else int(df), limit_estimate=float(beta[0]) if limit else None,
                       model=model, predictor=predictor, limit_ci_lower=float(lo) if limit else None,
                       limit_ci_upper=float(hi) if limit else None, tau2=tau2)


@dataclass(frozen=True)
class RankTestResult(SmallResult):
    """Begg and Mazumdar's rank correlation test: Kendall's ``tau`` (tau-b) and its two-sided ``p``;
    ``exact`` says whether p is exact (no ties) or from the normal approximation."""

    tau: float
    p: float
    exact: bool
    title = "Rank correlation test for funnel plot asymmetry"


def _kendall_counts(a, b):
    """Concordant-minus-discordant count S and the tie-group sizes of a and b."""
    da = np.sign(a[:, None] - a[None, :])
    db = np.sign(b[:, None] - b[None, :])
    s = float(np.sum(np.triu(da * db, 1)))
    ta = np.unique(a, return_counts=True)[1]
    tb = np.unique(b, return_counts=True)[1]
    return s, ta[ta > 1].astype(float), tb[tb > 1].astype(float)


def _kendall_cdf(q: int, n: int) -> float:
    """P(T <= q) for the number T of concordant pairs among n untied pairs (R's ``pkendall``)."""
    dist = np.array([1.0])
    for j in range(1, n + 1):  # product of (1 + x + ... + x^(j-1)) / j
        dist = np.convolve(dist, np.ones(j) / j)
    return float(dist[: q + 1].sum()) if q >= 0 else 0.0


def rank_test(result) -> RankTestResult:
    r"""Begg and Mazumdar's rank correlation test, metafor's ``ranktest()``.

    Notes
    -----
    Kendall's :math:`\tau_b` between the standardised deviates
    :math:`(y_i - \hat\theta)/\sqrt{v_i - 1/\sum_j w_j}` (:math:`\hat\theta` the common-effect estimate,
    :math:`w_j = 1/v_j`) and :math:`v_i`. As R's ``cor.test(method = "kendall", exact = TRUE)``: the p-value is
    exact from the distribution of the number of concordant pairs when there are no ties, else from the normal
    approximation with the tie-corrected variance of :math:`S` (no continuity correction).
    """
    y, v = result.yi, result.vi
    n = y.size
    if n < 3:
        raise DataError(f"the rank correlation test needs at least 3 studies, got {n}")
    w = 1.0 / v
    theta = np.sum(w * y) / np.sum(w)
    with np.errstate(divide="ignore", invalid="ignore"):
        ystar = (y - theta) / np.sqrt(v - 1.0 / np.sum(w))
    if not np.isfinite(ystar).all():
        row = int(np.flatnonzero(~np.isfinite(ystar))[0]) + 1
        raise DataError("the rank correlation test is not computable: a standardized deviate is undefined "
                        "(the study carries nearly all the weight, so vi - 1/sum(1/vi) is not above 0)",
                        row=row, column="vi")
    s, ta, tb = _kendall_counts(ystar, v)
    t0 = n * (n - 1) / 2.0
    t1, t2 = np.sum(ta * (ta - 1)) / 2.0, np.sum(tb * (tb - 1)) / 2.0
    tau = s / math.sqrt((t0 - t1) * (t0 - t2))
    if ta.size == 0 and tb.size == 0:
        q = int(round((tau + 1) * n * (n - 1) / 4))
        pv = 1.0 - _kendall_cdf(q - 1, n) if q > n * (n - 1) / 4 else _kendall_cdf(q, n)
        return RankTestResult(tau=float(tau), p=float(min(2 * pv, 1.0)), exact=True)
    var_s = ((n * (n - 1) * (2 * n + 5) - np.sum(ta * (ta - 1) * (2 * ta + 5)) - np.sum(tb * (tb - 1) * (2 * tb + 5)))
             / 18 + np.sum(ta * (ta - 1)) * np.sum(tb * (tb - 1)) / (2 * n * (n - 1))
             + np.sum(ta * (ta - 1) * (ta - 2)) * np.sum(tb * (tb - 1) * (tb - 2)) / (9 * n * (n - 1) * (n - 2)))
    z = s / math.sqrt(var_s)
    p = 2 * min(float(norm_cdf(z)), float(norm_sf(z)))
    return RankTestResult(tau=float(tau), p=float(p), exact=False)


@dataclass(frozen=True)
class FailSafeN(SmallResult):
    """Fail-safe numbers: ``rosenthal`` (Stouffer, one-sided ``alpha``) and ``orwin`` (studies averaging 0
    needed to bring the unweighted mean effect down to ``orwin_target``)."""

    rosenthal: float
    orwin: float
    alpha: float
    orwin_target: float
    title = "Fail-safe N"


def _fsn_round(x: float) -> float:
    """metafor's rounding of fail-safe numbers: up, unless within sqrt(eps) of a whole number."""
    if math.isinf(x):
        return x
    return float(math.ceil(x)) if abs(x - round(x)) >= np.finfo(float).eps ** 0.5 else float(round(x))


def fail_safe_n(result, *, alpha: float = 0.05, target: float | None = None) -> FailSafeN:
    r"""Rosenthal's and Orwin's fail-safe N, metafor's ``fsn(type = "Rosenthal")`` and ``fsn(type = "Orwin")``.

    Parameters
    ----------
    result : MetaResult
    alpha : float, default 0.05
        One-sided significance level of Rosenthal's method.
    target : float, optional
        Orwin's target mean effect (default half the unweighted mean effect, metafor's default).

    Notes
    -----
    Rosenthal: :math:`N = \max(0, k (\bar z/z_{1-\alpha})^2 - k)` with
    :math:`\bar z = |\sum_i y_i/\sqrt{v_i}|/\sqrt k`. Orwin: :math:`N = \max(0, k(\bar y - y_t)/y_t)` with the
    unweighted mean :math:`\bar y` and target :math:`y_t` (sign matched to :math:`\bar y`). Both are rounded up.

    Examples
    --------
    >>> from ruptstats.meta import rma
    >>> f = fail_safe_n(rma([0.2, 0.3, 0.4], [0.01, 0.02, 0.015]))
    >>> f.rosenthal, f.orwin  # metafor: fsn(yi, vi)$fsnum, fsn(yi, vi, type = "Orwin")$fsnum
    (18.0, 3.0)
    """
    alpha = check_number("alpha", alpha, low=0, high=1, low_open=True, high_open=True)
    y, v = result.yi, result.vi
    k = y.size
    zbar = abs(np.sum(y / np.sqrt(v))) / math.sqrt(k)
    rosenthal = max(0.0, k * (zbar / float(norm_ppf(1.0 - alpha))) ** 2 - k)
    mean = float(np.mean(y))
    tgt = mean / 2.0 if target is None else float(target)
    if tgt == 0:
        orwin = math.inf
    else:
        if math.copysign(1.0, tgt) != math.copysign(1.0, mean):
            tgt = -tgt
        orwin = max(0.0, k * (mean - tgt) / tgt)
    return FailSafeN(rosenthal=_fsn_round(rosenthal), orwin=_fsn_round(orwin), alpha=alpha, orwin_target=tgt)


@dataclass(frozen=True)
class PetPeeseResult(SmallResult):
    """PET and PEESE estimates and the conditional choice.

    Attributes
    ----------
    pet_estimate, pet_se, pet_statistic, pet_p : float
        Intercept of the WLS regression of :math:`y_i` on :math:`\\sqrt{v_i}` (weights :math:`1/v_i`), its SE,
        t statistic and two-sided p-value (df = k - 2).
    peese_estimate, peese_se, peese_statistic, peese_p : float
        The same for the regression on :math:`v_i`.
    df : int
        k - 2.
    alpha : float
        One-tailed level of the PET test that decides.
    chosen : str
        ``"PEESE"`` when PET's intercept differs from 0 (one-tailed at ``alpha`` in the direction of its sign,
        i.e. two-sided p < 2 alpha), else ``"PET"``.
    estimate, se, ci_lower, ci_upper : float
        The chosen estimate, its SE and t-based confidence interval at ``level``.
    """

    pet_estimate: float
    pet_se: float
    pet_statistic: float
    pet_p: float
    peese_estimate: float
    peese_se: float
    peese_statistic: float
    peese_p: float
    df: int
    alpha: float
    chosen: str
    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    title = "PET-PEESE"


def pet_peese(result, *, alpha: float = 0.05, level: float = 0.95) -> PetPeeseResult:
    r"""PET-PEESE (Stanley & Doucouliagos, 2014): precision-effect test and estimate with standard error.

    Notes
    -----
    PET: :math:`y_i = b_0 + b_1\sqrt{v_i}`; PEESE: :math:`y_i = b_0 + b_1 v_i`; both by WLS with weights
    :math:`1/v_i` and a multiplicative residual variance (R's ``lm(yi ~ sqrt(vi), weights = 1/vi)``). If PET's
    :math:`b_0` is significant (one-tailed, ``alpha``), PEESE's :math:`b_0` estimates the effect, else PET's.
    """
    from .._checks import check_level

    alpha = check_number("alpha", alpha, low=0, high=0.5, low_open=True)
    level = check_level(level)
    y, v = result.yi, result.vi
    out = {}
    for name, x in (("pet", np.sqrt(v)), ("peese", v)):
        beta, se, df = _wls(y, v, x)
        stat = beta[0] / se[0]
        out[name] = (float(beta[0]), float(se[0]), float(stat), float(2.0 * t_sf(abs(stat), df)))
    chosen = "PEESE" if out["pet"][3] < 2 * alpha else "PET"
    est, se = out[chosen.lower()][:2]
    crit = float(t_ppf(1.0 - (1.0 - level) / 2.0, df))
    return PetPeeseResult(*out["pet"], *out["peese"], df=int(df), alpha=alpha, chosen=chosen, estimate=est, se=se,
                          ci_lower=est - crit * se, ci_upper=est + crit * se)
