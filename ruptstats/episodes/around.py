"""The numbers behind the episode figures: alliance around episodes, and each client's span of sessions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._checks import check_number
from ..exceptions import DataError
from ..sessions._groups import group_codes, order_sessions, session_numbers

__all__ = ["alliance_around_episodes", "client_spans"]

AROUND_COLUMNS = ("status", "anchor", "offset", "position", "n", "mean", "sd", "se")


def _keys(sessions, episodes):
    keys = [c for c in ("study", "client", "rater") if c in sessions.columns and c in episodes.columns]
    if "client" not in keys:
        raise DataError("sessions and episodes both need a 'client' column")
    return keys


def alliance_around_episodes(sessions: pd.DataFrame, episodes: pd.DataFrame, *, before: int = 3, after: int = 3,
                             alliance: str = "alliance") -> pd.DataFrame:
    """Mean alliance by session position around episodes, repaired vs censored (for the episode V-shape figure).

    Parameters
    ----------
    sessions : pandas.DataFrame
        The classified session table the episodes came from (``client``, ``session``, the alliance column).
    episodes : pandas.DataFrame
        :func:`rupture_episodes` of those sessions.
    before, after : int, default 3
        Session rows shown before the onset and after the episode's end.
    alliance : str, default "alliance"

    Returns
    -------
    pandas.DataFrame
        ``status`` (``repaired``/``censored``), ``anchor`` (``onset``: offsets -before..0 from the onset row;
        ``end``: offsets 0..after from the repair row, or the censoring (client's last) row, after which a
        censored episode has no sessions), ``offset``, ``position`` (x coordinate: the offset in the onset block, 1 + offset in the
        end block), ``n`` (episodes with an alliance value there), ``mean``, ``sd`` (n - 1), ``se``.
        Positions without a value are left out. Offsets count session rows of the same client.

    Examples
    --------
    >>> s = pd.DataFrame({"client": ["a"] * 4, "session": [1, 2, 3, 4], "rupture": [False, True, False, False],
    ...                   "repaired": [False, False, True, False], "alliance": [5., 3., 4., 6.]})
    >>> from ruptstats.episodes import rupture_episodes
    >>> t = alliance_around_episodes(s, rupture_episodes(s), before=1, after=1)
    >>> t[["anchor", "offset", "mean"]].values.tolist()
    [['onset', -1, 5.0], ['onset', 0, 3.0], ['end', 0, 4.0], ['end', 1, 6.0]]
    """
    before = check_number("before", before, low=0, integer=True)
    after = check_number("after", after, low=0, integer=True)
    if alliance not in sessions.columns:
        raise DataError(f"the session table has no alliance column '{alliance}'", column=alliance)
    keys = _keys(sessions, episodes)
    table = order_sessions(sessions)
    g = group_codes(table, keys).astype(np.int64)
    a = table[alliance].to_numpy(dtype=np.float64, na_value=np.nan)
    rows = pd.DataFrame({k: table[k].astype(str).to_numpy() for k in keys})
    rows["session"], rows["_row"] = session_numbers(table), np.arange(len(table))
    ep = pd.DataFrame({k: episodes[k].astype(str).to_numpy() for k in keys})
    ep["onset"] = episodes["onset"].to_numpy(dtype=np.float64)
    ep["end"] = np.where(episodes["repaired"].to_numpy(bool), episodes["repair_session"].to_numpy(np.float64,
                         na_value=np.nan), episodes["onset"].to_numpy(np.float64) + episodes["latency"].to_numpy(np.float64))
    ep["status"] = np.where(episodes["repaired"].to_numpy(bool), "repaired", "censored")
    on = ep.merge(rows.rename(columns={"session": "onset", "_row": "onset_row"}), on=keys + ["onset"], how="left")
    on = on.merge(rows.rename(columns={"session": "end", "_row": "end_row"}), on=keys + ["end"], how="left")
    if on[["onset_row", "end_row"]].isna().any().any():
        raise DataError("episodes do not match the session table (an onset or end session is not among the "
                        "client's sessions); pass the sessions the episodes came from")
    out = []
    for anchor, col, offsets, shift in (("onset", "onset_row", range(-before, 1), 0),
                                        ("end", "end_row", range(0, after + 1), 1)):
        base = on[col].to_numpy(np.int64)
        for k in offsets:  # a few offsets, each vectorised over episodes
            idx = np.clip(base + k, 0, max(len(a) - 1, 0))
            ok = (base + k >= 0) & (base + k < len(a)) & (g[idx] == g[base])
            vals = np.where(ok, a[idx], np.nan)
            for status in ("repaired", "censored"):
                v = vals[(on["status"] == status).to_numpy() & ~np.isnan(vals)]
                if len(v):
                    sd = float(v.std(ddof=1)) if len(v) > 1 else float("nan")
                    out.append({"status": status, "anchor": anchor, "offset": k, "position": shift + k, "n": len(v),
                                "mean": float(v.mean()), "sd": sd, "se": sd / np.sqrt(len(v))})
    frame = pd.DataFrame(out, columns=list(AROUND_COLUMNS))
    return frame.sort_values(["status", "position"], ascending=[False, True], kind="stable").reset_index(drop=True)


def client_spans(sessions: pd.DataFrame) -> pd.DataFrame:
    """One row per client (and rater): ``study, client, (rater), first_session, last_session, dropout`` (for the
    swimmer plot; ``dropout`` missing when the table has none).

    >>> s = pd.DataFrame({"client": ["a", "a", "b"], "session": [1, 4, 2]})
    >>> client_spans(s)[["client", "first_session", "last_session"]].values.tolist()
    [['a', 1, 4], ['b', 2, 2]]
    """
    if "client" not in sessions.columns or "session" not in sessions.columns:
        raise DataError("the session table needs 'client' and 'session' columns")
    table = order_sessions(sessions)
    keys = [c for c in ("study", "client", "rater") if c in table.columns]
    g = group_codes(table, keys)
    n = len(table)
    first = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if n else np.zeros(0, dtype=np.int64)
    last = np.r_[first[1:], n] - 1 if n else first
    s = session_numbers(table)
    out = table[keys].iloc[first].reset_index(drop=True)
    out["first_session"] = pd.array(s[first], dtype="Int64")
    out["last_session"] = pd.array(s[last], dtype="Int64")
    out["dropout"] = (table["dropout"].iloc[first].reset_index(drop=True).astype("boolean") if "dropout" in table
                      else pd.array([pd.NA] * len(first), dtype="boolean"))
    return out
