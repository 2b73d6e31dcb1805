r"""Log-likelihood, deviance and information criteria of a fitted model, as metafor's ``fitstats``.

With :math:`M = \operatorname{diag}(v_i + \hat\tau^2)`, :math:`W = M^{-1}`, the residual sum of squares
:math:`\mathrm{RSS} = \sum_i w_i (y_i - x_i^\top\hat\beta)^2`, k studies and p coefficients (metafor 3.8,
``rma.uni``):

.. math::
   \ell_{ML} &= -\tfrac{k}{2}\log 2\pi - \tfrac12\sum_i \log(v_i + \hat\tau^2) - \tfrac12\mathrm{RSS},\\
   \ell_{REML} &= -\tfrac{k-p}{2}\log 2\pi + \tfrac12\log|X^\top X| - \tfrac12\sum_i\log(v_i + \hat\tau^2)
                 - \tfrac12\log|X^\top W X| - \tfrac12\mathrm{RSS},

the ML deviance is :math:`-2(\ell_{ML} - \ell_{sat})` with the saturated model's
:math:`\ell_{sat} = \sum_i \log\phi(0; 0, v_i)` (:math:`-2\ell_{ML}` when a :math:`v_i` is 0; 0 when k = p),
the REML deviance is :math:`-2\ell_{REML}`; with q = p + 1 parameters (p for the equal-effects model),
:math:`\mathrm{AIC} = -2\ell + 2q`, :math:`\mathrm{BIC} = -2\ell + q\log n` and
:math:`\mathrm{AICc} = -2\ell + 2q\,\max(n, q+2)/(\max(n, q+2) - q - 1)`, where n = k for ML and k - p for
REML. As metafor, the REML values are reported by default for a REML fit and the ML values otherwise.

References
----------
Viechtbauer, W. (2005). Bias and efficiency of meta-analytic variance estimators in the random-effects model.
*Journal of Educational and Behavioral Statistics, 30*, 261-293.
Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package. *Journal of Statistical
Software, 36*(3), 1-48.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import OptionError
from ._wls import Wls
from .results import _num

__all__ = ["FitStats", "fitstats", "loglik", "deviance", "aic", "bic", "aicc", "loglik_at", "logLik", "AIC", "BIC",
           "AICc"]

_LOG_2PI = math.log(2.0 * math.pi)


@dataclass(frozen=True)
class FitStats:
    """Fit statistics of one model.

    Attributes
    ----------
    loglik, deviance, aic, bic, aicc : float
        Log-likelihood, deviance, AIC, BIC and AICc (see the module docstring).
    reml : bool
        True for the restricted (REML) values, False for the ML values.
    k, p, parms : int
        Studies, coefficients, and parameters (coefficients plus τ² unless the model is equal-effects).
    """

    loglik: float
    deviance: float
    aic: float
    bic: float
    aicc: float
    reml: bool
    k: int
    p: int
    parms: int

    def summary_frame(self) -> pd.DataFrame:
        """One row: ``loglik, deviance, aic, bic, aicc``, indexed by ``"REML"`` or ``"ML"``."""
        return pd.DataFrame([{key: getattr(self, key) for key in ("loglik", "deviance", "aic", "bic", "aicc")}],
                            index=["REML" if self.reml else "ML"])

    def to_dict(self) -> dict:
        """JSON-ready: ``loglik, deviance, aic, bic, aicc, reml, k, p, parms``."""
        return {"loglik": _num(self.loglik), "deviance": _num(self.deviance), "aic": _num(self.aic),
                "bic": _num(self.bic), "aicc": _num(self.aicc), "reml": self.reml, "k": self.k, "p": self.p,
                "parms": self.parms}


def loglik_at(fit, tau2: float, reml: bool) -> tuple[float, np.ndarray]:
    """(Restricted) log-likelihood with τ² fixed at ``tau2`` and β re-estimated; returns ``(ll, beta)``.

    Used by :func:`fitstats` (at the estimate) and :func:`ruptstats.meta.profile` (over a grid); O(k p²).
    """
    from .fitting import weighted_fit

    y, v, X = fit.y, fit.v, fit.X
    k, p = X.shape
    beta, _, _, w = weighted_fit(y, v, X, tau2, "z", fit.user_weights)
    r = y - X @ beta
    rss = float(np.dot(w, r * r))
    sum_log = float(np.sum(np.log(v + tau2)))
    if not reml:
        return -0.5 * k * _LOG_2PI - 0.5 * sum_log - 0.5 * rss, beta
    logdet_xx = Wls(np.ones(k), X).logdet_xtwx()
    ll = (-0.5 * (k - p) * _LOG_2PI + 0.5 * logdet_xx - 0.5 * sum_log - 0.5 * Wls(w, X).logdet_xtwx()
          - 0.5 * rss)
    return ll, beta


def fitstats(result, *, reml: bool | None = None) -> FitStats:
    """Log-likelihood, deviance, AIC, BIC and AICc of a fitted model (metafor's ``fitstats``).

    Parameters
    ----------
    result : MetaResult or MetaRegressionResult
    reml : bool, optional
        REML (restricted) or ML values; default REML for a REML fit, ML otherwise (as metafor).

    Returns
    -------
    FitStats

    Examples
    --------
    >>> from ruptstats.meta import rma
    >>> res = rma([0.10, 0.30, 0.35, 0.25], [0.010, 0.020, 0.015, 0.012], method="ML")
    >>> round(fitstats(res).loglik, 6)  # metafor: logLik(rma(yi, vi, method = "ML")) = 3.429998946
    3.429999
    """
    fit = getattr(result, "fit", None)
    if fit is None:
        raise OptionError("fitstats needs a fitted result (MetaResult or MetaRegressionResult)")
    reml = (fit.method == "REML") if reml is None else bool(reml)
    k, p = fit.X.shape
    tau2 = 0.0 if fit.method == "FE" else fit.tau2.tau2
    ll, _ = loglik_at(fit, tau2, reml)
    parms = p + (0 if fit.method == "FE" else 1)
    if reml:
        dev, n = -2.0 * ll, k - p
    else:
        n = k
        if k <= p:
            dev = 0.0
        elif np.all(fit.v > 0):
            dev = -2.0 * (ll - float(np.sum(-0.5 * (_LOG_2PI + np.log(fit.v)))))
        else:
            dev = -2.0 * ll
    m = max(n, parms + 2)
    with np.errstate(divide="ignore"):
        bic = -2.0 * ll + parms * math.log(n) if n > 0 else float("nan")
    return FitStats(loglik=ll, deviance=dev, aic=-2.0 * ll + 2.0 * parms, bic=bic,
                    aicc=-2.0 * ll + 2.0 * parms * m / (m - parms - 1), reml=reml, k=k, p=p, parms=parms)


def loglik(result, *, reml: bool | None = None) -> float:
    """The (restricted) log-likelihood (metafor's ``logLik``); see :func:`fitstats`."""
    return fitstats(result, reml=reml).loglik


def deviance(result, *, reml: bool | None = None) -> float:
    """The deviance (metafor's ``deviance``); see :func:`fitstats`."""
    return fitstats(result, reml=reml).deviance


def aic(result, *, reml: bool | None = None) -> float:
    """Akaike's information criterion (metafor's ``AIC``); see :func:`fitstats`."""
    return fitstats(result, reml=reml).aic


def bic(result, *, reml: bool | None = None) -> float:
    """The Bayesian information criterion (metafor's ``BIC``); see :func:`fitstats`."""
    return fitstats(result, reml=reml).bic


def aicc(result, *, reml: bool | None = None) -> float:
    """AIC with the small-sample correction (metafor's ``AICc``); see :func:`fitstats`."""
    return fitstats(result, reml=reml).aicc


# metafor's (R's) spellings, for readers translating R code line by line
logLik = loglik
AIC = aic
BIC = bic
AICc = aicc
