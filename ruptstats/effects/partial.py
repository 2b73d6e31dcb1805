r"""Partial and semi-partial correlations from regression results (metafor 3.8.1 ``escalc`` measures ``PCOR``,
``ZPCOR``, ``SPCOR``): the t statistic ``ti`` of the predictor of interest, the sample size ``ni``, the number of
predictors ``mi`` of the model and (``SPCOR``) its :math:`R^2` ``r2i``. The residual df is :math:`n_i - m_i - 1`.

References
----------
Aloe, A. M., & Becker, B. J. (2012). An effect size for regression predictors in meta-analysis. *Journal of
Educational and Behavioral Statistics, 37*, 278-297. Aloe, A. M., & Thompson, C. G. (2013). The synthesis of
partial effect sizes. *Journal of the Society for Social Work and Research, 4*, 390-405.
"""

from __future__ import annotations

import numpy as np

__all__ = ["pcor", "zpcor", "spcor", "VTYPES"]

VTYPES = {"PCOR": ("LS", "AV"), "ZPCOR": ("LS",), "SPCOR": ("LS", "AV")}


def _wmean(y, n):
    return float(np.sum(y * n) / np.sum(n))


def pcor(ti, ni, mi, vtype="LS"):
    r"""Partial correlation :math:`y_i = t_i/\sqrt{t_i^2 + n_i - m_i - 1}`,
    :math:`v_i = (1 - y_i^2)^2/(n_i - m_i - 1)` (LS; AV uses the ``ni``-weighted mean of :math:`y`).

    >>> yi, vi = pcor([2.0], [50], [3])
    >>> round(float(yi[0]), 6)  # metafor: escalc("PCOR", ti = 2, ni = 50, mi = 3)$yi
    0.282843
    """
    t, n, m = (np.asarray(a, float) for a in (ti, ni, mi))
    yi = t / np.sqrt(t**2 + (n - m - 1))
    y = _wmean(yi, n) if vtype == "AV" else yi
    return yi, (1 - y**2) ** 2 / (n - m - 1)


def zpcor(ti, ni, mi, vtype="LS"):
    r"""Fisher's z of the partial correlation, :math:`v_i = 1/(n_i - m_i - 1)`."""
    t, n, m = (np.asarray(a, float) for a in (ti, ni, mi))
    r = t / np.sqrt(t**2 + (n - m - 1))
    return 0.5 * np.log((1 + r) / (1 - r)), 1 / (n - m - 1)


def spcor(ti, ni, mi, r2i, vtype="LS"):
    r"""Semi-partial correlation :math:`y_i = t_i\sqrt{1 - R^2_i}/\sqrt{n_i - m_i - 1}`,
    :math:`v_i = \bigl(R^4 - 2R^2 + (R^2 - y_i^2) + 1 - (R^2 - y_i^2)^2\bigr)/n_i` (LS; AV with the mean y)."""
    t, n, m, r2 = (np.asarray(a, float) for a in (ti, ni, mi, r2i))
    yi = t * np.sqrt(1 - r2) / np.sqrt(n - m - 1)
    y = _wmean(yi, n) if vtype == "AV" else yi
    return yi, (r2**2 - 2 * r2 + (r2 - y**2) + 1 - (r2 - y**2) ** 2) / n
