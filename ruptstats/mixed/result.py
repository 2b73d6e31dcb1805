"""The result of :func:`ruptstats.mixed.mixed_model`: a frozen dataclass with lme4's summary, the fixed-effects
table and one strict-JSON contract."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["FIXED_COLUMNS", "VARIANCE_COLUMNS", "MixedModelResult"]

#: columns of :meth:`MixedModelResult.fixed_frame` and the rows of ``to_dict()["fixed"]``
FIXED_COLUMNS = ("term", "estimate", "se", "df", "statistic", "p", "ci_lower", "ci_upper")
#: columns of :meth:`MixedModelResult.variance_frame`, lme4's ``as.data.frame(VarCorr(m))`` (grp -> group)
VARIANCE_COLUMNS = ("group", "var1", "var2", "vcov", "sdcor")


def _num(x):
    """A float for JSON: None for NaN/inf (strict JSON)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _text(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else str(x)


@dataclass(frozen=True)
class MixedModelResult:
    """A linear mixed model fitted by REML or ML (lme4's ``lmer``), with Satterthwaite t tests (lmerTest).

    Attributes
    ----------
    formula : str
        The formula as given.
    method : str
        ``"REML"`` or ``"ML"``.
    fixed : pandas.DataFrame
        One row per fixed effect: ``term`` (lme4's name, e.g. ``conditionunrepaired``), ``estimate``, ``se``,
        ``df`` (Satterthwaite), ``statistic`` (t), ``p`` (two-sided), ``ci_lower``, ``ci_upper`` (t-based, at
        ``level``).
    variance : pandas.DataFrame
        lme4's ``as.data.frame(VarCorr(m))``: ``group``, ``var1``, ``var2`` (None where R has NA), ``vcov``
        (variance or covariance), ``sdcor`` (standard deviation or correlation); last row ``Residual``.
    vcov : numpy.ndarray
        Covariance matrix of the fixed effects (lme4's ``vcov(m)``).
    theta : numpy.ndarray
        lme4's ``getME(m, "theta")``: the relative covariance factors, column-wise lower triangles.
    sigma : float
        Residual standard deviation.
    loglik, aic, bic : float
        Log-likelihood (the REML criterion's for REML fits, as lme4's ``logLik``), AIC and BIC with
        p + length(theta) + 1 parameters.
    deviance : float
        lme4's REML criterion (REML) or -2 log-likelihood (ML) at the optimum.
    n_obs : int
        Rows analysed; n_dropped rows with a missing value in a model column were left out.
    n_groups : dict
        Levels per grouping factor (lme4's ``ngrps``).
    icc : float or None
        Intraclass correlation: random-intercept variances / (those + residual variance); None with slopes.
    converged, singular : bool
        Optimiser convergence; lme4's ``isSingular`` (a diagonal element of theta below 1e-4).
    notes : tuple of str
        Messages about the fit (left-out rows, singular fit, derivative problems).
    residuals : numpy.ndarray
        Conditional residuals y - Xβ - Zb of the analysed rows.
    """

    formula: str
    method: str
    fixed: pd.DataFrame
    variance: pd.DataFrame
    vcov: np.ndarray
    theta: np.ndarray
    sigma: float
    loglik: float
    aic: float
    bic: float
    deviance: float
    n_obs: int
    n_dropped: int
    n_groups: dict
    icc: float | None
    converged: bool
    singular: bool
    level: float
    notes: tuple = ()
    residuals: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)

    def fixed_frame(self) -> pd.DataFrame:
        """The fixed effects, one row each (columns :data:`FIXED_COLUMNS`)."""
        return self.fixed.copy()

    def variance_frame(self) -> pd.DataFrame:
        """The variance components as lme4's ``as.data.frame(VarCorr(m))`` (columns :data:`VARIANCE_COLUMNS`)."""
        return self.variance.copy()

    def summary_frame(self) -> pd.DataFrame:
        """The fixed effects (the same as :meth:`fixed_frame`)."""
        return self.fixed_frame()

    def to_dict(self) -> dict:
        """Strict JSON: ``formula, method, fixed, variance, loglik, aic, bic, deviance, n_obs, n_dropped, n_groups,
        icc, converged, singular, level, notes``; ``n_groups`` is a list of ``{group, n}`` rows."""
        fixed = [{"term": str(r.term), **{c: _num(getattr(r, c)) for c in FIXED_COLUMNS[1:]}}
                 for r in self.fixed.itertuples(index=False)]
        variance = [{"group": str(r.group), "var1": _text(r.var1), "var2": _text(r.var2), "vcov": _num(r.vcov),
                     "sdcor": _num(r.sdcor)} for r in self.variance.itertuples(index=False)]
        return {"formula": self.formula, "method": self.method, "fixed": fixed, "variance": variance,
                "loglik": _num(self.loglik), "aic": _num(self.aic), "bic": _num(self.bic),
                "deviance": _num(self.deviance), "n_obs": int(self.n_obs), "n_dropped": int(self.n_dropped),
                "n_groups": [{"group": g, "n": int(k)} for g, k in self.n_groups.items()],
                "icc": _num(self.icc), "converged": bool(self.converged), "singular": bool(self.singular),
                "level": float(self.level), "notes": list(self.notes)}

    def predict(self, newdata: pd.DataFrame, *, level: float | None = None) -> pd.DataFrame:
        """Fixed-effects predictions for the rows of ``newdata`` (lme4's ``predict(m, newdata, re.form = NA)``)
        with standard errors and Wald intervals: ``newdata`` with ``estimate, se, ci_lower, ci_upper`` appended.
        See :func:`ruptstats.mixed.predict_fixed`."""
        from .predict import predict_fixed

        return predict_fixed(self, newdata, level=level)

    def summary(self) -> str:
        """Text laid out like ``summary(lmerTest::lmer(...))``."""
        from .text import format_summary

        return format_summary(self)

    def __str__(self) -> str:
        return self.summary()
