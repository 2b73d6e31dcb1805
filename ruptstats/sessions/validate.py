"""Checks of a session table: identifiers, session numbers, duplicates, order, client-level conflicts.

Each check either raises :class:`~ruptstats.exceptions.DataError` naming the file, the first row and the column
(``missing="error"``, the default), or drops what is invalid and records an
:class:`~ruptstats.sessions.report.Issue` naming the file rows (``missing="drop"``; a
:class:`~ruptstats.exceptions.DataWarning` is also emitted by the loader). Nothing is dropped without an issue
naming its rows. The policy is the one of :mod:`ruptstats.intake.policy`; the old spelling
``on_invalid="exclude"`` still works for one release, with a :class:`DeprecationWarning`.

============================  ======================================================  =====================
check                         finding                                                 with ``"drop"``
============================  ======================================================  =====================
``missing_id``                client or session missing                               rows excluded
``session_number``            session number below 1                                  rows excluded
``duplicate_session``         the same (study, client, rater, session) twice          later rows excluded
``session_order``             session numbers of a client decrease down the file      warning only (sorted)
``client_conflict``           a client-level column varies within a client            values set to missing
``client_without_sessions``   a client all of whose rows were excluded                warning
============================  ======================================================  =====================
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..intake.cells import file_rows, raise_cells
from ..intake.policy import missing_policy
from ._groups import group_codes, is_sorted, session_numbers
from .report import Issue

__all__ = ["check_sessions", "client_conflicts"]


def _rows_text(rows) -> str:
    rows = list(rows)
    return ", ".join(map(str, rows[:8])) + (", …" if len(rows) > 8 else "")


def check_sessions(df: pd.DataFrame, *, client_level=(), missing: str | None = None,
                   on_invalid: str | None = None):
    """Run the checks of the module docstring; return ``(table, issues)``.

    ``df`` holds canonical columns with the file row as its index (named ``row``). With ``missing="error"``
    (default) the first invalid row raises; with ``"drop"`` invalid rows are dropped (see the table).
    ``on_invalid`` is the deprecated spelling (``"exclude"`` is ``"drop"``).
    """
    missing = missing_policy(missing, on_invalid=on_invalid)  # "error" or "drop" from here on
    issues = []
    excluded = np.zeros(len(df), dtype=bool)
    for col, check in (("client", "missing_id"), ("session", "missing_id")):
        bad = df[col].isna().to_numpy()
        excluded |= _finding(df, bad, col, check, f"{col} is missing", missing, issues)
    s = session_numbers(df)
    with np.errstate(invalid="ignore"):
        bad = s < 1
    excluded |= _finding(df, bad, "session", "session_number", "session number must be 1 or more", missing,
                         issues)
    key = [c for c in ("study", "client", "rater") if c in df.columns]
    g = group_codes(df, key)
    any_excluded = bool(excluded.any())
    ok = ~excluded
    if not (is_sorted(g[ok], s[ok]) if any_excluded else is_sorted(g, s)):
        rows = file_rows(df)  # only for messages (a sorted table never builds this array)
        idx = np.flatnonzero(ok)
        order = idx[np.lexsort((s[idx], g[idx]))]  # stable: the first row in the file stays first
        same = (g[order][1:] == g[order][:-1]) & (s[order][1:] == s[order][:-1])
        dup = np.zeros(len(df), dtype=bool)
        dup[order[1:][same]] = True
        if dup.any():
            first = order[:-1][same]
            pairs = ", ".join(f"{rows[a]}={rows[b]}" for a, b in zip(first[:5], order[1:][same][:5]))
            msg = f"the same {'/'.join(key)} and session appears twice (rows {pairs})"
            excluded |= _finding(df, dup, "session", "duplicate_session", msg, missing, issues)
        ok = ~excluded
        idx = np.flatnonzero(ok)
        by_client = idx[np.argsort(g[idx], kind="stable")]
        dec = (g[by_client][1:] == g[by_client][:-1]) & (s[by_client][1:] < s[by_client][:-1])
        if dec.any():
            where = rows[by_client[1:][dec]]
            issues.append(Issue("warning", "session_order",
                                f"session numbers decrease within a client at rows {_rows_text(where)}; the "
                                f"table is sorted by client and session", "session", tuple(int(r) for r in where)))
    any_excluded = bool(excluded.any())
    gone = set()
    if any_excluded:
        has_client = df["client"].notna().to_numpy()
        gone = set(np.unique(g[excluded & has_client])) - set(np.unique(g[~excluded]))
    if gone:
        rows = file_rows(df)
        lost = np.isin(g, list(gone)) & has_client
        issues.append(Issue("warning", "client_without_sessions",
                            f"{len(gone)} client(s) have no valid session rows left (rows {_rows_text(rows[lost])})",
                            "client", tuple(int(r) for r in rows[lost])))
    out = df[~excluded] if any_excluded else df
    for col in client_level:
        out, issue = client_conflicts(out, col, missing)
        if issue is not None:
            issues.append(issue)
    return out, issues


def _finding(df, bad, column, check, message, missing, issues) -> np.ndarray:
    if not bad.any():
        return bad
    if missing == "error":
        raise_cells(df, bad, column, message)
    where = file_rows(df)[bad]
    issues.append(Issue("excluded", check, f"{message}: rows {_rows_text(where)} excluded", column,
                        tuple(int(r) for r in where)))
    return bad


def client_conflicts(df: pd.DataFrame, column: str, missing: str | None = None, *,
                     on_invalid: str | None = None):
    """Find clients whose ``column`` takes more than one non-missing value; return ``(table, issue or None)``.

    With ``missing="drop"`` those clients' values of ``column`` are set to missing (the default ``"error"``
    raises); ``on_invalid`` is the deprecated spelling (``"exclude"`` is ``"drop"``).

    >>> d = pd.DataFrame({"client": ["a", "a", "b"], "session": [1, 2, 1], "age": [30, 31, 40]})
    >>> _, issue = client_conflicts(d, "age", "drop")
    >>> issue.rows
    (1, 2)
    """
    if isinstance(missing, str) and missing.lower() == "exclude" and on_invalid is None:
        missing, on_invalid = None, missing  # the third positional argument was on_invalid: deprecated spelling
    missing = missing_policy(missing, on_invalid=on_invalid)
    key = [c for c in ("study", "client") if c in df.columns]
    g = group_codes(df, key)
    s = df[column]
    # equal values, equal codes; -1 for missing (the codes of a categorical are such codes already)
    v = s.array.codes if isinstance(s.dtype, pd.CategoricalDtype) else pd.factorize(s, use_na_sentinel=True)[0]
    if not len(v) or v.max() < 0:
        return df, None
    bad = _varies_within(g, v)
    if not bad.any():
        return df, None
    n_bad = len(np.unique(g[bad]))
    msg = f"'{column}' describes the client but differs between the client's sessions"
    if missing == "error":
        raise_cells(df, bad, column, msg)
    where = file_rows(df)[bad]
    df = df.copy()
    df[column] = df[column].mask(bad)
    return df, Issue("excluded", "client_conflict", f"{msg} ({n_bad} client(s), rows {_rows_text(where)}); "
                                                    f"set to missing for them", column, tuple(int(r) for r in where))


def _varies_within(g: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Per row: does the code ``v`` (-1 for missing) take two non-missing values within the row's group ``g``?

    Group minimum and maximum by ``ufunc.reduceat`` over the rows sorted by group (a stable argsort only when
    the rows are not grouped already).
    """
    order = None if bool(np.all(g[1:] >= g[:-1])) else np.argsort(g, kind="stable")
    if order is None and v.min() >= 0 and not np.any((g[1:] == g[:-1]) & (v[1:] != v[:-1])):
        return np.zeros(len(g), dtype=bool)  # grouped, none missing: equal neighbours within every group
    gs, vs = (g, v) if order is None else (g[order], v[order])
    starts = np.flatnonzero(np.r_[True, gs[1:] != gs[:-1]])
    hi = np.maximum.reduceat(vs, starts)  # -1 only when all are missing
    lo = np.minimum.reduceat(vs if vs.min() >= 0 else np.where(vs >= 0, vs, np.iinfo(vs.dtype).max), starts)
    varies = (hi >= 0) & (hi != lo)
    if not varies.any():
        return np.zeros(len(g), dtype=bool)
    bad_sorted = np.repeat(varies, np.diff(np.r_[starts, len(gs)]))
    if order is None:
        return bad_sorted
    bad = np.empty_like(bad_sorted)
    bad[order] = bad_sorted
    return bad
