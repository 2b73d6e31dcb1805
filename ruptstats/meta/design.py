r"""Model matrices for meta-regression: continuous and categorical moderators, as R's ``model.matrix``.

A continuous moderator enters as one column. A categorical moderator (text, boolean or pandas ``category``
columns, or any column named in ``categorical=``) enters as treatment (dummy) columns with the first level as
the reference: the levels are the pandas category order for a ``category`` column and otherwise sorted, as R's
``factor()`` sorts them. The intercept is called ``intercept`` and a dummy column ``moderator[level]`` (metafor
writes ``intrcpt`` and ``moderatorlevel``), e.g. ``design[prospective]`` for the level ``prospective`` of
``design`` against the reference level ``cross-sectional``.

A row with a missing value (NaN, None or an empty string) in any moderator is left out of the model; the
caller reports which rows were left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import DataError, OptionError

__all__ = ["ModelMatrix", "model_matrix", "INTERCEPT"]

#: Name of the intercept term.
INTERCEPT = "intercept"


@dataclass(frozen=True)
class ModelMatrix:
    """A model matrix with its term names.

    Attributes
    ----------
    X : numpy.ndarray
        k_used x p matrix, intercept first.
    terms : tuple of str
        Column names (``intercept``, ``age``, ``design[prospective]``, ...).
    keep : numpy.ndarray of bool
        Which input rows have every moderator (the rows of ``X``).
    reference_levels : dict of str to str
        The reference level of each categorical moderator.
    """

    X: np.ndarray
    terms: tuple
    keep: np.ndarray
    reference_levels: dict


def _missing(col: pd.Series) -> np.ndarray:
    miss = col.isna().to_numpy()
    if col.dtype == object:
        miss |= col.map(lambda x: isinstance(x, str) and x.strip() == "").to_numpy()
    return miss


def _is_categorical(col: pd.Series) -> bool:
    return (isinstance(col.dtype, pd.CategoricalDtype) or col.dtype == object or col.dtype == bool
            or pd.api.types.is_string_dtype(col.dtype))


def model_matrix(frame: pd.DataFrame, moderators, *, categorical=()) -> ModelMatrix:
    """Build the model matrix for ``moderators`` (column names of ``frame``).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per effect size.
    moderators : sequence of str
        Column names; each continuous one adds one column, each categorical one (levels - 1) dummy columns.
    categorical : sequence of str, optional
        Numeric columns to treat as categorical (e.g. a coded study design).

    Returns
    -------
    ModelMatrix

    Raises
    ------
    OptionError
        No moderator, a repeated one, or ``categorical`` naming a column that is not a moderator.
    DataError
        A moderator is not a column, a continuous one holds text, or a categorical one has one level.

    Examples
    --------
    >>> mm = model_matrix(pd.DataFrame({"g": ["b", "a", "b"], "x": [1.0, 2.0, None]}), ["g", "x"])
    >>> mm.terms, mm.keep.tolist()
    (('intercept', 'g[b]', 'x'), [True, True, False])
    """
    if isinstance(moderators, str):
        moderators = [moderators]
    moderators = list(moderators)
    if not moderators:
        raise OptionError("moderators is empty: name at least one moderator column")
    dup = sorted({m for m in moderators if moderators.count(m) > 1})
    if dup:
        raise OptionError(f"moderators names {dup} more than once")
    extra = sorted(set(categorical) - set(moderators))
    if extra:
        raise OptionError(f"categorical={extra} are not among the moderators {moderators}")
    for m in moderators:
        if m not in frame.columns:
            raise DataError(f"moderator '{m}' is not a column; columns are {list(map(str, frame.columns))}")
    keep = np.ones(len(frame), dtype=bool)
    for m in moderators:
        keep &= ~_missing(frame[m])
    used = frame.loc[keep]
    cols, terms, refs = [np.ones(int(keep.sum()))], [INTERCEPT], {}
    for m in moderators:
        col = used[m]
        if m in categorical or _is_categorical(col):
            if isinstance(col.dtype, pd.CategoricalDtype):
                levels = [c for c in col.cat.categories if c in set(col)]
            else:
                levels = sorted(set(col.tolist()), key=lambda x: (str(type(x)), x))
            if len(levels) < 2:
                raise DataError(f"categorical moderator '{m}' has {len(levels)} level(s) among the rows used; "
                                "it needs at least 2")
            refs[m] = str(levels[0])
            for lvl in levels[1:]:
                cols.append((col == lvl).to_numpy(dtype=float))
                terms.append(f"{m}[{lvl}]")
        else:
            try:
                cols.append(pd.to_numeric(col).to_numpy(dtype=float))
            except (TypeError, ValueError):
                raise DataError(f"continuous moderator '{m}' holds values that are not numbers") from None
            terms.append(str(m))
    X = np.column_stack(cols)
    return ModelMatrix(X=X, terms=tuple(terms), keep=keep, reference_levels=refs)
