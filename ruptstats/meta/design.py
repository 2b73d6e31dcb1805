r"""Model matrices for meta-regression: continuous and categorical moderators, as R's ``model.matrix``.

A continuous moderator enters as one column. A categorical moderator (text, boolean or pandas ``category``
columns, or any column named in ``categorical=``) enters as treatment (dummy) columns with the first level as
the reference: the levels are the pandas category order for a ``category`` column and otherwise sorted, as R's
``factor()`` sorts them. The intercept is called ``intercept`` and a dummy column ``moderator[level]`` (metafor
writes ``intrcpt`` and ``moderatorlevel``), e.g. ``design[prospective]`` for the level ``prospective`` of
``design`` against the reference level ``cross-sectional``.

A row with a missing value (NaN, None or an empty string) in any moderator is left out of the model; the
caller reports which rows were left out.

:func:`formula_matrix` builds the matrix from a model formula (metafor's ``mods = ~ ...``) with formulaic:
interactions (``a:b``, ``a*b``), ``I(year - 2000)``, ``- 1``/``0 +`` (no intercept), ``C(x)`` and R's
``factor(x)`` (treatment contrasts, first level as reference). Columns are named as R's ``model.matrix`` names
them, so as metafor prints them (``factor(alloc)random``, ``allocrandom`` for a text column ``alloc``,
``ablat:factor(alloc)random``, ``I(year - 2000)``, ``I(year^2)``; the variables of an interaction in the order
they first appear in the formula), except the intercept, which keeps the project's name ``intercept``
(metafor: ``intrcpt``). An interaction of factors without their main effects is coded by formulaic's rules,
which can differ from R's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import DataError, OptionError

__all__ = ["ModelMatrix", "model_matrix", "formula_matrix", "new_rows", "INTERCEPT"]

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
    intercept: bool = True
    formula: str | None = None
    spec: object = None


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
    _refuse_intercept_name(moderators)
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


def _refuse_intercept_name(names) -> None:
    """A moderator term named like the intercept would give two coefficients of one name (in the JSON, the
    tables and ``btt``): a DataError asking to rename the column."""
    if INTERCEPT in map(str, names):
        raise DataError(f"a moderator column is named {INTERCEPT!r}, the name of the model's intercept term: "
                        "rename the column", column=INTERCEPT)


_LEVEL = re.compile(r"^(?P<name>.*)\[(?:T\.)?(?P<level>[^\[\]]*)\]$")


def _split_colon(name: str) -> list[str]:
    """Split an interaction column name on ``:`` outside brackets and parentheses."""
    parts, depth, cur = [], 0, ""
    for ch in name:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == ":" and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return parts + [cur]


def _r_level(level: str) -> str:
    """A level as R prints it: ``TRUE``/``FALSE`` for booleans, ``2`` for the float ``2.0``."""
    if level in ("True", "False"):
        return level.upper()
    if re.fullmatch(r"-?\d+\.0", level):
        return level[:-2]
    return level


def _r_name(column: str, factor_calls: dict) -> str:
    """R's ``model.matrix`` name of a formulaic column (``C(g)[T.b]`` -> ``factor(g)b`` or ``C(g)b``)."""
    if column == "Intercept":
        return INTERCEPT
    out = []
    for part in _split_colon(column):
        m = _LEVEL.match(part)
        if m:
            part = factor_calls.get(m["name"], m["name"]) + _r_level(m["level"])
        out.append(part)
    return ":".join(out)


def _r_names(mm, rhs: str, factor_calls: dict) -> list[str]:
    """R's names of the columns: the parts of an interaction ordered as the variables first appear in the
    formula (R's ``terms``), ``^`` without spaces (R's deparse)."""
    flat = rhs.replace(" ", "")
    reorder = {}
    for ts in mm.model_spec.structure:
        factors = [str(f.expr).replace(" ", "") for f in ts.term.factors]
        if len(factors) < 2:
            continue
        pos = [flat.find(f) if flat.find(f) >= 0 else len(flat) + j for j, f in enumerate(factors)]
        perm = sorted(range(len(factors)), key=lambda j: pos[j])
        for col in ts.columns:
            parts = _split_colon(str(col))
            if len(parts) == len(perm):
                reorder[str(col)] = ":".join(parts[j] for j in perm)
    return [_r_name(reorder.get(str(c), str(c)), factor_calls).replace(" ^ ", "^") for c in mm.columns]


def _blank_to_na(frame: pd.DataFrame) -> pd.DataFrame:
    """Empty or blank text cells as missing (as R reads an empty CSV field)."""
    frame = frame.copy()
    for col in frame.columns:
        if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col].dtype):
            blank = frame[col].map(lambda x: isinstance(x, str) and x.strip() == "").to_numpy(dtype=bool)
            if blank.any():
                frame[col] = frame[col].astype(object).where(~blank, None)
    return frame


def formula_matrix(frame: pd.DataFrame, formula: str) -> ModelMatrix:
    """Build the model matrix of a one-sided model formula (``"~ ablat + year"``) on ``frame``.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per effect size.
    formula : str
        A one-sided formula as metafor's ``mods`` (``~`` optional): see the module docstring.

    Returns
    -------
    ModelMatrix
        ``keep`` marks the rows with every variable of the formula; ``spec`` rebuilds the matrix for new data
        (:func:`new_rows`).

    Raises
    ------
    OptionError
        A formula that cannot be parsed or evaluated (unknown variable, bad syntax).

    Examples
    --------
    >>> t = pd.DataFrame({"g": ["b", "a", "b", "a"], "x": [1.0, 2.0, None, 4.0]})
    >>> mm = formula_matrix(t, "~ factor(g) * x")
    >>> mm.terms, mm.keep.tolist()
    (('intercept', 'factor(g)b', 'x', 'factor(g)b:x'), [True, True, False, True])
    """
    from formulaic import model_matrix as _formulaic_matrix

    if not isinstance(formula, str) or not formula.strip():
        raise OptionError(f"mods={formula!r} must be a model formula such as '~ ablat + year'")
    text = formula.strip()
    if "~" in text:
        lhs, _, text = text.partition("~")
        if lhs.strip():
            raise OptionError(f"mods={formula!r} must be one-sided ('~ x1 + x2'); give the effect sizes as yi")
    factor_calls = {}
    for inner in re.findall(r"\bfactor\(([^()]*)\)", text):
        factor_calls[f"C({inner})"] = f"factor({inner})"
    rhs = re.sub(r"\bfactor\(", "C(", text)
    data = _blank_to_na(frame.reset_index(drop=True))
    try:
        mm = _formulaic_matrix(rhs, data, na_action="drop")
    except Exception as exc:  # formulaic raises many types for user formulas; report them as one option error
        raise OptionError(f"mods={formula!r} cannot be evaluated on the data: {exc}") from None
    keep = np.zeros(len(data), dtype=bool)
    keep[np.asarray(mm.index, dtype=int)] = True
    logical = {str(c) for c in data.columns if data[c].dtype == bool}
    names = [":".join(part + "TRUE" if part in logical else part for part in _split_colon(n))
             for n in _r_names(mm, rhs, factor_calls)]  # R codes a logical as a factor: bTRUE
    intercept = "Intercept" in list(map(str, mm.columns))
    _refuse_intercept_name([n for n, c in zip(names, map(str, mm.columns)) if c != "Intercept"])
    X = np.asarray(mm, dtype=float)
    if intercept and names[0] != INTERCEPT:
        j = names.index(INTERCEPT)
        order = [j] + [i for i in range(len(names)) if i != j]
        X, names = X[:, order], [names[i] for i in order]
    X = np.ascontiguousarray(X)
    return ModelMatrix(X=X, terms=tuple(names), keep=keep, reference_levels={}, intercept=intercept,
                       formula="~ " + text.strip(), spec=mm.model_spec)


def new_rows(mm: ModelMatrix, newdata: pd.DataFrame) -> np.ndarray:
    """Rows of the model matrix for new moderator values (the formula applied to ``newdata``)."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # formulaic only warns about a level the model has not seen
            X = mm.spec.get_model_matrix(_blank_to_na(newdata.reset_index(drop=True)), na_action="raise")
    except Exception as exc:  # formulaic's errors for unknown levels or missing variables
        raise OptionError(f"newmods cannot be evaluated with the formula {mm.formula!r}: {exc}") from None
    X = np.asarray(X, dtype=float)
    if mm.intercept:
        names = [str(c) for c in mm.spec.column_names]
        j = names.index("Intercept")
        X = X[:, [j] + [i for i in range(len(names)) if i != j]]
    return X
