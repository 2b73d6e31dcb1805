r"""Conversions between effect-size metrics and from reported test statistics, each with its variance.

Every function takes array_like inputs (one value per study) and returns ``(y, v)``: the converted effect
size and its sampling variance. Inputs are checked; a bad value raises
:class:`~ruptstats.exceptions.DataError` naming its 1-based position (``row``) and the argument (``column``).

Notation: ``d`` a standardised mean difference, ``r`` a correlation, ``n1``/``n2`` group sizes,
``n`` a total sample size. Statistics that carry no direction (:math:`F`, :math:`\chi^2`, two-sided
:math:`p`) take ``sign`` (+1 or -1), the direction of the effect, which the study report states.

References
----------
Borenstein, M., Hedges, L. V., Higgins, J. P. T., & Rothstein, H. R. (2009). *Introduction to
meta-analysis*. Wiley. Chapter 4 (pp. 21-32: d from means and from t, matched groups), chapter 5 (pp. 33-39:
ratios and their confidence intervals), chapter 6 (pp. 41-43: r and Fisher's z), chapter 7 (pp. 45-49:
converting among effect sizes).
Lipsey, M. W., & Wilson, D. B. (2001). *Practical meta-analysis*. Sage. Appendix B (effect sizes from
t, F, chi-square and p).
Rosenthal, R. (1994). Parametric measures of effect size. In H. Cooper & L. V. Hedges (Eds.), *The handbook
of research synthesis* (pp. 231-244). Russell Sage Foundation.
"""

from __future__ import annotations

import warnings

import numpy as np
from .._dist import norm_ppf
from ..exceptions import OptionError

from .._checks import check_choice, check_level
from ..intake.cells import check_present, check_rule, check_sample_size, raise_first

__all__ = ["d_to_r", "r_to_d", "log_or_to_d", "d_to_log_or", "t_to_d", "paired_t_to_d", "f_to_d", "f_to_r",
           "chi2_to_r", "p_to_z", "p_to_r", "var_r", "var_d", "ci_to_se", "ci_to_yi_vi"]

_SQRT3_PI = np.sqrt(3.0) / np.pi


def _arr(value, name, rule=None):
    x = np.atleast_1d(np.asarray(value, dtype=float))
    check_present(x, column=name)
    check_rule(x, "any" if rule is None else rule, column=name)
    return x


def _n(value, name, minimum):
    x = np.atleast_1d(np.asarray(value, dtype=float))
    check_present(x, column=name)
    check_sample_size(x, minimum, column=name)
    return x


def var_r(r, n):
    r"""Large-sample variance of a correlation, :math:`v_r = (1 - r^2)^2 / (n - 1)`.

    Parameters
    ----------
    r : array_like
        Correlations in (-1, 1).
    n : array_like
        Sample sizes (whole numbers >= 2).

    Returns
    -------
    numpy.ndarray
        The variance of r.

    Raises
    ------
    DataError
        A missing or out-of-range value; ``row`` is its 1-based position, ``column`` the argument name.

    References
    ----------
    Borenstein et al. (2009), ch. 6, p. 41. metafor ``escalc(measure = "COR")``.

    >>> float(var_r(0.5, 51)[0])
    0.01125
    """
    r = _arr(r, "r", "r")
    n = _n(n, "n", 2)
    return (1.0 - r**2) ** 2 / (n - 1.0)


def var_d(d, n1, n2):
    r"""Variance of a standardised mean difference from two independent groups.

    .. math:: v_d = \frac{n_1 + n_2}{n_1 n_2} + \frac{d^2}{2(n_1 + n_2)}

    Parameters
    ----------
    d : array_like
        Standardised mean differences.
    n1, n2 : array_like
        Group sizes (whole numbers >= 2).

    Returns
    -------
    numpy.ndarray
        The variance of d.

    Raises
    ------
    DataError
        A missing or out-of-range value; ``row`` is its 1-based position, ``column`` the argument name.

    References
    ----------
    Borenstein et al. (2009), ch. 4, pp. 25-28.

    >>> round(float(var_d(0.5970, 50, 50)[0]), 4)
    0.0418
    """
    d = _arr(d, "d")
    n1, n2 = _n(n1, "n1", 2), _n(n2, "n2", 2)
    return (n1 + n2) / (n1 * n2) + d**2 / (2.0 * (n1 + n2))


def d_to_r(d, vd, n1, n2):
    r"""Standardised mean difference to a (point-biserial) correlation.

    .. math:: a = \frac{(n_1 + n_2)^2}{n_1 n_2}, \qquad r = \frac{d}{\sqrt{d^2 + a}}, \qquad
              v_r = \frac{a^2 v_d}{(d^2 + a)^3}

    Parameters
    ----------
    d, vd : array_like
        Standardised mean differences and their variances (> 0).
    n1, n2 : array_like
        Group sizes (whole numbers >= 1); with unknown sizes, equal groups give :math:`a = 4`.

    Returns
    -------
    r, vr : numpy.ndarray
        The point-biserial correlation and its variance.

    Raises
    ------
    DataError
        A missing or out-of-range value; ``row`` is its 1-based position, ``column`` the argument name.

    References
    ----------
    Borenstein et al. (2009), ch. 7, pp. 48-49.

    Examples
    --------
    Borenstein et al. (2009), ch. 7 (worked example, pp. 48-49): d = 1.1547, v_d = 0.0550, n1 = n2 = 50 give r = 0.5000,
    v_r = 0.0058:

    >>> r, vr = d_to_r(1.1547, 0.0550, 50, 50)
    >>> round(float(r[0]), 4), round(float(vr[0]), 4)
    (0.5, 0.0058)
    """
    d, vd = _arr(d, "d"), _arr(vd, "vd", "positive")
    n1, n2 = _n(n1, "n1", 1), _n(n2, "n2", 1)
    a = (n1 + n2) ** 2 / (n1 * n2)
    return d / np.sqrt(d**2 + a), a**2 * vd / (d**2 + a) ** 3


def r_to_d(r, vr):
    r"""Correlation to a standardised mean difference.

    .. math:: d = \frac{2r}{\sqrt{1 - r^2}}, \qquad v_d = \frac{4 v_r}{(1 - r^2)^3}

    Parameters
    ----------
    r, vr : array_like
        Correlations in (-1, 1) and their variances (> 0).

    Returns
    -------
    d, vd : numpy.ndarray
        The standardised mean difference and its variance.

    Raises
    ------
    DataError
        A missing or out-of-range value; ``row`` is its 1-based position, ``column`` the argument name.

    References
    ----------
    Borenstein et al. (2009), ch. 7, p. 48.

    Examples
    --------
    Borenstein et al. (2009), ch. 7 (worked example, p. 48): r = 0.50, v_r = 0.0058 give d = 1.1547, v_d = 0.0550:

    >>> d, vd = r_to_d(0.5, 0.0058)
    >>> round(float(d[0]), 4), round(float(vd[0]), 4)
    (1.1547, 0.055)
    """
    r, vr = _arr(r, "r", "r"), _arr(vr, "vr", "positive")
    return 2.0 * r / np.sqrt(1.0 - r**2), 4.0 * vr / (1.0 - r**2) ** 3


def log_or_to_d(log_or, v_log_or):
    r"""Log odds ratio to a standardised mean difference (logistic-distribution method).

    .. math:: d = \ln(OR)\,\frac{\sqrt3}{\pi}, \qquad v_d = v_{\ln OR}\,\frac{3}{\pi^2}

    Parameters
    ----------
    log_or, v_log_or : array_like
        Log odds ratios and their variances (> 0).

    Returns
    -------
    d, vd : numpy.ndarray
        The standardised mean difference and its variance.

    Raises
    ------
    DataError
        A missing or out-of-range value; ``row`` is its 1-based position, ``column`` the argument name.

    References
    ----------
    Hasselblad, V., & Hedges, L. V. (1995). Meta-analysis of screening and diagnostic tests.
    *Psychological Bulletin, 117*, 167-178. Borenstein et al. (2009), ch. 7, pp. 46-47.
    metafor ``escalc(measure = "OR2DL")`` gives the same from a 2×2 table.
    """
    y, v = _arr(log_or, "log_or"), _arr(v_log_or, "v_log_or", "positive")
    return y * _SQRT3_PI, v * _SQRT3_PI**2


def d_to_log_or(d, vd):
    r"""Standardised mean difference to a log odds ratio (inverse of :func:`log_or_to_d`).

    .. math:: \ln(OR) = d\,\frac{\pi}{\sqrt3}, \qquad v_{\ln OR} = v_d\,\frac{\pi^2}{3}

    Parameters
    ----------
    d, vd : array_like
        Standardised mean differences and their variances (> 0).

    Returns
    -------
    log_or, v_log_or : numpy.ndarray
        The log odds ratio and its variance.

    Raises
    ------
    DataError
        A missing or out-of-range value; ``row`` is its 1-based position, ``column`` the argument name.

    References
    ----------
    Borenstein et al. (2009), ch. 7, pp. 46-47.
    """
    d, vd = _arr(d, "d"), _arr(vd, "vd", "positive")
    return d / _SQRT3_PI, vd / _SQRT3_PI**2


def t_to_d(t, n1, n2):
    r"""Independent-groups t statistic to d, with the variance of d.

    .. math:: d = t\sqrt{\frac1{n_1} + \frac1{n_2}}, \qquad v_d = \frac{n_1 + n_2}{n_1 n_2} + \frac{d^2}{2(n_1 + n_2)}

    Parameters
    ----------
    t : array_like
        Student's t of an independent-groups comparison (signed: group 1 minus group 2).
    n1, n2 : array_like
        Group sizes (whole numbers >= 2).

    Returns
    -------
    d, vd : numpy.ndarray
        The standardised mean difference and its variance.

    Raises
    ------
    DataError
        A missing or out-of-range value; ``row`` is its 1-based position, ``column`` the argument name.

    References
    ----------
    Borenstein et al. (2009), ch. 4, pp. 25-28 (d from t and the variance of d); Lipsey & Wilson
    (2001), Appendix B.
    """
    t = _arr(t, "t")
    n1, n2 = _n(n1, "n1", 2), _n(n2, "n2", 2)
    d = t * np.sqrt(1.0 / n1 + 1.0 / n2)
    return d, var_d(d, n1, n2)


def paired_t_to_d(t, n, r_prepost):
    r"""Paired (pre-post) t statistic to d in raw-score units, given the correlation of the two occasions.

    With :math:`t = \bar y_\text{diff} / (s_\text{diff}/\sqrt n)` and :math:`s_\text{within} =
    s_\text{diff}/\sqrt{2(1 - r)}` (``r_prepost`` is :math:`r`):

    .. math:: d = t\sqrt{\frac{2(1 - r)}{n}}, \qquad v_d = \left(\frac1n + \frac{d^2}{2n}\right) 2(1 - r)

    Parameters
    ----------
    t : array_like
        Paired t (signed: the direction of the change).
    n : array_like
        Number of pairs (whole numbers >= 2).
    r_prepost : array_like
        Correlation between the two occasions, in (-1, 1).

    Returns
    -------
    d, vd : numpy.ndarray
        The standardised mean difference in raw-score units and its variance.

    Raises
    ------
    DataError
        A missing or out-of-range value; ``row`` is its 1-based position, ``column`` the argument name.

    References
    ----------
    Borenstein et al. (2009), ch. 4, pp. 29-30 (matched groups). Dunlap, W. P., Cortina, J. M., Vaslow, J. B., &
    Burke, M. J. (1996). Meta-analysis of experiments with matched groups or repeated measures designs.
    *Psychological Methods, 1*, 170-177.
    """
    t, r = _arr(t, "t"), _arr(r_prepost, "r_prepost", "r")
    n = _n(n, "n", 2)
    d = t * np.sqrt(2.0 * (1.0 - r) / n)
    return d, (1.0 / n + d**2 / (2.0 * n)) * 2.0 * (1.0 - r)


def f_to_d(f, n1, n2, sign=1):
    r"""F(1, n1 + n2 - 2) of a two-group comparison to d: :math:`t = \pm\sqrt F`, then :func:`t_to_d`.

    Parameters
    ----------
    f : array_like
        F statistics (>= 0) with 1 numerator df.
    n1, n2 : array_like
        Group sizes (whole numbers >= 2).
    sign : array_like of +1/-1, default 1
        Direction of the effect (F has none).

    Returns
    -------
    d, vd : numpy.ndarray
        The standardised mean difference and its variance.

    Raises
    ------
    DataError
        A missing or out-of-range value; ``row`` is its 1-based position, ``column`` the argument name.

    References
    ----------
    Lipsey & Wilson (2001), Appendix B.
    """
    f = _arr(f, "F", "nonneg")
    s = _arr(sign, "sign", "sign")
    return t_to_d(s * np.sqrt(f), n1, n2)


def f_to_r(f, df, sign=1):
    r"""F(1, df) to a correlation, with the large-sample variance of r.

    .. math:: r = \pm\sqrt{\frac{F}{F + df}}, \qquad v_r = \frac{(1 - r^2)^2}{n - 1}, \quad n = df + 2

    (``df`` is the error degrees of freedom of a two-group comparison, N - 2.)

    Parameters
    ----------
    f : array_like
        F statistics (>= 0) with 1 numerator df.
    df : array_like
        Error (denominator) degrees of freedom (whole numbers >= 1).
    sign : array_like of +1/-1, default 1
        Direction of the effect.

    Returns
    -------
    r, vr : numpy.ndarray
        The correlation and its variance.

    Raises
    ------
    DataError
        A missing or out-of-range value; ``row`` is its 1-based position, ``column`` the argument name.

    References
    ----------
    Rosenthal (1994) (r from t, with :math:`t^2 = F`); Borenstein et al. (2009), ch. 6 (variance of r).
    """
    f = _arr(f, "F", "nonneg")
    s = _arr(sign, "sign", "sign")
    df = _n(df, "df", 1)
    r = s * np.sqrt(f / (f + df))
    return r, (1.0 - r**2) ** 2 / (df + 1.0)


def chi2_to_r(chi2, n, sign=1):
    r"""Pearson :math:`\chi^2(1)` of a 2×2 table to the phi coefficient (a correlation) and its variance.

    .. math:: r = \pm\sqrt{\chi^2 / n}, \qquad v_r = \frac{(1 - r^2)^2}{n - 1}

    Parameters
    ----------
    chi2 : array_like
        Pearson chi-square statistics (>= 0, below ``n``) of 2×2 tables.
    n : array_like
        Total sample sizes (whole numbers >= 2).
    sign : array_like of +1/-1, default 1
        Direction of the association.

    Returns
    -------
    r, vr : numpy.ndarray
        The phi coefficient and its variance.

    Raises
    ------
    DataError
        A missing or out-of-range value; ``row`` is its 1-based position, ``column`` the argument name.

    References
    ----------
    Lipsey & Wilson (2001), Appendix B; Rosenthal (1994). The value equals metafor
    ``escalc(measure = "PHI")`` for a table whose :math:`\chi^2` has no continuity correction.
    """
    c = _arr(chi2, "chi2", "nonneg")
    s = _arr(sign, "sign", "sign")
    n = _n(n, "n", 2)
    r = s * np.sqrt(c / n)
    check_rule(r, "r", column="chi2", extra=" (chi2 must be less than n)")
    return r, (1.0 - r**2) ** 2 / (n - 1.0)


def p_to_z(p, *, tails=2, sign=1):
    r"""Exact p-value to the standard normal deviate: :math:`z = \pm\Phi^{-1}(1 - p/\text{tails})`.

    Parameters
    ----------
    p : array_like
        p-values in (0, 1] (one-sided: in (0, 1)).
    tails : {2, 1}, default 2
    sign : array_like of +1/-1, default 1
        The direction of the effect (a two-sided p has none).

    Returns
    -------
    numpy.ndarray
        The standard normal deviate.

    Raises
    ------
    DataError
        A missing or out-of-range value; ``row`` is its 1-based position, ``column`` the argument name.
    """
    tails = check_choice("tails", tails, [2, 1])
    p = _arr(p, "p", "p")
    s = _arr(sign, "sign", "sign")
    if tails == 1:
        check_rule(p, "r", column="p", extra=" (a one-sided p must be below 1)")
    return s * -norm_ppf(p / tails)


def p_to_r(p, n, *, tails=2, sign=1):
    r"""Exact p-value and sample size to a correlation via the normal deviate.

    .. math:: z = \Phi^{-1}(1 - p/2), \qquad r = \pm z/\sqrt n, \qquad v_r = \frac{(1 - r^2)^2}{n - 1}

    Parameters
    ----------
    p : array_like
        Exact p-values in (0, 1].
    n : array_like
        Sample sizes (whole numbers >= 2).
    tails : {2, 1}, default 2
    sign : array_like of +1/-1, default 1
        Direction of the effect.

    Returns
    -------
    r, vr : numpy.ndarray
        The correlation and its variance.

    Raises
    ------
    DataError
        A missing or out-of-range value; ``row`` is its 1-based position, ``column`` the argument name.

    References
    ----------
    Rosenthal (1994) (:math:`r = Z/\sqrt N`); Lipsey & Wilson (2001), Appendix B.

    Examples
    --------
    >>> r, vr = p_to_r(0.05, 100)
    >>> round(float(r[0]), 4)
    0.196
    """
    z = p_to_z(p, tails=tails, sign=sign)
    n = _n(n, "n", 2)
    r = z / np.sqrt(n)
    check_rule(r, "r", column="p", extra=" (p is too small for this n)")
    return r, (1.0 - r**2) ** 2 / (n - 1.0)


def ci_to_se(lower, upper, *, level=0.95, scale="identity", log_scale=None):
    r"""Standard error from a symmetric confidence interval on the analysis scale.

    .. math:: SE = \frac{U - L}{2 z_{(1 + \text{level})/2}}

    with :math:`L, U` replaced by their logarithms when ``scale="log"`` (ratios: OR, RR, ROM).

    Parameters
    ----------
    lower, upper : array_like
        The confidence limits (``upper > lower``; > 0 with ``scale="log"``).
    level : float, default 0.95
        Confidence level (95 and 0.95 both mean 95 %).
    scale : {"identity", "log"}, default "identity"
        ``"log"`` takes logarithms of the limits first (ratio measures, analysed on the log scale);
        ``"identity"`` uses them as they are (differences, Fisher's z). The same option as in
        :func:`ci_to_yi_vi`.
    log_scale : bool, optional
        Deprecated spelling of ``scale="log"`` (true) or ``scale="identity"`` (false); still accepted, with a
        :class:`DeprecationWarning`.

    Returns
    -------
    numpy.ndarray
        The standard error on the analysis scale.

    Raises
    ------
    DataError
        A missing or out-of-range value; ``row`` is its 1-based position, ``column`` the argument name.
    OptionError
        ``scale`` not one of the allowed values, or both ``scale`` and ``log_scale`` given.

    References
    ----------
    Borenstein et al. (2009), ch. 5, pp. 34-37 (ratios are analysed on the log scale, with the
    standard error from the log limits); Higgins, J. P. T., & Green, S. (Eds.) (2011). *Cochrane handbook
    for systematic reviews of interventions* (version 5.1.0), section 7.7.7.2.
    """
    scale = _ci_scale(scale, log_scale)
    lo, hi = _arr(lower, "ci_lower"), _arr(upper, "ci_upper")
    if scale == "log":
        check_rule(lo, "positive", column="ci_lower", extra=" (a ratio's limit)")
        check_rule(hi, "positive", column="ci_upper", extra=" (a ratio's limit)")
    with np.errstate(invalid="ignore"):
        reversed_ = ~np.isnan(lo) & ~np.isnan(hi) & ~(hi > lo)
    raise_first(reversed_, "must be greater than ci_lower (the upper limit must exceed the lower)",
                column="ci_upper", values=hi)
    if scale == "log":
        lo, hi = np.log(lo), np.log(hi)
    return (hi - lo) / (2.0 * -norm_ppf((1.0 - check_level(level)) / 2.0))


def _ci_scale(scale, log_scale) -> str:
    """Check ``scale``, accepting the deprecated boolean ``log_scale`` of :func:`ci_to_se` with a warning."""
    if log_scale is not None:
        if scale != "identity":
            raise OptionError("ci_to_se: give scale only (log_scale is its deprecated spelling), not both")
        warnings.warn("ci_to_se(log_scale=...) is deprecated: use scale='log' or scale='identity' (as in "
                      "ci_to_yi_vi)", DeprecationWarning, stacklevel=3)
        return "log" if log_scale else "identity"
    return check_choice("scale", scale, ["identity", "log"])


def ci_to_yi_vi(estimate, lower, upper, *, level=0.95, scale="log"):
    r"""A reported estimate with its CI to ``(yi, vi)`` on the analysis scale.

    For ``scale="log"`` (odds ratio, risk ratio): :math:`y = \ln(\text{estimate})`,
    :math:`v = SE^2` with SE from :func:`ci_to_se` on the log limits; for ``scale="identity"`` the estimate
    is used as is.

    Parameters
    ----------
    estimate, lower, upper : array_like
        The reported estimate and its confidence limits.
    level : float, default 0.95
        Confidence level.
    scale : {"log", "identity"}, default "log"
        ``"log"`` for ratios (OR, RR), ``"identity"`` for differences.

    Returns
    -------
    yi, vi : numpy.ndarray
        The estimate on the analysis scale and its variance (the squared SE).

    Raises
    ------
    DataError
        A missing or out-of-range value; ``row`` is its 1-based position, ``column`` the argument name.

    Examples
    --------
    An odds ratio of 2.0 reported with the 95 % CI 1.2 to 3.4:

    >>> yi, vi = ci_to_yi_vi(2.0, 1.2, 3.4)
    >>> round(float(yi[0]), 4), round(float(vi[0]), 4)
    (0.6931, 0.0706)
    """
    scale = check_choice("scale", scale, ["log", "identity"])
    est = _arr(estimate, "estimate", "positive" if scale == "log" else None)
    se = ci_to_se(lower, upper, level=level, scale=scale)
    return (np.log(est) if scale == "log" else est), se**2
