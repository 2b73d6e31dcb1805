r"""Predictions from the fixed effects of a :class:`~ruptstats.mixed.MixedModelResult` (the population-average
curve, lme4's ``predict(m, newdata, re.form = NA)``), with Wald standard errors and intervals.

For a row :math:`x` of the fixed design built from ``newdata``:

.. math:: \hat y = x'\hat\beta, \qquad SE(\hat y) = \sqrt{x' V x}, \qquad
          \hat y \pm z_{1-\alpha/2}\,SE(\hat y),

with :math:`V` the covariance matrix of the fixed effects (lme4's ``vcov(m)``). The intervals are asymptotic
(normal quantile; emmeans' ``lmer.df = "asymptotic"``), for the fixed part only (no random effects).

The design row is rebuilt from the model's term names: ``(Intercept)``, a numeric column (``session``), a level of
a text or categorical column (``conditionrepaired``: 1 where ``condition == "repaired"``) and their products
(``session:conditionrepaired``). Terms formulaic computes from functions (``I(x**2)``, ``log(x)``) cannot be
rebuilt and are an :class:`OptionError`.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy import stats

from .._checks import check_level
from ..exceptions import DataError, OptionError

__all__ = ["PREDICTION_COLUMNS", "predict_fixed", "predict_trajectories"]

#: the columns :func:`predict_fixed` appends to ``newdata``
PREDICTION_COLUMNS = ("estimate", "se", "ci_lower", "ci_upper")


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _component(name: str, newdata: pd.DataFrame, levels: dict, term: str) -> np.ndarray:
    """The values of one factor of a term: a numeric column, or the indicator of a level of a factor column."""
    if name in newdata.columns and _is_numeric(newdata[name]):
        return newdata[name].to_numpy(dtype=float, na_value=np.nan)
    owners = [c for c in newdata.columns if isinstance(c, str) and name.startswith(c) and len(name) > len(c)
              and not _is_numeric(newdata[c])]
    if not owners:
        raise OptionError(f"the model's term {term!r} cannot be computed from newdata: no numeric column "
                          f"{name!r} and no text or categorical column whose level it names (newdata's columns: "
                          f"{', '.join(map(str, newdata.columns))})")
    column = max(owners, key=len)
    level = name[len(column):]
    values = newdata[column]
    text = values.map(lambda v: {True: "TRUE", False: "FALSE"}.get(v, v) if isinstance(v, (bool, np.bool_)) else v)
    text = text.astype("string")
    levels.setdefault(column, set()).add(level)
    out = (text == level).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    out[values.isna().to_numpy()] = np.nan
    return out


def _check_levels(newdata: pd.DataFrame, levels: dict) -> None:
    """A factor value of newdata that no term names must be the model's reference level: at most one such value."""
    for column, named in levels.items():
        values = newdata[column].dropna()
        shown = values.map(lambda v: {True: "TRUE", False: "FALSE"}.get(v, v) if isinstance(v, (bool, np.bool_))
                           else v).astype("string")
        unnamed = sorted(set(shown) - named)
        if len(unnamed) > 1:
            raise DataError(f"newdata's {column!r} holds {unnamed}: the model knows the reference level and "
                            f"{sorted(named)}, so at most one of these can be its reference level", column=column)


def predict_fixed(result, newdata: pd.DataFrame, *, level: float | None = None) -> pd.DataFrame:
    """Fixed-effects predictions with standard errors and Wald intervals for the rows of ``newdata``.

    Parameters
    ----------
    result : MixedModelResult
        A fitted model (:func:`ruptstats.mixed.mixed_model`).
    newdata : pandas.DataFrame
        The predictor values, one row per prediction, with the columns the fixed part uses (the same names and
        level spellings as the data the model was fitted to).
    level : float, optional
        Confidence level of the intervals; default: the model's ``level``.

    Returns
    -------
    pandas.DataFrame
        ``newdata``'s columns and ``estimate`` (:math:`x'\\hat\\beta`), ``se``, ``ci_lower``, ``ci_upper``; NaN
        where a predictor value is missing.

    Raises
    ------
    OptionError
        A term cannot be rebuilt from ``newdata`` (a missing column, a function of a column), ``newdata`` already
        has a column named like one of the outputs, a bad ``level``.
    DataError
        ``newdata`` is not a table, or a factor holds more than one level the model does not name.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from ruptstats.mixed import mixed_model
    >>> rng = np.random.default_rng(1)
    >>> client = np.repeat(np.arange(30), 6)
    >>> d = pd.DataFrame({"client": client, "session": np.tile(np.arange(1, 7), 30)})
    >>> d["y"] = 4 + 0.1 * d["session"] + rng.normal(0, 0.5, 30)[client] + rng.normal(0, 0.4, 180)
    >>> res = mixed_model("y ~ session + (1 | client)", d)
    >>> p = predict_fixed(res, pd.DataFrame({"session": [1, 6]}))
    >>> bool(np.isclose(p["estimate"].iloc[1] - p["estimate"].iloc[0], 5 * res.fixed["estimate"].iloc[1]))
    True
    """
    if not isinstance(newdata, pd.DataFrame):
        raise DataError(f"newdata must be a pandas DataFrame, got {type(newdata).__name__}")
    clash = [c for c in PREDICTION_COLUMNS if c in newdata.columns]
    if clash:
        raise OptionError(f"newdata already has column(s) {clash}, which the predictions would overwrite")
    level = result.level if level is None else check_level(level)
    terms = result.fixed["term"].tolist()
    levels: dict = {}
    columns = []
    for term in terms:
        col = np.ones(len(newdata))
        if term != "(Intercept)":
            for name in term.split(":"):
                col = col * _component(name, newdata, levels, term)
        columns.append(col)
    _check_levels(newdata, levels)
    X = np.column_stack(columns) if columns else np.zeros((len(newdata), 0))
    beta = result.fixed["estimate"].to_numpy(dtype=float)
    estimate = X @ beta
    se = np.sqrt(np.einsum("ij,jk,ik->i", X, np.asarray(result.vcov, dtype=float), X))
    z = float(stats.norm.ppf(0.5 + level / 2.0))
    out = newdata.copy()
    out["estimate"], out["se"] = estimate, se
    out["ci_lower"], out["ci_upper"] = estimate - z * se, estimate + z * se
    return out


def predict_trajectories(result, *, sessions, conditions=("none", "unrepaired", "repaired"),
                         session: str = "session", condition: str = "condition", at: dict | None = None,
                         level: float | None = None) -> pd.DataFrame:
    """Predicted outcome per condition over sessions (the fixed part): the table :func:`trajectory lines
    <ruptstats.plotting.predicted_trajectory_plot>` draw.

    Parameters
    ----------
    result : MixedModelResult
        A model whose fixed part uses ``session`` and ``condition`` (e.g. ``y ~ session * condition + (1 |
        client)``).
    sessions : sequence of numbers
        The session values to predict at.
    conditions : sequence of str, default ("none", "unrepaired", "repaired")
        The condition levels, in the order of the rows.
    session, condition : str
        The model's column names.
    at : dict, optional
        Values of the model's other predictors, held fixed (e.g. ``{"baseline": 70.0}``).
    level : float, optional
        As in :func:`predict_fixed`.

    Returns
    -------
    pandas.DataFrame
        One row per condition and session: ``condition`` and ``session`` (under the names given), the ``at``
        columns, ``estimate``, ``se``, ``ci_lower``, ``ci_upper``.

    Raises
    ------
    OptionError
        Empty ``sessions`` or ``conditions``, a non-numeric session, ``at`` not a dict, or a model term the grid
        cannot compute (a predictor missing from ``at``).
    """
    sessions = list(sessions) if not isinstance(sessions, (str, bytes)) else []
    conditions = [conditions] if isinstance(conditions, str) else list(conditions)
    if not sessions or not conditions:
        raise OptionError(f"sessions={sessions!r} and conditions={conditions!r} must each name at least one value")
    try:
        values = [float(s) for s in sessions]
    except (TypeError, ValueError):
        raise OptionError(f"sessions={sessions!r} must be numbers") from None
    if at is not None and not isinstance(at, dict):
        raise OptionError(f"at={at!r} must be a dict of column -> value")
    grid = pd.DataFrame(list(itertools.product([str(c) for c in conditions], values)), columns=[condition, session])
    for name, value in (at or {}).items():
        grid[name] = value
    return predict_fixed(result, grid, level=level)
