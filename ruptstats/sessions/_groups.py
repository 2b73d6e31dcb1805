"""Vectorised per-client helpers for tables sorted by client and session (no Python loop over rows).

A *group code* is one integer per row that is the same for all rows of one client (within study and rater).
The helpers assume the rows of a group are contiguous and in session order, which
:func:`ruptstats.sessions.loader.load_sessions` and :func:`order_sessions` guarantee.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .schema import session_key

__all__ = ["group_codes", "single_group", "session_numbers", "order_sessions", "group_shift", "group_std", "sample_sd",
           "group_any", "is_sorted", "dense_codes"]


def group_codes(df: pd.DataFrame, columns) -> np.ndarray:
    """Return an integer code per row, equal for equal values of ``columns`` (missing values form their own group).

    Codes increase with the category order (categoricals) or the order of first appearance (other columns),
    column by column, so sorting by the code sorts by the columns. A categorical with a single category and no
    missing value (e.g. the one study of a file) cannot split a group and is skipped. When one categorical
    decides alone, its own codes are returned (int8/16/32, a read-only view: no copy); otherwise int64.

    >>> df = pd.DataFrame({"a": ["x", "x", "y"], "b": [1, 2, 1]})
    >>> group_codes(df, ["a"]).tolist()
    [0, 0, 1]
    """
    parts = []
    for col in columns:
        s = df[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            c, n = s.array.codes, len(s.cat.categories)  # read-only view, int8/16/32
        else:
            c, uniques = pd.factorize(s, use_na_sentinel=True)
            n = len(uniques)
        if len(c) and c.min() < 0:
            c = np.where(c < 0, n, c).astype(np.int64)  # missing values: one extra code
        elif n <= 1:
            continue  # one value everywhere
        parts.append((c, n))
    if not parts:
        return np.zeros(len(df), dtype=np.int64)
    code = parts[0][0]
    for c, n in parts[1:]:
        code = code.astype(np.int64) * (n + 1) + c
    return code


def single_group(df: pd.DataFrame, columns) -> bool:
    """True when ``columns`` cannot split the rows: each is a categorical with one category and no missing value.

    >>> single_group(pd.DataFrame({"study": pd.Categorical(["S", "S"])}), ["study"])
    True
    """
    for col in columns:
        s = df[col]
        if not (isinstance(s.dtype, pd.CategoricalDtype) and len(s.cat.categories) <= 1):
            return False
        if len(s) and s.array.codes.min() < 0:
            return False
    return True


def session_numbers(df: pd.DataFrame) -> np.ndarray:
    """The ``session`` column as int64 (no copy) when it holds whole numbers and none is missing, else float64
    with NaN for missing values.

    >>> session_numbers(pd.DataFrame({"session": pd.array([1, 2], dtype="Int64")})).dtype
    dtype('int64')
    """
    s = df["session"]
    if pd.api.types.is_integer_dtype(s.dtype) and not s.hasnans:
        return s.to_numpy(dtype=np.int64)
    return s.to_numpy(dtype=np.float64, na_value=np.nan)


def is_sorted(g: np.ndarray, session: np.ndarray) -> bool:
    """True when groups are contiguous runs ordered by code and sessions increase within each run."""
    if len(g) < 2:
        return True
    if not np.all(g[1:] >= g[:-1]):
        return False
    with np.errstate(invalid="ignore"):
        return bool(np.all((g[1:] != g[:-1]) | (session[1:] > session[:-1])))


def order_sessions(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` ordered by study, client, rater and session (category order), leaving a sorted table as is."""
    key = session_key(df.columns)
    g = group_codes(df, [c for c in key if c != "session"])
    session = session_numbers(df) if "session" in df else np.zeros(len(df))
    if is_sorted(g, session):
        return df
    order = np.lexsort((session, g))
    return df.iloc[order]  # the index keeps each row's file row number


def group_shift(values: np.ndarray, g: np.ndarray, k: int, fill=np.nan) -> np.ndarray:
    """Shift ``values`` by ``k`` rows within groups (``k > 0``: the previous rows, ``k < 0``: the following rows).

    >>> group_shift(np.array([1., 2., 3., 4.]), np.array([0, 0, 1, 1]), 1).tolist()
    [nan, 1.0, nan, 3.0]
    >>> group_shift(np.array([1., 2., 3., 4.]), np.array([0, 0, 1, 1]), -1).tolist()
    [2.0, nan, 4.0, nan]
    """
    n = len(values)
    out = np.full(n, fill, dtype=np.result_type(values.dtype, np.asarray(fill).dtype))
    if k == 0:
        return values.astype(out.dtype)
    if abs(k) >= n:
        return out
    if k > 0:
        ok = g[k:] == g[:-k]
        out[k:] = np.where(ok, values[:-k], fill)
    else:
        j = -k
        ok = g[:-j] == g[j:]
        out[:-j] = np.where(ok, values[j:], fill)
    return out


def dense_codes(g: np.ndarray) -> np.ndarray:
    """Renumber group codes 0, 1, … (run boundaries when grouped, else hashing; no sort).

    >>> dense_codes(np.array([7, 7, 9, 3])).tolist()
    [0, 0, 1, 2]
    """
    if len(g) == 0:
        return g.astype(np.int64)
    if bool(np.all(np.diff(g) >= 0)):
        return np.cumsum(np.r_[True, g[1:] != g[:-1]]) - 1
    return pd.factorize(g)[0].astype(np.int64)


def group_std(values: np.ndarray, g: np.ndarray, ddof: int = 1) -> np.ndarray:
    """Per-row standard deviation of the non-missing ``values`` of the row's group (NaN with < ddof + 1 values).

    Two-pass formula: mean per group, then the sum of squared deviations (``np.bincount``), divided by ``n - ddof``.

    >>> group_std(np.array([1., 3., np.nan, 5., 5.]), np.array([0, 0, 0, 1, 1])).tolist()
    [1.4142135623730951, 1.4142135623730951, 1.4142135623730951, 0.0, 0.0]
    """
    if len(g) and g.min() == g.max():  # one group (e.g. the sample SD of a single study): no gathers needed
        return np.full(len(g), sample_sd(values, ddof))
    inv = dense_codes(g)
    ok = ~np.isnan(values)
    n = np.bincount(inv[ok], minlength=inv.max() + 1 if len(inv) else 0).astype(float)
    s = np.bincount(inv[ok], weights=values[ok], minlength=len(n))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s / n
        dev = np.where(ok, values - mean[inv], 0.0)
        ss = np.bincount(inv, weights=dev * dev, minlength=len(n))
        var = np.where(n > ddof, ss / (n - ddof), np.nan)
    return np.sqrt(var)[inv]


def sample_sd(values: np.ndarray, ddof: int = 1) -> float:
    """Standard deviation of the non-missing ``values`` (NaN with fewer than ddof + 1 of them); two-pass formula.

    >>> sample_sd(np.array([1., 3., np.nan]))
    1.4142135623730951
    """
    v = values[~np.isnan(values)]  # a copy, worked on in place: the same numbers as sum((v - mean) ** 2)
    if len(v) <= ddof:
        return np.nan
    v -= v.mean()
    np.square(v, out=v)
    return float(np.sqrt(np.sum(v) / (len(v) - ddof)))


def group_any(flags: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Per-row: does any row of the group have ``flags`` True?

    >>> group_any(np.array([False, True, False]), np.array([0, 0, 1])).tolist()
    [True, True, False]
    """
    inv = dense_codes(g)
    return (np.bincount(inv, weights=flags.astype(float)) > 0)[inv]
