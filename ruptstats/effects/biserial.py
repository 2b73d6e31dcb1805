r"""Point-biserial (``RPB``) and biserial (``RBIS``) correlations from two groups' means, SDs and sizes, and the
conversions between standardised mean differences and log odds ratios (``D2ORN``, ``D2ORL``, ``OR2DN``,
``OR2DL``), as metafor 3.8.1 ``escalc``.

With :math:`d_i = (\bar x_1 - \bar x_2)/s_p` (pooled SD, :math:`m_i = n_1 + n_2 - 2`, no bias correction) and
:math:`h_i = m_i/n_1 + m_i/n_2`, the point-biserial correlation is :math:`d_i/\sqrt{d_i^2 + h_i}`.

References
----------
Jacobs, P., & Viechtbauer, W. (2017). Estimation of the biserial correlation and its sampling variance for use
in meta-analysis. *Research Synthesis Methods, 8*, 161-180. Hasselblad, V., & Hedges, L. V. (1995).
Meta-analysis of screening and diagnostic tests. *Psychological Bulletin, 117*, 167-178 (logistic: factor
:math:`\pi/\sqrt3`). Cox, D. R. (1970). *Analysis of binary data* (normal: factor 1.65).
"""

from __future__ import annotations

import numpy as np

from .._dist import norm_ppf
from .counts import or_

__all__ = ["rpb", "rbis", "d2orn", "d2orl", "or2dn", "or2dl", "VTYPES"]

VTYPES = {"RPB": ("LS", "ST", "CS")}


def _d(m1i, sd1i, n1i, m2i, sd2i, n2i):
    m1, s1, n1, m2, s2, n2 = (np.asarray(a, float) for a in (m1i, sd1i, n1i, m2i, sd2i, n2i))
    mi = n1 + n2 - 2
    d = (m1 - m2) / np.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / mi)
    return d, n1, n2, mi


def rpb(m1i, sd1i, n1i, m2i, sd2i, n2i, vtype="LS"):
    r"""Point-biserial correlation; variance :math:`\frac{h^2}{(h + d^2)^3}\bigl(\frac1{n_1} + \frac1{n_2} +
    \frac{d^2}{2n}\bigr)` (LS/ST) or :math:`(1 - y^2)^2\bigl(\frac{n y^2}{4 n_1 n_2} + \frac{2 - 3y^2}{2n}\bigr)`
    (CS).

    >>> yi, vi = rpb([12.0], [4.0], [30], [10.0], [4.0], [30])
    >>> round(float(yi[0]), 6)  # metafor: escalc("RPB", m1i = 12, sd1i = 4, n1i = 30, m2i = 10, sd2i = 4, n2i = 30)$yi
    0.246432
    """
    d, n1, n2, mi = _d(m1i, sd1i, n1i, m2i, sd2i, n2i)
    n = n1 + n2
    h = mi / n1 + mi / n2
    yi = d / np.sqrt(d**2 + h)
    if vtype == "CS":
        return yi, (1 - yi**2) ** 2 * (n * yi**2 / (4 * n1 * n2) + (2 - 3 * yi**2) / (2 * n))
    return yi, h**2 / (h + d**2) ** 3 * (1 / n1 + 1 / n2 + d**2 / (2 * n))


def rbis(m1i, sd1i, n1i, m2i, sd2i, n2i, vtype="LS"):
    r"""Biserial correlation :math:`y = \frac{\sqrt{p_1 p_2}}{\phi(z)} r_{pb}` with :math:`p_1 = n_1/n`,
    :math:`z = \Phi^{-1}(1 - p_1)`, and the variance of Jacobs & Viechtbauer (2017, eq. 14) with :math:`y`
    truncated to [-1, 1]."""
    r_pb, _ = rpb(m1i, sd1i, n1i, m2i, sd2i, n2i)
    n1, n2 = np.asarray(n1i, float), np.asarray(n2i, float)
    n = n1 + n2
    p1, p2 = n1 / n, n2 / n
    z = -norm_ppf(p1)  # the upper p1 quantile (R's qnorm(p1, lower.tail = FALSE))
    fz = np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)
    yi = np.sqrt(p1 * p2) / fz * r_pb
    yt = np.clip(yi, -1.0, 1.0)
    vi = 1 / (n - 1) * (p1 * p2 / fz**2 - (1.5 + (1 - p1 * z / fz) * (1 + p2 * z / fz)) * yt**2 + yt**4)
    return yi, vi


def _d2or(factor, m1i, sd1i, n1i, m2i, sd2i, n2i):
    d, n1, n2, _ = _d(m1i, sd1i, n1i, m2i, sd2i, n2i)
    return factor * d, factor**2 * (1 / n1 + 1 / n2 + d**2 / (2 * (n1 + n2)))


def d2orn(m1i, sd1i, n1i, m2i, sd2i, n2i):
    r"""Log odds ratio from d under normal latent distributions: :math:`1.65 d`, variance :math:`1.65^2 v_d`
    with :math:`v_d = 1/n_1 + 1/n_2 + d^2/(2n)` (d without bias correction)."""
    return _d2or(1.65, m1i, sd1i, n1i, m2i, sd2i, n2i)


def d2orl(m1i, sd1i, n1i, m2i, sd2i, n2i):
    r"""Log odds ratio from d under logistic latent distributions: :math:`\pi d/\sqrt3`, variance
    :math:`\pi^2 v_d/3`."""
    return _d2or(np.pi / np.sqrt(3.0), m1i, sd1i, n1i, m2i, sd2i, n2i)


def or2dn(ai, bi, ci, di):
    r"""d from a 2×2 table under normal latent distributions: log OR / 1.65, variance / 1.65²."""
    yi, vi = or_(ai, bi, ci, di)
    return yi / 1.65, vi / 1.65**2


def or2dl(ai, bi, ci, di):
    r"""d from a 2×2 table under logistic latent distributions: :math:`\sqrt3/\pi` log OR, variance
    :math:`3/\pi^2` times."""
    yi, vi = or_(ai, bi, ci, di)
    return np.sqrt(3.0) / np.pi * yi, 3.0 / np.pi**2 * vi
