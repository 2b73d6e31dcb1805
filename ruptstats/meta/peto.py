r"""Peto's one-step odds ratio for 2×2 tables (metafor's ``rma.peto``).

For table :math:`i` with :math:`x_i = a_i + c_i` events, :math:`y_i = b_i + d_i` non-events and total :math:`N_i`,

.. math:: E_i = \frac{x_i n_{1i}}{N_i}, \qquad V_i = \frac{x_i y_i n_{1i} n_{2i}}{N_i^2 (N_i - 1)}, \qquad
          \ln\widehat{OR} = \frac{\sum_i (a_i - E_i)}{\sum_i V_i}, \qquad SE = \Bigl(\sum_i V_i\Bigr)^{-1/2},

computed on the raw counts (tables without events or without non-events have :math:`V_i = 0` and add nothing).
The heterogeneity statistic is :math:`Q = \sum_{V_i > 0} (a_i - E_i)^2/V_i - (\sum_i (a_i - E_i))^2/\sum_i V_i` on
:math:`k_y - 1` df, :math:`k_y` the tables with a study-level ``yi`` (metafor's ``escalc(measure = "PETO")``
with ``add``, ``to``, ``drop00``: defaults 1/2, ``"only0"``, ``True``).

Where metafor stops ("one of the two outcomes never occurred") ruptstats raises a
:class:`~ruptstats.exceptions.DataError` with the same meaning.

References
----------
Yusuf, S., Peto, R., Lewis, J., Collins, R., & Sleight, P. (1985). Beta blockade during and after myocardial
infarction: An overview of the randomized trials. *Progress in Cardiovascular Diseases, 27*, 335-371.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_level
from .._dist import chi2_sf
from ..exceptions import DataError
from .mantel_haenszel import MantelHaenszelResult, back_transform, pooled_fields, read_tables

__all__ = ["rma_peto", "peto_yi_vi"]


def _parts(a, b, c, d):
    n1, n2 = a + b, c + d
    N = n1 + n2
    xt, yt = a + c, b + d
    return a - xt * n1 / N, xt * yt * (n1 / N) * (n2 / N) / (N - 1)


def peto_yi_vi(ai, bi, ci, di):
    r"""Study-level Peto log odds ratios :math:`(a_i - E_i)/V_i` and variances :math:`1/V_i` (metafor's
    ``escalc(measure = "PETO")`` on already corrected cells).

    >>> yi, vi = peto_yi_vi([4.0], [119.0], [11.0], [128.0])
    >>> round(float(yi[0]), 4)  # metafor: escalc("PETO", ai = 4, bi = 119, ci = 11, di = 128)$yi
    -0.8604
    """
    o_e, v = _parts(*(np.asarray(x, dtype=float) for x in (ai, bi, ci, di)))
    with np.errstate(divide="ignore", invalid="ignore"):
        return o_e / v, 1.0 / v


def rma_peto(data=None, *, ai=None, bi=None, ci=None, di=None, n1i=None, n2i=None, study=None, add=0.5,
             to="only0", drop00=True, level=0.95, missing="error") -> MantelHaenszelResult:
    """Pool 2×2 tables with Peto's method (metafor's ``rma.peto``).

    Parameters
    ----------
    data, ai, bi, ci, di, n1i, n2i, study, missing
        As :func:`ruptstats.meta.mantel_haenszel.rma_mh`.
    add, to, drop00 : default 0.5, "only0", True
        Continuity correction of the study-level ``yi``/``vi`` (metafor's defaults); the pooled estimate
        uses the raw counts.
    level : float, default 0.95

    Returns
    -------
    MantelHaenszelResult
        ``method="PETO"``, ``measure="OR"``; no CMH or Tarone test.

    Raises
    ------
    DataError
        Bad counts, or no table with both outcomes (the estimate is not defined).

    Examples
    --------
    >>> res = rma_peto(ai=[4, 6, 3], bi=[119, 300, 228], ci=[11, 29, 11], di=[128, 274, 209])
    >>> round(res.estimate, 4)  # metafor: rma.peto(ai, bi, ci, di)$beta
    -1.2373
    """
    from ..effects import counts

    level = check_level(level)
    (a, b, c, d), labels, notes = read_tables(data, ai, bi, ci, di, n1i, n2i, study, missing)
    o_e, v = _parts(a, b, c, d)
    total = float(v.sum())
    if total == 0:
        raise DataError("one of the two outcomes never occurred in any table: Peto's method cannot be used")
    est = float(o_e.sum()) / total
    fields = pooled_fields(est, total ** -0.5, level)
    yi, vi = peto_yi_vi(*counts.continuity(a, b, c, d, add=add, to=to, drop00=drop00))
    k_yi = int(np.sum(np.isfinite(yi) & np.isfinite(vi)))
    pos = v > 0
    q = max(0.0, float(np.sum(o_e[pos] ** 2 / v[pos])) - float(o_e.sum()) ** 2 / total)
    if int(pos.sum()) > 1 and k_yi > 1:
        df = k_yi - 1
        q_p, i2, h2 = float(chi2_sf(q, df)), (max(0.0, 100.0 * (q - df) / q) if q > 0 else 0.0), q / df
    else:
        df, q_p, i2, h2 = max(k_yi - 1, 0), 1.0, 0.0, 1.0
    return MantelHaenszelResult(method="PETO", measure="OR", k=int(a.size), **fields, level=level, q=q, q_df=df,
                                q_p=q_p, i2=i2, h2=h2, back_transformed=back_transform(fields, "OR"),
                                study=labels, yi=yi, vi=vi, notes=notes)
