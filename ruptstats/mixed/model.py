"""``mixed_model``: a linear mixed model with lme4's formula syntax, equal to ``lmer`` with lmerTest's tests."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from .._checks import check_level
from ..exceptions import OptionError
from .design import Design, build_design
from .formula import parse_formula
from .block import BlockModel
from .general import SparseModel
from .intercept import InterceptModel
from .nested import NestedInterceptModel, nesting
from .profile import profiled_deviance, sigma_hat
from .result import FIXED_COLUMNS, VARIANCE_COLUMNS, MixedModelResult
from .satterthwaite import satterthwaite_df

__all__ = ["mixed_model"]

#: lme4's isSingular(tol = 1e-4): a diagonal element of theta below this is a variance at 0
SINGULAR_TOL = 1e-4


def mixed_model(formula: str, data: pd.DataFrame, *, reml: bool = True, level: float = 0.95) -> MixedModelResult:
    """Fit a linear mixed model as R's ``lme4::lmer`` does, with lmerTest's Satterthwaite t tests.

    Parameters
    ----------
    formula : str
        lme4 syntax: ``"y ~ session + condition + (1 | client)"``. The fixed part follows R's model formulas
        (treatment contrasts named as lme4 names them, e.g. ``conditionunrepaired``; ``a:b``, ``a*b``, ``-1``);
        random terms are ``(1 | client)``, nested ``(1 | therapist/client)``, crossed ``(1 | client) + (1 | rater)``,
        a correlated random slope ``(session | client)`` or an uncorrelated one ``(session || client)``.
    data : pandas.DataFrame
        One row per observation (session). Rows with a missing value in a model column are left out (and counted
        in ``n_dropped`` and ``notes``), as lme4's default ``na.action`` does.
    reml : bool, default True
        REML (lme4's default) or maximum likelihood (``REML = FALSE``).
    level : float, default 0.95
        Confidence level of the t-based intervals (95 and 0.95 both mean 95 %).

    Returns
    -------
    MixedModelResult
        ``fixed`` (term, estimate, se, df, statistic, p, ci_lower, ci_upper), ``variance`` (lme4's
        ``as.data.frame(VarCorr(m))``), ``loglik``, ``aic``, ``bic``, ``n_obs``, ``n_groups``, ``icc``,
        ``converged``, ``singular``, ``notes``; ``summary()`` and ``to_dict()``.

    Raises
    ------
    OptionError
        A formula that cannot be read (naming the offending part), ``reml`` not a bool, a bad ``level``.
    DataError
        A column the formula names is missing, the outcome is not numeric, a grouping factor is all missing or
        has fewer than 2 levels (or as many levels as rows), or the fixed design is rank deficient.

    Notes
    -----
    The model is y = Xβ + Zb + ε with b ~ N(0, σ²ΛΛ'), ε ~ N(0, σ²I). θ (the elements of Λ) minimises the
    profiled REML or ML deviance of the penalised least-squares problem (Bates et al., 2015): with one random
    intercept by per-group sufficient statistics and a one-dimensional search (:mod:`ruptstats.mixed.intercept`,
    no n x n or n x J matrix), two nested random intercepts likewise with a two-dimensional search
    (:mod:`ruptstats.mixed.nested`), random slopes over one grouping factor by batched per-group blocks
    (:mod:`ruptstats.mixed.block`), otherwise with sparse matrices (:mod:`ruptstats.mixed.general`). The standard
    errors are lme4's, sqrt(diag(σ² (R_X'R_X)⁻¹)); df are lmerTest's Satterthwaite approximation
    (:mod:`ruptstats.mixed.satterthwaite`); t = estimate / se, p = 2 P(T_df > |t|).

    References
    ----------
    Bates, D., Mächler, M., Bolker, B., & Walker, S. (2015). Fitting linear mixed-effects models using lme4.
    *Journal of Statistical Software, 67*(1), 1-48. https://doi.org/10.18637/jss.v067.i01

    Kuznetsova, A., Brockhoff, P. B., & Christensen, R. H. B. (2017). lmerTest package: Tests in linear mixed
    effects models. *Journal of Statistical Software, 82*(13), 1-26. https://doi.org/10.18637/jss.v082.i13

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> client = np.repeat(np.arange(30), 6)
    >>> sessions = pd.DataFrame({"client": client, "session": np.tile(np.arange(1, 7), 30)})
    >>> sessions["alliance"] = 4 + 0.1 * sessions["session"] + rng.normal(0, 0.5, 30)[client] + rng.normal(0, 0.4, 180)
    >>> res = mixed_model("alliance ~ session + (1 | client)", sessions)
    >>> res.fixed_frame()["term"].tolist()
    ['(Intercept)', 'session']
    >>> res.variance_frame()["group"].tolist()
    ['client', 'Residual']
    """
    if not isinstance(reml, (bool, np.bool_)):
        raise OptionError(f"reml={reml!r} must be True (REML) or False (ML)")
    level = check_level(level)
    parsed = parse_formula(formula)
    design = build_design(parsed, data)
    n, p = design.X.shape
    if n <= p:
        raise OptionError(f"formula={formula!r}: {p} fixed effects for {n} analysed rows; need more rows")
    engine = _engine(design)
    theta, converged, notes = engine.fit(bool(reml))
    return _assemble(formula, design, engine, theta, converged, notes, bool(reml), level)


def _engine(design: Design):
    """The fitting path the structure allows: one random intercept, two nested random intercepts, terms over one
    grouping factor (block diagonal), otherwise the general sparse path."""
    terms = design.terms
    intercepts = all(t.names == ("(Intercept)",) for t in terms)
    if len(terms) == 1 and intercepts:
        return InterceptModel(design.y, design.X, terms[0].codes, terms[0].n_levels)
    if len(terms) == 2 and intercepts and terms[0].n_levels > terms[1].n_levels:
        parent = nesting(terms[0].codes, terms[0].n_levels, terms[1].codes)
        if parent is not None:  # the first term (more levels) nested in the second: (1 | therapist/client)
            return NestedInterceptModel(design.y, design.X, terms[0].codes, terms[1].codes, parent,
                                        terms[1].n_levels)
    if len({t.group for t in terms}) == 1:  # slopes over one grouping factor: block-diagonal blocks
        return BlockModel(design.y, design.X, terms)
    return SparseModel(design.y, design.X, terms)


def _variance_rows(design: Design, theta: np.ndarray, sigma: float) -> tuple[list[dict], list[float]]:
    """lme4's as.data.frame(VarCorr(m)); also the random-intercept variances (for the ICC)."""
    rows, intercepts, seen, k = [], [], {}, 0
    for t in design.terms:
        pt = len(t.names)
        L = np.zeros((pt, pt))
        for c in range(pt):
            for r in range(c, pt):
                L[r, c] = theta[k]
                k += 1
        S = sigma ** 2 * (L @ L.T)
        count = seen.get(t.group, 0)
        seen[t.group] = count + 1
        name = t.group if count == 0 else f"{t.group}.{count}"  # R's make.unique
        sd = np.sqrt(np.diag(S))
        for i in range(pt):
            rows.append({"group": name, "var1": t.names[i], "var2": None, "vcov": S[i, i], "sdcor": sd[i]})
            if t.names[i] == "(Intercept)":
                intercepts.append(S[i, i])
        for c in range(pt):
            for r in range(c + 1, pt):
                corr = S[r, c] / (sd[r] * sd[c]) if sd[r] > 0 and sd[c] > 0 else math.nan
                rows.append({"group": name, "var1": t.names[c], "var2": t.names[r], "vcov": S[r, c], "sdcor": corr})
    rows.append({"group": "Residual", "var1": None, "var2": None, "vcov": sigma ** 2, "sdcor": sigma})
    return rows, intercepts


def _assemble(formula, design, engine, theta, converged, notes, reml, level) -> MixedModelResult:
    n, p = design.X.shape
    pc = engine.evaluate(theta)
    sigma = sigma_hat(pc, n, p, reml)
    deviance = profiled_deviance(pc, n, p, reml)
    vcov = sigma ** 2 * pc.rx_inv2
    se = np.sqrt(np.diag(vcov))
    notes = list(notes)
    if design.n_dropped:
        notes.insert(0, f"{design.n_dropped} row(s) with a missing value in a model column were left out")
    df, df_notes = satterthwaite_df(engine, theta, sigma, reml)
    notes += df_notes
    statistic = pc.beta / se
    p_value = 2.0 * stats.t.sf(np.abs(statistic), df)
    half = stats.t.ppf(0.5 + level / 2.0, df) * se
    fixed = pd.DataFrame({"term": list(design.fixed_names), "estimate": pc.beta, "se": se, "df": df,
                          "statistic": statistic, "p": p_value, "ci_lower": pc.beta - half,
                          "ci_upper": pc.beta + half}, columns=list(FIXED_COLUMNS))
    rows, intercepts = _variance_rows(design, theta, sigma)
    variance = pd.DataFrame(rows, columns=list(VARIANCE_COLUMNS)).astype({"var1": object, "var2": object})
    lower = engine.theta_lower
    singular = bool(np.any(theta[lower == 0.0] < SINGULAR_TOL))
    if singular:
        notes.append("boundary (singular) fit: a variance is (near) 0 or a correlation is +-1 (lme4's isSingular)")
    slopes = any(len(t.names) > 1 or t.names != ("(Intercept)",) for t in design.terms)
    icc = None if slopes else float(sum(intercepts) / (sum(intercepts) + sigma ** 2))
    if slopes:
        notes.append("icc is not reported for a model with random slopes (the share depends on the slope variable)")
    npar = p + len(theta) + 1
    loglik = -0.5 * deviance
    n_groups = {}
    for t in design.terms:
        n_groups.setdefault(t.group, t.n_levels)
    residuals = design.y - design.X @ pc.beta - engine.fitted_random(theta, pc.beta)
    return MixedModelResult(
        formula=formula, method="REML" if reml else "ML", fixed=fixed, variance=variance, vcov=vcov,
        theta=np.asarray(theta, dtype=float), sigma=sigma, loglik=loglik, aic=-2.0 * loglik + 2.0 * npar,
        bic=-2.0 * loglik + npar * math.log(n), deviance=deviance, n_obs=n, n_dropped=design.n_dropped,
        n_groups=n_groups, icc=icc, converged=converged, singular=singular, level=level, notes=tuple(notes),
        residuals=residuals)
