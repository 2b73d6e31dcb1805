r"""Subgroup analysis: one model per level of a categorical variable and a test of subgroup differences.

With ``tau2_model="separate"`` (the default, as in Borenstein et al., 2009, ch. 19, "separate estimates of
:math:`\tau^2`") each subgroup is an independent model with its own :math:`\hat\tau^2`, fitted with the
same method, test and level as the overall model. Subgroup differences are tested with

.. math:: Q_B = \sum_j w_j (\hat\mu_j - \bar\mu)^2, \quad w_j = 1/\operatorname{SE}_j^2, \quad
          \bar\mu = \sum_j w_j \hat\mu_j / \sum_j w_j, \qquad Q_B \sim \chi^2_{m-1},

which is what metafor gives for ``rma(estimates, sei = ses, method = "FE")`` on the subgroup estimates.

References
----------
Borenstein, M., Hedges, L. V., Higgins, J. P. T., & Rothstein, H. R. (2009). *Introduction to
meta-analysis* (ch. 19). Wiley.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._checks import check_choice
from .._dist import chi2_sf
from ..exceptions import DataError, OptionError
from ._wls import weighted_mean
from .fitting import fit_model
from .results import MetaResult

__all__ = ["SubgroupResult", "subgroup_analysis"]


@dataclass(frozen=True, repr=False)
class SubgroupResult:
    """Per-subgroup models and the test of subgroup differences.

    Attributes
    ----------
    overall : MetaResult
        The model over all studies with a known subgroup.
    subgroups : dict of str to MetaResult
        One model per level, in order of first appearance (or category order).
    q, df, p : float, int, float
        Test of subgroup differences (:math:`Q_B`, levels - 1, p-value).
    tau2_model : str
        ``"separate"``.
    variable : str
        Name of the grouping variable.
    excluded : tuple of str
        Studies left out because their subgroup is missing.
    """

    overall: MetaResult
    subgroups: dict
    q: float
    df: int
    p: float
    tau2_model: str = "separate"
    variable: str = "subgroup"
    excluded: tuple = field(default=())

    def summary_frame(self, back_transform: bool = False) -> pd.DataFrame:
        """One row per subgroup plus the overall model: ``subgroup, k, estimate, se, ci_lower, ci_upper,
        pi_lower, pi_upper, tau2, i2, q, q_p``."""
        rows = []
        for name, res in list(self.subgroups.items()) + [("Overall", self.overall)]:
            row = {"subgroup": name, "k": res.k, "estimate": res.estimate, "se": res.se,
                   "ci_lower": res.ci_lower, "ci_upper": res.ci_upper, "pi_lower": res.pi_lower,
                   "pi_upper": res.pi_upper, "tau2": res.tau2, "i2": res.i2, "q": res.q, "q_p": res.q_p}
            bt = res.back_transformed if back_transform else None
            if bt:
                row.update(bt)
                row["se"] = np.nan
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        """``{"subgroups": {LEVEL: model keys}, "subgroup_test": {q, df, p}, ...}``."""
        return {
            "subgroup_variable": self.variable,
            "subgroup_tau2": self.tau2_model,
            "subgroups": {name: res.to_dict(include_studies=False) for name, res in self.subgroups.items()},
            "subgroup_test": {"q": float(self.q), "df": int(self.df), "p": float(self.p)},
            "subgroup_excluded": list(self.excluded),
        }

    def summary(self) -> str:
        """Text table of the subgroups and the test of differences."""
        from ..report import format_subgroups

        return format_subgroups(self)

    def __repr__(self) -> str:
        return f"SubgroupResult(levels={list(self.subgroups)}, q={self.q!r}, df={self.df}, p={self.p!r})"


def subgroup_analysis(result: MetaResult, groups, *, tau2_model: str = "separate", name: str = "subgroup",
                      tau2: str | None = None) -> SubgroupResult:
    """Refit ``result``'s model within each level of ``groups`` and test the differences.

    Parameters
    ----------
    result : MetaResult
        The overall model; its method, test, level and control are reused.
    groups : array_like
        One subgroup label per study of ``result`` (missing labels exclude that study, reported in
        ``excluded``).
    tau2_model : {"separate", "common"}, default "separate"
        Separate τ² per subgroup, or one common τ² (a meta-regression on the subgroup factor, see
        :mod:`ruptstats.meta.subgroups_common`; returns a ``CommonTau2SubgroupResult``). The result's
        ``tau2_model`` attribute carries the same name.
    name : str
        Name of the grouping variable, for reports.
    tau2 : {"separate", "common"}, optional
        Deprecated spelling of ``tau2_model`` (``tau2`` names the between-study variance everywhere else);
        still accepted, with a :class:`DeprecationWarning`.

    Returns
    -------
    SubgroupResult

    Raises
    ------
    OptionError
        ``tau2_model`` not one of the allowed values, or both ``tau2_model`` and ``tau2`` given.
    DataError
        ``groups`` not one label per study, or fewer than 2 subgroups.

    Examples
    --------
    >>> from ruptstats.meta import rma
    >>> res = rma([0.1, 0.2, 0.5, 0.6], [0.01, 0.02, 0.01, 0.02], method="FE")
    >>> sg = subgroup_analysis(res, ["a", "a", "b", "b"])
    >>> sg.df, round(sg.q, 3)
    (1, 12.0)
    """
    tau2_model = _tau2_model(tau2_model, tau2)
    labels = pd.Series(list(groups) if not isinstance(groups, pd.Series) else groups.to_list(), dtype=object)
    if len(labels) != result.k:
        raise DataError(f"{len(labels)} subgroup labels for {result.k} studies")
    known = labels.notna().to_numpy() & (labels.astype(str).str.strip() != "").to_numpy()
    excluded = tuple(s for s, ok in zip(result.study, known) if not ok)
    levels = list(dict.fromkeys(str(g) for g in labels[known]))
    if isinstance(groups, pd.Series) and isinstance(groups.dtype, pd.CategoricalDtype):
        present = set(levels)
        levels = [str(c) for c in groups.cat.categories if str(c) in present]
    if len(levels) < 2:
        raise DataError(f"subgroup analysis needs at least 2 levels of '{name}', found {len(levels)}")
    if tau2_model == "common":
        from .subgroups_common import common_tau2_subgroups

        return common_tau2_subgroups(result, labels, known, levels, name, excluded)
    overall = _refit(result, known)
    fits = {lvl: _refit(result, known & (labels.astype(str) == lvl).to_numpy()) for lvl in levels}
    est = np.array([r.estimate for r in fits.values()])
    w = 1.0 / np.array([r.se for r in fits.values()]) ** 2
    if np.all(np.isfinite(w) & (w > 0)):
        mean = weighted_mean(est, w)  # centred (refined) mean: Q_B keeps its digits around a large mean
        q = float(np.sum(w * (est - mean) ** 2))
    else:  # a subgroup's SE is infinite (tau2 beyond double precision) or 0: the test of differences is undefined
        q = float("nan")
    df = len(levels) - 1
    return SubgroupResult(overall=overall, subgroups=fits, q=q, df=df, p=float(chi2_sf(q, df)),
                          tau2_model=tau2_model, variable=name, excluded=excluded)


def _tau2_model(tau2_model: str, tau2: str | None) -> str:
    """Check the ``tau2_model`` option, accepting its deprecated spelling ``tau2`` with a warning."""
    if tau2 is not None:
        if tau2_model != "separate":
            raise OptionError("subgroup_analysis: give tau2_model only (tau2 is its deprecated name), not both")
        warnings.warn("subgroup_analysis(tau2=...) is deprecated: the option is now called tau2_model "
                      "(tau2 names the between-study variance)", DeprecationWarning, stacklevel=3)
        return check_choice("tau2", tau2, ("separate", "common"))
    return check_choice("tau2_model", tau2_model, ("separate", "common"))


def _refit(result: MetaResult, mask: np.ndarray) -> MetaResult:
    """The same model as ``result`` on the studies in ``mask``."""
    fit = result.fit
    test = fit.test if mask.sum() > 1 else "z"
    sub = fit_model(result.yi[mask], result.vi[mask], method=fit.method, test=test, level=fit.level,
                    control=fit.control)
    notes = ()
    if test != fit.test:
        notes = (f"one study: test '{fit.test}' needs k >= 2, the study's own z-based CI is shown",)
    ni = None if result.ni is None else result.ni[mask]
    study = [s for s, m in zip(result.study, mask) if m]
    return MetaResult.from_fit(sub, study=study, ni=ni, measure=result.measure, notes=notes)


