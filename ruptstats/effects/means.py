r"""Effect sizes from group means: ``MD``, ``SMD`` (Hedges' g), ``SMDH``, ``ROM`` and pre-post ``SMCR``.

Each function takes arrays and returns ``(yi, vi)`` exactly as metafor 3.8.1's ``escalc`` computes them with
its default ``vtype = "LS"``. Input checks (SD > 0, group sizes, positive means for ``ROM``) are done by the
callers that know the file, row and column (:func:`ruptstats.effects.escalc`).
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

__all__ = ["hedges_correction", "md", "smd", "smdh", "rom", "smcr"]


def _arrays(*values):
    return [np.asarray(v, dtype=float) for v in values]


def hedges_correction(mi):
    r"""Exact small-sample bias correction factor of a standardised mean difference.

    .. math:: c(m) = \frac{\Gamma(m/2)}{\sqrt{m/2}\;\Gamma\!\left(\frac{m-1}{2}\right)}

    with ``m`` the degrees of freedom of the standardiser (``n1 + n2 - 2`` for two groups, ``n - 1`` for
    a pre-post design). Computed on the log scale with ``gammaln`` as metafor's ``.cmicalc`` does; ``NaN``
    for ``m <= 1``. The familiar approximation is :math:`1 - 3/(4m - 1)`.

    Parameters
    ----------
    mi : array_like
        Degrees of freedom.

    Returns
    -------
    numpy.ndarray
        :math:`c(m)`, below 1 and approaching 1 as ``m`` grows.

    References
    ----------
    Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect size and related estimators.
    *Journal of Educational Statistics, 6*, 107-128.

    Examples
    --------
    >>> round(float(hedges_correction(98)), 6)
    0.992324
    """
    m = np.asarray(mi, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.exp(gammaln(m / 2.0) - np.log(np.sqrt(m / 2.0)) - gammaln((m - 1.0) / 2.0))
    return np.where(m <= 1, np.nan, c)


def md(m1i, sd1i, n1i, m2i, sd2i, n2i):
    r"""Raw mean difference and its (heteroscedastic) sampling variance.

    .. math:: y_i = \bar x_{1i} - \bar x_{2i}, \qquad v_i = \frac{s_{1i}^2}{n_{1i}} + \frac{s_{2i}^2}{n_{2i}}

    Parameters
    ----------
    m1i, sd1i, n1i, m2i, sd2i, n2i : array_like
        Means, standard deviations (> 0) and sizes (whole numbers >= 2) of groups 1 and 2.

    Returns
    -------
    yi, vi : numpy.ndarray
        The mean difference (group 1 minus group 2, in the outcome's units) and its sampling variance.

    References
    ----------
    Borenstein, M., Hedges, L. V., Higgins, J. P. T., & Rothstein, H. R. (2009). *Introduction to
    meta-analysis* (pp. 21-22). Wiley. metafor: ``escalc(measure = "MD")``.

    Examples
    --------
    >>> md([103], [5.5], [50], [100], [4.5], [50])
    (array([3.]), array([1.01]))
    """
    m1, s1, n1, m2, s2, n2 = _arrays(m1i, sd1i, n1i, m2i, sd2i, n2i)
    return m1 - m2, s1**2 / n1 + s2**2 / n2


def smd(m1i, sd1i, n1i, m2i, sd2i, n2i):
    r"""Standardised mean difference with the exact bias correction (Hedges' g) and its variance.

    .. math::
        s_p = \sqrt{\frac{(n_1 - 1)s_1^2 + (n_2 - 1)s_2^2}{n_1 + n_2 - 2}}, \quad
        y_i = c(n_1 + n_2 - 2)\,\frac{\bar x_1 - \bar x_2}{s_p}, \quad
        v_i = \frac{1}{n_1} + \frac{1}{n_2} + \frac{y_i^2}{2(n_1 + n_2)}

    with :math:`c` from :func:`hedges_correction`.

    Parameters
    ----------
    m1i, sd1i, n1i, m2i, sd2i, n2i : array_like
        Means, standard deviations (> 0) and sizes (whole numbers >= 2) of groups 1 and 2.

    Returns
    -------
    yi, vi : numpy.ndarray
        Hedges' g and its sampling variance.

    References
    ----------
    Hedges, L. V. (1981), see :func:`hedges_correction`; Borenstein et al. (2009), pp. 25-27.
    metafor: ``escalc(measure = "SMD")`` (vtype "LS").

    Examples
    --------
    Borenstein et al. (2009), p. 27: means 103 and 100, SDs 5.5 and 4.5, n = 50 each give d = 0.5970
    and, with the approximate correction J = 0.9923, g = 0.5924:

    >>> yi, vi = smd([103], [5.5], [50], [100], [4.5], [50])
    >>> round(float(yi[0]), 4)
    0.5924
    """
    m1, s1, n1, m2, s2, n2 = _arrays(m1i, sd1i, n1i, m2i, sd2i, n2i)
    df = n1 + n2 - 2.0
    sp = np.sqrt(((n1 - 1.0) * s1**2 + (n2 - 1.0) * s2**2) / df)
    yi = hedges_correction(df) * (m1 - m2) / sp
    return yi, 1.0 / n1 + 1.0 / n2 + yi**2 / (2.0 * (n1 + n2))


def smdh(m1i, sd1i, n1i, m2i, sd2i, n2i):
    r"""Standardised mean difference without assuming equal variances (Bonett, 2008) and its variance.

    .. math::
        s_i = \sqrt{(s_1^2 + s_2^2)/2}, \quad y_i = c(n_1 + n_2 - 2)\,\frac{\bar x_1 - \bar x_2}{s_i}, \\
        v_i = c^2 \left[ \frac{y_i^2 \left(\frac{s_1^4}{n_1 - 1} + \frac{s_2^4}{n_2 - 1}\right)}{2(s_1^2 + s_2^2)^2}
              + \frac{\frac{s_1^2}{n_1 - 1} + \frac{s_2^2}{n_2 - 1}}{(s_1^2 + s_2^2)/2} \right]

    Parameters
    ----------
    m1i, sd1i, n1i, m2i, sd2i, n2i : array_like
        Means, standard deviations (> 0) and sizes (whole numbers >= 2) of groups 1 and 2.

    Returns
    -------
    yi, vi : numpy.ndarray
        The standardised mean difference and its sampling variance.

    References
    ----------
    Bonett, D. G. (2008). Confidence intervals for standardized linear contrasts of means. *Psychological
    Methods, 13*, 99-109. metafor: ``escalc(measure = "SMDH")`` (vtype "LS", metafor 3.8.1).
    """
    m1, s1, n1, m2, s2, n2 = _arrays(m1i, sd1i, n1i, m2i, sd2i, n2i)
    c = hedges_correction(n1 + n2 - 2.0)
    ssum = s1**2 + s2**2
    yi = c * (m1 - m2) / np.sqrt(ssum / 2.0)
    vi = (yi**2 * (s1**4 / (n1 - 1.0) + s2**4 / (n2 - 1.0)) / (2.0 * ssum**2)
          + (s1**2 / (n1 - 1.0) + s2**2 / (n2 - 1.0)) / (ssum / 2.0))
    return yi, c**2 * vi


def rom(m1i, sd1i, n1i, m2i, sd2i, n2i):
    r"""Log ratio of means (response ratio) and its delta-method variance.

    .. math:: y_i = \ln(\bar x_1 / \bar x_2), \qquad
              v_i = \frac{s_1^2}{n_1 \bar x_1^2} + \frac{s_2^2}{n_2 \bar x_2^2}

    Both means must be positive (a ratio scale outcome).

    Parameters
    ----------
    m1i, sd1i, n1i, m2i, sd2i, n2i : array_like
        Means, standard deviations (> 0) and sizes (whole numbers >= 2) of groups 1 and 2.

    Returns
    -------
    yi, vi : numpy.ndarray
        The log ratio of means (means must be > 0) and its sampling variance.

    References
    ----------
    Hedges, L. V., Gurevitch, J., & Curtis, P. S. (1999). The meta-analysis of response ratios in
    experimental ecology. *Ecology, 80*, 1150-1156. metafor: ``escalc(measure = "ROM")`` (vtype "LS").
    """
    m1, s1, n1, m2, s2, n2 = _arrays(m1i, sd1i, n1i, m2i, sd2i, n2i)
    return np.log(m1 / m2), s1**2 / (n1 * m1**2) + s2**2 / (n2 * m2**2)


def smcr(m1i, m2i, sd1i, ni, ri):
    r"""Standardised mean change with raw-score standardisation (pre-post designs) and its variance.

    ``m1i`` and ``m2i`` are the means at the two occasions (metafor's order: the change is
    ``m1i - m2i``, so pass the post-test mean as ``m1i`` for improvement to be positive), ``sd1i`` is the
    standardiser (the pre-test SD), ``ri`` the correlation between the occasions.

    .. math:: y_i = c(n_i - 1)\,\frac{\bar x_1 - \bar x_2}{s_1}, \qquad
              v_i = \frac{2(1 - r_i)}{n_i} + \frac{y_i^2}{2 n_i}

    Parameters
    ----------
    m1i, m2i : array_like
        Means at the two occasions (post-test, pre-test).
    sd1i : array_like
        Pre-test standard deviations (> 0).
    ni : array_like
        Sample sizes (whole numbers >= 3).
    ri : array_like
        Pre-post correlations, in (-1, 1).

    Returns
    -------
    yi, vi : numpy.ndarray
        The bias-corrected standardised mean change and its sampling variance.

    References
    ----------
    Becker, B. J. (1988). Synthesizing standardized mean-change measures. *British Journal of Mathematical
    and Statistical Psychology, 41*, 257-278. Morris, S. B. (2000). Distribution of the standardized mean
    change effect size for meta-analysis on repeated measures. *British Journal of Mathematical and
    Statistical Psychology, 53*, 17-29. metafor: ``escalc(measure = "SMCR")`` (vtype "LS").
    """
    m1, m2, s1, n, r = _arrays(m1i, m2i, sd1i, ni, ri)
    yi = hedges_correction(n - 1.0) * (m1 - m2) / s1
    return yi, 2.0 * (1.0 - r) / n + yi**2 / (2.0 * n)
