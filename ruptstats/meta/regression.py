r"""Mixed-effects meta-regression, as metafor's ``rma(yi, vi, mods = ~ ...)``.

The model :math:`y_i = x_i^\top\beta + u_i + e_i`, :math:`u_i \sim N(0, \tau^2)`, :math:`e_i \sim N(0, v_i)`
is fitted by :func:`ruptstats.meta.fit_model` (weighted least squares given the residual :math:`\hat\tau^2`).
Reported are the coefficients with z (or Knapp-Hartung t) tests and CIs, the omnibus test of the moderators

.. math:: Q_M = \hat\beta_{[2:p]}^\top \operatorname{Var}(\hat\beta_{[2:p]})^{-1} \hat\beta_{[2:p]}
          \sim \chi^2_{p-1} \quad (\text{knha: } Q_M/(p-1) \sim F_{p-1,\,k-p}),

the test for residual heterogeneity :math:`Q_E = y^\top P_{1/v} y \sim \chi^2_{k-p}`, the residual
:math:`\hat\tau^2`, and the pseudo-:math:`R^2` (Raudenbush, 2009; metafor):

.. math:: R^2 = \max\!\left(0, 100\,\frac{\hat\tau^2_{RE} - \hat\tau^2_{ME}}{\hat\tau^2_{RE}}\right),

where :math:`\hat\tau^2_{RE}` comes from the intercept-only model fitted with the same estimator to the same
studies. Term names are explained in :mod:`ruptstats.meta.design`.

References
----------
Raudenbush, S. W. (2009). Analyzing effect sizes: Random-effects models. In H. Cooper, L. V. Hedges, &
J. C. Valentine (Eds.), *The handbook of research synthesis and meta-analysis* (2nd ed., pp. 295-315).
Russell Sage Foundation.
Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package. *Journal of Statistical
Software, 36*(3), 1-48.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..exceptions import DataError, OptionError
from .design import ModelMatrix, model_matrix
from .fitting import ModelFit, fit_model
from ..intake.study import effect_columns
from .model import rma
from .results import MetaModel, MetaResult, _num

__all__ = ["MetaRegressionResult", "meta_regression"]


@dataclass(frozen=True, repr=False)
class MetaRegressionResult(MetaModel):
    """A fitted meta-regression.

    Attributes
    ----------
    k : int
        Studies in the model (rows with every moderator).
    method, test : str
        τ² estimator and test type.
    level : float
        Confidence level (proportion).
    terms : tuple of str
        Coefficient names, ``intercept`` first.
    estimate, se, statistic, p, ci_lower, ci_upper : numpy.ndarray
        Coefficients, SEs, z (or t) statistics, two-sided p-values and CIs, one per term.
    df : int or None
        Residual df of the t and F tests (``knha``), else None.
    qm, qm_df, qm_p : float, int, float
        Omnibus test of the moderators (χ² for ``z``, F for ``knha``).
    tau2, tau2_se : float or None
        Residual τ² and its SE (None for ``FE``).
    i2, h2 : float
        Residual I² (percent) and H².
    r2 : float or None
        Pseudo-R² (percent); for ``FE`` the adjusted R² of the weighted ``lm`` (as metafor); 0 when the
        intercept-only τ² is 0 (as metafor); None without an intercept or when the intercept-only model cannot be
        fitted.
    q_residual, q_residual_df, q_residual_p : float, int, float
        Test for residual heterogeneity :math:`Q_E`.
    study : tuple of str
        Labels of the studies in the model.
    excluded : tuple of str
        Studies left out of this model because a moderator is missing.
    moderators : tuple of str
        The moderator columns.
    reference_levels : dict
        Reference level of each categorical moderator.
    fit : ModelFit
        The underlying fit.
    notes : tuple of str
    formula : str or None
        The model formula when the model was given one (``rma(mods="~ ablat + year")``).
    model_matrix : ModelMatrix or None
        How the model matrix was built (rebuilds it for :func:`~ruptstats.meta.predict`'s ``newmods``).
    """

    k: int
    method: str
    test: str
    level: float
    terms: tuple
    estimate: np.ndarray
    se: np.ndarray
    statistic: np.ndarray
    p: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    df: int | None
    qm: float
    qm_df: int
    qm_p: float
    tau2: float | None
    tau2_se: float | None
    i2: float
    h2: float
    r2: float | None
    q_residual: float
    q_residual_df: int
    q_residual_p: float
    study: tuple
    excluded: tuple
    moderators: tuple
    reference_levels: dict
    fit: ModelFit
    measure: str | None = None
    notes: tuple = field(default=())
    formula: str | None = None
    model_matrix: ModelMatrix | None = None

    @property
    def yi(self) -> np.ndarray:
        """Effect sizes of the studies in the model."""
        return self.fit.y

    @property
    def vi(self) -> np.ndarray:
        """Sampling variances of the studies in the model."""
        return self.fit.v

    @property
    def X(self) -> np.ndarray:
        """The model matrix."""
        return self.fit.X

    @property
    def weight(self) -> np.ndarray:
        """Per-study weights in percent, :math:`100 w_i/\\sum_j w_j` with :math:`w_i = 1/(v_i + \\hat\\tau^2)`
        (bubble sizes of a bubble plot)."""
        wts = self.fit.weights if self.fit.user_weights is None else self.fit.user_weights
        return 100.0 * wts / wts.sum()

    def summary_frame(self) -> pd.DataFrame:
        """One row per coefficient: ``term, estimate, se, statistic, p, ci_lower, ci_upper``."""
        return pd.DataFrame({"term": list(self.terms), "estimate": self.estimate, "se": self.se,
                             "statistic": self.statistic, "p": self.p, "ci_lower": self.ci_lower,
                             "ci_upper": self.ci_upper})

    def to_dict(self) -> dict:
        """JSON-ready: ``coefficients`` (list of term rows), ``qm, qm_df, qm_p, tau2, r2, q_residual,
        q_residual_df, q_residual_p`` plus ``k, method, test, df, i2, h2, excluded, notes``."""
        coefs = [{key: (val if key == "term" else _num(val)) for key, val in row.items()}
                 for row in self.summary_frame().to_dict(orient="records")]
        return {"k": self.k, "method": self.method, "test": self.test, "df": self.df, "coefficients": coefs,
                "qm": _num(self.qm), "qm_df": int(self.qm_df), "qm_p": _num(self.qm_p), "tau2": _num(self.tau2),
                "tau2_se": _num(self.tau2_se), "i2": _num(self.i2), "h2": _num(self.h2), "r2": _num(self.r2),
                "q_residual": _num(self.q_residual), "q_residual_df": int(self.q_residual_df),
                "q_residual_p": _num(self.q_residual_p), "reference_levels": dict(self.reference_levels),
                "n_excluded": len(self.excluded), "excluded": list(self.excluded), "notes": list(self.notes)}

    def summary(self) -> str:
        """Coefficient table with the omnibus and residual-heterogeneity tests (see
        :func:`ruptstats.report.format_meta_regression`)."""
        from ..report import format_meta_regression

        return format_meta_regression(self)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"MetaRegressionResult(k={self.k}, terms={list(self.terms)}, qm={self.qm!r}, tau2={self.tau2!r})"


def _inputs(data, moderators, yi, vi, study):
    """(y, v, study labels, moderator frame, defaults dict) from a MetaResult or a table."""
    if isinstance(data, MetaResult):
        if isinstance(moderators, pd.DataFrame):
            frame = moderators.reset_index(drop=True)
        elif isinstance(moderators, dict):
            frame = pd.DataFrame(moderators)
        else:
            raise OptionError("with a MetaResult, give moderators as a DataFrame (one row per study) or a dict "
                              "of columns")
        if len(frame) != data.k:
            raise DataError(f"moderators have {len(frame)} rows but the result has {data.k} studies")
        fit = data.fit
        defaults = {"method": fit.method, "test": fit.test, "level": fit.level, "control": fit.control,
                    "measure": data.measure}
        return data.yi, data.vi, data.study, frame, list(frame.columns), defaults
    if not isinstance(data, pd.DataFrame):
        raise OptionError(f"data must be a pandas DataFrame or a MetaResult, got {type(data).__name__}")
    frame = data.reset_index(drop=True)
    y, v = effect_columns(frame, yi, vi, source=data.attrs.get("source"))
    labels = (tuple(str(s) for s in frame[study]) if study is not None
              else tuple(f"Study {i + 1}" for i in range(len(frame))))
    return y, v, labels, frame, moderators, {"measure": data.attrs.get("measure")}


def meta_regression(data, moderators, *, yi: str = "yi", vi: str = "vi", study: str | None = None,
                    categorical=(), method: str | None = None, test: str | None = None, level=None,
                    control: dict | None = None) -> MetaRegressionResult:
    """Fit a (mixed-effects) meta-regression with continuous and categorical moderators.

    Parameters
    ----------
    data : pandas.DataFrame or MetaResult
        A table with effect sizes, variances and moderator columns; or a fitted :class:`MetaResult`, whose
        method, test, level and control become the defaults.
    moderators : sequence of str, or DataFrame / dict
        Moderator column names of ``data``; with a MetaResult, a DataFrame (or dict of columns) with one row
        per study in the result's order, all of whose columns are moderators.
    yi, vi : str
        Effect-size and variance columns of a table.
    study : str, optional
        Column of study labels of a table.
    categorical : sequence of str
        Numeric moderators to treat as categorical.
    method : str, default "REML" (or the result's)
        τ² estimator, see :data:`ruptstats.meta.TAU2_METHODS`.
    test : {"z", "knha"}, default "z" (or the result's)
    level : float, default 0.95 (or the result's)
    control : dict, optional
        Iteration settings (see :func:`ruptstats.meta.rma`).

    Returns
    -------
    MetaRegressionResult

    Raises
    ------
    DataError
        Unknown columns, bad values, fewer usable studies than coefficients, a rank-deficient model.
    OptionError
        Bad method, test, level or moderator specification.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"yi": [0.1, 0.3, 0.35, 0.25, 0.5], "vi": [0.01, 0.02, 0.015, 0.012, 0.02],
    ...                   "x": [1.0, 2.0, 3.0, 4.0, 5.0]})
    >>> mr = meta_regression(t, ["x"], method="FE")
    >>> mr.terms, round(float(mr.estimate[1]), 6)  # metafor: coef(rma(yi, vi, mods = ~ x, method = "FE"))[2]
    (('intercept', 'x'), 0.074615)
    """
    y, v, labels, frame, moderators, defaults = _inputs(data, moderators, yi, vi, study)
    method = method if method is not None else defaults.get("method", "REML")
    test = test if test is not None else defaults.get("test", "z")
    level = level if level is not None else defaults.get("level", 0.95)
    control = control if control is not None else defaults.get("control")
    mm = model_matrix(frame, moderators, categorical=categorical)
    keep = mm.keep
    if keep.sum() <= mm.X.shape[1] - 1:
        raise DataError(f"{int(keep.sum())} studies with every moderator cannot estimate {mm.X.shape[1]} "
                        "coefficients")
    fit = fit_model(y[keep], v[keep], mm.X, method=method, test=test, level=level, control=control)
    excluded = tuple(s for s, ok in zip(labels, keep) if not ok)
    return _present(fit, mm, tuple(s for s, ok in zip(labels, keep) if ok), excluded, tuple(moderators),
                    defaults.get("measure"))


def _pseudo_r2(fit: ModelFit) -> float | None:
    """metafor's pseudo-R²: the proportional reduction of τ² against the intercept-only model (0 when that
    model's τ² is 0, as metafor); for the equal-effects model, the adjusted R² (percent, at least 0) of the
    weighted ``lm(yi ~ X)``, as metafor."""
    if fit.k <= 1 or not fit.intercept:
        return None
    if fit.method == "FE":
        return _lm_adjusted_r2(fit)
    try:
        re = rma(fit.y, fit.v, method=fit.method, test="z", control=fit.control, missing="error")
    except DataError:  # e.g. a zero variance and an intercept-only tau2 of 0: R^2 is undefined
        return None
    if re.tau2 is None:
        return None
    if re.tau2 == 0:  # metafor: R2 <- 0 when the intercept-only tau2 is exactly 0
        return 0.0
    return max(0.0, 100.0 * (re.tau2 - fit.tau2.tau2) / re.tau2)


def _lm_adjusted_r2(fit: ModelFit) -> float | None:
    from ._wls import Wls, weighted_mean

    k, p = fit.X.shape
    if k <= p or np.all(fit.y == fit.y[0]):
        return 0.0 if k > p else None
    a = 1.0 / fit.v if fit.user_weights is None else fit.user_weights
    _, r = Wls(a, fit.X).fit(fit.y)
    tss = float(np.dot(a, (fit.y - weighted_mean(fit.y, a)) ** 2))
    r2 = 1.0 - float(np.dot(a, r * r)) / tss
    n = int(np.count_nonzero(a))
    return max(0.0, 100.0 * (1.0 - (1.0 - r2) * (n - 1) / (n - p)))


def _present(fit: ModelFit, mm, study, excluded, moderators, measure, notes=()) -> MetaRegressionResult:
    random = fit.method != "FE"
    notes = list(fit.notes) + list(notes)
    if excluded and not notes_cover_exclusions(notes):
        notes.append(f"{len(excluded)} stud{'y' if len(excluded) == 1 else 'ies'} left out of this model because "
                     f"a moderator is missing: {', '.join(excluded)}")
    return MetaRegressionResult(
        k=fit.k, method=fit.method, test=fit.test, level=fit.level, terms=mm.terms, estimate=fit.beta,
        se=fit.se, statistic=fit.statistic, p=fit.p, ci_lower=fit.ci_lower, ci_upper=fit.ci_upper, df=fit.df,
        qm=fit.qm, qm_df=fit.qm_df, qm_p=fit.qm_p, tau2=fit.tau2.tau2 if random else None,
        tau2_se=fit.tau2.se if random and not math.isnan(fit.tau2.se) else None, i2=fit.het.i2, h2=fit.het.h2,
        r2=_pseudo_r2(fit), q_residual=fit.het.q, q_residual_df=fit.het.q_df, q_residual_p=fit.het.q_p,
        study=study, excluded=excluded, moderators=moderators, reference_levels=mm.reference_levels, fit=fit,
        measure=measure, notes=tuple(notes), formula=mm.formula, model_matrix=mm)


def notes_cover_exclusions(notes) -> bool:
    """True when a note already lists the rows left out (``rma(missing="drop")`` writes it)."""
    return any(n.startswith("left out") for n in notes)
