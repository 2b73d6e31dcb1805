r"""Effect sizes from 2×2 tables: log odds ratio (``OR``), log risk ratio (``RR``), risk difference (``RD``).

The table of a study is

=========  ========  ===========
group      events    non-events
=========  ========  ===========
1          ``ai``    ``bi``
2          ``ci``    ``di``
=========  ========  ===========

:func:`continuity` adds ``add`` to cells as metafor's ``escalc`` does (default: 1/2 to every cell of a table
that has a zero cell, ``to = "only0"``); the measure functions then use the corrected counts for both the
estimate and its variance (metafor's defaults ``addyi = TRUE, addvi = TRUE``). The measure functions are
named after metafor's measure codes; ``or_`` has a trailing underscore because ``or`` is a Python keyword.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_choice, check_number

__all__ = ["ADD_TO", "continuity", "or_", "rr", "rd"]

ADD_TO = ("only0", "all", "if0all", "none")


def _arrays(*values):
    return [np.asarray(v, dtype=float) for v in values]


def continuity(ai, bi, ci, di, *, add=0.5, to="only0", drop00=False):
    r"""Return the cell counts with metafor's continuity correction applied.

    Parameters
    ----------
    ai, bi, ci, di : array_like
        Events and non-events in group 1 (``ai``, ``bi``) and group 2 (``ci``, ``di``).
    add : float, default 0.5
        The amount added to cells (metafor's ``add``); 0 or more.
    to : {"only0", "all", "if0all", "none"}, default "only0"
        ``"only0"``: to every cell of each table that has a zero cell; ``"all"``: to every cell of every
        table; ``"if0all"``: to every cell of every table when any table has a zero cell; ``"none"``: never.
    drop00 : bool, default False
        Tables with no events in both groups (``ai = ci = 0``) or only events (``bi = di = 0``) give no
        information on OR and RR; with ``True`` their cells become ``NaN`` (metafor's ``drop00``).

    Returns
    -------
    ai, bi, ci, di : numpy.ndarray
        The corrected counts (floats).

    References
    ----------
    Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package. *Journal of
    Statistical Software, 36*(3), 1-48; metafor 3.8.1 ``escalc`` arguments ``add``, ``to``, ``drop00``.

    Examples
    --------
    >>> [float(x[0]) for x in continuity([0], [10], [3], [7])]
    [0.5, 10.5, 3.5, 7.5]
    """
    to = check_choice("to", to, ADD_TO)
    add = check_number("add", add, low=0)
    a, b, c, d = _arrays(ai, bi, ci, di)
    if drop00:
        both = ((a == 0) & (c == 0)) | ((b == 0) & (d == 0))
        a, b, c, d = (np.where(both, np.nan, x) for x in (a, b, c, d))
    if to == "all":
        hit = np.ones(a.shape, dtype=bool)
    elif to == "none":
        hit = np.zeros(a.shape, dtype=bool)
    else:
        zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
        hit = zero if to == "only0" else np.full(a.shape, bool(zero.any()))
    return tuple(np.where(hit, x + add, x) for x in (a, b, c, d))


def or_(ai, bi, ci, di):
    r"""Log odds ratio and its variance (Woolf).

    .. math:: y_i = \ln\frac{a_i d_i}{b_i c_i}, \qquad v_i = \frac1{a_i} + \frac1{b_i} + \frac1{c_i} + \frac1{d_i}

    Parameters
    ----------
    ai, bi, ci, di : array_like
        Cell counts (after :func:`continuity`): events and non-events of groups 1 and 2.

    Returns
    -------
    yi, vi : numpy.ndarray
        The log odds ratio and its sampling variance.

    References
    ----------
    Woolf, B. (1955). On estimating the relation between blood group and disease. *Annals of Human
    Genetics, 19*, 251-253. Borenstein et al. (2009), *Introduction to meta-analysis*, pp. 36-37.
    metafor: ``escalc(measure = "OR")``.

    Examples
    --------
    Borenstein et al. (2009), p. 37: events 5/100 vs 10/100 give log OR = -0.7472, variance 0.3216:

    >>> yi, vi = or_([5], [95], [10], [90])
    >>> round(float(yi[0]), 4), round(float(vi[0]), 4)
    (-0.7472, 0.3216)
    """
    a, b, c, d = _arrays(ai, bi, ci, di)
    return np.log(a * d / (b * c)), 1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d


def rr(ai, bi, ci, di):
    r"""Log risk ratio and its variance.

    .. math:: y_i = \ln\frac{a_i/n_{1i}}{c_i/n_{2i}}, \qquad
              v_i = \frac1{a_i} - \frac1{n_{1i}} + \frac1{c_i} - \frac1{n_{2i}}, \quad
              n_{1i} = a_i + b_i,\; n_{2i} = c_i + d_i

    Parameters
    ----------
    ai, bi, ci, di : array_like
        Cell counts (after :func:`continuity`): events and non-events of groups 1 and 2.

    Returns
    -------
    yi, vi : numpy.ndarray
        The log risk ratio and its sampling variance.

    References
    ----------
    Borenstein et al. (2009), *Introduction to meta-analysis*, pp. 34-35. metafor: ``escalc(measure = "RR")``.

    Examples
    --------
    Borenstein et al. (2009), p. 35: events 5/100 vs 10/100 give log RR = -0.6931, variance 0.2800:

    >>> yi, vi = rr([5], [95], [10], [90])
    >>> round(float(yi[0]), 4), round(float(vi[0]), 4)
    (-0.6931, 0.28)
    """
    a, b, c, d = _arrays(ai, bi, ci, di)
    n1, n2 = a + b, c + d
    return np.log(a / n1) - np.log(c / n2), 1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n2


def rd(ai, bi, ci, di):
    r"""Risk difference and its large-sample variance.

    .. math:: y_i = p_{1i} - p_{2i}, \qquad v_i = \frac{p_{1i}(1 - p_{1i})}{n_{1i}} + \frac{p_{2i}(1 - p_{2i})}{n_{2i}}

    Parameters
    ----------
    ai, bi, ci, di : array_like
        Cell counts (after :func:`continuity`): events and non-events of groups 1 and 2.

    Returns
    -------
    yi, vi : numpy.ndarray
        The risk difference and its sampling variance.

    References
    ----------
    Borenstein et al. (2009), *Introduction to meta-analysis*, pp. 37-38. metafor: ``escalc(measure = "RD")``
    (vtype "LS").

    Examples
    --------
    >>> yi, vi = rd([5], [95], [10], [90])
    >>> round(float(yi[0]), 4), round(float(vi[0]), 6)
    (-0.05, 0.001375)
    """
    a, b, c, d = _arrays(ai, bi, ci, di)
    n1, n2 = a + b, c + d
    p1, p2 = a / n1, c / n2
    return p1 - p2, p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2
