"""``ConditionComparison``: the frozen result of :func:`~ruptstats.conditions.compare_conditions`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["ConditionComparison", "strict_json"]

CONTRAST_COLUMNS = ("contrast", "mean_difference", "hedges_g", "ci_lower", "ci_upper", "p_tukey", "p_games_howell",
                    "p_holm", "p_welch", "n1", "n2", "mean1", "mean2", "sd1", "sd2")


def strict_json(value):
    """``value`` with numpy scalars as Python numbers and NaN/inf as ``None`` (``json.dumps(allow_nan=False)``-safe).

    >>> strict_json({"a": float("nan"), "b": [np.int64(2), np.float64(1.5)], "c": (True, None)})
    {'a': None, 'b': [2, 1.5], 'c': [True, None]}
    """
    if isinstance(value, dict):
        return {str(k): strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if value is None or isinstance(value, str):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


@dataclass(frozen=True, eq=False)
class ConditionComparison:
    """Outcome (or change) compared across the none / unrepaired / repaired conditions of one study.

    Attributes
    ----------
    study : str or None
        The study label (from ``study=`` or the client table's single ``study`` value).
    outcome, baseline : str or None
        Column names; ``analysed`` is ``"change"`` (``outcome - baseline``) with a baseline, else ``outcome``.
    reference : str
        The reference condition of the ANCOVA coefficients and the dropout odds ratios.
    level : float
        Confidence level (proportion).
    higher_is_better : bool or None
        Direction of the outcome scale (used by :func:`~ruptstats.conditions.study_effects` and the text).
    covariates : tuple of str
        Extra ANCOVA covariates.
    n : dict
        Analysed clients per condition.
    descriptives : tuple of dict
        ``{condition, n, mean, sd, se, ci_lower, ci_upper}`` of the analysed value; t-based CI.
    anova, welch, kruskal : dict or None
        ``{f, df1, df2, p, eta2}``, ``{f, df1, df2, p}``, ``{h, df, p}`` (:mod:`~ruptstats.conditions.omnibus`).
    ancova : dict or None
        With a baseline or covariates: :mod:`~ruptstats.conditions.ancova`.
    contrasts : tuple of dict
        :mod:`~ruptstats.conditions.contrasts`.
    dropout : dict or None
        With ``dropout=``: :mod:`~ruptstats.conditions.dropout`.
    notes : tuple of str
        Exclusions (with counts) and every statistic not computed, with the reason.
    values : pandas.DataFrame
        One row per analysed client, no identifiers: ``condition``, ``value`` (the analysed value), and
        ``outcome``, ``baseline`` with a baseline, for plots that draw each client.
    """

    study: object
    outcome: str
    baseline: str | None
    analysed: str
    reference: str
    level: float
    higher_is_better: bool | None
    covariates: tuple
    n: dict
    descriptives: tuple
    anova: dict | None
    welch: dict | None
    kruskal: dict | None
    ancova: dict | None
    contrasts: tuple
    dropout: dict | None
    notes: tuple = ()
    values: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def to_dict(self) -> dict:
        """Strict-JSON dictionary (NaN and inf become ``null``); ``values`` as ``{condition, value}`` rows."""
        out = {"study": self.study if self.study is None else str(self.study), "outcome": self.outcome,
               "baseline": self.baseline, "analysed": self.analysed, "higher_is_better": self.higher_is_better,
               "reference": self.reference, "level": self.level, "covariates": list(self.covariates),
               "n": dict(self.n), "descriptives": list(self.descriptives), "anova": self.anova,
               "welch": self.welch, "kruskal": self.kruskal, "ancova": self.ancova,
               "contrasts": list(self.contrasts), "dropout": self.dropout, "notes": list(self.notes),
               "values": [{"condition": str(c), "value": v} for c, v in
                          zip(self.values.get("condition", []), self.values.get("value", []))]}
        return strict_json(out)

    def summary_frame(self) -> pd.DataFrame:
        """The contrasts, one row each: ``contrast, mean_difference, hedges_g, ci_lower, ci_upper, p_tukey,
        p_games_howell, p_holm, p_welch, n1, n2, mean1, mean2, sd1, sd2`` (missing values as NaN)."""
        return _frame(self.contrasts, CONTRAST_COLUMNS)

    def descriptives_frame(self) -> pd.DataFrame:
        """``condition, n, mean, sd, se, ci_lower, ci_upper``, one row per condition."""
        return _frame(self.descriptives, ("condition", "n", "mean", "sd", "se", "ci_lower", "ci_upper"))

    def tests_frame(self) -> pd.DataFrame:
        """The omnibus tests: ``test, statistic, df1, df2, p, eta2`` (``anova``, ``welch``, ``kruskal``, ``ancova``)."""
        rows = []
        for name, res in (("anova", self.anova), ("welch", self.welch), ("kruskal", self.kruskal),
                          ("ancova", self.ancova)):
            res = res or {}
            rows.append({"test": name, "statistic": res.get("f", res.get("h")), "df1": res.get("df1", res.get("df")),
                         "df2": res.get("df2"), "p": res.get("p"), "eta2": res.get("eta2")})
        return _frame(rows, ("test", "statistic", "df1", "df2", "p", "eta2"))

    def adjusted_means_frame(self) -> pd.DataFrame:
        """ANCOVA adjusted means ``condition, adjusted_mean, se, ci_lower, ci_upper`` (empty without ANCOVA)."""
        rows = self.ancova["adjusted_means"] if self.ancova else []
        return _frame(rows, ("condition", "adjusted_mean", "se", "ci_lower", "ci_upper"))

    def dropout_frame(self) -> pd.DataFrame:
        """Dropout per condition ``condition, n, dropouts, proportion, ci_lower, ci_upper`` (Wilson score interval
        at ``level``; NaN for a condition without clients) (empty without ``dropout=``)."""
        rows = self.dropout["proportions"] if self.dropout else []
        return _frame(rows, ("condition", "n", "dropouts", "proportion", "ci_lower", "ci_upper"))

    def summary(self) -> str:
        """Text summary with APA sentences (see :mod:`ruptstats.conditions.text`)."""
        from .text import format_comparison

        return format_comparison(self)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (f"ConditionComparison(study={self.study!r}, analysed={self.analysed!r}, n={self.n!r}, "
                f"anova={self.anova!r})")


def _frame(rows, columns) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=list(columns))
    for col in frame.columns:
        if col in ("n", "n1", "n2", "dropouts"):
            frame[col] = frame[col].astype("int64")
        elif col not in ("contrast", "condition", "test"):
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    return frame

