r"""Standardised mean change with change-score (``SMCC``) and heteroscedastic raw-score (``SMCRH``)
standardisation, as metafor 3.8.1 ``escalc``; ``SMCR`` is :func:`ruptstats.effects.means.smcr`.

``m1i``/``m2i`` are the means at the two occasions (the change is ``m1i - m2i``), ``sd1i``/``sd2i`` their SDs,
``ni`` the sample size and ``ri`` the correlation between the occasions; :math:`c(m)` is
:func:`ruptstats.effects.means.hedges_correction` with :math:`m = n_i - 1`.

References
----------
Gibbons, R. D., Hedeker, D. R., & Davis, J. M. (1993). Estimation of effect size from a series of
experiments involving paired comparisons. *Journal of Educational Statistics, 18*, 271-279.
Bonett, D. G. (2008). Confidence intervals for standardized linear contrasts of means. *Psychological
Methods, 13*, 99-109. Morris, S. B. (2008). Estimating effect sizes from pretest-posttest-control group
designs. *Organizational Research Methods, 11*, 364-386.
"""

from __future__ import annotations

import numpy as np

from .means import hedges_correction

__all__ = ["smcc", "smcrh", "VTYPES"]

VTYPES = {"SMCC": ("LS", "LS2"), "SMCRH": ("LS",)}


def smcc(m1i, m2i, sd1i, sd2i, ni, ri, vtype="LS"):
    r"""Standardised mean change, change-score standardisation.

    .. math:: s_{d} = \sqrt{s_1^2 + s_2^2 - 2 r s_1 s_2}, \quad d_i = \frac{\bar x_1 - \bar x_2}{s_d}, \quad
              y_i = c(n_i - 1) d_i, \quad v_i = \frac1{n_i} + \frac{y_i^2}{2 n_i}\ \text{(LS)},\quad
              c^2\Bigl(\frac1{n_i} + \frac{d_i^2}{2 n_i}\Bigr)\ \text{(LS2)}

    >>> yi, vi = smcc([12.0], [10.0], [4.0], [4.0], [20], [0.5])
    >>> round(float(yi[0]), 6)  # metafor: escalc("SMCC", m1i = 12, m2i = 10, sd1i = 4, sd2i = 4, ni = 20, ri = .5)$yi
    0.479955
    """
    m1, m2, s1, s2, n, r = (np.asarray(a, float) for a in (m1i, m2i, sd1i, sd2i, ni, ri))
    c = hedges_correction(n - 1)
    d = (m1 - m2) / np.sqrt(s1**2 + s2**2 - 2 * r * s1 * s2)
    yi = c * d
    if vtype == "LS2":
        return yi, c**2 * (1 / n + d**2 / (2 * n))
    return yi, 1 / n + yi**2 / (2 * n)


def smcrh(m1i, m2i, sd1i, sd2i, ni, ri, vtype="LS"):
    r"""Standardised mean change, raw-score standardisation allowing unequal variances (Bonett, 2008).

    .. math:: y_i = c(n_i - 1)\frac{\bar x_1 - \bar x_2}{s_1}, \quad
              v_i = c^2\Bigl(\frac{s_1^2 + s_2^2 - 2 r s_1 s_2}{s_1^2 (n_i - 1)} + \frac{y_i^2}{2(n_i - 1)}\Bigr)
    """
    m1, m2, s1, s2, n, r = (np.asarray(a, float) for a in (m1i, m2i, sd1i, sd2i, ni, ri))
    c = hedges_correction(n - 1)
    yi = c * (m1 - m2) / s1
    vardi = s1**2 + s2**2 - 2 * r * s1 * s2
    return yi, c**2 * (vardi / (s1**2 * (n - 1)) + yi**2 / (2 * (n - 1)))
