r"""ANCOVA of the outcome on condition given the baseline (and covariates), by OLS (statsmodels).

Model (R: ``lm(outcome ~ baseline + covariates + condition)``, condition treatment-coded against ``reference``):

.. math:: y_i = \beta_0 + \beta_b x_i + \gamma^\top c_i + \sum_{j \ne \text{ref}} \delta_j [\text{cond}_i = j]
          + \varepsilon_i

- ``f, df1, df2, p``: the F test of condition given the other terms, comparing the nested models with and
  without condition (R ``anova(lm(y ~ x), lm(y ~ x + condition))``);
- ``coefficients``: :math:`\delta_j`, the adjusted mean difference of each other condition from the reference
  (``coefficient_rows`` adds ``se``, ``statistic`` (t), ``df``, ``p`` and a t-based CI);
- ``adjusted_means``: the fitted value of each condition at the means of the baseline and the covariates over
  the analysed clients, with its SE and t-based CI (R ``predict(fit, newdata, se.fit = TRUE)``; equal to
  ``emmeans::emmeans(fit, "condition")`` for numeric covariates).

References
----------
Huitema, B. E. (2011). *The analysis of covariance and alternatives* (2nd ed.). Wiley.
Searle, S. R., Speed, F. M., & Milliken, G. A. (1980). Population marginal means in the linear model: An
alternative to least squares means. *The American Statistician, 34*, 216-221.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._data import CONDITIONS

__all__ = ["ancova"]


def _design(table: pd.DataFrame, terms: list[str], reference: str, with_condition: bool) -> np.ndarray:
    cols = [np.ones(len(table))] + [table[t].to_numpy(dtype=float) for t in terms]
    if with_condition:
        cols += [(table["condition"] == c).to_numpy(dtype=float) for c in CONDITIONS if c != reference]
    return np.column_stack(cols)


def ancova(table: pd.DataFrame, *, terms: list[str], reference: str, level: float) -> tuple[dict | None, str | None]:
    """Return ``(result, note)``: the ANCOVA dict, or ``None`` and the reason.

    ``terms`` are the columns of ``table`` adjusted for (``"baseline"`` and ``"covariate:NAME"``); rows with a
    missing term were removed by the caller.
    """
    import statsmodels.api as sm
    from scipy.stats import t as t_dist

    others = [c for c in CONDITIONS if c != reference]
    counts = table["condition"].value_counts().reindex(CONDITIONS, fill_value=0)
    if (counts < 2).any():
        return None, "ANCOVA not computed: every condition needs at least two clients"
    y = table["outcome"].to_numpy(dtype=float)
    x_full = _design(table, terms, reference, True)
    if np.linalg.matrix_rank(x_full) < x_full.shape[1] or len(y) <= x_full.shape[1]:
        return None, ("ANCOVA not computed: the design is singular or has no residual df (a covariate is constant "
                      "or collinear, or too few clients)")
    full = sm.OLS(y, x_full).fit()
    reduced = sm.OLS(y, _design(table, terms, reference, False)).fit()
    if full.ssr <= 0:
        return None, "ANCOVA not computed: the model fits the outcome exactly (no residual variance)"
    df1 = int(round(reduced.df_resid - full.df_resid))
    df2 = int(round(full.df_resid))
    f = ((reduced.ssr - full.ssr) / df1) / (full.ssr / df2)
    from scipy.stats import f as f_dist

    crit = float(t_dist.ppf(0.5 + level / 2, df2))
    rows, coefs = [], {}
    for k, cond in enumerate(others):
        j = 1 + len(terms) + k
        est, se = float(full.params[j]), float(full.bse[j])
        coefs[cond] = est
        rows.append({"term": cond, "estimate": est, "se": se, "statistic": est / se, "df": df2,
                     "p": float(full.pvalues[j]), "ci_lower": est - crit * se, "ci_upper": est + crit * se})
    means = [float(table[t].mean()) for t in terms]
    adjusted = []
    for cond in CONDITIONS:
        x = np.array([1.0] + means + [1.0 if cond == c else 0.0 for c in others])
        fit = float(x @ full.params)
        se = float(np.sqrt(x @ full.cov_params() @ x))
        adjusted.append({"condition": cond, "adjusted_mean": fit, "se": se, "ci_lower": fit - crit * se,
                         "ci_upper": fit + crit * se})
    result = {"f": float(f), "df1": df1, "df2": df2, "p": float(f_dist.sf(f, df1, df2)), "coefficients": coefs,
              "coefficient_rows": rows, "adjusted_means": adjusted,
              "at": {t.removeprefix("covariate:"): m for t, m in zip(terms, means)}}
    return result, None
