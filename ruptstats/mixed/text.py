"""The text of :meth:`MixedModelResult.summary`, laid out like ``summary()`` of an lmerTest fit."""

from __future__ import annotations

import numpy as np

__all__ = ["format_summary"]


def _g(x, digits: int = 4) -> str:
    return "NA" if x is None or not np.isfinite(x) else f"{x:.{digits}g}"


def _p(x) -> str:
    if x is None or not np.isfinite(x):
        return "NA"
    return "<2e-16" if x < 2e-16 else f"{x:.3g}"


def _table(rows: list[list[str]], left: int = 1) -> list[str]:
    """Columns padded to a common width; the first ``left`` columns aligned left, the others right."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [" ".join(c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
            for r in rows]


def format_summary(res) -> str:
    head = ("Linear mixed model fit by REML. t-tests use Satterthwaite's method" if res.method == "REML" else
            "Linear mixed model fit by maximum likelihood. t-tests use Satterthwaite's method")
    lines = [head, f"Formula: {res.formula}", ""]
    if res.method == "REML":
        lines.append(f"REML criterion at convergence: {res.deviance:.1f}")
    else:
        lines += _table([["AIC", "BIC", "logLik", "deviance"],
                         [f"{res.aic:.1f}", f"{res.bic:.1f}", f"{res.loglik:.1f}", f"{res.deviance:.1f}"]], left=0)
    scaled = res.residuals / res.sigma if res.sigma > 0 else res.residuals
    if scaled.size:
        q = np.quantile(scaled, [0, 0.25, 0.5, 0.75, 1])
        lines += ["", "Scaled residuals:"] + _table([["Min", "1Q", "Median", "3Q", "Max"], [f"{v:.4f}" for v in q]],
                                                    left=0)
    corr = [r for r in res.variance.itertuples(index=False) if isinstance(r.var2, str)]
    rows = [["Groups", "Name", "Variance", "Std.Dev."] + (["Corr"] if corr else [])]
    for r in res.variance.itertuples(index=False):
        if not isinstance(r.var2, str):
            name = r.var1 if isinstance(r.var1, str) else ""
            rows.append([str(r.group), name, _g(r.vcov), _g(r.sdcor)] + ([""] if corr else []))
    for r in corr:
        rows.append(["", f"{r.var1} ~ {r.var2}", "", "", _g(r.sdcor, 2)])
    lines += ["", "Random effects:"] + _table(rows, left=2)
    groups = ", ".join(f"{g}, {n}" for g, n in res.n_groups.items())
    lines.append(f"Number of obs: {res.n_obs}, groups:  {groups}")
    rows = [["", "Estimate", "Std. Error", "df", "t value", "Pr(>|t|)"]]
    for r in res.fixed.itertuples(index=False):
        rows.append([str(r.term), _g(r.estimate), _g(r.se), _g(r.df), _g(r.statistic, 3), _p(r.p)])
    lines += ["", "Fixed effects:"] + _table(rows)
    if res.icc is not None:
        lines += ["", f"ICC (random-intercept variance share): {_g(res.icc, 3)}"]
    if res.singular:
        lines += ["", "boundary (singular) fit: see help('isSingular')"]
    lines += [f"Note: {n}" for n in res.notes]
    return "\n".join(lines)
