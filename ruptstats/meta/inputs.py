"""From a study table to validated effect sizes: column lookup, cell checks, reported exclusions.

Every problem is a :class:`~ruptstats.exceptions.DataError` that names the source, the 1-based data row and the
column. No row is dropped unless the caller asks (``drop_missing=True``), and then every excluded row is
listed in :attr:`EffectInput.excluded`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..effects.correlation import zcor
from ..exceptions import DataError, OptionError

__all__ = ["EffectInput", "effect_columns", "effects_from_table", "numeric_column", "find_column", "STUDY_COLUMNS"]

#: Column names tried, in order, for study labels when ``study`` is not given.
STUDY_COLUMNS = ("study", "Study", "label", "author", "authors", "source", "id")


@dataclass(frozen=True)
class EffectInput:
    """Validated effect sizes ready for pooling.

    Attributes
    ----------
    yi, vi : numpy.ndarray
        Effect sizes and sampling variances.
    study : tuple of str
        Study labels.
    ni : numpy.ndarray or None
        Sample sizes when known.
    measure : str or None
        ``ZCOR`` when built from correlations, else what the caller said.
    rows : numpy.ndarray
        1-based data rows of the table that were used.
    excluded : tuple of (int, str)
        Rows left out on request (``drop_missing``), each with the reason.
    extra : pandas.DataFrame or None
        The used rows of the original table (for subgroups and moderators).
    """

    yi: np.ndarray
    vi: np.ndarray
    study: tuple
    ni: np.ndarray | None = None
    measure: str | None = None
    rows: np.ndarray | None = None
    excluded: tuple = field(default=())
    extra: pd.DataFrame | None = None


def find_column(table: pd.DataFrame, name: str | None, *, option: str, candidates=(), source=None,
                required: bool = True) -> str | None:
    """Return the column called ``name`` (or the first present of ``candidates`` when ``name`` is None).

    Raises :class:`DataError` for a missing column, suggesting the closest names.
    """
    if name is not None:
        if name in table.columns:
            return name
        close = difflib.get_close_matches(name, [str(c) for c in table.columns], n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise DataError(f"column '{name}' (given by {option}) not found; the columns are "
                        f"{', '.join(map(str, table.columns))}{hint}", source=source)
    for cand in candidates:
        if cand in table.columns:
            return cand
    if required:
        raise DataError(f"no column for {option}: expected one named {' or '.join(candidates)} "
                        f"(or name it with {option}); the columns are {', '.join(map(str, table.columns))}",
                        source=source)
    return None


def numeric_column(table: pd.DataFrame, column: str, *, source=None, rows=None) -> np.ndarray:
    """Return ``table[column]`` as floats; a non-numeric cell is a DataError naming row and column.

    Empty cells become NaN (the caller decides whether that is allowed). ``rows`` gives the 1-based data row
    of each table row (default 1..n).
    """
    col = table[column]
    rows = np.arange(1, len(table) + 1) if rows is None else rows
    if pd.api.types.is_bool_dtype(col):
        raise DataError("expected numbers, found true/false values", source=source, column=column)
    if pd.api.types.is_numeric_dtype(col):
        return col.to_numpy(dtype=float, na_value=np.nan)
    as_text = col.astype("string").str.strip()
    converted = pd.to_numeric(as_text, errors="coerce")
    bad = converted.isna() & as_text.notna() & (as_text != "")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"expected a number, got {as_text.iloc[i]!r}", source=source, row=int(rows[i]),
                        column=column)
    return converted.to_numpy(dtype=float, na_value=np.nan)


def effect_columns(table: pd.DataFrame, yi: str, vi: str, *, standard_errors: bool = False, source=None,
                   rows=None) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(yi, vi)`` from two columns, checked cell by cell.

    Effect sizes must be finite numbers and variances (or standard errors, squared on return, with
    ``standard_errors=True``) positive; an empty, non-numeric or out-of-range cell is a :class:`DataError`
    naming ``source``, the 1-based row (from ``rows``, default 1..n) and the column.
    """
    rows = np.arange(1, len(table) + 1) if rows is None else rows
    for name in (yi, vi):
        find_column(table, name, option=name, source=source)
    y = numeric_column(table, yi, source=source, rows=rows)
    second = numeric_column(table, vi, source=source, rows=rows)
    _check(~np.isfinite(y), "expected a finite number, got {value}", y, column=yi, source=source, rows=rows)
    what = "standard error" if standard_errors else "sampling variance"
    _check(~(second > 0), f"the {what} must be a positive number, got {{value}}", second, column=vi,
           source=source, rows=rows)
    return y, (second**2 if standard_errors else second)


def _check(mask, message, values, *, column, source, rows):
    if mask.any():
        i = int(np.flatnonzero(mask)[0])
        raise DataError(message.format(value=_fmt(values[i])), source=source, row=int(rows[i]), column=column)


def _fmt(x) -> str:
    x = float(x)
    return str(int(x)) if x.is_integer() else repr(x)


def effects_from_table(table: pd.DataFrame, *, yi=None, vi=None, sei=None, r=None, n=None, study=None,
                       measure=None, drop_missing: bool = False, source=None, row_numbers=None) -> EffectInput:
    """Validate a study table and return effect sizes with variances.

    Either correlations (``r`` and ``n`` columns; default columns ``r``/``ri`` and ``n``/``ni``), analysed as
    Fisher's z with :math:`v_i = 1/(n_i - 3)`, or effect sizes ``yi`` with ``vi`` or ``sei`` (default columns
    ``yi`` and ``vi``). Correlations are used when ``r`` is given, or when no effect-size column is named and
    the table has an ``r``/``ri`` column but no ``yi`` column; ``n`` alone only supplies sample sizes.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per study.
    yi, vi, sei, r, n, study : str, optional
        Column names.
    measure : str, optional
        The measure of ``yi`` (e.g. ``SMD``); ``ZCOR`` when built from correlations.
    drop_missing : bool, default False
        Exclude rows with an empty cell in a used column (reported in ``excluded``) instead of failing.
    source : str, optional
        File name for messages (default: ``table.attrs["source"]``).
    row_numbers : array_like of int, optional
        1-based data rows of the file for the rows of ``table`` (default 1, 2, ...), for tables that are a
        subset of a file's rows.

    Returns
    -------
    EffectInput

    Raises
    ------
    DataError
        Missing column, non-numeric or empty cell, r outside (-1, 1), n not a whole number > 3, vi <= 0,
        sei <= 0, or no row left.
    """
    source = source or table.attrs.get("source")
    numbers = np.arange(1, len(table) + 1) if row_numbers is None else np.asarray(row_numbers, dtype=int)
    effect_columns_given = yi is not None or vi is not None or sei is not None
    if r is not None and effect_columns_given:
        raise OptionError("give correlations (--r, --n) or effect sizes (--yi with --vi or --sei), not both")
    if r is not None or (not effect_columns_given and _has(table, "r", "ri") and not _has(table, "yi")):
        return _from_correlations(table, r, n, study, drop_missing, source, numbers)
    if yi is None and not _has(table, "yi"):
        raise DataError("no effect sizes: give --r and --n (correlations) or --yi with --vi or --sei; the "
                        f"columns are {', '.join(map(str, table.columns))}", source=source)
    if vi is not None and sei is not None:
        raise OptionError("give either vi or sei, not both")
    ycol = find_column(table, yi, option="--yi", candidates=("yi",), source=source)
    if sei is not None:
        vcol = find_column(table, sei, option="--sei", source=source)
    else:
        vcol = find_column(table, vi, option="--vi", candidates=("vi",), source=source)
    scol = find_column(table, study, option="--study", candidates=STUDY_COLUMNS, source=source, required=False)
    ncol = find_column(table, n, option="--n", candidates=("n", "ni"), source=source, required=False)
    if n is None and ncol is not None and table[ncol].isna().any():
        ncol = None  # an incomplete n column found by name only gives no n_total; a named --n must be complete
    used = [ycol, vcol] + ([ncol] if ncol else [])
    keep, excluded = _missing_rows(table, used, drop_missing, source, numbers)
    rows = numbers[keep]
    sub = table[keep].reset_index(drop=True)
    y, v = effect_columns(sub, ycol, vcol, standard_errors=sei is not None, source=source, rows=rows)
    ni = _sample_sizes(sub, ncol, source, rows, minimum=1) if ncol else None
    return EffectInput(yi=y, vi=v, study=_labels(sub, scol, rows), ni=ni, measure=measure, rows=rows,
                       excluded=tuple(excluded), extra=sub)


def _has(table, *names) -> bool:
    return any(c in table.columns for c in names)


def _from_correlations(table, r, n, study, drop_missing, source, numbers) -> EffectInput:
    rcol = find_column(table, r, option="--r", candidates=("r", "ri"), source=source)
    ncol = find_column(table, n, option="--n", candidates=("n", "ni"), source=source)
    scol = find_column(table, study, option="--study", candidates=STUDY_COLUMNS, source=source, required=False)
    keep, excluded = _missing_rows(table, [rcol, ncol], drop_missing, source, numbers)
    rows = numbers[keep]
    sub = table[keep].reset_index(drop=True)
    rr = numeric_column(sub, rcol, source=source, rows=rows)
    _check(~((rr > -1) & (rr < 1)), "a correlation must lie strictly between -1 and 1, got {value}", rr,
           column=rcol, source=source, rows=rows)
    nn = _sample_sizes(sub, ncol, source, rows, minimum=4)
    yi, vi = zcor(rr, nn)
    return EffectInput(yi=yi, vi=vi, study=_labels(sub, scol, rows), ni=nn, measure="ZCOR", rows=rows,
                       excluded=tuple(excluded), extra=sub)


def _sample_sizes(sub, ncol, source, rows, minimum: int) -> np.ndarray:
    nn = numeric_column(sub, ncol, source=source, rows=rows)
    _check(~np.isfinite(nn), "expected a sample size, got {value}", nn, column=ncol, source=source, rows=rows)
    _check(nn < 0, "a sample size cannot be negative, got {value}", nn, column=ncol, source=source, rows=rows)
    _check(nn != np.round(nn), "a sample size must be a whole number, got {value}", nn, column=ncol,
           source=source, rows=rows)
    if minimum > 1:
        _check(nn < minimum, f"a correlation needs n > {minimum - 1} (its variance is 1/(n - 3)), got {{value}}",
               nn, column=ncol, source=source, rows=rows)
    else:
        _check(nn < minimum, "a sample size must be at least 1, got {value}", nn, column=ncol, source=source,
               rows=rows)
    return nn


def _missing_rows(table, columns, drop_missing, source, numbers):
    """Boolean mask of rows to keep and the list of excluded ``(row, reason)``; errors unless dropping."""
    empty = pd.DataFrame({c: table[c].isna() | (table[c].astype("string").str.strip() == "") for c in columns})
    empty = empty.fillna(False).astype(bool)
    any_empty = empty.any(axis=1).to_numpy()
    if any_empty.any() and not drop_missing:
        i = int(np.flatnonzero(any_empty)[0])
        col = next(c for c in columns if empty[c].iloc[i])
        raise DataError("empty cell (use --drop-missing to exclude incomplete rows)", source=source,
                        row=int(numbers[i]), column=col)
    excluded = [(int(numbers[i]), "empty " + ", ".join(c for c in columns if empty[c].iloc[i]))
                for i in np.flatnonzero(any_empty)]
    if len(excluded) == len(table):
        raise DataError("every row has an empty cell in a used column; nothing left to analyse", source=source)
    return ~any_empty, excluded


def _labels(sub, scol, rows) -> tuple:
    if scol is None:
        return tuple(f"Study {r}" for r in rows)
    return tuple(str(s) if pd.notna(s) else f"Study {r}" for s, r in zip(sub[scol], rows))
