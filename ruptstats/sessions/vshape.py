"""The alliance around a rupture: mean alliance by session relative to the rupture session, repaired vs unrepaired.

Stiles et al. (2004) found rupture-repair sequences as V-shaped alliance patterns: the alliance drops in the
rupture session and recovers after a repair. :func:`alliance_around_ruptures` computes the numbers of that figure
(drawn by :mod:`ruptstats.plotting`, which computes nothing).

References
----------
Stiles, W. B., Glick, M. J., Osatuke, K., Hardy, G. E., Shapiro, D. A., Agnew-Davies, R., Rees, A., &
Barkham, M. (2004). Patterns of alliance development and the rupture-repair hypothesis: Are productive
relationships U-shaped or V-shaped? Journal of Counseling Psychology, 51(1), 81-92.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .._checks import check_level, check_number
from ..exceptions import DataError
from ..intake.cells import check_frame, source_of
from ._groups import group_codes
from .outcomes import _numeric, client_order
from .schema import session_key

__all__ = ["alliance_around_ruptures"]

_CONDITIONS = ("unrepaired", "repaired")


def alliance_around_ruptures(classified: pd.DataFrame, *, before: int = 3, after: int = 3, level: float = 0.95,
                             alliance: str = "alliance") -> pd.DataFrame:
    """Mean alliance by session relative to each client's first rupture, for repaired and unrepaired ruptures.

    Parameters
    ----------
    classified : pandas.DataFrame
        A classified session table (:func:`~ruptstats.sessions.classify_sessions`): ``client`` (``study``,
        ``rater`` when present), ``session``, ``rupture``, ``repaired`` and the alliance column.
    before, after : int, default 3
        Sessions before and after the rupture session to include (offsets ``-before … after``).
    level : float, default 0.95
        Confidence level of the intervals (0.95 or 95).
    alliance : str, default "alliance"
        The alliance score column.

    Returns
    -------
    pandas.DataFrame
        One row per condition and offset (every combination, in the order unrepaired, repaired and offset
        ``-before … after``):

        - ``condition`` (category ``unrepaired``/``repaired``): whether the client's first rupture was repaired;
        - ``offset`` (int64): session number minus the rupture session's number;
        - ``n_clients`` (int64): clients with an alliance value at that offset;
        - ``mean``, ``sd`` (n - 1), ``se`` = sd / sqrt(n), ``ci_lower``, ``ci_upper`` = mean ∓ t(n - 1) · se
          (float64; sd, se and the CI are NaN with fewer than two clients, everything with none).

    Raises
    ------
    DataError
        The table is not classified, a column is missing, or an alliance or session cell is not a number.

    Notes
    -----
    Offset 0 is each client's **first** rupture session (the lowest session number whose ``rupture`` is True);
    later ruptures of the client do not start series of their own, so every client counts once. The condition is
    that rupture's own: ``repaired`` when that session's rupture was repaired, ``unrepaired`` otherwise; a client
    whose first rupture has an unknown repair is left out, as are clients without ruptures. Offsets count session
    numbers, not rows, so a missed session leaves its offset empty. With a ``rater`` column each client × rater
    series is one unit (the rule classifies each rater's sessions on their own).

    Examples
    --------
    Client a: rupture at session 2 (alliance 5, 2, 5), repaired; client b: rupture at session 3 (4, 4, 1),
    unrepaired. Offsets -1, 0, 1 of a: 5, 2, 5; offsets -2, -1, 0 of b: 4, 4, 1.

    >>> d = pd.DataFrame({"client": list("aaabbb"), "session": [1, 2, 3] * 2,
    ...                   "alliance": [5., 2, 5, 4, 4, 1],
    ...                   "rupture": [False, True, False, False, False, True],
    ...                   "repaired": [False, True, False, False, False, False]})
    >>> v = alliance_around_ruptures(d, before=1, after=1)
    >>> v[["condition", "offset", "n_clients", "mean"]].values.tolist()
    [['unrepaired', -1, 1, 4.0], ['unrepaired', 0, 1, 1.0], ['unrepaired', 1, 0, nan], ['repaired', -1, 1, 5.0], ['repaired', 0, 1, 2.0], ['repaired', 1, 1, 5.0]]
    """
    check_frame(classified, "classified", "a classified session table")
    before = check_number("before", before, low=0, integer=True)
    after = check_number("after", after, low=0, integer=True)
    level = check_level(level)
    src = source_of(classified)
    if "rupture" not in classified.columns or "repaired" not in classified.columns:
        raise DataError("the sessions have no 'rupture' and 'repaired' columns; run classify_sessions first",
                        source=src)
    for col in ("client", "session", alliance):
        if col not in classified.columns:
            raise DataError(f"no column '{col}'; columns: {', '.join(map(str, classified.columns))}", source=src)
    a = _numeric(classified, alliance, "alliance")
    s = _numeric(classified, "session", "session number")
    rup = _flags(classified, "rupture").to_numpy(dtype=bool, na_value=False)
    rep = _flags(classified, "repaired")
    rep_known = ~np.asarray(rep.isna(), dtype=bool)
    rep = rep.to_numpy(dtype=bool, na_value=False)
    g = group_codes(classified, [k for k in session_key(classified.columns) if k != "session"])
    order = client_order(g, s)
    if order is not None:
        g, s, a, rup, rep, rep_known = g[order], s[order], a[order], rup[order], rep[order], rep_known[order]
    n = len(g)
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if n else np.zeros(0, dtype=np.int64)
    client_of = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, n]))
    rup &= ~np.isnan(s)
    pos = np.where(rup, np.arange(n), n)
    first = np.minimum.reduceat(pos, starts) if n else pos  # row of each client's first rupture (n: none)
    has = first < n
    at = np.minimum(first, max(n - 1, 0))
    cond = np.where(has & rep_known[at], rep[at].astype(np.int64), -1)  # 0 unrepaired, 1 repaired, -1 left out
    width = before + after + 1
    offset = s - s[at][client_of] if n else s
    row_cond = cond[client_of] if n else cond
    use = (row_cond >= 0) & ~np.isnan(a) & (offset >= -before) & (offset <= after)
    cell = row_cond[use] * width + (offset[use] + before).astype(np.int64)
    return _summary(cell, a[use], width, before, level)


def _flags(df: pd.DataFrame, column: str) -> pd.arrays.BooleanArray:
    """A classified boolean column (as ``classify_sessions`` writes it) as a nullable boolean array."""
    try:
        return pd.array(df[column], dtype="boolean")
    except (TypeError, ValueError):
        raise DataError(f"column '{column}' must hold true/false values (as classify_sessions writes them)",
                        source=source_of(df), column=column) from None


def _summary(cell: np.ndarray, values: np.ndarray, width: int, before: int, level: float) -> pd.DataFrame:
    """Mean, SD (two-pass), SE and t interval per cell (condition × offset) by ``np.bincount``."""
    k = len(_CONDITIONS) * width
    n = np.bincount(cell, minlength=k).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(cell, weights=values, minlength=k) / n
        dev = values - mean[cell]
        ss = np.bincount(cell, weights=dev * dev, minlength=k)
        sd = np.where(n > 1, np.sqrt(ss / (n - 1)), np.nan)
        se = sd / np.sqrt(n)
        t = stats.t.ppf(0.5 + level / 2, np.where(n > 1, n - 1, np.nan))
    return pd.DataFrame({
        "condition": pd.Categorical(np.repeat(_CONDITIONS, width), categories=list(_CONDITIONS)),
        "offset": np.tile(np.arange(-before, width - before, dtype=np.int64), len(_CONDITIONS)),
        "n_clients": n, "mean": mean, "sd": sd, "se": se, "ci_lower": mean - t * se, "ci_upper": mean + t * se})
