"""Lean refits for analyses that fit one model many times (permutation tests, influence, trim-and-fill).

:func:`quick_fit` gives the coefficients, their covariance, the test statistics and the omnibus test exactly as
:func:`ruptstats.meta.fit_model` computes them, without the Q-profile interval and heterogeneity statistics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .estimators import estimate_tau2
from .fitting import _infinite_tau2_fit, weighted_fit

__all__ = ["QuickFit", "quick_fit", "refuse_user_weights"]


@dataclass(frozen=True)
class QuickFit:
    """Coefficients, covariance, z/t statistics, QM and τ² of one fit; ``s2w`` is the Knapp-Hartung factor."""

    beta: np.ndarray
    vcov: np.ndarray
    statistic: np.ndarray
    qm: float
    tau2: float
    s2w: float


def quick_fit(y, v, X, method: str, test: str, control=None, tau2: float | None = None,
              intercept: bool = True) -> QuickFit:
    """Fit the model (τ² estimated with ``method`` unless given) and return a :class:`QuickFit`; ``qm`` tests
    the coefficients after the first when ``intercept`` (the first column is an intercept), else all of them
    (metafor's ``btt``)."""
    k, p = X.shape
    if tau2 is None:
        tau2 = 0.0 if (method == "FE" or k <= p) else estimate_tau2(y, v, X, method, control).tau2
    if np.isinf(tau2):  # effect sizes whose squares overflow: fit_model's limit (z: undefined statistics)
        beta, vcov, se, _ = _infinite_tau2_fit(y, X, test)
        s2w = float("nan")
    else:
        beta, vcov, s2w, _ = weighted_fit(y, v, X, tau2, test)
        se = np.sqrt(np.diag(vcov))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(np.isfinite(se), beta / se, np.nan)
        qm = float("nan")
        if p == 1 and intercept:
            qm = float(stat[0] ** 2)
        elif np.isfinite(vcov).all():  # else a covariance beyond double precision (tau2 infinite): QM undefined
            j = 1 if intercept else 0
            b = beta[j:]
            try:
                qm = float(b @ np.linalg.solve(vcov[j:, j:], b))
            except np.linalg.LinAlgError:  # a singular covariance (a perfect fit under knha): metafor's QM is NA
                pass
            if test == "knha":
                qm /= p - j
    return QuickFit(beta=beta, vcov=vcov, statistic=stat, qm=qm, tau2=float(tau2), s2w=s2w)


def refuse_user_weights(fit, analysis: str) -> None:
    """An :class:`~ruptstats.exceptions.OptionError` when ``fit`` carries the analyst's weights (``weights=``) and
    ``analysis`` does not carry them into its refits yet (metafor does): its numbers would silently be those of the
    inverse-variance model."""
    from ..exceptions import OptionError

    if getattr(fit, "user_weights", None) is not None:
        raise OptionError(f"{analysis} of a model fitted with weights= is not available yet (metafor keeps the "
                          "weights in its refits; ruptstats would use inverse-variance weights): refit without "
                          "weights= to run it")
