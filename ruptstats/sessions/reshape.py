"""Wide session files (one row per client, ``s1_alliance, s2_alliance, …``) to the long layout."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..exceptions import DataError

__all__ = ["wide_to_long"]


def _match(pattern: re.Pattern, column: str):
    m = pattern.match(column)
    if m is None:
        return None
    groups = {k: v for k, v in m.groupdict().items() if v is not None}
    session = groups.get("session", groups.get("session2"))
    variable = groups.get("variable", groups.get("variable2"))
    if session is None or variable is None:
        return None
    return session, variable


def _session_columns(matched: dict, source) -> dict:
    """``{column: (session number, variable)}``; a session part that is not a whole number, the variable
    ``session`` and two columns holding the same session of one variable are errors naming the columns."""
    out, seen = {}, {}
    for column, (session, variable) in matched.items():
        if not session.isdecimal():
            raise DataError(f"the wide pattern reads the session number {session!r} from this column name; "
                            "expected a whole number", source=source, column=str(column))
        if variable == "session":
            raise DataError("a wide variable cannot be named 'session' (the session number comes from the "
                            "column name)", source=source, column=str(column))
        key = (int(session), variable)
        if key in seen:
            raise DataError(f"columns '{seen[key]}' and '{column}' both hold session {key[0]} of '{variable}'",
                            source=source)
        seen[key] = column
        out[column] = key
    return out


def wide_to_long(df: pd.DataFrame, pattern: str, *, source: str | None = None, keep_empty_clients: bool = False):
    """Reshape a wide table: columns matching ``pattern`` become (session, variable) cells.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per client; id and client-level columns do not match ``pattern``.
    pattern : str
        Regular expression with named groups ``session`` (digits) and ``variable`` (alternatives may use
        ``session2``/``variable2``), e.g. ``^s(?P<session>\\d+)_(?P<variable>.+)$`` for ``s1_alliance`` or
        ``^(?P<variable>.+)_(?P<session>\\d+)$`` for ``alliance_1``.
    source : str, optional
        File name for messages.
    keep_empty_clients : bool, default False
        Keep each wide row without any session value as one row with a missing ``session`` (and missing session
        variables), so its client-level values survive; the loader splits these rows off before its checks.

    Returns
    -------
    long : pandas.DataFrame
        One row per wide row × session that has at least one non-missing session value; the non-matching
        columns repeated, a ``session`` column and one column per variable. The index holds the 1-based wide
        row number (named ``row``); ``long.attrs["empty_sessions"]`` counts the row × session blocks left out
        because they hold no value and ``long.attrs["rows_without_sessions"]`` lists the wide rows (clients)
        with no session value at all (read once by the loader, which reports them).
    origin : dict
        Variable name to the wide columns it came from (for value labels and messages).

    Examples
    --------
    >>> w = pd.DataFrame({"client": ["a", "b"], "s1_alliance": [3.0, 4.0], "s2_alliance": [2.5, None]})
    >>> long, _ = wide_to_long(w, r"^s(?P<session>\\d+)_(?P<variable>.+)$")
    >>> long[["client", "session", "alliance"]].values.tolist()
    [['a', 1, 3.0], ['a', 2, 2.5], ['b', 1, 4.0]]
    """
    rx = re.compile(pattern)
    cells = {c: _match(rx, str(c)) for c in df.columns}
    ids = [c for c, hit in cells.items() if hit is None]
    wide = _session_columns({c: hit for c, hit in cells.items() if hit is not None}, source)
    if not wide:
        raise DataError(f"layout is wide but no column matches the pattern {pattern!r}", source=source)
    clash = sorted({v for _, v in wide.values()} & set(ids))
    if clash:
        raise DataError(f"wide variables {clash} also exist as columns without a session number", source=source)
    if "session" in ids:
        raise DataError("a wide file takes its session numbers from the column names; it cannot also have a "
                        "column named 'session' (rename it, or read the file as long)", source=source,
                        column="session")
    sessions = sorted({s for s, _ in wide.values()})
    variables = list(dict.fromkeys(v for _, v in wide.values()))
    origin = {v: [c for c, (_, var) in wide.items() if var == v] for v in variables}
    rows = np.arange(1, len(df) + 1)
    any_value = np.zeros(len(df), dtype=bool)
    parts = []
    for s in sessions:  # loop over session numbers (columns), not rows
        block = {v: df[c] for c, (ss, v) in wide.items() if ss == s}
        part = pd.DataFrame(block, index=df.index).reindex(columns=variables)
        present = part.notna().any(axis=1).to_numpy()
        any_value |= present
        part = part[present]
        part.insert(0, "session", s)
        part.insert(0, "_wide_row", rows[present])
        parts.append(pd.concat([df.loc[present, ids], part], axis=1))
    if keep_empty_clients and not any_value.all():
        empty = df.loc[~any_value, ids].copy()
        empty.insert(len(ids), "_wide_row", rows[~any_value])
        empty.insert(len(ids), "session", pd.array([pd.NA] * len(empty), dtype="Int64"))
        parts.append(empty.reindex(columns=list(parts[0].columns)))
    long = pd.concat(parts, ignore_index=True)
    long = long.sort_values(["_wide_row", "session"], kind="stable")
    long.index = pd.Index(long.pop("_wide_row").to_numpy(), name="row")
    long.attrs["empty_sessions"] = len(df) * len(sessions) - int(np.count_nonzero(long["session"].notna()))
    long.attrs["rows_without_sessions"] = tuple(int(r) for r in rows[~any_value])
    return long, origin
