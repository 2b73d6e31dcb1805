"""Pooling effect sizes: :func:`rma`, the one entry point for the meta-analytic model (metafor's ``rma.uni``).

Without moderators it returns a :class:`~ruptstats.meta.MetaResult`; with ``mods=`` a
:class:`~ruptstats.meta.MetaRegressionResult`. Both derive from :class:`~ruptstats.meta.MetaModel`, so
``predict``, ``fitstats``, ``anova``, ``rstandard``, ``rstudent``, ``blup``, ``profile`` and ``confint``
work the same on either.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import DataError, OptionError
from .fitting import fit_model
from ..intake.cells import check_rule
from ..intake.policy import missing_policy
from ..intake.study import STUDY_COLUMNS, effects_from_table, find_column
from .results import MetaResult

__all__ = ["rma"]


def rma(yi=None, vi=None, *, sei=None, weights=None, mods=None, data=None, study=None, ni=None, measure=None,
        method: str = "REML", test: str = "z", level=0.95, missing: str | None = None,
        control: dict | None = None, **effect_inputs):
    r"""Fit the common-effect, random-effects or mixed-effects meta-analytic model (metafor's ``rma()``).

    Parameters
    ----------
    yi : array_like, str or pandas.DataFrame
        Effect sizes; a column name when ``data`` is given (``"yi ~ ablat"`` names the effect sizes and the
        moderators at once, as metafor's formula interface); or a table with ``yi`` and ``vi`` columns (as
        returned by the effect-size functions), whose ``attrs["measure"]`` sets ``measure``.
    vi : array_like or str, optional
        Sampling variances (>= 0; 0 only where the model is defined, see Raises), or a column name.
    sei : array_like or str, optional
        Standard errors instead of ``vi``.
    weights : array_like or str, optional
        The analyst's weights (>= 0), as metafor's ``weights=``: they replace :math:`1/(v_i + \hat\tau^2)` in
        the estimate of the coefficients, whose covariance becomes
        :math:`(X^\top A X)^{-1} X^\top A M A X (X^\top A X)^{-1}`; τ² and the Q test do not use them.
    mods : str, sequence of str, array_like or pandas.DataFrame, optional
        Moderators: a model formula on ``data`` (``"~ ablat + year"``, ``"~ factor(alloc)"``,
        ``"~ I(year - 2000) * ablat"``, ``"~ alloc - 1"``; see :func:`ruptstats.meta.design.formula_matrix`
        for the term names, which are R's), a list of column names (as :func:`meta_regression`), or a matrix
        / DataFrame of numeric moderators (an intercept is added).
    data : pandas.DataFrame, optional
        Table holding the named columns.
    study : array_like or str, optional
        Study labels (default ``"1"``, ``"2"``, ... for intercept-only models, ``"Study i"`` otherwise).
    ni : array_like or str, optional
        Sample sizes, reported as ``n_total``.
    measure : str, optional
        The effect-size measure; decides the back-transformation (``ZCOR`` -> r, log ratios -> ratios). With
        ``ai``, ``bi``, ... it also computes ``yi`` and ``vi`` with :func:`ruptstats.effects.escalc`.
    method : {"REML", "EE", "CE", "FE", "DL", "HE", "HS", "SJ", "ML", "EB", "PM"}, default "REML"
        ``EE``/``CE`` (metafor's names) and ``FE`` are the equal-effects model; results report it as ``FE``,
        the project's one name for it. The others estimate τ² (see :mod:`ruptstats.meta.estimators`).
    test : {"z", "knha"}, default "z"
        ``knha``: Knapp-Hartung t and F tests with k - p degrees of freedom.
    level : float, default 0.95
        Confidence level for CIs and prediction intervals (0.95 or 95).
    missing : {"drop", "error"}, default "drop"
        A row with a missing ``yi``, ``vi`` (``sei``), weight or moderator is left out of the model, with a note
        listing the 1-based rows, as metafor does (``na.action = "na.omit"``); ``"error"`` refuses it with a
        :class:`DataError` naming row and column (the default of the table readers, see
        :mod:`ruptstats.intake.policy`).
    control : dict, optional
        Iteration settings (``threshold``, ``tol``, ``maxiter``, ``stepadj``, ``tau2_max``); the defaults are
        metafor's, so results agree with metafor.
    **effect_inputs
        Inputs of :func:`ruptstats.effects.escalc` (``ai, bi, ci, di, n1i, n2i, m1i, sd1i, m2i, sd2i, ri``, and
        ``add``, ``to``, ``drop00``): with ``measure``, ``yi`` and ``vi`` are computed first (metafor's
        ``rma(measure = "OR", ai = ..., data = ...)``).

    Returns
    -------
    MetaResult or MetaRegressionResult
        ``MetaResult`` when the model has only an intercept, else ``MetaRegressionResult``.

    Raises
    ------
    DataError
        Non-finite effect sizes, negative variances or weights, arrays of unequal length, no study, a missing
        value under ``missing="error"``, a zero variance with the equal-effects model (or DL, HS, PM, which
        weight by :math:`1/v_i`) or with a τ² estimate of 0.
    OptionError
        Unknown ``method``, ``test`` or ``missing``, a bad ``level`` or formula, ``knha`` with k <= p.

    Notes
    -----
    With weights :math:`w_i = 1/(v_i + \hat\tau^2)`, :math:`\hat\beta = (X^\top W X)^{-1} X^\top W y` and
    :math:`\operatorname{Var}(\hat\beta) = (X^\top W X)^{-1}`; for the intercept-only model
    :math:`\hat\mu = \sum w_i y_i / \sum w_i`. The Knapp-Hartung covariance multiplies by
    :math:`\sum w_i (y_i - x_i^\top\hat\beta)^2/(k - p)`. The prediction interval is
    :math:`\hat\mu \pm c\sqrt{\operatorname{SE}^2 + \hat\tau^2}`. I² is
    :math:`100\,\hat\tau^2/(\hat\tau^2 + \tilde v)` with the typical within-study variance
    :math:`\tilde v = (k-p)/\operatorname{tr} P` (Higgins & Thompson, 2002). With a zero sampling variance the
    Q test, I² and H² are undefined and reported as missing, as in metafor.

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
    >>> t = pd.DataFrame({"yi": [0.1, 0.3, 0.35, 0.25, 0.5], "vi": [0.01, 0.02, 0.015, 0.012, 0.02],
    ...                   "x": [1.0, 2.0, 3.0, 4.0, 5.0]})
    >>> mr = rma("yi", "vi", mods="~ x", data=t, method="EE")
    >>> mr.terms, round(float(mr.estimate[1]), 6)  # metafor: coef(rma(yi, vi, mods = ~ x, method = "EE"))[2]
    (('intercept', 'x'), 0.074615)
    """
    missing = missing_policy(missing, default="drop")
    notes: list[str] = []
    if weights is not None:
        notes.append("the analyst's weights are used by the model, predict, fitstats, anova, rstandard, rstudent, "
                     "leave-one-out, influence, cumulative and regtest; robust(), trim-and-fill and the "
                     "permutation test refuse a weighted model (not yet available)")
    if effect_inputs:
        data, yi, vi, measure, escalc_notes = _from_escalc(data, yi, vi, sei, measure, ni, missing, effect_inputs)
        notes += escalc_notes
        ni = None if "ri" in effect_inputs else ni
    if isinstance(yi, str) and "~" in yi:
        if mods is not None:
            raise OptionError(f"give the moderators once: in yi={yi!r} or in mods={mods!r}")
        yi, _, rhs = yi.partition("~")
        yi, mods = yi.strip(), "~ " + rhs.strip()
    if isinstance(yi, pd.DataFrame) and vi is None and sei is None and data is None:
        table = yi
        measure = measure or table.attrs.get("measure")
        if measure is None and "measure" in table.columns and table["measure"].nunique() == 1:
            measure = str(table["measure"].iloc[0])
        zero_v = "vi" in table.columns and bool((pd.to_numeric(table["vi"], errors="coerce") == 0).any())
        if mods is None and weights is None and not zero_v:  # the intake refuses vi = 0; rma allows it (below)
            inp = effects_from_table(table, yi="yi", vi="vi", study=study if isinstance(study, str) else None,
                                     measure=measure, missing=missing)
            study = inp.study if study is None or isinstance(study, str) else study
            if inp.excluded:
                notes.append(_exclusion_note([(row, why.replace("empty ", "")) for row, why in inp.excluded]))
            return _pool(inp.yi, inp.vi, study, inp.ni if ni is None else ni, measure, method, test, level,
                         control, None, notes)
        data, yi, vi = table, "yi", "vi"
        if study is None:
            study = find_column(table, None, option="study", candidates=STUDY_COLUMNS, required=False)
    return _fit(yi, vi, sei, weights, mods, data, study, ni, measure, method, test, level, missing, control,
                notes)


def _from_escalc(data, yi, vi, sei, measure, ni, missing, inputs):
    """Compute ``yi``/``vi`` with escalc (metafor's ``rma(measure = ..., ai = ...)``)."""
    from ..effects import escalc

    if yi is not None or vi is not None or sei is not None:
        raise OptionError("give effect sizes (yi with vi or sei) or the inputs of escalc "
                          f"({', '.join(sorted(inputs))}) with measure=, not both")
    if measure is None:
        raise OptionError(f"measure= is needed to compute effect sizes from {', '.join(sorted(inputs))}")
    if "ri" in inputs and ni is not None:
        inputs = dict(inputs, ni=ni)
    if data is not None:
        if not isinstance(data, pd.DataFrame):
            raise OptionError(f"data must be a pandas DataFrame, got {type(data).__name__}")
        data = data.reset_index(drop=True)
    try:
        table = escalc(data, measure=measure, missing=missing, **inputs)
    except TypeError as exc:
        raise OptionError(f"rma() got an argument escalc() does not know: {exc}") from None
    n = len(table) + len(table.attrs.get("dropped_rows", []))
    measure = str(table.attrs.get("measure", measure))
    # rows escalc dropped come back with a missing yi and vi, so the moderators stay aligned and the rows are
    # reported once, with their row numbers, by rma's own missing-value rule
    full = (data.copy() if data is not None else table.drop(columns=["yi", "vi"]).reindex(range(n)))
    full["yi"] = table["yi"].reindex(range(n)).to_numpy(dtype=float)
    full["vi"] = table["vi"].reindex(range(n)).to_numpy(dtype=float)
    full.attrs = {}
    return full, "yi", "vi", measure, []


def _column(x, data, name: str, numeric: bool = True):
    """A column of ``data`` named by ``x``, or ``x`` itself as an array; None stays None."""
    if x is None:
        return None
    if isinstance(x, str):
        if data is None:
            raise OptionError(f"{name}={x!r} names a column, but data= is not given")
        x = data[find_column(data, x, option=name, source=data.attrs.get("source"))]
    if not numeric:
        return np.asarray(x, dtype=object).ravel()
    if isinstance(x, pd.Series):
        x = pd.to_numeric(x, errors="coerce") if x.dtype == object else x
    try:
        arr = np.asarray(x, dtype=float).ravel()
    except (TypeError, ValueError):
        raise DataError(f"{name} must be numbers") from None
    return arr


def _fit(yi, vi, sei, weights, mods, data, study, ni, measure, method, test, level, missing, control, notes):
    if data is not None and not isinstance(data, pd.DataFrame):
        raise OptionError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if data is not None:
        data = data.reset_index(drop=True)
    y = _column(yi, data, "yi")
    if y is None:
        raise DataError("yi is missing")
    if (vi is None) == (sei is None):
        raise DataError("give the sampling variances (vi) or the standard errors (sei), one of the two")
    vname = "vi" if vi is not None else "sei"
    second = _column(vi if vi is not None else sei, data, vname)
    a = _column(weights, data, "weights")
    if y.size == 0:
        raise DataError("yi is empty: no study to pool")
    for arr, name in ((second, vname), (a, "weights")):
        if arr is not None and arr.size != y.size:
            raise DataError(f"yi has {y.size} values but {name} has {arr.size}")
    mm = _moderators(mods, data, y.size)
    cols = {"yi": y, vname: second} | ({} if a is None else {"weights": a})
    miss = {name: np.isnan(arr) for name, arr in cols.items()}
    if mm is not None:
        miss["a moderator"] = ~mm.keep
    bad = np.zeros(y.size, dtype=bool)
    for m in miss.values():
        bad |= m
    rows = np.flatnonzero(~bad) + 1
    if bad.any():
        if missing == "error":
            i = int(np.flatnonzero(bad)[0])
            column = next(name for name, m in miss.items() if m[i])
            raise DataError("empty cell (NaN): a value is needed; give one, or leave the row out with "
                            "missing='drop'", row=i + 1, column=column if column != "a moderator" else None)
        if not (~bad).any():
            raise DataError("every row has a missing yi, vi or moderator; nothing left to analyse")
        notes.append(_exclusion_note([(int(i) + 1, ", ".join(n for n, m in miss.items() if m[i]))
                                      for i in np.flatnonzero(bad)]))
    keep = ~bad
    y, second = y[keep], second[keep]
    check_rule(y, "any", column="yi", rows=rows)
    _check_nonnegative(second, vname, rows)
    if a is not None:
        a = a[keep]
        _check_nonnegative(a, "weights", rows)
        if not np.isfinite(a).all():
            raise DataError("weights must be finite", row=int(rows[~np.isfinite(a)][0]), column="weights")
    v = second if vi is not None else second**2
    labels = _column(study, data, "study", numeric=False)
    nvec = _column(ni, data, "ni")
    if labels is not None and labels.size != keep.size:
        raise DataError(f"{labels.size} study labels for {keep.size} effect sizes")
    if mm is None or (mm.X.shape[1] == 1 and mm.intercept):
        return _pool(y, v, None if labels is None else labels[keep], None if nvec is None else nvec[keep],
                     measure, method, test, level, control, a, notes, rows)
    return _regression(y, v, a, mm, labels, keep, measure, method, test, level, control, notes, rows)


def _check_nonnegative(x, name, rows):
    if (x < 0).any() or not np.isfinite(x).all():
        i = int(np.flatnonzero(~(x >= 0) | ~np.isfinite(x))[0])
        raise DataError(f"{name} must be a finite number of 0 or more, got {float(x[i])!r}", row=int(rows[i]),
                        column=name)


def _moderators(mods, data, k):
    """The ModelMatrix of ``mods`` over all k rows (``keep`` marks rows with every moderator), or None."""
    from .design import ModelMatrix, formula_matrix, model_matrix

    if mods is None:
        return None
    if isinstance(mods, str) and ("~" in mods or data is None or mods not in data.columns):
        if data is None:
            raise OptionError(f"mods={mods!r} is a formula: give the table with data=")
        return formula_matrix(data, mods)
    if isinstance(mods, str) or (isinstance(mods, (list, tuple)) and mods and all(isinstance(m, str)
                                                                                  for m in mods)):
        if data is None:
            raise OptionError("mods names columns: give the table with data=")
        return model_matrix(data, mods)
    if isinstance(mods, pd.DataFrame):
        frame = mods
    else:
        try:
            arr = np.asarray(mods, dtype=float)
        except (TypeError, ValueError):
            raise DataError("mods given as a matrix must be numbers; use a formula for categorical moderators") from None
        if arr.ndim > 2 or arr.size % k or arr.size == 0 or (arr.ndim == 2 and arr.shape[0] != k):
            raise DataError(f"mods has shape {arr.shape}, but there are {k} effect sizes (one row each)")
        frame = pd.DataFrame(arr.reshape(k, -1))
    if len(frame) != k:
        raise DataError(f"mods has {len(frame)} rows but there are {k} effect sizes")
    names = ([str(c) for c in frame.columns] if isinstance(mods, pd.DataFrame)
             else [f"mod{j + 1}" for j in range(frame.shape[1])])
    try:
        values = frame.apply(pd.to_numeric).to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise DataError("mods given as a matrix must be numbers; use a formula for categorical moderators") from None
    keep = ~np.isnan(values).any(axis=1)
    X = np.column_stack([np.ones(int(keep.sum())), values[keep]])
    return ModelMatrix(X=X, terms=("intercept", *names), keep=keep, reference_levels={})


def _exclusion_note(rows) -> str:
    """``left out 2 rows with a missing value (as metafor does): row 3 (yi), row 7 (a moderator)``."""
    shown = ", ".join(f"row {r} ({why})" for r, why in rows)
    return (f"left out {len(rows)} row{'s' if len(rows) != 1 else ''} with a missing value (as metafor does): "
            f"{shown}")


def _fit_with_rows(y, v, X, rows, **kwargs):
    """fit_model, with a DataError's row mapped back to the row of the caller's table."""
    try:
        return fit_model(y, v, X, **kwargs)
    except DataError as exc:
        if exc.row is None or rows is None:
            raise
        raise DataError(exc.message, source=exc.source, row=int(rows[exc.row - 1]), column=exc.column) from None


def _regression(y, v, a, mm, labels, keep, measure, method, test, level, control, notes, rows):
    from .regression import _present

    X = _rows_of(mm, keep)
    if X.shape[0] <= X.shape[1] - 1:
        raise DataError(f"{X.shape[0]} studies with every moderator cannot estimate {X.shape[1]} coefficients")
    fit = _fit_with_rows(y, v, X, rows, method=method, test=test, level=level, control=control, weights=a,
                         intercept=mm.intercept)
    all_labels = (tuple(str(s) for s in labels) if labels is not None
                  else tuple(f"Study {i + 1}" for i in range(keep.size)))
    study = tuple(s for s, ok in zip(all_labels, keep) if ok)
    excluded = tuple(s for s, ok in zip(all_labels, keep) if not ok)
    moderators = (mm.formula,) if mm.formula else tuple(mm.terms[1 if mm.intercept else 0:])
    return _present(fit, mm, study, excluded, moderators, measure, notes)


def _rows_of(mm, keep):
    """Rows of ``mm.X`` (built on the rows with every moderator) for the rows kept overall."""
    index = np.cumsum(mm.keep) - 1
    return mm.X[index[keep]]


def _pool(y, v, study, ni, measure, method, test, level, control, weights=None, notes=(), rows=None):
    fit = _fit_with_rows(y, v, None, rows, method=method, test=test, level=level, control=control,
                         weights=weights)
    if study is not None:
        study = [str(s) for s in np.asarray(study, dtype=object).ravel()]
        if len(study) != fit.k:
            raise DataError(f"{len(study)} study labels for {fit.k} effect sizes")
    notes = list(notes)
    if fit.k == 1:
        notes.append("k = 1: the pooled estimate is the single study's; heterogeneity is undefined")
    nvec = None if ni is None else np.asarray(ni, dtype=float).ravel()
    return MetaResult.from_fit(fit, study=study, ni=nvec, measure=measure, notes=tuple(notes))
