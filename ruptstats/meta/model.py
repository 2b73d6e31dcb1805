"""Pooling effect sizes: :func:`rma`, the one entry point for an intercept-only meta-analysis."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import DataError
from .fitting import fit_model
from ..intake.cells import check_present, check_rule
from ..intake.study import effects_from_table
from .results import MetaResult

__all__ = ["rma"]


def rma(yi=None, vi=None, *, sei=None, data=None, study=None, ni=None, measure=None, method: str = "REML",
        test: str = "z", level=0.95, control: dict | None = None) -> MetaResult:
    r"""Pool effect sizes with a common-effect or random-effects model (metafor's ``rma()``).

    Parameters
    ----------
    yi : array_like, str or pandas.DataFrame
        Effect sizes; a column name when ``data`` is given; or a table with ``yi`` and ``vi`` columns (as
        returned by the effect-size functions), whose ``attrs["measure"]`` sets ``measure``.
    vi : array_like or str, optional
        Sampling variances (> 0), or a column name.
    sei : array_like or str, optional
        Standard errors instead of ``vi``.
    data : pandas.DataFrame, optional
        Table holding the named columns.
    study : array_like or str, optional
        Study labels (default ``"Study 1"``, ...).
    ni : array_like or str, optional
        Sample sizes, reported as ``n_total``.
    measure : str, optional
        The effect-size measure; ``"ZCOR"`` reports estimates back-transformed to r as well.
    method : {"REML", "FE", "DL", "HE", "HS", "SJ", "ML", "EB", "PM"}, default "REML"
        ``FE`` is the common-effect model; the others estimate τ² (see :mod:`ruptstats.meta.estimators`).
    test : {"z", "knha"}, default "z"
        ``knha``: Knapp-Hartung t test with k - 1 degrees of freedom.
    level : float, default 0.95
        Confidence level for CIs and the prediction interval (0.95 or 95).
    control : dict, optional
        Iteration settings (``threshold``, ``tol``, ``maxiter``, ``stepadj``, ``tau2_max``); the defaults are
        metafor's, so results agree with metafor.

    Returns
    -------
    MetaResult

    Raises
    ------
    DataError
        Non-finite effect sizes, variances <= 0, arrays of unequal length, or no study.
    OptionError
        Unknown ``method`` or ``test``, a bad ``level``, ``knha`` with one study.

    Notes
    -----
    With weights :math:`w_i = 1/(v_i + \hat\tau^2)`, :math:`\hat\mu = \sum w_i y_i / \sum w_i` and
    :math:`\operatorname{SE}(\hat\mu) = (\sum w_i)^{-1/2}`; the Knapp-Hartung SE multiplies the variance by
    :math:`\sum w_i (y_i - \hat\mu)^2/(k - 1)`. The prediction interval is
    :math:`\hat\mu \pm c\sqrt{\operatorname{SE}^2 + \hat\tau^2}`. I² is
    :math:`100\,\hat\tau^2/(\hat\tau^2 + \tilde v)` with the typical within-study variance
    :math:`\tilde v = (k-1)\sum w_i / ((\sum w_i)^2 - \sum w_i^2)` (Higgins & Thompson, 2002).

    References
    ----------
    Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package. *Journal of Statistical
    Software, 36*(3), 1-48.
    Borenstein, M., Hedges, L. V., Higgins, J. P. T., & Rothstein, H. R. (2009). *Introduction to
    meta-analysis*. Wiley.

    Examples
    --------
    >>> res = rma([0.10, 0.30, 0.35, 0.25], [0.010, 0.020, 0.015, 0.012], method="DL")
    >>> round(res.estimate, 4), res.k  # metafor: rma(yi, vi, method = "DL")$b = 0.2305555556
    (0.2306, 4)
    """
    if isinstance(yi, pd.DataFrame) and vi is None and sei is None and data is None:
        table = yi
        measure = measure or table.attrs.get("measure")
        if measure is None and "measure" in table.columns and table["measure"].nunique() == 1:
            measure = str(table["measure"].iloc[0])
        inp = effects_from_table(table, yi="yi", vi="vi", study=study if isinstance(study, str) else None,
                                 measure=measure)
        study = inp.study if study is None or isinstance(study, str) else study
        return _pool(inp.yi, inp.vi, study, inp.ni if ni is None else ni, measure, method, test, level,
                     control)
    if data is not None:
        yi, vi, sei, study, ni = (data[c] if isinstance(c, str) else c for c in (yi, vi, sei, study, ni))
    y = _vector(yi, "yi")
    if (vi is None) == (sei is None):
        raise DataError("give the sampling variances (vi) or the standard errors (sei), one of the two")
    second = _vector(vi if vi is not None else sei, "vi" if vi is not None else "sei")
    if second.size != y.size:
        raise DataError(f"yi has {y.size} values but {'vi' if vi is not None else 'sei'} has {second.size}")
    check_rule(second, "variance" if vi is not None else "se", column="vi" if vi is not None else "sei")
    v = second if vi is not None else second**2
    return _pool(y, v, study, ni, measure, method, test, level, control)


def _vector(x, name: str) -> np.ndarray:
    if x is None:
        raise DataError(f"{name} is missing")
    try:
        arr = np.asarray(x, dtype=float).ravel()
    except (TypeError, ValueError):
        raise DataError(f"{name} must be numbers") from None
    if arr.size == 0:
        raise DataError(f"{name} is empty: no study to pool")
    check_present(arr, column=name)
    check_rule(arr, "any", column=name)
    return arr


def _pool(y, v, study, ni, measure, method, test, level, control) -> MetaResult:
    fit = fit_model(y, v, method=method, test=test, level=level, control=control)
    if study is not None:
        study = [str(s) for s in np.asarray(study, dtype=object).ravel()]
        if len(study) != fit.k:
            raise DataError(f"{len(study)} study labels for {fit.k} effect sizes")
    notes = ("k = 1: the pooled estimate is the single study's; heterogeneity is undefined",) if fit.k == 1 else ()
    nvec = None if ni is None else _vector(ni, "ni")
    return MetaResult.from_fit(fit, study=study, ni=nvec, measure=measure, notes=notes)
