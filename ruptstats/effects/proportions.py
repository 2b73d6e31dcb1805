r"""Single proportions as effect sizes (metafor 3.8.1 ``escalc`` measures ``PR``, ``PLN``, ``PLO``, ``PAS``, ``PFT``).

Each study reports ``xi`` events among ``ni`` (prevalence of ruptures, dropout rates). :func:`continuity`
adds ``add`` to the events and non-events of a study with 0 or ``ni`` events (metafor's ``to = "only0"``;
``escalc`` uses ``add = 1/2`` for ``PR``, ``PLN``, ``PLO`` and ``add = 0`` for ``PAS`` and ``PFT``); the measure
functions then use the corrected counts for the estimate and its variance (``addyi = addvi = TRUE``).

``vtype`` (metafor's): ``"LS"`` the large-sample variance of each study, ``"UB"`` (``PR`` only) the unbiased
one, ``"AV"`` the variance computed from the ``ni``-weighted mean proportion of all studies.

References
----------
Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package. *Journal of Statistical
Software, 36*(3), 1-48. Freeman, M. F., & Tukey, J. W. (1950). Transformations related to the angular and the
square root. *Annals of Mathematical Statistics, 21*, 607-611.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_choice, check_number

__all__ = ["continuity", "pr", "pln", "plo", "pas", "pft", "VTYPES"]

#: vtype values each measure accepts (the first is the default).
VTYPES = {"PR": ("LS", "UB", "AV"), "PLN": ("LS", "AV"), "PLO": ("LS", "AV"), "PAS": ("LS",), "PFT": ("LS",)}


def continuity(xi, ni, *, add=0.5, to="only0"):
    """Return ``(xi, ni)`` with ``add`` added to events and non-events (metafor's ``add``/``to``).

    >>> [float(v[0]) for v in continuity([0], [10])]
    [0.5, 11.0]
    """
    to = check_choice("to", to, ("only0", "all", "if0all", "none"))
    add = check_number("add", add, low=0)
    x = np.asarray(xi, dtype=float)
    m = np.asarray(ni, dtype=float) - x
    zero = (x == 0) | (m == 0)
    hit = {"all": np.ones(x.shape, bool), "none": np.zeros(x.shape, bool), "only0": zero,
           "if0all": np.full(x.shape, bool(zero.any()))}[to]
    x = np.where(hit, x + add, x)
    m = np.where(hit, m + add, m)
    return x, x + m


def _wmean(p, n):
    return float(np.sum(p * n) / np.sum(n))


def pr(xi, ni, vtype="LS"):
    r"""Raw proportion :math:`p_i = x_i/n_i`; variance :math:`p_i(1-p_i)/n_i` (LS), :math:`/(n_i - 1)` (UB), or
    :math:`\bar p(1-\bar p)/n_i` with the ``ni``-weighted mean :math:`\bar p` (AV).

    >>> yi, vi = pr([10], [40])
    >>> float(yi[0]), float(vi[0])
    (0.25, 0.0046875)
    """
    x, n = np.asarray(xi, float), np.asarray(ni, float)
    p = x / n
    if vtype == "UB":
        return p, p * (1 - p) / (n - 1)
    q = _wmean(p, n) if vtype == "AV" else p
    return p, q * (1 - q) / n


def pln(xi, ni, vtype="LS"):
    r"""Log proportion :math:`\ln p_i`; variance :math:`1/x_i - 1/n_i` (LS) or :math:`1/(\bar p n_i) - 1/n_i` (AV)."""
    x, n = np.asarray(xi, float), np.asarray(ni, float)
    p = x / n
    if vtype == "AV":
        return np.log(p), 1 / (_wmean(p, n) * n) - 1 / n
    return np.log(p), 1 / x - 1 / n


def plo(xi, ni, vtype="LS"):
    r"""Logit proportion :math:`\ln\frac{p_i}{1-p_i}`; variance :math:`1/x_i + 1/(n_i - x_i)` (LS) or
    :math:`1/(\bar p n_i) + 1/((1 - \bar p) n_i)` (AV)."""
    x, n = np.asarray(xi, float), np.asarray(ni, float)
    p = x / n
    if vtype == "AV":
        q = _wmean(p, n)
        return np.log(p / (1 - p)), 1 / (q * n) + 1 / ((1 - q) * n)
    return np.log(p / (1 - p)), 1 / x + 1 / (n - x)


def pas(xi, ni, vtype="LS"):
    r"""Arcsine square-root proportion :math:`\arcsin\sqrt{p_i}`; variance :math:`1/(4 n_i)`."""
    x, n = np.asarray(xi, float), np.asarray(ni, float)
    return np.arcsin(np.sqrt(x / n)), 1 / (4 * n)


def pft(xi, ni, vtype="LS"):
    r"""Freeman-Tukey double arcsine proportion
    :math:`\tfrac12\left(\arcsin\sqrt{x_i/(n_i+1)} + \arcsin\sqrt{(x_i+1)/(n_i+1)}\right)`; variance
    :math:`1/(4 n_i + 2)`."""
    x, n = np.asarray(xi, float), np.asarray(ni, float)
    return 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1)))), 1 / (4 * n + 2)
