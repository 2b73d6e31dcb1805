r"""Residuals and predicted study effects of a fitted model, as metafor's ``rstandard``, ``rstudent``, ``blup``
and ``ranef`` for ``rma.uni``.

With :math:`A = \operatorname{diag}(a)` the model's weights (:math:`a_i = 1/(v_i + \hat\tau^2)`, or the analyst's),
:math:`B = (X^\top A X)^{-1}`, hat values :math:`h_i = a_i x_i^\top B x_i` and :math:`M = \operatorname{diag}(v_i
+ \hat\tau^2)`:

- standardised residual (``rstandard``): :math:`e_i = y_i - x_i^\top\hat\beta` over the square root of
  :math:`[(I - H) M (I - H)^\top]_{ii} = m_i (1 - 2h_i) + x_i^\top B\,(\sum_j a_j^2 m_j x_j x_j^\top)\,B x_i`
  (:math:`m_i(1 - h_i)` for inverse-variance weights), computed without a k x k matrix;
- studentised deleted residual (``rstudent``): :math:`y_i - x_i^\top\hat\beta_{(-i)}` over
  :math:`\sqrt{s^2_{(-i)} (v_i + \hat\tau^2_{(-i)}) + x_i^\top\operatorname{Var}(\hat\beta_{(-i)}) x_i}`, from the
  fit without study i (:math:`s^2` the Knapp-Hartung factor, 1 for z tests);
- BLUPs of the true effects: :math:`\lambda_i y_i + (1 - \lambda_i) x_i^\top\hat\beta`, :math:`\lambda_i =
  \hat\tau^2/(\hat\tau^2 + v_i)`, with variance :math:`\lambda_i v_i + (1 - \lambda_i)^2 x_i^\top
  \operatorname{Var}(\hat\beta) x_i`; the random effects (``ranef``) are :math:`\lambda_i (y_i -
  x_i^\top\hat\beta)` with variance :math:`\lambda_i v_i + \lambda_i^2 x_i^\top\operatorname{Var}(\hat\beta)
  x_i`. Prediction intervals use the normal quantile, or t with k - p df for ``knha``.

References
----------
Viechtbauer, W., & Cheung, M. W.-L. (2010). Outlier and influence diagnostics for meta-analysis. *Research
Synthesis Methods, 1*, 112-125.
Raudenbush, S. W., & Bryk, A. S. (1985). Empirical Bayes meta-analysis. *Journal of Educational Statistics,
10*, 75-98.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._checks import check_level
from .._dist import critical_value
from ..exceptions import DataError, OptionError
from ._wls import Wls
from .results import _num

__all__ = ["ResidualsResult", "BlupResult", "rstandard", "rstudent", "blup", "ranef"]

_TINY = 100 * np.finfo(float).eps


@dataclass(frozen=True)
class ResidualsResult:
    """Residuals with their standard errors and standardised values, one per study.

    Attributes
    ----------
    study : tuple of str
    resid, se, z : numpy.ndarray
        Residual, its SE and their ratio (metafor's ``resid``, ``se``, ``z``).
    kind : str
        ``"standardized"`` (``rstandard``) or ``"studentized"`` (``rstudent``, deleted residuals).
    """

    study: tuple
    resid: np.ndarray
    se: np.ndarray
    z: np.ndarray
    kind: str

    def summary_frame(self) -> pd.DataFrame:
        """Columns ``study, resid, se, z``."""
        return pd.DataFrame({"study": list(self.study), "resid": self.resid, "se": self.se, "z": self.z})

    def to_dict(self) -> dict:
        """JSON-ready: ``kind`` and ``studies`` (records of :meth:`summary_frame`)."""
        rows = [{key: (val if key == "study" else _num(val)) for key, val in row.items()}
                for row in self.summary_frame().to_dict(orient="records")]
        return {"kind": self.kind, "studies": rows}


@dataclass(frozen=True)
class BlupResult:
    """Predicted true effects (``blup``) or random effects (``ranef``), one per study.

    Attributes
    ----------
    study : tuple of str
    pred, se, pi_lower, pi_upper : numpy.ndarray
        Prediction, its SE (NaN after ``transf``) and prediction interval.
    kind : str
        ``"blup"`` or ``"ranef"``.
    level : float
    """

    study: tuple
    pred: np.ndarray
    se: np.ndarray
    pi_lower: np.ndarray
    pi_upper: np.ndarray
    kind: str
    level: float

    def summary_frame(self) -> pd.DataFrame:
        """Columns ``study, pred, se, pi_lower, pi_upper``."""
        return pd.DataFrame({"study": list(self.study), "pred": self.pred, "se": self.se,
                             "pi_lower": self.pi_lower, "pi_upper": self.pi_upper})

    def to_dict(self) -> dict:
        """JSON-ready: ``kind``, ``level`` and ``studies`` (records of :meth:`summary_frame`)."""
        rows = [{key: (val if key == "study" else _num(val)) for key, val in row.items()}
                for row in self.summary_frame().to_dict(orient="records")]
        return {"kind": self.kind, "level": self.level, "studies": rows}


def _fit_of(result):
    fit = getattr(result, "fit", None)
    if fit is None:
        raise OptionError("expected a fitted result (MetaResult or MetaRegressionResult)")
    return fit


def _study(result, k) -> tuple:
    return tuple(getattr(result, "study", ())) or tuple(str(i + 1) for i in range(k))


def _tau2(fit) -> float:
    return 0.0 if fit.method == "FE" else fit.tau2.tau2


def rstandard(result) -> ResidualsResult:
    """Standardised (marginal) residuals of a fitted model (metafor's ``rstandard``).

    Examples
    --------
    >>> from ruptstats.meta import rma
    >>> r = rstandard(rma([0.10, 0.30, 0.35, 0.25], [0.010, 0.020, 0.015, 0.012], method="DL"))
    >>> round(float(r.z[0]), 4)  # metafor: rstandard(rma(yi, vi, method = "DL"))$z[1] = -1.598972471
    -1.599
    """
    fit = _fit_of(result)
    X, y = fit.X, fit.y
    m = fit.v + _tau2(fit)
    a = fit.weights if fit.user_weights is None else fit.user_weights
    ls = Wls(a, X)
    B = ls.xtwx_inv()
    e = y - X @ fit.beta
    e[np.abs(e) < _TINY] = 0.0
    h = a * np.einsum("ij,jk,ik->i", X, B, X)
    meat = (X * (a * a * m)[:, None]).T @ X
    var = m * (1.0 - 2.0 * h) + np.einsum("ij,jk,ik->i", X, B @ meat @ B, X)
    se = np.sqrt(np.clip(var, 0.0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = e / se
    return ResidualsResult(_study(result, fit.k), e, se, z, "standardized")


def _deleted(fit):
    """beta, vb, tau2, s2w and QE of every fit without one study (the analyst's weights kept)."""
    if fit.user_weights is None:
        from .sensitivity import _deletions

        return _deletions(fit)
    from .fitting import fit_model

    k, p = fit.X.shape
    d = {"beta": np.full((k, p), np.nan), "vb": np.full((k, p, p), np.nan), "tau2": np.full(k, np.nan),
         "s2w": np.full(k, np.nan), "qe": np.full(k, np.nan)}
    test = "z" if k - 1 <= p else fit.test  # no residual df left for Knapp-Hartung: metafor refits with z
    for i in range(k):
        keep = np.arange(k) != i
        try:
            sub = fit_model(fit.y[keep], fit.v[keep], fit.X[keep], method=fit.method, test=test,
                            control=fit.control, weights=fit.user_weights[keep], intercept=fit.intercept)
        except DataError:  # e.g. the study alone carries a coefficient: metafor leaves the row NA
            continue
        t2 = _tau2(sub)
        d["beta"][i], d["vb"][i], d["tau2"][i], d["qe"][i] = sub.beta, sub.vcov, t2, sub.het.q
        if test == "knha":
            w = 1.0 / (sub.v + t2)
            _, r = Wls(w, sub.X).fit(sub.y)
            rss = float(np.dot(w, r * r))
            d["s2w"][i] = 0.0 if rss <= np.finfo(float).eps else rss / (sub.k - p)
        else:
            d["s2w"][i] = 1.0
    return d


def rstudent(result) -> ResidualsResult:
    """Studentised deleted residuals (metafor's ``rstudent``): ``resid`` is :math:`y_i - \\hat y_{i(-i)}`.

    Examples
    --------
    >>> from ruptstats.meta import rma
    >>> r = rstudent(rma([0.10, 0.30, 0.35, 0.25, 0.9], [0.010, 0.020, 0.015, 0.012, 0.02], method="DL"))
    >>> round(float(r.z[4]), 4)  # metafor: rstudent(rma(yi, vi, method = "DL"))$z[5] = 4.382542629
    4.3825
    """
    fit = _fit_of(result)
    if fit.k < 2:
        raise OptionError("rstudent needs at least 2 studies")
    d = _deleted(fit)
    X = fit.X
    delpred = np.einsum("ij,ij->i", X, d["beta"])
    vdelpred = np.einsum("ij,ijk,ik->i", X, d["vb"], X)
    resid = fit.y - delpred
    resid[np.abs(resid) < _TINY] = 0.0
    se = np.sqrt(fit.v * d["s2w"] + vdelpred + d["tau2"] * d["s2w"])
    with np.errstate(divide="ignore", invalid="ignore"):
        z = resid / se
    return ResidualsResult(_study(result, fit.k), resid, se, z, "studentized")


def _shrinkage(result, level, kind):
    fit = _fit_of(result)
    if fit.user_weights is not None:
        raise OptionError(f"{kind} is not available for models with the analyst's weights (as in metafor)")
    level = fit.level if level is None else check_level(level)
    lam = _tau2(fit) / (_tau2(fit) + fit.v)
    xb = fit.X @ fit.beta
    vxb = np.einsum("ij,jk,ik->i", fit.X, fit.vcov, fit.X)
    return fit, level, lam, xb, vxb, float(critical_value(level, fit.df))


def blup(result, *, transf=None, level=None) -> BlupResult:
    """Best linear unbiased predictions of the studies' true effects (metafor's ``blup``).

    ``transf`` (a function, or True for the measure's back-transformation) is applied to the prediction and
    its interval.
    """
    from .prediction import _transform

    fit, level, lam, xb, vxb, crit = _shrinkage(result, level, "blup")
    pred = lam * fit.y + (1.0 - lam) * xb
    se = np.sqrt(lam * fit.v + (1.0 - lam) ** 2 * vxb)
    lo, hi = pred - crit * se, pred + crit * se
    f = _transform(transf, getattr(result, "measure", None))
    if f is not None:
        pred, lo, hi = (np.asarray(f(x), dtype=float) for x in (pred, lo, hi))
        lo, hi, se = np.minimum(lo, hi), np.maximum(lo, hi), np.full_like(pred, np.nan)
    return BlupResult(_study(result, fit.k), pred, se, lo, hi, "blup", level)


def ranef(result, *, level=None) -> BlupResult:
    """Predicted random effects :math:`\\hat u_i` (metafor's ``ranef``); 0 for an equal-effects model."""
    fit, level, lam, xb, vxb, crit = _shrinkage(result, level, "ranef")
    if fit.method == "FE":
        pred = se = np.zeros(fit.k)
    else:
        pred = lam * (fit.y - xb)
        se = np.sqrt(lam * fit.v + lam**2 * vxb)
    return BlupResult(_study(result, fit.k), pred, se, pred - crit * se, pred + crit * se, "ranef", level)
