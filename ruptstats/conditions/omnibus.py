r"""Descriptives per condition and the omnibus tests: one-way ANOVA, Welch's ANOVA, Kruskal-Wallis.

The omnibus tests compare the three conditions; they are computed only when every condition has at least two
clients (otherwise each is ``None`` and the caller adds a note). They use pingouin (``anova``, ``welch_anova``,
``kruskal``), whose values equal R's ``oneway.test(var.equal = TRUE)`` / ``aov``, ``oneway.test(var.equal =
FALSE)`` and ``kruskal.test``.

.. math::
    F = \frac{SS_b/(k-1)}{SS_w/(N-k)}, \qquad \eta^2 = \frac{SS_b}{SS_b + SS_w}

Welch's F weights group :math:`j` by :math:`w_j = n_j/s_j^2` (Welch 1951); Kruskal-Wallis' H is corrected for
ties as in R (Hollander & Wolfe 1973, p. 115), with ties judged at 12 significant digits
(:func:`tie_values`).

References
----------
Welch, B. L. (1951). On the comparison of several mean values: An alternative approach. *Biometrika, 38*,
330-336.
Hollander, M., & Wolfe, D. A. (1973). *Nonparametric statistical methods*. Wiley.
Kruskal, W. H., & Wallis, W. A. (1952). Use of ranks in one-criterion variance analysis. *Journal of the American
Statistical Association, 47*, 583-621.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pandas as pd

from ._data import CONDITIONS

__all__ = ["quiet_pingouin", "descriptives", "omnibus_ready", "anova", "welch", "kruskal", "tie_values"]


@contextlib.contextmanager
def quiet_pingouin():
    """Silence warnings raised inside pingouin (pandas deprecations of its internals, 0/0 in effect sizes we do
    not use); our own checks decide what is undefined and say so in the notes."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"pingouin")
        yield


def descriptives(table: pd.DataFrame, level: float) -> list[dict]:
    """Rows ``{condition, n, mean, sd, se, ci_lower, ci_upper}``; t-based CI with n - 1 df; ``None`` if undefined.

    ``sd`` is the sample SD (denominator n - 1), ``se = sd / sqrt(n)``.
    """
    from scipy.stats import t

    rows = []
    for cond in CONDITIONS:
        v = table.loc[table["condition"] == cond, "value"].to_numpy(dtype=float)
        n = len(v)
        mean = float(v.mean()) if n else None
        sd = float(v.std(ddof=1)) if n > 1 else None
        se = sd / np.sqrt(n) if sd is not None else None
        half = float(t.ppf(0.5 + level / 2, n - 1)) * se if se is not None else None
        rows.append({"condition": cond, "n": n, "mean": mean, "sd": sd, "se": se,
                     "ci_lower": mean - half if half is not None else None,
                     "ci_upper": mean + half if half is not None else None})
    return rows


def omnibus_ready(table: pd.DataFrame) -> bool:
    """True when every condition has at least two clients."""
    counts = table["condition"].value_counts().reindex(CONDITIONS, fill_value=0)
    return bool((counts >= 2).all())


def _frame(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"condition": pd.Categorical(table["condition"], categories=list(CONDITIONS)),
                         "value": table["value"].to_numpy(dtype=float)})


def _within_ss(table: pd.DataFrame) -> float:
    return float(table.groupby("condition", observed=True)["value"].apply(lambda v: ((v - v.mean()) ** 2).sum()).sum())


def anova(table: pd.DataFrame) -> dict | None:
    """Classical one-way ANOVA ``{f, df1, df2, p, eta2}``; ``None`` without within-condition variance."""
    import pingouin as pg

    if _within_ss(table) <= 0:
        return None
    with quiet_pingouin():
        res = pg.anova(data=_frame(table), dv="value", between="condition", detailed=True)
    between, within = res.iloc[0], res.iloc[1]
    eta2 = float(between["SS"]) / (float(between["SS"]) + float(within["SS"]))
    return {"f": float(between["F"]), "df1": int(between["DF"]), "df2": int(within["DF"]),
            "p": float(between["p_unc"]), "eta2": eta2}


def welch(table: pd.DataFrame) -> dict | None:
    """Welch's heteroscedastic one-way ANOVA ``{f, df1, df2, p}``; ``None`` when a condition has SD 0."""
    import pingouin as pg

    sds = table.groupby("condition", observed=True)["value"].std(ddof=1)
    if (sds <= 0).any():
        return None
    with quiet_pingouin():
        res = pg.welch_anova(data=_frame(table), dv="value", between="condition").iloc[0]
    return {"f": float(res["F"]), "df1": int(res["ddof1"]), "df2": float(res["ddof2"]), "p": float(res["p_unc"])}


def tie_values(values) -> np.ndarray:
    """``values`` rounded to 12 significant digits, so that decimal ties stay ties.

    A change such as 90.1 - 80.2 and 19.9 - 10.0 is 9.9 in decimal but two different binary numbers; ranking the
    raw doubles would break the tie (R's ``kruskal.test`` ranks the doubles but counts ties on their 15-digit
    text, a mixture). Ranks and the tie correction both use these rounded values (R: ``signif(y, 12)``).

    >>> tie_values([90.1 - 80.2, 19.9 - 10.0]).tolist()
    [9.9, 9.9]
    """
    return np.array([float(f"{x:.12g}") for x in np.asarray(values, dtype=float)])


def kruskal(table: pd.DataFrame) -> dict | None:
    """Kruskal-Wallis rank sum test ``{h, df, p}`` (tie-corrected) on :func:`tie_values`; ``None`` when all values
    are equal. R: ``kruskal.test(signif(y, 12) ~ condition)``."""
    import pingouin as pg

    values = tie_values(table["value"])
    if np.all(values == values[0]):
        return None
    data = _frame(table)
    data["value"] = values
    with quiet_pingouin():
        res = pg.kruskal(data=data, dv="value", between="condition").iloc[0]
    return {"h": float(res["H"]), "df": int(res["ddof1"]), "p": float(res["p_unc"])}
