r"""The three pairwise contrasts: mean difference, Hedges' g with its CI, and three p-values.

For ``A_vs_B`` (``repaired_vs_unrepaired``, ``repaired_vs_none``, ``unrepaired_vs_none``):

.. math::
    s_p = \sqrt{\frac{(n_A - 1)s_A^2 + (n_B - 1)s_B^2}{n_A + n_B - 2}}, \qquad
    g = J(n_A + n_B - 2)\,\frac{\bar y_A - \bar y_B}{s_p}, \qquad
    J(m) = \frac{\Gamma(m/2)}{\sqrt{m/2}\,\Gamma((m-1)/2)}

(the exact gamma-function J, as metafor's ``escalc("SMD")``; :func:`ruptstats.effects.means.smd`). The CI of g
is the normal approximation :math:`g \pm z_{1-\alpha/2}\sqrt{v}` with metafor's SMD variance
:math:`v = 1/n_A + 1/n_B + g^2/(2(n_A + n_B))`. The pooled SD uses the two groups of the contrast only.

p-values (all two-sided):

- ``p_tukey``: Tukey's HSD over the three conditions (R ``TukeyHSD(aov(y ~ condition))``): the studentised range
  of :math:`|\bar y_A - \bar y_B| / \sqrt{(MS_w/2)(1/n_A + 1/n_B)}` with k = 3 and N - 3 df;
- ``p_games_howell``: Games-Howell, the studentised range (k = 3) of
  :math:`\sqrt2\,|\bar y_A - \bar y_B| / \sqrt{s_A^2/n_A + s_B^2/n_B}` with Welch-Satterthwaite df;
- ``p_holm``: Welch's two-sample t tests of the three pairs (R ``t.test(var.equal = FALSE)``), Holm-adjusted
  (R ``pairwise.t.test(y, condition, pool.sd = FALSE, p.adjust.method = "holm")``). As R's ``p.adjust``, the
  adjustment counts only the pairs whose test is defined.

Tukey and Games-Howell p-values are family-wise over the three conditions and are reported when every condition
has at least two clients; g and the Welch test need two clients in each group of the pair and a non-zero SD.

References
----------
Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect size and related estimators. *Journal
of Educational Statistics, 6*, 107-128.
Games, P. A., & Howell, J. F. (1976). Pairwise multiple comparison procedures with unequal n's and/or variances.
*Journal of Educational Statistics, 1*, 113-125.
Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian Journal of Statistics, 6*,
65-70.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..effects.means import smd
from ._data import CONDITIONS, CONTRASTS
from .omnibus import quiet_pingouin

__all__ = ["contrasts", "holm"]


def holm(p) -> list:
    """Holm-adjusted p-values; ``None`` entries stay ``None`` and do not count (R ``p.adjust(method="holm")``).

    >>> holm([0.01, None, 0.04])
    [0.02, None, 0.04]
    """
    idx = [i for i, v in enumerate(p) if v is not None]
    m = len(idx)
    out = [None] * len(p)
    running = 0.0
    for rank, i in enumerate(sorted(idx, key=lambda j: p[j])):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


def _group(table: pd.DataFrame, cond: str) -> np.ndarray:
    return table.loc[table["condition"] == cond, "value"].to_numpy(dtype=float)


def _g(a: np.ndarray, b: np.ndarray, z: float) -> tuple:
    na, nb = len(a), len(b)
    if na < 2 or nb < 2:
        return None, None, None
    sa, sb = a.std(ddof=1), b.std(ddof=1)
    if sa == 0 and sb == 0:
        return None, None, None
    yi, vi = smd(a.mean(), sa, na, b.mean(), sb, nb)
    g, half = float(yi), z * float(np.sqrt(vi))
    return g, g - half, g + half


def _welch_p(a: np.ndarray, b: np.ndarray):
    """Two-sided p of Welch's t test (R ``t.test(a, b, var.equal = FALSE)``); ``None`` if undefined."""
    from scipy.stats import t as t_dist

    if len(a) < 2 or len(b) < 2:
        return None
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    if va + vb <= 0:
        return None
    t = (a.mean() - b.mean()) / np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return float(2 * t_dist.sf(abs(t), df))


def _family(table: pd.DataFrame, ready: bool) -> tuple[dict, dict]:
    """Tukey and Games-Howell p-values keyed by frozenset pair (empty when not every condition has 2 clients)."""
    import pingouin as pg

    if not ready:
        return {}, {}
    data = pd.DataFrame({"condition": pd.Categorical(table["condition"], categories=list(CONDITIONS)),
                         "value": table["value"].to_numpy(dtype=float)})
    tukey, gh = {}, {}
    msw = sum(((v - v.mean()) ** 2).sum() for v in (_group(table, c) for c in CONDITIONS))
    if msw > 0:
        with quiet_pingouin():
            res = pg.pairwise_tukey(data=data, dv="value", between="condition")
        for r in res.itertuples(index=False):
            tukey[frozenset((r.A, r.B))] = float(r.p_tukey)
    with np.errstate(divide="ignore", invalid="ignore"), quiet_pingouin():
        res = pg.pairwise_gameshowell(data=data, dv="value", between="condition")
    for r in res.itertuples(index=False):
        a, b = _group(table, r.A), _group(table, r.B)
        if a.var(ddof=1) > 0 or b.var(ddof=1) > 0:
            gh[frozenset((r.A, r.B))] = float(r.pval)
    return tukey, gh


def contrasts(table: pd.DataFrame, *, level: float, ready: bool) -> list[dict]:
    """Rows ``{contrast, mean_difference, hedges_g, ci_lower, ci_upper, p_tukey, p_games_howell, p_holm}``.

    Also ``n1``, ``n2``, ``mean1``, ``mean2``, ``sd1``, ``sd2`` (group A first) and ``p_welch`` (unadjusted).
    """
    from scipy.stats import norm

    z = float(norm.ppf(0.5 + level / 2))
    tukey, gh = _family(table, ready)
    rows = []
    for name, first, second in CONTRASTS:
        a, b = _group(table, first), _group(table, second)
        g, lo, hi = _g(a, b, z)
        pair = frozenset((first, second))
        rows.append({"contrast": name,
                     "mean_difference": float(a.mean() - b.mean()) if len(a) and len(b) else None,
                     "hedges_g": g, "ci_lower": lo, "ci_upper": hi, "p_tukey": tukey.get(pair),
                     "p_games_howell": gh.get(pair), "p_welch": _welch_p(a, b), "n1": len(a), "n2": len(b),
                     "mean1": float(a.mean()) if len(a) else None, "mean2": float(b.mean()) if len(b) else None,
                     "sd1": float(a.std(ddof=1)) if len(a) > 1 else None,
                     "sd2": float(b.std(ddof=1)) if len(b) > 1 else None})
    for row, p in zip(rows, holm([r["p_welch"] for r in rows])):
        row["p_holm"] = p
    return rows
