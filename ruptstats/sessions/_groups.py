"""Vectorised per-client helpers for tables sorted by client and session (no Python loop over rows).

A *group code* is one integer per row that is the same for all rows of one client (within study and rater).
The helpers assume the rows of a group are contiguous and in session order, which
:func:`ruptstats.sessions.loader.load_sessions` and :func:`order_sessions` guarantee.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .schema import session_key

__all__ = ["group_codes", "order_sessions", "group_shift", "group_std", "group_any", "is_sorted", "dense_codes"]


def group_codes(df: pd.DataFrame, columns) -> np.ndarray:
    """Return an int64 code per row, equal for equal values of ``columns`` (missing values form their own group).

    >>> df = pd.DataFrame({"a": ["x", "x", "y"], "b": [1, 2, 1]})
    >>> group_codes(df, ["a"]).tolist()
    [0, 0, 1]
    """
    columns = list(columns)
    if not columns:
        return np.zeros(len(df), dtype=np.int64)
    code = None
    for col in columns:
        s = df[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            c = s.cat.codes.to_numpy().astype(np.int64)
            n = len(s.cat.categories)
        else:
            c, uniques = pd.factorize(s, use_na_sentinel=True)
            c = c.astype(np.int64)
            n = len(uniques)
        if len(c) and c.min() < 0:
            c[c < 0] = n  # missing values: one extra code
        code = c if code is None else code * (n + 1) + c
    return code


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
    session = df["session"].to_numpy(dtype=np.float64, na_value=np.nan) if "session" in df else np.zeros(len(df))
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
        ok = ~np.isnan(values)
        k = int(ok.sum())
        sd = float(np.sqrt(np.sum((values[ok] - values[ok].mean()) ** 2) / (k - ddof))) if k > ddof else np.nan
        return np.full(len(g), sd)
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


def group_any(flags: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Per-row: does any row of the group have ``flags`` True?

    >>> group_any(np.array([False, True, False]), np.array([0, 0, 1])).tolist()
    [True, True, False]
    """
    inv = dense_codes(g)
    return (np.bincount(inv, weights=flags.astype(float)) > 0)[inv]
