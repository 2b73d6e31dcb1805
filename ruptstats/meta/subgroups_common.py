r"""Subgroups with a common :math:`\tau^2`: a meta-regression on the subgroup factor.

One model with a dummy column per level (no intercept), :math:`y_i = \mu_{g(i)} + u_i + e_i` with one
:math:`\tau^2` for all subgroups, gives the per-level estimates (metafor: ``rma(yi, vi, mods = ~ 0 + group)``).
The test of subgroup differences is the omnibus test of the same model with an intercept and treatment
dummies (``rma(yi, vi, mods = ~ group)``: :math:`Q_M \sim \chi^2_{m-1}`, or F for ``knha``). Both
parameterisations span the same space, so :math:`\hat\tau^2` is the same. See Borenstein et al. (2009,
ch. 19, "pooled estimate of :math:`\tau^2`").

References
----------
Borenstein, M., Hedges, L. V., Higgins, J. P. T., & Rothstein, H. R. (2009). *Introduction to meta-analysis*
(ch. 19). Wiley.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .fitting import ModelFit, fit_model
from .results import _num

__all__ = ["CommonTau2SubgroupResult", "common_tau2_subgroups"]


@dataclass(frozen=True, repr=False)
class CommonTau2SubgroupResult:
    """Per-subgroup estimates under one common τ², and the test of differences.

    Attributes
    ----------
    levels : tuple of str
        Subgroups (the first is the reference of the QM test's model).
    k : numpy.ndarray
        Studies per subgroup.
    estimate, se, statistic, p, ci_lower, ci_upper : numpy.ndarray
        Subgroup estimates from the no-intercept model.
    tau2 : float
        The common (residual) τ².
    qm, qm_df, qm_p : float, int, float
        Test of subgroup differences.
    variable : str
    excluded : tuple of str
        Studies without a subgroup.
    fit : ModelFit
        The no-intercept fit.
    """

    levels: tuple
    k: np.ndarray
    estimate: np.ndarray
    se: np.ndarray
    statistic: np.ndarray
    p: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    tau2: float
    qm: float
    qm_df: int
    qm_p: float
    variable: str
    excluded: tuple
    fit: ModelFit
    tau2_model: str = field(default="common")

    def summary_frame(self) -> pd.DataFrame:
        """``subgroup, k, estimate, se, statistic, p, ci_lower, ci_upper``, one row per level."""
        return pd.DataFrame({"subgroup": list(self.levels), "k": self.k, "estimate": self.estimate, "se": self.se,
                             "statistic": self.statistic, "p": self.p, "ci_lower": self.ci_lower,
                             "ci_upper": self.ci_upper})

    def to_dict(self) -> dict:
        """``{variable, subgroups: [{subgroup, k, estimate, ...}], tau2, qm, qm_df, qm_p, excluded}``."""
        rows = [{key: (val if key == "subgroup" else int(val) if key == "k" else _num(val))
                 for key, val in row.items()} for row in self.summary_frame().to_dict("records")]
        return {"variable": self.variable, "tau2_model": "common", "subgroups": rows, "tau2": _num(self.tau2),
                "qm": _num(self.qm), "qm_df": int(self.qm_df), "qm_p": _num(self.qm_p),
                "excluded": list(self.excluded)}

    def summary(self) -> str:
        """Subgroup table and the test of differences (see :func:`ruptstats.report.format_common_subgroups`)."""
        from ..report import format_common_subgroups

        return format_common_subgroups(self)

    def __repr__(self) -> str:
        return f"CommonTau2SubgroupResult(levels={list(self.levels)}, qm={self.qm!r}, tau2={self.tau2!r})"


def common_tau2_subgroups(result, labels: pd.Series, known: np.ndarray, levels: list, name: str,
                          excluded: tuple) -> CommonTau2SubgroupResult:
    """Fit the subgroup model with a common τ² (called by :func:`ruptstats.meta.subgroup_analysis`)."""
    fit = result.fit
    lab = labels[known].astype(str).to_numpy()
    D = (lab[:, None] == np.array(levels)[None, :]).astype(float)
    y, v = result.yi[known], result.vi[known]
    cell = fit_model(y, v, D, method=fit.method, test=fit.test, level=fit.level, control=fit.control)
    X = np.column_stack([np.ones(len(lab)), D[:, 1:]])
    diff = fit_model(y, v, X, method=fit.method, test=fit.test, level=fit.level, control=fit.control)
    return CommonTau2SubgroupResult(
        levels=tuple(levels), k=D.sum(axis=0).astype(int), estimate=cell.beta, se=cell.se, statistic=cell.statistic,
        p=cell.p, ci_lower=cell.ci_lower, ci_upper=cell.ci_upper, tau2=cell.tau2.tau2, qm=diff.qm,
        qm_df=diff.qm_df, qm_p=diff.qm_p, variable=name, excluded=excluded, fit=cell)
