r"""Predicted values of a fitted model, as metafor's ``predict.rma``: :func:`predict`.

For a row :math:`x_0` of the model matrix (intercept first when the model has one),

.. math:: \hat\mu_0 = x_0^\top\hat\beta, \qquad \operatorname{SE} = \sqrt{x_0^\top \operatorname{Var}(\hat\beta)\,x_0},

the CI is :math:`\hat\mu_0 \pm c\,\operatorname{SE}` and the prediction interval for the true effect of a new
study is :math:`\hat\mu_0 \pm c\sqrt{\operatorname{SE}^2 + \hat\tau^2}`, with :math:`c` the normal quantile, or
for ``test="knha"`` the t quantile with :math:`k - p` degrees of freedom (Riley, Higgins & Deeks, 2011; metafor's
default ``pi.type``). ``transf`` is applied to the prediction and the interval bounds (the SE is then not
reported), as metafor does.

References
----------
Riley, R. D., Higgins, J. P. T., & Deeks, J. J. (2011). Interpretation of random effects meta-analyses.
*BMJ, 342*, d549.
Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package. *Journal of Statistical
Software, 36*(3), 1-48.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._checks import check_level
from .._dist import critical_value
from ..exceptions import DataError, OptionError
from .results import _num

__all__ = ["PredictionResult", "predict"]


@dataclass(frozen=True, repr=False)
class PredictionResult:
    """Predicted values with confidence and prediction intervals (one entry per row of the new data).

    Attributes
    ----------
    label : tuple of str
        Row labels (study labels for fitted values, ``"1"``, ``"2"``, ... for new moderator values).
    pred, se, ci_lower, ci_upper, pi_lower, pi_upper : numpy.ndarray
        Prediction, its SE (NaN after ``transf``), CI and prediction interval.
    X : numpy.ndarray
        The model-matrix rows the predictions are for.
    level : float
        Confidence level.
    df : int or None
        Degrees of freedom of the t quantile (``knha``), else None.
    transformed : bool
        Whether ``transf`` was applied.
    notes : tuple of str
    """

    label: tuple
    pred: np.ndarray
    se: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    pi_lower: np.ndarray
    pi_upper: np.ndarray
    X: np.ndarray
    level: float
    df: int | None
    transformed: bool = False
    notes: tuple = field(default=())

    def __len__(self) -> int:
        return int(self.pred.size)

    def summary_frame(self) -> pd.DataFrame:
        """One row per prediction: ``label, pred, se, ci_lower, ci_upper, pi_lower, pi_upper``."""
        return pd.DataFrame({"label": list(self.label), "pred": self.pred, "se": self.se,
                             "ci_lower": self.ci_lower, "ci_upper": self.ci_upper, "pi_lower": self.pi_lower,
                             "pi_upper": self.pi_upper})

    def to_dict(self) -> dict:
        """JSON-ready: ``level, df, transformed, predictions`` (records of :meth:`summary_frame`), ``notes``."""
        rows = [{key: (val if key == "label" else _num(val)) for key, val in row.items()}
                for row in self.summary_frame().to_dict(orient="records")]
        return {"level": self.level, "df": self.df, "transformed": self.transformed, "predictions": rows,
                "notes": list(self.notes)}

    def summary(self) -> str:
        """The predictions as a text table (values as computed; :mod:`ruptstats.report` rounds for papers)."""
        return self.summary_frame().to_string(index=False)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"PredictionResult(n={len(self)}, pred={self.pred!r})"


def _terms(result) -> tuple:
    return tuple(getattr(result, "terms", ("intercept",)))


def _new_matrix(result, newmods) -> tuple[np.ndarray, tuple]:
    """Model-matrix rows (with the intercept column when the model has one) and labels for ``newmods``."""
    fit = result.fit
    k, p = fit.X.shape
    intercept = fit.intercept
    names = _terms(result)[1 if intercept else 0:]
    q = p - (1 if intercept else 0)
    if isinstance(newmods, dict):
        newmods = pd.DataFrame({key: np.atleast_1d(val) for key, val in newmods.items()})
    if isinstance(newmods, pd.DataFrame):
        mm = getattr(result, "model_matrix", None)
        if set(map(str, newmods.columns)) >= set(names):
            values = newmods[list(names)].apply(pd.to_numeric).to_numpy(dtype=float)
        elif mm is not None and mm.spec is not None:
            from .design import new_rows

            X = new_rows(mm, newmods)
            return X, tuple(str(i + 1) for i in range(X.shape[0]))
        else:
            raise OptionError(f"newmods needs the columns {list(names)} (the model's terms)")
    else:
        try:
            values = np.asarray(newmods, dtype=float)
        except (TypeError, ValueError):
            raise OptionError("newmods must be numbers (an array), a DataFrame or a dict") from None
        if values.ndim == 0:
            values = values.reshape(1, 1)
        elif values.ndim == 1:
            values = values.reshape(-1, 1) if q == 1 else values.reshape(1, -1)
    if values.ndim != 2 or values.shape[1] != q:
        raise OptionError(f"newmods has {values.shape[-1]} column(s) but the model has {q} moderator term(s) "
                          f"{list(names)}")
    if np.isnan(values).any():
        raise DataError("newmods has a missing value")
    X = np.column_stack([np.ones(values.shape[0]), values]) if intercept else values
    return X, tuple(str(i + 1) for i in range(X.shape[0]))


def _transform(transf, measure):
    """A callable from ``transf``: a function, ``True``/``"auto"`` (the measure's back-transformation)."""
    if transf is None or transf is False:
        return None
    if callable(transf):
        return transf
    if transf is True or transf == "auto":
        from ..effects.transforms import back_transform

        bt = back_transform(measure)
        if bt is None:
            raise OptionError(f"transf={transf!r}: measure {measure!r} has no back-transformation")
        return bt[1]
    raise OptionError(f"transf={transf!r} must be a function, True or 'auto' (the measure's back-transformation)")


def predict(result, newmods=None, *, transf=None, level=None) -> PredictionResult:
    """Predicted (average true) effects for given moderator values, with CIs and PIs (metafor's ``predict``).

    Parameters
    ----------
    result : MetaResult or MetaRegressionResult
        A fitted model.
    newmods : array_like, pandas.DataFrame or dict, optional
        Moderator values, without the intercept: a number or 1-D array for a model with one moderator term
        (one prediction per value), a 1-D array of length q for one row, a 2-D array (rows x q), or a
        DataFrame / dict with the model's term names as columns; for a model fitted with a formula, a DataFrame
        of the original variables (the formula builds the dummies and interactions). Default: the fitted
        values of the studies (a model with moderators) or the pooled estimate (an intercept-only model).
    transf : callable, True or "auto", optional
        Applied to the prediction and the interval bounds (``True``/``"auto"``: the measure's
        back-transformation, e.g. ``tanh`` for ``ZCOR``, ``exp`` for ``OR``).
    level : float, optional
        Confidence level (default: the model's).

    Returns
    -------
    PredictionResult

    Raises
    ------
    OptionError
        ``newmods`` for an intercept-only model, or with the wrong number of columns; a bad ``transf``.

    Examples
    --------
    >>> from ruptstats.meta import rma
    >>> res = rma([0.10, 0.30, 0.35, 0.25], [0.010, 0.020, 0.015, 0.012], method="DL")
    >>> pr = predict(res)
    >>> round(float(pr.pred[0]), 6), round(float(pr.se[0]), 6)  # metafor: predict(res)$pred 0.2305555556, $se 0.05773502692
    (0.230556, 0.057735)
    """
    fit = getattr(result, "fit", None)
    if fit is None:
        raise OptionError("predict needs a fitted result (MetaResult or MetaRegressionResult)")
    level = fit.level if level is None else check_level(level)
    p = fit.X.shape[1]
    if newmods is None:
        if p == 1 and fit.intercept:
            X, labels = np.ones((1, 1)), ("pooled",)
        else:
            X, labels = fit.X, tuple(result.study)
    else:
        if p == 1 and fit.intercept:
            raise OptionError("newmods is given, but the model has no moderators (an intercept-only model)")
        X, labels = _new_matrix(result, newmods)
    pred = X @ fit.beta
    vpred = np.einsum("ij,jk,ik->i", X, fit.vcov, X)
    vpred = np.where(vpred < 0, np.nan, vpred)
    se = np.sqrt(vpred)
    crit = float(critical_value(level, fit.df))
    tau2 = 0.0 if fit.method == "FE" else fit.tau2.tau2
    ci_lo, ci_hi = pred - crit * se, pred + crit * se
    half = crit * np.sqrt(vpred + tau2)
    pi_lo, pi_hi = pred - half, pred + half
    f = _transform(transf, getattr(result, "measure", None))
    if f is not None:
        pred, ci_lo, ci_hi, pi_lo, pi_hi = (np.asarray(f(np.asarray(a, dtype=float)), dtype=float)
                                            for a in (pred, ci_lo, ci_hi, pi_lo, pi_hi))
        se = np.full_like(pred, np.nan)
        ci_lo, ci_hi = np.minimum(ci_lo, ci_hi), np.maximum(ci_lo, ci_hi)
        pi_lo, pi_hi = np.minimum(pi_lo, pi_hi), np.maximum(pi_lo, pi_hi)
    notes = ("equal-effects model: the prediction interval equals the CI (tau2 = 0)",) if fit.method == "FE" else ()
    return PredictionResult(label=labels, pred=pred, se=se, ci_lower=ci_lo, ci_upper=ci_hi, pi_lower=pi_lo,
                            pi_upper=pi_hi, X=np.asarray(X, dtype=float), level=level, df=fit.df,
                            transformed=f is not None, notes=notes)
