"""From a study table to validated effect sizes: column lookup, cell checks, reported exclusions.

Every problem is a :class:`~ruptstats.exceptions.DataError` that names the source, the 1-based data row and the
column (the checks and their messages are those of :mod:`ruptstats.intake.cells`). No row is dropped unless
the caller asks (``missing="drop"``, :mod:`ruptstats.intake.policy`), and then every dropped row is listed in
:attr:`EffectInput.excluded` with its file row number.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..effects.correlation import zcor
from ..exceptions import DataError, OptionError
from .cells import check_present, check_rule, check_sample_size, drop_empty, numeric_column
from .policy import missing_policy

__all__ = ["EffectInput", "effect_columns", "effects_from_table", "find_column", "STUDY_COLUMNS"]

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
        Rows left out on request (``missing="drop"``): the 1-based file row and the reason (``"empty r"``).
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
    for values, name in ((y, yi), (second, vi)):
        check_present(values, column=name, source=source, rows=rows)
    check_rule(y, "any", column=yi, source=source, rows=rows)
    check_rule(second, "se" if standard_errors else "variance", column=vi, source=source, rows=rows)
    return y, (second**2 if standard_errors else second)


def effects_from_table(table: pd.DataFrame, *, yi=None, vi=None, sei=None, r=None, n=None, study=None,
                       measure=None, missing: str | None = None, source=None, row_numbers=None,
                       drop_missing: bool | None = None) -> EffectInput:
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
    missing : {"error", "drop"}, default "error"
        A row with an empty cell in a used column is an error; with ``"drop"`` it is dropped and listed in
        ``excluded`` with its file row (no warning: the caller reports ``excluded``).
    source : str, optional
        File name for messages (default: ``table.attrs["source"]``).
    row_numbers : array_like of int, optional
        1-based data rows of the file for the rows of ``table`` (default 1, 2, ...), for tables that are a
        subset of a file's rows.
    drop_missing : bool, optional
        Deprecated spelling of ``missing`` (``True`` is ``missing="drop"``); warns with a
        :class:`DeprecationWarning` and will be removed in the next release.

    Returns
    -------
    EffectInput

    Raises
    ------
    DataError
        Missing column, non-numeric or empty cell, r outside (-1, 1), n not a whole number > 3 (correlations)
        or >= 1, vi <= 0, sei <= 0, or no row left.
    OptionError
        Conflicting column options, or ``missing`` not one of ``"error"``, ``"drop"``.

    Examples
    --------
    >>> t = pd.DataFrame({"study": ["A", "B", "C"], "r": [0.3, None, 0.1], "n": [50, 80, 60]})
    >>> inp = effects_from_table(t, missing="drop")
    >>> inp.study, inp.excluded
    (('A', 'C'), ((2, 'empty r'),))
    """
    missing = missing_policy(missing, drop_missing=drop_missing)
    if not isinstance(table, pd.DataFrame):
        raise OptionError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    source = source or table.attrs.get("source")
    numbers = np.arange(1, len(table) + 1) if row_numbers is None else np.asarray(row_numbers, dtype=int).ravel()
    if len(numbers) != len(table):
        raise OptionError(f"row_numbers has {len(numbers)} values but the table has {len(table)} rows")
    effect_columns_given = yi is not None or vi is not None or sei is not None
    if r is not None and effect_columns_given:
        raise OptionError("give correlations (--r, --n) or effect sizes (--yi with --vi or --sei), not both")
    if r is not None or (not effect_columns_given and _has(table, "r", "ri") and not _has(table, "yi")):
        return _from_correlations(table, r, n, study, missing, source, numbers)
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
    values, keep, excluded = _used_rows(table, [ycol, vcol] + ([ncol] if ncol else []), missing, source, numbers)
    rows = numbers[keep]
    y, v = values[ycol][keep], values[vcol][keep]
    check_rule(y, "any", column=ycol, source=source, rows=rows)
    check_rule(v, "variance" if sei is None else "se", column=vcol, source=source, rows=rows)
    ni = None
    if ncol:
        ni = values[ncol][keep]
        check_sample_size(ni, 1, column=ncol, source=source, rows=rows)
    sub = table[keep].reset_index(drop=True)
    return EffectInput(yi=y, vi=v if sei is None else v**2, study=_labels(sub, scol, rows), ni=ni,
                       measure=measure, rows=rows, excluded=tuple(excluded), extra=sub)


def _has(table, *names) -> bool:
    return any(c in table.columns for c in names)


def _from_correlations(table, r, n, study, missing, source, numbers) -> EffectInput:
    rcol = find_column(table, r, option="--r", candidates=("r", "ri"), source=source)
    ncol = find_column(table, n, option="--n", candidates=("n", "ni"), source=source)
    scol = find_column(table, study, option="--study", candidates=STUDY_COLUMNS, source=source, required=False)
    values, keep, excluded = _used_rows(table, [rcol, ncol], missing, source, numbers)
    rows = numbers[keep]
    rr, nn = values[rcol][keep], values[ncol][keep]
    check_rule(rr, "r", column=rcol, source=source, rows=rows)
    check_sample_size(nn, 4, column=ncol, source=source, rows=rows,
                      why=" (a correlation needs n > 3: its variance is 1/(n - 3))")
    yi, vi = zcor(rr, nn)
    sub = table[keep].reset_index(drop=True)
    return EffectInput(yi=yi, vi=vi, study=_labels(sub, scol, rows), ni=nn, measure="ZCOR", rows=rows,
                       excluded=tuple(excluded), extra=sub)


def _used_rows(table, columns, missing, source, numbers):
    """The used columns as floats, the mask of rows kept under ``missing`` and the dropped ``(row, reason)``."""
    values = {c: numeric_column(table, c, source=source, rows=numbers) for c in dict.fromkeys(columns)}
    keep, dropped = drop_empty(values, missing=missing, source=source, rows=numbers, what="the effect size",
                               warn=False)  # listed in EffectInput.excluded; the CLI prints one line each
    if len(dropped) == len(table):
        raise DataError("every row has an empty cell in a used column; nothing left to analyse", source=source)
    return values, keep, [(row, "empty " + ", ".join(cols)) for row, cols in dropped]


def _labels(sub, scol, rows) -> tuple:
    if scol is None:
        return tuple(f"Study {r}" for r in rows)
    return tuple(str(s) if pd.notna(s) else f"Study {r}" for s, r in zip(sub[scol], rows))
