"""Input checks for effect-size computations: each failure names the 1-based data row and the column.

The rules are written once here and used by :func:`~ruptstats.effects.escalc`, the conversions and the
mixed-report table converter, so the same bad value gives the same message wherever it enters.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._checks import check_choice
from ..exceptions import DataError, DataWarning

__all__ = ["RULES", "values_of", "check_rule", "check_present", "check_min", "missing_rows", "drop_missing",
           "first_bad"]

# rule name -> (predicate on finite float values, text that says what is allowed)
RULES = {
    "any": (lambda x: np.isfinite(x), "a finite number"),
    "positive": (lambda x: x > 0, "greater than 0"),
    "sd": (lambda x: x > 0, "a standard deviation greater than 0"),
    "count": (lambda x: (x >= 0) & (x == np.floor(x)), "a whole number of 0 or more"),
    "r": (lambda x: (x > -1) & (x < 1), "a correlation strictly between -1 and 1"),
    "p": (lambda x: (x > 0) & (x <= 1), "a p-value in (0, 1]"),
    "nonneg": (lambda x: x >= 0, "0 or more"),
    "sign": (lambda x: (x == 1) | (x == -1), "+1 or -1 (the direction of the effect)"),
}


def first_bad(ok) -> int | None:
    """0-based position of the first False in ``ok``, or None."""
    bad = np.flatnonzero(~np.asarray(ok, dtype=bool))
    return int(bad[0]) if bad.size else None


def values_of(data: pd.DataFrame | None, spec, *, column: str, k: int, source=None) -> np.ndarray:
    """Return the float values meant by ``spec``: a column name of ``data``, a scalar, or an array of length k.

    Text that is not a number raises :class:`DataError` naming the row and column; empty cells become NaN
    (missing values are handled by :func:`missing_rows`).
    """
    if isinstance(spec, str):
        if data is None or spec not in data.columns:
            shown = ", ".join(map(str, data.columns)) if data is not None else "(no table given)"
            raise DataError(f"no column named '{spec}' (the table has: {shown})", source=source, column=spec)
        raw = data[spec]
        name = spec
    elif np.ndim(spec) == 0:
        raw = pd.Series([spec] * k)
        name = column
    else:
        raw = pd.Series(list(spec))
        name = column
        if len(raw) != k:
            raise DataError(f"{column} has {len(raw)} values but there are {k} rows", source=source,
                            column=column)
    return _to_float(raw, name, source)


def _to_float(raw: pd.Series, name: str, source) -> np.ndarray:
    series = pd.Series(raw).reset_index(drop=True)
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    if series.dtype == bool:
        raise DataError("expected numbers, found true/false values", source=source, column=name)
    as_text = series.map(lambda v: v.strip() if isinstance(v, str) else v)
    as_text = as_text.map(lambda v: np.nan if isinstance(v, str) and v == "" else v)
    num = pd.to_numeric(as_text, errors="coerce")
    bad = first_bad(~(num.isna() & as_text.notna()))
    if bad is not None:
        raise DataError(f"expected a number, found {series.iloc[bad]!r}", source=source, row=bad + 1, column=name)
    return num.to_numpy(dtype=float)


def check_rule(values: np.ndarray, rule: str, *, column: str, source=None, rows=None, extra: str = "") -> None:
    """Raise :class:`DataError` for the first non-missing value breaking ``rule`` (see :data:`RULES`).

    ``rows`` maps positions to the 1-based row numbers to report (default: position + 1).
    """
    test, allowed = RULES[rule]
    x = np.asarray(values, dtype=float)
    present = ~np.isnan(x)
    with np.errstate(invalid="ignore"):
        ok = ~present | (np.isfinite(x) & test(x))
    bad = first_bad(ok)
    if bad is not None:
        row = bad + 1 if rows is None else int(rows[bad])
        raise DataError(f"must be {allowed}{extra}, got {_show(x[bad])}", source=source, row=row, column=column)


def check_present(values, *, column: str, source=None) -> None:
    """Raise :class:`DataError` for the first missing (NaN) value: plain array inputs have no drop option."""
    bad = first_bad(~np.isnan(np.asarray(values, dtype=float)))
    if bad is not None:
        raise DataError("is missing (NaN); give a value or leave the row out", source=source, row=bad + 1,
                        column=column)


def check_min(values, minimum: float, *, column: str, source=None, rows=None, why: str = "") -> None:
    """Raise :class:`DataError` for the first whole-number check or value below ``minimum`` that fails."""
    x = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        ok = np.isnan(x) | ((x >= minimum) & (x == np.floor(x)))
    bad = first_bad(ok)
    if bad is not None:
        row = bad + 1 if rows is None else int(rows[bad])
        raise DataError(f"must be a whole number of at least {_show(minimum)}{why}, got {_show(x[bad])}",
                        source=source, row=row, column=column)


def _show(v: float) -> str:
    return str(int(v)) if np.isfinite(v) and float(v).is_integer() else repr(float(v))


def missing_rows(columns: dict[str, np.ndarray]) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """Return a mask of rows with any missing value and, per such row, the first column that is empty."""
    k = len(next(iter(columns.values()))) if columns else 0
    mask = np.zeros(k, dtype=bool)
    first: dict[int, str] = {}
    for name, x in columns.items():
        miss = np.isnan(x)
        for i in np.flatnonzero(miss & ~mask):
            first[int(i)] = name
        mask |= miss
    return mask, sorted(first.items())


def drop_missing(columns: dict[str, np.ndarray], *, missing: str, source=None, what: str = "effect sizes"):
    """Apply the ``missing`` policy: ``"error"`` raises for the first empty cell, ``"drop"`` warns and drops.

    Returns ``(keep_mask, dropped_rows)`` with ``dropped_rows`` as 1-based row numbers.
    """
    missing = check_choice("missing", missing, ["error", "drop"])
    mask, first = missing_rows(columns)
    if not first:
        return ~mask, []
    if missing == "error":
        row, col = first[0]
        raise DataError(f"the cell is empty but is needed to compute {what} (pass missing='drop' to drop "
                        f"such rows and have them reported)", source=source, row=row + 1, column=col)
    dropped = [row + 1 for row, _ in first]
    shown = ", ".join(f"row {r} ('{c}')" for r, (_, c) in zip(dropped, first))
    where = f"{source}: " if source else ""
    warnings.warn(f"{where}dropped {len(dropped)} row(s) with empty cells: {shown}", DataWarning, stacklevel=3)
    return ~mask, dropped
