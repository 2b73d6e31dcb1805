"""From a parsed formula and a table to the model's arrays: response ``y``, fixed design ``X`` with lme4's column
names, and per random term the grouping codes and the columns that vary over the groups.

Rows with a missing value in a model column are left out (lme4's default ``na.action = na.omit``) and counted.
The fixed part is built by formulaic when it is installed, otherwise by the small builder of :mod:`.fixed`.
Every problem with the data is a :class:`DataError` naming the column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import DataError, OptionError
from .formula import ParsedFormula

__all__ = ["Design", "ReTerm", "build_design"]

_TREATMENT = re.compile(r"\[(?:T\.)?(.*?)\]")


@dataclass(frozen=True)
class ReTerm:
    """One random term on the analysed rows: ``codes`` (0..n_levels-1 per row), ``columns`` (n x p_t) and their
    lme4 names (``(Intercept)``, slope names)."""

    group: str
    factor_name: str
    codes: np.ndarray
    n_levels: int
    columns: np.ndarray
    names: tuple[str, ...]


@dataclass(frozen=True)
class Design:
    """The arrays of a mixed model (rows with missing values removed)."""

    y: np.ndarray
    X: np.ndarray
    fixed_names: tuple[str, ...]
    terms: tuple[ReTerm, ...]
    n_dropped: int


def _lme4_name(name: str) -> str:
    """formulaic's ``Intercept`` / ``condition[T.unrepaired]`` / ``condition[none]`` (full coding without an
    intercept) -> lme4's ``(Intercept)`` / ``conditionunrepaired`` / ``conditionnone``."""
    if name == "Intercept":
        return "(Intercept)"
    return _TREATMENT.sub(lambda m: {"True": "TRUE", "False": "FALSE"}.get(m.group(1), m.group(1)), name)


def _formulaic():
    """formulaic's module when it is installed, else None (the small builder of :mod:`.fixed` is used)."""
    try:
        import formulaic
    except ImportError:
        return None
    return formulaic


def _fixed_variables(fixed: str, formula: str) -> list[str]:
    formulaic = _formulaic()
    if formulaic is None:
        from .fixed import fixed_variables

        return fixed_variables(fixed, formula)
    try:
        return sorted(formulaic.Formula(fixed).required_variables)
    except Exception as exc:  # formulaic's syntax errors have several classes
        raise OptionError(f"formula={formula!r}: cannot read the fixed part {fixed!r}: {exc}") from None


def _check_columns(data: pd.DataFrame, parsed: ParsedFormula, fixed_vars: list[str]) -> list[str]:
    needed = [parsed.response, *fixed_vars]
    for term in parsed.random:
        needed += [*term.slopes, *term.factors]
    needed = list(dict.fromkeys(needed))
    for col in needed:
        if col not in data.columns:
            raise DataError(f"the formula uses column {col!r}, which the data do not have "
                            f"(columns: {', '.join(map(str, data.columns))})", column=col)
    numeric = [parsed.response] + [s for t in parsed.random for s in t.slopes]
    for col in dict.fromkeys(numeric):
        values = data[col]
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            kind = "the outcome" if col == parsed.response else "a random slope"
            raise DataError(f"{kind} must be numeric, got dtype {values.dtype}", column=col)
        if np.isinf(values.to_numpy(dtype=float, na_value=np.nan)).any():
            raise DataError("infinite values are not allowed", column=col)
    for col in dict.fromkeys(f for t in parsed.random for f in t.factors):
        if data[col].isna().all():
            raise DataError("the grouping factor has no non-missing value", column=col)
    return needed


def _fixed_matrix(frame: pd.DataFrame, fixed: str, formula: str) -> tuple[np.ndarray, tuple[str, ...]]:
    formulaic = _formulaic()
    if formulaic is None:
        from .fixed import fixed_design

        X, names = fixed_design(frame, fixed, formula)
    else:
        try:
            mm = formulaic.model_matrix(fixed, frame, na_action="raise")
        except Exception as exc:
            raise OptionError(f"formula={formula!r}: cannot build the fixed part {fixed!r}: {exc}") from None
        X = np.asarray(mm, dtype=float)
        names = tuple(_lme4_name(str(c)) for c in mm.columns)
    if not np.isfinite(X).all():
        raise DataError(f"the fixed-effects design of {fixed!r} has infinite values")
    if X.shape[1] and np.linalg.matrix_rank(X) < X.shape[1]:
        raise DataError(f"the fixed-effects design {fixed!r} is rank deficient (columns {', '.join(names)}): "
                        f"a predictor is constant or a combination of others on the analysed rows")
    return X, names


def _term(frame: pd.DataFrame, term, n: int) -> ReTerm:
    # level order does not change the fit; sort=False also takes identifiers of mixed types (1 and "a")
    if len(term.factors) == 1:
        codes, uniques = pd.factorize(frame[term.factors[0]], sort=False)
        n_levels = len(uniques)
    else:
        codes = frame.groupby(list(term.factors), sort=False, observed=True).ngroup().to_numpy()
        n_levels = int(codes.max()) + 1
    where = term.factors[0] if len(term.factors) == 1 else term.group
    if n_levels < 2:
        raise DataError(f"grouping factor {term.group!r} has {n_levels} level on the analysed rows; a random "
                        f"effect needs at least 2 (lme4: 'grouping factors must have > 1 sampled level')",
                        column=where)
    if n_levels >= n:
        raise DataError(f"grouping factor {term.group!r} has {n_levels} levels for {n} rows; a random effect "
                        f"needs fewer levels than rows (lme4's check.nobs.vs.nlev)", column=where)
    cols = ([np.ones(n)] if term.intercept else []) + [frame[s].to_numpy(dtype=float) for s in term.slopes]
    names = (("(Intercept)",) if term.intercept else ()) + term.slopes
    return ReTerm(term.group, term.group, codes.astype(np.int64), n_levels, np.column_stack(cols), names)


def build_design(parsed: ParsedFormula, data) -> Design:
    """Check the data against the formula, drop rows with a missing value in a model column, build the arrays."""
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    fixed_vars = _fixed_variables(parsed.fixed, parsed.text)
    needed = _check_columns(data, parsed, fixed_vars)
    frame = data[needed]
    missing = frame.isna().any(axis=1).to_numpy()
    n_dropped = int(missing.sum())
    if n_dropped:
        frame = frame.loc[~missing]
    n = len(frame)
    if n == 0:
        raise DataError(f"no row has a value in every model column ({', '.join(needed)})")
    X, names = _fixed_matrix(frame, parsed.fixed, parsed.text)
    terms = [_term(frame, t, n) for t in parsed.random]
    # lme4 (mkReTrms) orders the terms by their number of levels, most first (a stable sort)
    terms.sort(key=lambda t: -t.n_levels)
    q = sum(t.n_levels * t.columns.shape[1] for t in terms)
    if any(t.columns.shape[1] > 1 for t in terms) and q >= n:
        raise DataError(f"{q} random effects for {n} rows; lme4 needs fewer random effects than rows "
                        f"(check.nobs.vs.nRE)")
    y = frame[parsed.response].to_numpy(dtype=float)
    if np.ptp(y) == 0:
        raise DataError(f"the outcome is constant ({y[0]!r}) on the {n} analysed rows; nothing to model",
                        column=parsed.response)
    return Design(y, X, names, tuple(terms), n_dropped)
