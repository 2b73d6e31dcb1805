r"""The profile likelihood of τ² (metafor's ``profile.rma.uni``) and the Q-profile confidence interval of τ²
with I² and H² (metafor's ``confint.rma.uni``), for models with or without moderators.

The profile is the (restricted, for REML fits; else ML) log-likelihood with τ² fixed at each grid value and
the coefficients re-estimated (:func:`ruptstats.meta.fitstats.loglik_at`). metafor's default grid is ``steps``
equally spaced values from :math:`\min(\hat\tau^2, \tau^2_{lower})` to :math:`\max(0.1, \hat\tau^2,
\tau^2_{upper})`, the bounds of the Q-profile CI.

The Q-profile interval (Viechtbauer, 2007) holds the values of τ² where the generalised
:math:`Q(\tau^2) = \sum_i w_i(\tau^2)(y_i - x_i^\top\hat\beta(\tau^2))^2` lies between the
:math:`\alpha/2` and :math:`1 - \alpha/2` quantiles of :math:`\chi^2_{k-p}`; the intervals of I² and H² transform
its bounds with the typical within-study variance :math:`\tilde v`: :math:`100\tau^2/(\tilde v + \tau^2)` and
:math:`\tau^2/\tilde v + 1`.

References
----------
Viechtbauer, W. (2007). Confidence intervals for the amount of heterogeneity in meta-analysis. *Statistics in
Medicine, 26*, 37-52.
Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package. *Journal of Statistical
Software, 36*(3), 1-48.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._checks import check_level
from ..exceptions import DataError, OptionError
from .estimators import DEFAULT_CONTROL
from .fit_statistics import loglik_at
from .heterogeneity import q_profile_ci
from .results import _num

__all__ = ["ProfileResult", "ConfintResult", "profile", "confint"]


@dataclass(frozen=True)
class ProfileResult:
    """The profile log-likelihood of τ² over a grid.

    Attributes
    ----------
    tau2, loglik : numpy.ndarray
        Grid values of τ² and the (restricted) log-likelihood there.
    estimate : numpy.ndarray
        The coefficients re-estimated at each grid value (rows: grid, columns: ``terms``).
    terms : tuple of str
    tau2_hat, loglik_max : float
        The model's τ² and its log-likelihood (the top of the curve for ML and REML fits).
    reml : bool
        Whether the log-likelihood is restricted.
    notes : tuple of str
    """

    tau2: np.ndarray
    loglik: np.ndarray
    estimate: np.ndarray
    terms: tuple
    tau2_hat: float
    loglik_max: float
    reml: bool
    notes: tuple = field(default=())

    def summary_frame(self) -> pd.DataFrame:
        """Columns ``tau2, loglik`` and one column per coefficient (its estimate at that τ²)."""
        frame = pd.DataFrame({"tau2": self.tau2, "loglik": self.loglik})
        for j, term in enumerate(self.terms):
            frame[term] = self.estimate[:, j]
        return frame

    def to_dict(self) -> dict:
        """JSON-ready: ``tau2``, ``loglik`` (lists), ``tau2_hat``, ``loglik_max``, ``reml``, ``notes``."""
        return {"tau2": [_num(x) for x in self.tau2], "loglik": [_num(x) for x in self.loglik],
                "tau2_hat": _num(self.tau2_hat), "loglik_max": _num(self.loglik_max), "reml": self.reml,
                "notes": list(self.notes)}


@dataclass(frozen=True)
class ConfintResult:
    """Q-profile confidence intervals of τ², τ, I² and H².

    Attributes
    ----------
    level : float
    tau2, tau2_ci_lower, tau2_ci_upper, tau, tau_ci_lower, tau_ci_upper : float
    i2, i2_ci_lower, i2_ci_upper, h2, h2_ci_lower, h2_ci_upper : float
        Estimates and bounds (I² in percent).
    """

    level: float
    tau2: float
    tau2_ci_lower: float
    tau2_ci_upper: float
    tau: float
    tau_ci_lower: float
    tau_ci_upper: float
    i2: float
    i2_ci_lower: float
    i2_ci_upper: float
    h2: float
    h2_ci_lower: float
    h2_ci_upper: float

    def summary_frame(self) -> pd.DataFrame:
        """Rows ``tau2, tau, i2, h2``; columns ``estimate, ci_lower, ci_upper`` (metafor's ``$random``)."""
        names = ("tau2", "tau", "i2", "h2")
        return pd.DataFrame({"estimate": [getattr(self, n) for n in names],
                             "ci_lower": [getattr(self, f"{n}_ci_lower") for n in names],
                             "ci_upper": [getattr(self, f"{n}_ci_upper") for n in names]}, index=list(names))

    def to_dict(self) -> dict:
        """JSON-ready: every attribute."""
        return {key: _num(getattr(self, key)) for key in self.__dataclass_fields__}


def _fit_of(result, what: str):
    fit = getattr(result, "fit", None)
    if fit is None:
        raise OptionError(f"{what} needs a fitted result (MetaResult or MetaRegressionResult)")
    if fit.method == "FE":
        raise OptionError(f"{what} of tau2 needs a random-effects model; this is the equal-effects model")
    if fit.k <= fit.X.shape[1]:
        raise DataError(f"{what}: tau2 is not estimable with k = {fit.k} and {fit.X.shape[1]} coefficient(s)")
    return fit


def confint(result, *, level=None) -> ConfintResult:
    """Q-profile confidence interval of τ² (and τ, I², H²) of a model with or without moderators.

    Parameters
    ----------
    result : MetaResult or MetaRegressionResult
        A random- or mixed-effects model.
    level : float, optional
        Confidence level (default: the model's).

    Returns
    -------
    ConfintResult

    Raises
    ------
    OptionError
        An equal-effects model.
    DataError
        k <= p, or a zero sampling variance (Q is undefined).
    """
    fit = _fit_of(result, "confint")
    if np.any(fit.v == 0):
        raise DataError("confint: the Q-profile interval is undefined with a zero sampling variance")
    level = fit.level if level is None else check_level(level)
    t2 = fit.tau2.tau2
    con = dict(DEFAULT_CONTROL, **(fit.control or {}))
    lo, hi = q_profile_ci(fit.y, fit.v, fit.X, t2, level, tol=con["tol"])
    vt = fit.het.typical_vi
    return ConfintResult(level=level, tau2=t2, tau2_ci_lower=lo, tau2_ci_upper=hi, tau=math.sqrt(t2),
                         tau_ci_lower=math.sqrt(lo), tau_ci_upper=math.sqrt(hi), i2=100.0 * t2 / (vt + t2),
                         i2_ci_lower=100.0 * lo / (vt + lo), i2_ci_upper=100.0 * hi / (vt + hi),
                         h2=t2 / vt + 1.0, h2_ci_lower=lo / vt + 1.0, h2_ci_upper=hi / vt + 1.0)


def _default_grid(result, fit, steps):
    t2 = fit.tau2.tau2
    lo = hi = None
    if not np.any(fit.v == 0):
        ci = confint(result)
        lo, hi = min(t2, ci.tau2_ci_lower), max(0.1, t2, ci.tau2_ci_upper)
    if lo is None or not (np.isfinite(lo) and np.isfinite(hi)):
        se = fit.tau2.se
        lo, hi = max(0.0, t2 - 2.5758293035489004 * se), max(0.1, t2 + 2.5758293035489004 * se)
    return np.linspace(lo, hi, steps)


def profile(result, tau2=None, *, steps: int = 20) -> ProfileResult:
    """Profile (restricted) log-likelihood of τ² (metafor's ``profile``; draw it with
    :func:`ruptstats.plotting.profile_plot`).

    Parameters
    ----------
    result : MetaResult or MetaRegressionResult
        A random- or mixed-effects model.
    tau2 : array_like, optional
        Grid of τ² values (>= 0); default: metafor's grid (see the module docstring).
    steps : int, default 20
        Number of grid values when ``tau2`` is not given (>= 2).

    Returns
    -------
    ProfileResult
    """
    fit = _fit_of(result, "profile")
    reml = fit.method == "REML"
    if tau2 is None:
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 2:
            raise OptionError(f"steps={steps!r} must be a whole number of 2 or more")
        grid = _default_grid(result, fit, int(steps))
    else:
        grid = np.atleast_1d(np.asarray(tau2, dtype=float))
        if grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid < 0):
            raise OptionError("tau2 must be finite values of 0 or more")
    zero_v = np.any(fit.v == 0)
    lls, betas = [], []
    with np.errstate(divide="ignore", invalid="ignore"):
        for t in grid:
            if zero_v and t == 0:
                lls.append(np.nan)
                betas.append(np.full(fit.X.shape[1], np.nan))
                continue
            ll, beta = loglik_at(fit, float(t), reml)
            lls.append(ll)
            betas.append(beta)
    ll_max, _ = loglik_at(fit, fit.tau2.tau2, reml)
    notes = []
    if fit.method in ("ML", "REML") and np.nanmax(lls) >= ll_max + 1e-3:
        notes.append("at least one profiled log-likelihood is larger than that of the fitted model")
    return ProfileResult(tau2=grid, loglik=np.asarray(lls), estimate=np.asarray(betas),
                         terms=tuple(getattr(result, "terms", ("intercept",))), tau2_hat=fit.tau2.tau2,
                         loglik_max=ll_max, reml=reml, notes=tuple(notes))
