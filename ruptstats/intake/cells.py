"""Cell checks for every table that enters ruptstats: numbers, ranges, sample sizes, variances, empty cells.

Each rule is written once here and used by the study-table path (:func:`~ruptstats.effects.escalc`, the
conversions, :func:`~ruptstats.effects.convert_table`, :func:`~ruptstats.effects.aggregate`,
:func:`~ruptstats.intake.effects_from_table`, the meta-regression and multilevel inputs) and by the session
loaders, so the same bad value gives the same message wherever it enters. Every failure is one
:class:`~ruptstats.exceptions.DataError` in one format::

    <file>: row <1-based data row>, column '<column>': <what was expected>, got <what was found>[ (<n> rows: ...)]

Values are written plainly (``0``, ``12.5``, ``inf``, ``'ten'``), never as numpy reprs. Identifier columns
(``study``, ``client``, ``therapist``) are never echoed into a message (privacy).

Row numbers: ``rows`` maps array positions to the 1-based file rows to report (default: position + 1). Session
tables carry them as their index, named ``row`` (:func:`file_rows`), so a message names the right row after
sorting or filtering.
"""

from __future__ import annotations

import contextlib
import datetime
import contextvars
import warnings

import numpy as np
import pandas as pd

from ..exceptions import DataError, DataWarning
from .policy import missing_policy

__all__ = ["RULES", "IDENTIFIER_COLUMNS", "show", "first_bad", "file_rows", "source_of", "working_copy",
           "raise_first", "raise_cells", "to_numbers", "numeric_column", "values_of", "check_rule",
           "check_present", "check_sample_size", "range_check", "missing_rows", "drop_empty", "strip_labels",
           "hidden_values"]

# True while a loader pseudonymises identifiers: no cell value is echoed into a message (a client identifier may
# have landed in a numeric column).
_HIDE_VALUES = contextvars.ContextVar("ruptstats_hide_values", default=False)


@contextlib.contextmanager
def hidden_values(hide: bool = True):
    """Within this block (when ``hide`` is True), cell errors name the row and column but never the value."""
    token = _HIDE_VALUES.set(bool(hide) or _HIDE_VALUES.get())
    try:
        yield
    finally:
        _HIDE_VALUES.reset(token)


def values_hidden() -> bool:
    """True inside :func:`hidden_values` (a pseudonymising loader)."""
    return _HIDE_VALUES.get()


#: Columns whose values are never shown in a message (identifiers; see :mod:`ruptstats.sessions.privacy`).
IDENTIFIER_COLUMNS = ("study", "client", "therapist")

# rule name -> (predicate on finite float values, text that says what is allowed)
RULES = {
    "any": (lambda x: np.isfinite(x), "a finite number"),
    "positive": (lambda x: x > 0, "greater than 0"),
    "variance": (lambda x: x > 0, "a positive sampling variance (greater than 0)"),
    "se": (lambda x: x > 0, "a positive standard error (greater than 0)"),
    "sd": (lambda x: x > 0, "a standard deviation greater than 0"),
    "count": (lambda x: (x >= 0) & (x == np.floor(x)), "a whole number of 0 or more"),
    "r": (lambda x: (x > -1) & (x < 1), "a correlation strictly between -1 and 1"),
    "p": (lambda x: (x > 0) & (x <= 1), "a p-value in (0, 1]"),
    "nonneg": (lambda x: x >= 0, "0 or more"),
    "sign": (lambda x: (x == 1) | (x == -1), "+1 or -1 (the direction of the effect)"),
}


def show(value) -> str:
    """A value as a message shows it: whole numbers without ``.0``, floats by ``repr``, text quoted.

    >>> show(np.float64(np.inf)), show(3.0), show(np.int64(7)), show(0.25), show("ten")
    ('inf', '3', '7', '0.25', "'ten'")
    """
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        f = float(value)
        return str(int(f)) if f.is_integer() else repr(f)
    if isinstance(value, str):
        return repr(value)
    return repr(str(value))


def first_bad(ok) -> int | None:
    """0-based position of the first False in ``ok``, or None."""
    bad = np.flatnonzero(~np.asarray(ok, dtype=bool))
    return int(bad[0]) if bad.size else None


def file_rows(df: pd.DataFrame) -> np.ndarray:
    """The 1-based file row of each row: the index when it is named ``row``, else the position + 1."""
    if df.index.name == "row":
        return np.asarray(df.index, dtype=np.int64)
    return np.arange(1, len(df) + 1, dtype=np.int64)


def source_of(df: pd.DataFrame) -> str | None:
    """The file a table came from (``df.attrs["source"]``), if known."""
    return df.attrs.get("source")


def working_copy(df: pd.DataFrame) -> pd.DataFrame:
    """A shallow copy (copy-on-write shares the data) whose ``attrs`` keep only the source, for messages.

    pandas deep-copies ``attrs`` into every object taken from a table (each column, each selection); the report
    need not travel through a computation.
    """
    out = df.copy(deep=False)
    out.attrs = {"source": df.attrs["source"]} if "source" in df.attrs else {}
    return out


def _rows_text(rows) -> str:
    rows = list(rows)
    return ", ".join(str(int(r)) for r in rows[:5]) + (", …" if len(rows) > 5 else "")


def raise_first(bad, message: str, *, column: str | None, source=None, rows=None, values=None) -> None:
    """Raise :class:`DataError` for the first True of ``bad`` (counting all of them), if any is True.

    ``values`` (indexable by position) gives the value shown after ``got``; ``rows`` the 1-based file rows.
    """
    bad = np.asarray(bad, dtype=bool)
    if not bad.any():
        return
    idx = np.flatnonzero(bad)
    where = np.arange(1, len(bad) + 1) if rows is None else np.asarray(rows)
    found = where[idx]
    shown = ""
    if values is not None and column not in IDENTIFIER_COLUMNS and not values_hidden():
        value = values.iloc[idx[0]] if isinstance(values, pd.Series) else values[idx[0]]
        shown = f", got {show(value)}"
    more = f" ({len(idx)} rows: {_rows_text(found)})" if len(idx) > 1 else ""
    raise DataError(f"{message}{shown}{more}", source=source, row=int(found[0]), column=column)


def raise_cells(df: pd.DataFrame, bad: np.ndarray, column: str, message: str) -> None:
    """:func:`raise_first` for a cell of ``df`` (file rows from :func:`file_rows`, source from ``attrs``)."""
    if not np.any(bad):
        return
    values = df[column] if column in df.columns else None
    raise_first(bad, message, column=column, source=source_of(df), rows=file_rows(df), values=values)


def check_frame(value, name: str, what: str) -> None:
    """DataError unless ``value`` is a pandas DataFrame: ``{name} must be a DataFrame ({what}), got {type}``."""
    if not isinstance(value, pd.DataFrame):
        raise DataError(f"{name} must be a DataFrame ({what}), got {type(value).__name__}")


def to_numbers(raw, *, column: str, source=None, rows=None) -> np.ndarray:
    """Return ``raw`` (a column) as float64; empty cells become NaN, text that is not a number is an error.

    Text is stripped of surrounding blanks first (``" 3,5"`` read without decimal-comma sniffing stays an error:
    the decimal mark is the reader's business). True/false columns are an error, not 1/0.
    """
    s = pd.Series(raw) if not isinstance(raw, pd.Series) else raw
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    if pd.api.types.is_bool_dtype(s.dtype):
        raise DataError("expected numbers, got true/false values", source=source, column=column)
    if s.dtype.kind in "mM" or isinstance(s.dtype, pd.PeriodDtype):  # a date is no number (nor its nanoseconds)
        raise_first(s.notna().to_numpy(), "expected a number, not a date or a time", column=column, source=source,
                    rows=rows, values=s)
        return np.full(len(s), np.nan)
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_complex_dtype(s.dtype):
        return s.to_numpy(dtype=np.float64, na_value=np.nan)
    if s.dtype == object:  # true/false or complex numbers among other values are not numbers either
        odd = np.fromiter((isinstance(v, (bool, np.bool_, complex, np.complexfloating)) for v in s.array),
                          dtype=bool, count=len(s))
        raise_first(odd, "expected a number", column=column, source=source, rows=rows, values=s)
        dated = np.fromiter((isinstance(v, (datetime.date, datetime.time, datetime.timedelta, np.datetime64,
                                            np.timedelta64)) for v in s.array), dtype=bool, count=len(s))
        raise_first(dated, "expected a number, not a date or a time", column=column, source=source, rows=rows,
                    values=s)
    elif pd.api.types.is_complex_dtype(s.dtype):
        raise_first(np.ones(len(s), dtype=bool), "expected a number", column=column, source=source, rows=rows,
                    values=s)
    num = pd.to_numeric(s, errors="coerce")
    left = (num.isna() & s.notna()).to_numpy(dtype=bool, na_value=False)
    if left.any():  # text with blanks, empty text, or not a number
        text = s[left].astype("string").str.strip()
        num = num.astype("float64")
        num[left] = pd.to_numeric(text.mask(text == ""), errors="coerce").to_numpy(dtype=np.float64,
                                                                                   na_value=np.nan)
        bad = left & num.isna().to_numpy()
        bad[left] &= (text != "").to_numpy(dtype=bool, na_value=False)  # empty text is an empty cell
        raise_first(bad, "expected a number", column=column, source=source, rows=rows, values=s)
    return num.to_numpy(dtype=np.float64, na_value=np.nan)


def numeric_column(table: pd.DataFrame, column: str, *, source=None, rows=None) -> np.ndarray:
    """Return ``table[column]`` as floats (:func:`to_numbers`); ``rows`` are the 1-based data rows."""
    return to_numbers(table[column], column=column, source=source, rows=rows)


def values_of(data: pd.DataFrame | None, spec, *, column: str, k: int, source=None) -> np.ndarray:
    """Return the float values meant by ``spec``: a column name of ``data``, a scalar, or an array of length k.

    Text that is not a number raises :class:`DataError` naming the row and column; empty cells become NaN
    (missing values are handled by :func:`drop_empty`).
    """
    if isinstance(spec, str):
        if data is None or spec not in data.columns:
            shown = ", ".join(map(str, data.columns)) if data is not None else "(no table given)"
            raise DataError(f"no column named '{spec}' (the table has: {shown})", source=source, column=spec)
        return to_numbers(data[spec].reset_index(drop=True), column=spec, source=source)
    if np.ndim(spec) == 0:
        return to_numbers(pd.Series([spec] * k), column=column, source=source)
    raw = pd.Series(list(spec))
    if len(raw) != k:
        raise DataError(f"{column} has {len(raw)} values but there are {k} rows", source=source, column=column)
    return to_numbers(raw, column=column, source=source)


def check_rule(values, rule: str, *, column: str, source=None, rows=None, extra: str = "") -> None:
    """Raise :class:`DataError` for the first non-missing value breaking ``rule`` (see :data:`RULES`)."""
    test, allowed = RULES[rule]
    x = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        ok = np.isnan(x) | (np.isfinite(x) & test(x))
    raise_first(~ok, f"must be {allowed}{extra}", column=column, source=source, rows=rows, values=x)


def check_present(values, *, column: str, source=None, rows=None) -> None:
    """Raise :class:`DataError` for the first missing (NaN) value, where no drop option applies."""
    x = np.asarray(values, dtype=float)
    raise_first(np.isnan(x), "empty cell (NaN): a value is needed; give one or leave the row out",
                column=column, source=source, rows=rows)


def check_sample_size(values, minimum: float = 1, *, column: str, source=None, rows=None, why: str = "") -> None:
    """Raise :class:`DataError` for the first sample size that is not a whole number of at least ``minimum``.

    Missing values (NaN) are left to the ``missing`` policy; ``why`` says what needs the minimum.

    >>> check_sample_size([10, 3], 4, column="n", why=" (a correlation needs n > 3)")
    Traceback (most recent call last):
    ...
    ruptstats.exceptions.DataError: row 2, column 'n': must be a whole number of at least 4 (a correlation needs n > 3), got 3
    """
    x = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        ok = np.isnan(x) | (np.isfinite(x) & (x >= minimum) & (x == np.floor(x)))
    bad = first_bad(ok)
    if bad is None:
        return
    need = f"must be a whole number of at least {show(minimum)}{why}"
    message = f"a sample size cannot be negative: it {need}" if x[bad] < 0 else need
    raise_first(~ok, message, column=column, source=source, rows=rows, values=x)


def range_check(df: pd.DataFrame, column: str, bounds, what: str) -> np.ndarray:
    """Return ``df[column]`` as float64 after checking it is numeric and inside ``bounds = (low, high)``."""
    x = to_numbers(df[column], column=column, source=source_of(df), rows=file_rows(df))
    low, high = bounds
    with np.errstate(invalid="ignore"):
        bad = ~np.isnan(x) & ((x < low) | (x > high))
    raise_cells(df, bad, column, f"{what} must lie in [{low:g}, {high:g}]")
    return x


def missing_rows(columns: dict[str, np.ndarray]) -> tuple[np.ndarray, list[tuple[int, list[str]]]]:
    """Return a mask of rows with any missing value and, per such row (0-based), the columns that are empty."""
    k = len(next(iter(columns.values()))) if columns else 0
    mask = np.zeros(k, dtype=bool)
    for x in columns.values():
        mask |= np.isnan(np.asarray(x, dtype=float))
    found = [(int(i), [name for name, x in columns.items() if np.isnan(x[i])]) for i in np.flatnonzero(mask)]
    return mask, found


def drop_empty(columns: dict[str, np.ndarray], *, missing: str, source=None, rows=None,
               what: str = "effect sizes", warn: bool = True, stacklevel: int = 3):
    """Apply the ``missing`` policy to empty (NaN) cells of the columns a computation needs.

    ``"error"`` raises for the first row with an empty cell; ``"drop"`` drops and, unless ``warn=False`` (the
    caller reports them itself), warns (:class:`DataWarning`, naming each dropped file row and its empty
    columns). Returns ``(keep_mask, dropped)`` with ``dropped`` a list
    of ``(file_row, [empty columns])``; ``rows`` maps positions to 1-based file rows (default position + 1).
    """
    missing = missing_policy(missing)
    mask, found = missing_rows(columns)
    if not found:
        return ~mask, []
    where = np.arange(1, len(mask) + 1) if rows is None else np.asarray(rows)
    if missing == "error":
        pos, cols = found[0]
        more = f" ({len(found)} rows: {_rows_text(where[[p for p, _ in found]])})" if len(found) > 1 else ""
        raise DataError(f"empty cell: a value is needed to compute {what} (pass missing='drop', on the command "
                        f"line --drop-missing, to drop such rows and have them reported){more}", source=source, row=int(where[pos]), column=cols[0])
    dropped = [(int(where[pos]), cols) for pos, cols in found]
    if not warn:
        return ~mask, dropped
    shown = ", ".join(f"row {r} ({', '.join(repr(c) for c in cols)})" for r, cols in dropped)
    prefix = f"{source}: " if source else ""
    warnings.warn(f"{prefix}dropped {len(dropped)} row(s) with empty cells: {shown}", DataWarning,
                  stacklevel=stacklevel)
    return ~mask, dropped


def _is_text_column(s: pd.Series) -> bool:
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = s.cat.categories
        return cats.dtype == object or pd.api.types.is_string_dtype(cats.dtype)
    return s.dtype == object or pd.api.types.is_string_dtype(s.dtype)


def strip_labels(df: pd.DataFrame, columns=None) -> tuple[pd.DataFrame, dict[str, int]]:
    """Strip surrounding white space from the text cells of ``df`` (identifiers, category labels).

    ``"client "`` and ``"client"`` are one label, not two subgroups, clusters or clients; a cell of white space
    only becomes an empty (missing) cell. Works on the distinct values of each column.

    Parameters
    ----------
    df : pandas.DataFrame
    columns : sequence of str, optional
        The columns to strip (default: every text column).

    Returns
    -------
    (pandas.DataFrame, dict)
        The table (a copy when anything changed; ``attrs`` kept) and ``{column: number of cells changed}`` for
        the columns where something was stripped, for the report.

    Examples
    --------
    >>> t, n = strip_labels(pd.DataFrame({"g": ["a", "a ", " ", "b"], "x": [1, 2, 3, 4]}))
    >>> t["g"].tolist(), n
    (['a', 'a', nan, 'b'], {'g': 2})
    """
    counts: dict[str, int] = {}
    out = None
    for col in (df.columns if columns is None else [c for c in columns if c in df.columns]):
        s = df[col]
        if not isinstance(s, pd.Series) or not _is_text_column(s):
            continue
        if isinstance(s.dtype, pd.CategoricalDtype):  # the categories are the distinct values: no pass over rows
            cats = s.cat.categories
            if cats.dtype != object and not np.asarray(cats.str.strip() != cats).any():
                continue  # text categories without surrounding white space (vectorised: the common case)
            codes, uniques = s.array.codes, cats.to_numpy(dtype=object).tolist()
        else:
            codes, uniques = pd.factorize(s, use_na_sentinel=True)
        stripped = [u.strip() if isinstance(u, str) else u for u in uniques]
        changed = np.array([isinstance(u, str) and u != t for u, t in zip(uniques, stripped)] + [False])
        if not changed.any():
            continue
        counts[str(col)] = int(np.isin(codes, np.flatnonzero(changed)).sum())
        new = [np.nan if (isinstance(t, str) and t == "") else t for t in stripped]
        values = np.asarray(new + [np.nan], dtype=object)[codes]
        if out is None:
            out = df.copy()
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = list(dict.fromkeys(v for v in new if not (isinstance(v, float) and np.isnan(v))))
            out[col] = pd.Categorical(values, categories=cats)
        elif pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
            out[col] = pd.Series(values, index=s.index).astype(s.dtype)
        else:
            out[col] = pd.Series(values, index=s.index, dtype=object)
    if out is None:
        return df, counts
    out.attrs = dict(df.attrs)
    return out, counts
