"""Distribution functions from :mod:`scipy.special` (importing :mod:`scipy.stats` costs about half a second).

All functions are vectorised and match ``scipy.stats`` / R's ``pnorm``, ``pt``, ``pchisq``, ``pf`` and their
quantiles to machine precision (they call the same Cephes routines).
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["norm_sf", "norm_cdf", "norm_ppf", "t_sf", "t_ppf", "chi2_sf", "chi2_cdf", "chi2_ppf", "f_sf",
           "two_sided_p", "critical_value"]


def norm_cdf(x):
    """Standard normal distribution function, R's ``pnorm(x)``."""
    return special.ndtr(x)


def norm_sf(x):
    """Upper tail of the standard normal, R's ``pnorm(x, lower.tail = FALSE)``."""
    return special.ndtr(-np.asarray(x, dtype=float))


def norm_ppf(q):
    """Standard normal quantile, R's ``qnorm(q)``."""
    return special.ndtri(q)


def t_sf(x, df):
    """Upper tail of Student's t, R's ``pt(x, df, lower.tail = FALSE)``."""
    return special.stdtr(df, -np.asarray(x, dtype=float))


def t_ppf(q, df):
    """Quantile of Student's t, R's ``qt(q, df)``."""
    return special.stdtrit(df, q)


def chi2_sf(x, df):
    """Upper tail of chi-square, R's ``pchisq(x, df, lower.tail = FALSE)``."""
    return special.chdtrc(df, x)


def chi2_cdf(x, df):
    """Chi-square distribution function, R's ``pchisq(x, df)``."""
    return special.chdtr(df, x)


def chi2_ppf(q, df):
    """Chi-square quantile, R's ``qchisq(q, df)``."""
    return special.chdtri(df, 1.0 - np.asarray(q, dtype=float))


def f_sf(x, df1, df2):
    """Upper tail of the F distribution, R's ``pf(x, df1, df2, lower.tail = FALSE)``."""
    return special.fdtrc(df1, df2, x)


def two_sided_p(statistic, df=None):
    """Two-sided p-value of a z (``df=None``) or t statistic."""
    a = np.abs(np.asarray(statistic, dtype=float))
    if df is None:
        return 2.0 * norm_sf(a)
    return 2.0 * t_sf(a, df)


def critical_value(level: float, df=None):
    """Two-sided critical value for confidence ``level`` (a proportion): z, or t with ``df``."""
    q = 1.0 - (1.0 - level) / 2.0
    if df is None:
        return float(norm_ppf(q))
    return t_ppf(q, df)
