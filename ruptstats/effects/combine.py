r"""Several effects from one study: combine them under an assumed correlation (metafor's ``aggregate.escalc``).

When a study reports several effect sizes for the same sample (several outcome measures, several time
points), they are not independent. :func:`aggregate` combines them into one effect per study assuming a
common correlation ``rho`` between the sampling errors of any two effects of a study (compound symmetry).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._checks import check_number
from ..exceptions import DataError, OptionError
from ..intake.cells import check_rule, drop_empty, values_of
from ..intake.policy import missing_policy

__all__ = ["aggregate", "composite"]


def composite(yi, vi, rho, *, weighted=True):
    r"""Combine the effects of one study into one effect and its variance.

    With :math:`V = S R S`, :math:`S = \operatorname{diag}(\sqrt{v_j})`, :math:`R_{jk} = \rho` for
    :math:`j \ne k` and :math:`R_{jj} = 1`, and :math:`W = V^{-1}`:

    .. math::
        \text{weighted:}\quad \bar y = \frac{\mathbf 1^\top W y}{\mathbf 1^\top W \mathbf 1},\quad
        v_{\bar y} = \frac{1}{\mathbf 1^\top W \mathbf 1};
        \qquad
        \text{unweighted:}\quad \bar y = \frac1m \sum_j y_j,\quad v_{\bar y} = \frac{1}{m^2}\sum_{j,k} V_{jk}

    The unweighted form is the composite of Borenstein et al. (2009, ch. 24), whose variance is
    :math:`\frac{1}{m^2}\left(\sum_j v_j + \sum_{j \ne k} \rho \sqrt{v_j v_k}\right)`.

    Returns
    -------
    y, v : float

    Raises
    ------
    ValueError
        ``V`` is not positive definite (e.g. ``rho = -1`` with two effects).

    References
    ----------
    Borenstein, M., Hedges, L. V., Higgins, J. P. T., & Rothstein, H. R. (2009). *Introduction to
    meta-analysis* (ch. 24, Multiple outcomes or time-points within a study). Wiley.
    metafor 3.8.1: ``aggregate(x, cluster, rho, struct = "CS", weighted = TRUE | FALSE)``.

    Examples
    --------
    Two effects with variances 0.04 and 0.09 and rho = 0.5, unweighted: variance
    (0.04 + 0.09 + 2 * 0.5 * 0.2 * 0.3) / 4 = 0.0475:

    >>> y, v = composite([0.2, 0.4], [0.04, 0.09], 0.5, weighted=False)
    >>> round(y, 4), round(v, 4)
    (0.3, 0.0475)
    """
    y = np.asarray(yi, dtype=float)
    s = np.sqrt(np.asarray(vi, dtype=float))
    m = y.size
    corr = np.full((m, m), float(rho))
    np.fill_diagonal(corr, 1.0)
    cov = corr * np.outer(s, s)
    if m > 1 and np.linalg.eigvalsh(cov).min() <= np.finfo(float).eps:
        raise ValueError(f"the covariance matrix with rho = {rho} is not positive definite")
    if not weighted:
        return float(y.mean()), float(cov.sum() / m**2)
    w = np.linalg.solve(cov, np.ones(m))
    return float(w @ y / w.sum()), float(1.0 / w.sum())


def aggregate(data: pd.DataFrame, *, cluster: str = "study", rho, weighted: bool = True, yi: str = "yi",
              vi: str = "vi", missing: str = "error") -> pd.DataFrame:
    """Combine the effects within each study (cluster) into one row per study.

    Parameters
    ----------
    data : pandas.DataFrame
        Effect sizes with ``yi`` and ``vi`` (e.g. the result of :func:`~ruptstats.effects.escalc`).
    cluster : str, default "study"
        The column that identifies the study; rows with the same value are combined.
    rho : float
        The assumed correlation between the sampling errors of two effects of the same study, in [-1, 1].
    weighted : bool, default True
        ``True``: inverse-variance (GLS) weights, metafor's default; ``False``: the simple mean, Borenstein
        et al.'s (2009) composite. See :func:`composite`.
    yi, vi : str, default "yi", "vi"
        The effect-size and variance columns.
    missing : {"error", "drop"}, default "error"
        Empty ``yi``/``vi``/``cluster`` cells are an error; with ``"drop"`` the rows are dropped and reported.

    Returns
    -------
    pandas.DataFrame
        One row per study in order of first appearance: numeric columns averaged, other columns their most
        frequent value (metafor's defaults), ``yi`` and ``vi`` the combined effect and its variance, ``k``
        the number of effects combined, ``combined_rows`` the 1-based input rows combined (e.g. ``"1, 2"``).
        ``attrs["measure"]`` is kept; ``attrs["rho"]`` and ``attrs["weighted"]`` record the assumptions.

    Raises
    ------
    OptionError
        ``rho`` outside [-1, 1] or not a number; unknown ``missing``.
    DataError
        A missing column, a non-numeric, empty or non-positive ``vi``, or a study whose effects cannot be
        combined with this ``rho`` (not positive definite); the message names the row and column.

    Examples
    --------
    >>> import pandas as pd
    >>> es = pd.DataFrame({"study": ["A", "A", "B"], "yi": [0.2, 0.4, 0.1], "vi": [0.04, 0.09, 0.05]})
    >>> out = aggregate(es, rho=0.5, weighted=False)
    >>> out[["study", "k", "combined_rows"]].values.tolist()
    [['A', 2, '1, 2'], ['B', 1, '3']]
    """
    rho = check_number("rho", rho, low=-1, high=1)
    missing = missing_policy(missing)
    if not isinstance(data, pd.DataFrame):
        raise OptionError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    source = data.attrs.get("source")
    if cluster not in data.columns:
        raise DataError(f"no column named '{cluster}' (the table has: {', '.join(map(str, data.columns))})",
                        source=source, column=cluster)
    y = values_of(data, yi, column=yi, k=len(data), source=source)
    v = values_of(data, vi, column=vi, k=len(data), source=source)
    ids = pd.Series(data[cluster]).reset_index(drop=True)
    keep, dropped = drop_empty({cluster: np.where(ids.isna(), np.nan, 0.0), yi: y, vi: v}, missing=missing,
                                 source=source, what="a combined effect")
    rows = np.flatnonzero(keep)
    check_rule(v[rows], "variance", column=vi, source=source, rows=rows + 1)
    groups = pd.Series(rows).groupby(ids.iloc[rows].to_numpy(), sort=False)
    records = [_combine(data, idx.to_numpy(), y, v, rho, weighted, (cluster, yi, vi), source)
               for _, idx in groups]
    out = pd.DataFrame.from_records(records)
    out.attrs = {**data.attrs, "rho": rho, "weighted": bool(weighted), "dropped_rows": [r for r, _ in dropped]}
    return out


def _combine(data, idx, y, v, rho, weighted, names, source) -> dict:
    cluster, yi, vi = names
    try:
        ybar, vbar = composite(y[idx], v[idx], rho, weighted=weighted)
    except ValueError as exc:
        raise DataError(f"study {data[cluster].iloc[idx[0]]!r}: {exc}", source=source, row=int(idx[0]) + 1,
                        column=vi) from None
    part = data.iloc[idx]
    rec = {col: _summary(part[col]) for col in data.columns if col not in (yi, vi)}
    rec[cluster] = part[cluster].iloc[0]
    rec.update({yi: ybar, vi: vbar, "k": len(idx), "combined_rows": ", ".join(str(i + 1) for i in idx)})
    return rec


def _summary(col: pd.Series):
    """Mean of a numeric column, else its most frequent value (first seen among ties)."""
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        return col.mean() if col.notna().any() else np.nan
    counts = col.dropna().value_counts(sort=False)
    return counts.idxmax() if len(counts) else np.nan
