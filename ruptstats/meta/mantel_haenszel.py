r"""Mantel-Haenszel pooling of 2×2 tables (metafor's ``rma.mh``): odds ratio, risk ratio and risk difference,
with the Cochran-Mantel-Haenszel test and Tarone's test of homogeneity of the odds ratios.

For table :math:`i` with cells :math:`a_i, b_i, c_i, d_i`, group sizes :math:`n_{1i}, n_{2i}` and total
:math:`N_i`:

.. math:: \widehat{OR}_{MH} = \frac{\sum_i a_i d_i / N_i}{\sum_i b_i c_i / N_i}, \qquad
          \widehat{RR}_{MH} = \frac{\sum_i a_i n_{2i}/N_i}{\sum_i c_i n_{1i}/N_i}, \qquad
          \widehat{RD}_{MH} = \frac{\sum_i (a_i n_{2i} - c_i n_{1i})/N_i}{\sum_i n_{1i} n_{2i}/N_i},

with the variance of Robins, Breslow & Greenland (1986) for :math:`\ln\widehat{OR}`, of Greenland & Robins (1985)
for :math:`\ln\widehat{RR}` and of Sato, Greenland & Robins (1989) for the RD. The MH sums use the raw counts
(metafor's second ``add``/``to`` default ``0``/``"none"``); Cochran's Q, I² and H² use the study-level
``escalc`` values :math:`y_i, v_i` (with ``add``/``to``/``drop00`` applied, metafor's defaults 1/2, ``"only0"``,
``True``): :math:`Q = \sum_i (y_i - \hat\theta)^2 / v_i` on :math:`k_y - 1` df. The CMH statistic (odds ratio) is

.. math:: X^2_{CMH} = \frac{\left(\left|\sum_i a_i - n_{1i} x_i/N_i\right| - \tfrac12\right)^2}
          {\sum_i n_{1i} n_{2i} x_i y_i / (N_i^2 (N_i - 1))}, \quad x_i = a_i + c_i,\ y_i = b_i + d_i,

(without the 1/2 when ``correct=False``) on 1 df; Tarone's statistic is the Breslow-Day statistic minus its
correction, on :math:`k_{pos} - 1` df (tables with a positive expected count and both outcomes).

Where metafor returns ``NA`` for an estimate that does not exist (no events in one of the two groups of any
table) ruptstats raises a :class:`~ruptstats.exceptions.DataError` saying so.

References
----------
Mantel, N., & Haenszel, W. (1959). Statistical aspects of the analysis of data from retrospective studies of
disease. *Journal of the National Cancer Institute, 22*, 719-748.
Robins, J., Breslow, N., & Greenland, S. (1986). Estimators of the Mantel-Haenszel variance consistent in both
sparse data and large-strata limiting models. *Biometrics, 42*, 311-323.
Greenland, S., & Robins, J. M. (1985). Estimation of a common effect parameter from sparse follow-up data.
*Biometrics, 41*, 55-68. Sato, T., Greenland, S., & Robins, J. M. (1989). On the variance estimator for the
Mantel-Haenszel risk difference. *Biometrics, 45*, 1323-1324.
Tarone, R. E. (1985). On heterogeneity tests based on efficient scores. *Biometrika, 72*, 91-95.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._checks import check_choice, check_level
from .._dist import chi2_sf, critical_value, two_sided_p
from ..exceptions import DataError
from ._small import SmallResult

__all__ = ["MantelHaenszelResult", "rma_mh", "MH_MEASURES"]

#: Measures of :func:`rma_mh`.
MH_MEASURES = ("OR", "RR", "RD")


@dataclass(frozen=True, repr=False)
class MantelHaenszelResult(SmallResult):
    """A Mantel-Haenszel (or Peto) pooled 2×2-table analysis.

    Attributes
    ----------
    method : str
        ``"MH"`` or ``"PETO"``.
    measure : str
        ``"OR"``, ``"RR"`` or ``"RD"`` (Peto: ``"OR"``).
    k : int
        Tables in the analysis.
    estimate, se, statistic, p, ci_lower, ci_upper : float
        Pooled effect on the analysis scale (log OR, log RR, or RD), its SE, z test and CI.
    level : float
    q, q_df, q_p, i2, h2 : float, int, float, float, float
        Cochran's Q test of heterogeneity (metafor's ``QE``, ``QEp``), I² (percent) and H².
    cmh, cmh_p : float or None
        Cochran-Mantel-Haenszel test of OR = 1 (``measure="OR"``; metafor's ``MH``, ``MHp``).
    tarone, tarone_p : float or None
        Tarone's test of homogeneity of the odds ratios (``measure="OR"``; metafor's ``TA``, ``TAp``).
    back_transformed : dict or None
        ``estimate``, ``ci_lower``, ``ci_upper`` as odds or risk ratios (``exp``); None for the RD.
    study : tuple of str
    yi, vi : numpy.ndarray
        Study-level effect sizes and variances (``escalc`` with ``add``/``to``/``drop00``; NaN where dropped).
    notes : tuple of str
    """

    method: str
    measure: str
    k: int
    estimate: float
    se: float
    statistic: float
    p: float
    ci_lower: float
    ci_upper: float
    level: float
    q: float
    q_df: int
    q_p: float
    i2: float
    h2: float
    cmh: float | None = None
    cmh_p: float | None = None
    tarone: float | None = None
    tarone_p: float | None = None
    back_transformed: dict | None = None
    study: tuple = field(default=(), compare=False)
    yi: np.ndarray = field(default=None, compare=False)
    vi: np.ndarray = field(default=None, compare=False)
    notes: tuple = field(default=(), compare=False)
    #: ``to_dict()`` keys (the JSON section of ``--method MH`` / ``--method PETO``).
    json_fields = ("method", "measure", "k", "estimate", "se", "statistic", "p", "ci_lower", "ci_upper", "level",
                   "q", "q_df", "q_p", "i2", "h2", "cmh", "cmh_p", "tarone", "tarone_p", "back_transformed",
                   "notes")

    @property
    def title(self) -> str:
        name = {"MH": "Mantel-Haenszel", "PETO": "Peto"}[self.method]
        return f"Equal-effects model, {name} method ({self.measure}; k = {self.k})"

    def summary(self) -> str:
        """Title, the one-row table and the back-transformed estimate (rounded by :mod:`ruptstats.report`)."""
        from ..report import format_table

        frame = self.summary_frame()
        frame = frame[[c for c in frame.columns if frame[c].notna().all()]]
        text = f"{self.title}\n{format_table(frame)}"
        if self.back_transformed is not None:
            import pandas as pd

            text += f"\n{self.measure} scale:\n{format_table(pd.DataFrame([self.back_transformed]))}"
        return text + "".join(f"\nNote: {n}" for n in self.notes)

    def __repr__(self) -> str:
        return (f"MantelHaenszelResult(method={self.method!r}, measure={self.measure!r}, k={self.k}, "
                f"estimate={self.estimate!r})")


def heterogeneity_from(yi, vi, estimate) -> tuple[float, int, float, float, float]:
    """Cochran's Q of the study-level ``yi``/``vi`` (finite ones) around ``estimate``: ``q, q_df, q_p, i2, h2``
    (metafor: Q = 0, p = 1, I² = 0, H² = 1 with fewer than two tables)."""
    ok = np.isfinite(yi) & np.isfinite(vi)
    k_yi = int(ok.sum())
    if k_yi <= 1:
        return 0.0, max(k_yi - 1, 0), 1.0, 0.0, 1.0
    q = max(0.0, float(np.sum((yi[ok] - estimate) ** 2 / vi[ok])))
    df = k_yi - 1
    i2 = max(0.0, 100.0 * (q - df) / q) if q > 0 else 0.0
    return q, df, float(chi2_sf(q, df)), i2, q / df


def pooled_fields(estimate, se, level) -> dict:
    """z test and CI of a pooled estimate."""
    stat = estimate / se
    crit = float(critical_value(level))
    return {"estimate": float(estimate), "se": float(se), "statistic": float(stat), "p": float(two_sided_p(stat)),
            "ci_lower": float(estimate - crit * se), "ci_upper": float(estimate + crit * se)}


def back_transform(fields, measure) -> dict | None:
    """``exp`` of the estimate and CI for ratio measures (None for the RD)."""
    if measure == "RD":
        return None
    return {key: math.exp(fields[key]) for key in ("estimate", "ci_lower", "ci_upper")}


def read_tables(data, ai, bi, ci, di, n1i, n2i, study, missing):
    """Checked cells, study labels and notes about dropped rows."""
    from ..effects.measures import two_by_two

    (a, b, c, d), table, rows = two_by_two(data, ai=ai, bi=bi, ci=ci, di=di, n1i=n1i, n2i=n2i, missing=missing)
    if a.size < 1:
        raise DataError("no 2x2 table to pool")
    if study is None:
        labels = tuple(str(r) for r in rows)
    elif isinstance(study, str) and data is not None:
        labels = tuple(str(s) for s in table[study])
    else:
        values = list(study)
        if len(values) != len(table) + len(table.attrs.get("dropped_rows", [])):
            raise DataError(f"{len(values)} study labels for {len(table)} tables")
        labels = tuple(str(values[r - 1]) for r in rows)
    dropped = table.attrs.get("dropped_rows", [])
    notes = (f"rows with an empty cell left out: {', '.join(map(str, dropped))}",) if dropped else ()
    return (a, b, c, d), labels, notes


def _or(a, b, c, d, correct):
    n1, n2 = a + b, c + d
    N = n1 + n2
    P, Q = (a + d) / N, (b + c) / N
    R_i, S_i = a / N * d, b / N * c
    R, S = float(R_i.sum()), float(S_i.sum())
    if R == 0 or S == 0:
        raise DataError("the Mantel-Haenszel odds ratio is not defined: "
                        + ("no table has a*d > 0" if R == 0 else "no table has b*c > 0")
                        + " (metafor returns NA)")
    psi = R / S
    se = math.sqrt(0.5 * (np.sum(P * R_i) / R**2 + np.sum(P * S_i + Q * R_i) / (R * S) + np.sum(Q * S_i) / S**2))
    xt, yt = a + c, b + d
    dev = abs(float(np.sum(a - n1 / N * xt))) - (0.5 if correct else 0.0)
    cmh = dev**2 / float(np.sum(n1 / N * (n2 / N) * (xt * (yt / (N - 1)))))
    if psi == 1:
        N11 = n1 / N * xt
    else:
        A = psi * (n1 + xt) + (n2 - xt)
        N11 = (A - np.sqrt(A**2 - 4 * n1 * xt * psi * (psi - 1))) / (2 * (psi - 1))
    pos = (N11 > 0) & (xt > 0) & (yt > 0)
    e11 = N11[pos]
    inv = 1 / (1 / e11 + 1 / (n1[pos] - e11) + 1 / (xt[pos] - e11) + 1 / (e11 - n1[pos] - xt[pos] + N[pos]))
    resid = a[pos] - e11
    bd = max(0.0, float(np.sum(resid**2 / inv)))
    ta = max(0.0, bd - float(np.sum(resid)) ** 2 / float(np.sum(inv)))
    k_pos = int(pos.sum())
    extra = {"cmh": cmh, "cmh_p": float(chi2_sf(cmh, 1)), "tarone": ta,
             "tarone_p": float(chi2_sf(ta, k_pos - 1)) if k_pos > 1 else None}
    return math.log(psi), se, extra


def _rr(a, b, c, d):
    n1, n2 = a + b, c + d
    N = n1 + n2
    if a.sum() == 0 or c.sum() == 0:
        raise DataError("the Mantel-Haenszel risk ratio is not defined: no events in group "
                        + ("1" if a.sum() == 0 else "2") + " of any table (metafor returns NA)")
    R, S = float(np.sum(a * (n2 / N))), float(np.sum(c * (n1 / N)))
    se = math.sqrt(float(np.sum(n1 / N * (n2 / N) * (a + c) - a / N * c)) / (R * S))
    return math.log(R / S), se, {}


def _rd(a, b, c, d):
    n1, n2 = a + b, c + d
    N = n1 + n2
    W = float(np.sum(n1 * (n2 / N)))
    est = float(np.sum(a * (n2 / N) - c * (n1 / N))) / W
    num = est * float(np.sum(c * (n1 / N) ** 2 - a * (n2 / N) ** 2 + n1 / N * (n2 / N) * (n2 - n1) / 2)) \
        + float(np.sum(a * (n2 - c) / N + c * (n1 - a) / N)) / 2
    return est, math.sqrt(num / W**2), {}


def rma_mh(data=None, *, ai=None, bi=None, ci=None, di=None, n1i=None, n2i=None, measure="OR", study=None,
           add=0.5, to="only0", drop00=True, correct=True, level=0.95, missing="error") -> MantelHaenszelResult:
    """Pool 2×2 tables with the Mantel-Haenszel method (metafor's ``rma.mh``).

    Parameters
    ----------
    data : pandas.DataFrame, optional
        The table; with it, the cell arguments are column names, without it arrays.
    ai, bi, ci, di : str or array_like
        Events and non-events of groups 1 and 2; ``n1i``/``n2i`` (group sizes) may replace ``bi``/``di``.
    measure : {"OR", "RR", "RD"}, default "OR"
    study : str or array_like, optional
        Study labels (a column of ``data`` or one label per row); default the row numbers.
    add, to, drop00 : default 0.5, "only0", True
        Continuity correction of the study-level ``yi``/``vi`` used for Q (metafor's defaults; see
        :func:`ruptstats.effects.counts.continuity`). The pooled estimate uses the raw counts.
    correct : bool, default True
        Continuity correction of the CMH test.
    level : float, default 0.95
    missing : {"error", "drop"}, default "error"
        Rows with an empty cell: an error, or left out with a note.

    Returns
    -------
    MantelHaenszelResult

    Raises
    ------
    OptionError
        Unknown ``measure``, ``to`` or ``missing``; a cell argument not given.
    DataError
        Bad counts (negative, not whole, events above the group size), or an estimate that is not defined.

    Examples
    --------
    >>> res = rma_mh(ai=[4, 6, 3], bi=[119, 300, 228], ci=[11, 29, 11], di=[128, 274, 209])
    >>> round(res.back_transformed["estimate"], 4)  # metafor: exp(rma.mh(ai, bi, ci, di)$beta)
    0.2433
    """
    from ..effects import counts

    measure = check_choice("measure", measure, MH_MEASURES)
    level = check_level(level)
    (a, b, c, d), labels, notes = read_tables(data, ai, bi, ci, di, n1i, n2i, study, missing)
    ya, yb, yc, yd = counts.continuity(a, b, c, d, add=add, to=to, drop00=drop00)
    with np.errstate(divide="ignore", invalid="ignore"):
        yi, vi = {"OR": counts.or_, "RR": counts.rr, "RD": counts.rd}[measure](ya, yb, yc, yd)
    with np.errstate(divide="ignore", invalid="ignore"):
        est, se, extra = _or(a, b, c, d, correct) if measure == "OR" else (_rr if measure == "RR" else _rd)(a, b, c, d)
    if not (math.isfinite(se) and se > 0):
        raise DataError(f"the Mantel-Haenszel {measure} has no finite standard error on these tables")
    fields = pooled_fields(est, se, level)
    q, q_df, q_p, i2, h2 = heterogeneity_from(yi, vi, est)
    return MantelHaenszelResult(method="MH", measure=measure, k=int(a.size), **fields, level=level, q=q, q_df=q_df,
                                q_p=q_p, i2=i2, h2=h2, **extra, back_transformed=back_transform(fields, measure),
                                study=labels, yi=yi, vi=vi, notes=notes)
