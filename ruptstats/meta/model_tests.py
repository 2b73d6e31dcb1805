r"""Tests of fitted models, as metafor's ``anova.rma``: a Wald test of chosen coefficients, or a
likelihood-ratio test of two nested models.

Wald test (``anova(res, btt=...)``): for the coefficients :math:`b` chosen by ``btt`` with covariance
:math:`V_b`, :math:`Q_M = b^\top V_b^{-1} b \sim \chi^2_m`; with ``test="knha"``, :math:`F = Q_M/m` on
:math:`(m, k - p)` degrees of freedom.

Likelihood-ratio test (``anova(full, reduced)``): :math:`\mathrm{LRT} = D_{reduced} - D_{full}` (deviances,
REML for REML fits, ML otherwise; truncated at 0) on :math:`q_{full} - q_{reduced}` degrees of freedom (the
numbers of parameters). REML likelihoods are only comparable with the same fixed effects: comparing REML fits
with different model matrices is an error here (metafor warns and suggests refitting with ML). The table also
shows each model's Q_E and τ² and the pseudo-R² :math:`100\max(0, (\hat\tau^2_r - \hat\tau^2_f)/\hat\tau^2_r)`
(for equal-effects models the reduction of the weighted residual variance of ``lm``).

References
----------
Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package. *Journal of Statistical
Software, 36*(3), 1-48.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._dist import chi2_sf, f_sf
from ..exceptions import DataError, OptionError
from .fit_statistics import FitStats, fitstats
from .results import _num

__all__ = ["WaldTestResult", "LikelihoodRatioResult", "anova"]


@dataclass(frozen=True)
class WaldTestResult:
    """Wald test of a set of coefficients.

    Attributes
    ----------
    terms : tuple of str
        The coefficients tested.
    qm, qm_df, qm_p : float, int, float
        Statistic (χ², or F for ``knha``), its (numerator) degrees of freedom and p-value.
    df : int or None
        Denominator degrees of freedom of the F test (``knha``: k - p), else None.
    test : str
        ``z`` or ``knha``.
    """

    terms: tuple
    qm: float
    qm_df: int
    qm_p: float
    df: int | None
    test: str

    def summary_frame(self) -> pd.DataFrame:
        """One row: ``qm, qm_df, df, qm_p``."""
        return pd.DataFrame([{"qm": self.qm, "qm_df": self.qm_df, "df": self.df, "qm_p": self.qm_p}])

    def to_dict(self) -> dict:
        """JSON-ready: ``terms, qm, qm_df, qm_p, df, test``."""
        return {"terms": list(self.terms), "qm": _num(self.qm), "qm_df": self.qm_df, "qm_p": _num(self.qm_p),
                "df": self.df, "test": self.test}

    def summary(self) -> str:
        kind = f"F({self.qm_df}, {self.df})" if self.df is not None else f"QM(df = {self.qm_df})"
        return f"Test of moderators (coefficients {', '.join(self.terms)}): {kind} = {self.qm!r}, p = {self.qm_p!r}"

    def __str__(self) -> str:
        return self.summary()


@dataclass(frozen=True)
class LikelihoodRatioResult:
    """Likelihood-ratio test of a full against a reduced model, with metafor's comparison table.

    Attributes
    ----------
    full, reduced : FitStats
        Fit statistics of each model (REML for REML fits, else ML).
    lrt, lrt_df, lrt_p : float, int, float
        The test statistic (difference of deviances), its degrees of freedom (difference of parameters) and
        p-value.
    q_full, q_reduced : float
        Each model's Q_E (residual heterogeneity; Cochran's Q for an intercept-only model).
    tau2_full, tau2_reduced : float
        Each model's τ² (0 for equal-effects models).
    r2 : float or None
        Pseudo-R² in percent (see the module docstring).
    notes : tuple of str
    """

    full: FitStats
    reduced: FitStats
    lrt: float
    lrt_df: int
    lrt_p: float
    q_full: float
    q_reduced: float
    tau2_full: float
    tau2_reduced: float
    r2: float | None
    notes: tuple = field(default=())

    def summary_frame(self) -> pd.DataFrame:
        """metafor's table: rows ``full``, ``reduced``; columns ``parms, aic, bic, aicc, loglik, lrt, lrt_p, q,
        tau2, r2`` (``lrt``, ``lrt_p`` and ``r2`` on the full model's row)."""
        rows = []
        for name, fs, q, t2 in (("full", self.full, self.q_full, self.tau2_full),
                                ("reduced", self.reduced, self.q_reduced, self.tau2_reduced)):
            first = name == "full"
            rows.append({"model": name, "parms": fs.parms, "aic": fs.aic, "bic": fs.bic, "aicc": fs.aicc,
                         "loglik": fs.loglik, "lrt": self.lrt if not first else np.nan,
                         "lrt_p": self.lrt_p if not first else np.nan, "q": q, "tau2": t2,
                         "r2": (self.r2 if self.r2 is not None else np.nan) if not first else np.nan})
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        """JSON-ready: ``full``, ``reduced`` (fit statistics), ``lrt, lrt_df, lrt_p, q_full, q_reduced,
        tau2_full, tau2_reduced, r2, notes``."""
        return {"full": self.full.to_dict(), "reduced": self.reduced.to_dict(), "lrt": _num(self.lrt),
                "lrt_df": self.lrt_df, "lrt_p": _num(self.lrt_p), "q_full": _num(self.q_full),
                "q_reduced": _num(self.q_reduced), "tau2_full": _num(self.tau2_full),
                "tau2_reduced": _num(self.tau2_reduced), "r2": _num(self.r2), "notes": list(self.notes)}

    def summary(self) -> str:
        return self.summary_frame().to_string(index=False)

    def __str__(self) -> str:
        return self.summary()


def _btt(result, btt) -> np.ndarray:
    """Indices of the tested coefficients: 0-based positions, term names, or a text matched in the names."""
    fit = result.fit
    terms = tuple(getattr(result, "terms", ("intercept",)))
    p = fit.X.shape[1]
    if btt is None:
        first = 1 if (fit.intercept and p > 1) else 0
        return np.arange(first, p)
    items = [btt] if isinstance(btt, (str, int, np.integer)) else list(btt)
    idx = []
    for item in items:
        if isinstance(item, str):
            if item in terms:
                idx.append(terms.index(item))
                continue
            found = [j for j, t in enumerate(terms) if item in t]
            if not found:
                raise OptionError(f"btt={item!r} matches none of the terms {list(terms)}")
            idx.extend(found)
        elif isinstance(item, (int, np.integer)) and not isinstance(item, bool) and 0 <= item < p:
            idx.append(int(item))
        else:
            raise OptionError(f"btt={item!r} must be a term name or a 0-based position below {p}")
    if not idx:
        raise OptionError("btt selects no coefficient")
    return np.array(sorted(set(idx)), dtype=int)


def _wald(result, btt) -> WaldTestResult:
    fit = result.fit
    idx = _btt(result, btt)
    b = fit.beta[idx]
    try:
        qm = float(b @ np.linalg.solve(fit.vcov[np.ix_(idx, idx)], b))
    except np.linalg.LinAlgError:
        raise DataError("the covariance of the tested coefficients is singular") from None
    m = idx.size
    names = tuple(getattr(result, "terms", ("intercept",)))
    terms = tuple(str(names[j]) for j in idx)
    if fit.df is None:
        return WaldTestResult(terms, qm, m, float(chi2_sf(qm, m)), None, fit.test)
    qm /= m
    return WaldTestResult(terms, qm, m, float(f_sf(qm, m, fit.df)), fit.df, fit.test)


def _lm_sigma2(fit) -> float:
    """Residual variance of the weighted lm of yi on X (metafor's R² for equal-effects models)."""
    from ._wls import Wls

    a = 1.0 / fit.v if fit.user_weights is None else fit.user_weights
    _, r = Wls(a, fit.X).fit(fit.y)
    return float(np.dot(a, r * r)) / (fit.k - fit.X.shape[1])


def _lrt(full, reduced) -> LikelihoodRatioResult:
    f, r = full.fit, reduced.fit
    pf = f.X.shape[1] + (0 if f.method == "FE" else 1)
    pr = r.X.shape[1] + (0 if r.method == "FE" else 1)
    if pf == pr:
        raise OptionError("the models have the same number of parameters: a likelihood-ratio test is not "
                          "meaningful")
    if pf < pr:
        full, reduced, f, r = reduced, full, r, f
    if f.y.shape != r.y.shape or not (np.array_equal(f.y, r.y) and np.array_equal(f.v, r.v)):
        raise DataError("the full and reduced model are not fitted to the same effect sizes and variances")
    if (f.method == "FE") != (r.method == "FE"):
        if f.method == "FE":
            raise OptionError("the full model is an equal-effects model and the reduced one a random-effects "
                              "model")
    if {f.method, r.method} == {"ML", "REML"}:
        raise OptionError(f"the full model uses {f.method} and the reduced model {r.method}: fit both with the "
                          "same method")
    if f.method == "REML" and not (f.X.shape == r.X.shape and np.array_equal(f.X, r.X)):
        raise OptionError("REML comparisons are not meaningful for models with different fixed effects "
                          "(metafor warns); refit both models with method='ML'")
    notes = []
    if f.method not in ("FE", "ML", "REML") or r.method not in ("FE", "ML", "REML"):
        notes.append("likelihood-ratio tests should be based on ML or REML fits (metafor warns)")
    reml = f.method == "REML"
    fs_f, fs_r = fitstats(full, reml=reml), fitstats(reduced, reml=reml)
    lrt = max(0.0, fs_r.deviance - fs_f.deviance)
    df = pf - pr if pf > pr else pr - pf
    t2f = 0.0 if f.method == "FE" else f.tau2.tau2
    t2r = 0.0 if r.method == "FE" else r.tau2.tau2
    if f.method == "FE":
        s2f, s2r = _lm_sigma2(f), _lm_sigma2(r)
        r2 = 100.0 * max(0.0, (s2r - s2f) / s2r)
    else:
        r2 = 0.0 if t2r == 0 else 100.0 * max(0.0, (t2r - t2f) / t2r)
    return LikelihoodRatioResult(full=fs_f, reduced=fs_r, lrt=lrt, lrt_df=abs(fs_f.parms - fs_r.parms),
                                 lrt_p=float(chi2_sf(lrt, abs(fs_f.parms - fs_r.parms))), q_full=f.het.q,
                                 q_reduced=r.het.q, tau2_full=t2f, tau2_reduced=t2r, r2=r2, notes=tuple(notes))


def anova(result, reduced=None, *, btt=None):
    """Wald test of coefficients (``btt``), or a likelihood-ratio test of ``result`` against ``reduced``.

    Parameters
    ----------
    result : MetaResult or MetaRegressionResult
        A fitted model (the full model of a likelihood-ratio test; the two are ordered by their numbers of
        parameters, as metafor does).
    reduced : MetaResult or MetaRegressionResult, optional
        A model nested in ``result``, fitted to the same effect sizes with the same method.
    btt : int, str or sequence, optional
        The coefficients of the Wald test: 0-based positions, term names, or a text that selects every term
        containing it (``"alloc"``, as metafor's ``btt = "alloc"``). Default: all but the intercept.

    Returns
    -------
    WaldTestResult or LikelihoodRatioResult

    Raises
    ------
    OptionError
        ``btt`` with ``reduced``; models with the same number of parameters; ML against REML; REML fits with
        different fixed effects; a ``btt`` that selects nothing.
    DataError
        Models fitted to different data.

    Examples
    --------
    >>> import pandas as pd
    >>> from ruptstats.meta import rma
    >>> t = pd.DataFrame({"yi": [0.1, 0.3, 0.35, 0.25, 0.5], "vi": [0.01, 0.02, 0.015, 0.012, 0.02],
    ...                   "x": [1.0, 2.0, 3.0, 4.0, 5.0]})
    >>> w = anova(rma("yi", "vi", mods="~ x", data=t, method="EE"))
    >>> w.terms, w.qm_df
    (('x',), 1)
    """
    if getattr(result, "fit", None) is None:
        raise OptionError("anova needs a fitted result (MetaResult or MetaRegressionResult)")
    if reduced is None:
        return _wald(result, btt)
    if btt is not None:
        raise OptionError("give btt= (a Wald test of one model) or a reduced model (a likelihood-ratio test), "
                          "not both")
    if getattr(reduced, "fit", None) is None:
        raise OptionError("reduced must be a fitted result (MetaResult or MetaRegressionResult)")
    return _lrt(result, reduced)
