r"""Dropout by condition: proportions, a test of independence, and odds ratios against the reference.

- ``proportions``: rows ``{condition, n, dropouts, proportion, ci_lower, ci_upper}`` over the clients with a known
  dropout status; the interval is Wilson's score interval (see :func:`wilson_interval`; R
  ``prop.test(x, n, correct = FALSE)$conf.int``), ``None`` for a condition without clients;
- ``test``: the conditions (those with at least one client) × dropout table. Pearson's :math:`\chi^2` without
  continuity correction (R ``chisq.test(table, correct = FALSE)``), or Fisher's exact test (R ``fisher.test``)
  when any expected count is below 5 (the usual rule, Cochran 1954). ``method`` says which (``"chisq"`` or
  ``"fisher"``). Fisher's p sums the probabilities of every table with the observed margins that is no more
  probable than the observed one (relative tolerance :math:`10^{-7}`, as R);
- ``logit``: odds ratios of dropout for each other condition against ``reference`` from the logistic regression
  ``glm(dropout ~ condition, family = binomial)``. With condition as the only predictor the model is saturated
  and its maximum-likelihood estimates have a closed form: :math:`\log OR_j = \log\frac{a_j d_r}{b_j c_r}`
  (:math:`a, b`: dropouts and completers), Wald SE :math:`\sqrt{1/a_j + 1/b_j + 1/c_r + 1/d_r}`, Wald z test and
  Wald CI :math:`\exp(\log OR \pm z_{1-\alpha/2}\,SE)` (R ``confint.default``, not the profile-likelihood
  ``confint``). A zero cell means the MLE does not exist (separation): that odds ratio is ``None`` with a note.

Keys of ``logit`` for each non-reference condition ``c``: ``or_c, log_or_c, se_c, p_c, ci_lower_c, ci_upper_c``.

References
----------
Agresti, A. (2013). *Categorical data analysis* (3rd ed.). Wiley. Sections 3.5 (Fisher's exact test), 5.2 (logit
models with categorical predictors).
Cochran, W. G. (1954). Some methods for strengthening the common chi-square tests. *Biometrics, 10*, 417-451.
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. *Journal of the
American Statistical Association, 22*(158), 209-212.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..report import apa_number
from ._data import CONDITIONS

__all__ = ["dropout_analysis", "fisher_rx2", "wilson_interval"]


def fisher_rx2(dropouts, sizes) -> float:
    """Fisher's exact p for an r × 2 table (r <= 3) given each row's events and size (R ``fisher.test``).

    >>> round(fisher_rx2([1, 9], [10, 10]), 6)  # R: fisher.test(matrix(c(1, 9, 9, 1), 2))$p.value
    0.001093
    """
    from scipy.special import gammaln

    x = np.asarray(dropouts, dtype=int)
    n = np.asarray(sizes, dtype=int)
    total_d = int(x.sum())

    def logc(nn, k):
        return gammaln(nn + 1) - gammaln(k + 1) - gammaln(nn - k + 1)

    obs = sum(logc(n[i], x[i]) for i in range(len(n)))
    grids = np.meshgrid(*[np.arange(n[i] + 1) for i in range(len(n) - 1)], indexing="ij")
    last = total_d - sum(grids)
    ok = (last >= 0) & (last <= n[-1])
    logp = sum(logc(n[i], grids[i]) for i in range(len(n) - 1)) + logc(n[-1], np.clip(last, 0, n[-1]))
    logp = np.where(ok, logp, -np.inf)
    denom = logc(n.sum(), total_d)
    probs = np.exp(logp - denom)
    p = float(probs[probs <= np.exp(obs - denom) * (1 + 1e-7)].sum())
    return min(1.0, p)


def wilson_interval(events: int, n: int, level: float = 0.95) -> tuple:
    r"""Wilson's (1927) score interval for a proportion of ``events`` in ``n``; ``(None, None)`` when ``n`` is 0.

    Notes
    -----
    With :math:`\hat p = x / n` and :math:`z = z_{1-\alpha/2}`, the interval is the set of :math:`p` whose score
    test is not rejected:

    .. math:: \frac{\hat p + \frac{z^2}{2n} \pm z \sqrt{\frac{\hat p (1 - \hat p)}{n} + \frac{z^2}{4n^2}}}
              {1 + \frac{z^2}{n}}

    It stays inside [0, 1] and is not degenerate at 0 or n events (lower bound exactly 0 at :math:`x = 0`, upper
    exactly 1 at :math:`x = n`, as R sets them). This is R's ``prop.test(x, n, correct = FALSE)$conf.int``
    (Newcombe 1998, method 3; Agresti 2013, section 1.4.2).

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. *Journal of the
    American Statistical Association, 22*(158), 209-212.
    Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion: comparison of seven
    methods. *Statistics in Medicine, 17*(8), 857-872.

    Examples
    --------
    >>> [round(b, 6) for b in wilson_interval(1, 9)]  # R: prop.test(1, 9, correct = FALSE)$conf.int
    [0.019891, 0.435]
    """
    from scipy.stats import norm

    if n <= 0:
        return None, None
    z = float(norm.ppf(0.5 + level / 2))
    p = events / n
    z22n = z * z / (2.0 * n)
    half = z * np.sqrt(p * (1.0 - p) / n + z22n / (2.0 * n))
    lower = 0.0 if events <= 0 else (p + z22n - half) / (1.0 + 2.0 * z22n)
    upper = 1.0 if events >= n else (p + z22n + half) / (1.0 + 2.0 * z22n)
    return float(lower), float(upper)


def _test(counts: pd.DataFrame) -> tuple[dict | None, str | None]:
    from scipy.stats import chi2

    used = counts[counts["n"] > 0]
    if len(used) < 2:
        return None, "dropout test not computed: fewer than two conditions have clients"
    d = used["dropouts"].to_numpy(dtype=float)
    n = used["n"].to_numpy(dtype=float)
    table = np.column_stack([d, n - d])
    if (table.sum(axis=0) == 0).any():
        return None, "dropout test not computed: " + ("no client dropped out" if d.sum() == 0 else "every client dropped out")
    expected = np.outer(n, table.sum(axis=0)) / n.sum()
    conds = list(used["condition"])
    if (expected < 5).any():
        p = fisher_rx2(d.astype(int), n.astype(int))
        return {"method": "fisher", "statistic": None, "df": None, "p": p,
                "min_expected": float(expected.min()), "conditions": conds}, None
    x2 = float(((table - expected) ** 2 / expected).sum())
    df = (len(used) - 1)
    return {"method": "chisq", "statistic": x2, "df": df, "p": float(chi2.sf(x2, df)),
            "min_expected": float(expected.min()), "conditions": conds}, None


def _logit(counts: pd.DataFrame, reference: str, level: float) -> tuple[dict, list[str]]:
    from scipy.stats import norm

    z = float(norm.ppf(0.5 + level / 2))
    by = counts.set_index("condition")
    a_r, n_r = float(by.loc[reference, "dropouts"]), float(by.loc[reference, "n"])
    out, notes = {}, []
    for cond in CONDITIONS:
        if cond == reference:
            continue
        a, n = float(by.loc[cond, "dropouts"]), float(by.loc[cond, "n"])
        cells = (a, n - a, a_r, n_r - a_r)
        keys = ("or", "log_or", "se", "p", "ci_lower", "ci_upper")
        if min(cells) <= 0:
            out.update({f"{k}_{cond}": None for k in keys})
            why = "no clients" if 0 in (n, n_r) else "a zero cell (separation: the MLE does not exist)"
            notes.append(f"dropout odds ratio {cond} vs {reference} not computed: {why}")
            continue
        log_or = float(np.log(cells[0] * cells[3] / (cells[1] * cells[2])))
        se = float(np.sqrt(sum(1.0 / c for c in cells)))
        out.update({f"or_{cond}": float(np.exp(log_or)), f"log_or_{cond}": log_or, f"se_{cond}": se,
                    f"p_{cond}": float(2 * norm.sf(abs(log_or / se))),
                    f"ci_lower_{cond}": float(np.exp(log_or - z * se)),
                    f"ci_upper_{cond}": float(np.exp(log_or + z * se))})
    return out, notes


def dropout_analysis(frame: pd.DataFrame, *, reference: str, level: float) -> tuple[dict, list[str]]:
    """Return ``({proportions, test, logit}, notes)`` for ``frame`` with ``condition`` and boolean ``dropout``."""
    rows = []
    for cond in CONDITIONS:
        d = frame.loc[frame["condition"] == cond, "dropout"].to_numpy(dtype=bool)
        lower, upper = wilson_interval(int(d.sum()), len(d), level)
        rows.append({"condition": cond, "n": int(len(d)), "dropouts": int(d.sum()),
                     "proportion": float(d.mean()) if len(d) else None, "ci_lower": lower, "ci_upper": upper})
    counts = pd.DataFrame(rows)
    test, note = _test(counts)
    logit, notes = _logit(counts, reference, level)
    if note:
        notes.insert(0, note)
    elif test["method"] == "fisher":
        notes.insert(0, f"dropout: Fisher's exact test (smallest expected count "
                        f"{apa_number(test['min_expected'])} < 5)")
    return {"proportions": rows, "test": test, "logit": logit}, notes
