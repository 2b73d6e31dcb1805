"""``stronger_after_repair``: is the alliance stronger after a repair than before the rupture? (overall, by type)"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._checks import check_level
from ..conditions.result import strict_json
from ._data import episode_arrays, group_levels

__all__ = ["StrongerAfterRepair", "stronger_after_repair"]

ROW_COLUMNS = ("group", "n", "n_stronger", "share", "ci_lower", "ci_upper", "mean_gain", "gain_ci_lower", "gain_ci_upper",
               "statistic", "df", "p")


@dataclass(frozen=True, eq=False)
class StrongerAfterRepair:
    """Rows ``{group, n, n_stronger, share, ci_lower, ci_upper, mean_gain, gain_ci_lower, gain_ci_upper, statistic, df, p}``
    for ``all`` and each rupture type: ``n`` repaired episodes with alliance before and after, ``n_stronger`` of them
    with after > before, ``share`` = n_stronger / n with its Wilson CI, the mean gain (after - before) with its paired t
    CI, and the paired t test (``statistic``, ``df``, ``p``)."""

    level: float
    rows: tuple
    notes: tuple = ()

    def to_dict(self) -> dict:
        return strict_json({"level": self.level, "rows": list(self.rows), "notes": list(self.notes)})

    def summary_frame(self) -> pd.DataFrame:
        return pd.DataFrame(list(self.rows), columns=list(ROW_COLUMNS))

    def summary(self) -> str:
        from .text import format_stronger

        return format_stronger(self)


def wilson_interval(x: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of x / n, R's ``prop.test(x, n, correct = FALSE)$conf.int``.

    .. math:: \\frac{\\hat p + z^2/2n \\pm z \\sqrt{\\hat p(1-\\hat p)/n + z^2/4n^2}}{1 + z^2/n}

    (Wilson, 1927; Newcombe, 1998, method 3). NaN for n = 0.

    >>> [round(v, 6) for v in wilson_interval(7, 10)]  # prop.test(7, 10, correct = FALSE)$conf.int
    [0.396778, 0.892209]
    """
    if n == 0:
        return float("nan"), float("nan")
    z = stats.norm.ppf(1 - (1 - level) / 2)
    p = x / n
    centre, half = p + z * z / (2 * n), z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return float((centre - half) / (1 + z * z / n)), float((centre + half) / (1 + z * z / n))


def stronger_after_repair(episodes: pd.DataFrame, *, level: float = 0.95) -> StrongerAfterRepair:
    """Share of repaired episodes whose alliance after the repair exceeds its level before the rupture.

    Parameters
    ----------
    episodes : pandas.DataFrame
        The episode table of :func:`rupture_episodes` (``repaired``, ``alliance_before``, ``alliance_after``,
        optionally ``type``).
    level : float, default 0.95

    Returns
    -------
    StrongerAfterRepair
        One row for all repaired episodes (group ``all``) and one per rupture type present.

    Notes
    -----
    Repaired episodes with both alliance values count; ``n_stronger`` = number with after > before (ties are not
    stronger). Share with the Wilson interval (R ``prop.test(x, n, correct = FALSE)``); mean gain with the paired
    t interval (R ``t.test(after, before, paired = TRUE)``), undefined (NaN) for fewer than 2 episodes or no
    variation. Practitioner writing claims about two thirds (Safran & Muran, 2000).

    Examples
    --------
    >>> e = pd.DataFrame({"repaired": [True, True, True, False], "alliance_before": [4., 5., 4., 3.],
    ...                   "alliance_after": [5., 4.5, 4.5, np.nan]})
    >>> r = stronger_after_repair(e).rows[0]
    >>> r["n_stronger"], r["n"], round(r["mean_gain"], 4)  # gains 1, -0.5, 0.5
    (2, 3, 0.3333)
    """
    level = check_level(level)
    data, notes = episode_arrays(episodes, need=("repaired", "alliance_before", "alliance_after"))
    before = pd.to_numeric(data["alliance_before"]).to_numpy(np.float64)
    after = pd.to_numeric(data["alliance_after"]).to_numpy(np.float64)
    use = data["repaired"].to_numpy(bool) & np.isfinite(before) & np.isfinite(after)
    rows = [_row("all", after[use], before[use], level)]
    if "type" in data.columns and data["type"].notna().any():
        sub = data[use & data["type"].notna().to_numpy()]
        levels, codes = group_levels(sub, "type")
        b, a = before[use & data["type"].notna().to_numpy()], after[use & data["type"].notna().to_numpy()]
        rows += [_row(lv, a[codes == j], b[codes == j], level) for j, lv in enumerate(levels)]
    return StrongerAfterRepair(level=level, rows=tuple(rows), notes=tuple(notes))


def _row(group, after, before, level) -> dict:
    n = len(after)
    x = int(np.sum(after > before))
    lo, hi = wilson_interval(x, n, level)
    d = after - before
    mean = float(d.mean()) if n else float("nan")
    sd = float(d.std(ddof=1)) if n > 1 else float("nan")
    se = sd / np.sqrt(n) if n > 1 else float("nan")
    df = n - 1
    tq = stats.t.ppf(1 - (1 - level) / 2, df) if n > 1 else float("nan")
    t = mean / se if n > 1 and se > 0 else float("nan")
    p = float(2 * stats.t.sf(abs(t), df)) if np.isfinite(t) else float("nan")
    return {"group": group, "n": n, "n_stronger": x, "share": x / n if n else float("nan"), "ci_lower": lo, "ci_upper": hi,
            "mean_gain": mean, "gain_ci_lower": mean - tq * se, "gain_ci_upper": mean + tq * se, "statistic": t,
            "df": df if n > 1 else None, "p": p}
