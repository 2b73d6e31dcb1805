"""Values to canonical dtypes: missing codes, value labels, recodes, booleans, categories, numbers.

Each conversion works on the distinct values of a column (``pandas.factorize``) and maps them back, so the cost
does not grow with a Python loop over rows.

Boolean columns (``rupture``, ``repaired``, ``dropout``) accept, case-insensitively and after the mapping's
``[values.<column>]`` recodes: ``yes y ja j true t 1 x`` for True and ``no n nein false f 0`` for False (English
and German spellings, as many rupture studies are German-speaking). Anything else is an error naming the cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import DataError, OptionError
from ..intake.cells import file_rows, raise_cells, source_of, to_numbers
from .schema import BOOLEAN_COLUMNS, CONDITIONS, FLOAT_COLUMNS, ID_COLUMNS, RATERS, RUPTURE_TYPES, canonical_dtype

__all__ = ["text_key", "apply_missing", "apply_value_labels", "to_boolean", "to_category", "to_number",
           "coerce_column"]

TRUE_WORDS = ("yes", "y", "ja", "j", "true", "t", "1", "x")
FALSE_WORDS = ("no", "n", "nein", "false", "f", "0")
_ALLOWED = {"rater": RATERS, "rupture_type": RUPTURE_TYPES, "condition": CONDITIONS}


def text_key(value) -> str:
    """The text form used to match recodes and missing codes: ``1``, ``1.0`` and ``" 1 "`` all give ``"1"``.

    >>> text_key(1.0), text_key(" Ja "), text_key(2.5)
    ('1', 'ja', '2.5')
    """
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, float, np.integer, np.floating)):
        f = float(value)
        return str(int(f)) if f.is_integer() else repr(f)
    return str(value).strip().casefold()


def _lookup(table: dict, value, default):
    """``table[text_key(value)]``; text holding a number (``"1.0"``, as CSV exports of SPSS or R write codes) is
    also looked up as that number (``"1"``), so codes match whether the file stored them as numbers or text."""
    key = text_key(value)
    if key in table:
        return table[key]
    try:
        number = float(key)
    except ValueError:
        return default
    return table.get(text_key(number), default) if np.isfinite(number) else default


def _map_uniques(s: pd.Series, func):
    """Apply ``func`` to the distinct non-missing values; return (mapped values array, codes, uniques)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    mapped = [func(u) for u in uniques]
    return mapped, codes, uniques


def apply_missing(df: pd.DataFrame, missing: dict, *, source: str | None = None) -> dict:
    """Set the mapping's missing codes to missing, in place; return ``{column: count}`` of cells changed.

    ``missing["all"]`` applies to every column; other keys name columns (after renaming). Codes written as text
    (``"-9"``) also apply to numeric columns. ``source`` (the mapping file) prefixes error messages.

    >>> d = pd.DataFrame({"a": [1, -9, 3], "b": ["x", "99", "y"]})
    >>> apply_missing(d, {"all": (-9,), "b": ("99",)}), d["a"].tolist()
    ({'a': 1, 'b': 1}, [1.0, nan, 3.0])
    """
    unknown = sorted(set(missing) - set(df.columns) - {"all"})
    if unknown:
        prefix = f"{source}: " if source else ""
        raise OptionError(f"{prefix}[missing] names columns not in the table: {unknown}")
    counts = {}
    every = tuple(missing.get("all", ()))
    for col in df.columns:
        codes = every + tuple(missing.get(col, ()))
        if not codes:
            continue
        s = df[col]
        if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            nums = [float(c) if not isinstance(c, str) else _as_number(c) for c in codes]
            nums = [c for c in nums if not np.isnan(c)]  # isin would match every empty cell with NaN
            hit = s.isin(nums).to_numpy() if nums else np.zeros(len(s), dtype=bool)
        else:
            keys = dict.fromkeys((text_key(c) for c in codes), True)
            if col in ID_COLUMNS:  # identifiers match as written: code 7 must not hit client 007
                mapped, ucodes, _ = _map_uniques(s, lambda u: text_key(u) in keys)
            else:  # codes stored as text numerals ("-9.0") match the number (-9)
                mapped, ucodes, _ = _map_uniques(s, lambda u: _lookup(keys, u, False))
            hit = np.asarray(mapped + [False], dtype=bool)[ucodes]  # code -1 (missing) picks the last False
        n = int(hit.sum())
        if n:
            if pd.api.types.is_integer_dtype(s.dtype) and not isinstance(s.dtype, pd.api.extensions.ExtensionDtype):
                s = s.astype("float64")
            df[col] = s.mask(hit)
            counts[col] = n
    return counts


def _as_number(code: str) -> float:
    """A missing code written as text (``"-9"``) as the number it names, for numeric columns (else NaN)."""
    try:
        return float(code.strip())
    except ValueError:
        return float("nan")


def apply_value_labels(s: pd.Series, labels: dict, *, distinct: bool = False, source: str | None = None) -> pd.Series:
    """Replace labelled codes by their labels: a categorical, categories in code order, then unlabelled values.

    With ``distinct=True`` (identifiers) two different codes of the column that would end up with the same label
    are a :class:`DataError` naming ``source`` and the column (they would merge two clients); no value is shown.

    >>> apply_value_labels(pd.Series([1.0, 2.0, None, 3.0]), {1.0: "ja", 2.0: "nein"}).tolist()
    ['ja', 'nein', nan, '3']
    """
    mapped, codes, _ = _map_uniques(s, lambda u: labels.get(u, text_key(u) if not isinstance(u, str) else u))
    if distinct and len(set(mapped)) < len(mapped):
        raise DataError(f"the file's value labels give two different codes of '{s.name}' the same label, which "
                        f"would merge two of them; give each code its own label (or none) in the file",
                        source=source, column=str(s.name))
    ordered = [labels[k] for k in sorted(labels, key=lambda v: (isinstance(v, str), v))]
    cats = list(dict.fromkeys(ordered + mapped))
    return pd.Series(pd.Categorical.from_codes(_codes_for(mapped, codes, cats), categories=cats), index=s.index,
                     name=s.name)


def _recode_table(recode: dict | None) -> dict:
    return {text_key(k): v for k, v in (recode or {}).items()}


def to_boolean(df: pd.DataFrame, column: str, recode: dict | None = None) -> pd.arrays.BooleanArray:
    """Convert a column to nullable booleans (see the module docstring for the accepted words)."""
    s = df[column]
    if pd.api.types.is_bool_dtype(s.dtype):
        return pd.array(s, dtype="boolean")
    table = {**{w: True for w in TRUE_WORDS}, **{w: False for w in FALSE_WORDS}, **_recode_table(recode)}

    def word(u):
        return np.nan if text_key(u) == "" else _lookup(table, u, "?")  # a blank cell is an empty cell

    if isinstance(s.dtype, pd.CategoricalDtype):  # its codes already number the distinct values (-1 missing)
        codes, mapped = s.array.codes, [word(u) for u in s.cat.categories]
    else:
        mapped, codes, _ = _map_uniques(s, word)
    bad_u = np.array([m not in (True, False) and not pd.isna(m) for m in mapped] + [False])
    if bad_u.any():
        raise_cells(df, _pick(bad_u, codes), column,
                    f"'{column}' must be yes/no (or a value the mapping's [values.{column}] recodes)")
    vals = np.array([bool(m) if m in (True, False) else False for m in mapped] + [False])
    miss = np.array([not (m in (True, False)) for m in mapped] + [True])
    return pd.arrays.BooleanArray(_pick(vals, codes), _pick(miss, codes))


def _pick(table: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """``table[codes]`` for a boolean table of the distinct values (its last entry for code -1, missing).

    With few distinct values, comparisons with the codes that give True replace the gather (whose int64 index
    would be as large as the column).
    """
    if len(table) > 8:
        return table[codes]
    hits = [i if i < len(table) - 1 else -1 for i in np.flatnonzero(table)]
    out = np.zeros(len(codes), dtype=bool)
    for i in hits:
        out |= codes == i
    return out


def to_category(df: pd.DataFrame, column: str, recode: dict | None = None, allowed=None) -> pd.Categorical:
    """Convert a column to a categorical of text (recoded); with ``allowed``, values outside it are errors."""
    s = df[column]
    table = _recode_table(recode)
    if isinstance(s.dtype, pd.CategoricalDtype) and not table and allowed is None:
        cats = s.cat.categories
        if cats.dtype == object or pd.api.types.is_string_dtype(cats.dtype):
            return s.array
    mapped, codes, _ = _map_uniques(s, lambda u: _lookup(table, u, u))
    mapped = [m if isinstance(m, str) or pd.isna(m) else text_key(m) for m in mapped]
    if allowed is not None:
        canon = {a.casefold(): a for a in allowed}
        mapped = [canon.get(str(m).strip().casefold(), m) if not pd.isna(m) else m for m in mapped]
        bad = np.array([not pd.isna(m) and m not in allowed for m in mapped] + [False])
        raise_cells(df, bad[codes], column, f"'{column}' must be one of {', '.join(allowed)}")
        return pd.Categorical.from_codes(_codes_for(mapped, codes, list(allowed)), categories=list(allowed))
    cats = list(dict.fromkeys(m for m in mapped if not pd.isna(m)))
    return pd.Categorical.from_codes(_codes_for(mapped, codes, cats), categories=pd.Index(cats, dtype="str"))


def _codes_for(mapped, codes, categories) -> np.ndarray:
    pos = {c: i for i, c in enumerate(categories)}
    lookup = np.array([pos.get(m, -1) if not pd.isna(m) else -1 for m in mapped] + [-1], dtype=np.int64)
    return lookup[codes]


def to_number(df: pd.DataFrame, column: str, recode: dict | None = None, *, integer: bool = False):
    """Convert a column to float64 (or Int64 with ``integer=True``); text that is not a number is an error."""
    s = df[column]
    table = _recode_table(recode)
    if table:
        mapped, codes, _ = _map_uniques(s, lambda u: table.get(text_key(u), u))
        s = pd.Series(np.asarray(mapped + [np.nan], dtype=object)[codes], index=s.index)
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    if not pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        raw = s.astype(object) if pd.api.types.is_bool_dtype(s.dtype) else s  # true/false stay 1/0, as before
        s = pd.Series(to_numbers(raw, column=column, source=source_of(df), rows=file_rows(df)),
                      index=s.index)
    if integer and pd.api.types.is_signed_integer_dtype(s.dtype) and not s.hasnans:  # fast path: whole numbers
        v = s.to_numpy(dtype=np.int64)
        return pd.arrays.IntegerArray(v, np.zeros(len(v), dtype=bool))
    x = s.to_numpy(dtype=np.float64, na_value=np.nan)
    raise_cells(df, np.isinf(x), column, f"'{column}' must be a finite number (or an empty cell)")
    if integer:
        raise_cells(df, ~np.isnan(x) & (x != np.round(x)), column, f"'{column}' must be a whole number")
        raise_cells(df, np.abs(np.nan_to_num(x)) > 2.0 ** 53, column,
                    f"'{column}' must be a whole number of at most 2^53 (9007199254740992)")
        return pd.arrays.IntegerArray(np.where(np.isnan(x), 0, x).astype(np.int64), np.isnan(x))
    return x


def coerce_column(df: pd.DataFrame, column: str, recode: dict | None = None):
    """Return ``df[column]`` converted to its canonical dtype (covariates: recoded, dtype otherwise kept)."""
    kind = canonical_dtype(column)
    if column in BOOLEAN_COLUMNS:
        return to_boolean(df, column, recode)
    if column in ID_COLUMNS or column in _ALLOWED:
        return to_category(df, column, recode, _ALLOWED.get(column))
    if column in FLOAT_COLUMNS:
        return to_number(df, column, recode)
    if column in ("session", "n_sessions"):
        return to_number(df, column, recode, integer=True)
    if kind is None and recode:
        mapped, codes, _ = _map_uniques(df[column], lambda u: _recode_table(recode).get(text_key(u), u))
        return pd.Series(np.asarray(mapped + [np.nan], dtype=object)[codes], index=df.index).infer_objects()
    return df[column]
