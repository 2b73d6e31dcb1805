"""Correlation coefficients as effect sizes: raw (``COR``), unbiased (``UCOR``) and Fisher's z (``ZCOR``).

Each function takes arrays of correlations ``ri`` and sample sizes ``ni`` and returns ``(yi, vi)``. Input
checks (|r| < 1, n > 3, whole n) are done by the callers that know the file, row and column.
"""

from __future__ import annotations

import numpy as np
from scipy.special import hyp2f1

__all__ = ["cor", "ucor", "zcor"]


def zcor(ri, ni):
    r"""Fisher's r-to-z transformed correlation and its sampling variance.

    .. math:: y_i = \operatorname{artanh}(r_i) = \tfrac12 \ln\frac{1 + r_i}{1 - r_i}, \qquad v_i = \frac{1}{n_i - 3}

    Parameters
    ----------
    ri : array_like
        Correlations, each in (-1, 1).
    ni : array_like
        Sample sizes, each > 3.

    Returns
    -------
    yi, vi : numpy.ndarray
        Fisher's z and its variance.

    References
    ----------
    Fisher, R. A. (1921). On the "probable error" of a coefficient of correlation deduced from a small sample.
    *Metron, 1*, 3-32. Borenstein, M., Hedges, L. V., Higgins, J. P. T., & Rothstein, H. R. (2009).
    *Introduction to meta-analysis* (pp. 41-43). Wiley. metafor: ``escalc(measure = "ZCOR")``.

    Examples
    --------
    >>> yi, vi = zcor([0.5], [53])
    >>> round(float(yi[0]), 6), float(vi[0])
    (0.549306, 0.02)
    """
    r = np.asarray(ri, dtype=float)
    n = np.asarray(ni, dtype=float)
    return np.arctanh(r), 1.0 / (n - 3.0)


def cor(ri, ni):
    r"""Raw correlation and its large-sample variance.

    .. math:: y_i = r_i, \qquad v_i = \frac{(1 - r_i^2)^2}{n_i - 1}

    References
    ----------
    metafor ``escalc(measure = "COR")`` (vtype "LS"); Borenstein et al. (2009), p. 41.

    >>> yi, vi = cor([0.5], [51])
    >>> float(vi[0])
    0.01125
    """
    r = np.asarray(ri, dtype=float)
    n = np.asarray(ni, dtype=float)
    return r.copy(), (1.0 - r**2) ** 2 / (n - 1.0)


def ucor(ri, ni):
    r"""Approximately unbiased correlation (Olkin & Pratt, 1958) and its variance.

    .. math:: y_i = r_i \, {}_2F_1\!\left(\tfrac12, \tfrac12; \tfrac{n_i - 2}{2}; 1 - r_i^2\right), \qquad
              v_i = \frac{(1 - y_i^2)^2}{n_i - 1}

    References
    ----------
    Olkin, I., & Pratt, J. W. (1958). Unbiased estimation of certain correlation coefficients. *Annals of
    Mathematical Statistics, 29*, 201-211. metafor ``escalc(measure = "UCOR")`` (vtype "LS").
    """
    r = np.asarray(ri, dtype=float)
    n = np.asarray(ni, dtype=float)
    yi = r * _hyp2f1_half((n - 2.0) / 2.0, 1.0 - r**2)
    return yi, (1.0 - yi**2) ** 2 / (n - 1.0)


_SERIES_FROM_C = 20.0  # scipy's hyp2f1 returns NaN for large c with z near 1 (scipy 1.17: n >= 326, |r| < 0.3)


def _hyp2f1_half(c, z):
    r"""Gauss' :math:`{}_2F_1(\tfrac12, \tfrac12; c; z)` for :math:`0 \le z < 1`, elementwise.

    For :math:`c \ge 20` the power series is summed directly: its term ratio
    :math:`\frac{(k + 1/2)^2}{(k + c)(k + 1)} z` is below 1 and falls fast while :math:`k \lesssim c`, so a few
    hundred terms reach machine precision; smaller ``c`` uses :func:`scipy.special.hyp2f1`.

    >>> float(_hyp2f1_half(162.0, 0.9975)) > 1
    True
    """
    c_arr, z_arr = np.broadcast_arrays(np.asarray(c, dtype=float), np.asarray(z, dtype=float))
    out = np.array(hyp2f1(0.5, 0.5, c_arr, z_arr), dtype=float).reshape(-1)
    c_flat, z_flat = c_arr.reshape(-1), z_arr.reshape(-1)
    for i in np.flatnonzero(np.isfinite(c_flat) & np.isfinite(z_flat) & (c_flat >= _SERIES_FROM_C)):
        out[i] = _series(float(c_flat[i]), float(z_flat[i]))
    return out.reshape(c_arr.shape)


def _series(c: float, z: float) -> float:
    total, term, k = 1.0, 1.0, 0
    while True:
        term *= (k + 0.5) ** 2 / ((k + c) * (k + 1.0)) * z
        total += term
        k += 1
        if term <= 1e-17 * total * max(1.0 - z, 1e-3) or k > 100000:
            return total
