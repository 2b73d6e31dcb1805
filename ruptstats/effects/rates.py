r"""Incidence rates as effect sizes (metafor 3.8.1 ``escalc`` measures ``IR`` and ``IRR``).

``IR``: ``xi`` events over person-time ``ti``; ``IRR``: the log ratio of the rates ``x1i/t1i`` and ``x2i/t2i``
of two groups. A zero count gets ``add`` (default 1/2, metafor's ``to = "only0"``: both counts of an ``IRR``
study with a zero count); the corrected counts enter estimate and variance (``addyi = addvi = TRUE``).

References
----------
Rothman, K. J., Greenland, S., & Lash, T. L. (2008). *Modern epidemiology* (3rd ed.). Lippincott.
Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package. *Journal of Statistical
Software, 36*(3), 1-48.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_choice, check_number

__all__ = ["continuity", "ir", "irr"]


def continuity(*counts, add=0.5, to="only0", drop00=False):
    """Return the counts with ``add`` added as metafor's ``escalc`` does for ``IR`` (one count) and ``IRR``
    (two counts; ``drop00`` makes both NaN when both are 0).

    >>> [float(c[0]) for c in continuity([0], [3])]
    [0.5, 3.5]
    """
    to = check_choice("to", to, ("only0", "all", "if0all", "none"))
    add = check_number("add", add, low=0)
    xs = [np.asarray(c, dtype=float) for c in counts]
    if drop00 and len(xs) == 2:
        both = (xs[0] == 0) & (xs[1] == 0)
        xs = [np.where(both, np.nan, x) for x in xs]
    zero = np.any([x == 0 for x in xs], axis=0)
    hit = {"all": np.ones(zero.shape, bool), "none": np.zeros(zero.shape, bool), "only0": zero,
           "if0all": np.full(zero.shape, bool(zero.any()))}[to]
    return tuple(np.where(hit, x + add, x) for x in xs)


def ir(xi, ti):
    r"""Incidence rate :math:`y_i = x_i/t_i`, variance :math:`v_i = x_i/t_i^2`.

    >>> yi, vi = ir([4], [200])
    >>> float(yi[0]), float(vi[0])
    (0.02, 0.0001)
    """
    x, t = np.asarray(xi, float), np.asarray(ti, float)
    return x / t, x / t / t


def irr(x1i, t1i, x2i, t2i):
    r"""Log incidence rate ratio :math:`y_i = \ln\frac{x_{1i}/t_{1i}}{x_{2i}/t_{2i}}`,
    :math:`v_i = 1/x_{1i} + 1/x_{2i}`.

    >>> yi, vi = irr([10], [100], [5], [100])
    >>> round(float(yi[0]), 6), float(vi[0])
    (0.693147, 0.3)
    """
    x1, t1, x2, t2 = (np.asarray(a, float) for a in (x1i, t1i, x2i, t2i))
    return np.log(x1 / t1) - np.log(x2 / t2), 1 / x1 + 1 / x2
