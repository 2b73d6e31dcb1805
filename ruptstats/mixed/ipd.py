r"""One-stage individual-participant (IPD) model across studies, and the two-stage result beside it (issue 13
item 4).

**One stage**: all studies' clients in one model,

.. math:: y_{ij} = \beta_0 [+ \beta_b\,\mathrm{baseline}_{ij}] + \beta_u U_{ij} + \beta_r R_{ij} + u_j
          + \varepsilon_{ij},

with :math:`U, R` the unrepaired and repaired indicators (treatment contrasts against ``reference``) and the
study effect :math:`u_j` either random, :math:`u_j \sim N(0, \tau^2)` (R: ``lmerTest::lmer(y ~ [baseline +]
condition + (1 | study))``, REML, Satterthwaite df), or fixed (one dummy per study: ``lm(y ~ [baseline +]
condition + study)``). With one study both are ``lm(y ~ [baseline +] condition)``.

**Two stages**: each study's own comparison (:func:`ruptstats.conditions.compare_conditions`), then the study
estimates pooled by :func:`ruptstats.meta.rma`. Both stages estimate the same unstandardised repaired-vs-unrepaired
difference on the outcome's own scale (never an SMD, which would divide by a study-specific SD):

- without a baseline: the raw mean difference :math:`\bar y_R - \bar y_U` with
  :math:`v = s_R^2/n_R + s_U^2/n_U` (metafor ``escalc(measure = "MD")``);
- with a baseline: the study's ANCOVA coefficient of ``repaired`` (reference ``unrepaired``) and its squared
  standard error, the per-study version of the one-stage model (a mean difference of change scores would estimate
  another quantity than the baseline-adjusted one-stage coefficient).

References
----------
Riley, R. D., Lambert, P. C., & Abo-Zaid, G. (2010). Meta-analysis of individual participant data: rationale,
conduct, and reporting. *BMJ, 340*, c221. https://doi.org/10.1136/bmj.c221

Burke, D. L., Ensor, J., & Riley, R. D. (2017). Meta-analysis using individual participant data: one-stage and
two-stage approaches, and why they may differ. *Statistics in Medicine, 36*(5), 855-875.
https://doi.org/10.1002/sim.7141
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

from .._checks import check_choice, check_level
from ..exceptions import DataError, OptionError
from .design import build_design
from .formula import ParsedFormula
from .model import mixed_model
from .result import FIXED_COLUMNS, MixedModelResult, _num

__all__ = ["EFFECT_COLUMNS", "IPD_COLUMNS", "IPDComparison", "OneStageResult", "one_stage",
           "two_stage_vs_one_stage"]

_CONDITIONS = ("none", "unrepaired", "repaired")
#: columns of :attr:`OneStageResult.effects`: one row per condition compared with the reference
EFFECT_COLUMNS = ("condition", "term", "estimate", "se", "df", "statistic", "p", "ci_lower", "ci_upper")
#: columns of :meth:`IPDComparison.summary_frame`
IPD_COLUMNS = ("approach", "study", "estimate", "se", "ci_lower", "ci_upper", "p", "n")


def _rows(frame: pd.DataFrame, columns) -> list[dict]:
    return [{c: (_num(v) if c not in ("term", "condition", "approach", "study") else
                 (None if v is None else str(v))) for c, v in zip(columns, row)}
            for row in frame[list(columns)].itertuples(index=False)]


@dataclass(frozen=True)
class OneStageResult:
    """The one-stage IPD model: ``effects`` (one row per condition against ``reference``, columns
    :data:`EFFECT_COLUMNS`), ``fixed`` (every fixed coefficient, columns ``FIXED_COLUMNS``), ``tau2`` (between-study
    variance; None for fixed study effects or one study), ``sigma2`` (residual variance), ``n_obs`` clients
    analysed, ``n_studies``, ``n_dropped`` clients left out (a missing value), ``model`` (the
    :class:`MixedModelResult` of the random-study model; None when the model is a linear model) and ``notes``."""

    outcome: str
    baseline: str | None
    study_effect: str
    reference: str
    formula: str
    effects: pd.DataFrame
    fixed: pd.DataFrame
    tau2: float | None
    sigma2: float
    n_obs: int
    n_studies: int
    n_dropped: int
    level: float
    model: MixedModelResult | None = None
    notes: tuple = ()

    def summary_frame(self) -> pd.DataFrame:
        """The condition effects, one row per condition against the reference (columns :data:`EFFECT_COLUMNS`)."""
        return self.effects.copy()

    def fixed_frame(self) -> pd.DataFrame:
        """Every fixed coefficient (intercept, baseline, conditions, study dummies)."""
        return self.fixed.copy()

    def to_dict(self) -> dict:
        """Strict JSON: ``outcome, baseline, study_effect, reference, formula, effects, fixed, tau2, sigma2, n_obs,
        n_studies, n_dropped, level, model`` (the mixed model's ``to_dict()`` or None), ``notes``."""
        return {"outcome": self.outcome, "baseline": self.baseline, "study_effect": self.study_effect,
                "reference": self.reference, "formula": self.formula,
                "effects": _rows(self.effects, EFFECT_COLUMNS), "fixed": _rows(self.fixed, FIXED_COLUMNS),
                "tau2": _num(self.tau2), "sigma2": _num(self.sigma2), "n_obs": int(self.n_obs),
                "n_studies": int(self.n_studies), "n_dropped": int(self.n_dropped), "level": float(self.level),
                "model": None if self.model is None else self.model.to_dict(), "notes": list(self.notes)}

    def summary(self) -> str:
        """The model in words and the condition effects with APA numbers."""
        from ..report import apa_ci, apa_number, apa_p, apa_stat

        kind = {"random": "random study intercepts", "fixed": "fixed study effects"}[self.study_effect]
        lines = [f"One-stage IPD model of {self.outcome} ({self.n_obs} clients, {self.n_studies} studies, {kind}): "
                 f"{self.formula}"]
        for r in self.effects.itertuples(index=False):
            lines.append(f"{r.condition} vs {self.reference}: b = {apa_number(r.estimate)}, "
                         f"{apa_ci(r.ci_lower, r.ci_upper, self.level)}, {apa_stat('t', r.statistic, (r.df,))}, "
                         f"{apa_p(r.p)}")
        if self.tau2 is not None:
            lines.append(f"Between-study variance tau2 = {apa_number(self.tau2, 3)}; residual variance "
                         f"{apa_number(self.sigma2, 3)}.")
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _stack(clients, study: str) -> pd.DataFrame:
    """One table with a ``study`` column, from a table or from ``{label: table}``."""
    if isinstance(clients, dict):
        if not clients:
            raise DataError("clients is an empty dict; give {study label: client table}")
        parts = []
        for label, table in clients.items():
            if not isinstance(table, pd.DataFrame):
                raise DataError(f"clients[{label!r}] must be a pandas DataFrame, got {type(table).__name__}")
            parts.append(table.assign(**{study: str(label)}))
        return pd.concat(parts, ignore_index=True)
    if not isinstance(clients, pd.DataFrame):
        raise DataError(f"clients must be a pandas DataFrame with a {study!r} column or a dict of them, got "
                        f"{type(clients).__name__}")
    if study not in clients.columns:
        raise DataError(f"study column {study!r} is not in the client table; its columns are "
                        f"{', '.join(map(str, clients.columns))}", column=str(study))
    return clients.reset_index(drop=True)


def _check_parts(clients: dict, outcome, baseline, condition) -> None:
    """For ``{label: table}`` input: check each table's columns, so an error names the study and its own row."""
    from ..conditions._data import _conditions, numeric_column

    for label, table in clients.items():
        if not isinstance(table, pd.DataFrame):
            continue  # _stack says so
        try:
            numeric_column(table, outcome, role="outcome")
            if baseline is not None:
                numeric_column(table, baseline, role="baseline")
            _conditions(table, condition)
        except DataError as exc:
            raise DataError(exc.message, source=f"study {label!r}", row=exc.row, column=exc.column) from None


def _model_frame(table, outcome, baseline, condition, study, reference) -> pd.DataFrame:
    """The analysed columns under the formula's own names y, baseline, condition, study."""
    from ..conditions._data import _conditions, numeric_column

    frame = pd.DataFrame({"y": numeric_column(table, outcome, role="outcome")})
    if baseline is not None:
        frame["baseline"] = numeric_column(table, baseline, role="baseline")
    cond = _conditions(table, condition)
    order = [reference] + [c for c in _CONDITIONS if c != reference]
    frame["condition"] = pd.Categorical(np.asarray(cond, dtype=object), categories=order)
    labels = table[study]
    frame["study"] = labels.astype("string").to_numpy(dtype=object, na_value=None)
    frame["study"] = frame["study"].where(labels.notna().to_numpy(), None)
    keep = frame.notna().all(axis=1).to_numpy()
    if not keep.any():
        columns = [outcome] + ([baseline] if baseline is not None else []) + [condition, study]
        raise DataError(f"no client has a value in every analysed column ({', '.join(map(str, columns))})")
    used = frame.loc[keep, "condition"]
    if not (used == reference).any():
        raise DataError(f"no analysed client is in the reference condition {reference!r}; choose another "
                        f"reference from {', '.join(sorted(set(used.astype(str))))}", column=str(condition))
    if used.nunique() < 2:
        raise DataError("the analysed clients are all in one condition; nothing to compare", column=str(condition))
    frame["condition"] = frame["condition"].cat.remove_unused_categories()
    return frame


def _rename(fixed: pd.DataFrame, baseline, condition, study) -> pd.DataFrame:
    """The internal names y/baseline/condition/study -> the caller's columns, as R names the terms."""
    def name(term: str) -> str:
        if term == "baseline":
            return str(baseline)
        for internal, user in (("condition", condition), ("study", study)):
            if term.startswith(internal):
                return str(user) + term[len(internal):]
        return term

    return fixed.assign(term=[name(t) for t in fixed["term"]])


def _user_error(exc: DataError, outcome, baseline, condition, study) -> DataError:
    """A model's DataError with the internal names y/baseline/condition/study replaced by the caller's columns."""
    names = {"y": outcome, "baseline": baseline, "condition": condition, "study": study}
    message = exc.message
    for internal, user in names.items():
        if user is not None:
            tail = r"\b" if internal in ("y", "baseline") else ""
            message = re.sub(rf"\b{internal}{tail}", lambda m, u=str(user): u, message)
    column = names.get(exc.column, exc.column) if exc.column is not None else None
    return DataError(message, source=exc.source, row=exc.row, column=None if column is None else str(column))


def _ols(frame: pd.DataFrame, fixed: str, level: float):
    """lm(y ~ fixed) on the complete rows: (fixed table, residual variance, n, n_dropped)."""
    design = build_design(ParsedFormula(f"y ~ {fixed}", "y", fixed, ()), frame)
    X, y = design.X, design.y
    n, p = X.shape
    if n <= p:
        raise DataError(f"{p} coefficients for {n} analysed clients; need more clients")
    xtx_inv = np.linalg.inv(X.T @ X)
    beta = xtx_inv @ (X.T @ y)
    resid = y - X @ beta
    df = n - p
    sigma2 = float(resid @ resid / df)
    se = np.sqrt(np.diag(sigma2 * xtx_inv))
    t = beta / se
    half = stats.t.ppf(0.5 + level / 2.0, df) * se
    table = pd.DataFrame({"term": list(design.fixed_names), "estimate": beta, "se": se, "df": float(df),
                          "statistic": t, "p": 2.0 * stats.t.sf(np.abs(t), df), "ci_lower": beta - half,
                          "ci_upper": beta + half}, columns=list(FIXED_COLUMNS))
    return table, sigma2, n, design.n_dropped


def _fit(frame, fixed, shown, study_effect, n_studies, baseline, condition, study, level):
    """The random-study mixed model or the linear model: (model, coefs, sigma2, tau2, n_obs, n_dropped, formula)."""
    model, tau2 = None, None
    if study_effect == "random" and n_studies > 1:
        formula = f"{shown} + (1 | {study})"
        model = mixed_model(f"y ~ {fixed} + (1 | study)", frame, level=level)
        coefs = _rename(model.fixed, baseline, condition, study)
        model = replace(model, fixed=coefs, formula=formula)
        n_obs, n_dropped = model.n_obs, model.n_dropped
        variance = model.variance.set_index("group")["vcov"]
        tau2, sigma2 = float(variance["study"]), float(variance["Residual"])
    else:
        rhs = fixed + (" + study" if n_studies > 1 else "")
        formula = shown + (f" + {study}" if n_studies > 1 else "")
        coefs, sigma2, n_obs, n_dropped = _ols(frame, rhs, level)
        coefs = _rename(coefs, baseline, condition, study)
    return model, coefs, sigma2, tau2, n_obs, n_dropped, formula


def one_stage(clients, *, outcome: str, baseline: str | None = None, condition: str = "condition",
              study: str = "study", study_effect: str = "random", reference: str = "none",
              level: float = 0.95) -> OneStageResult:
    """Fit all studies' clients in one model: ``outcome ~ [baseline +] condition + (1 | study)`` or ``+ study``.

    Parameters
    ----------
    clients : pandas.DataFrame or dict
        One row per client with a ``study`` column (the client tables of
        :func:`ruptstats.sessions.client_conditions` / ``client_outcomes`` stacked), or ``{study label: client
        table}``.
    outcome : str
        Numeric outcome column, e.g. ``"post"``; effects are on its own scale.
    baseline : str, optional
        Numeric baseline column (e.g. ``"pre"``), entered as a covariate (ANCOVA).
    condition, study : str
        The condition column (``none``/``unrepaired``/``repaired``) and the study column.
    study_effect : {"random", "fixed"}, default "random"
        Random study intercepts (lme4 ``(1 | study)``, REML, Satterthwaite df) or one fixed effect per study
        (``lm``).
    reference : {"none", "unrepaired", "repaired"}, default "none"
        The condition the others are compared with.
    level : float, default 0.95
        Confidence level (95 and 0.95 both mean 95 %).

    Returns
    -------
    OneStageResult
        ``effects``: per condition ``term`` (lme4's name, e.g. ``conditionrepaired``), ``estimate`` (difference
        from the reference on the outcome's scale), ``se``, ``df``, ``statistic`` (t), ``p``, ``ci_lower``,
        ``ci_upper``; ``tau2``, ``sigma2``, ``n_obs``, ``n_studies``, ``model``.

    Raises
    ------
    DataError
        A missing or non-numeric column, a condition outside the three (naming the row), no client in the
        reference condition, one condition only.
    OptionError
        A bad ``study_effect``, ``reference`` or ``level``.

    Notes
    -----
    See the module docstring for the model. With one study (after leaving out clients with a missing value) there
    is no between-study variance to estimate and the model is ``lm(y ~ [baseline +] condition)`` whatever
    ``study_effect`` says (with a note).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(7)
    >>> clients = pd.DataFrame({"study": np.repeat(["A", "B", "C"], 30),
    ...                         "condition": np.tile(["none", "unrepaired", "repaired"], 30)})
    >>> clients["post"] = 50 + 5 * (clients["condition"] == "repaired") + rng.normal(0, 4, 90)
    >>> res = one_stage(clients, outcome="post", reference="unrepaired")
    >>> res.effects["term"].tolist()
    ['conditionnone', 'conditionrepaired']
    """
    study_effect = check_choice("study_effect", study_effect, ("random", "fixed"))
    reference = check_choice("reference", reference, _CONDITIONS)
    level = check_level(level)
    names = [outcome, condition, study] + ([baseline] if baseline is not None else [])
    if len(set(map(str, names))) != len(names):
        raise OptionError(f"outcome, baseline, condition and study must be different columns, got {names}")
    table = _stack(clients, study)
    if isinstance(clients, dict):
        _check_parts(clients, outcome, baseline, condition)
    frame = _model_frame(table, outcome, baseline, condition, study, reference)
    complete = frame.notna().all(axis=1)
    n_studies = int(frame.loc[complete, "study"].nunique())
    fixed = ("baseline + " if baseline is not None else "") + "condition"
    notes = []
    shown = f"{outcome} ~ " + " + ".join(([str(baseline)] if baseline is not None else []) + [str(condition)])
    if n_studies == 1:
        notes.append(f"one study: fitted as lm({shown}); there is no between-study variance")
    try:
        model, coefs, sigma2, tau2, n_obs, n_dropped, formula = _fit(frame, fixed, shown, study_effect, n_studies,
                                                                      baseline, condition, study, level)
    except DataError as exc:
        raise _user_error(exc, outcome, baseline, condition, study) from None
    if model is not None:
        notes += [n for n in model.notes if "left out" not in n]
    if n_dropped:
        notes.insert(0, f"{n_dropped} client(s) with a missing outcome, baseline, condition or study left out")
    rows = coefs.set_index("term")
    effects = pd.DataFrame([{"condition": c, "term": f"{condition}{c}", **rows.loc[f"{condition}{c}"].to_dict()}
                            for c in frame["condition"].cat.categories[1:]], columns=list(EFFECT_COLUMNS))
    return OneStageResult(outcome=str(outcome), baseline=None if baseline is None else str(baseline),
                          study_effect=study_effect, reference=reference, formula=formula, effects=effects,
                          fixed=coefs.reset_index(drop=True), tau2=tau2, sigma2=sigma2, n_obs=int(n_obs),
                          n_studies=n_studies, n_dropped=int(n_dropped), level=level, model=model,
                          notes=tuple(notes))


@dataclass(frozen=True)
class IPDComparison:
    """One-stage and two-stage estimates of the repaired-vs-unrepaired difference side by side.

    ``one_stage`` (:class:`OneStageResult`, reference ``unrepaired``), ``two_stage`` (the
    :class:`~ruptstats.meta.MetaResult` pooling the study estimates), ``studies`` (one row per study: ``study,
    estimate, se, ci_lower, ci_upper, p, n``; the study's own comparison), ``measure`` (``"MD"`` or ``"ANCOVA"``,
    what each study contributes), ``outcome``, ``baseline``, ``notes``.
    """

    one_stage: OneStageResult
    two_stage: object
    studies: pd.DataFrame
    measure: str
    outcome: str
    baseline: str | None
    notes: tuple = ()
    contrast: str = "repaired_vs_unrepaired"

    def summary_frame(self) -> pd.DataFrame:
        """Rows ``approach`` = ``study`` (one per study), ``two_stage`` and ``one_stage`` with ``study, estimate,
        se, ci_lower, ci_upper, p, n`` (:data:`IPD_COLUMNS`); estimates on the outcome's own scale. Study rows
        have normal-theory intervals and p-values (estimate ± z·se, as metafor's forest plot shows the inputs of
        the pooling); the one-stage row has the model's t-based ones; ``n`` counts the clients each used."""
        two, one = self.two_stage, self.one_stage
        row = one.effects.set_index("condition").loc["repaired"]
        pooled = pd.DataFrame([
            {"approach": "two_stage", "study": None, "estimate": two.estimate, "se": two.se,
             "ci_lower": two.ci_lower, "ci_upper": two.ci_upper, "p": two.p, "n": float(self.studies["n"].sum())},
            {"approach": "one_stage", "study": None, "estimate": row["estimate"], "se": row["se"],
             "ci_lower": row["ci_lower"], "ci_upper": row["ci_upper"], "p": row["p"], "n": float(one.n_obs)}])
        studies = self.studies.assign(approach="study")
        return pd.concat([studies, pooled], ignore_index=True)[list(IPD_COLUMNS)]

    def to_dict(self) -> dict:
        """Strict JSON: ``contrast, measure, outcome, baseline, rows`` (the summary frame's rows), ``one_stage``,
        ``two_stage`` (their ``to_dict()``), ``notes``."""
        return {"contrast": self.contrast, "measure": self.measure, "outcome": self.outcome,
                "baseline": self.baseline, "rows": _rows(self.summary_frame(), IPD_COLUMNS),
                "one_stage": self.one_stage.to_dict(), "two_stage": self.two_stage.to_dict(),
                "notes": list(self.notes)}

    def summary(self) -> str:
        """The two estimates side by side, in words with APA numbers."""
        from ..report import apa_ci, apa_number, apa_p

        frame = self.summary_frame()
        what = {"MD": "mean difference", "ANCOVA": f"ANCOVA coefficient given {self.baseline}"}[self.measure]
        lines = [f"Repaired vs unrepaired on {self.outcome} (its own scale), {self.two_stage.k} studies:"]
        for r in frame.itertuples(index=False):
            label = {"study": f"  {r.study} ({what})", "two_stage": "Two-stage (pooled, rma "
                     f"{self.two_stage.method})", "one_stage": f"One-stage ({self.one_stage.formula})"}[r.approach]
            lines.append(f"{label}: {apa_number(r.estimate)}, {apa_ci(r.ci_lower, r.ci_upper, self.one_stage.level)},"
                         f" {apa_p(r.p)}")
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _study_estimate(comparison, baseline) -> tuple[float, float, int] | None:
    """(estimate, variance, n) of repaired vs unrepaired in one study, or None when it cannot be computed."""
    from ..effects import escalc

    if baseline is not None:
        if comparison.ancova is None:
            return None
        row = next(r for r in comparison.ancova["coefficient_rows"] if r["term"] == "repaired")
        return float(row["estimate"]), float(row["se"]) ** 2, int(sum(comparison.n.values()))
    c = comparison.contrasts[0]  # repaired_vs_unrepaired
    if c["sd1"] is None or c["sd2"] is None or (c["sd1"] == 0 and c["sd2"] == 0):
        return None
    es = escalc(measure="MD", m1i=[c["mean1"]], sd1i=[c["sd1"]], n1i=[c["n1"]], m2i=[c["mean2"]],
                sd2i=[c["sd2"]], n2i=[c["n2"]])
    return float(es["yi"].iloc[0]), float(es["vi"].iloc[0]), int(c["n1"] + c["n2"])


def two_stage_vs_one_stage(clients, *, outcome: str, baseline: str | None = None, condition: str = "condition",
                           study: str = "study", study_effect: str = "random", method: str = "REML",
                           level: float = 0.95) -> IPDComparison:
    r"""The repaired-vs-unrepaired difference estimated in one stage and in two, side by side.

    Parameters
    ----------
    clients, outcome, baseline, condition, study, study_effect, level
        As in :func:`one_stage` (the one-stage model uses reference ``unrepaired``, so its ``conditionrepaired``
        row is the repaired-vs-unrepaired difference).
    method : str, default "REML"
        The between-study variance estimator of the two-stage pooling (:func:`ruptstats.meta.rma`'s ``method``).

    Returns
    -------
    IPDComparison
        ``summary_frame()``: one row per study, the two-stage pooled row and the one-stage row.

    Raises
    ------
    DataError
        As :func:`one_stage`; also when no study has an estimate (every study needs two clients in each of the
        repaired and unrepaired conditions, or an ANCOVA, see
        :func:`ruptstats.conditions.compare_conditions`).

    Notes
    -----
    Stage one is each study's :func:`~ruptstats.conditions.compare_conditions`: without a baseline its raw mean
    difference :math:`\bar y_R - \bar y_U` with :math:`v = s_R^2/n_R + s_U^2/n_U` (metafor ``escalc("MD")``); with a
    baseline its ANCOVA coefficient of ``repaired`` against ``unrepaired`` with :math:`v = SE^2`. Stage two pools
    them with ``rma(yi, vi, method = method)``. Both stages then estimate the same unstandardised difference, so
    the two rows can be compared directly; they differ by the one-stage model's common residual variance and
    baseline slope across studies (Burke et al., 2017). Studies without an estimate are left out of stage two
    with a note.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(7)
    >>> clients = pd.DataFrame({"study": np.repeat(["A", "B", "C"], 30),
    ...                         "condition": np.tile(["none", "unrepaired", "repaired"], 30)})
    >>> clients["post"] = 50 + 5 * (clients["condition"] == "repaired") + rng.normal(0, 4, 90)
    >>> both = two_stage_vs_one_stage(clients, outcome="post")
    >>> both.summary_frame()["approach"].tolist()
    ['study', 'study', 'study', 'two_stage', 'one_stage']
    """
    from ..conditions import compare_conditions
    from ..meta import rma

    one = one_stage(clients, outcome=outcome, baseline=baseline, condition=condition, study=study,
                    study_effect=study_effect, reference="unrepaired", level=level)
    table = _stack(clients, study)
    labels = table[study].dropna().astype(str)
    notes, rows = [], []
    z = float(stats.norm.ppf(0.5 + one.level / 2.0))
    for label in dict.fromkeys(labels):
        sub = table.loc[table[study].astype("string") == label]
        comparison = compare_conditions(sub.drop(columns=[study]), outcome=outcome, baseline=baseline,
                                        condition=condition, reference="unrepaired", level=level, study=label)
        got = _study_estimate(comparison, baseline)
        if got is None:
            notes.append(f"study {label!r} has no repaired-vs-unrepaired estimate (each condition needs two clients "
                         f"and a non-zero SD{', and the ANCOVA every condition' if baseline is not None else ''}); "
                         f"left out of the two-stage pooling")
            continue
        yi, vi, n = got
        se = math.sqrt(vi)
        rows.append({"study": label, "estimate": yi, "se": se, "ci_lower": yi - z * se, "ci_upper": yi + z * se,
                     "p": float(2.0 * stats.norm.sf(abs(yi / se))) if se > 0 else math.nan, "n": float(n)})
    if not rows:
        raise DataError("no study has a repaired-vs-unrepaired estimate for the two-stage analysis")
    studies = pd.DataFrame(rows, columns=[c for c in IPD_COLUMNS if c != "approach"])
    pooled = rma(studies["estimate"].to_numpy(), studies["se"].to_numpy() ** 2, study=studies["study"].tolist(),
                 method=method, level=one.level)
    measure = "MD" if baseline is None else "ANCOVA"
    return IPDComparison(one_stage=one, two_stage=pooled, studies=studies, measure=measure, outcome=str(outcome),
                         baseline=None if baseline is None else str(baseline), notes=tuple(notes + list(one.notes)))
