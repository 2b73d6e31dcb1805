"""Naming the cells behind an error: file, 1-based data row and column.

Canonical tables carry the file row of each row as their index (named ``row``; wide files: the row of the
client in the wide file), so a message still names the right row after sorting or filtering.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import DataError
from .schema import ID_COLUMNS

__all__ = ["file_rows", "raise_cells", "source_of", "range_check", "working_copy"]


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


def raise_cells(df: pd.DataFrame, bad: np.ndarray, column: str, message: str) -> None:
    """Raise :class:`DataError` for the first True of ``bad``, counting all of them, if any is True."""
    bad = np.asarray(bad, dtype=bool)
    if not bad.any():
        return
    idx = np.flatnonzero(bad)
    rows = file_rows(df)[idx]
    more = f" ({len(idx)} rows: {', '.join(map(str, rows[:5]))}{', …' if len(idx) > 5 else ''})" if len(idx) > 1 else ""
    # identifiers are never echoed into messages (privacy)
    value = df[column].iloc[idx[0]] if column in df.columns and column not in ID_COLUMNS else None
    if isinstance(value, np.generic):
        value = value.item()
    shown = "" if value is None else f", got {value!r}"
    raise DataError(f"{message}{shown}{more}", source=source_of(df), row=int(rows[0]), column=column)


def range_check(df: pd.DataFrame, column: str, bounds, what: str) -> np.ndarray:
    """Return ``df[column]`` as float64 after checking it is numeric and inside ``bounds = (low, high)``."""
    s = df[column]
    if not pd.api.types.is_numeric_dtype(s.dtype):
        num = pd.to_numeric(s, errors="coerce")
        raise_cells(df, (num.isna() & s.notna()).to_numpy(), column, f"{what} must be a number")
        s = num
    x = s.to_numpy(dtype=np.float64, na_value=np.nan)
    low, high = bounds
    raise_cells(df, ~np.isnan(x) & ((x < low) | (x > high)), column, f"{what} must lie in [{low:g}, {high:g}]")
    return x
