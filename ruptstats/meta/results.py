"""The result of pooling effect sizes: :class:`MetaResult`.

Names follow the project vocabulary (``estimate, se, statistic, p, df, ci_lower, ci_upper, pi_lower, pi_upper,
tau2, i2, h2, q, q_df, q_p``) in attributes, DataFrame columns and JSON keys alike. Nothing is rounded here;
:mod:`ruptstats.report` is the only place that rounds.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field

import numpy as np

from .._dist import norm_ppf
from .fitting import ModelFit
from ..effects.transforms import back_transform as _back_transform

__all__ = ["MetaModel", "MetaResult", "MODEL_KEYS"]

#: Keys of :meth:`MetaResult.to_dict` that describe the pooled model (the JSON contract of the CLI).
MODEL_KEYS = ("k", "n_total", "method", "test", "measure", "level", "estimate", "se", "statistic", "p", "df",
              "ci_lower", "ci_upper", "pi_lower", "pi_upper", "tau2", "tau2_se", "tau", "tau2_ci_lower",
              "tau2_ci_upper", "i2", "i2_ci_lower", "i2_ci_upper", "h2", "h2_ci_lower", "h2_ci_upper", "q",
              "q_df", "q_p")


def _num(x):
    """A float for JSON, with NaN and None as None."""
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def _defined(x):
    """``x``, or None when it is NaN (a quantity the model leaves undefined, e.g. Q with a zero variance)."""
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


class _Lazy(enum.Enum):
    """The value of a Q-profile field of :class:`MetaResult` not computed yet (an enum member: it survives
    pickling and copying as itself)."""

    PENDING = "pending"


#: The fields of :class:`MetaResult` that come from the Q-profile CI of τ².
_Q_PROFILE_FIELDS = ("tau2_ci_lower", "tau2_ci_upper", "i2_ci_lower", "i2_ci_upper", "h2_ci_lower", "h2_ci_upper")


class _QProfileField:
    """A :class:`MetaResult` field computed on first read: the Q-profile CI of τ² and its I² and H² versions.

    metafor computes the CI only in ``confint()``; here it is an attribute, so it is computed when an
    attribute, ``summary()``, ``to_dict()`` or ``==`` first reads it (one root search for the six values,
    kept in the instance). A data descriptor on a dataclass field: the constructor stores what it is given
    (a number, None, or :attr:`_Lazy.PENDING`), and the field stays a required argument, as before.
    """

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:  # no class-level default: the dataclass field stays a required argument
            raise AttributeError(self.name)
        value = obj.__dict__[self.name]
        if value is _Lazy.PENDING:
            obj._resolve_q_profile()
            value = obj.__dict__[self.name]
        return value

    def __set__(self, obj, value):
        obj.__dict__[self.name] = value


class MetaModel:
    """What every fitted ``rma`` model can do, with or without moderators (metafor's methods for ``rma.uni``).

    :class:`MetaResult` (intercept-only) and :class:`~ruptstats.meta.MetaRegressionResult` (with moderators)
    both derive from it; each method calls the function of the same name in :mod:`ruptstats.meta`, which
    documents it: :func:`~ruptstats.meta.predict`, :func:`~ruptstats.meta.fitstats` (and ``loglik``,
    ``deviance``, ``aic``, ``bic``, ``aicc``), :func:`~ruptstats.meta.anova`, :func:`~ruptstats.meta.rstandard`,
    :func:`~ruptstats.meta.rstudent`, :func:`~ruptstats.meta.blup`, :func:`~ruptstats.meta.ranef`,
    :func:`~ruptstats.meta.profile` and :func:`~ruptstats.meta.confint`.
    """

    __slots__ = ()

    def predict(self, newmods=None, *, transf=None, level=None):
        """Predicted values with CIs and PIs (see :func:`ruptstats.meta.predict`)."""
        from .prediction import predict

        return predict(self, newmods, transf=transf, level=level)

    def fitstats(self, *, reml: bool | None = None):
        """Log-likelihood, deviance, AIC, BIC and AICc (see :func:`ruptstats.meta.fitstats`)."""
        from .fit_statistics import fitstats

        return fitstats(self, reml=reml)

    def loglik(self, *, reml: bool | None = None) -> float:
        """The (restricted) log-likelihood (metafor's ``logLik``)."""
        return self.fitstats(reml=reml).loglik

    def deviance(self, *, reml: bool | None = None) -> float:
        """The deviance (metafor's ``deviance``)."""
        return self.fitstats(reml=reml).deviance

    def aic(self, *, reml: bool | None = None) -> float:
        """Akaike's information criterion (metafor's ``AIC``)."""
        return self.fitstats(reml=reml).aic

    def bic(self, *, reml: bool | None = None) -> float:
        """The Bayesian information criterion (metafor's ``BIC``)."""
        return self.fitstats(reml=reml).bic

    def aicc(self, *, reml: bool | None = None) -> float:
        """AIC with the small-sample correction (metafor's ``AICc``)."""
        return self.fitstats(reml=reml).aicc

    # metafor's (R's) spellings
    def logLik(self, *, reml: bool | None = None) -> float:  # noqa: N802 - R's name
        """Same as :meth:`loglik` (R's spelling)."""
        return self.loglik(reml=reml)

    def AIC(self, *, reml: bool | None = None) -> float:  # noqa: N802 - R's name
        """Same as :meth:`aic` (R's spelling)."""
        return self.aic(reml=reml)

    def BIC(self, *, reml: bool | None = None) -> float:  # noqa: N802 - R's name
        """Same as :meth:`bic` (R's spelling)."""
        return self.bic(reml=reml)

    def AICc(self, *, reml: bool | None = None) -> float:  # noqa: N802 - R's name
        """Same as :meth:`aicc` (R's spelling)."""
        return self.aicc(reml=reml)

    def anova(self, reduced=None, *, btt=None):
        """Wald test of coefficients, or a likelihood-ratio test against ``reduced`` (see
        :func:`ruptstats.meta.anova`)."""
        from .model_tests import anova

        return anova(self, reduced, btt=btt)

    def rstandard(self):
        """Standardised residuals (see :func:`ruptstats.meta.rstandard`)."""
        from .residuals import rstandard

        return rstandard(self)

    def rstudent(self):
        """Studentised deleted residuals (see :func:`ruptstats.meta.rstudent`)."""
        from .residuals import rstudent

        return rstudent(self)

    def blup(self, *, transf=None, level=None):
        """Best linear unbiased predictions of the true effects (see :func:`ruptstats.meta.blup`)."""
        from .residuals import blup

        return blup(self, transf=transf, level=level)

    def ranef(self, *, level=None):
        """Predicted random effects (see :func:`ruptstats.meta.ranef`)."""
        from .residuals import ranef

        return ranef(self, level=level)

    def profile(self, tau2=None, *, steps: int = 20):
        """Profile (restricted) log-likelihood of τ² (see :func:`ruptstats.meta.profile`)."""
        from .tau2_profile import profile

        return profile(self, tau2, steps=steps)

    def confint(self, *, level=None):
        """Q-profile CI of τ² (see :func:`ruptstats.meta.confint`)."""
        from .tau2_profile import confint

        return confint(self, level=level)


@dataclass(frozen=True, repr=False)
class MetaResult(MetaModel):
    """A pooled (intercept-only) meta-analysis, as metafor's ``rma()`` reports it.

    Attributes
    ----------
    k : int
        Number of studies.
    method, test : str
        τ² estimator (``FE`` for the common-effect model) and test type (``z`` or ``knha``).
    level : float
        Confidence level, a proportion.
    measure : str or None
        The effect-size measure (e.g. ``ZCOR``); decides the back-transformation.
    estimate, se, statistic, p : float
        Pooled effect on the analysis scale, its SE, z (or t) statistic and two-sided p-value.
    df : int or None
        Degrees of freedom of the t test (``knha``: k - 1), else None.
    ci_lower, ci_upper, pi_lower, pi_upper : float
        Confidence and prediction interval (the PI equals the CI for the common-effect model).
    tau2, tau : float or None
        Between-study variance and its square root: the estimate for a random-effects model; 0.0 for ``FE``
        (the common-effect model fixes it at zero, as metafor's ``rma(method="FE")$tau2``); None for k = 1.
    tau2_se : float or None
        Standard error of ``tau2`` (None for ``FE`` and for k = 1).
    tau2_ci_lower, tau2_ci_upper, i2_ci_lower, i2_ci_upper, h2_ci_lower, h2_ci_upper : float or None
        Q-profile confidence intervals (None for ``FE`` and k = 1). Computed on first read (by the attribute,
        ``summary()``, ``to_dict()`` or ``==``) with one root search for all six and then kept, as metafor
        computes them only in ``confint()``; a fit that never reads them does not pay for them.
    i2, h2 : float or None
        I² (percent) and H² (None for k = 1, where heterogeneity is undefined).
    q, q_df, q_p : float, int, float or None
        Cochran's Q, its degrees of freedom and p-value (None for k = 1).
    n_total : int or None
        Total sample size when per-study n was given.
    study : tuple of str
        Study labels.
    yi, vi : numpy.ndarray
        Per-study effect sizes and sampling variances.
    ni : numpy.ndarray or None
        Per-study sample sizes.
    weight : numpy.ndarray
        Per-study weights in percent (:math:`100 w_i / \\sum w_j`, :math:`w_i = 1/(v_i + \\hat\\tau^2)`).
    notes : tuple of str
        Messages about the fit (fallbacks, undefined quantities, excluded rows).
    fit : ModelFit
        The underlying model fit.
    """

    k: int
    method: str
    test: str
    level: float
    measure: str | None
    estimate: float
    se: float
    statistic: float
    p: float
    df: int | None
    ci_lower: float
    ci_upper: float
    pi_lower: float
    pi_upper: float
    tau2: float | None
    tau2_se: float | None
    tau: float | None
    tau2_ci_lower: float | None = _QProfileField()
    tau2_ci_upper: float | None = _QProfileField()
    i2: float | None
    i2_ci_lower: float | None = _QProfileField()
    i2_ci_upper: float | None = _QProfileField()
    h2: float | None
    h2_ci_lower: float | None = _QProfileField()
    h2_ci_upper: float | None = _QProfileField()
    q: float | None
    q_df: int | None
    q_p: float | None
    n_total: int | None
    study: tuple
    yi: np.ndarray
    vi: np.ndarray
    ni: np.ndarray | None
    weight: np.ndarray
    notes: tuple = field(default=())
    fit: ModelFit | None = None

    # -- construction ---------------------------------------------------------------------------------------

    @classmethod
    def from_fit(cls, fit: ModelFit, *, study=None, ni=None, measure=None, notes=()) -> "MetaResult":
        """Present an intercept-only :class:`ModelFit`."""
        k = fit.k
        _, pi_lo, pi_hi = fit.prediction_interval()
        defined = k > 1
        random = fit.method != "FE"
        t2 = fit.tau2
        lazy = _Lazy.PENDING if (random and defined) else None  # the Q-profile CI, computed on first read
        study = tuple(map(str, study)) if study is not None else tuple(map(str, range(1, k + 1)))
        ni = None if ni is None else np.asarray(ni, dtype=float)
        wts = fit.weights if fit.user_weights is None else fit.user_weights
        weight = 100.0 * wts / wts.sum()
        for arr in (fit.y, fit.v, weight) + (() if ni is None else (ni,)):
            arr.setflags(write=False)
        return cls(
            k=k, method=fit.method, test=fit.test, level=fit.level, measure=measure,
            estimate=float(fit.beta[0]), se=float(fit.se[0]), statistic=float(fit.statistic[0]),
            p=float(fit.p[0]), df=fit.df, ci_lower=float(fit.ci_lower[0]), ci_upper=float(fit.ci_upper[0]),
            pi_lower=pi_lo, pi_upper=pi_hi,
            tau2=t2.tau2 if (random and defined) else (0.0 if defined else None),
            tau2_se=t2.se if (random and defined) else None,
            tau=math.sqrt(t2.tau2) if (random and defined) else (0.0 if defined else None),
            tau2_ci_lower=lazy, tau2_ci_upper=lazy, i2=_defined(fit.het.i2) if defined else None,
            i2_ci_lower=lazy, i2_ci_upper=lazy, h2=_defined(fit.het.h2) if defined else None,
            h2_ci_lower=lazy, h2_ci_upper=lazy,
            q=_defined(fit.het.q) if defined else None, q_df=fit.het.q_df if defined else None,
            q_p=_defined(fit.het.q_p) if defined else None,
            n_total=int(round(ni.sum())) if ni is not None else None,
            study=study, yi=fit.y, vi=fit.v, ni=ni, weight=weight,
            notes=tuple(fit.notes) + tuple(notes), fit=fit,
        )

    def _resolve_q_profile(self) -> None:
        """Fill the pending Q-profile fields from ``fit.tau2_ci`` (None without a fit or a defined CI)."""
        fit = self.fit
        ci = None if fit is None or fit.method == "FE" or self.k <= 1 else fit.tau2_ci
        if ci:
            vt = fit.het.typical_vi
            values = (ci[0], ci[1], 100.0 * ci[0] / (vt + ci[0]), 100.0 * ci[1] / (vt + ci[1]),
                      ci[0] / vt + 1.0, ci[1] / vt + 1.0)
        else:
            values = (None,) * len(_Q_PROFILE_FIELDS)
        for name, value in zip(_Q_PROFILE_FIELDS, values):
            if self.__dict__[name] is _Lazy.PENDING:
                self.__dict__[name] = value

    # -- derived quantities ---------------------------------------------------------------------------------

    @property
    def back_transformed(self) -> dict | None:
        """Estimate, CI and PI on the reported scale (r for ``ZCOR``, ratios for log ratios), else None."""
        bt = _back_transform(self.measure)
        if bt is None:
            return None
        f = bt[1]
        return {key: float(f(getattr(self, key)))
                for key in ("estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper")}

    def studies_frame(self):
        """One row per study: ``study, yi, vi, se, ci_lower, ci_upper, weight`` (and ``n`` when known).

        Study CIs are :math:`y_i \\pm z_{1-\\alpha/2}\\sqrt{v_i}`, as metafor's forest plot draws them.
        """
        import pandas as pd

        z = float(norm_ppf(1.0 - (1.0 - self.level) / 2.0))
        se = np.sqrt(self.vi)
        frame = pd.DataFrame({"study": list(self.study), "yi": self.yi, "vi": self.vi, "se": se,
                              "ci_lower": self.yi - z * se, "ci_upper": self.yi + z * se,
                              "weight": self.weight})
        if self.ni is not None:
            frame["n"] = self.ni
        return frame

    def summary_frame(self, back_transform: bool = False):
        """Study rows plus the pooled row, for tables and forest plots.

        Parameters
        ----------
        back_transform : bool, default False
            Report estimates and intervals on the reported scale (r, OR, ...) when the measure has one.

        Returns
        -------
        pandas.DataFrame
            Columns ``study, kind`` (``"study"`` or ``"pooled"``), ``estimate, se, ci_lower, ci_upper,
            pi_lower, pi_upper`` (NaN on study rows), ``weight`` (percent; 100 on the pooled row), ``n``.
        """
        import pandas as pd

        st = self.studies_frame()
        rows = pd.DataFrame({"study": st["study"], "kind": "study", "estimate": st["yi"], "se": st["se"],
                             "ci_lower": st["ci_lower"], "ci_upper": st["ci_upper"], "pi_lower": np.nan,
                             "pi_upper": np.nan, "weight": st["weight"],
                             "n": st["n"] if "n" in st else np.nan})
        pooled = pd.DataFrame([{"study": f"{'FE' if self.method == 'FE' else 'RE'} model", "kind": "pooled",
                                "estimate": self.estimate, "se": self.se, "ci_lower": self.ci_lower,
                                "ci_upper": self.ci_upper, "pi_lower": self.pi_lower, "pi_upper": self.pi_upper,
                                "weight": 100.0, "n": self.n_total if self.n_total is not None else np.nan}])
        frame = pd.concat([rows, pooled], ignore_index=True)
        bt = _back_transform(self.measure) if back_transform else None
        if bt is not None:
            for col in ("estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper"):
                frame[col] = bt[1](frame[col].to_numpy(dtype=float))
            frame["se"] = np.nan
        return frame

    def to_dict(self, include_studies: bool = True) -> dict:
        """JSON-ready dictionary with the keys of :data:`MODEL_KEYS` (+ ``back_transformed``, ``studies``)."""
        out = {}
        for key in MODEL_KEYS:
            val = getattr(self, key)
            out[key] = val if isinstance(val, (str, int, type(None))) and not isinstance(val, bool) else _num(val)
        out["back_transformed"] = self.back_transformed
        if out["back_transformed"] is None:
            del out["back_transformed"]
        out["notes"] = list(self.notes)
        if include_studies:
            from ._small import records

            st = self.studies_frame()
            labels = st["study"].to_numpy().tolist()
            labels = labels if set(map(type, labels)) == {str} else list(st["study"])  # as itertuples gave
            names = ("yi", "vi", "weight", "ci_lower", "ci_upper")
            out["studies"] = records(("study",) + names,
                                     [labels] + [st[name].to_numpy(dtype=float).tolist() for name in names])
        return out

    def summary(self) -> str:
        """metafor-style text summary with an APA sentence (see :func:`ruptstats.report.format_meta`)."""
        from ..report import format_meta

        return format_meta(self)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (f"MetaResult(k={self.k}, method={self.method!r}, test={self.test!r}, measure={self.measure!r}, "
                f"estimate={self.estimate!r}, ci=[{self.ci_lower!r}, {self.ci_upper!r}], tau2={self.tau2!r})")
